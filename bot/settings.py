"""One typed settings object, read from the environment (documented in `.env.example`)."""

from __future__ import annotations

import os
import secrets
from contextlib import suppress
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot import LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _read_dotenv(path: Path) -> dict[str, str]:
    """Read KEY=VALUE lines of a `.env` file; the real environment takes precedence."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def _in_project(path: str) -> Path:
    """Relative paths in settings are relative to the project, wherever the command runs."""
    candidate = Path(path)
    return candidate if candidate.is_absolute() else PROJECT_ROOT / candidate


def _sqlite_in_project(url: str) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str(_in_project(url[len(prefix) :]))
    return url


@lru_cache(maxsize=16)
def _made_once(path: Path) -> str:
    """A secret made the first time it is needed and kept in `path` (by any process: the one
    that writes it first wins), read once per process; some are used on every message."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with suppress(FileExistsError), path.open("x", encoding="utf-8") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip()


@dataclass(frozen=True)
class Settings:
    """Everything a process of the assistant needs to know about its surroundings."""

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'guidance.db'}"
    tracker_database_url: str = ""
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    engine_port: int = 5005
    action_port: int = 5055
    engine_token: str = ""
    engine_timeout_seconds: float = 20.0
    default_language: str = "fr"
    registration_secret: str = ""
    purge_after_days: int = 90
    # A conversation nobody wrote in for this long is deleted from the engine's store.
    conversation_retention_days: int = 30
    # How often the gateway purges what is past its retention (and once at each start).
    purge_every_hours: float = 24.0
    log_level: str = "INFO"
    model_dir: Path = field(default=PROJECT_ROOT / "models")
    var_dir: Path = field(default=PROJECT_ROOT / "var")
    # Web pages whose widget may open a websocket or call the API (scheme://host[:port]).
    allowed_origins: tuple[str, ...] = ()
    telegram_token: str = ""
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str = ""
    # Counsellors: their teams' hours, how long a person waits before a callback is offered
    # instead, and the console's session cookie (signed with CONSOLE_SECRET; Secure over HTTPS).
    office_hours_file: Path = field(default=PROJECT_ROOT / "catalogue" / "office-hours.yml")
    handoff_claim_minutes: int = 10
    console_secret: str = ""
    console_https: bool = False
    # Telegram group chats told of new handoffs: one chat id for all teams, or team=chat pairs
    # ("actiris=-1001,becode=-1002"); empty: no notifications.
    counsellor_telegram_chat: str = ""
    # Keys integrations show to call `POST /api/messages` with ids of their own (API_KEYS,
    # comma-separated); empty: one made once and kept in var/api-key.
    api_keys: tuple[str, ...] = ()
    # Signs web conversations' tokens; empty: a key made once and kept in var/.
    conversation_secret: str = ""
    # Messages allowed per client address and per conversation, all channels together
    # ("60/minute"), and where the counts live: empty for memory (one gateway), redis://… to
    # share them between gateways. Behind a proxy, its addresses (TRUSTED_PROXIES) let the
    # gateway read the client's address from X-Forwarded-For.
    rate_limit_client: str = "60/minute"
    rate_limit_conversation: str = "30/minute"
    rate_limit_storage: str = ""
    trusted_proxies: tuple[str, ...] = ()
    # The gateway's API documentation pages (/docs, /redoc, /openapi.json): off unless asked.
    api_docs: bool = False
    # Several processes of each part (docs/deployment.md). The engine replicas the gateway
    # spreads conversations over (ENGINE_URLS) and the action servers it checks for /healthz
    # (ACTION_SERVER_URLS); empty: the one engine and action server on this machine's ports.
    engine_urls: tuple[str, ...] = ()
    action_server_urls: tuple[str, ...] = ()
    # What gateways share (live events for widgets and consoles, the Telegram polling lease,
    # rate limits unless RATE_LIMIT_STORAGE says otherwise); empty: one gateway, in memory.
    redis_url: str = ""
    # Proves webhook updates come from Telegram; every gateway must register the same one.
    # Empty: a key made once and kept in var/.
    telegram_webhook_secret: str = ""

    @property
    def engine_url(self) -> str:
        return f"http://127.0.0.1:{self.engine_port}"

    @property
    def action_server_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    @property
    def effective_engine_urls(self) -> tuple[str, ...]:
        return self.engine_urls or (self.engine_url,)

    @property
    def effective_action_server_urls(self) -> tuple[str, ...]:
        return self.action_server_urls or (self.action_server_url,)

    @property
    def effective_rate_limit_storage(self) -> str:
        """RATE_LIMIT_STORAGE, else the gateways' shared Redis, else memory."""
        return self.rate_limit_storage or self.redis_url or "memory://"

    @property
    def effective_allowed_origins(self) -> tuple[str, ...]:
        """ALLOWED_ORIGINS, else the gateway's own pages (its demo page embeds the widget)."""
        if self.allowed_origins:
            return self.allowed_origins
        hosts = {self.gateway_host, "127.0.0.1", "localhost"} - {"0.0.0.0"}
        return tuple(sorted(f"http://{host}:{self.gateway_port}" for host in hosts))

    @property
    def effective_tracker_url(self) -> str:
        """The engine's tracker store: its own SQLite file by default, else the same server."""
        if self.tracker_database_url:
            return self.tracker_database_url
        if self.database_url.startswith("sqlite"):
            return f"sqlite:///{self.var_dir / 'tracker.db'}"
        return self.database_url

    def counsellor_chat_of(self, team: str) -> int | None:
        """The Telegram group chat of `team`'s counsellors, if one is configured."""
        pairs = [part.strip() for part in self.counsellor_telegram_chat.split(",") if part.strip()]
        for pair in pairs:
            name, _, chat = pair.rpartition("=")
            if name in ("", team):
                with suppress(ValueError):
                    return int(chat)
        return None

    def conversation_key(self) -> str:
        """The key that signs web conversations' tokens (bot/identity.py); every gateway of one
        deployment needs the same."""
        return self._kept_secret(self.conversation_secret, "conversation-secret")

    def effective_api_keys(self) -> tuple[str, ...]:
        """API_KEYS, else one key made once and kept in var/api-key (`guidance run` shows it)."""
        return self.api_keys or (self._kept_secret("", "api-key"),)

    def contact_secret(self) -> str:
        """The key that hashes contacts: REGISTRATION_SECRET, else one made once and kept in var/.

        It must not change, or the same person would no longer be recognised.
        """
        return self._kept_secret(self.registration_secret, "registration-secret")

    def console_session_secret(self) -> str:
        """The key that signs the console's session cookies: CONSOLE_SECRET, else one made once
        and kept in var/ (a new key logs every counsellor out)."""
        return self._kept_secret(self.console_secret, "console-secret")

    def telegram_webhook_key(self) -> str:
        """The secret registered with Telegram's webhook: the same for every gateway, so an
        update reaching any of them is accepted."""
        return self._kept_secret(self.telegram_webhook_secret, "telegram-webhook-secret")

    def _kept_secret(self, configured: str, filename: str) -> str:
        return configured or _made_once(self.var_dir / filename)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = {
            **_read_dotenv(PROJECT_ROOT / ".env"),
            **(environ if environ is not None else os.environ),
        }
        defaults = cls()
        language = env.get("DEFAULT_LANGUAGE", defaults.default_language)
        if language not in LANGUAGES:
            raise ValueError(f"DEFAULT_LANGUAGE must be one of {LANGUAGES}, not {language!r}")
        return cls(
            database_url=_sqlite_in_project(env.get("DATABASE_URL") or defaults.database_url),
            tracker_database_url=_sqlite_in_project(env.get("TRACKER_DATABASE_URL", "")),
            gateway_host=env.get("GATEWAY_HOST", defaults.gateway_host),
            gateway_port=int(env.get("GATEWAY_PORT", defaults.gateway_port)),
            engine_port=int(env.get("ENGINE_PORT", defaults.engine_port)),
            action_port=int(env.get("ACTION_PORT", defaults.action_port)),
            engine_token=env.get("ENGINE_TOKEN", ""),
            engine_timeout_seconds=float(
                env.get("ENGINE_TIMEOUT_SECONDS", defaults.engine_timeout_seconds)
            ),
            default_language=language,
            registration_secret=env.get("REGISTRATION_SECRET", ""),
            purge_after_days=int(env.get("PURGE_AFTER_DAYS", defaults.purge_after_days)),
            conversation_retention_days=int(
                env.get("CONVERSATION_RETENTION_DAYS", defaults.conversation_retention_days)
            ),
            purge_every_hours=float(env.get("PURGE_EVERY_HOURS", defaults.purge_every_hours)),
            log_level=env.get("LOG_LEVEL", defaults.log_level),
            model_dir=_in_project(env.get("MODEL_DIR") or str(defaults.model_dir)),
            var_dir=_in_project(env.get("VAR_DIR") or str(defaults.var_dir)),
            allowed_origins=tuple(
                origin.strip().rstrip("/")
                for origin in env.get("ALLOWED_ORIGINS", "").split(",")
                if origin.strip()
            ),
            telegram_token=env.get("TELEGRAM_TOKEN", ""),
            telegram_api_url=env.get("TELEGRAM_API_URL") or defaults.telegram_api_url,
            telegram_webhook_url=env.get("TELEGRAM_WEBHOOK_URL", ""),
            office_hours_file=_in_project(
                env.get("OFFICE_HOURS_FILE") or str(defaults.office_hours_file)
            ),
            handoff_claim_minutes=int(
                env.get("HANDOFF_CLAIM_MINUTES", defaults.handoff_claim_minutes)
            ),
            console_secret=env.get("CONSOLE_SECRET", ""),
            console_https=env.get("CONSOLE_HTTPS", "").lower() in ("1", "true", "yes"),
            counsellor_telegram_chat=env.get("COUNSELLOR_TELEGRAM_CHAT", ""),
            api_docs=env.get("API_DOCS", "").lower() in ("1", "true", "yes"),
            api_keys=_listed(env.get("API_KEYS", "")),
            conversation_secret=env.get("CONVERSATION_SECRET", ""),
            rate_limit_client=env.get("RATE_LIMIT_CLIENT") or defaults.rate_limit_client,
            rate_limit_conversation=(
                env.get("RATE_LIMIT_CONVERSATION") or defaults.rate_limit_conversation
            ),
            rate_limit_storage=env.get("RATE_LIMIT_STORAGE", ""),
            trusted_proxies=_listed(env.get("TRUSTED_PROXIES", "")),
            engine_urls=tuple(url.rstrip("/") for url in _listed(env.get("ENGINE_URLS", ""))),
            action_server_urls=tuple(
                url.rstrip("/") for url in _listed(env.get("ACTION_SERVER_URLS", ""))
            ),
            redis_url=env.get("REDIS_URL", ""),
            telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", ""),
        )


def _listed(value: str) -> tuple[str, ...]:
    """A comma-separated setting's items."""
    return tuple(item.strip() for item in value.split(",") if item.strip())
