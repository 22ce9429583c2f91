"""The replicated stack as `guidance run --engines 2 --action-servers 2 --gateways 2` starts it:
two engines on the PostgreSQL tracker store and Rasa's Redis lock store, two action servers
and two gateways behind HAProxy, on this machine's PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import websockets
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.catalogue.queries import brussels_today, search_courses, upcoming_sessions
from bot.counsellors import Role, add_counsellor
from bot.db import database_for
from bot.db.models import Handoff, localized
from bot.fakes.telegram_api import TOKEN, FakeTelegram
from bot.i18n import text
from bot.runner import Scale, seeded_stack
from tests.conftest import create_postgres_database, drop_postgres_database, redis_or_skip
from tests.e2e.conftest import ALWAYS_OPEN, Assistant

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

PASSWORD = "replicated counsellor password"
_people = itertools.count(1)


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def replicated(
    tmp_path_factory: pytest.TempPathFactory, telegram: FakeTelegram
) -> Iterator[Assistant]:
    workdir = tmp_path_factory.mktemp("e2e-replicated")
    database, url = create_postgres_database()
    try:
        with seeded_stack(
            workdir,
            url,
            scale=Scale(engines=2, action_servers=2, gateways=2),
            redis_url=redis_or_skip(),
            office_hours_file=ALWAYS_OPEN,
            telegram_token=TOKEN,
            telegram_api_url=telegram.base_url,
            # Behind several gateways Telegram calls the public address: any gateway answers.
            telegram_webhook_url="https://bot.example.brussels/telegram/webhook",
        ) as stack:
            yield Assistant(
                stack, sessionmaker(bind=database_for(url), expire_on_commit=False),
                brussels_today(), workdir,
            )  # fmt: skip
    finally:
        drop_postgres_database(database, url)


def gateways(assistant: Assistant) -> list[str]:
    return assistant.stack.urls_of("gateway")


def web_conversation(base_url: str) -> tuple[str, str]:
    started = httpx.post(f"{base_url}/api/conversations", timeout=10).json()
    return started["conversation_id"], started["token"]


def say(base_url: str, conversation: tuple[str, str], message: str) -> dict:
    conversation_id, token = conversation
    response = httpx.post(
        f"{base_url}/api/messages",
        json={"sender": conversation_id, "token": token, "text": message},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def tracker(assistant: Assistant, conversation_id: str, engine: int = 0) -> dict:
    engine_url = assistant.stack.urls_of("engine")[engine]
    return httpx.get(
        f"{engine_url}/conversations/{conversation_id}/tracker",
        params={"token": assistant.stack.settings.engine_token},
        timeout=10,
    ).json()


def turns_in_order(events: list[dict]) -> list[str]:
    """The person's messages in the tracker, checking each got its answer before the next."""
    said, answered = [], True
    for event in events:
        if event.get("event") == "user":
            assert answered, f"{said[-1]!r} had no answer before {event.get('text')!r}"
            said.append(event.get("text"))
            answered = False
        elif event.get("event") == "bot":
            answered = True
    return said


def test_every_part_is_up_and_the_balancer_answers_for_them(replicated):
    health = httpx.get(f"{replicated.url}/healthz", timeout=10).json()
    assert health["status"] == "ok" and health["redis"] == "ok"
    assert sorted(health["engines"]) == sorted(replicated.stack.urls_of("engine"))
    assert set(health["engines"].values()) == {"ok"}
    assert set(health["action_servers"].values()) == {"ok"}
    assert all(replicated.stack.health().values())


def test_turns_alternating_between_gateways_keep_their_order_course_and_language(replicated):
    first, second = gateways(replicated)
    conversation = web_conversation(first)
    messages = [
        "wanneer begint de volgende sessie webontwikkelaar bij becode?",
        "en waar is dat?",
        "is het gratis?",
        "en waar is dat?",
    ]
    answers = [
        say(first if n % 2 == 0 else second, conversation, message)
        for n, message in enumerate(messages)
    ]
    assert [a["language"] for a in answers] == ["nl"] * 4
    with replicated.db() as session:
        course = search_courses(
            session, replicated.today, topic="web_development", partner_key="becode"
        )[0]
    where = "\n".join(m["text"] for m in answers[3]["messages"])
    assert upcoming_sessions(course, replicated.today)[0].location in where
    assert localized(course, "title", "nl") in where
    events = tracker(replicated, conversation[0])["events"]
    assert turns_in_order(events) == messages


def test_turns_sent_at_once_to_both_engines_are_taken_one_at_a_time(replicated):
    """Rasa's Redis lock store: the two engines take turns on one conversation."""
    engines = replicated.stack.urls_of("engine")
    sender = f"replicated-{next(_people)}"
    messages = [f"quelles formations en {topic} ?" for topic in ("data", "cybersécurité") * 5]

    def send(n: int) -> int:
        return httpx.post(
            f"{engines[n % 2]}/webhooks/rest/webhook",
            json={"sender": sender, "message": messages[n]},
            timeout=60,
        ).status_code

    with ThreadPoolExecutor(len(messages)) as pool:
        assert list(pool.map(send, range(len(messages)))) == [200] * len(messages)
    said = turns_in_order(tracker(replicated, sender, engine=1)["events"])
    assert sorted(said) == sorted(messages)


