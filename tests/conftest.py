"""Shared fixtures: a migrated database on SQLite and on the machine's PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.catalogue.importer import import_catalogue, validate
from bot.catalogue.queries import brussels_today
from bot.catalogue.seed import shifted_seed
from bot.db import database_for
from bot.db.migrate import upgrade

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def postgres_or_skip() -> None:
    """Skip when PostgreSQL is unreachable on a laptop; fail in CI, where it must be there."""
    try:
        with create_engine(POSTGRES_ADMIN_URL).connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        message = f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}: {type(exc).__name__}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: PostgreSQL tests may not be skipped)")
        pytest.skip(message)


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def redis_url() -> str:
    return redis_or_skip()


def redis_or_skip() -> str:
    """The machine's Redis, on a database of its own emptied for the test; skipped on a laptop
    without it, failed in CI."""
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
        client.flushdb()
    except redis.RedisError as exc:
        message = f"Redis unreachable at {REDIS_URL}: {type(exc).__name__}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: Redis tests may not be skipped)")
        pytest.skip(message)
    return REDIS_URL


def create_postgres_database() -> tuple[str, str]:
    postgres_or_skip()
    name = f"guidance_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(name: str, url: str) -> None:
    database_for(url).dispose()
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """An empty, migrated database: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'guidance.db'}"
        upgrade(url)
        yield url
        database_for(url).dispose()
        return
    name, url = create_postgres_database()
    try:
        upgrade(url)
        yield url
    finally:
        drop_postgres_database(name, url)


@pytest.fixture
def today() -> dt.date:
    return brussels_today()


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=database_for(database_url), expire_on_commit=False)


@pytest.fixture
def seeded(sessions: sessionmaker[Session], today: dt.date) -> sessionmaker[Session]:
    """The database with the seed catalogue imported, its sessions all upcoming."""
    with sessions() as session, session.begin():
        import_catalogue(session, validate(shifted_seed(today)))
    return sessions
