"""Our own NLU components (bot/nlu_components.py) and answer patterns, in the trained model:
what the engine makes of messages where a word means something else than usual, or is
misspelt."""

from __future__ import annotations

import json

import pytest

from tests.integration.nlu_engine import run_nlu_eval

ANSWER_PATTERNS = {"first_name", "email_address", "phone_number", "commune"}
MESSAGES = {
    "are you an AI?": ("bot_challenge", set()),
    "t'es une IA ou quoi": ("bot_challenge", set()),
    "ben je een AI?": ("bot_challenge", set()),
    "is there an AI training at BeCode?": (
        None,
        {("course_topic", "data_ai"), ("partner", "becode")},
    ),
    "please delete my account and data": ("delete_my_data", set()),
    "a data course please": (None, {("course_topic", "data_ai")}),
    "someone.else@example.org": ("inform", set()),
    "my email is sarah_m2003@outlook.com": ("inform", set()),
    "une formation outlook ?": (None, {("course_topic", "digital_basics")}),
    "ik zoek een cybersecurityopleiding": (None, {("course_topic", "cybersecurity")}),
    "is er een webontwikkelingscursus bij BeCode": (
        None,
        {("course_topic", "web_development"), ("partner", "becode")},
    ),
    "ik wil een cybersecrity opleiding": (None, {("course_topic", "cybersecurity")}),
    "is er een javscript cursus in brussel": (None, {("course_topic", "web_development")}),
    "do i need maths for machien learning": (None, {("course_topic", "data_ai")}),
    "could claude help me with my homework": (None, set()),
    "Javier": ("inform", set()),
    "+32 486 11 22 33": ("inform", set()),
}


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict]:
    texts = [arg for text in MESSAGES for arg in ("--text", text)]
    results = json.loads(run_nlu_eval("parse", *texts).splitlines()[-1])
    return dict(zip(MESSAGES, results, strict=True))


@pytest.mark.parametrize("text", MESSAGES)
def test_the_engine_reads_the_message_for_what_it_is(parsed, text):
    intent, entities = MESSAGES[text]
    result = parsed[text]
    found = {
        (e["entity"], e["value"])
        for e in result["entities"]
        if e["entity"] in ("partner", "course_topic")
    }
    assert found == entities, result["entities"]
    # nlu/answer_patterns.yml gives features, never entities.
    assert not {e["entity"] for e in result["entities"]} & ANSWER_PATTERNS, result["entities"]
    if intent:
        assert result["intent"]["name"] == intent, result["intent_ranking"][:3]
