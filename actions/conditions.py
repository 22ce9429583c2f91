"""Who may join: a course's conditions, a check against what the person said (in this message
or earlier), one line per course for several, or which trainings fit them. Rendering only: the
rules are evaluated by bot.eligibility."""

from __future__ import annotations

from typing import Any

from actions.common import Turn
from actions.context import (
    course_title,
    course_values,
    offer_courses,
)
from bot.db.models import Course, EligibilityRule, localized
from bot.eligibility import Outcome, PersonFacts, Rule, evaluate
from bot.reading import asks_about_diploma

_MISSING_KEY = {
    "min_age": "missing_age",
    "max_age": "missing_age",
    "actiris_registered": "missing_actiris",
    "brussels_residence": "missing_residence",
}


def rules_of(course: Course, lang: str) -> list[Rule]:
    return [_rule(r, lang) for r in course.rules]


def _rule(rule: EligibilityRule, lang: str) -> Rule:
    return Rule(kind=rule.kind, value=rule.value, reason=localized(rule, "reason", lang) or "")


def bullets(lines: list[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def say_conditions(turn: Turn, course: Course) -> None:
    values = course_values(turn, course)
    rules = rules_of(course, turn.lang)
    if not rules:
        turn.reply.say("conditions_none", **values)
        return
    intro = turn.reply.text("conditions_intro", **values)
    turn.reply.say_text(f"{intro}\n{bullets([r.reason for r in rules])}")
    # "Can I join?" asked before saying anything about oneself: the answer is "not yet known",
    # and which facts would settle it (only those the rules need).
    unknown = evaluate(rules, PersonFacts()).unknown
    if unknown:
        missing = _joined(turn, missing_facts(turn, unknown))
        turn.reply.say("conditions_unsure", missing=missing)
        turn.remember(pending="ask_eligibility")


def say_verdict(turn: Turn, course: Course, facts: PersonFacts) -> None:
    partner = course.partner
    values: dict[str, Any] = {"title": course_title(course, turn.lang), "partner": partner.name}
    verdict = evaluate(rules_of(course, turn.lang), facts)
    lines: list[str] = []
    if verdict.outcome is Outcome.ELIGIBLE:
        lines.append(turn.reply.text("verdict_eligible", **values))
    elif verdict.outcome is Outcome.NOT_ELIGIBLE:
        lines.append(turn.reply.text("verdict_not_eligible", **values))
        lines.append(bullets([r.reason for r in verdict.failed]))
        lines.append(
            turn.reply.text(
                "verdict_not_eligible_next", partner=partner.name, contact=partner.contact
            )
        )
    else:
        lines.append(turn.reply.text("verdict_unsure", **values))
        lines.append(bullets(missing_facts(turn, verdict.unknown)))
        lines.append(
            turn.reply.text("verdict_unsure_next", partner=partner.name, contact=partner.contact)
        )
        # The person may answer with the missing facts.
        turn.remember(pending="ask_eligibility")
    if verdict.to_check and verdict.outcome is not Outcome.NOT_ELIGIBLE:
        lines.append(turn.reply.text("verdict_to_check", partner=partner.name))
        lines.append(bullets([r.reason for r in verdict.to_check]))
    if turn.situation.diploma == "none" and verdict.outcome is not Outcome.NOT_ELIGIBLE:
        lines.append(turn.reply.text("no_diploma_needed", title=values["title"]))
    buttons = []
    if verdict.outcome is Outcome.UNSURE:
        buttons.append(turn.reply.offer_counsellor(turn, "eligibility_unsure"))
    turn.reply.say_text("\n".join(lines), buttons=buttons)


def missing_facts(turn: Turn, rules: list[Rule]) -> list[str]:
    if any(r.kind == "actiris_registered" for r in rules):
        turn.remember(asked_actiris=True)  # "ja ben ik" will answer it
    return list(dict.fromkeys(turn.reply.text(_MISSING_KEY[r.kind]) for r in rules))


def _joined(turn: Turn, items: list[str]) -> str:
    """ "a, b and c" in the conversation's language."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {turn.reply.text('word_and')} {items[-1]}"


def say_verdicts(
    turn: Turn, courses: list[Course], facts: PersonFacts, intent: str = "ask_eligibility"
) -> None:
    """One line per course, for a question about several ("can I do BeCode?") or a list for a
    person whose facts are known; buttons ask `intent` of each."""
    lines = [turn.reply.text("verdict_summary")]
    for course in courses:
        title = f"{course_title(course, turn.lang)} ({course.partner.name})"
        verdict = evaluate(rules_of(course, turn.lang), facts)
        if verdict.outcome is Outcome.ELIGIBLE:
            lines.append(turn.reply.text("verdict_line_eligible", title=title))
        elif verdict.outcome is Outcome.NOT_ELIGIBLE:
            reasons = " ".join(r.reason for r in verdict.failed)
            lines.append(turn.reply.text("verdict_line_not_eligible", title=title, reasons=reasons))
        else:
            missing = ", ".join(missing_facts(turn, verdict.unknown))
            lines.append(turn.reply.text("verdict_line_unsure", title=title, missing=missing))
    turn.reply.say_text("\n".join(lines))
    offer_courses(turn, courses, intent, "verdict_summary_next")


def say_what_fits(turn: Turn, courses: list[Course], facts: PersonFacts) -> None:
    """Which of `courses` the person can join, from what they said ("what can I join?")."""
    fit, unsure, out = [], [], []
    missing: list[str] = []
    for course in courses:
        verdict = evaluate(rules_of(course, turn.lang), facts)
        if verdict.outcome is Outcome.ELIGIBLE:
            fit.append(course)
        elif verdict.outcome is Outcome.UNSURE:
            unsure.append(course)
            missing += missing_facts(turn, verdict.unknown)
        else:
            out.append(course)
    lines: list[str] = []
    if fit:
        lines.append(turn.reply.text("fits_intro"))
        lines += [f"• {course_title(c, turn.lang)} ({c.partner.name})" for c in fit]
    if unsure:
        lines.append(turn.reply.text("fits_unsure", missing=", ".join(dict.fromkeys(missing))))
        lines += [f"• {course_title(c, turn.lang)} ({c.partner.name})" for c in unsure]
        turn.remember(pending="ask_eligibility")
    if not fit and not unsure:
        lines.append(turn.reply.text("fits_none"))
    elif out:
        titles = ", ".join(f"{course_title(c, turn.lang)} ({c.partner.name})" for c in out)
        lines.append(turn.reply.text("fits_not", titles=titles))
    turn.reply.say_text("\n".join(lines))
    if fit or unsure:
        offer_courses(turn, [*fit, *unsure], "ask_schedule", "pick_course")


def say_eligibility(turn: Turn, course: Course) -> None:
    """The conditions of `course`, or whether the person meets them when they said anything."""
    facts = turn.facts
    told = not turn.situation.empty  # "no diploma", "idk if I'm at Actiris"
    if facts.empty and not told:
        say_conditions(turn, course)
    else:
        say_verdict(turn, course, facts)
    rules = rules_of(course, turn.lang)
    asks_one = any(asks_about_diploma(rule.reason) for rule in rules)
    if asks_about_diploma(turn.text) and not asks_one and turn.situation.diploma != "none":
        # "Faut-il un diplôme ?" (a diploma said missing is answered with the verdict).
        turn.reply.say("no_diploma_needed", title=course_title(course, turn.lang))
