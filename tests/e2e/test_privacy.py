"""Privacy end to end: with LOG_LEVEL=DEBUG for the whole stack (the `channels` fixture), a
complete pre-registration and a talk with a counsellor leave no personal data in any line of
any process's log."""

from __future__ import annotations

import uuid

import pytest

from bot.registration import format_reference, parse_reference
from tests.e2e.test_registration import first_open_session, sign_up

pytestmark = pytest.mark.e2e


def test_nothing_personal_in_any_log_at_debug(channels):
    assistant = channels.assistant
    assert assistant.stack.settings.log_level == "DEBUG"
    sender = f"privacy-{uuid.uuid4().hex}"
    answers = ["yes", "Philomène", "philomene.secret@example.org", "23", "no", "1190", "yes"]
    final = sign_up(assistant, sender, "en", first_open_session(assistant).key, answers)
    reference = parse_reference(final)
    assert reference, final
    assistant.ask(sender, "my phone is 0499 87 65 43, can someone call me?")
    logs = "".join(p.read_text(errors="replace") for p in assistant.stack.log_dir.glob("*.log"))
    assert "DEBUG" in logs  # the level did apply
    for secret in (
        "Philomène",
        "philomene.secret@example.org",
        "0499 87 65 43",
        "+32499876543",
        reference,
        format_reference(reference),
        sender,
    ):
        assert secret not in logs, secret
