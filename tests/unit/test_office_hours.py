"""Office hours in Brussels time: weekly spans, Belgian public holidays, closed days, DST."""

import datetime as dt

import pytest
import yaml

from bot import BRUSSELS
from bot.office_hours import (
    OfficeHoursInvalid,
    load_team_hours,
    parse_team_hours,
)
from bot.settings import Settings

WEEK = {
    "default": {
        "monday": ["09:00-12:30", "13:30-16:30"],
        "tuesday": ["09:00-16:30"],
        "wednesday": ["09:00-16:30"],
        "thursday": ["09:00-16:30"],
        "friday": ["09:00-12:30"],
    },
    "teams": {"becode": {"saturday": ["10:00-12:00"]}},
    "closed_days": ["2027-01-04"],
}


def brussels(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=BRUSSELS)


@pytest.fixture
def hours():
    return parse_team_hours(WEEK)


def test_a_friday_evening_is_closed_and_monday_morning_is_next(hours):
    friday_evening = brussels(2026, 12, 11, 18, 30)
    team = hours.of("actiris")  # no week of its own: the default
    assert not team.is_open(friday_evening)
    assert team.next_opening(friday_evening) == brussels(2026, 12, 14, 9, 0)


def test_open_inside_a_span_closed_at_lunch(hours):
    team = hours.of("actiris")
    assert team.is_open(brussels(2026, 12, 14, 10, 0))
    assert not team.is_open(brussels(2026, 12, 14, 12, 45))
    assert team.next_opening(brussels(2026, 12, 14, 12, 45)) == brussels(2026, 12, 14, 13, 30)
    # The end of a span is closed: 16:30 sharp is after hours.
    assert not team.is_open(brussels(2026, 12, 14, 16, 30))


def test_a_team_with_its_own_week(hours):
    becode = hours.of("becode")
    assert becode.is_open(brussels(2026, 12, 12, 11, 0))  # a Saturday
    assert not becode.is_open(brussels(2026, 12, 14, 10, 0))  # not on Mondays


@pytest.mark.parametrize(
    "holiday",
    [
        dt.date(2026, 12, 25),  # Christmas, a Friday
        dt.date(2027, 3, 29),  # Easter Monday
        dt.date(2027, 5, 6),  # Ascension, a Thursday
        dt.date(2026, 7, 21),  # National Day, a Tuesday
        dt.date(2026, 11, 11),  # Armistice, a Wednesday
    ],
)
def test_belgian_public_holidays_are_closed(hours, holiday):
    team = hours.of("actiris")
    assert not team.is_open(dt.datetime.combine(holiday, dt.time(10), tzinfo=BRUSSELS))


def test_christmas_eve_evening_opens_after_the_holiday_and_the_weekend(hours):
    opening = hours.of("actiris").next_opening(brussels(2026, 12, 24, 17, 0))
    assert opening == brussels(2026, 12, 28, 9, 0)


def test_a_closed_day_of_the_network(hours):
    team = hours.of("actiris")
    assert not team.is_open(brussels(2027, 1, 4, 10, 0))
    assert team.next_opening(brussels(2027, 1, 4, 10, 0)) == brussels(2027, 1, 5, 9, 0)


def test_opening_stays_nine_oclock_local_across_daylight_saving_changes(hours):
    team = hours.of("actiris")
    # Summer time starts on Sunday 28 March 2027: Monday 29 is Easter Monday, so Tuesday.
    summer = team.next_opening(brussels(2027, 3, 26, 17, 0))
    assert summer == brussels(2027, 3, 30, 9, 0)
    assert summer.astimezone(dt.timezone.utc).hour == 7
    # Winter time starts on Sunday 25 October 2026.
    winter = team.next_opening(brussels(2026, 10, 23, 17, 0))
    assert winter == brussels(2026, 10, 26, 9, 0)
    assert winter.astimezone(dt.timezone.utc).hour == 8


def test_a_time_given_in_utc_is_read_in_brussels(hours):
    # 08:30 UTC in December is 09:30 in Brussels: open.
    assert hours.of("actiris").is_open(dt.datetime(2026, 12, 14, 8, 30, tzinfo=dt.timezone.utc))


def test_public_holidays_can_be_left_open():
    every_day = {
        day: ["00:00-23:59"]
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    }
    hours = parse_team_hours({"default": every_day, "public_holidays": False})
    assert hours.of("x").is_open(brussels(2026, 12, 25, 10, 0))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "default"),
        ({"default": {"mondy": ["09:00-12:00"]}}, "unknown weekdays: mondy"),
        ({"default": {"monday": ["9h-12h"]}}, "not a span"),
        ({"default": {"monday": ["12:00-09:00"]}}, "ends before it starts"),
        ({"default": {}, "closed_days": ["soon"]}, "closed_days"),
        ({"default": {}, "public_holidays": "maybe"}, "public_holidays"),
    ],
)
def test_a_wrong_file_says_what_is_wrong(raw, message):
    with pytest.raises(OfficeHoursInvalid, match=message):
        parse_team_hours(raw)


def test_the_shipped_file_is_valid_and_actiris_opens_on_weekdays():
    hours = load_team_hours(Settings().office_hours_file)
    assert hours.of("actiris").is_open(brussels(2026, 12, 14, 10, 0))
    assert not hours.of("actiris").is_open(brussels(2026, 12, 13, 10, 0))  # a Sunday
    raw = yaml.safe_load(Settings().office_hours_file.read_text(encoding="utf-8"))
    assert raw["public_holidays"] is True
