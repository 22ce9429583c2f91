"""The words people use for each topic ("webdev", "cyber", "grafisch ontwerp"), read from the
engine's own entity synonyms (nlu/entities.yml), so the actions recognise a topic in a message
the engine could not place ("web", alone, read as not understood) with the same vocabulary."""

from __future__ import annotations

import re
from functools import lru_cache

import yaml

from bot.catalogue import TOPICS
from bot.reading import plain
from bot.settings import PROJECT_ROOT

ENTITIES_FILE = PROJECT_ROOT / "nlu" / "entities.yml"
# Words the engine reads as a topic only in context, that alone name one here ("web"), and
# words too ambiguous alone ("data" is Dutch for dates).
ALSO = {"web": "web_development", "site web": "web_development", "websites": "web_development"}
NOT_ALONE = frozenset({"data", "js"})


@lru_cache(maxsize=1)
def topic_phrases() -> tuple[tuple[str, str], ...]:
    """(phrase written plainly, topic), longest phrases first."""
    document = yaml.safe_load(ENTITIES_FILE.read_text(encoding="utf-8")) or {}
    phrases: dict[str, str] = {}
    for block in document.get("nlu") or []:
        topic = block.get("synonym")
        if topic not in TOPICS:
            continue
        for line in str(block.get("examples") or "").splitlines():
            phrase = " ".join(re.findall(r"[a-z0-9]+", plain(line.lstrip("- "))))
            if len(phrase) >= 2:
                phrases.setdefault(phrase, topic)
    for topic in TOPICS:  # the key itself, "web development" for web_development
        phrases.setdefault(topic.replace("_", " "), topic)
    phrases.update(ALSO)
    for phrase in NOT_ALONE:
        phrases.pop(phrase, None)
    return tuple(sorted(phrases.items(), key=lambda item: -len(item[0])))


def topic_named(text: str) -> str | None:
    """The topic a message names with one of its usual words, if any."""
    # "L'IA" names AI, but "j'ai" is no AI: an elided article goes, other elisions stay words.
    unelided = re.sub(r"\b(?:l|d|qu)['’]", " ", plain(text))
    written = " " + " ".join(re.findall(r"[a-z0-9]+(?:['’][a-z0-9]+)*", unelided)) + " "
    for phrase, topic in topic_phrases():
        if f" {phrase} " in written:
            return topic
    return None
