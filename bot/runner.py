"""Start and stop the three processes of the assistant: engine, action server and gateway.

Used by `guidance run` (and so `make run`), by the end-to-end tests and by the benchmark, so all
of them run the assistant the same way.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import yaml

from bot.catalogue.importer import import_catalogue, validate
from bot.catalogue.queries import brussels_today
from bot.catalogue.seed import shifted_seed
from bot.channels.validation import MAX_FRAME_BYTES
from bot.db import database_for, db_sessions
from bot.db.migrate import upgrade
from bot.settings import PROJECT_ROOT, Settings

logger = logging.getLogger(__name__)

RASA = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"


def free_port() -> int:
    """A port nothing listens on now, for a process to start on (tests, benchmark)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rasa_url(url: str) -> str:
    """The tracker store's URL as the engine's SQLAlchemy 1.4 with psycopg2 expects it."""
    for prefix in ("postgresql+psycopg://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def base_env(settings: Settings) -> dict[str, str]:
    """The environment of every process: the settings spelled out, and no telemetry."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": settings.database_url,
            "TRACKER_DATABASE_URL": rasa_url(settings.effective_tracker_url),
            "ENGINE_PORT": str(settings.engine_port),
            "ACTION_PORT": str(settings.action_port),
            "GATEWAY_PORT": str(settings.gateway_port),
            "GATEWAY_HOST": settings.gateway_host,
            "ENGINE_TOKEN": settings.engine_token,
            "DEFAULT_LANGUAGE": settings.default_language,
            "LOG_LEVEL": settings.log_level,
            "MODEL_DIR": str(settings.model_dir),
            "VAR_DIR": str(settings.var_dir),
            "ALLOWED_ORIGINS": ",".join(settings.allowed_origins),
            "TELEGRAM_TOKEN": settings.telegram_token,
            "TELEGRAM_API_URL": settings.telegram_api_url,
            "TELEGRAM_WEBHOOK_URL": settings.telegram_webhook_url,
            "OFFICE_HOURS_FILE": str(settings.office_hours_file),
            "HANDOFF_CLAIM_MINUTES": str(settings.handoff_claim_minutes),
            "CONSOLE_SECRET": settings.console_secret,
            "CONSOLE_HTTPS": "true" if settings.console_https else "false",
            "COUNSELLOR_TELEGRAM_CHAT": settings.counsellor_telegram_chat,
            "API_DOCS": "true" if settings.api_docs else "false",
            "API_KEYS": ",".join(settings.api_keys),
            "CONVERSATION_SECRET": settings.conversation_secret,
            "RATE_LIMIT_CLIENT": settings.rate_limit_client,
            "RATE_LIMIT_CONVERSATION": settings.rate_limit_conversation,
            "RATE_LIMIT_STORAGE": settings.rate_limit_storage,
            "TRUSTED_PROXIES": ",".join(settings.trusted_proxies),
            "PURGE_AFTER_DAYS": str(settings.purge_after_days),
            "CONVERSATION_RETENTION_DAYS": str(settings.conversation_retention_days),
            "PURGE_EVERY_HOURS": str(settings.purge_every_hours),
            "ENGINE_URLS": ",".join(settings.engine_urls),
            "ACTION_SERVER_URLS": ",".join(settings.action_server_urls),
            "REDIS_URL": settings.redis_url,
            "TELEGRAM_WEBHOOK_SECRET": settings.telegram_webhook_secret,
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def third_party_log_level(level: str) -> str:
    """The engine's and rasa-sdk's log level: never below INFO, as at DEBUG Rasa logs every
    slot's value (names, contacts, ages). LOG_LEVEL=DEBUG still applies to our gateway."""
    return "INFO" if level.upper() == "DEBUG" else level


def engine_command(
    settings: Settings, port: int | None = None, endpoints: Path = PROJECT_ROOT / "endpoints.yml"
) -> list[str]:
    return [
        str(RASA), "run",
        # One argument: a token may start with "-", which argparse would read as an option.
        "--enable-api", f"--auth-token={settings.engine_token}",
        "--interface", "127.0.0.1", "--port", str(port or settings.engine_port),
        "--endpoints", str(endpoints),
        "--credentials", str(PROJECT_ROOT / "credentials.yml"),
        "--model", str(settings.model_dir),
    ]  # fmt: skip


def action_server_command(settings: Settings, port: int | None = None) -> list[str]:
    return [
        sys.executable,
        "-m",
        "rasa_sdk",
        "--actions",
        "actions",
        "--port",
        str(port or settings.action_port),
    ]


def gateway_command(
    settings: Settings, host: str | None = None, port: int | None = None
) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "--factory", "bot.web.asgi:app_from_env",
        "--host", host or settings.gateway_host, "--port", str(port or settings.gateway_port),
        "--no-access-log", "--ws-max-size", str(MAX_FRAME_BYTES),
    ]  # fmt: skip


