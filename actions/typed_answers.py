"""A message the engine could not place (a bare value, "the second one", "nah not at Actiris",
"c quoi le CPAS") read against what the assistant just asked and what the person said: the
course they chose by typing for the question waiting for one, facts about themselves for an
eligibility check, an organisation to explain. The catch-all actions (fallback, off-topic,
yes/no, bare values) ask here first."""

from __future__ import annotations

import re

from rasa_sdk.events import EventType, FollowupAction

from actions.common import ANSWERING, Turn, erasure_asked, hand_over
from actions.context import CourseContext, resolve, say_organisations
from bot.catalogue.resolver import POINTER, month_named
from bot.language import requested_language
from bot.reading import (
    asks_seats,
    is_follow_up,
    plain,
    read_aspects,
    read_yes_no_unknown,
    wants_to_sign_up,
)
from bot.registration import find_contact, mentions_a_reference

# Words that point at a training already in view: "that one", "laquelle", "welke".
_ABOUT_THEM = re.compile(
    rf"{POINTER.pattern}|\b(?:laquelle|lequel|lesquelles|welke|which\s+one|it)\b"
)
# A language named in a request ("on peut parler en français plutôt ?"), not in passing
# ("jparle un peu néerlandais").
_ASKS_FOR = re.compile(
    r"\b(?:peut|peux|can|could|kunnen|kan|please|pls|plz|svp|stp|aub|plutot|liever|rather|"
    r"instead|possible|switch|parler|speak|spreken|praten)\b"
)
# The question each aspect a message asks about belongs to.
ASPECT_QUESTIONS = {
    "description": "ask_courses",
    "duration": "ask_schedule",
    "schedule": "ask_schedule",
    "location": "ask_location",
    "cost": "ask_cost",
    "certificate": "ask_certificate",
    "eligibility": "ask_eligibility",
}


def waiting_question(turn: Turn) -> str | None:
    """The question intent the assistant's last message waits an answer to, if any."""
    pending = turn.slot("pending")
    return pending if pending in ANSWERING and not turn.handed_over else None


def follow_up_question(turn: Turn) -> str | None:
    """For "et chez BeCode ?" after a question: that question again, about what it names."""
    last = turn.slot("last_question")
    if turn.handed_over:
        return None
    if last in ANSWERING and is_follow_up(turn.text) and not read_aspects(turn.text):
        return str(last)
    return None


def typed_answer(turn: Turn, *, loose: bool = True) -> list[EventType] | None:
    """Answer the message as a reply to the conversation so far, or None when it is none.
    Not `loose` (a message the engine read as off-topic), words like "when" or "how much" alone
    are no question about the course in focus: "hoeveel is 12 keer 7"."""
    waiting = waiting_question(turn)
    if waiting == "confirm":
        return hand_over(turn, "confirm")
    # A yes the engine could not place ("yes erase it all"), not "ok c'est où alors ?",
    # confirms the erasure asked about (the request again is heard before any answer).
    bare_yes = read_yes_no_unknown(turn.text) == "yes" and not read_aspects(turn.text)
    if erasure_asked(turn.tracker) and bare_yes and "?" not in turn.text:
        return [FollowupAction("action_delete_my_data")]
    if (
        requested_language(turn.text)
        and _ASKS_FOR.search(plain(turn.text))
        and "change_language" in ANSWERING
    ):
        return hand_over(turn, "change_language")  # "on peut parler en français plutôt ?"
    if wants_to_sign_up(turn.text):
        # "Je prends celle de septembre": the pre-registration, as "I want to sign up" starts it.
        return [FollowupAction("action_start_preregistration")]
    if mentions_a_reference(turn.text) and find_contact(turn.text):
        # "BCX-214 and yassin.k@gmail.com": a registration looked up by reference and contact.
        return hand_over(turn, "check_registration")
    context = resolve(turn, use_memory=False, about_partner=True, guess_topic=True)
    told = not turn.situation.facts.empty or turn.situation.unsure_of_actiris
    alone = not (context.courses or context.partner or told)
    if context.organisations and alone and say_organisations(turn, context):
        return []  # "en het OCMW?"
    aspects = read_aspects(turn.text)
    asked = ASPECT_QUESTIONS.get(aspects[0]) if aspects else None
    if asked is None and told:
        asked = "ask_eligibility"  # "j'habite à Wavre, je cherche une formation e-commerce"
    if context.courses or context.missing_at_partner:
        # A partner alone is described, with its trainings.
        listing = "ask_partners" if context.how == "partner" else "ask_courses"
        # A course named answers "which one?" (so does a topic or partner narrowing the list
        # just shown); "what do they have?" is a question of its own.
        answering = context.named_courses or context.how in ("partner_topic", "shown")
        # "Is there one in June?", "and in March?" about the course in focus: its sessions.
        by_date = "ask_schedule" if not aspects and _names_a_session(turn, context) else None
        question = (
            # "kan ik de marketing van MolenGeek doen" at "which one?" asks a question of its own.
            (asked if aspects else None)
            or (waiting if answering else None)
            or by_date
            or follow_up_question(turn)
            or asked
            or listing
        )
        return hand_over(turn, question)
    if turn.slot("course") and not aspects and _picks_a_shown_session(turn):
        return hand_over(turn, "ask_schedule")  # "et la 1ère ?" after its sessions
    short = len(turn.text.split()) <= 5 and not any(ch.isdigit() for ch in turn.text)
    # "When is the next one and where", "laquelle est la moins chère", "nog plaatsen in
    # maart?": about the course in focus, or the list just shown.
    pointing = (
        bool(_ABOUT_THEM.search(plain(turn.text)))
        or bool(month_named(turn.text))
        or asks_seats(turn.text)
    )
    in_view = turn.slot("course") or turn.slot_list("shown_courses")
    if asked and (loose or short or pointing) and in_view:
        # "age min?", "c ou?" about the course just discussed.
        return hand_over(turn, asked)
    if told and loose:
        # "nah not registered at actiris", "jai 19 ans": a check against what was said.
        return hand_over(turn, "ask_eligibility")
    if context.organisations and say_organisations(turn, context):
        return []
    return None


def _names_a_session(turn: Turn, context: CourseContext) -> bool:
    """The message asks for a session of the one course in context by its month or date
    (there may be none then: the schedule says so)."""
    if len(context.courses) != 1:
        return False
    match = turn.index.find_session(turn.text, context.courses[0].key)
    return match.how in ("month", "date")


def _picks_a_shown_session(turn: Turn) -> bool:
    """The message picks one of the sessions of the course in focus just shown, by rank, or
    the one after them."""
    course = str(turn.slot("course"))
    ref = turn.index.by_key.get(course)
    own = {s.key for s in ref.sessions} if ref else set()
    shown = [key for key in turn.slot_list("shown_sessions") if key in own]
    if not shown:
        return False
    if turn.index.session_after(turn.text, course, shown):
        return True  # "en daarna?"
    match = turn.index.find_session(turn.text, course, among=shown)
    return bool(match.keys) and match.how == "rank"
