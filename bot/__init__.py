"""Guidance assistant for the digital-skills training offer for jobseekers in Brussels."""

LANGUAGES = ("fr", "nl", "en")
