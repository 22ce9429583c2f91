"""Guidance assistant for the digital-skills training offer for jobseekers in Brussels."""

from zoneinfo import ZoneInfo

LANGUAGES = ("fr", "nl", "en")

# Where the assistant lives: dates, office hours and deadlines are Brussels time.
BRUSSELS = ZoneInfo("Europe/Brussels")