def test_a_counsellors_reply_reaches_a_widget_connected_to_the_other_gateway(replicated):
    first, second = gateways(replicated)
    email = f"replicated{next(_people)}@actiris.example"
    with replicated.db() as db, db.begin():
        add_counsellor(db, email=email, team="actiris", role=Role.COUNSELLOR, password=PASSWORD)
    conversation = web_conversation(second)
    origin = replicated.stack.settings.effective_allowed_origins[0]

    async def widget_then_console() -> list[dict]:
        socket_url = second.replace("http://", "ws://") + "/ws"
        async with websockets.connect(socket_url, extra_headers={"origin": origin}) as widget:
            await widget.send(
                json.dumps(
                    {"type": "hello", "conversation_id": conversation[0],
                     "token": conversation[1], "lang": "fr"}
                )
            )  # fmt: skip
            assert json.loads(await widget.recv())["type"] == "history"
            await widget.send(
                json.dumps({"type": "message", "text": "je veux parler à un conseiller"})
            )
            assert json.loads(await widget.recv())["type"] == "typing"
            assert json.loads(await widget.recv())["type"] == "reply"
            handoff_id = await asyncio.to_thread(handoff_of, replicated, conversation[0])
            await asyncio.to_thread(claim_and_reply, first, email, handoff_id)
            pushed = [json.loads(await asyncio.wait_for(widget.recv(), 10)) for _ in range(2)]
            return pushed

    pushed = asyncio.run(widget_then_console())
    assert pushed[0]["messages"][0]["text"] == text("handoff_claimed", "fr")
    assert pushed[1]["messages"] == [{"text": REPLY, "buttons": [], "from": "counsellor"}]


def handoff_of(assistant: Assistant, conversation_id: str) -> int:
    with assistant.db() as db:
        return int(db.scalar(select(Handoff.id).where(Handoff.conversation_id == conversation_id)))


def claim_and_reply(gateway: str, email: str, handoff_id: int) -> None:
    """A counsellor on the first gateway's console: log in, claim the handoff, reply."""

    def csrf(page: str) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        assert found is not None
        return found.group(1)

    with httpx.Client(base_url=gateway, timeout=10) as console:
        token = csrf(console.get("/console/login").text)
        console.post("/console/login", data={"csrf": token, "email": email, "password": PASSWORD})
        for action, form in (("claim", {}), ("reply", {"text": REPLY})):
            token = csrf(console.get(f"/console/handoffs/{handoff_id}").text)
            done = console.post(
                f"/console/handoffs/{handoff_id}/{action}", data={"csrf": token, **form}
            )
            assert done.status_code == 303, (action, done.status_code)


REPLY = "Bonjour, je regarde ça avec vous."


def test_a_telegram_button_sent_through_one_gateway_is_pressed_through_the_other(
    replicated, telegram
):
    first, second = gateways(replicated)
    secret = {"x-telegram-bot-api-secret-token": replicated.stack.settings.telegram_webhook_key()}
    # Both gateways registered the same secret, so Telegram may call either.
    assert telegram.webhook["secret_token"] == secret["x-telegram-bot-api-secret-token"]

    def webhook(gateway: str, update: dict) -> None:
        sent = httpx.post(f"{gateway}/telegram/webhook", json=update, headers=secret, timeout=10)
        assert sent.status_code == 200, sent.text

    chat = 9_100_000 + next(_people)
    webhook(first, telegram.message_update(chat, "/start", "en"))
    [greeting] = telegram.wait_for_messages(chat, 1)
    button = greeting["reply_markup"]["inline_keyboard"][0][0]
    answers_before = len(telegram.calls_of("answerCallbackQuery"))
    press = {
        "update_id": 10_000_000 + chat,
        "callback_query": {
            "id": f"cq-{chat}", "from": telegram.user(chat, "en"), "chat_instance": "ci",
            "data": button["callback_data"], "message": greeting,
        },
    }  # fmt: skip
    webhook(second, press)
    followed = telegram.wait_for_messages(chat, 2)[1]
    [answered] = telegram.calls_of("answerCallbackQuery")[answers_before:]
    assert not answered.params.get("text")  # a live button, not "this button has expired"
    assert followed["text"] not in (text("unavailable", "en"), greeting["text"])
    # The same button again, through the first gateway: spent everywhere.
    webhook(first, {**press, "update_id": press["update_id"] + 1})
    telegram.wait_for(lambda: len(telegram.calls_of("answerCallbackQuery")) > answers_before + 1)
    assert telegram.calls_of("answerCallbackQuery")[-1].params.get("text") == text(
        "button_expired", "en"
    )
    assert len(telegram.sent(chat)) == 2
