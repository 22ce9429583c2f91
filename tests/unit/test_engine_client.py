"""Reading the engine's REST channel answers."""

import pytest

from bot.engine import BotMessage, Button, EngineUnavailable, parse_replies


def test_texts_and_buttons_are_kept():
    raw = [
        {"recipient_id": "x", "text": "Hello"},
        {
            "recipient_id": "x",
            "text": "Pick",
            "buttons": [{"title": "A", "payload": "/ask_courses"}],
        },
        {"recipient_id": "x", "image": "http://example.invalid/x.png"},
    ]
    assert parse_replies(raw) == [
        BotMessage("Hello"),
        BotMessage("Pick", [Button("A", "/ask_courses")]),
    ]


def test_anything_but_a_list_is_an_engine_fault():
    with pytest.raises(EngineUnavailable):
        parse_replies({"error": "boom"})
