"""Telegram, offline: the gateway's real python-telegram-bot Application talks to a local fake of
the Bot API (bot/fakes/telegram_api.py), and the real engine and actions answer.

Expected answers come from the database or from the REST API asked the same thing, so a wrong or
invented answer fails.
"""

from __future__ import annotations

import html
import itertools
import json
from dataclasses import replace

import httpx
import pytest

from bot.catalogue.queries import search_courses
from bot.channels.telegram import MESSAGE_LIMIT
from bot.db.models import localized
from bot.i18n import text
from bot.runner import free_port, gateway_command
from tests.e2e.conftest import LONG_DESCRIPTION

pytestmark = pytest.mark.e2e

_chats = itertools.count(7_000_001)


def new_chat() -> int:
    return next(_chats)


def escaped(key: str, lang: str) -> str:
    return html.escape(text(key, lang), quote=False)


def rest_answer(channels, question: str, lang: str) -> list[dict]:
    """The same question asked through the REST API in a new conversation."""
    response = httpx.post(
        f"{channels.assistant.url}/api/messages",
        json={"sender": f"compare-{new_chat()}", "text": question, "lang": lang},
        headers=channels.assistant.headers,
        timeout=30,
    )
    assert response.status_code == 200
    return response.json()["messages"]


def on_telegram(messages: list[dict]) -> str:
    """What Telegram shows of a REST answer: its parts in one text, escaped for HTML."""
    return html.escape("\n\n".join(m["text"] for m in messages), quote=False)


def texts(messages: list[dict]) -> str:
    return "\n\n".join(m["text"] for m in messages)


def tracker_slots(channels, chat: int) -> dict:
    settings = channels.assistant.stack.settings
    response = httpx.get(
        f"{settings.engine_url}/conversations/telegram-{chat}/tracker",
        params={"token": settings.engine_token},
    )
    return response.json()["slots"]


def test_a_text_question_gets_the_answer_from_the_database(channels):
    fake, chat = channels.telegram, new_chat()
    question = "quelles formations en cybersécurité ?"
    expected = rest_answer(channels, question, "fr")
    fake.send_text(chat, question, "fr")
    [reply] = fake.wait_for_messages(chat, 1)
    with channels.assistant.db() as session:
        courses = search_courses(session, channels.assistant.today, topic="cybersecurity")
    assert courses
    for course in courses:
        assert html.escape(localized(course, "title", "fr"), quote=False) in reply["text"]
    assert reply["text"] == on_telegram(expected)
    sends = fake.calls_of("sendMessage", chat)
    assert all(send.params["parse_mode"] == "HTML" for send in sends)
    typing = fake.calls_of("sendChatAction", chat)
    assert typing and typing[0].params["action"] == "typing" and typing[0].at < sends[0].at


def test_the_language_comes_from_the_app_then_follows_the_conversation(channels):
    fake, chat = channels.telegram, new_chat()
    fake.send_text(chat, "/start", "nl-BE")
    assert fake.wait_for_messages(chat, 1)[0]["text"] == escaped("greet", "nl")
    fake.send_text(chat, "english please", "nl-BE")
    assert fake.wait_for_messages(chat, 2)[1]["text"].startswith(
        html.escape(text("language_changed", "en"), quote=False)[:20]
    )
    fake.send_photo(chat, "nl-BE")
    assert fake.wait_for_messages(chat, 3)[2]["text"] == escaped("only_text", "en")


def test_an_unknown_app_language_gets_english(channels):
    fake, chat = channels.telegram, new_chat()
    fake.send_text(chat, "/start", "de")
    assert fake.wait_for_messages(chat, 1)[0]["text"] == escaped("greet", "en")


def test_a_deep_link_is_kept_as_the_conversations_source(channels):
    fake, chat = channels.telegram, new_chat()
    fake.send_text(chat, "/start campaign_molengeek-2027", "fr")
    assert fake.wait_for_messages(chat, 1)[0]["text"] == escaped("greet", "fr")
    assert tracker_slots(channels, chat)["source"] == "campaign_molengeek-2027"

    forged, other = channels.telegram, new_chat()
    forged.send_text(other, "/start <script>", "fr")
    assert forged.wait_for_messages(other, 1)[0]["text"] == escaped("greet", "fr")
    assert tracker_slots(channels, other)["source"] is None


def test_a_button_press_is_answered_followed_and_spent(channels):
    fake, chat = channels.telegram, new_chat()
    fake.send_text(chat, "/start", "en")
    [greeting] = fake.wait_for_messages(chat, 1)
    first_button = greeting["reply_markup"]["inline_keyboard"][0][0]
    assert first_button["text"] == rest_answer(channels, "hello", "en")[0]["buttons"][0]["title"]

    payload = rest_answer(channels, "hello", "en")[0]["buttons"][0]["payload"]
    expected = rest_answer(channels, payload, "en")
    answers_before = len(fake.calls_of("answerCallbackQuery"))
    fake.press(chat, greeting, first_button["callback_data"], "en")
    followed = fake.wait_for_messages(chat, 2)[1:]
    assert texts(followed) == on_telegram(expected)
    [answered] = fake.calls_of("answerCallbackQuery")[answers_before:]
    assert not answered.params.get("text")
    edits = fake.calls_of("editMessageReplyMarkup", chat)
    assert [int(c.params["message_id"]) for c in edits] == [greeting["message_id"]]
    assert not edits[0].params.get("reply_markup")

    # The same keyboard pressed again: answered with a notice, nothing sent to the engine.
    fake.press(chat, greeting, first_button["callback_data"], "en")
    notice = fake.wait_for(lambda: fake.calls_of("answerCallbackQuery")[answers_before + 1 :])
    assert notice[0].params["text"] == text("button_expired", "en")
    assert len(fake.sent(chat)) == 1 + len(followed)


