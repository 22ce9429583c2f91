"""Typed conversations on the real stack (gateway, engine, action server, database): a complete
pre-registration typed in each language, without a button, and the held-out conversations of
tests/dialogues/ above floors a little under what `make eval-dialogues` measured."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bench.eval_dialogues import REFERENCE, converse_all, dialogue_catalogue
from bot.db import db_sessions
from bot.db.models import Registration
from bot.registration import parse_reference
from bot.runner import Stack, seeded_stack
from tests.e2e.conftest import api_headers

pytestmark = pytest.mark.e2e

# Completed held-out conversations per language (the sixth set, -h6-), a little under the
# figures measured on 2026-12-08 (fr 0.955, nl 0.909, en 0.909, dead ends 7 / 5 / 4;
# docs/dialogues.md), and one dead end more than measured then (some replies depend on the
# seats others took). Under the goal of no dead end: a floor against going back, not a target.
FLOORS = {"fr": 0.92, "nl": 0.88, "en": 0.88}
MAX_DEAD_ENDS = {"fr": 8, "nl": 6, "en": 5}


@pytest.fixture(scope="module")
def typed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, dict[str, Any]]]:
    workdir = tmp_path_factory.mktemp("e2e-dialogues")
    catalogue = dialogue_catalogue()
    with seeded_stack(workdir, f"sqlite:///{workdir / 'guidance.db'}", catalogue) as stack:
        yield stack, catalogue


# What a person types, turn by turn: the course by its name, the session by its month, every
# answer of the form, a confirmation in words.
TYPED = {
    "fr": [
        "slt c quand le salesforce chez molengeek ?",
        "inscris moi pour celle de mars stp",
        "ouais ok",
        "Yasmine",
        "yasmine.t@example.org",
        "22 ans",
        "oui",
        "j'habite à Molenbeek",
        "c'est bon je confirme",
    ],
    "nl": [
        "wanneer begint de coding school van molengeek",
        "schrijf me in voor die van mei",
        "ja dat is goed",
        "Dries",
        "0470 12 34 56",
        "ik ben 19",
        "ja",
        "1030",
        "klopt, bevestigen",
    ],
    "en": [
        "hey whats the next devsecops course at becode",
        "ok sign me up for the one in october",
        "yes",
        "Sam",
        "sam.k@example.com",
        "24",
        "no",
        "1190",
        "all good, confirm",
    ],
}


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_a_pre_registration_typed_from_start_to_reference(typed, lang):
    stack, _ = typed
    sender = f"typed-{uuid.uuid4().hex[:12]}"
    replies = []
    for text in TYPED[lang]:
        response = httpx.post(
            f"{stack.gateway_url}/api/messages",
            json={"sender": sender, "text": text},
            headers=api_headers(stack.settings),
            timeout=60,
        )
        assert response.status_code == 200
        body = response.json()
        assert body["language"] == lang, f"{text!r} answered in {body['language']}"
        replies.append("\n".join(m["text"] for m in body["messages"]))
    found = REFERENCE.search(replies[-1])
    assert found, f"no reference after the confirmation: {replies[-1]!r}"
    with db_sessions(stack.settings.database_url)() as db:
        registration = db.scalars(
            select(Registration).where(Registration.reference == parse_reference(found.group(0)))
        ).one()
        assert registration.conversation_id == sender
        assert registration.age is not None and registration.postcode


def test_held_out_conversations_reach_their_floors(typed):
    stack, catalogue = typed
    api_key = stack.settings.effective_api_keys()[0]
    summary, results = asyncio.run(converse_all(stack.gateway_url, api_key, "held-out", catalogue))
    failed = [
        f"{r.id}: {next(t for t in r.turns if not t.ok).problems}"
        for r in results
        if not r.completed
    ]
    for lang, floor in FLOORS.items():
        assert summary[lang]["completed"] >= floor, (lang, summary[lang], failed)
        assert summary[lang]["dead_ends"] <= MAX_DEAD_ENDS[lang], (lang, failed)
