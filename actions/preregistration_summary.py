"""Pre-registration, second part: the summary, then confirm, change one answer, or stop."""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from sqlalchemy.exc import SQLAlchemyError

from actions.common import (
    AssistantAction,
    Reply,
    Turn,
    hand_over,
    payload,
    settings,
)
from actions.conditions import bullets, missing_facts, rules_of
from actions.context import course_buttons, course_title
from actions.preregistration_form import (
    CHANGEABLE,
    LEFT,
    ORGANISATION,
    PERSONAL_SLOTS,
    ValidatePreregistrationForm,
    answers_as_facts,
    chosen_session,
    invalid_answer,
    reset_form,
)
from bot.catalogue.queries import get_session, is_open, open_sessions, search_courses
from bot.db.models import Course
from bot.eligibility import Outcome, Verdict, evaluate
from bot.i18n import format_date
from bot.reading import (
    ACTIRIS_ANSWERS,
    confirms,
    plain,
    read_age,
    read_first_name,
    read_postcode,
    read_yes_no_unknown,
)
from bot.registration import (
    Applicant,
    SessionGone,
    Status,
    find_contact,
    format_reference,
    register_once,
)

logger = logging.getLogger(__name__)


def yes_no(reply: Reply, value: str | None) -> str:
    return reply.text(f"value_{value}") if value in ACTIRIS_ANSWERS else "-"


def say_other_sessions(turn: Turn, key: str) -> None:
    courses = [c for c in search_courses(turn.db, turn.today) if open_sessions(c, turn.today)]
    turn.reply.say(key, buttons=course_buttons(turn, courses, "preregister"))


class ActionRegistrationSummary(AssistantAction):
    """After the form: refused consent, a failed rule, or the summary to confirm."""

    action_name = "action_registration_summary"

    def respond(self, turn: Turn) -> list[EventType]:
        tracker = turn.tracker
        if tracker.get_slot("prereg_blocked") in (ORGANISATION, LEFT):
            return reset_form()  # about Actiris or the like, or left: already answered
        if tracker.get_slot("data_consent") is False:
            turn.reply.say("consent_refused")
            return reset_form()
        session = chosen_session(turn)
        if session is None:
            say_other_sessions(turn, "session_gone")
            return reset_form()
        course = session.course
        values = {"title": course_title(course, turn.lang), "partner": course.partner.name}
        verdict = evaluate(rules_of(course, turn.lang), answers_as_facts(tracker))
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
        turn.remember(pending="confirm", summarized_session=session.key)
        return []


def verdict_for(tracker: Tracker, course: Course) -> Verdict:
    return evaluate(rules_of(course, "en"), answers_as_facts(tracker))


def rules_failed(course: Course, tracker: Tracker, lang: str) -> list[Any]:
    """The rules of `course` the form's answers do not meet, worded in `lang`."""
    return evaluate(rules_of(course, lang), answers_as_facts(tracker)).failed


class ActionConfirmRegistration(AssistantAction):
    """Saves the registration (one transaction), then gives the reference and what comes next."""

    action_name = "action_confirm_registration"

    def respond(self, turn: Turn) -> list[EventType]:
        tracker = turn.tracker
        summarized = tracker.get_slot("summarized_session")
        if not all(tracker.get_slot(name) is not None for name in PERSONAL_SLOTS) or not summarized:
            turn.reply.say("affirm")
            return []
        if tracker.get_slot("session") != summarized:
            # A payload changed the session after the summary: the person confirms what the
            # summary showed, nothing else.
            logger.warning("session changed after the summary: the summarized one is kept")
        session = get_session(turn.db, summarized)
        if session is None or not is_open(session, turn.today):
            say_other_sessions(turn, "session_gone")
            return reset_form()
        course, partner = session.course, session.course.partner
        verdict = verdict_for(tracker, course)
        if verdict.outcome is Outcome.NOT_ELIGIBLE:
            # The rules are checked again at the moment of confirming, on the answers as they
            # are now.
            refusal = turn.reply.text(
                "prereg_not_eligible",
                title=course_title(course, turn.lang),
                partner=partner.name,
            )
            reasons = bullets([r.reason for r in rules_failed(course, tracker, turn.lang)])
            turn.reply.say_text(f"{refusal}\n{reasons}")
            return reset_form()
        applicant = Applicant(
            first_name=tracker.get_slot("first_name"),
            contact=tracker.get_slot("contact"),
            age=int(tracker.get_slot("age")),
            actiris_registered=tracker.get_slot("actiris_registered"),
            postcode=tracker.get_slot("postcode"),
            conversation_id=tracker.sender_id,
            source=tracker.get_slot("source"),
        )
        try:
            result = register_once(
                turn.database,
                session.key,
                applicant,
                needs_check=verdict.outcome is Outcome.UNSURE,
                secret=settings().contact_secret(),
            )
        except SessionGone:
            say_other_sessions(turn, "session_gone")
            return reset_form()
        except SQLAlchemyError as exc:
            logger.error("registration not saved: %s", type(exc).__name__)
            turn.reply.say("save_failed", buttons=[turn.reply.button("button_confirm", "affirm")])
            return []
        reference = format_reference(result.reference)
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
        if result.already_registered:
            turn.reply.say("already_registered", reference=reference)
        if result.status is Status.WAITING:
            turn.reply.say("confirmed_waiting", position=result.waitlist_position, **values)
        elif not result.already_registered:
            turn.reply.say("confirmed", **values)
            if result.status is Status.NEEDS_CHECK:
                turn.reply.say(
                    "confirmed_needs_check",
                    buttons=[turn.reply.offer_counsellor(turn, "registration_check")],
                )
        # The status only: a reference with a conversation in the logs points at a person.
        logger.info("registration saved: %s", result.status.value)
        return [*reset_form(), SlotSet("session", None)]


