"""Backups of the embedded SQLite databases (the application's and the engine's tracker store),
taken and restored with SQLite's online backup API: consistent while the assistant runs, no
need to stop it. PostgreSQL is backed up with its own tools (`pg_dump`, see the README).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from bot.settings import Settings

# The file names inside a backup folder, for each database of the settings.
FILES = {"application": "guidance.db", "conversations": "tracker.db"}


class BackupNotPossible(Exception):
    """The database is not an SQLite file (PostgreSQL: use pg_dump), or the backup is missing."""


def _sqlite_path(url: str) -> Path | None:
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == prefix + ":memory:":
        return None
    return Path(url[len(prefix) :])


def _databases(settings: Settings) -> dict[str, Path]:
    found = {
        name: _sqlite_path(url)
        for name, url in (
            ("application", settings.database_url),
            ("conversations", settings.effective_tracker_url),
        )
    }
    if found["application"] is None:
        raise BackupNotPossible(
            "the database is not SQLite: back PostgreSQL up with pg_dump (see the README)"
        )
    return {name: path for name, path in found.items() if path is not None}


def _copy(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)


def backup(settings: Settings, folder: Path) -> list[Path]:
    """Copy each SQLite database into `folder`; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, live in _databases(settings).items():
        if not live.exists():
            continue  # the engine never ran: no conversation store yet
        target = folder / FILES[name]
        target.unlink(missing_ok=True)
        _copy(live, target)
        written.append(target)
    return written


def restore(settings: Settings, folder: Path) -> list[Path]:
    """Bring each database back to its copy in `folder` (online: open connections see the
    restored content); the files restored."""
    databases = _databases(settings)
    if not (folder / FILES["application"]).exists():
        raise BackupNotPossible(f"no {FILES['application']} in {folder}")
    restored = []
    for name, live in databases.items():
        copy = folder / FILES[name]
        if copy.exists():
            live.parent.mkdir(parents=True, exist_ok=True)
            _copy(copy, live)
            restored.append(live)
    return restored
