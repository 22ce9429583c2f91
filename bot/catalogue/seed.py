"""Catalogues for tests: the seed catalogue moved so its sessions are always upcoming."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT

SEED = PROJECT_ROOT / "catalogue" / "seed.yml"
DATE_FIELDS = ("start_date", "end_date", "application_deadline", "info_session_date")


def shifted_seed(today: dt.date, lead_days: int = 20) -> dict[str, Any]:
    """The seed catalogue with every date moved so the first session starts `lead_days` ahead."""
    document = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    starts = [s["start_date"] for c in document["courses"] for s in c["sessions"]]
    offset = max(today + dt.timedelta(days=lead_days) - min(starts), dt.timedelta(0))
    for course in document["courses"]:
        for session in course["sessions"]:
            for name in DATE_FIELDS:
                if session.get(name):
                    session[name] = session[name] + offset
    return document


def write_catalogue(document: dict[str, Any], path: Path) -> Path:
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
