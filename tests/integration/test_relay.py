"""The relay between people and counsellors, on SQLite and PostgreSQL: callbacks outside office
hours, nobody claiming in time, messages stored and delivered after a failure, and the
assistant still answering when the handoffs cannot be read."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot import BRUSSELS, handoff
from bot.counsellors import Role, add_counsellor
from bot.engine_client import BotMessage, HandoffRequest
from bot.handoff import Reason, State
from bot.i18n import text
from bot.live import Hub, conversation_topic
from bot.office_hours import OfficeHours, TeamHours
from bot.relay import Relay, wants_the_assistant_back
from bot.settings import Settings

PERSON = "telegram-4242"
NEVER_OPEN = TeamHours(OfficeHours({}, public_holidays=False))
ALWAYS_OPEN = TeamHours(
    OfficeHours(
        {day: ((dt.time(0), dt.time(23, 59, 59)),) for day in range(7)}, public_holidays=False
    )
)
WEEKDAYS_NINE_TO_FIVE = TeamHours(
    OfficeHours({day: ((dt.time(9), dt.time(17)),) for day in range(5)}, public_holidays=False)
)


def relay_on(
    database_url: str, hours: TeamHours, tmp_path, clock=handoff.utc_now, **settings
) -> Relay:
    return Relay(
        Settings(database_url=database_url, var_dir=tmp_path, **settings), Hub(), hours, clock
    )


async def test_outside_office_hours_a_callback_is_left_and_the_assistant_keeps_answering(
    database_url, seeded, tmp_path
):
    friday_evening = dt.datetime(2026, 12, 11, 18, 0, tzinfo=BRUSSELS)
    relay = relay_on(database_url, WEEKDAYS_NINE_TO_FIVE, tmp_path, clock=lambda: friday_evening)
    messages = await relay.open("web-" + "c" * 24, HandoffRequest(Reason.ASKED), "nl")
    with seeded() as db:
        current = handoff.current_handoff(db, "web-" + "c" * 24)
    assert current.state == State.CALLBACK.value
    assert [m.text for m in messages] == [
        text("handoff_callback", "nl", when="maandag 14 december 2026 om 09:00"),
        text("handoff_callback_contact", "nl"),
    ]
    # In a callback the engine answers: the relay lets the message through, "stop" included
    # (a form to leave); only the button ends the callback.
    assert await relay.intercept("web-" + "c" * 24, "wanneer start de cursus?") is None
    assert await relay.intercept("web-" + "c" * 24, "stop") is None
    ended = await relay.intercept("web-" + "c" * 24, "/back_to_assistant")
    assert [m.text for m in ended.messages] == [text("handoff_cancelled", "nl")]
    pressed_again = await relay.intercept("web-" + "c" * 24, "/back_to_assistant")
    assert pressed_again.forward == "/ask_help" and pressed_again.messages == []


async def test_never_open_gives_a_callback_without_a_date(database_url, seeded, tmp_path):
    relay = relay_on(database_url, NEVER_OPEN, tmp_path)
    messages = await relay.open(PERSON, HandoffRequest(Reason.ASKED), "fr")
    assert [m.text for m in messages] == [
        text("handoff_callback_later", "fr"),
        text("handoff_callback_contact", "fr"),
    ]


async def test_asking_twice_does_not_queue_twice(database_url, seeded, tmp_path):
    relay = relay_on(database_url, ALWAYS_OPEN, tmp_path)
    first = await relay.open(PERSON, HandoffRequest(Reason.ASKED), "en")
    again = await relay.open(PERSON, HandoffRequest(Reason.ASKED), "en")
    assert "number 1 in the queue" in first[0].text and "number 1 in the queue" in again[0].text
    assert first[0].buttons[0].payload == "/back_to_assistant"


async def test_nobody_claiming_in_time_hands_the_person_back_with_a_notice(
    database_url, seeded, tmp_path
):
    relay = relay_on(database_url, ALWAYS_OPEN, tmp_path, handoff_claim_minutes=10)
    conversation = "web-" + "u" * 24
    await relay.open(conversation, HandoffRequest(Reason.ASKED), "en")
    with seeded() as db, db.begin():
        current = handoff.current_handoff(db, conversation)
        current.opened_at = handoff.utc_now() - dt.timedelta(minutes=11)
    with relay.hub.subscribe(conversation_topic(conversation)) as widget:
        assert await relay.turn_unclaimed() == [current.id]
        told = widget.queue.get_nowait()
    assert told["messages"][0]["text"] == text("handoff_nobody_free", "en")
    assert await relay.turn_unclaimed() == []
    assert await relay.intercept(conversation, "ok, when does it start?") is None


async def test_a_reply_telegram_could_not_take_is_delivered_later_once(
    database_url, seeded, tmp_path
):
    relay = relay_on(database_url, ALWAYS_OPEN, tmp_path)
    await relay.open(PERSON, HandoffRequest(Reason.ASKED), "fr")
    sent: list[tuple[str, str]] = []
    telegram_up = False

    async def push(conversation: str, messages: list[BotMessage]) -> bool:
        if not telegram_up:
            raise ConnectionError("Telegram unreachable")
        sent.extend((conversation, m.text) for m in messages)
        return True

    relay.add_pusher("telegram", push)
    with seeded() as db, db.begin():
        ana = add_counsellor(
            db,
            email="ana@actiris.example",
            team="actiris",
            role=Role.COUNSELLOR,
            password="a long password 1",
        )
        current = handoff.current_handoff(db, PERSON)
        handoff.claim(db, current.id, ana)
        reply = handoff.reply(db, current.id, ana, "Bonjour, je suis là.")
    assert await relay.deliver(current.id, reply.id) is False
    telegram_up = True
    assert await relay.deliver_pending("telegram") == 1
    assert sent == [(PERSON, text("counsellor_says", "fr", text="Bonjour, je suis là."))]
    assert await relay.deliver_pending("telegram") == 0


async def test_handoffs_unreadable_leave_the_assistant_answering(tmp_path):
    broken = f"sqlite:///{tmp_path / 'no-tables.db'}"
    relay = relay_on(broken, ALWAYS_OPEN, tmp_path)
    assert await relay.intercept(PERSON, "hello") is None
    opened = await relay.open(PERSON, HandoffRequest(Reason.ASKED), "nl")
    assert [m.text for m in opened] == [text("unavailable", "nl")]
    assert await relay.history(PERSON) == []


@pytest.mark.parametrize(
    ("message", "back"),
    [
        ("cancel", True),
        ("Annuler !", True),
        ("annuleren", True),
        ("laat maar", True),
        ("back to the assistant", True),
        ("retour à l'assistant", True),
        ("terug naar de bot", True),
        ("/back_to_assistant", True),
        ("can I cancel my registration?", False),
        ("je veux annuler mon inscription chez BeCode", False),
        ("hello?", False),
    ],
)
def test_going_back_to_the_assistant_is_a_short_message_only(message, back):
    assert wants_the_assistant_back(message) is back


async def test_a_callback_takes_a_phone_number_and_a_time_once(database_url, seeded, tmp_path):
    relay = relay_on(database_url, NEVER_OPEN, tmp_path)
    person = "web-" + "k" * 24
    offered = await relay.open(person, HandoffRequest(Reason.ASKED), "fr")
    assert [m.text for m in offered][-1] == text("handoff_callback_contact", "fr")
    noted = await relay.intercept(person, "0470 12 34 56, plutôt mardi matin")
    assert noted is not None
    with seeded() as db:
        current = handoff.current_handoff(db, person)
        assert current.callback_contact == "+32470123456"
        assert current.callback_when == "plutôt mardi matin"
    assert noted.messages[0].text == text(
        "handoff_callback_noted", "fr", contact="+32470123456", when=" (plutôt mardi matin)"
    )
    # Asked once: a contact written later is for the assistant (a form's question, say).
    assert await relay.intercept(person, "mon e-mail c'est sam@example.org") is None


async def test_a_callback_answered_with_a_question_leaves_it_to_the_assistant(
    database_url, seeded, tmp_path
):
    relay = relay_on(database_url, NEVER_OPEN, tmp_path)
    person = "web-" + "m" * 24
    await relay.open(person, HandoffRequest(Reason.ASKED), "en")
    assert await relay.intercept(person, "ok, and where is BeCode?") is None
    assert await relay.intercept(person, "+32 470 12 34 56") is None
    with seeded() as db:
        assert handoff.current_handoff(db, person).callback_contact is None


async def test_two_gateways_starting_together_send_a_stored_reply_once(
    database_url, seeded, tmp_path
):
    first = relay_on(database_url, ALWAYS_OPEN, tmp_path)
    second = relay_on(database_url, ALWAYS_OPEN, tmp_path)
    await first.open(PERSON, HandoffRequest(Reason.ASKED), "fr")
    sent: list[str] = []

    async def push(conversation: str, messages: list[BotMessage]) -> bool:
        await asyncio.sleep(0.01)  # a Bot API call: the other gateway runs meanwhile
        sent.extend(m.text for m in messages)
        return True

    first.add_pusher("telegram", push)
    second.add_pusher("telegram", push)
    with seeded() as db, db.begin():
        ana = add_counsellor(
            db, email="ana@actiris.example", team="actiris", role=Role.COUNSELLOR,
            password="a long password 1",
        )  # fmt: skip
        current = handoff.current_handoff(db, PERSON)
        handoff.claim(db, current.id, ana)
        handoff.reply(db, current.id, ana, "Bonjour, je suis là.")
    counts = await asyncio.gather(
        first.deliver_pending("telegram"), second.deliver_pending("telegram")
    )
    assert sorted(counts) == [0, 1]
    assert sent == [text("counsellor_says", "fr", text="Bonjour, je suis là.")]
