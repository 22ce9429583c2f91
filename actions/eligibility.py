"""Eligibility: a course's conditions, or a personal check against what the person just said."""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import EventType

from actions.common import AssistantAction, Turn
from actions.context import course_buttons, course_title, resolve, say_unknown
from actions.courses import ask_which_course, remember
from bot.db.models import Course, EligibilityRule, localized
from bot.eligibility import Outcome, PersonFacts, Rule, evaluate
from bot.reading import read_facts

MAX_COURSES_CHECKED = 8
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
    values: dict[str, Any] = {
        "title": course_title(course, turn.lang),
        "partner": course.partner.name,
    }
    rules = rules_of(course, turn.lang)
    if not rules:
        turn.reply.say("conditions_none", **values)
        return
    intro = turn.reply.text("conditions_intro", **values)
    turn.reply.say_text(f"{intro}\n{bullets([r.reason for r in rules])}")
    turn.reply.say("conditions_ask_facts")


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
    if verdict.to_check and verdict.outcome is not Outcome.NOT_ELIGIBLE:
        lines.append(turn.reply.text("verdict_to_check", partner=partner.name))
        lines.append(bullets([r.reason for r in verdict.to_check]))
    turn.reply.say_text("\n".join(lines))


def missing_facts(turn: Turn, rules: list[Rule]) -> list[str]:
    return list(dict.fromkeys(turn.reply.text(_MISSING_KEY[r.kind]) for r in rules))


def say_verdicts(turn: Turn, courses: list[Course], facts: PersonFacts) -> None:
    """One line per course, for a question about several ("can I do BeCode?")."""
    lines = [turn.reply.text("verdict_summary")]
    for course in courses:
        title = course_title(course, turn.lang)
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
    turn.reply.say("verdict_summary_next", buttons=course_buttons(turn, courses, "ask_eligibility"))


class ActionEligibility(AssistantAction):
    action_name = "action_eligibility"

    def respond(self, turn: Turn) -> list[EventType]:
        context = resolve(turn)
        if say_unknown(turn, context):
            return []
        facts = read_facts(turn.text, current_year=turn.today.year)
        if (
            not context.courses
            or (len(context.courses) > MAX_COURSES_CHECKED)
            or (len(context.courses) > 1 and facts.empty)
        ):
            return ask_which_course(turn, context, "ask_eligibility")
        if len(context.courses) > 1:
            say_verdicts(turn, context.courses, facts)
        elif facts.empty:
            say_conditions(turn, context.courses[0])
        else:
            say_verdict(turn, context.courses[0], facts)
        return remember(context)
