"""Trainings and their facts: search by topic or partner, sessions, place, cost, certificate."""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import EventType, SlotSet

from actions.common import AssistantAction, Turn
from actions.context import CourseContext, course_buttons, course_title, resolve, say_unknown
from bot.catalogue.queries import known_topics, next_session, search_courses, upcoming_sessions
from bot.db.models import Course, CourseSession, localized
from bot.i18n import format_date, format_days, format_hours, topic_name

MAX_SESSIONS_SHOWN = 3


def remember(context: CourseContext) -> list[EventType]:
    """Keep the course in mind when the answer was about exactly one."""
    return [SlotSet("course", context.courses[0].key if len(context.courses) == 1 else None)]


def course_line(turn: Turn, course: Course) -> str:
    upcoming = next_session(course, turn.today)
    values = {
        "title": course_title(course, turn.lang),
        "partner": course.partner.name,
        "weeks": course.duration_weeks,
    }
    if upcoming is None:
        return turn.reply.text("course_line_no_session", **values)
    return turn.reply.text(
        "course_line", start=format_date(upcoming.start_date, turn.lang), **values
    )


def ask_which_course(turn: Turn, context: CourseContext, intent: str) -> list[EventType]:
    courses = context.courses or search_courses(turn.db, turn.today)
    turn.reply.say("which_course", buttons=course_buttons(turn, courses, intent))
    return [SlotSet("course", None)]


def describe_what(turn: Turn, context: CourseContext) -> str:
    parts = []
    if context.topic:
        parts.append(turn.reply.text("what_topic", topic=topic_name(context.topic, turn.lang)))
    if context.partner:
        parts.append(turn.reply.text("what_partner", partner=context.partner.name))
    return " ".join(parts)


class ActionCourses(AssistantAction):
    action_name = "action_courses"

    def respond(self, turn: Turn) -> list[EventType]:
        context = resolve(turn, use_memory=False)
        if say_unknown(turn, context):
            return []
        if not context.named_anything:
            context.courses = search_courses(turn.db, turn.today)
            intro = turn.reply.text("courses_all")
        elif not context.courses:
            topics = ", ".join(topic_name(t, turn.lang) for t in known_topics(turn.db))
            turn.reply.say("courses_none", what=describe_what(turn, context), topics=topics)
            return [SlotSet("course", None)]
        else:
            intro = turn.reply.text("courses_found", what=describe_what(turn, context))
        lines = [intro] + [course_line(turn, c) for c in context.courses]
        turn.reply.say_text("\n".join(lines))
        turn.reply.say("pick_course", buttons=course_buttons(turn, context.courses, "ask_schedule"))
        return remember(context)


def session_text(turn: Turn, course: Course, session: CourseSession) -> str:
    lang = turn.lang
    not_announced = turn.reply.text("not_announced")
    seats = (
        turn.reply.text("seats_left", seats=session.seats_left)
        if session.seats_left
        else turn.reply.text("seats_full")
    )
    return turn.reply.text(
        "session",
        start=format_date(session.start_date, lang),
        end=format_date(session.end_date, lang),
        weeks=course.duration_weeks,
        days=format_days(session.days.split(","), lang),
        hours=format_hours(session.start_time, session.end_time, lang),
        location=turn.reply.text("online") if session.location == "online" else session.location,
        seats=seats,
        deadline=(
            format_date(session.application_deadline, lang)
            if session.application_deadline
            else not_announced
        ),
        info=format_date(session.info_session_date, lang)
        if session.info_session_date
        else not_announced,
    )


def follow_up_buttons(turn: Turn, course: Course) -> list[dict[str, str]]:
    return [
        turn.reply.button("button_preregister", "preregister", course=course.key),
        turn.reply.button("button_eligibility", "ask_eligibility", course=course.key),
        turn.reply.button("button_location", "ask_location", course=course.key),
        turn.reply.button("button_cost", "ask_cost", course=course.key),
    ]


