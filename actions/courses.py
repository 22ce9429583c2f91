"""Trainings and their facts: search by topic or partner, sessions, place, cost, certificate.

A question about one training answers every aspect it asks ("where and when?"); a question
that fits several asks which one, with only those as buttons.
"""

from __future__ import annotations

from collections.abc import Callable

from rasa_sdk.events import EventType, FollowupAction

from actions.common import AssistantAction, Turn, hand_over
from actions.conditions import say_eligibility, say_verdicts
from actions.context import (
    MAX_BUTTONS,
    CourseContext,
    about_an_organisation,
    course_line,
    course_title,
    course_values,
    offer_courses,
    resolve,
    say_organisations,
    say_unknown,
)
from actions.typed_answers import ASPECT_QUESTIONS, follow_up_question, waiting_question
from bot.catalogue.queries import get_course, known_topics, search_courses, upcoming_sessions
from bot.catalogue.resolver import AFTER, ORDINALS, POINTER, month_named, words
from bot.db.models import Course, CourseSession, localized
from bot.i18n import format_date, format_days, format_hours, month_name, topic_name
from bot.reading import plain, read_aspects, wants_the_course, wants_to_sign_up

MAX_SESSIONS_SHOWN = 3


# Ranks that mean "the soonest": with a question of dates, all the dates are the answer.
SOONEST = frozenset("next volgende eerstvolgende prochaine prochain suivante".split())


def focus(turn: Turn, course: Course | None) -> None:
    """Keep the course in mind (follow-ups are about it), or forget it. A list shown before
    that does not hold it is stale: "die" or "the first one" no longer points into it."""
    if course:
        # "Et l'autre ?": the other of a list of two shown as the turn began, else the course
        # talked about before this one.
        listed = turn.slot_list("shown_courses")
        rest = [key for key in listed if key != course.key]
        before = turn.remembered.get("course", turn.slot("course"))
        if course.key in listed and len(rest) == 1:
            turn.remember(previous_course=rest[0])
        elif before and before != course.key:
            turn.remember(previous_course=before)
    turn.remember(course=course.key if course else None)
    shown = turn.remembered.get("shown_courses", turn.slot_list("shown_courses"))
    if course and shown and course.key not in shown:
        turn.remember(shown_courses=None)


def remember(turn: Turn, context: CourseContext) -> list[EventType]:
    """Keep the course in mind when the answer was about exactly one."""
    focus(turn, context.courses[0] if len(context.courses) == 1 else None)
    return []


def ask_which_course(turn: Turn, context: CourseContext, intent: str) -> list[EventType]:
    courses = context.courses or search_courses(turn.db, turn.today)
    offer_courses(turn, courses, intent, "which_course")
    focus(turn, None)
    return []


def describe_what(turn: Turn, context: CourseContext) -> str:
    parts = []
    if context.topic:
        parts.append(turn.reply.text("what_topic", topic=topic_name(context.topic, turn.lang)))
    if context.partner:
        parts.append(turn.reply.text("what_partner", partner=context.partner.name))
    return " ".join(parts)


def list_courses(turn: Turn, context: CourseContext, intro: str, intent: str) -> None:
    """The courses, one line each; for a person who told about themselves, whether each fits."""
    if not turn.facts.empty:
        say_verdicts(turn, context.courses, turn.facts, intent)
        return
    turn.reply.say_text("\n".join([intro] + [course_line(turn, c) for c in context.courses]))
    offer_courses(turn, context.courses, intent, "pick_course")