@dataclass(frozen=True)
class Scale:
    """How many processes of each part; one of each by default."""

    engines: int = 1
    action_servers: int = 1
    gateways: int = 1

    @property
    def replicated(self) -> bool:
        return (self.engines, self.action_servers, self.gateways) != (1, 1, 1)


@dataclass
class Part:
    """One process of the stack, and how to start it again."""

    name: str  # engine, gateway-2, balancer…
    kind: str  # engine, actions, gateway or balancer
    url: str  # where it answers
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)

    @property
    def health_url(self) -> str:
        # Rasa's "/" answers once its model is loaded; the gateway's /livez and the
        # balancer's own check whether the process serves at all.
        path = {"engine": "/", "actions": "/health"}.get(self.kind, "/livez")
        return self.url + path


def part_answers(url: str, timeout: float = 2.0) -> bool:
    try:
        return httpx.get(url, timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class Stack:
    settings: Settings
    log_dir: Path
    scale: Scale = Scale()
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    parts: dict[str, Part] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        """The public address: the gateway's, or the balancer's in front of several."""
        return f"http://{self.settings.gateway_host}:{self.settings.gateway_port}"

    def urls_of(self, kind: str) -> list[str]:
        return [part.url for part in self.parts.values() if part.kind == kind]

    def start_process(
        self, name: str, command: list[str], extra_env: dict[str, str] | None = None
    ) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{name}.log").open("ab")
        env = {**base_env(self.settings), **(extra_env or {})}
        self.processes[name] = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip

    def _add(self, part: Part) -> None:
        self.parts[part.name] = part

    def launch(self, name: str) -> None:
        """Start (or start again) one part."""
        part = self.parts[name]
        self.start_process(name, part.command, part.env)

    def start(self) -> None:
        if self.scale.replicated:
            self._plan_replicated()
        else:
            self._plan_single()
        engines = [name for name, part in self.parts.items() if part.kind == "engine"]
        for name in self.parts:
            if name not in engines[1:]:
                self.launch(name)
        if len(engines) > 1:
            # The first engine creates the tracker store's table; the others find it (several
            # creating it at once would race).
            self._wait_for(engines[0])
            for name in engines[1:]:
                self.launch(name)
        self.write_status_file()

    def _plan_single(self) -> None:
        settings = self.settings
        # The action server and gateway start in a second; the engine loads its model longer.
        quieter = {"LOG_LEVEL": third_party_log_level(settings.log_level)}
        self._add(Part("engine", "engine", settings.engine_url, engine_command(settings), quieter))
        self._add(
            Part(
                "actions", "actions", settings.action_server_url,
                action_server_command(settings), {"SANIC_HOST": "127.0.0.1", **quieter},
            )
        )  # fmt: skip
        self._add(Part("gateway", "gateway", self.gateway_url, gateway_command(settings)))

    def _plan_replicated(self) -> None:
        """N engines on the PostgreSQL tracker store and Redis lock store, M action servers
        and G gateways, with HAProxy in front of the gateways (the public port) and of the
        action servers (the port the engines call)."""
        settings = self.settings
        problem = replication_problem(settings)
        if problem:
            raise ValueError(problem)
        quieter = {"LOG_LEVEL": third_party_log_level(settings.log_level)}
        endpoints = write_replicated_endpoints(
            settings, settings.var_dir / "endpoints-replicated.yml"
        )
        engines = [(f"engine-{i}", free_port()) for i in range(1, self.scale.engines + 1)]
        actions = [(f"actions-{i}", free_port()) for i in range(1, self.scale.action_servers + 1)]
        gateways = [(f"gateway-{i}", free_port()) for i in range(1, self.scale.gateways + 1)]
        for name, port in engines:
            env = {**quieter, "TICKET_LOCK_LIFETIME": str(TICKET_LOCK_SECONDS)}
            self._add(
                Part(name, "engine", f"http://127.0.0.1:{port}",
                     engine_command(settings, port, endpoints), env)
            )  # fmt: skip
        for name, port in actions:
            env = {"SANIC_HOST": "127.0.0.1", **quieter}
            self._add(
                Part(name, "actions", f"http://127.0.0.1:{port}",
                     action_server_command(settings, port), env)
            )  # fmt: skip
        shared = {
            "ENGINE_URLS": ",".join(self.urls_of("engine")),
            "ACTION_SERVER_URLS": ",".join(self.urls_of("actions")),
            # The browser's origin is the balancer's, not a gateway's own port.
            "ALLOWED_ORIGINS": ",".join(settings.effective_allowed_origins),
            # The balancer adds the client's address to X-Forwarded-For.
            "TRUSTED_PROXIES": ",".join(dict.fromkeys(("127.0.0.1", *settings.trusted_proxies))),
        }
        for name, port in gateways:
            self._add(
                Part(name, "gateway", f"http://127.0.0.1:{port}",
                     gateway_command(settings, "127.0.0.1", port),
                     {**shared, "GATEWAY_PORT": str(port)})
            )  # fmt: skip
        config = settings.var_dir / "haproxy.cfg"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            haproxy_config(
                settings,
                [p for p in self.parts.values() if p.kind == "gateway"],
                [p for p in self.parts.values() if p.kind == "actions"],
            ),
            encoding="utf-8",
        )
        self._add(
            Part(
                "balancer",
                "balancer",
                self.gateway_url,
                [haproxy_binary(), "-f", str(config), "-db"],
            )
        )

    def _wait_for(self, name: str, timeout: float = 180.0) -> None:
        part, started = self.parts[name], time.monotonic()
        while time.monotonic() - started < timeout:
            self._check_alive()
            if part_answers(part.health_url):
                return
            time.sleep(0.25)
        raise TimeoutError(f"{name} did not answer after {timeout:.0f} s; see {self.log_dir}")

    def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(
                    f"the {name} process stopped (exit {process.returncode}); "
                    f"see {self.log_dir / (name + '.log')}"
                )

    def health(self) -> dict[str, bool]:
        """Each part: does it answer now?"""
        return {name: part_answers(part.health_url) for name, part in self.parts.items()}

    def wait_until_healthy(self, timeout: float = 180.0) -> float:
        """Seconds until every part answers and the gateway reports them all healthy; raise if
        a process dies."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            self._check_alive()
            try:
                ready = httpx.get(f"{self.gateway_url}/healthz", timeout=2.0).status_code == 200
            except httpx.HTTPError:
                ready = False
            if ready and (not self.scale.replicated or all(self.health().values())):
                return time.monotonic() - started
            time.sleep(0.25)
        raise TimeoutError(
            f"the assistant was not healthy after {timeout:.0f} s; logs in {self.log_dir}"
        )

    def write_status_file(self) -> None:
        """What runs where, for `guidance status` (no secrets in it)."""
        status = {
            "public": self.gateway_url,
            "parts": [
                {"name": part.name, "kind": part.kind, "url": part.url,
                 "health": part.health_url, "pid": self.processes[part.name].pid}
                for part in self.parts.values()
                if part.name in self.processes
            ],
        }  # fmt: skip
        path = status_file(self.settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(status, indent=2) + "\n", encoding="utf-8")

    def stop(self, timeout: float = 15.0) -> None:
        for name in list(self.processes):
            self.stop_process(name, timeout)
        status_file(self.settings).unlink(missing_ok=True)

    def kill(self, name: str) -> None:
        """kill -9 one part and its children, as a crash would (chaos runs)."""
        process = self.processes[name]
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop_process(self, name: str, timeout: float = 15.0) -> None:
        """Ask one process (and its children) to stop; kill it if it does not within `timeout`."""
        process = self.processes[name]
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


# How long a turn waits for its conversation's lock before the engine gives up (the gateway
# stops waiting after ENGINE_TIMEOUT_SECONDS anyway); a dead engine's lock frees itself sooner.
TICKET_LOCK_SECONDS = 30


def status_file(settings: Settings) -> Path:
    return settings.var_dir / "stack.json"


def replication_problem(settings: Settings) -> str | None:
    """Why these settings cannot run several engines or gateways, if they cannot."""
    if settings.effective_tracker_url.startswith("sqlite") or settings.database_url.startswith(
        "sqlite"
    ):
        return (
            "several engines and gateways share their conversations and registrations in "
            "PostgreSQL: set DATABASE_URL=postgresql+psycopg://…"
        )
    if not settings.redis_url:
        return "several engines and gateways coordinate through Redis: set REDIS_URL=redis://…"
    return None


def write_replicated_endpoints(settings: Settings, path: Path) -> Path:
    """The engines' endpoints: the tracker store in PostgreSQL, a lock store in Redis (with
    socket timeouts: a lock client without them can hang forever on a dead Redis), and the
    action servers behind the balancer."""
    redis = urlparse(settings.redis_url)
    endpoints = {
        "action_endpoint": {"url": "http://127.0.0.1:${ACTION_PORT}/webhook"},
        "tracker_store": {"type": "SQL", "url": "${TRACKER_DATABASE_URL}"},
        "lock_store": {
            # Rasa's own Redis lock store is not safe across engines (engine/lock_store.py).
            "type": "engine.lock_store.ConversationLockStore",
            "url": redis.hostname or "127.0.0.1",
            "port": redis.port or 6379,
            "db": int(redis.path.lstrip("/") or 0),
            "key_prefix": "guidance",
            "socket_timeout": 5,
            **({"password": redis.password} if redis.password else {}),
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Written by bot/runner.py for `guidance run --engines N`: do not edit.\n"
        + yaml.safe_dump(endpoints, sort_keys=False),
        encoding="utf-8",
    )
    return path


def haproxy_binary() -> str:
    found = shutil.which("haproxy") or next(
        (path for path in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if Path(path).exists()),
        None,
    )
    if found is None:
        raise ValueError("several gateways need HAProxy in front: apt-get install haproxy")
    return found


def haproxy_config(settings: Settings, gateways: list[Part], action_servers: list[Part]) -> str:
    """HAProxy in front of the gateways (the public port; websockets pass through) and of the
    action servers (the port the engines call). A dead process is out within about 2 s; a
    request it refused, or dropped before answering, goes to another one (a dropped turn may
    have reached the engine, and then the person's message counts twice there; a confirmed
    registration is unique per person and session); when none answers, a polite JSON 503."""
    unavailable = settings.var_dir / "haproxy-unavailable.http"
    body = json.dumps({"error": "the assistant is unavailable, try again in a moment"})
    unavailable.write_text(
        "HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\n"
        f"Content-Type: application/json\r\nRetry-After: 2\r\n\r\n{body}\n",
        encoding="utf-8",
    )

    def servers(parts: list[Part]) -> str:
        return "\n".join(f"    server {p.name} {urlparse(p.url).netloc} check" for p in parts)

    return f"""# Written by bot/runner.py for `guidance run --gateways N`: do not edit.
