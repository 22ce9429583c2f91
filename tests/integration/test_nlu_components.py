"""Our own NLU components (engine/components.py) and answer patterns, in the trained model:
what the engine makes of messages where a word means something else than usual, or is
misspelt, and the fallback's two thresholds."""

from __future__ import annotations

import json

import pytest
import yaml

from bot.settings import PROJECT_ROOT
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
# Words that the training data never uses; numbers are values, not words.
UNKNOWN_WORDS = {
    "are you an AI?": 0,
    "+32 486 11 22 33": 0,
    "frobnicate the quux": 2,
    "what's the exchange rate of the zloty": 1,
    "my iguana chewed the ethernet cable": 4,
}


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict]:
    texts = list(dict.fromkeys([*MESSAGES, *UNKNOWN_WORDS]))
    results = json.loads(
        run_nlu_eval("parse", *[arg for text in texts for arg in ("--text", text)]).splitlines()[-1]
    )
    return dict(zip(texts, results, strict=True))


@pytest.fixture(scope="module")
def fallback() -> dict:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    (component,) = [
        c for c in config["pipeline"] if c["name"].endswith(".UnknownWordsFallbackClassifier")
    ]
    return component


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
    # nlu/any_language/form_answers.yml gives features, never entities.
    assert not {e["entity"] for e in result["entities"]} & ANSWER_PATTERNS, result["entities"]
    if intent:
        assert result["intent"]["name"] == intent, result["intent_ranking"][:3]


@pytest.mark.parametrize("text", UNKNOWN_WORDS)
def test_the_parse_counts_the_words_the_training_data_never_uses(parsed, text):
    assert parsed[text]["unknown_words"] == UNKNOWN_WORDS[text]


@pytest.mark.parametrize("text", list(dict.fromkeys([*MESSAGES, *UNKNOWN_WORDS])))
def test_a_message_with_unknown_words_needs_more_confidence(parsed, fallback, text):
    result = parsed[text]
    ranking = [i for i in result["intent_ranking"] if i["name"] != "nlu_fallback"]
    needed = fallback["unknown_words_threshold" if result["unknown_words"] else "threshold"]
    ambiguous = (
        len(ranking) > 1
        and ranking[0]["confidence"] - ranking[1]["confidence"] < fallback["ambiguity_threshold"]
    )
    declined = ranking[0]["confidence"] < needed or ambiguous
    assert (result["intent"]["name"] == "nlu_fallback") == declined, (needed, ranking[:2])