class ActionCourses(AssistantAction):
    action_name, intent = "action_courses", "ask_courses"

    def respond(self, turn: Turn) -> list[EventType]:
        context = resolve(turn, use_memory=False, about_partner=True)
        other = follow_up_question(turn) or (
            waiting_question(turn) if context.named_courses else None
        )
        if other not in (None, self.intent):
            # A course typed in answer to "which one?" of another question, or "and at
            # BeCode?" after one.
            return hand_over(turn, str(other))
        turn.remember(last_question=self.intent)
        if not turn.situation.facts.empty and (
            len(context.courses) == 1 or not context.named_courses
        ):
            # "I'm 20 and at Actiris, what is there in web?", "my son is 17, can he do X?":
            # whether it fits them.
            return hand_over(turn, "ask_eligibility")
        if about_an_organisation(turn, context):
            return []
        say_organisations(turn, context)
        if say_unknown(turn, context):
            return []
        if context.courses and asks_to_join(turn, context):
            # "Zet me op de lijst voor webmaster 360", "I want the digital autonomy course".
            return [FollowupAction("action_start_preregistration")]
        asked = read_aspects(turn.text)
        in_focus = get_course(turn.db, turn.slot("course") or "")
        about_it = not context.named_anything or context.how == "memory"
        of_a_session = month_named(turn.text) or AFTER & set(words(turn.text))
        if in_focus is not None and about_it and (asked or of_a_session):
            # "What do u learn there", "y en a une en juillet ?", "and the one after
            # February?": about the course in focus.
            return answer_aspects(turn, in_focus, asked or ["schedule"])
        facts_asked = [a for a in asked if a != "description"]
        if facts_asked and len(context.courses) != 1 and not context.partner:
            # "Y a des formations gratos ?": the price question, about them all.
            return hand_over(turn, ASPECT_QUESTIONS[facts_asked[0]])
        if len(context.courses) == 1 and (context.named_courses or asked):
            # "Tell me about the Salesforce one": its sessions (or what else is asked of it),
            # and whether it fits someone who told about themselves earlier.
            fits = [] if turn.facts.empty or asked else ["eligibility"]
            return answer_aspects(turn, context.courses[0], [*fits, *(asked or ["schedule"])])
        if not context.named_anything:
            context.courses = search_courses(turn.db, turn.today)
            intro = turn.reply.text("courses_all")
        elif not context.courses:
            topics = ", ".join(topic_name(t, turn.lang) for t in known_topics(turn.db))
            turn.reply.say("courses_none", what=describe_what(turn, context), topics=topics)
            focus(turn, None)
            return []
        else:
            intro = turn.reply.text("courses_found", what=describe_what(turn, context))
        if context.partner and "location" in read_aspects(turn.text):
            # "Where is BeCode and what do they offer?"
            turn.reply.say(
                "location_partner", name=context.partner.name, address=context.partner.address
            )
        list_courses(turn, context, intro, "ask_schedule")
        return remember(turn, context)


def asks_to_join(turn: Turn, context: CourseContext) -> bool:
    """The message asks to be pre-registered: in words that say so, or by wanting the one
    course it names."""
    named_one = len(context.courses) == 1 and bool(context.named_courses)
    return wants_to_sign_up(turn.text) or (named_one and wants_the_course(turn.text))


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


def say_schedule(turn: Turn, course: Course) -> None:
    title, partner = course_title(course, turn.lang), course.partner
    sessions = upcoming_sessions(course, turn.today)[:MAX_SESSIONS_SHOWN]
    if not sessions:
        turn.reply.say("no_sessions", title=title, partner=partner.name, contact=partner.contact)
        return
    month = month_named(turn.text)
    in_month = [s for s in sessions if s.start_date.month == month]
    # "Et la 1ère ?" among the sessions of this course just shown.
    own = {s.key for s in sessions}
    shown = [key for key in turn.slot_list("shown_sessions") if key in own]
    # ("Wanneer is de volgende start?" asks the dates, all of them, not only the next one; "de
    # laatste, hoeveel plaatsen?" the last one's.)
    typed = words(turn.text)
    soonest = any(w in SOONEST for w in typed) and not any(
        w in ORDINALS and w not in SOONEST for w in typed
    )
    picked = turn.index.find_session(turn.text, course.key, among=shown) if shown else None
    after = turn.index.session_after(turn.text, course.key, shown)
    if after:
        sessions = [s for s in sessions if s.key == after] or sessions  # "and the one after?"
    elif picked and picked.how == "rank" and not in_month and not soonest:
        sessions = [s for s in sessions if s.key in picked.keys] or sessions
    elif in_month:
        sessions = in_month  # "is there one in June?"
    elif month:
        turn.reply.say(
            "no_session_in_month",
            month=month_name(month, turn.lang),
            title=title,
            partner=partner.name,
        )
    turn.reply.say("schedule_intro", title=title, partner=partner.name)
    for session in sessions:
        turn.reply.say_text(session_text(turn, course, session))
    # The list a rank chose this course from stays the one "and the second?" counts in; so
    # does a list of two for "the other one" ("the online one", then "and the other?").
    listed = turn.slot_list("shown_courses")
    pointed = bool(POINTER.search(plain(turn.text))) and len(listed) == 2
    ranked = course.key in listed and (any(w in ORDINALS for w in typed) or pointed)
    turn.remember(shown_sessions=[s.key for s in sessions])
    if not ranked:
        turn.remember(shown_courses=None)
    if any(s.sample for s in sessions):
        turn.reply.say("sample_dates", partner=partner.name, contact=partner.contact)


def say_location(turn: Turn, course: Course) -> None:
    places = [s.location for s in upcoming_sessions(course, turn.today)] or [course.partner.address]
    shown = [turn.reply.text("online") if p == "online" else p for p in dict.fromkeys(places)]
    turn.reply.say(
        "location",
        title=course_title(course, turn.lang),
        partner=course.partner.name,
        places=" / ".join(shown),
    )


def say_cost(turn: Turn, course: Course) -> None:
    values = course_values(turn, course)
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