@pytest.mark.parametrize(("command", "key"), [("/help", "help"), ("/language", "language_which")])
def test_commands(channels, command, key):
    fake, chat = channels.telegram, new_chat()
    fake.send_text(chat, command, "fr")
    [reply] = fake.wait_for_messages(chat, 1)
    assert reply["text"] == escaped(key, "fr")
    if command == "/language":
        titles = [b["text"] for row in reply["reply_markup"]["inline_keyboard"] for b in row]
        assert len(titles) == 3


def test_stop_and_unknown_commands_get_an_answer(channels):
    fake, chat = channels.telegram, new_chat()
    fake.send_text(chat, "/stop", "fr")
    assert fake.wait_for_messages(chat, 1)[0]["text"]
    fake.send_text(chat, "/choose_session", "fr")
    assert fake.wait_for_messages(chat, 2)[1]["text"] == escaped("help", "fr")


def test_photos_and_other_media_get_a_text_only_notice(channels):
    fake, chat = channels.telegram, new_chat()
    fake.send_photo(chat, "fr")
    assert fake.wait_for_messages(chat, 1)[0]["text"] == escaped("only_text", "fr")


def test_a_long_reply_arrives_in_two_messages_cut_between_paragraphs(channels):
    fake, chat = channels.telegram, new_chat()
    question = "c'est quoi cepegra ?"
    expected = rest_answer(channels, question, "fr")
    assert LONG_DESCRIPTION in texts(expected) and len(texts(expected)) > 6000
    fake.send_text(chat, question, "fr")
    first, second = fake.wait_for_messages(chat, 2)
    assert all(len(m["text"]) <= MESSAGE_LIMIT for m in (first, second))
    assert first["text"].endswith(".") and second["text"].startswith("Paragraph")
    assert f"{first['text']}\n\n{second['text']}" == on_telegram(expected)
    assert len(fake.sent(chat)) == 2


def test_a_telegram_error_does_not_stop_the_bot(channels):
    fake, chat = channels.telegram, new_chat()
    fake.fail_next("sendMessage", 400, "Bad Request: chat not found")
    fake.send_text(chat, "salut", "fr")
    # The error handler tells the person; the next question is answered as usual.
    assert fake.wait_for_messages(chat, 1)[0]["text"] == escaped("unavailable", "fr")
    fake.send_text(chat, "salut", "fr")
    assert fake.wait_for_messages(chat, 2)[1]["text"] == escaped("greet", "fr")


def test_the_webhook_refuses_requests_without_telegrams_secret(channels):
    fake, stack = channels.telegram, channels.assistant.stack
    port = free_port()
    webhook_url = f"http://127.0.0.1:{port}/telegram/hook-e2e"
    settings = replace(stack.settings, gateway_port=port)
    stack.start_process(
        "gateway-webhook",
        gateway_command(settings),
        {"GATEWAY_PORT": str(port), "TELEGRAM_WEBHOOK_URL": webhook_url},
    )
    try:
        fake.wait_for(lambda: fake.webhook.get("url") == webhook_url)
        gateway = replace(stack, settings=settings)
        gateway.processes = {"gateway-webhook": stack.processes["gateway-webhook"]}
        gateway.wait_until_healthy(timeout=60)
        secret = fake.webhook["secret_token"]
        assert len(secret) >= 32
        update = fake.message_update(chat := new_chat(), "salut", "fr")

        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
            refused = httpx.post(webhook_url, json=update, headers=headers)
            assert refused.status_code == 403
        garbage = httpx.post(
            webhook_url, content=b"{not json", headers={"X-Telegram-Bot-Api-Secret-Token": "x"}
        )
        assert garbage.status_code == 403
        assert fake.sent(chat) == []

        good = {"X-Telegram-Bot-Api-Secret-Token": secret}
        assert httpx.post(webhook_url, content=b"{not json", headers=good).status_code == 400
        for not_an_update in ({"foo": 1}, {"update_id": 1, "message": {"text": "no date"}}):
            assert httpx.post(webhook_url, json=not_an_update, headers=good).status_code == 422
        accepted = httpx.post(webhook_url, content=json.dumps(update), headers=good)
        assert accepted.status_code == 200
        assert fake.wait_for_messages(chat, 1)[0]["text"] == escaped("greet", "fr")
    finally:
        stack.stop_process("gateway-webhook")
        del stack.processes["gateway-webhook"]
