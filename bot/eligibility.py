"""Eligibility: the rules of a course, evaluated against what a person said about themselves.

Rules are data (stored per course); this module only knows how to check each kind. Rules the
assistant cannot check (prerequisites, language level) are passed on as things the partner
will look at during selection.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

RULE_KINDS = (
    "min_age",
    "max_age",
    "actiris_registered",
    "brussels_residence",
    "prerequisite",
    "language_level",
)
RULES_WITH_NUMBER = ("min_age", "max_age")
RULES_WITH_TEXT = ("prerequisite", "language_level")
CHECKABLE = ("min_age", "max_age", "actiris_registered", "brussels_residence")


@dataclass(frozen=True)
class Rule:
    kind: str
    value: str | None
    reason: str


@dataclass(frozen=True)
class PersonFacts:
    """What a person told the assistant about themselves; None means not said."""

    age: int | None = None
    actiris_registered: bool | None = None
    lives_in_brussels: bool | None = None

    @property
    def empty(self) -> bool:
        return (
            self.age is None and self.actiris_registered is None and self.lives_in_brussels is None
        )


class Outcome(str, Enum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    UNSURE = "unsure"


@dataclass
class Verdict:
    outcome: Outcome
    failed: list[Rule] = field(default_factory=list)
    unknown: list[Rule] = field(default_factory=list)
    to_check: list[Rule] = field(default_factory=list)


def _check(rule: Rule, facts: PersonFacts) -> bool | None:
    """True when the person meets the rule, False when not, None when we cannot tell."""
    if rule.kind == "min_age":
        return None if facts.age is None else facts.age >= int(rule.value or 0)
    if rule.kind == "max_age":
        return None if facts.age is None else facts.age <= int(rule.value or 200)
    if rule.kind == "actiris_registered":
        return facts.actiris_registered
    if rule.kind == "brussels_residence":
        return facts.lives_in_brussels
    return None


def evaluate(rules: Sequence[Rule], facts: PersonFacts) -> Verdict:
    """Eligible, not eligible, or unsure (a checkable rule lacks the fact it needs)."""
    verdict = Verdict(Outcome.ELIGIBLE)
    for rule in rules:
        if rule.kind not in CHECKABLE:
            verdict.to_check.append(rule)
            continue
        met = _check(rule, facts)
        if met is False:
            verdict.failed.append(rule)
        elif met is None:
            verdict.unknown.append(rule)
    if verdict.failed:
        verdict.outcome = Outcome.NOT_ELIGIBLE
    elif verdict.unknown:
        verdict.outcome = Outcome.UNSURE
    return verdict


# --------------------------------------------------------------------------- reading facts

BRUSSELS_COMMUNES = {
    "anderlecht",
    "auderghem",
    "oudergem",
    "berchem-sainte-agathe",
    "berchem",
    "sint-agatha-berchem",
    "bruxelles",
    "brussel",
    "brussels",
    "bxl",
    "brussel-stad",
    "bruxelles-ville",
    "etterbeek",
    "evere",
    "forest",
    "vorst",
    "ganshoren",
    "ixelles",
    "elsene",
    "jette",
    "koekelberg",
    "molenbeek",
    "molenbeek-saint-jean",
    "sint-jans-molenbeek",
    "saint-gilles",
    "sint-gillis",
    "saint-josse",
    "saint-josse-ten-noode",
    "sint-joost",
    "sint-joost-ten-node",
    "schaerbeek",
    "schaarbeek",
    "uccle",
    "ukkel",
    "watermael-boitsfort",
    "watermaal-bosvoorde",
    "boitsfort",
    "woluwe-saint-lambert",
    "sint-lambrechts-woluwe",
    "woluwe-saint-pierre",
    "sint-pieters-woluwe",
    "woluwe",
    "laeken",
    "laken",
    "neder-over-heembeek",
    "haren",
}
# Places people often name that are outside the Brussels-Capital Region.
OUTSIDE_BRUSSELS = {
    "liege",
    "luik",
    "namur",
    "namen",
    "charleroi",
    "mons",
    "bergen",
    "antwerpen",
    "anvers",
    "antwerp",
    "gent",
    "gand",
    "ghent",
    "leuven",
    "louvain",
    "louvain-la-neuve",
    "wavre",
    "waver",
    "nivelles",
    "nijvel",
    "mechelen",
    "malines",
    "brugge",
    "bruges",
    "hasselt",
    "aalst",
    "alost",
    "vilvoorde",
    "vilvorde",
    "zaventem",
    "halle",
    "hal",
    "dilbeek",
    "tournai",
    "doornik",
    "verviers",
    "arlon",
    "la louviere",
    "ottignies",
    "kortrijk",
    "courtrai",
    "oostende",
    "ostende",
    "ostend",
    "genk",
    "lille",
    "paris",
    "amsterdam",
    "rotterdam",
    "wallonie",
    "wallonia",
    "walloni",
    "vlaanderen",
    "flandre",
    "flanders",
}

_AGE_PATTERNS = [
    re.compile(r"\b(\d{1,2})\s*(?:ans|an|jaar|jr|years?|yrs?|yo|y/o)\b"),
    re.compile(r"\b(?:j'?\s?ai|jai|ik\s+ben|i\s*am|i'?m|im|age|agee?|leeftijd)\s*:?\s*(\d{1,2})\b"),
]
_BIRTH_YEAR = re.compile(r"\b(?:ne|nee|née|born|geboren)\s+(?:en|in)?\s*(19[5-9]\d|20[0-2]\d)\b")
_POSTCODE = re.compile(r"\b([1-9]\d{3})\b")
_NOT_ACTIRIS = re.compile(
    r"(?:pas|plus|jamais|non|not|niet|geen|nog\s+niet|no)\b[^.?!]{0,30}\b(?:actiris|aktiris)"
    r"|(?:actiris|aktiris)\b[^.?!]{0,25}\b(?:non|pas|niet|not|no|nope|nee)\b"
    r"|\b(?:sans|without|zonder)\b[^.?!]{0,30}\b(?:actiris|aktiris)"
)
_REGISTERED = re.compile(
    r"\b(?:je\s+suis|jsuis|j\s+suis|chui|suis|i\s+am|i'?m|im|ik\s+ben|k\s*ben|ben)\s+"
    r"(?:deja\s+|already\s+|al\s+|bien\s+|wel\s+)?(?:inscrit|inscrite|registered|ingeschreven)"
)
_ASKING = re.compile(
    r"\b(?:faut|dois|doit|need|must|have\s+to|has\s+to|moet|moeten|verplicht|obligatoire|required)\b"
)
# A place counts as where the person lives only after words that say so.
_RESIDENCE = re.compile(
    r"\b(?:habite|habites|jhabite|habitant|vis|vit|jvis|reside|domicilie|viens\s+de|suis\s+de|live|living|"
    r"lives|from|based\s+in|woon|woont|wonen|woonachtig|kom\s+uit|ben\s+van)\b"
    r"((?:\s+[a-z'-]+){1,4})"
)
_BIRTH_YEAR = re.compile(r"\b(?:ne|nee|born|geboren)\s+(?:en\s+|in\s+)?(19[5-9]\d|20[0-2]\d)\b")
_POSTCODE = re.compile(r"\b([1-9]\d{3})\b")


def _plain(text: str) -> str:
    """Lowercase without accents, so "Liège" and "liege" read the same."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def is_brussels_postcode(code: int) -> bool:
    return 1000 <= code <= 1210