def say_certificate(turn: Turn, course: Course) -> None:
    values = course_values(turn, course)
    certificate = localized(course, "certificate", turn.lang)
    if certificate:
        turn.reply.say("certificate", certificate=certificate, **values)
    else:
        turn.reply.say("no_certificate_info", contact=course.partner.contact, **values)


def say_duration(turn: Turn, course: Course) -> None:
    turn.reply.say("duration", weeks=course.duration_weeks, **course_values(turn, course))


def say_description(turn: Turn, course: Course) -> None:
    turn.reply.say(
        "course_description",
        description=localized(course, "description", turn.lang),
        weeks=course.duration_weeks,
        **course_values(turn, course),
    )


ASPECTS: dict[str, Callable[[Turn, Course], None]] = {
    "description": say_description,
    "schedule": say_schedule,
    "location": say_location,
    "cost": say_cost,
    "certificate": say_certificate,
    "eligibility": say_eligibility,
    "duration": say_duration,
}


def answer_aspects(turn: Turn, course: Course, asked: list[str]) -> list[EventType]:
    """Answer each aspect asked about one course, then offer the next steps."""
    for aspect in dict.fromkeys(asked):
        ASPECTS[aspect](turn, course)
    if turn.reply.messages:
        turn.reply.messages[-1]["buttons"] = follow_up_buttons(turn, course)
    focus(turn, course)
    return []


class CourseFactAction(AssistantAction):
    """Answers one aspect of a training (and any other aspect the message asks about)."""

    aspect = ""

    def respond(self, turn: Turn) -> list[EventType]:
        other = follow_up_question(turn)
        if other not in (None, self.intent):
            return hand_over(turn, str(other))  # "and the e-commerce one?"
        context = resolve(turn)
        turn.remember(last_question=self.intent)
        say_organisations(turn, context)
        if say_unknown(turn, context):
            return []
        if len(context.courses) == 1:
            if asks_to_join(turn, context):
                return [FollowupAction("action_start_preregistration")]
            read = read_aspects(turn.text)
            # "Wat is Salesforce eigenlijk?" is answered first, whatever the engine read.
            asked = (
                [*read[:1], self.aspect, *read]
                if read[:1] == ["description"]
                else [
                    self.aspect,
                    *read,
                ]
            )
            if not turn.situation.facts.empty:
                asked.insert(0, "eligibility")  # "my son is 17: can he do it, and when?"
                turn.remember(last_question="ask_eligibility")
            return answer_aspects(turn, context.courses[0], asked)
        return self.several(turn, context)

    def several(self, turn: Turn, context: CourseContext) -> list[EventType]:
        return ask_which_course(turn, context, self.intent)


class ActionSchedule(CourseFactAction):
    action_name, aspect, intent = "action_schedule", "schedule", "ask_schedule"

    def several(self, turn: Turn, context: CourseContext) -> list[EventType]:
        if not context.courses:
            return ask_which_course(turn, context, self.intent)
        intro = turn.reply.text("courses_found", what=describe_what(turn, context))
        list_courses(turn, context, intro, self.intent)
        return remember(turn, context)


class ActionLocation(CourseFactAction):
    action_name, aspect, intent = "action_location", "location", "ask_location"

    def several(self, turn: Turn, context: CourseContext) -> list[EventType]:
        if context.partner and not context.topic:
            turn.reply.say(
                "location_partner", name=context.partner.name, address=context.partner.address
            )
            return remember(turn, context)
        if context.topic and context.courses and not context.partner:
            # "Waar kan ik dan wel marketing leren?": the trainings of that field, each with
            # who gives it; picking one gives its place.
            intro = turn.reply.text("courses_found", what=describe_what(turn, context))
            list_courses(turn, context, intro, self.intent)
            return remember(turn, context)
        return ask_which_course(turn, context, self.intent)


class ActionCost(CourseFactAction):
    action_name, aspect, intent = "action_cost", "cost", "ask_cost"

    def several(self, turn: Turn, context: CourseContext) -> list[EventType]:
        courses = context.courses or search_courses(turn.db, turn.today)
        if courses and all(c.cost_eur == 0 for c in courses):
            if context.courses and len(courses) <= MAX_BUTTONS:
                # "Is BeCode free?": the trainings it is about, by name.
                titles = [f"• {course_title(c, turn.lang)} ({c.partner.name})" for c in courses]
                turn.reply.say_text("\n".join([turn.reply.text("cost_free_list"), *titles]))
            else:
                turn.reply.say("cost_overview")
            offer_courses(turn, courses, self.intent, "pick_course_allowance")
            return remember(turn, context)
        return ask_which_course(turn, context, self.intent)


class ActionCertificate(CourseFactAction):
    action_name, aspect, intent = "action_certificate", "certificate", "ask_certificate"
