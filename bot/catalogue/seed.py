"""The seed catalogue, and a copy of it moved so its sessions are always upcoming (for the tests,
the benchmark and the evaluations, whatever the day they run)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT

SEED = PROJECT_ROOT / "catalogue" / "seed.yml"
DATE_FIELDS = ("start_date", "end_date", "application_deadline", "info_session_date")


def shifted_seed(
    today: dt.date, lead_days: int = 20, *, whole_years: bool = False
) -> dict[str, Any]:
    """The seed catalogue with every date moved so the first session starts `lead_days` ahead
    or later; by whole years with `whole_years`, so every session keeps its month and day
    (conversations that choose "the one in September" stay true)."""
    document = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    starts = [s["start_date"] for c in document["courses"] for s in c["sessions"]]
    earliest = today + dt.timedelta(days=lead_days)
    years = 0
    while whole_years and _years_later(min(starts), years) < earliest:
        years += 1
    offset = max(earliest - min(starts), dt.timedelta(0))
    for course in document["courses"]:
        for session in course["sessions"]:
            for name in DATE_FIELDS:
                if session.get(name):
                    session[name] = (
                        _years_later(session[name], years)
                        if whole_years
                        else session[name] + offset
                    )
    return document


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def write_catalogue(document: dict[str, Any], path: Path) -> Path:
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
