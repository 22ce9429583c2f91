"""Pre-registration, first part: choosing a session and the form (consent first, then one
question at a time, each answer checked). The rules live in bot.registration; this is glue."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict
from sqlalchemy import select

from actions.common import (
    AssistantAction,
    Reply,
    Turn,
    conversation_language,
    db_session,
    payload,
    settings,
)
from actions.context import course_buttons, course_title, resolve
from actions.eligibility import rules_of
from bot.catalogue.queries import brussels_today, get_course, search_courses, upcoming_sessions
from bot.db.models import Course, CourseSession
from bot.eligibility import Outcome, PersonFacts, evaluate
from bot.errors import describe_error
from bot.i18n import format_date, text
from bot.reading import (
    lives_in_brussels,
    read_age,
    read_first_name,
    read_postcode,
    read_yes_no_unknown,
)
from bot.registration import (
    normalise_contact,
)

logger = logging.getLogger(__name__)

PERSONAL_SLOTS = ("first_name", "contact", "age", "actiris_registered", "postcode")
FORM_SLOTS = ("data_consent", *PERSONAL_SLOTS)
REQUIRED_SLOTS = ("session", *FORM_SLOTS)
CHANGEABLE = PERSONAL_SLOTS


def reset_form() -> list[EventType]:
    """Forget the form's answers (they are personal data) and its bookkeeping."""
    return [
        SlotSet(name, None) for name in (*FORM_SLOTS, "prereg_blocked", "failed_slot", "failures")
    ]


def is_open(session: CourseSession, today: Any) -> bool:
    """A session still takes applications: not started, deadline not passed."""
    deadline_ok = session.application_deadline is None or session.application_deadline >= today
    return session.start_date > today and deadline_ok


def open_sessions(course: Course, today: Any) -> list[CourseSession]:
    return [s for s in upcoming_sessions(course, today) if is_open(s, today)]


def chosen_session(turn: Turn) -> CourseSession | None:
    key = turn.slot("session")
    if not key:
        return None
    return turn.db.scalars(select(CourseSession).where(CourseSession.key == key)).first()


def facts_of(tracker: Tracker) -> PersonFacts:
    """What the form's answers say for the eligibility rules; an answer not yet validated
    (still the raw text) counts as unknown."""
    age = tracker.get_slot("age")
    actiris = tracker.get_slot("actiris_registered")
    postcode = tracker.get_slot("postcode")
    return PersonFacts(
        age=int(age) if isinstance(age, int | float) else None,
        actiris_registered={"yes": True, "no": False}.get(actiris),
        lives_in_brussels=(
            lives_in_brussels(postcode)
            if isinstance(postcode, str) and postcode.isdigit() and len(postcode) == 4
            else None
        ),
    )


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


Validator = Callable[..., dict[str, Any]]


def answered(validate: Validator) -> Validator:
    """Validate only real answers: a slot emptied on purpose (a new form, a change) is no
    answer and must not be told off."""

    @functools.wraps(validate)
    def wrapper(self: Any, value: Any, *args: Any) -> dict[str, Any]:
        return {} if value is None else validate(self, value, *args)

    return wrapper


