"""Reading the engine's REST channel answers."""

import pytest

from bot.engine_client import BotMessage, Button, EngineUnavailable, parse_reply


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
    reply = parse_reply(raw)
    assert reply.messages == [
        BotMessage("Hello"),
        BotMessage("Pick", [Button("A", "/ask_courses")]),
    ]
    assert not reply.erase_conversation


def test_the_erase_instruction_is_read_and_not_shown():
    reply = parse_reply([{"text": "Done"}, {"custom": {"erase_conversation": True}}])
    assert reply.messages == [BotMessage("Done")]
    assert reply.erase_conversation


def test_anything_but_a_list_is_an_engine_fault():
    with pytest.raises(EngineUnavailable):
        parse_reply({"error": "boom"})
