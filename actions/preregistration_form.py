"""Pre-registration, first part: choosing a session and the form (consent first, then one
question at a time, each answer checked). The rules live in bot.registration; this is glue."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.common import AssistantAction, FormValidation, Reply, Turn, payload, settings
from actions.context import course_buttons, course_title, resolve
from actions.eligibility import rules_of
from bot.catalogue.queries import get_course, get_session, is_open, open_sessions, search_courses
from bot.db.models import CourseSession
from bot.eligibility import Outcome, PersonFacts, evaluate
from bot.i18n import format_date
from bot.reading import (
    ACTIRIS_ANSWERS,
    facts_from_answers,
    read_age,
    read_first_name,
    read_postcode,
    read_yes_no_unknown,
)
from bot.registration import normalise_contact

PERSONAL_SLOTS = ("first_name", "contact", "age", "actiris_registered", "postcode")
FORM_SLOTS = ("data_consent", *PERSONAL_SLOTS)
REQUIRED_SLOTS = ("session", *FORM_SLOTS)
CHANGEABLE = PERSONAL_SLOTS
# The answers the eligibility rules read, in the order facts_from_answers takes them.
ELIGIBILITY_SLOTS = ("age", "actiris_registered", "postcode")


def reset_form() -> list[EventType]:
    """Forget the form's answers (they are personal data) and its bookkeeping."""
    return [
        SlotSet(name, None) for name in (*FORM_SLOTS, "prereg_blocked", "failed_slot", "failures")
    ]


def chosen_session(turn: Turn) -> CourseSession | None:
    key = turn.slot("session")
    return get_session(turn.db, key) if key else None


def answers_as_facts(tracker: Tracker) -> PersonFacts:
    """What the form's answers so far say for the eligibility rules."""
    return facts_from_answers(*(tracker.get_slot(name) for name in ELIGIBILITY_SLOTS))


def session_buttons(turn: Turn, sessions: list[CourseSession]) -> list[dict[str, str]]:
    buttons = []
    for s in sessions:
        start = format_date(s.start_date, turn.lang)
        label = (
            turn.reply.text(
                "prereg_session_button",
                start=start,
                seats=turn.reply.text("seats_left", seats=s.seats_left),
            )
            if s.seats_left
            else turn.reply.text("prereg_session_button_full", start=start)
        )
        buttons.append({"title": label, "payload": payload("preregister", session=s.key)})
    return buttons


class ActionStartPreregistration(AssistantAction):
    """Clears a previous form and, when the context says which session, fills it in; the form
    that follows asks for the session otherwise."""

    action_name = "action_start_preregistration"

    def respond(self, turn: Turn) -> list[EventType]:
        events = reset_form()
        if turn.entity("session"):
            return events  # filled from the button's entity, checked by the form
        context = resolve(turn)
        if len(context.courses) != 1:
            return [*events, SlotSet("session", None)]
        course = context.courses[0]
        sessions = open_sessions(course, turn.today)
        chosen = sessions[0].key if len(sessions) == 1 else None
        return [*events, SlotSet("course", course.key), SlotSet("session", chosen)]


def say_which_session(turn: Turn) -> None:
    """Buttons for the open sessions of the course in mind, else for the courses that have one."""
    course = get_course(turn.db, turn.slot("course") or "")
    sessions = open_sessions(course, turn.today) if course else []
    if course and sessions:
        turn.reply.say(
            "prereg_which_session",
            buttons=session_buttons(turn, sessions),
            title=course_title(course, turn.lang),
            partner=course.partner.name,
        )
        return
    if course:
        turn.reply.say(
            "prereg_no_open_session",
            title=course_title(course, turn.lang),
            partner=course.partner.name,
            contact=course.partner.contact,
        )
    courses = [c for c in search_courses(turn.db, turn.today) if open_sessions(c, turn.today)]
    turn.reply.say("prereg_which_course", buttons=course_buttons(turn, courses, "preregister"))


class ActionAskSession(AssistantAction):
    action_name = "action_ask_session"

    def respond(self, turn: Turn) -> list[EventType]:
        say_which_session(turn)
        return []


class AskAction(AssistantAction):
    """Asks one question of the form, with buttons where the answer is one of a few."""

    slot = ""

    def respond(self, turn: Turn) -> list[EventType]:
        session = chosen_session(turn)
        partner = session.course.partner.name if session else ""
        turn.reply.say(
            f"ask_{self.slot}",
            buttons=self.buttons(turn.reply),
            partner=partner,
            days=settings().purge_after_days,
        )
        return []

    def buttons(self, reply: Reply) -> list[dict[str, str]] | None:
        return None


class ActionAskDataConsent(AskAction):
    action_name, slot = "action_ask_data_consent", "data_consent"

    def buttons(self, reply: Reply) -> list[dict[str, str]] | None:
        return [reply.button("button_yes", "affirm"), reply.button("button_no", "deny")]


class ActionAskFirstName(AskAction):
    action_name, slot = "action_ask_first_name", "first_name"


class ActionAskContact(AskAction):
    action_name, slot = "action_ask_contact", "contact"


class ActionAskAge(AskAction):
    action_name, slot = "action_ask_age", "age"