# "19, not 18", "Grégory, pas Grégoire", "niet 18 maar 19": the value after the negation is the
# wrong one.
_WRONG_VALUE = re.compile(
    r"\b(?:pas|not|niet|nie|non|no|instead\s+of|au\s+lieu\s+de|in\s+plaats\s+van)\s+[^\s,.;!?]+",
    re.IGNORECASE,
)
# Words around a new first name that are no name ("Mon prénom s'écrit Grégory").
_NOT_A_NAME = frozenset(
    """mon ma mes my mijn het de la le il is est c'est it's its voornaam prenom prénom name first
    naam firstname s'écrit spelled geschreven schrijf written wrong faux fout correct sorry
    désolé desole excuse excusez pardon oops oeps en and et""".split()
)


def new_first_name(text: str) -> str | None:
    """The new first name in a correction: its capitalised word that is not the wrong one."""
    kept = _WRONG_VALUE.sub(" ", text)
    candidates = [
        word
        for word in re.findall(r"[^\W\d_][\w'’-]*", kept)
        if word[0].isupper() and word.lower() not in _NOT_A_NAME
    ]
    return read_first_name(candidates[-1]) if candidates else None


def new_answer(turn: Turn, field: str | None) -> tuple[str | None, Any]:
    """The answer to change and its new value when the message gives one ("my number is
    wrong, it's 0470 98 76 54"): (field, value), (field, None) to ask it again, or (None, None)."""
    text = turn.text
    if field in CHANGEABLE:
        # The answer is named: read its value generously, leaving out the wrong one.
        kept = _WRONG_VALUE.sub(" ", text)
        readers: dict[str, Any] = {
            "contact": find_contact(kept),
            "postcode": read_postcode(kept),
            "age": read_age(kept, turn.today.year),
            "actiris_registered": read_yes_no_unknown(text),
            "first_name": new_first_name(text),
        }
        return field, readers.get(str(field))
    given = [
        (name, value)
        for name, value in (
            ("contact", find_contact(text)),
            ("postcode", read_postcode(text) if re.search(r"\b[1-9]\d{3}\b", text) else None),
            ("age", turn.situation.age),
        )
        if value is not None
    ]
    return given[0] if len(given) == 1 else (None, None)


def checked_answer(turn: Turn, field: str, value: Any) -> dict[str, Any]:
    """A new answer checked as the form checks it (and its eligibility rules): the slots to
    set, the field None when it cannot be used (the form's message says why)."""
    validate = getattr(ValidatePreregistrationForm(), f"validate_{field}")
    return {"prereg_blocked": None, **validate(turn, value)}


class ActionAnswerSummary(AssistantAction):
    """A typed reply to the summary that the engine could not place: a corrected answer
    ("attends, le mail c'est …") shows the summary again; a yes confirms; anything else
    shows the summary again, with its buttons."""

    action_name, intent = "action_answer_summary", "confirm"

    @classmethod
    def gives_new_answer(cls, turn: Turn) -> bool:
        field, value = new_answer(turn, turn.entity("field"))
        return field in CHANGEABLE and value is not None

    def respond(self, turn: Turn) -> list[EventType]:
        field, value = new_answer(turn, turn.entity("field"))
        events: list[EventType] = []
        if field in CHANGEABLE and value is None:
            # "The e-mail is wrong": the form asks it again, then shows the summary.
            return [SlotSet(str(field), None), FollowupAction("preregistration_form")]
        if field in CHANGEABLE:
            checked = checked_answer(turn, str(field), value)
            turn.tracker.slots.update(checked)
            events = [SlotSet(name, v) for name, v in checked.items()]
        elif confirms(turn.text) or turn.intent in ("thank", "goodbye"):
            return ActionConfirmRegistration().respond(turn)
        elif read_yes_no_unknown(turn.text) == "no":
            say_what_to_change(turn)
            return []
        return [*events, *ActionRegistrationSummary().respond(turn)]