def _place_after_residence_cue(plain: str) -> bool | None:
    for match in _RESIDENCE.finditer(plain):
        words = match.group(1).split()
        for size in (3, 2, 1):
            for i in range(len(words) - size + 1):
                place = " ".join(words[i : i + size]).strip("'")
                if place in BRUSSELS_COMMUNES:
                    return True
                if place in OUTSIDE_BRUSSELS:
                    return False
    return None


def read_facts(text: str, *, current_year: int) -> PersonFacts:
    """Pick age, Actiris registration and residence out of a free-text message, in FR/NL/EN."""
    plain = _plain(text).replace("’", "'")
    age = None
    for pattern in _AGE_PATTERNS:
        match = pattern.search(plain)
        if match and 10 <= int(match.group(1)) <= 99:
            age = int(match.group(1))
            break
    born = _BIRTH_YEAR.search(plain)
    if age is None and born:
        age = current_year - int(born.group(1))

    actiris: bool | None = None
    if _NOT_ACTIRIS.search(plain):
        actiris = False
    elif _REGISTERED.search(plain) and not _ASKING.search(plain):
        actiris = True

    lives_in_brussels = _place_after_residence_cue(plain)
    for match in _POSTCODE.finditer(plain):
        if born and match.group(1) == born.group(1):
            continue
        lives_in_brussels = is_brussels_postcode(int(match.group(1)))
    return PersonFacts(age=age, actiris_registered=actiris, lives_in_brussels=lives_in_brussels)