class ActionAskActirisRegistered(AskAction):
    action_name, slot = "action_ask_actiris_registered", "actiris_registered"

    def buttons(self, reply: Reply) -> list[dict[str, str]] | None:
        return [
            reply.button("button_yes", "affirm"),
            reply.button("button_no", "deny"),
            {"title": reply.text("button_dont_know"), "payload": reply.text("button_dont_know")},
        ]


class ActionAskPostcode(AskAction):
    action_name, slot = "action_ask_postcode", "postcode"


class ValidatePreregistrationForm(FormValidation):
    """Checks each answer; two failures on one question offer a counsellor or a pause."""

    action_name = "validate_preregistration_form"
    form_slots = REQUIRED_SLOTS

    def required_slots(self, turn: Turn) -> tuple[str, ...]:
        # Consent refused, or a rule already failed: nothing more to ask.
        tracker = turn.tracker
        if tracker.get_slot("data_consent") is False or tracker.get_slot("prereg_blocked"):
            return ()
        return REQUIRED_SLOTS

    def _invalid(self, turn: Turn, slot: str) -> dict[str, Any]:
        tracker = turn.tracker
        failures = (
            (tracker.get_slot("failures") or 0) + 1
            if tracker.get_slot("failed_slot") == slot
            else 1
        )
        turn.reply.say(f"invalid_{slot}")
        if failures >= 2:
            turn.reply.say(
                "invalid_twice",
                buttons=[
                    {"title": turn.reply.text("button_counsellor"), "payload": "/ask_human"},
                    {"title": turn.reply.text("button_later"), "payload": "/stop"},
                ],
            )
        return {slot: None, "failed_slot": slot, "failures": failures}

    def _valid(self, turn: Turn, slot: str, value: Any) -> dict[str, Any]:
        values: dict[str, Any] = {slot: value, "failed_slot": None, "failures": 0}
        if slot in ("age", "actiris_registered", "postcode") and self._fails_a_rule(
            turn, slot, value
        ):
            values["prereg_blocked"] = True
        return values

    def _fails_a_rule(self, turn: Turn, slot: str, value: Any) -> bool:
        answers = {name: turn.tracker.get_slot(name) for name in ELIGIBILITY_SLOTS}
        answers[slot] = value
        course = get_course(turn.db, turn.slot("course") or "")
        if course is None:
            return False
        facts = facts_from_answers(*answers.values())
        return evaluate(rules_of(course, "en"), facts).outcome is Outcome.NOT_ELIGIBLE

    def validate_session(self, turn: Turn, value: Any) -> dict[str, Any]:
        """A session key (from a button), or a course key: its only open session is taken."""
        session = get_session(turn.db, str(value))
        if session is None:
            course = get_course(turn.db, str(value))
            if course is None:
                turn.reply.say("session_gone")
                return {"session": None}
            sessions = open_sessions(course, turn.today)
            if len(sessions) != 1:
                return {"session": None, "course": course.key}
            session = sessions[0]
        if not is_open(session, turn.today):
            turn.reply.say("session_gone")
            return {"session": None}
        course = session.course
        if turn.tracker.get_slot("data_consent") is True:
            # The form runs again to change one answer: the session is not news.
            return {"session": session.key, "course": course.key}
        turn.reply.say(
            "prereg_intro",
            title=course_title(course, turn.lang),
            partner=course.partner.name,
            start=format_date(session.start_date, turn.lang),
        )
        if not session.seats_left:
            turn.reply.say("prereg_full_intro")
        return {"session": session.key, "course": course.key}

    def validate_data_consent(self, turn: Turn, value: Any) -> dict[str, Any]:
        if isinstance(value, bool):
            return self._valid(turn, "data_consent", value)
        answer = read_yes_no_unknown(str(value))
        if answer in ("yes", "no"):
            return self._valid(turn, "data_consent", answer == "yes")
        return self._invalid(turn, "data_consent")

    def validate_first_name(self, turn: Turn, value: Any) -> dict[str, Any]:
        name = read_first_name(str(value))
        return self._valid(turn, "first_name", name) if name else self._invalid(turn, "first_name")

    def validate_contact(self, turn: Turn, value: Any) -> dict[str, Any]:
        contact = normalise_contact(str(value))
        return self._valid(turn, "contact", contact) if contact else self._invalid(turn, "contact")

    def validate_age(self, turn: Turn, value: Any) -> dict[str, Any]:
        age = read_age(str(value), turn.today.year)
        return self._valid(turn, "age", age) if age is not None else self._invalid(turn, "age")

    def validate_actiris_registered(self, turn: Turn, value: Any) -> dict[str, Any]:
        answer = value if value in ACTIRIS_ANSWERS else read_yes_no_unknown(str(value))
        if answer is None:
            return self._invalid(turn, "actiris_registered")
        return self._valid(turn, "actiris_registered", answer)

    def validate_postcode(self, turn: Turn, value: Any) -> dict[str, Any]:
        postcode = read_postcode(str(value))
        return (
            self._valid(turn, "postcode", postcode) if postcode else self._invalid(turn, "postcode")
        )