def say_what_to_change(turn: Turn) -> None:
    turn.remember(pending="confirm")  # a typed new value answers it too
    turn.reply.say(
        "change_which",
        buttons=[
            *(
                {
                    "title": turn.reply.text(f"field_{name}"),
                    "payload": payload("change_answer", field=name),
                }
                for name in CHANGEABLE
            ),
            turn.reply.button("button_cancel", "stop"),
        ],
    )


class ActionChangeAnswer(AssistantAction):
    """From the summary: change one answer, to the value given in the same message, or by
    asking it again."""

    action_name = "action_change_answer"

    def respond(self, turn: Turn) -> list[EventType]:
        if not turn.slot("session") or turn.tracker.get_slot("data_consent") is not True:
            turn.reply.say("fallback")  # nothing to change: no pre-registration under way
            return []
        field, value = new_answer(turn, turn.entity("field"))
        if field in CHANGEABLE and value is not None:
            checked = checked_answer(turn, str(field), value)
            if checked.get(str(field)) is not None:
                # The form that follows has nothing left to ask: the summary comes again.
                return [
                    *(SlotSet(name, v) for name, v in checked.items()),
                    FollowupAction("preregistration_form"),
                ]
        if field not in CHANGEABLE:
            say_what_to_change(turn)
            return []
        # The form runs again (whatever started this: a button, "no", "my e-mail is wrong"):
        # it asks just this one, then shows the summary.
        return [
            SlotSet(str(field), None),
            SlotSet("prereg_blocked", None),
            FollowupAction("preregistration_form"),
        ]


class ActionStopPreregistration(AssistantAction):
    action_name = "action_stop_preregistration"

    def respond(self, turn: Turn) -> list[EventType]:
        asked = last_question_of_the_form(turn.tracker)
        said_stop = bool(_STOP_WORDS.search(plain(turn.text)))
        unsure = read_yes_no_unknown(turn.text) == "unknown"
        if asked == "actiris_registered" and unsure and not said_stop:
            # "Jsais pas trop" answers "are you registered at Actiris?"; it does not leave.
            return [SlotSet(asked, "unknown"), FollowupAction("preregistration_form")]
        if turn.tracker.get_slot("pending") == "confirm" and not said_stop and confirms(turn.text):
            return hand_over(turn, "confirm")  # "top, bevestigen" at the summary
        if asked and not said_stop:
            # "Oud genoeg 😂" at "how old are you?" reads like "enough!" to the engine: an
            # answer the form cannot use, which it says and asks again, losing nothing.
            failed = invalid_answer(turn, asked)
            return [
                *(SlotSet(name, value) for name, value in failed.items()),
                SlotSet("requested_slot", asked),
                FollowupAction("preregistration_form"),
            ]
        turn.reply.say("prereg_stopped")
        return [*reset_form(), SlotSet("session", None)]


def question_just_left(tracker: Tracker) -> str | None:
    """The form's question a rule interrupted in this turn ("delete my data" in the middle of
    the form), or None when no form was running."""
    since_message = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        since_message.append(event)
    left = any(e.get("event") == "active_loop" and not e.get("name") for e in since_message)
    return last_question_of_the_form(tracker) if left else None


def last_question_of_the_form(tracker: Tracker) -> str | None:
    """The slot the form asked for last, before a rule stopped it (which empties
    `requested_slot` first)."""
    asked = [
        str(event["value"])
        for event in tracker.events
        if event.get("event") == "slot" and event.get("name") == "requested_slot"
        if event.get("value")
    ]
    return asked[-1] if asked else tracker.get_slot("requested_slot")


# Words that leave the form whatever else the message says.
_STOP_WORDS = re.compile(
    r"\b(?:stop|stoppe|stopper|stoppen|arrete|arreter|annule|annuler|laisse\s+tomber|cancel|quit|"
    r"ophouden|laat\s+maar|never\s*mind|forget\s+it|"
    r"change\s+d'avis|(?:veux|veut)\s+plus|plus\s+envie|pas\s+envie|"
    r"wil\s+(?:het\s+)?niet\s+meer|geen\s+zin|toch\s+niet|"
    r"changed\s+my\s+mind|(?:don't|dont|do\s+not)\s+want|not\s+anymore|no\s+longer)\b"
)
