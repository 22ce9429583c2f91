"""When a counsellors' team answers live: weekly hours per team in Brussels time, Belgian public
holidays and the network's closed days. Plain functions over plain data, no web or engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import holidays
import yaml

from bot import BRUSSELS

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# How far ahead to look for the next opening: past any holiday season.
LOOK_AHEAD_DAYS = 31

Span = tuple[dt.time, dt.time]


class OfficeHoursInvalid(ValueError):
    """The office-hours file says something that is not a week of opening hours."""


@lru_cache(maxsize=8)
def _belgian_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("BE", years=year))


@dataclass(frozen=True)
class OfficeHours:
    """One team's week, in Brussels local time (a 09:00 opening stays 09:00 across DST)."""

    weekly: Mapping[int, tuple[Span, ...]]
    closed_days: frozenset[dt.date] = frozenset()
    # Closed on Belgium's public holidays (a team on call every day says `public_holidays: no`).
    public_holidays: bool = True

    def is_closed_day(self, day: dt.date) -> bool:
        if day in self.closed_days:
            return True
        return self.public_holidays and day in _belgian_holidays(day.year)

    def spans_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The opening spans of `day` as aware datetimes, none on a closed day."""
        if self.is_closed_day(day):
            return []
        return [
            (
                dt.datetime.combine(day, start, tzinfo=BRUSSELS),
                dt.datetime.combine(day, end, tzinfo=BRUSSELS),
            )
            for start, end in self.weekly.get(day.weekday(), ())
        ]

    def is_open(self, at: dt.datetime) -> bool:
        local = at.astimezone(BRUSSELS)
        return any(start <= local < end for start, end in self.spans_on(local.date()))

    def next_opening(self, at: dt.datetime) -> dt.datetime | None:
        """When the team is next there: `at` itself when open, else the next span's start."""
        if self.is_open(at):
            return at
        local = at.astimezone(BRUSSELS)
        for offset in range(LOOK_AHEAD_DAYS + 1):
            day = local.date() + dt.timedelta(days=offset)
            for start, _ in self.spans_on(day):
                if start > local:
                    return start
        return None


@dataclass(frozen=True)
class TeamHours:
    """Every team's office hours: a default week and the teams that differ from it."""

    default: OfficeHours
    teams: Mapping[str, OfficeHours] = field(default_factory=dict)

    def of(self, team: str) -> OfficeHours:
        return self.teams.get(team, self.default)


def _span(raw: Any) -> Span:
    try:
        start, end = (dt.time.fromisoformat(part.strip()) for part in str(raw).split("-"))
    except ValueError as exc:
        raise OfficeHoursInvalid(f"{raw!r} is not a span like 09:00-12:30") from exc
    if start >= end:
        raise OfficeHoursInvalid(f"{raw!r} ends before it starts")
    return start, end


def _week(raw: Any, closed_days: frozenset[dt.date], public_holidays: bool) -> OfficeHours:
    if not isinstance(raw, dict):
        raise OfficeHoursInvalid("a week is a mapping of weekdays to spans")
    unknown = set(raw) - set(WEEKDAYS)
    if unknown:
        raise OfficeHoursInvalid(f"unknown weekdays: {', '.join(sorted(map(str, unknown)))}")
    weekly = {
        WEEKDAYS.index(name): tuple(sorted(_span(span) for span in spans or []))
        for name, spans in raw.items()
    }
    return OfficeHours(weekly, closed_days, public_holidays)


def parse_team_hours(raw: Any) -> TeamHours:
    """Office hours from the parsed YAML file (see catalogue/office-hours.yml)."""
    if not isinstance(raw, dict) or "default" not in raw:
        raise OfficeHoursInvalid("the file needs a `default` week")
    try:
        closed = frozenset(
            day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
            for day in raw.get("closed_days") or []
        )
    except ValueError as exc:
        raise OfficeHoursInvalid("closed_days are dates like 2026-12-24") from exc
    public_holidays = raw.get("public_holidays", True)
    if not isinstance(public_holidays, bool):
        raise OfficeHoursInvalid("public_holidays is yes or no")
    teams = raw.get("teams") or {}
    if not isinstance(teams, dict):
        raise OfficeHoursInvalid("`teams` maps a team to its week")
    return TeamHours(
        default=_week(raw["default"], closed, public_holidays),
        teams={str(team): _week(week, closed, public_holidays) for team, week in teams.items()},
    )


@lru_cache(maxsize=4)
def load_team_hours(path: Path) -> TeamHours:
    return parse_team_hours(yaml.safe_load(path.read_text(encoding="utf-8")))
