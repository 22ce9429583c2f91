"""Pre-registration, first part: choosing a session and the form (consent first, then one
question at a time, each answer checked). The rules live in bot.registration; this is glue."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet

from actions.common import (
    ANSWERING,
    AssistantAction,
    FormValidation,
    Reply,
    Turn,
    hand_over,
    payload,
    settings,
)
from actions.conditions import rules_of
from actions.context import course_values, offer_courses, resolve, say_organisations
from bot.catalogue.queries import get_course, get_session, is_open, open_sessions, search_courses
from bot.catalogue.resolver import ORDINALS, month_named, words
from bot.db.models import CourseSession
from bot.eligibility import Outcome, PersonFacts, evaluate
from bot.i18n import format_date, month_name
from bot.reading import (
    ACTIRIS_ANSWERS,
    facts_from_answers,
    read_age,
    read_first_name,
    read_postcode,
    read_yes_no_unknown,
)
from bot.registration import find_contact

PERSONAL_SLOTS = ("first_name", "contact", "age", "actiris_registered", "postcode")
FORM_SLOTS = ("data_consent", *PERSONAL_SLOTS)
REQUIRED_SLOTS = ("session", *FORM_SLOTS)
CHANGEABLE = PERSONAL_SLOTS
# `prereg_blocked` when the sign-up was about an organisation ("register at Actiris").
ORGANISATION = "organisation"
# `prereg_blocked` when the person left at the first question (a question of another kind, a no).
LEFT = "left"
# The answers the eligibility rules read, in the order facts_from_answers takes them.
ELIGIBILITY_SLOTS = ("age", "actiris_registered", "postcode")


def invalid_answer(turn: Turn, slot: str) -> dict[str, Any]:
    """Say why the answer to `slot` cannot be used, and count it. An off-topic message is no bad
    answer: say what the assistant does, then ask again."""
    turn.reply.say("out_of_scope" if turn.intent == "out_of_scope" else f"invalid_{slot}")
    return failed_answer(turn, slot)


def failed_answer(turn: Turn, slot: str) -> dict[str, Any]:
    """Count a failed answer whose reason was already said; the second offers a person."""
    tracker = turn.tracker
    failures = (
        (tracker.get_slot("failures") or 0) + 1 if tracker.get_slot("failed_slot") == slot else 1
    )
    if failures >= 2:
        turn.reply.say(
            "invalid_twice",
            buttons=[
                {"title": turn.reply.text("button_counsellor"), "payload": "/ask_human"},
                {"title": turn.reply.text("button_later"), "payload": "/stop"},
            ],
        )
    return {slot: None, "failed_slot": slot, "failures": failures}


def reset_form() -> list[EventType]:
    """Forget the form's answers (they are personal data) and its bookkeeping."""
    return [
        SlotSet(name, None)
        for name in (
            *FORM_SLOTS,
            "prereg_blocked",
            "failed_slot",
            "failures",
            "summarized_session",
        )
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
    """Clears a previous form and fills in what the message and the conversation say: the
    course ("put me down for Salesforce at MolenGeek"), even the session ("the one in March");
    the form that follows asks for what is missing."""

    action_name = "action_start_preregistration"

    def respond(self, turn: Turn) -> list[EventType]:
        events = [*reset_form(), *self.then_the_form(turn)]
        turn.remember(course_choices=None, session_choices=None)
        if turn.entity("session"):
            return events  # filled from the button's entity, checked by the form
        named = resolve(turn, use_memory=False)
        if named.organisations and not (named.courses or named.partner):
            # "Hoe schrijf ik me in bij Actiris?": at Actiris, not for a training here. The form
            # that follows has nothing to ask and ends without a word.
            say_organisations(turn, named)
            return [*events, SlotSet("prereg_blocked", ORGANISATION)]
        context = resolve(turn)
        if len(context.courses) != 1:
            # Several courses fit: the form asks which, offering only those (or, when the
            # message named none, those just shown).
            narrowed = context.how in ("title", "alias", "month", "partner", "partner_topic")
            narrowed = narrowed or context.how == "topic"
            choices = (
                [c.key for c in context.courses] if narrowed else turn.slot_list("shown_courses")
            )
            turn.remember(course_choices=choices or None)
            return [*events, SlotSet("course", None), SlotSet("session", None)]
        course = context.courses[0]
        # "The last one, sign me up": the rank chose the course, not its session (but in
        # "die van DigitalCity, die van oktober" the month still chooses the session).
        by_ordinal = context.how == "rank" and any(w in ORDINALS for w in words(turn.text))
        text = "" if by_ordinal else turn.text
        return [*events, SlotSet("course", course.key), *choose_session(turn, course.key, text)]

    def then_the_form(self, turn: Turn) -> list[EventType]:
        """The rule for "I want to sign up" runs the form next; when another action started
        this one (a sign-up the engine read as something else), it asks for the form itself."""
        intent = (turn.tracker.latest_message.get("intent") or {}).get("name")
        return [] if intent == "preregister" else [FollowupAction("preregistration_form")]


def choose_session(turn: Turn, course: str, text: str) -> list[EventType]:
    """The session of `course` the message names, or its only open one; else the form asks,
    with only the candidates when the message narrowed them down."""
    ref = turn.index.by_key.get(course)
    sessions = [s.key for s in ref.sessions] if ref else []
    if len(sessions) == 1:
        return [SlotSet("session", sessions[0])]
    shown = [key for key in turn.slot_list("shown_sessions") if key in sessions]
    after = turn.index.session_after(text, course, shown)
    if after:
        return [SlotSet("session", after)]  # "inscris-moi à celle d'après"
    match = turn.index.find_session(text, course)
    if match.one:
        return [SlotSet("session", match.one)]
    if not match and len(shown) == 1:
        return [SlotSet("session", shown[0])]  # "ok I want that one" after one session shown
    if match.how == "month" and not match.keys:
        # "Put me down for May" when it has no session in May: say so before the choice.
        found = get_course(turn.db, course)
        if found is not None:
            month = month_name(month_named(text, choosing=True) or 1, turn.lang)
            turn.reply.say("no_session_in_month", month=month, **course_values(turn, found))
    turn.remember(session_choices=list(match.keys) if match.ambiguous else None)
    return [SlotSet("session", None)]


def say_which_session(turn: Turn) -> None:
    """The open sessions of the course in mind (or only those the person's answer narrowed
    down to), else the courses that have one (or only the candidates)."""
    course = get_course(turn.db, turn.slot("course") or "")
    sessions = open_sessions(course, turn.today) if course else []
    choices = turn.slot_list("session_choices")
    if course and sessions:
        shown = [s for s in sessions if s.key in choices] or sessions
        turn.reply.say(
            "which_session_of_these" if len(shown) < len(sessions) else "prereg_which_session",
            buttons=session_buttons(turn, shown),
            **course_values(turn, course),
        )
        turn.remember(shown_sessions=[s.key for s in shown], shown_courses=None)
        return
    if course:
        turn.reply.say(
            "prereg_no_open_session", contact=course.partner.contact, **course_values(turn, course)
        )
    courses = [c for c in search_courses(turn.db, turn.today) if open_sessions(c, turn.today)]
    candidates = [c for c in courses if c.key in turn.slot_list("course_choices")]
    offer_courses(turn, candidates or courses, "preregister", "prereg_which_course")


class ActionAskSession(AssistantAction):
    action_name = "action_ask_session"
    hears_erasure = False  # the form's own questions: the form decides

    def respond(self, turn: Turn) -> list[EventType]:
        say_which_session(turn)
        return []


class AskAction(AssistantAction):
    """Asks one question of the form, with buttons where the answer is one of a few. When the
    person told the answer earlier in the conversation, it asks whether that still holds."""

    hears_erasure = False  # the form's own questions: the form decides

    slot = ""

    def respond(self, turn: Turn) -> list[EventType]:
        session = chosen_session(turn)
        partner = session.course.partner.name if session else ""
        known = self.known(turn)
        if known is not None:
            turn.reply.say(f"ask_{self.slot}_known", buttons=yes_no_buttons(turn.reply), **known)
            return []
        turn.reply.say(
            f"ask_{self.slot}",
            buttons=self.buttons(turn.reply),
            partner=partner,
            days=settings().purge_after_days,
            conversation_days=settings().conversation_retention_days,
        )
        return []

    def known(self, turn: Turn) -> dict[str, Any] | None:
        """The values of the "you told me …, right?" question, when the answer is known."""
        return None

    def buttons(self, reply: Reply) -> list[dict[str, str]] | None:
        return None


def yes_no_buttons(reply: Reply) -> list[dict[str, str]]:
    return [reply.button("button_yes", "affirm"), reply.button("button_no", "deny")]


class ActionAskDataConsent(AskAction):
    action_name, slot = "action_ask_data_consent", "data_consent"

    def buttons(self, reply: Reply) -> list[dict[str, str]] | None:
        return yes_no_buttons(reply)


class ActionAskFirstName(AskAction):
    action_name, slot = "action_ask_first_name", "first_name"


class ActionAskContact(AskAction):
    action_name, slot = "action_ask_contact", "contact"


class ActionAskAge(AskAction):
    action_name, slot = "action_ask_age", "age"

    def known(self, turn: Turn) -> dict[str, Any] | None:
        age = known_fact(turn, "age")
        return None if age is None else {"age": age}


class ActionAskActirisRegistered(AskAction):
    action_name, slot = "action_ask_actiris_registered", "actiris_registered"

    def buttons(self, reply: Reply) -> list[dict[str, str]] | None:
        return [
            *yes_no_buttons(reply),
            {"title": reply.text("button_dont_know"), "payload": reply.text("button_dont_know")},
        ]


class ActionAskPostcode(AskAction):
    action_name, slot = "action_ask_postcode", "postcode"

    def known(self, turn: Turn) -> dict[str, Any] | None:
        postcode = known_fact(turn, "postcode")
        return None if postcode is None else {"postcode": postcode}


# Which fact slot holds what the person said before for a question of the form. Not Actiris:
# "yes" to "you said you're not registered, right?" reads both ways; its question is plain.
FACT_OF_SLOT = {"age": "fact_age", "postcode": "fact_postcode"}


def known_fact(turn: Turn, slot: str) -> Any:
    """What the person said before for this question of the form (only asked to confirm)."""
    value = turn.tracker.get_slot(FACT_OF_SLOT[slot])
    if slot == "age":
        return (
            int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
        )
    if slot == "actiris_registered":
        return value if isinstance(value, bool) else None
    return value if isinstance(value, str) and read_postcode(value) else None


class ValidatePreregistrationForm(FormValidation):
    """Checks each answer; two failures on one question offer a counsellor or a pause."""

    action_name = "validate_preregistration_form"
    form_slots = REQUIRED_SLOTS

    def respond(self, turn: Turn) -> list[EventType]:
        switched = self._other_session(turn)
        return switched if switched is not None else super().respond(turn)

    def _other_session(self, turn: Turn) -> list[EventType] | None:
        """At the consent question, "no, the other one" or "the one in March" switches to that
        session of the course, then asks consent again."""
        tracker = turn.tracker
        current, course = turn.slot("session"), turn.slot("course")
        if tracker.get_slot("requested_slot") != "data_consent" or not (current and course):
            return None
        match = turn.index.find_session(turn.text, course, current=current)
        if match.ambiguous and match.how == "other":
            # "The other one" of three: which of the two others.
            turn.remember(session_choices=list(match.keys))
            return [SlotSet("data_consent", None), SlotSet("session", None)]
        if not match.one or match.one == current:
            return None
        return [SlotSet("data_consent", None), *self._take(turn, str(match.one))]

    def required_slots(self, turn: Turn) -> tuple[str, ...]:
        # Consent refused, or a rule already failed: nothing more to ask.
        tracker = turn.tracker
        if tracker.get_slot("data_consent") is False or tracker.get_slot("prereg_blocked"):
            return ()
        return REQUIRED_SLOTS

    @staticmethod
    def _events(values: dict[str, Any]) -> list[EventType]:
        return [SlotSet(name, value) for name, value in values.items()]

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

    def _take(self, turn: Turn, key: str) -> list[EventType]:
        """Choose session `key`: announce it (unless the form runs again to change one answer)."""
        session = get_session(turn.db, key)
        if session is None or not is_open(session, turn.today):
            turn.reply.say("session_gone")
            return [SlotSet("session", None)]
        course = session.course
        turn.remember(session_choices=None, course_choices=None)
        if turn.tracker.get_slot("data_consent") is not True:
            turn.reply.say(
                "prereg_intro",
                start=format_date(session.start_date, turn.lang),
                **course_values(turn, course),
            )
            if not session.seats_left:
                turn.reply.say("prereg_full_intro")
        return [SlotSet("session", session.key), SlotSet("course", course.key)]

    def validate_session(self, turn: Turn, value: Any) -> dict[str, Any]:
        """A session key or a course key (from a button), or what the person typed: a session
        of the course in mind (by month, rank, date…), or a course (then its session)."""
        events = self._session_events(turn, str(value))
        return {e["name"]: e["value"] for e in events}

    def _session_events(self, turn: Turn, value: str) -> list[EventType]:
        if get_session(turn.db, value) is not None:
            return self._take(turn, value)
        index = turn.index
        course_key, typed = turn.slot("course"), turn.text
        if value in index.by_key:
            course_key, typed = value, ""  # a course's button
        elif course_key:
            # A session of the course in mind comes first: "the first", "in September".
            match = index.find_session(typed, course_key, among=turn.slot_list("session_choices"))
            if match.one:
                return self._take(turn, str(match.one))
            other = index.find_courses(
                typed, partner=turn.entity("partner"), topic=turn.entity("course_topic")
            )
            if other.one and other.how in ("title", "alias") and other.one != course_key:
                course_key = other.one  # "actually, the Salesforce one"
        else:
            named = index.find_courses(
                typed,
                shown=turn.slot_list("course_choices") or turn.slot_list("shown_courses"),
                partner=turn.entity("partner"),
                topic=turn.entity("course_topic"),
            )
            if not named.one:
                choices = turn.slot_list("course_choices") or turn.slot_list("shown_courses")
                soonest = index.soonest_session_among(typed, named.keys or choices)
                if soonest:
                    return self._take(turn, soonest)  # "de eerstvolgende sessie graag"
                return self._which_course(turn, named.keys)
            course_key = named.one
        ref = index.by_key.get(course_key or "")
        if ref is None or not ref.sessions:
            turn.reply.say("session_gone")
            return [SlotSet("session", None), SlotSet("course", course_key)]
        if len(ref.sessions) == 1:
            return self._take(turn, ref.sessions[0].key)
        match = index.find_session(typed, ref.key, among=turn.slot_list("session_choices"))
        if match.one:
            return self._take(turn, str(match.one))
        course = get_course(turn.db, ref.key)
        assert course is not None
        if match.ambiguous:
            turn.remember(session_choices=list(match.keys))
        elif typed and match.how == "month":
            month = month_name(month_named(typed) or 1, turn.lang)
            turn.reply.say("no_session_in_month", month=month, **course_values(turn, course))
        elif typed and course_key == turn.slot("course"):
            if turn.intent == "out_of_scope":
                return self._events(invalid_answer(turn, "session"))
            left = self._not_a_session(turn)
            if left is not None:
                return left
            turn.reply.say("session_not_found", **course_values(turn, course))
            failed = failed_answer(turn, "session")
            return [*self._events(failed), SlotSet("course", ref.key)]
        return [SlotSet("session", None), SlotSet("course", ref.key)]

    def _not_a_session(self, turn: Turn) -> list[EventType] | None:
        """At the first question nothing personal is asked yet: a question of another kind
        ("welke opleidingen kan ik wel doen?") is answered, and a no ("nee toch niet") said
        goodbye to; either leaves the sign-up. None when the message is neither."""
        typed_key = re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)+", turn.text)  # an old button's
        if read_yes_no_unknown(turn.text) == "no" and not typed_key:
            turn.reply.say("prereg_stopped")
        elif turn.intent in ANSWERING and ANSWERING[turn.intent] is not type(self):
            answered = hand_over(turn, turn.intent)
            turn.remember(**{e["name"]: e["value"] for e in answered if e.get("event") == "slot"})
        else:
            return None
        return [SlotSet("session", None), SlotSet("prereg_blocked", LEFT)]

    def _which_course(self, turn: Turn, candidates: tuple[str, ...]) -> list[EventType]:
        """No course yet, and the answer did not name exactly one: ask again, with only the
        candidates when it named several, saying so when it named none."""
        if candidates:
            turn.remember(course_choices=list(candidates))
            return [SlotSet("session", None)]
        left = self._not_a_session(turn)
        if left is not None:
            return left
        # Nothing named: counted as a failed answer, so a second one offers a person.
        return [SlotSet(name, value) for name, value in invalid_answer(turn, "session").items()]

    def validate_data_consent(self, turn: Turn, value: Any) -> dict[str, Any]:
        if isinstance(value, bool):
            return self._valid(turn, "data_consent", value)
        answer = read_yes_no_unknown(str(value))
        if answer in ("yes", "no"):
            return self._valid(turn, "data_consent", answer == "yes")
        return invalid_answer(turn, "data_consent")

    def validate_first_name(self, turn: Turn, value: Any) -> dict[str, Any]:
        name = read_first_name(str(value))
        return self._valid(turn, "first_name", name) if name else invalid_answer(turn, "first_name")

    def validate_contact(self, turn: Turn, value: Any) -> dict[str, Any]:
        contact = find_contact(str(value))
        return self._valid(turn, "contact", contact) if contact else invalid_answer(turn, "contact")

    def _confirmed(self, turn: Turn, slot: str, value: Any) -> tuple[bool, Any]:
        """An answer to "you told me …, right?": (True, the known value) for yes, (True, None)
        for no (the fact is forgotten and the question asked plainly), else (False, None)."""
        known = known_fact(turn, slot)
        if known is None:
            return False, None
        answer = value if value in ("yes", "no") else read_yes_no_unknown(str(value))
        if isinstance(value, bool):
            answer = "yes" if value else "no"
        if answer == "yes":
            return True, known
        if answer == "no":
            turn.remember(**{FACT_OF_SLOT[slot]: None})
            return True, None
        return False, None

    def validate_age(self, turn: Turn, value: Any) -> dict[str, Any]:
        confirmed, known = self._confirmed(turn, "age", value)
        if confirmed:
            return self._valid(turn, "age", known) if known is not None else {"age": None}
        age = read_age(str(value), turn.today.year)
        return self._valid(turn, "age", age) if age is not None else invalid_answer(turn, "age")

    def validate_actiris_registered(self, turn: Turn, value: Any) -> dict[str, Any]:
        answer = value if value in ACTIRIS_ANSWERS else read_yes_no_unknown(str(value))
        if read_yes_no_unknown(turn.text) == "unknown":
            answer = "unknown"  # "geen idee, ik denk het niet": the engine heard a no
        if answer is None:
            return invalid_answer(turn, "actiris_registered")
        return self._valid(turn, "actiris_registered", answer)

    def validate_postcode(self, turn: Turn, value: Any) -> dict[str, Any]:
        confirmed, known = self._confirmed(turn, "postcode", value)
        if confirmed:
            if known is None:
                return {"postcode": None}
            return self._valid(turn, "postcode", read_postcode(str(known)))
        postcode = read_postcode(str(value))
        return (
            self._valid(turn, "postcode", postcode)
            if postcode
            else invalid_answer(turn, "postcode")
        )
