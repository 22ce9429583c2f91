"""Eligibility: the rules of a course, evaluated against what a person said about themselves.

Rules are data (stored per course); this module only knows how to check each kind. Rules the
assistant cannot check (prerequisites, language level) are passed on as things the partner
will look at during selection. Reading the facts out of what people write is bot.reading's job.
"""

from __future__ import annotations

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
