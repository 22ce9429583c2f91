"""Texts in the person's language, and dates and days written the local way."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import yaml

from bot import BRUSSELS, LANGUAGES
from bot.catalogue import WEEKDAYS

MESSAGES_FILE = Path(__file__).resolve().parent / "messages.yml"

_MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "en": "January February March April May June July August September October November December",
}
_WEEKDAYS = {
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "nl": "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
}
_RANGE = {"fr": "{a} au {b}", "nl": "{a} tot {b}", "en": "{a} to {b}"}


@lru_cache(maxsize=1)
def messages() -> dict[str, dict[str, str]]:
    with MESSAGES_FILE.open(encoding="utf-8") as fh:
        data: dict[str, dict[str, str]] = yaml.safe_load(fh)
    return data


def has_text(key: str) -> bool:
    return key in messages()


def text(key: str, lang: str, **values: object) -> str:
    """The message `key` in `lang` (English when that language is unknown), filled in."""
    template = messages()[key].get(lang if lang in LANGUAGES else "en") or messages()[key]["en"]
    return template.format(**values) if values else template


def format_date(day: dt.date, lang: str) -> str:
    """lundi 2 mars 2027, maandag 2 maart 2027, Monday 2 March 2027."""
    weekday = _WEEKDAYS[lang].split()[day.weekday()]
    month = _MONTHS[lang].split()[day.month - 1]
    return f"{weekday} {day.day} {month} {day.year}"


def format_moment(moment: dt.datetime, lang: str) -> str:
    """lundi 14 décembre 2026 à 9h00, maandag 14 december 2026 om 9:00, … at 09:00."""
    local = moment.astimezone(BRUSSELS)
    day = format_date(local.date(), lang)
    if lang == "fr":
        return f"{day} à {local.hour}h{local.minute:02d}"
    return f"{day} {'om' if lang == 'nl' else 'at'} {local:%H:%M}"


def month_name(month: int, lang: str) -> str:
    return _MONTHS[lang].split()[month - 1]


def format_days(days: list[str], lang: str) -> str:
    """mon..fri as "lundi au vendredi", other sets as a list of day names."""
    names = _WEEKDAYS[lang].split()
    indexes = sorted(WEEKDAYS.index(d) for d in days)
    if len(indexes) > 2 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        return _RANGE[lang].format(a=names[indexes[0]], b=names[indexes[-1]])
    return ", ".join(names[i] for i in indexes)


def format_hours(start: dt.time, end: dt.time, lang: str) -> str:
    if lang == "fr":
        return f"{start.hour}h{start.minute:02d}–{end.hour}h{end.minute:02d}"
    return f"{start:%H:%M}–{end:%H:%M}"


def topic_name(topic: str, lang: str) -> str:
    return text(f"topic_{topic}", lang)
