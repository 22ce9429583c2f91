"""What every action shares: the conversation's language, the database, replies with buttons."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot import LANGUAGES
from bot.catalogue.queries import brussels_today, catalogue_index
from bot.catalogue.resolver import CatalogueIndex
from bot.db import database_for, db_sessions, write_transaction
from bot.eligibility import PersonFacts
from bot.errors import describe_error
from bot.i18n import text
from bot.language import SWITCH_MARGIN, detect_language, read_or_guess_language
from bot.reading import Situation, plain, read_situation, read_yes_no_unknown, wants_data_erased
from bot.settings import Settings

logger = logging.getLogger(__name__)

# Telegram's deep-link payload alphabet and length; other channels follow the same rule.
SOURCE = re.compile(r"[A-Za-z0-9_-]{1,64}")


# An acknowledgement that goes on to something else ("ok, and web dev at BeCode?") is no answer
# to "are you registered at Actiris?".
_NO_ANSWER = re.compile(r"^\W*(?:ok|oke|okay|oki|d'?accord|dac|top|cool|bon|alors|so|goed)\b")


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()


def conversation_language(
    tracker: Tracker, default: str, names: frozenset[str] = frozenset()
) -> tuple[str, bool]:
    """The request's `lang` when the client sent one; else the conversation's language (or, for
    a new conversation, the channel's `lang_hint`: a phone's or a page's language), unless the
    message is clearly in another one; else a guess from the text. With it, whether the
    language is still only the default, as no message said which ("becode cyber?")."""
    metadata = tracker.latest_message.get("metadata") or {}
    requested = metadata.get("lang")
    if requested in LANGUAGES:
        return str(requested), False
    typed = tracker.latest_message.get("text") or ""
    # A button's payload ("/affirm") says nothing of the language.
    message = "" if typed.startswith("/") else typed
    current = tracker.get_slot("language")
    if current in LANGUAGES and tracker.get_slot("language_guessed"):
        # Until a message says which language, the next one may, as a first message would.
        found = detect_language(message, names=names)
        return (found, False) if found else (str(current), True)
    if current not in LANGUAGES:
        current = metadata.get("lang_hint")
    if current in LANGUAGES:
        switched = detect_language(message, margin=SWITCH_MARGIN, names=names)
        return (switched or str(current)), False
    found, read = read_or_guess_language(message, names)
    return (found or default), not read


def conversation_source(tracker: Tracker) -> str | None:
    """Where the person came from (a campaign, a partner, a counsellor's referral), as a channel
    passed it with the message: a Telegram deep link, for instance."""
    metadata = tracker.latest_message.get("metadata") or {}
    source = metadata.get("source")
    return source if isinstance(source, str) and SOURCE.fullmatch(source) else None


def payload(intent: str, **entities: str) -> str:
    """A button payload that Rasa reads as an intent with entities, without NLU."""
    return f"/{intent}{json.dumps(entities, separators=(',', ':'))}" if entities else f"/{intent}"


@dataclass
class Reply:
    """The messages an action sends, in the conversation's language."""

    lang: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    # Instructions for the gateway, sent as the REST channel's "custom" messages.
    instructions: list[dict[str, Any]] = field(default_factory=list)

    def say(self, key: str, buttons: list[dict[str, str]] | None = None, **values: object) -> None:
        self.messages.append({"text": text(key, self.lang, **values), "buttons": buttons or []})

    def say_text(self, message: str, buttons: list[dict[str, str]] | None = None) -> None:
        self.messages.append({"text": message, "buttons": buttons or []})

    def text(self, key: str, **values: object) -> str:
        return text(key, self.lang, **values)

    def offer_counsellor(self, turn: Turn, reason: str) -> dict[str, str]:
        """The button that opens a handoff, remembering why it was offered."""
        turn.remember(handoff_offer=reason)
        return self.button("button_counsellor", "ask_human")

    def button(self, key: str, intent: str, **entities: str) -> dict[str, str]:
        return {"title": text(key, self.lang), "payload": payload(intent, **entities)}

    def send(self, dispatcher: CollectingDispatcher) -> None:
        for message in self.messages:
            if message["buttons"]:
                dispatcher.utter_message(text=message["text"], buttons=message["buttons"])
            else:
                dispatcher.utter_message(text=message["text"])
        # Channels adapt their own interface (buttons, notices) to the conversation's language.
        for instruction in [*self.instructions, {"language": self.lang}]:
            dispatcher.utter_message(json_message=instruction)


# What the conversation remembers between turns, set by `Turn.remember`: the lists last shown
# (so "the second" can be answered), and what the assistant is waiting for.
CONTEXT_SLOTS = (
    "shown_courses",
    "shown_sessions",
    "course_choices",
    "session_choices",
    "pending",
    "handoff_offer",
)
# `pending` after "shall I erase your data?": a yes, or the request again, confirms it.
ERASURE_ASKED = "erase"


def erasure_asked(tracker: Tracker) -> bool:
    """The assistant's last reply asked whether to erase the person's data."""
    return tracker.get_slot("pending") == ERASURE_ASKED


# What the person said of themselves (or of whom they write for) in any message: for the
# eligibility rules and, once they consent, for the form. Personal data: "delete my data" and
# the end of a pre-registration forget it.
FACT_SLOTS = ("fact_age", "fact_actiris", "fact_brussels", "fact_postcode", "fact_diploma")


@dataclass
class Turn:
    """One answer being built: who asked what, in which language, with a db session to read
    the application database (and `write()` for a write transaction)."""

    tracker: Tracker
    db: Session
    today: dt.date
    reply: Reply
    database: Engine
    remembered: dict[str, Any] = field(default_factory=dict)
    # Set once an action handed the turn over to another (see `hand_over`).
    handed_over: bool = False
    # Set once an action read a topic's usual word the engine did not tag ("web" alone): the
    # action the turn is handed over to reads it the same way.
    guess_topic: bool = False
    _index: CatalogueIndex | None = None

    def write(self) -> AbstractContextManager[Session]:
        """One write transaction on the application database, apart from `db`."""
        return write_transaction(self.database)

    @property
    def index(self) -> CatalogueIndex:
        """The catalogue as the resolver reads it (built once per turn)."""
        if self._index is None:
            self._index = catalogue_index(self.db, self.today)
        return self._index

    def remember(self, **slots: Any) -> None:
        """Keep conversation context (CONTEXT_SLOTS, `course`…) for the next turns."""
        self.remembered.update(slots)

    @property
    def situation(self) -> Situation:
        """What this message says of the person (nothing for a button's payload)."""
        if self.text.startswith("/"):
            return Situation()
        situation = read_situation(self.text, current_year=self.today.year)
        if (
            situation.actiris_registered is None
            and self.tracker.get_slot("asked_actiris")
            and not _NO_ANSWER.search(plain(self.text))
        ):
            # "Ja ben ik, en ik woon in Laken" after "I still need: if you're at Actiris" (but
            # "ok, and web dev at BeCode?" asks on).
            answer = read_yes_no_unknown(self.text)
            if answer in ("yes", "no"):
                situation = replace(situation, actiris_registered=answer == "yes")
        return situation

    @property
    def facts(self) -> PersonFacts:
        """The person's facts: this message's, else what they said before."""
        now = self.situation
        slots = self.tracker.get_slot
        return PersonFacts(
            age=now.age if now.age is not None else as_int(slots("fact_age")),
            actiris_registered=(
                now.actiris_registered
                if now.actiris_registered is not None
                else as_bool(slots("fact_actiris"))
            ),
            lives_in_brussels=(
                now.lives_in_brussels
                if now.lives_in_brussels is not None
                else as_bool(slots("fact_brussels"))
            ),
        )

    def keep_facts(self) -> None:
        """Remember the facts this message gives, for the next turns."""
        now = self.situation
        for name, value in (
            ("fact_age", now.age),
            ("fact_actiris", now.actiris_registered),
            ("fact_brussels", now.lives_in_brussels),
            ("fact_postcode", now.postcode),
            ("fact_diploma", now.diploma),
        ):
            if value is not None:
                self.remembered[name] = value

    def slot_list(self, name: str) -> list[str]:
        """A list slot as the conversation had it before this turn."""
        value = self.tracker.get_slot(name)
        return [str(v) for v in value] if isinstance(value, list) else []

    def entities(self, name: str) -> list[str]:
        """Values of the entity `name` in this message, in the order they were written."""
        return [
            str(entity["value"])
            for entity in self.tracker.latest_message.get("entities") or []
            if entity.get("entity") == name and entity.get("value")
        ]

    def entity(self, name: str) -> str | None:
        values = self.entities(name)
        return values[0] if values else None

    def slot(self, name: str) -> str | None:
        value = self.tracker.get_slot(name)
        return str(value) if value else None

    @property
    def lang(self) -> str:
        return self.reply.lang

    @property
    def text(self) -> str:
        return str(self.tracker.latest_message.get("text") or "")

    @property
    def intent(self) -> str | None:
        """What the engine read this message as."""
        intent = self.tracker.latest_message.get("intent") or {}
        return str(intent["name"]) if intent.get("name") else None


def as_int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def as_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


# The action that answers each question intent, so a course typed in answer to "which one?"
# reaches the action of the question that was waiting (see actions/typed_answers.py).
ANSWERING: dict[str, type[AssistantAction]] = {}


def hand_over(turn: Turn, intent: str) -> list[EventType]:
    """Answer this turn with the action of another question (a follow-up, a typed answer to
    "which one?"): once per turn, so two actions never send the turn back and forth."""
    turn.handed_over = True
    return ANSWERING[intent]().respond(turn)


class AssistantAction(Action):
    """An action that answers in the conversation's language and keeps the `language` slot."""

    action_name = ""
    # The question intent this action answers, if it answers one about a course.
    intent = ""
    # Whether a request to erase one's data ("supprime mes données ACD-479 …") is sent to the
    # erasure's confirmation whatever the engine took it for: a reference and a contact in it
    # can throw the classifier anywhere. Off for the erasure's own actions and the form's.
    hears_erasure = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.intent:
            ANSWERING[cls.intent] = cls

    def name(self) -> str:
        return self.action_name

    def respond(self, turn: Turn) -> list[EventType]:
        raise NotImplementedError

    def corrects_the_summary(self, turn: Turn, pending: str | None) -> bool:
        """Whether this message, taken for a question, changes an answer of the summary
        shown just before."""
        answers_summary = ANSWERING.get("confirm")
        return (
            pending == "confirm"
            and bool(self.intent)
            and answers_summary is not None
            and self.intent != answers_summary.intent
            and answers_summary.gives_new_answer(turn)
        )

    @classmethod
    def gives_new_answer(cls, turn: Turn) -> bool:
        """Whether the message gives a new value to an answer (see the summary's action)."""
        return False

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang, guessed = conversation_language(tracker, settings().default_language)
        events: list[EventType] = []
        url = settings().database_url
        try:
            with db_sessions(url)() as db:
                turn = Turn(tracker, db, brussels_today(), Reply(lang), database_for(url))
                # The catalogue's names ("Coding School") say nothing of the person's language.
                lang, guessed = conversation_language(
                    tracker, settings().default_language, turn.index.name_words
                )
                turn.reply.lang = lang
                # What the assistant waits for holds for the next message only.
                turn.remember(pending=None, asked_actiris=None, handoff_offer=None)
                turn.keep_facts()
                if self.corrects_the_summary(turn, tracker.get_slot("pending")):
                    # "Mon âge c'est 19, pas 18" at the summary reads like a question.
                    events = hand_over(turn, "confirm")
                elif self.hears_erasure and wants_data_erased(turn.text):
                    # "Ja wis alles" right after "shall I erase?" confirms it.
                    confirmed = erasure_asked(tracker)
                    erase = "action_delete_my_data" if confirmed else "action_ask_delete_my_data"
                    events = [FollowupAction(erase)]
                else:
                    events = self.respond(turn)
                events += [
                    SlotSet(name, value)
                    for name, value in turn.remembered.items()
                    if tracker.get_slot(name) != value
                ]
                reply = turn.reply
        except SQLAlchemyError as exc:
            # The exception's text can hold the statement's values: personal data stays out.
            logger.error("database error in %s: %s", self.name(), type(exc).__name__)
            reply = Reply(lang)
            reply.say("unavailable")
        except Exception as exc:
            # An error reply would make the engine log the whole conversation, personal data
            # included: log the kind of error only and answer politely.
            logger.error("%s failed: %s", self.name(), describe_error(exc))
            reply = Reply(lang)
            reply.say("unavailable")
        reply.send(dispatcher)
        if tracker.get_slot("language") != reply.lang:
            events.append(SlotSet("language", reply.lang))
        # A language the person asked for ("in English please") is no guess.
        guessed = guessed and reply.lang == lang
        if bool(tracker.get_slot("language_guessed")) != guessed:
            events.append(SlotSet("language_guessed", guessed))
        source = conversation_source(tracker)
        if source and tracker.get_slot("source") != source:
            events.append(SlotSet("source", source))
        return events


Validator = Callable[[Turn, Any], dict[str, Any]]


class FormValidation(AssistantAction):
    """Checks the answers a form just took, as rasa-sdk's FormValidationAction does, on the
    common action base: each slot the engine filled this turn goes through `validate_<slot>`
    (given the turn and the value, returning the slots to set); a slot emptied on purpose (a
    new form, a change) is no answer and is not validated."""

    hears_erasure = False

    form_slots: tuple[str, ...] = ()

    def required_slots(self, turn: Turn) -> tuple[str, ...]:
        """The slots still to fill; fewer than `form_slots` ends the form early."""
        return self.form_slots

    def respond(self, turn: Turn) -> list[EventType]:
        tracker = turn.tracker
        required = self.required_slots(turn)
        values: dict[str, Any] = {}
        for name, value in tracker.slots_to_validate().items():
            if name not in required:
                continue
            validate: Validator | None = getattr(self, f"validate_{name}", None)
            checked = {name: value} if validate is None or value is None else validate(turn, value)
            values.update(checked)
            # Later validators see what earlier ones decided.
            tracker.slots.update(checked)
        events: list[EventType] = [SlotSet(name, value) for name, value in values.items()]
        still_required = self.required_slots(turn)
        if still_required != self.form_slots:
            missing = (name for name in still_required if tracker.get_slot(name) is None)
            events.append(SlotSet("requested_slot", next(missing, None)))
        return events
