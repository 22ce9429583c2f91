"""Start and stop the three processes of the assistant: engine, action server and gateway.

Used by `guidance run` (and so `make run`), by the end-to-end tests and by the benchmark, so all
of them run the assistant the same way.
"""

from __future__ import annotations

import logging
import os
import secrets
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

import httpx

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


def engine_command(settings: Settings) -> list[str]:
    return [
        str(RASA), "run",
        # One argument: a token may start with "-", which argparse would read as an option.
        "--enable-api", f"--auth-token={settings.engine_token}",
        "--interface", "127.0.0.1", "--port", str(settings.engine_port),
        "--endpoints", str(PROJECT_ROOT / "endpoints.yml"),
        "--credentials", str(PROJECT_ROOT / "credentials.yml"),
        "--model", str(settings.model_dir),
    ]  # fmt: skip


def action_server_command(settings: Settings) -> list[str]:
    return [
        sys.executable,
        "-m",
        "rasa_sdk",
        "--actions",
        "actions",
        "--port",
        str(settings.action_port),
    ]


def gateway_command(settings: Settings) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "--factory", "bot.web.asgi:app_from_env",
        "--host", settings.gateway_host, "--port", str(settings.gateway_port),
        "--no-access-log", "--ws-max-size", str(MAX_FRAME_BYTES),
    ]  # fmt: skip


@dataclass
class Stack:
    settings: Settings
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        return f"http://{self.settings.gateway_host}:{self.settings.gateway_port}"

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

    def start(self) -> None:
        # The action server and gateway start in a second; the engine loads its model longer.
        quieter = {"LOG_LEVEL": third_party_log_level(self.settings.log_level)}
        self.start_process("engine", engine_command(self.settings), quieter)
        self.start_process(
            "actions", action_server_command(self.settings), {"SANIC_HOST": "127.0.0.1", **quieter}
        )
        self.start_process("gateway", gateway_command(self.settings))

    def wait_until_healthy(self, timeout: float = 180.0) -> float:
        """Seconds until the gateway reports every part healthy; raise if a process dies."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(
                        f"the {name} process stopped (exit {process.returncode}); "
                        f"see {self.log_dir / (name + '.log')}"
                    )
            try:
                if httpx.get(f"{self.gateway_url}/healthz", timeout=2.0).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise TimeoutError(
            f"the assistant was not healthy after {timeout:.0f} s; logs in {self.log_dir}"
        )

    def stop(self, timeout: float = 15.0) -> None:
        for name in list(self.processes):
            self.stop_process(name, timeout)

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


def with_token(settings: Settings) -> Settings:
    """The settings with an engine token: a random one for this run when none is configured."""
    if settings.engine_token:
        return settings
    return replace(settings, engine_token=secrets.token_urlsafe(24))


@contextmanager
def seeded_stack(
    workdir: Path, url: str, catalogue: dict[str, Any] | None = None, **settings: Any
) -> Iterator[Stack]:
    """The assistant on its own database and free ports, for tests and evaluations: migrate
    `url`, import `catalogue` (default: the seed moved to upcoming dates), start the three
    processes with the trained model, and stop them afterwards."""
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
    )
    stack.start()
    try:
        stack.wait_until_healthy()
        yield stack
    finally:
        stack.stop()
        database_for(url).dispose()
