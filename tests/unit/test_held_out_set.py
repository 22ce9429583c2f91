"""The held-out NLU set in tests/nlu/ stays apart from the training data in nlu/."""

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


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_test_utterance_is_in_the_training_data(language):
    held_out = examples(PROJECT_ROOT / "tests" / "nlu" / f"{language}.yml")
    training = training_texts()
    leaked = sorted({text for _, text in held_out if normalised(text) in training})
    assert leaked == [], f"{len(leaked)} held-out utterances are also training data: {leaked[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_intent_has_at_least_15_test_utterances(language):
    counts = Counter(
        intent for intent, _ in examples(PROJECT_ROOT / "tests" / "nlu" / f"{language}.yml")
    )
    assert counts and min(counts.values()) >= 15, counts
