"""The whole assistant as it runs for people: real engine, action server and gateway processes,
on free ports, with a temporary database (SQLite, then PostgreSQL) holding the seed catalogue."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy.orm import Session, sessionmaker

from bot.catalogue.queries import brussels_today
from bot.catalogue.seed import shifted_seed
from bot.db import database_for
from bot.fakes.telegram_api import TOKEN, FakeTelegram
from bot.runner import Stack, seeded_stack
from bot.settings import Settings
from tests.conftest import create_postgres_database, drop_postgres_database

# Counsellors who are always there: handoffs are live whatever the day and hour of the run.
ALWAYS_OPEN = Path(__file__).with_name("always-open.yml")
# The Telegram group of BeCode's counsellors, told of new handoffs.
COUNSELLORS_CHAT = -1_000_777


@dataclass
class Assistant:
    """A running assistant and what a test needs to talk to it and check its answers."""

    stack: Stack
    db: sessionmaker[Session]
    today: dt.date
    workdir: Path

    @property
    def url(self) -> str:
        return self.stack.gateway_url

    @property
    def headers(self) -> dict[str, str]:
        return api_headers(self.stack.settings)

    def ask(self, sender: str, text: str, lang: str | None = None) -> list[dict]:
        """Ask as an integration does: a conversation id of its own, and the API key."""
        body = {"sender": sender, "text": text}
        if lang:
            body["lang"] = lang
        response = httpx.post(
            f"{self.url}/api/messages", json=body, headers=self.headers, timeout=30
        )
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    def ask_text(self, sender: str, text: str, lang: str | None = None) -> str:
        return "\n".join(m["text"] for m in self.ask(sender, text, lang))


def api_headers(settings: Settings) -> dict[str, str]:
    """What an integration sends to use conversation ids of its own: the API key (made in the
    stack's var/ when none is configured, where the gateway reads it too)."""
    return {"authorization": f"Bearer {settings.effective_api_keys()[0]}"}


@contextmanager
def running_assistant(
    workdir: Path, url: str, catalogue: dict[str, Any] | None = None, **settings: Any
) -> Iterator[Assistant]:
    """The assistant started on `url` with the seed catalogue (or `catalogue`)."""
    with seeded_stack(
        workdir, url, catalogue, engine_token="e2e-secret-token", **settings
    ) as stack:
        db = sessionmaker(bind=database_for(url), expire_on_commit=False)
        yield Assistant(stack, db, brussels_today(), workdir)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def assistant(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Assistant]:
    workdir = tmp_path_factory.mktemp(f"e2e-{request.param}")
    if request.param == "sqlite":
        with running_assistant(workdir, f"sqlite:///{workdir / 'guidance.db'}") as running:
            yield running
        return
    database, url = create_postgres_database()
    try:
        with running_assistant(workdir, url) as running:
            yield running
    finally:
        drop_postgres_database(database, url)


# A partner description long enough that its answer (about 6,000 characters) must reach
# Telegram in two messages, cut between paragraphs.
LONG_DESCRIPTION = "\n\n".join(
    f"Paragraph {number}: " + " ".join(["Cepegra trains graphic and web designers."] * 9)
    for number in range(1, 17)
)


@dataclass
class Channels:
    """The assistant with its channels on: Telegram (polling a fake Bot API) and the widget."""

    assistant: Assistant
    telegram: FakeTelegram


@pytest.fixture(scope="session")
def channels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Channels]:
    workdir = tmp_path_factory.mktemp("e2e-channels")
    catalogue = shifted_seed(brussels_today())
    cepegra = next(p for p in catalogue["partners"] if p["key"] == "cepegra")
    cepegra["description"] = dict.fromkeys(("fr", "nl", "en"), LONG_DESCRIPTION)
    fake = FakeTelegram().start()
    try:
        with running_assistant(
            workdir,
            f"sqlite:///{workdir / 'guidance.db'}",
            catalogue,
            telegram_token=TOKEN,
            telegram_api_url=fake.base_url,
            office_hours_file=ALWAYS_OPEN,
            counsellor_telegram_chat=f"becode={COUNSELLORS_CHAT}",
            # DEBUG everywhere it is allowed: no log line of any process may hold personal data.
            log_level="DEBUG",
        ) as running:
            yield Channels(running, fake)
    finally:
        fake.stop()


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    message = "Debian's chromium is not installed (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set: browser tests may not be skipped)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        # Chromium's sandbox needs user namespaces, which a container running as root lacks.
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()
