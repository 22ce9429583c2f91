"""Conversation basics: greeting, help, thanks, goodbye, "are you a bot?", off-topic, fallback,
values nobody asked for, language changes and requests for a person."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType

from actions.common import AssistantAction, Reply, Turn, payload
from actions.courses import ActionCourses
from actions.partners import ActionPartners
from actions.typed_answers import typed_answer
from bot import LANGUAGES
from bot.i18n import has_text
from bot.language import requested_language
from bot.reading import plain, read_aspects

LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}


def main_buttons(reply: Reply) -> list[dict[str, str]]:
    return [
        reply.button("button_courses", "ask_courses"),
        reply.button("button_partners", "ask_partners"),
        reply.button("button_eligibility", "ask_eligibility"),
    ]


class StaticReplyAction(AssistantAction):
    """Says one fixed text, with the main buttons when `with_buttons`."""

    message_key = ""
    with_buttons = False

    def respond(self, turn: Turn) -> list[EventType]:
        buttons = main_buttons(turn.reply) if self.with_buttons else None
        turn.reply.say(self.message_key, buttons=buttons)
        return []


class ActionGreet(StaticReplyAction):
    """Hello, and the answer to a question asked in the same message ("hi, where is BeCode?")."""

    action_name, message_key, with_buttons = "action_greet", "greet", True

    def respond(self, turn: Turn) -> list[EventType]:
        answered = typed_answer(turn)
        if answered is None:
            return super().respond(turn)
        turn.reply.messages.insert(0, {"text": turn.reply.text("greet"), "buttons": []})
        return answered


class ActionHelp(StaticReplyAction):
    """What the assistant does, unless the message asks something it can answer ("wat doet
    de VDAB?", "kunnen die mij helpen?" about an organisation)."""

    action_name, message_key, with_buttons = "action_help", "help", True

    def respond(self, turn: Turn) -> list[EventType]:
        answered = typed_answer(turn) if not turn.text.startswith("/") else None
        if answered is not None:
            return answered
        if _NEEDS_A_PERSON.search(plain(turn.text)):
            # "ik heb hulp nodig van een mens": help from a person, not the list of topics.
            return ActionAskHuman().respond(turn)
        return super().respond(turn)


class ActionBotChallenge(StaticReplyAction):
    action_name, message_key = "action_bot_challenge", "bot_challenge"


class ClosingReply(StaticReplyAction):
    """Thanks or goodbye; at a pre-registration's summary, a closing word ("ok now it's good",
    "merci c'est bon") confirms it rather than leaving it unsent."""

    def respond(self, turn: Turn) -> list[EventType]:
        # "Merci, et c'est où ?", "tot hoe oud mag ge zijn": a question goes on after the
        # thanks (or is no goodbye at all).
        asks_on = "?" in turn.text or bool(read_aspects(turn.text))
        if turn.slot("pending") == "confirm" or asks_on:
            answered = typed_answer(turn)
            if answered is not None:
                return answered
        return super().respond(turn)


class ActionGoodbye(ClosingReply):
    action_name, message_key = "action_goodbye", "goodbye"


class ActionThank(ClosingReply):
    action_name, message_key = "action_thank", "thank"


class CatchAllReply(StaticReplyAction):
    """A fixed reply, unless the message answers the conversation so far (a course typed
    for the question just asked, facts about the person, an organisation named)."""

    loose = True

    def respond(self, turn: Turn) -> list[EventType]:
        answered = typed_answer(turn, loose=self.loose)
        return super().respond(turn) if answered is None else answered


class ActionAffirm(CatchAllReply):
    action_name, message_key, with_buttons = "action_affirm", "affirm", True


class ActionDeny(CatchAllReply):
    action_name, message_key = "action_deny", "deny"


class ActionOutOfScope(CatchAllReply):
    action_name, message_key, with_buttons = "action_out_of_scope", "out_of_scope", True
    loose = False


class ActionFallback(AssistantAction):
    """The fallback ladder: first "did you mean…?" with the two likeliest topics as buttons;
    a second miss in a row points to people who can help. A message that answers the
    conversation so far is answered instead."""

    action_name = "action_fallback"

    def respond(self, turn: Turn) -> list[EventType]:
        answered = typed_answer(turn)
        if answered is not None:
            return answered
        return self.ladder(turn)

    def ladder(self, turn: Turn) -> list[EventType]:
        if missed_before(turn.tracker):
            turn.reply.say(
                "second_miss", buttons=[turn.reply.button("intent_ask_human", "ask_human")]
            )
            return []
        guesses = likeliest_intents(turn.tracker.latest_message, 2)
        if not guesses:
            turn.reply.say("fallback", buttons=main_buttons(turn.reply))
            return []
        # A partner, topic or course named would have been answered (typed_answer): the
        # guesses need no entities.
        turn.reply.say(
            "did_you_mean",
            buttons=[turn.reply.button(f"intent_{name}", name) for name in guesses],
        )
        return []


def likeliest_intents(message: dict, count: int) -> list[str]:
    """The classifier's best guesses that have a button to offer."""
    offered = [
        item["name"]
        for item in message.get("intent_ranking") or []
        if item.get("name") not in ("nlu_fallback", None) and has_text(f"intent_{item['name']}")
    ]
    return offered[:count]


def missed_before(tracker: Tracker) -> bool:
    """Whether the person's previous message was not understood either."""
    user_turns = [e for e in tracker.events if e.get("event") == "user"]
    if len(user_turns) < 2:
        return False
    previous = (user_turns[-2].get("parse_data") or {}).get("intent") or {}
    return previous.get("name") == "nlu_fallback"


HANDOFF_REASONS = ("eligibility_unsure", "registration_check")
# A person asked for by who they are, in a request for help.
_NEEDS_A_PERSON = re.compile(
    r"\b(?:mens|human|humain|someone|somebody|iemand|quelqu'?un|conseill\w*|counsel+or\w*|"
    r"begeleider\w*|(?:echte|real|vraie?) person\w*)\b"
)
# Words for a person: without one, "qui peut y aller ?" asks who may join, not for a person.
_A_PERSON = re.compile(
    r"\b(?:conseill\w*|counsel+or\w*|advisor|adviseur|begeleider\w*|humain|human|person\w*|"
    r"mens|iemand|quelqu'?un|someone|somebody|agent|medewerker|real|vrai|echte|parler|talk|praten|"
    r"spreken|bellen|call|appeler)\b"
)


class ActionAskHuman(AssistantAction):
    """Asks the gateway to hand the conversation to a counsellor: it knows the queues and the
    office hours, and says what happens next."""

    action_name = "action_ask_human"

    def respond(self, turn: Turn) -> list[EventType]:
        if not _A_PERSON.search(plain(turn.text)) and not turn.text.startswith("/"):
            answered = typed_answer(turn)
            if answered is not None:
                return answered
        reason = turn.tracker.get_slot("handoff_offer")
        if reason not in HANDOFF_REASONS:
            reason = "not_understood" if missed_before(turn.tracker) else "asked"
        turn.reply.instructions.append(
            {
                "handoff": {
                    "reason": reason,
                    "course": turn.slot("course"),
                    "source": turn.slot("source"),
                }
            }
        )
        return []


class ActionChangeLanguage(AssistantAction):
    """Switches to the language the person asks for, or asks which one."""

    action_name, intent = "action_change_language", "change_language"

    def respond(self, turn: Turn) -> list[EventType]:
        target = turn.entity("language") or requested_language(turn.text)
        if target not in LANGUAGES:
            turn.reply.say(
                "language_which",
                buttons=[
                    {"title": title, "payload": payload("change_language", language=code)}
                    for code, title in LANGUAGE_NAMES.items()
                ],
            )
            return []
        turn.reply.lang = target
        turn.reply.say("language_changed", buttons=main_buttons(turn.reply))
        return []


class ActionUnaskedValue(AssistantAction):
    """A bare value nobody asked for ("web dev", "becode") is read as a question about it: a
    topic or course lists the trainings, a partner is described; anything else (an age, a
    name) gets the fallback ladder."""

    action_name = "action_unasked_value"

    def respond(self, turn: Turn) -> list[EventType]:
        answered = typed_answer(turn)
        if answered is not None:
            return answered
        named = {e.get("entity") for e in turn.tracker.latest_message.get("entities") or []}
        if named & {"course_topic", "course"}:
            return ActionCourses().respond(turn)
        if "partner" in named:
            return ActionPartners().respond(turn)
        return ActionFallback().ladder(turn)
