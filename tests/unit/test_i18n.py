"""Every text exists in the three languages; dates and hours are written the local way."""

import datetime as dt
import re

import pytest

from bot import LANGUAGES
from bot.i18n import format_date, format_days, format_hours, messages, text


def test_every_message_has_the_three_languages_with_the_same_placeholders():
    for key, versions in messages().items():
        assert set(versions) == set(LANGUAGES), key
        placeholders = {lang: set(re.findall(r"{(\w+)}", versions[lang])) for lang in LANGUAGES}
        assert placeholders["fr"] == placeholders["nl"] == placeholders["en"], key


def test_the_first_message_says_it_is_a_bot_and_how_to_reach_a_person():
    assert "robot" in text("greet", "fr") and "conseiller" in text("greet", "fr")
    assert "robot" in text("greet", "nl") and "begeleider" in text("greet", "nl")
    assert "bot" in text("greet", "en") and "counsellor" in text("greet", "en")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("fr", "lundi 1 mars 2027"), ("nl", "maandag 1 maart 2027"), ("en", "Monday 1 March 2027")],
)
def test_dates(lang, expected):
    assert format_date(dt.date(2027, 3, 1), lang) == expected


def test_days_and_hours():
    weekdays = ["mon", "tue", "wed", "thu", "fri"]
    assert format_days(weekdays, "fr") == "lundi au vendredi"
    assert format_days(weekdays, "nl") == "maandag tot vrijdag"
    assert format_days(["wed", "mon"], "en") == "Monday, Wednesday"
    assert format_hours(dt.time(9), dt.time(17, 30), "fr") == "9h00–17h30"
    assert format_hours(dt.time(9), dt.time(17, 30), "en") == "09:00–17:30"


def test_unknown_language_falls_back_to_english():
    assert text("goodbye", "de") == text("goodbye", "en")