global
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server {int(settings.engine_timeout_seconds) + 10}s
    # An open widget keeps its websocket for hours.
    timeout tunnel 2h
    timeout client-fin 5s
    # A process that refused the connection did nothing: the next one takes the request.
    retries 3
    retry-on conn-failure empty-response
    option redispatch 1
    option http-buffer-request
    default-server inter 1s fall 2 rise 1
    errorfile 502 {unavailable}
    errorfile 503 {unavailable}
    errorfile 504 {unavailable}

frontend public
    bind {settings.gateway_host}:{settings.gateway_port}
    option forwardfor
    default_backend gateways

backend gateways
    balance roundrobin
    option httpchk GET /livez
{servers(gateways)}

frontend actions
    bind 127.0.0.1:{settings.action_port}
    default_backend action_servers

backend action_servers
    balance roundrobin
    option httpchk GET /health
{servers(action_servers)}
"""


def with_token(settings: Settings) -> Settings:
    """The settings with an engine token: a random one for this run when none is configured."""
    if settings.engine_token:
        return settings
    return replace(settings, engine_token=secrets.token_urlsafe(24))


@contextmanager
def seeded_stack(
    workdir: Path,
    url: str,
    catalogue: dict[str, Any] | None = None,
    scale: Scale = Scale(),
    **settings: Any,
) -> Iterator[Stack]:
    """The assistant on its own database and free ports, for tests and evaluations: migrate
    `url`, import `catalogue` (default: the seed moved to upcoming dates), start its
    processes (one of each, or `scale`) with the trained model, and stop them afterwards."""
    upgrade(url)
    with db_sessions(url)() as db, db.begin():
        import_catalogue(db, validate(catalogue or shifted_seed(brussels_today())))
    stack = Stack(
        Settings(
            **{
                "database_url": url,
                "gateway_port": free_port(),
                "engine_port": free_port(),
                "action_port": free_port(),
                "engine_token": secrets.token_urlsafe(16),
                "model_dir": PROJECT_ROOT / "models",
                "var_dir": workdir,
                **settings,
            }
        ),
        workdir / "logs",
        scale,
    )
    try:
        stack.start()
        stack.wait_until_healthy()
        yield stack
    finally:
        stack.stop()
        database_for(url).dispose()