class ActionSchedule(AssistantAction):
    action_name = "action_schedule"

    def respond(self, turn: Turn) -> list[EventType]:
        context = resolve(turn)
        if say_unknown(turn, context):
            return []
        if len(context.courses) != 1:
            if not context.courses:
                return ask_which_course(turn, context, "ask_schedule")
            lines = [turn.reply.text("courses_found", what=describe_what(turn, context))]
            lines += [course_line(turn, c) for c in context.courses]
            turn.reply.say_text("\n".join(lines))
            turn.reply.say(
                "pick_course", buttons=course_buttons(turn, context.courses, "ask_schedule")
            )
            return remember(context)
        course = context.courses[0]
        title, partner = course_title(course, turn.lang), course.partner
        sessions = upcoming_sessions(course, turn.today)[:MAX_SESSIONS_SHOWN]
        if not sessions:
            turn.reply.say(
                "no_sessions", title=title, partner=partner.name, contact=partner.contact
            )
            return remember(context)
        turn.reply.say("schedule_intro", title=title, partner=partner.name)
        for session in sessions:
            turn.reply.say_text(session_text(turn, course, session))
        if any(s.sample for s in sessions):
            turn.reply.say("sample_dates", partner=partner.name, contact=partner.contact)
        turn.reply.messages[-1]["buttons"] = follow_up_buttons(turn, course)
        return remember(context)


class ActionLocation(AssistantAction):
    action_name = "action_location"

    def respond(self, turn: Turn) -> list[EventType]:
        context = resolve(turn)
        if say_unknown(turn, context):
            return []
        if len(context.courses) == 1:
            course = context.courses[0]
            places = [s.location for s in upcoming_sessions(course, turn.today)] or [
                course.partner.address
            ]
            shown = [
                turn.reply.text("online") if p == "online" else p for p in dict.fromkeys(places)
            ]
            turn.reply.say(
                "location",
                title=course_title(course, turn.lang),
                partner=course.partner.name,
                places=" / ".join(shown),
            )
            return remember(context)
        if context.partner:
            turn.reply.say(
                "location_partner", name=context.partner.name, address=context.partner.address
            )
            return remember(context)
        return ask_which_course(turn, context, "ask_location")


class ActionCost(AssistantAction):
    action_name = "action_cost"

    def respond(self, turn: Turn) -> list[EventType]:
        context = resolve(turn)
        if say_unknown(turn, context):
            return []
        if len(context.courses) != 1:
            courses = context.courses or search_courses(turn.db, turn.today)
            if courses and all(c.cost_eur == 0 for c in courses):
                turn.reply.say("cost_overview", buttons=course_buttons(turn, courses, "ask_cost"))
                return remember(context)
            return ask_which_course(turn, context, "ask_cost")
        course = context.courses[0]
        values: dict[str, Any] = {
            "title": course_title(course, turn.lang),
            "partner": course.partner.name,
        }
        if course.cost_eur == 0:
            turn.reply.say("cost_free", **values)
        else:
            turn.reply.say("cost_paid", cost=f"{course.cost_eur:g}", **values)
        allowance = localized(course, "allowance", turn.lang)
        if allowance:
            turn.reply.say("allowance", allowance=allowance)
        else:
            turn.reply.say(
                "no_allowance_info", partner=course.partner.name, contact=course.partner.contact
            )
        return remember(context)


class ActionCertificate(AssistantAction):
    action_name = "action_certificate"

    def respond(self, turn: Turn) -> list[EventType]:
        context = resolve(turn)
        if say_unknown(turn, context):
            return []
        if len(context.courses) != 1:
            return ask_which_course(turn, context, "ask_certificate")
        course = context.courses[0]
        values: dict[str, Any] = {
            "title": course_title(course, turn.lang),
            "partner": course.partner.name,
        }
        certificate = localized(course, "certificate", turn.lang)
        if certificate:
            turn.reply.say("certificate", certificate=certificate, **values)
        else:
            turn.reply.say("no_certificate_info", contact=course.partner.contact, **values)
        return remember(context)
