"""Pre-registration: choosing a session, the form (consent first), the summary and confirmation,
then looking up, cancelling and erasing. The rules live in bot.registration; this is glue."""

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
from sqlalchemy.exc import SQLAlchemyError

from actions.common import (
    AssistantAction,
    Reply,
    Turn,
    conversation_language,
    db_session,
    db_write,
    payload,
    settings,
)
from actions.context import course_buttons, course_title, resolve
from actions.eligibility import bullets, missing_facts, rules_of
from bot.answers import (
    lives_in_brussels,
    read_age,
    read_first_name,
    read_postcode,
    read_yes_no_unknown,
)
from bot.catalogue.queries import brussels_today, get_course, search_courses, upcoming_sessions
from bot.db import engine_for
from bot.db.models import Course, CourseSession, Registration
from bot.eligibility import Outcome, PersonFacts, Verdict, evaluate
from bot.errors import describe_error
from bot.i18n import format_date, text
from bot.registration import (
    Applicant,
    SessionGone,
    Status,
    cancel,
    erase_conversation,
    find_by_reference_and_contact,
    format_reference,
    normalise_contact,
    of_conversation,
    parse_reference,
    register_once,
    split_reference,
    waitlist_position,
)

logger = logging.getLogger(__name__)

PERSONAL_SLOTS = ("first_name", "contact", "age", "actiris_registered", "postcode")
FORM_SLOTS = ("data_consent", *PERSONAL_SLOTS)
REQUIRED_SLOTS = ("session", *FORM_SLOTS)
CHANGEABLE = PERSONAL_SLOTS
ERASE_CONVERSATION = {"erase_conversation": True}


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


def yes_no(reply: Reply, value: str | None) -> str:
    return reply.text(f"value_{value}") if value in ("yes", "no", "unknown") else "-"


def say_other_sessions(turn: Turn, key: str) -> None:
    courses = [c for c in search_courses(turn.db, turn.today) if open_sessions(c, turn.today)]
    turn.reply.say(key, buttons=course_buttons(turn, courses, "preregister"))


class ActionRegistrationSummary(AssistantAction):
    """After the form: refused consent, a failed rule, or the summary to confirm."""

    action_name = "action_registration_summary"

    def respond(self, turn: Turn) -> list[EventType]:
        tracker = turn.tracker
        if tracker.get_slot("data_consent") is False:
            turn.reply.say("consent_refused")
            return reset_form()
        session = chosen_session(turn)
        if session is None:
            say_other_sessions(turn, "session_gone")
            return reset_form()
        course = session.course
        values = {"title": course_title(course, turn.lang), "partner": course.partner.name}
        verdict = evaluate(rules_of(course, turn.lang), facts_of(tracker))
        if verdict.outcome is Outcome.NOT_ELIGIBLE:
            reasons = bullets([r.reason for r in verdict.failed])
            turn.reply.say_text(f"{turn.reply.text('prereg_not_eligible', **values)}\n{reasons}")
            turn.reply.say(
                "prereg_not_eligible_next",
                buttons=[
                    turn.reply.button("button_courses", "ask_courses"),
                    turn.reply.button("button_counsellor", "ask_human"),
                ],
            )
            return reset_form()
        summary = turn.reply.text(
            "summary",
            start=format_date(session.start_date, turn.lang),
            first_name=tracker.get_slot("first_name"),
            contact=tracker.get_slot("contact"),
            age=tracker.get_slot("age"),
            actiris=yes_no(turn.reply, tracker.get_slot("actiris_registered")),
            postcode=tracker.get_slot("postcode"),
            **values,
        )
        if verdict.outcome is Outcome.UNSURE:
            what = ", ".join(missing_facts(turn, verdict.unknown))
            summary += "\n" + turn.reply.text("summary_needs_check", what=what)
        turn.reply.say_text(
            summary,
            buttons=[
                turn.reply.button("button_confirm", "affirm"),
                turn.reply.button("button_change", "change_answer"),
                turn.reply.button("button_cancel", "stop"),
            ],
        )
        return []


def verdict_for(tracker: Tracker, course: Course) -> Verdict:
    return evaluate(rules_of(course, "en"), facts_of(tracker))


class ActionConfirmRegistration(AssistantAction):
    """Saves the registration (one transaction), then gives the reference and what comes next."""

    action_name = "action_confirm_registration"

    def respond(self, turn: Turn) -> list[EventType]:
        tracker = turn.tracker
        if not all(
            tracker.get_slot(name) is not None for name in PERSONAL_SLOTS
        ) or not tracker.get_slot("session"):
            turn.reply.say("affirm")
            return []
        session = chosen_session(turn)
        if session is None:
            say_other_sessions(turn, "session_gone")
            return reset_form()
        course, partner = session.course, session.course.partner
        applicant = Applicant(
            first_name=tracker.get_slot("first_name"),
            contact=tracker.get_slot("contact"),
            age=int(tracker.get_slot("age")),
            actiris_registered=tracker.get_slot("actiris_registered"),
            postcode=tracker.get_slot("postcode"),
            conversation_id=tracker.sender_id,
            source=tracker.get_slot("source"),
        )
        config = settings()
        try:
            outcome = register_once(
                engine_for(config.database_url),
                session.key,
                applicant,
                needs_check=verdict_for(tracker, course).outcome is Outcome.UNSURE,
                secret=config.contact_secret(),
            )
        except SessionGone:
            say_other_sessions(turn, "session_gone")
            return reset_form()
        except SQLAlchemyError as exc:
            logger.error("registration not saved: %s", type(exc).__name__)
            turn.reply.say("save_failed", buttons=[turn.reply.button("button_confirm", "affirm")])
            return []
        reference = format_reference(outcome.reference)
        info = (
            format_date(session.info_session_date, turn.lang)
            if session.info_session_date
            else turn.reply.text("not_announced")
        )
        values: dict[str, Any] = {
            "title": course_title(course, turn.lang),
            "partner": partner.name,
            "reference": reference,
            "start": format_date(session.start_date, turn.lang),
            "info": info,
        }
        if outcome.already_registered:
            turn.reply.say("already_registered", reference=reference)
        if outcome.status is Status.WAITING:
            turn.reply.say("confirmed_waiting", position=outcome.waitlist_position, **values)
        elif not outcome.already_registered:
            turn.reply.say("confirmed", **values)
            if outcome.status is Status.NEEDS_CHECK:
                turn.reply.say("confirmed_needs_check")
        logger.info("registration %s: %s", outcome.reference, outcome.status.value)
        return [*reset_form(), SlotSet("session", None)]


