"""Database access, built on demand (never at import).

Words: a *database* is SQLAlchemy's `Engine` for one URL (in this project "engine" means Rasa);
a *db* is a SQLAlchemy `Session` on it (a "session" is a course session).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def open_database(url: str) -> Engine:
    """The database at `url`; SQLite files get their folder and safe concurrent-access settings."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        database = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(database, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, begin transactions (see _sqlite_begin).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(database, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # Writers that read first (a registration) take the write lock at BEGIN, so two of
            # them wait for each other instead of failing with "database is locked".
            mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
            connection.exec_driver_sql(f"BEGIN {mode}")

        return database
    return create_engine(normalise_url(url), pool_pre_ping=True)


SQLITE_BEGIN = "sqlite_begin"


def writer(database: Engine) -> Engine:
    """The same database, whose transactions take SQLite's write lock when they begin."""
    return database.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})


@contextmanager
def write_transaction(database: Engine) -> Iterator[Session]:
    """A db session in one write transaction, committed on success, rolled back on error."""
    with Session(bind=writer(database), expire_on_commit=False) as db, db.begin():
        yield db


def normalise_url(url: str) -> str:
    """Accept the usual `postgres://` and `postgresql://` forms and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@lru_cache(maxsize=8)
def database_for(url: str) -> Engine:
    """One database object (and its connection pool) per URL and process."""
    return open_database(url)


def db_sessions(url: str) -> sessionmaker[Session]:
    """Makes db sessions on the database at `url`."""
    return sessionmaker(bind=database_for(url), expire_on_commit=False)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def as_utc(value: dt.datetime) -> dt.datetime:
    """A datetime read back from the database, aware: SQLite returns them naive (stored in UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
