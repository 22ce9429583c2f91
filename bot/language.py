"""Which of French, Dutch and English a message is written in, and requests to switch.

Offline: a naive Bayes model of words (`language_odds`), learnt from the training data in
nlu/{fr,nl,en}/ and the assistant's own texts the first time it is asked (about a second). It
reads "geeft digitalcity ook les in grafisch ontwerp?" as Dutch, where counting function words
saw "les" and "in" and could not tell. A first message needs a small lead; switching the
language of a conversation a large one, so a Brussels "merci" or "ça va" in a Dutch conversation
is no request (the margins were chosen on the validation set: docs/understanding.md).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

import yaml

from bot import LANGUAGES
from bot.reading import plain
from bot.settings import PROJECT_ROOT

NLU_DIR = PROJECT_ROOT / "nlu"
MESSAGES_FILE = PROJECT_ROOT / "bot" / "messages.yml"
# How much likelier (in nats, per message) one language must be than the next: to read the
# language of a first message, and to switch a conversation to another one.
FIRST_MESSAGE_MARGIN = 2.0
SWITCH_MARGIN = 8.0
# Below the first message's margin, the leader is still a better guess than the default
# ("cyber secu courses?" leans English): answered in it, and the next message may settle it.
GUESS_MARGIN = 0.5

_SWITCH_TARGETS: dict[str, tuple[str, ...]] = {
    "fr": ("francais", "french", "frans", "franse", "fr"),
    "nl": (
        "nederlands",
        "neerlandais",
        "dutch",
        "vlaams",
        "flamand",
        "flemish",
        "nl",
        "neerlandophone",
    ),
    "en": ("anglais", "english", "engels", "en anglais", "eng", "en"),
}


_NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")


def _words(text: str) -> list[str]:
    # An e-mail address or a link says nothing of the language the person writes in.
    text = _NOT_WORDS.sub(" ", text)
    return re.findall(r"[a-z]+(?:'[a-z]+)?", plain(text))


def _leader(scores: dict[str, float], margin: float) -> str | None:
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    return best if top - second >= margin else None


def detect_language(
    text: str, *, margin: float = FIRST_MESSAGE_MARGIN, names: frozenset[str] = frozenset()
) -> str | None:
    """The language of `text` when the word model finds it `margin` nats likelier than the
    next, else None. `names` are words to leave out: the catalogue's names ("Coding School",
    "DigitalCity.brussels") say nothing of the language the person writes in."""
    return _leader(language_odds(text, names), margin)


def read_or_guess_language(
    text: str, names: frozenset[str] = frozenset()
) -> tuple[str | None, bool]:
    """The language of a first message and whether it is read (by the first message's margin)
    or only guessed (by GUESS_MARGIN); (None, False) when it leans to none."""
    odds = language_odds(text, names)
    found = _leader(odds, FIRST_MESSAGE_MARGIN)
    return (found, True) if found else (_leader(odds, GUESS_MARGIN), False)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\{[^}]*\}|\([^)]*\))")


@lru_cache(maxsize=1)
def _word_model() -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """log P(word | language) for every word of the training data, and for an unseen one."""
    counts = {lang: Counter[str]() for lang in LANGUAGES}
    for lang in LANGUAGES:
        for path in sorted((NLU_DIR / lang).glob("*.yml")):
            document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
            for block in document.get("nlu") or []:
                for line in str(block.get("examples") or "").splitlines():
                    counts[lang].update(_words(_ANNOTATION.sub(r"\1", line.lstrip("- "))))
        texts = yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))
        for variants in texts.values():
            counts[lang].update(_words(re.sub(r"\{[a-z_]+\}", " ", variants[lang])))
    vocabulary = set().union(*counts.values())
    smoothing = 0.5
    logp: dict[str, dict[str, float]] = {}
    unseen: dict[str, float] = {}
    for lang, words in counts.items():
        total = sum(words.values()) + smoothing * len(vocabulary)
        logp[lang] = {w: math.log((n + smoothing) / total) for w, n in words.items()}
        unseen[lang] = math.log(smoothing / total)
    return logp, unseen


def language_odds(text: str, names: frozenset[str] = frozenset()) -> dict[str, float]:
    """Log-likelihood of `text` in each language under the word model, words unknown to all
    three (and `names`) left out, relative to the best."""
    logp, unseen = _word_model()
    scores = dict.fromkeys(LANGUAGES, 0.0)
    for word in _words(text):
        if word in names or not any(word in logp[lang] for lang in LANGUAGES):
            continue
        for lang in LANGUAGES:
            scores[lang] += logp[lang].get(word, unseen[lang])
    best = max(scores.values())
    return {lang: score - best for lang, score in scores.items()}


_NEGATIONS = frozenset("not dont doesnt cant no pas niet geen nie ni never jamais".split())
# "My Dutch is only from school": the person's own language, not a request for it.
_POSSESSIVES = frozenset("my mon ma mijn mn m'n".split())
# Words after a language that say it is hard for the person ("my French is bad", "mijn frans is
# niet zo goed"): a reason to leave it, not a request for it.
_HARD = frozenset(
    """not bad poor weak hard difficult niet nie ni slecht zwak moeilijk pas nul mauvais difficile
    compliqué complique faible""".split()
)


def _until_a_language(words: list[str]) -> list[str]:
    """The words up to the next language named ("french, my english is bad": "my")."""
    names = {name for names in _SWITCH_TARGETS.values() for name in names if len(name) > 2}
    for i, word in enumerate(words):
        if word in names:
            return words[:i]
    return words


def requested_language(text: str) -> str | None:
    """The language a person asks to continue in ("en français stp", "in English please").

    Languages named after a negation ("I don't speak French") are not requests; when several
    remain, the last one named wins ("french is hard for me, english please").
    """
    named: list[str] = []
    # A negation counts in its own sentence: "mon français c pas top. english possible?"
    for sentence in re.split(r"[.!?;]+", text):
        words = _words(sentence)
        for index, word in enumerate(words):
            for part in word.split("'"):  # "l'anglais"
                for lang, names in _SWITCH_TARGETS.items():
                    if len(part) > 2 and part in names:
                        before = {w.replace("'", "") for w in words[max(index - 2, 0) : index]}
                        after = set(_until_a_language(words[index + 1 : index + 5]))
                        if not before & (_NEGATIONS | _POSSESSIVES) and not after & _HARD:
                            named.append(lang)
    return named[-1] if named else None
