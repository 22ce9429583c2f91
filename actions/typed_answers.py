"""A message the engine could not place (a bare value, "the second one", "nah not at Actiris",
"c quoi le CPAS") read against what the assistant just asked and what the person said: the
course they chose by typing for the question waiting for one, facts about themselves for an
eligibility check, an organisation to explain. The catch-all actions (fallback, off-topic,
yes/no, bare values) ask here first."""

from __future__ import annotations

from rasa_sdk.events import EventType

from actions.common import ANSWERING, Turn
from actions.context import NAMED, resolve, say_organisations


def waiting_question(turn: Turn) -> str | None:
    """The question intent the assistant's last message waits an answer to, if any."""
    pending = turn.slot("pending")
    return pending if pending in ANSWERING else None


def typed_answer(turn: Turn) -> list[EventType] | None:
    """Answer the message as a reply to the conversation so far, or None when it is none."""
    waiting = waiting_question(turn)
    if waiting == "confirm":
        return ANSWERING["confirm"]().respond(turn)
    context = resolve(turn, use_memory=False)
    # A partner or topic alone answers "which one?"; otherwise it is a question of its own.
    searched = ("partner_topic", "topic", "partner") if waiting else ()
    if context.courses and context.how in (*NAMED, *searched):
        return ANSWERING[waiting or "ask_courses"]().respond(turn)
    if not turn.situation.facts.empty:
        # "nah not registered at actiris", "jai 19 ans": a check against what was said.
        return ANSWERING["ask_eligibility"]().respond(turn)
    if context.organisations:
        say_organisations(turn, context)
        return []
    return None
