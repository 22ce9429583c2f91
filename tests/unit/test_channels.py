"""Channel helpers without a network: Telegram's message splitting and languages, the widget's
rate limit, and reading replies and history from the engine's JSON."""

from __future__ import annotations

import pytest

from bot.channels.telegram import (
    MESSAGE_LIMIT,
    merge_replies,
    split_message,
    telegram_language,
)
from bot.channels.web import TokenBucket
from bot.engine_client import BotMessage, Button, parse_history, parse_reply


def test_a_short_message_is_not_split():
    assert split_message("bonjour\n\nça va ?") == ["bonjour\n\nça va ?"]


def test_a_long_message_is_split_between_paragraphs():
    paragraphs = [f"{n} " + "x" * 1500 for n in range(5)]
    parts = split_message("\n\n".join(paragraphs))
    assert all(len(part) <= MESSAGE_LIMIT for part in parts)
    assert parts == ["\n\n".join(paragraphs[:2]), "\n\n".join(paragraphs[2:4]), paragraphs[4]]


def test_a_paragraph_longer_than_the_limit_is_cut_at_a_line_then_a_space():
    lines = "\n".join(["ligne " + "y" * 90] * 60)
    parts = split_message(lines)
    assert len(parts) == 2 and all(len(p) <= MESSAGE_LIMIT for p in parts)
    assert parts[0].endswith("y") and parts[1].startswith("ligne")
    words = " ".join(["mot"] * 3000)
    parts = split_message(words)
    assert all(len(p) <= MESSAGE_LIMIT for p in parts) and " ".join(parts) == words


def test_the_limit_counts_utf16_units_as_telegram_does():
    emoji = "🎓" * 3000  # 2 UTF-16 units each: 6000 units
    parts = split_message(emoji)
    assert "".join(parts) == emoji
    assert all(len(p.encode("utf-16-le")) // 2 <= MESSAGE_LIMIT for p in parts)


def test_reply_parts_are_merged_into_one_telegram_message_per_keyboard():
    buttons = [Button("Oui", "/affirm")]
    merged = merge_replies(
        [BotMessage("a"), BotMessage("b", buttons), BotMessage("c"), BotMessage("d")]
    )
    assert merged == [BotMessage("a\n\nb", buttons), BotMessage("c\n\nd")]


@pytest.mark.parametrize(
    ("code", "language"),
    [("fr", "fr"), ("fr-BE", "fr"), ("nl-BE", "nl"), ("en-GB", "en"), ("de", "en"), (None, "en")],
)
def test_telegram_language(code, language):
    assert telegram_language(code) == language


def test_the_token_bucket_allows_a_burst_then_a_steady_rate():
    now = [0.0]
    bucket = TokenBucket(3, 0.5, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] += 2.0
    assert bucket.take() and not bucket.take()


def test_a_reply_carries_the_conversation_language():
    reply = parse_reply(
        [
            {
                "recipient_id": "x",
                "text": "Hoi",
                "buttons": [{"title": "Ja", "payload": "/affirm"}],
            },
            {"recipient_id": "x", "custom": {"language": "nl"}},
        ]
    )
    assert reply.language == "nl"
    assert reply.messages == [BotMessage("Hoi", [Button("Ja", "/affirm")])]
    assert parse_reply([{"custom": {"language": "de"}}]).language is None


def test_history_shows_button_presses_as_their_titles_and_hides_channel_payloads():
    tracker = {
        "slots": {"language": "fr"},
        "events": [
            {"event": "user", "text": "/greet"},
            {
                "event": "bot",
                "text": "Salut",
                "data": {"buttons": [{"title": "Les formations", "payload": "/ask_courses"}]},
            },
            {"event": "bot", "text": None, "data": {"custom": {"language": "fr"}}},
            {"event": "user", "text": "/ask_courses"},
            {"event": "action", "name": "action_courses"},
            {"event": "bot", "text": "Voici", "data": {}},
            {"event": "user", "text": "<b>merci</b>"},
        ],
    }
    history = parse_history(tracker)
    assert history.language == "fr"
    assert [(e.sender, e.text) for e in history.entries] == [
        ("bot", "Salut"),
        ("user", "Les formations"),
        ("bot", "Voici"),
        ("user", "<b>merci</b>"),
    ]
    assert history.entries[0].buttons == [Button("Les formations", "/ask_courses")]


def test_telegram_keyboards_fit_a_phone():
    from bot.channels.telegram import phone_rows

    assert phone_rows(["Yes", "No"]) == [[0, 1]]
    assert phone_rows(["Oui", "Non", "Je ne sais pas"]) == [[0, 1], [2]]
    long = ["Coding School: web developer (MolenGeek)", "Web developer (BeCode)"]
    assert phone_rows(long) == [[0], [1]], "long titles stay alone on their row"
    assert [i for row in phone_rows(["a"] * 8) for i in row] == list(range(8)), "order kept"
    assert max(len(row) for row in phone_rows(["a"] * 8)) == 3
