"""Eligibility rules as data, evaluated by a plain function, and facts read from free text."""

import pytest

from bot.eligibility import Outcome, PersonFacts, Rule, evaluate
from bot.reading import read_facts

MOLENGEEK_LIKE = [
    Rule("min_age", "18", "at least 18"),
    Rule("max_age", "25", "25 at most"),
    Rule("actiris_registered", None, "registered at Actiris"),
    Rule("brussels_residence", None, "live in Brussels"),
    Rule("prerequisite", "motivation", "selection on motivation"),
]


def test_everything_met_is_eligible_with_what_the_partner_still_checks():
    verdict = evaluate(
        MOLENGEEK_LIKE, PersonFacts(age=20, actiris_registered=True, lives_in_brussels=True)
    )
    assert verdict.outcome is Outcome.ELIGIBLE
    assert [r.kind for r in verdict.to_check] == ["prerequisite"]
    assert verdict.failed == [] and verdict.unknown == []


@pytest.mark.parametrize(
    ("facts", "failed"),
    [
        (PersonFacts(age=17, actiris_registered=True, lives_in_brussels=True), ["min_age"]),
        (PersonFacts(age=27, actiris_registered=True, lives_in_brussels=True), ["max_age"]),
        (
            PersonFacts(age=22, actiris_registered=False, lives_in_brussels=True),
            ["actiris_registered"],
        ),
        (
            PersonFacts(age=30, actiris_registered=False, lives_in_brussels=False),
            ["max_age", "actiris_registered", "brussels_residence"],
        ),
    ],
)
def test_a_failed_rule_makes_not_eligible_and_says_which(facts, failed):
    verdict = evaluate(MOLENGEEK_LIKE, facts)
    assert verdict.outcome is Outcome.NOT_ELIGIBLE
    assert [r.kind for r in verdict.failed] == failed


def test_a_missing_fact_makes_unsure_and_lists_what_is_missing():
    verdict = evaluate(MOLENGEEK_LIKE, PersonFacts(age=20))
    assert verdict.outcome is Outcome.UNSURE
    assert [r.kind for r in verdict.unknown] == ["actiris_registered", "brussels_residence"]


def test_a_failure_outweighs_missing_facts():
    verdict = evaluate(MOLENGEEK_LIKE, PersonFacts(age=40))
    assert verdict.outcome is Outcome.NOT_ELIGIBLE


def test_age_limits_are_inclusive():
    assert evaluate(MOLENGEEK_LIKE[:2], PersonFacts(age=18)).outcome is Outcome.ELIGIBLE
    assert evaluate(MOLENGEEK_LIKE[:2], PersonFacts(age=25)).outcome is Outcome.ELIGIBLE


def test_no_rules_is_eligible():
    assert evaluate([], PersonFacts()).outcome is Outcome.ELIGIBLE


@pytest.mark.parametrize(
    ("text", "age", "actiris", "brussels"),
    [
        ("I'm 27 and live in Liège, can I do the BeCode course?", 27, None, False),
        ("j'ai 19 ans et j'habite à Schaerbeek, je peux faire molengeek ?", 19, None, True),
        ("ik ben 23 en niet ingeschreven bij actiris, mag ik meedoen?", 23, False, None),
        ("jsuis pas inscrit chez actiris", None, False, None),
        ("je suis inscrite chez actiris, 1080", None, True, True),
        ("kben 22 jaar, woon in Anderlecht en ben ingeschreven", 22, True, True),
        ("born in 2001, I live in Ixelles", 2026 - 2001, None, True),
        ("j ai 24 ans jhabite a namur", 24, None, False),
        ("my postcode is 1210", None, None, True),
        ("mon code postal c'est 4000", None, None, False),
        ("ik woon in Gent", None, None, False),
        ("faut-il être inscrit chez actiris ?", None, None, None),
        ("do I need to be registered at Actiris?", None, None, None),
        ("trainings in Brussels?", None, None, None),
        ("hello", None, None, None),
    ],
)
def test_read_facts(text, age, actiris, brussels):
    assert read_facts(text, current_year=2026) == PersonFacts(age, actiris, brussels)
