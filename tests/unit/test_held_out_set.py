"""The held-out NLU set in tests/nlu/ and the validation set in bench/dev/ stay apart from the
training data in nlu/ and from each other: the held-out set measures, the validation set is where
choices are made, and neither may be learnt by heart."""

import re
import unicodedata
from collections import Counter

import pytest
import yaml

from bot.settings import PROJECT_ROOT

ANNOTATION = re.compile(r"\[([^\]]+)\](?:\{[^}]*\}|\([^)]*\))")
LANGUAGES = ("fr", "nl", "en")


def normalised(example: str) -> str:
    text = ANNOTATION.sub(r"\1", example)
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[\w@+]+", text))


def examples(path) -> list[tuple[str, str]]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for block in document.get("nlu") or []:
        if "intent" in block:
            for line in block["examples"].splitlines():
                line = line.strip()
                if line.startswith("- "):
                    found.append((block["intent"], line[2:]))
    return found


def training_texts() -> set[str]:
    return {
        normalised(text)
        for path in (PROJECT_ROOT / "nlu").rglob("*.yml")
        for _, text in examples(path)
    }


def held_out(language: str) -> list[tuple[str, str]]:
    return examples(PROJECT_ROOT / "tests" / "nlu" / f"{language}.yml")


def validation(language: str) -> list[tuple[str, str]]:
    return examples(PROJECT_ROOT / "bench" / "dev" / f"{language}.yml")


def found_in(utterances: list[tuple[str, str]], seen: set[str]) -> list[str]:
    return sorted({text for _, text in utterances if normalised(text) in seen})


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_test_utterance_is_in_the_training_data(language):
    leaked = found_in(held_out(language), training_texts())
    assert leaked == [], f"{len(leaked)} held-out utterances are also training data: {leaked[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_intent_has_at_least_15_test_utterances(language):
    counts = Counter(intent for intent, _ in held_out(language))
    assert counts and min(counts.values()) >= 15, counts


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_validation_utterance_is_in_the_training_or_held_out_data(language):
    seen = training_texts() | {normalised(text) for _, text in held_out(language)}
    leaked = found_in(validation(language), seen)
    assert leaked == [], f"{len(leaked)} validation utterances are seen elsewhere: {leaked[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_validation_set_covers_every_held_out_intent(language):
    missing = {intent for intent, _ in held_out(language)} - {i for i, _ in validation(language)}
    assert missing == set(), missing