class ValidatePreregistrationForm(FormValidationAction):
    """Checks each answer; two failures on one question offer a counsellor or a pause."""

    def name(self) -> str:
        return "validate_preregistration_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            return await super().run(dispatcher, tracker, domain)
        except Exception as exc:
            # An error reply would make the engine log the whole conversation: answer instead.
            logger.error("validation failed: %s", describe_error(exc))
            dispatcher.utter_message(text=text("unavailable", self._lang(tracker)))
            return []

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # Consent refused, or a rule already failed: nothing more to ask.
        if tracker.get_slot("data_consent") is False or tracker.get_slot("prereg_blocked"):
            return []
        return list(REQUIRED_SLOTS)

    def _lang(self, tracker: Tracker) -> str:
        return conversation_language(tracker, settings().default_language)

    def _invalid(
        self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        lang = self._lang(tracker)
        failures = (
            (tracker.get_slot("failures") or 0) + 1
            if tracker.get_slot("failed_slot") == slot
            else 1
        )
        dispatcher.utter_message(text=text(f"invalid_{slot}", lang))
        if failures >= 2:
            dispatcher.utter_message(
                text=text("invalid_twice", lang),
                buttons=[
                    {"title": text("button_counsellor", lang), "payload": "/ask_human"},
                    {"title": text("button_later", lang), "payload": "/stop"},
                ],
            )
        return {slot: None, "failed_slot": slot, "failures": failures}

    def _valid(self, slot: str, value: Any, tracker: Tracker) -> dict[str, Any]:
        values: dict[str, Any] = {slot: value, "failed_slot": None, "failures": 0}
        if slot in ("age", "actiris_registered", "postcode") and self._fails_a_rule(
            tracker, slot, value
        ):
            values["prereg_blocked"] = True
        return values

    def _fails_a_rule(self, tracker: Tracker, slot: str, value: Any) -> bool:
        facts = facts_of(tracker)
        if slot == "age":
            facts = PersonFacts(int(value), facts.actiris_registered, facts.lives_in_brussels)
        elif slot == "actiris_registered":
            facts = PersonFacts(
                facts.age, {"yes": True, "no": False}.get(value), facts.lives_in_brussels
            )
        else:
            facts = PersonFacts(facts.age, facts.actiris_registered, lives_in_brussels(value))
        with db_session() as db:
            course = get_course(db, tracker.get_slot("course") or "")
            if course is None:
                return False
            return evaluate(rules_of(course, "en"), facts).outcome is Outcome.NOT_ELIGIBLE

    @answered
    def validate_session(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A session key (from a button), or a course key: its only open session is taken."""
        lang, today = self._lang(tracker), brussels_today()
        with db_session() as db:
            session = db.scalars(
                select(CourseSession).where(CourseSession.key == str(value))
            ).first()
            if session is None:
                course = get_course(db, str(value))
                if course is None:
                    dispatcher.utter_message(text=text("session_gone", lang))
                    return {"session": None}
                sessions = open_sessions(course, today)
                if len(sessions) != 1:
                    return {"session": None, "course": course.key}
                session = sessions[0]
            if not is_open(session, today):
                dispatcher.utter_message(text=text("session_gone", lang))
                return {"session": None}
            course = session.course
            if tracker.get_slot("data_consent") is True:
                # The form runs again to change one answer: the session is not news.
                return {"session": session.key, "course": course.key}
            dispatcher.utter_message(
                text=text(
                    "prereg_intro", lang, title=course_title(course, lang),
                    partner=course.partner.name, start=format_date(session.start_date, lang),
                )
            )  # fmt: skip
            if not session.seats_left:
                dispatcher.utter_message(text=text("prereg_full_intro", lang))
            return {"session": session.key, "course": course.key}

    @answered
    def validate_data_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if isinstance(value, bool):
            return self._valid("data_consent", value, tracker)
        answer = read_yes_no_unknown(str(value))
        if answer in ("yes", "no"):
            return self._valid("data_consent", answer == "yes", tracker)
        return self._invalid("data_consent", dispatcher, tracker)

    @answered
    def validate_first_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        name = read_first_name(str(value))
        return (
            self._valid("first_name", name, tracker)
            if name
            else self._invalid("first_name", dispatcher, tracker)
        )

    @answered
    def validate_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        contact = normalise_contact(str(value))
        return (
            self._valid("contact", contact, tracker)
            if contact
            else self._invalid("contact", dispatcher, tracker)
        )

    @answered
    def validate_age(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        age = read_age(str(value), brussels_today().year)
        return (
            self._valid("age", age, tracker)
            if age is not None
            else self._invalid("age", dispatcher, tracker)
        )

    @answered
    def validate_actiris_registered(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = value if value in ("yes", "no", "unknown") else read_yes_no_unknown(str(value))
        if answer is None:
            return self._invalid("actiris_registered", dispatcher, tracker)
        return self._valid("actiris_registered", answer, tracker)

    @answered
    def validate_postcode(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        postcode = read_postcode(str(value))
        return (
            self._valid("postcode", postcode, tracker)
            if postcode
            else self._invalid("postcode", dispatcher, tracker)
        )