class ActionChangeAnswer(AssistantAction):
    """From the summary: forget one answer and ask it again."""

    action_name = "action_change_answer"

    def respond(self, turn: Turn) -> list[EventType]:
        if not turn.slot("session") or turn.tracker.get_slot("data_consent") is not True:
            turn.reply.say("fallback")  # nothing to change: no pre-registration under way
            return []
        field = turn.entity("field")
        if field not in CHANGEABLE:
            turn.reply.say(
                "change_which",
                buttons=[
                    {
                        "title": turn.reply.text(f"field_{name}"),
                        "payload": payload("change_answer", field=name),
                    }
                    for name in CHANGEABLE
                ],
            )
            return []
        # The rule that follows runs the form again: it asks just this one.
        return [SlotSet(field, None), SlotSet("prereg_blocked", None)]


class ActionStopPreregistration(AssistantAction):
    action_name = "action_stop_preregistration"

    def respond(self, turn: Turn) -> list[EventType]:
        turn.reply.say("prereg_stopped")
        return [*reset_form(), SlotSet("session", None)]


def status_text(turn: Turn, registration: Registration) -> str:
    if registration.status == Status.WAITING.value:
        return turn.reply.text("status_waiting", position=waitlist_position(turn.db, registration))
    return turn.reply.text(f"status_{registration.status}")


def registration_line(turn: Turn, registration: Registration) -> str:
    session = registration.session
    title = course_title(session.course, turn.lang) if session else registration.course_key
    start = format_date(session.start_date, turn.lang) if session else "-"
    return turn.reply.text(
        "registration_line",
        reference=format_reference(registration.reference),
        title=title,
        start=start,
        status=status_text(turn, registration),
    )


def found_by_reference(turn: Turn) -> Registration | None:
    """A registration named in the message by its reference and its contact."""
    reference, rest = split_reference(turn.text)
    if reference is None:
        return None
    for candidate in (rest, *rest.replace(",", " ").split()):
        if normalise_contact(candidate):
            return find_by_reference_and_contact(
                turn.db, reference, candidate, settings().contact_secret()
            )
    return None


class ActionCheckRegistration(AssistantAction):
    action_name = "action_check_registration"

    def respond(self, turn: Turn) -> list[EventType]:
        registrations = of_conversation(turn.db, turn.tracker.sender_id)
        if not registrations:
            found = found_by_reference(turn)
            if found is None:
                turn.reply.say("check_not_found" if parse_reference(turn.text) else "check_none")
                return []
            registrations = [found]
        lines = [turn.reply.text("check_list")] + [
            registration_line(turn, r) for r in registrations
        ]
        turn.reply.say_text("\n".join(lines))
        return []


class ActionCancelRegistration(AssistantAction):
    """Cancels the registration the person picks; its seat goes to the first person waiting."""

    action_name = "action_cancel_registration"

    def respond(self, turn: Turn) -> list[EventType]:
        active = [
            r
            for r in of_conversation(turn.db, turn.tracker.sender_id)
            if r.status != Status.CANCELLED.value
        ]
        chosen = turn.entity("reference")
        target = next((r for r in active if r.reference == chosen), None) or (
            found_by_reference(turn) if not chosen else None
        )
        if target is None:
            if not active:
                turn.reply.say("cancel_none")
                return []
            turn.reply.say(
                "cancel_which",
                buttons=[
                    {
                        "title": registration_line(turn, r).lstrip("• "),
                        "payload": payload("cancel_registration", reference=r.reference),
                    }
                    for r in active
                ],
            )
            return []
        with db_write() as db:
            cancel(db, target.reference)
        turn.reply.say("cancel_done", reference=format_reference(target.reference))
        return []


class ActionAskDeleteMyData(AssistantAction):
    action_name = "action_ask_delete_my_data"

    def respond(self, turn: Turn) -> list[EventType]:
        turn.reply.say(
            "delete_confirm",
            buttons=[
                turn.reply.button("button_delete", "affirm"),
                turn.reply.button("button_keep", "deny"),
            ],
        )
        return []


class ActionDeleteMyData(AssistantAction):
    """Erases the person's registrations' personal data; the gateway then deletes the
    conversation from the engine's tracker store, once this turn is saved."""

    action_name = "action_delete_my_data"

    def respond(self, turn: Turn) -> list[EventType]:
        with db_write() as db:
            count = erase_conversation(db, turn.tracker.sender_id)
        turn.reply.say("delete_done", count=count)
        turn.reply.instructions.append(ERASE_CONVERSATION)
        return [
            *reset_form(),
            SlotSet("session", None),
            SlotSet("course", None),
            SlotSet("partner", None),
            SlotSet("course_topic", None),
        ]


class ActionKeepMyData(AssistantAction):
    action_name = "action_keep_my_data"

    def respond(self, turn: Turn) -> list[EventType]:
        turn.reply.say("delete_kept")
        return []
