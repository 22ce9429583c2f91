"""Counsellors take over, end to end: a person asks for someone in the widget (real Chromium) or
on Telegram (the fake Bot API), a counsellor claims and answers from the console in Chromium,
the reply reaches the person's own channel, and after the hand back the assistant answers the
next question in the person's language with the course still in mind. Screenshots of the
console go to tests/artifacts/."""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, select
from sqlalchemy import text as sql

from bot.catalogue.queries import get_course
from bot.counsellors import Role, add_counsellor
from bot.db.models import Handoff
from bot.i18n import text
from tests.e2e.conftest import COUNSELLORS_CHAT

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PASSWORD = "e2e counsellor password"
COURSE = "becode-web-developer"
_accounts = itertools.count(1)
_chats = itertools.count(8_000_001)


@pytest.fixture
def counsellor(channels) -> str:
    """A new BeCode counsellor's e-mail (the course's partner: its team gets the handoff)."""
    email = f"counsellor{next(_accounts)}@becode.example"
    with channels.assistant.db() as db, db.begin():
        add_counsellor(db, email=email, team="becode", role=Role.COUNSELLOR, password=PASSWORD)
    return email


@pytest.fixture
def console(browser: Browser, channels, counsellor: str) -> Iterator[Page]:
    """The console, logged in, on a phone-sized and a laptop-sized screen in turn."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.goto(f"{channels.assistant.url}/console")
    expect(page).to_have_url(re.compile(r"/console/login$"))
    page.get_by_label(text("console_email", "fr")).fill(counsellor)
    page.get_by_label(text("console_password", "fr")).fill(PASSWORD)
    page.get_by_role("button", name=text("console_login", "fr")).click()
    expect(page.get_by_role("heading", name=text("console_queue", "fr"))).to_be_visible()
    yield page
    context.close()


def open_handoff_of(channels, conversation_id: str) -> int:
    with channels.assistant.db() as db:
        return int(
            db.scalar(
                select(Handoff.id).where(
                    Handoff.conversation_id == conversation_id, Handoff.state != "closed"
                )
            )
        )


def claim_from_the_queue(console: Page, handoff_id: int) -> None:
    # The queue shows the new handoff live: no reload.
    row = console.locator(f"tr[data-handoff='{handoff_id}']")
    expect(row).to_be_visible(timeout=15_000)
    ARTIFACTS.mkdir(exist_ok=True)
    console.screenshot(path=str(ARTIFACTS / "console-queue.png"))
    row.get_by_role("link", name=text("console_open", "fr")).click()
    console.get_by_role("button", name=text("console_claim", "fr")).click()
    expect(console.get_by_label(text("console_reply_label", "fr"))).to_be_visible()


def reply_from_the_console(console: Page, message: str) -> None:
    console.get_by_label(text("console_reply_label", "fr")).fill(message)
    console.get_by_role("button", name=text("console_send", "fr")).click()
    expect(console.locator("#transcript")).to_contain_text(message)


def hand_back(console: Page) -> None:
    console.get_by_role("button", name=text("console_hand_back", "fr")).click()
    expect(console.get_by_role("heading", name=text("console_queue", "fr"))).to_be_visible()


def widget_ask(page: Page, box, question: str) -> None:
    before = page.locator(".msg.bot").count()
    box.fill(question)
    box.press("Enter")
    expect(page.locator(".msg.bot")).not_to_have_count(before, timeout=30_000)


def test_a_widget_conversation_is_taken_over_answered_and_handed_back(
    channels, browser: Browser, console: Page
):
    assistant = channels.assistant
    context = browser.new_context(viewport={"width": 390, "height": 800})
    person = context.new_page()
    # The person came through a counsellor's referral link.
    person.goto(f"{assistant.url}/?ref=fair2026")
    person.get_by_role("button", name="Une question sur les formations ?").click()
    box = person.get_by_role("textbox")
    widget_ask(person, box, "quand commence web developer chez becode ?")
    widget_ask(person, box, "je veux parler à un conseiller")
    log = person.get_by_role("log")
    expect(log).to_contain_text("Je cherche un conseiller pour toi.")
    conversation_id = person.evaluate(
        "localStorage.getItem('guidance-widget-conversation:' + location.origin)"
    )
    handoff_id = open_handoff_of(channels, conversation_id)
    with assistant.db() as db:
        assert db.get(Handoff, handoff_id).source == "ref-fair2026"
    # BeCode's counsellors are told in their Telegram group, without the person's words.
    notified = channels.telegram.wait_for(
        lambda: [
            m for m in channels.telegram.sent(COUNSELLORS_CHAT) if f"{handoff_id}" in m["text"]
        ]
    )
    for private in ("je veux parler", "quand commence", conversation_id):
        assert private not in notified[0]["text"]
    assert "becode" in notified[0]["text"]

    claim_from_the_queue(console, handoff_id)
    expect(log).to_contain_text(text("handoff_claimed", "fr"), timeout=15_000)
    # What the person writes reaches the console live, and not the engine.
    box.fill("j'ai 19 ans et je suis inscrit chez Actiris")
    box.press("Enter")
    expect(console.locator("#transcript")).to_contain_text(
        "j'ai 19 ans et je suis inscrit chez Actiris", timeout=15_000
    )
    console.screenshot(path=str(ARTIFACTS / "console-conversation.png"))
    reply_from_the_console(console, "Bonjour ! Oui, tu peux venir à la séance d'info.")
    counsellor_bubble = person.locator(".msg.counsellor")
    expect(counsellor_bubble).to_contain_text("Bonjour ! Oui, tu peux venir", timeout=15_000)
    person.screenshot(path=str(ARTIFACTS / "widget-counsellor-reply.png"))

    # Still there after a reload, from the conversation's history.
    person.reload()
    person.get_by_role("button", name="Une question sur les formations ?").click()
    expect(person.locator(".msg.counsellor")).to_contain_text("Bonjour ! Oui, tu peux venir")

    hand_back(console)
    expect(person.get_by_role("log")).to_contain_text(text("handoff_handed_back", "fr"))
    # The console's other pages, for the record (tests/artifacts/).
    console.get_by_role("link", name=text("console_registrations", "fr")).click()
    expect(console.get_by_role("heading", name=text("console_registrations", "fr"))).to_be_visible()
    console.screenshot(path=str(ARTIFACTS / "console-registrations.png"))
    console.get_by_role("link", name=text("console_referrals", "fr")).click()
    console.get_by_label(text("console_referral_label", "fr")).fill("Salon de l'emploi, Anderlecht")
    console.get_by_role("button", name=text("console_referral_create", "fr")).click()
    expect(console.get_by_role("img").first).to_be_visible()
    console.screenshot(path=str(ARTIFACTS / "console-referral.png"), full_page=True)
    box = person.get_by_role("textbox")
    widget_ask(person, box, "et c'est où ?")
    with assistant.db() as db:
        address = get_course(db, COURSE).partner.address.split(",")[0]
    expect(person.locator(".msg.bot").last).to_contain_text(address, timeout=30_000)
    context.close()


def age_the_engines_conversation(channels, conversation_id: str, hours: float) -> None:
    """Move the engine's events of the conversation back in time, as if the person had been
    silent for `hours`: the engine will start a new session at the next message."""
    tracker = create_engine(channels.assistant.stack.settings.effective_tracker_url)
    with tracker.begin() as connection:
        connection.execute(
            sql("UPDATE events SET timestamp = timestamp - :seconds WHERE sender_id = :sender"),
            {"seconds": hours * 3600, "sender": conversation_id},
        )
    tracker.dispose()


def test_a_telegram_conversation_stays_with_the_counsellor_past_the_engines_session_expiry(
    channels, console: Page
):
    telegram = channels.telegram
    chat = next(_chats)
    telegram.send_text(chat, "when does the web developer course at becode start?", "en")
    telegram.wait_for_messages(chat, 1)
    telegram.send_text(chat, "can I talk to a real person please", "en")
    waiting = telegram.wait_for(
        lambda: [m for m in telegram.sent(chat) if "finding a counsellor" in m["text"]]
    )
    assert waiting
    handoff_id = open_handoff_of(channels, f"telegram-{chat}")
    claim_from_the_queue(console, handoff_id)
    telegram.wait_for(
        lambda: [
            m
            for m in telegram.sent(chat)
            if m["text"] == html.escape(text("handoff_claimed", "en"), quote=False)
        ]
    )

    # Hours pass: the engine would start a new session; the counsellor still owns the chat.
    age_the_engines_conversation(channels, f"telegram-{chat}", hours=3)
    telegram.send_text(chat, "sorry I was away, are you still there?", "en")
    expect(console.locator("#transcript")).to_contain_text(
        "sorry I was away, are you still there?", timeout=15_000
    )
    sent_before = len(telegram.sent(chat))
    reply_from_the_console(console, "Yes! The next info session is on the BeCode page.")
    delivered = telegram.wait_for(
        lambda: [m for m in telegram.sent(chat) if "The next info session" in m["text"]]
    )
    assert delivered[0]["text"].startswith("👤 Counsellor:")
    # The person's message got no answer from the engine meanwhile: only the counsellor's.
    assert len(telegram.sent(chat)) == sent_before + 1

    hand_back(console)
    telegram.wait_for(lambda: [m for m in telegram.sent(chat) if "handed you back" in m["text"]])
    count = len(telegram.sent(chat))
    telegram.send_text(chat, "and where is it?", "en")
    answer = telegram.wait_for_messages(chat, count + 1)[-1]["text"]
    with channels.assistant.db() as db:
        address = get_course(db, COURSE).partner.address.split(",")[0]
    assert address in html.unescape(answer)
