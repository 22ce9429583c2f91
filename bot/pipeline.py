"""The one conversation pipeline every channel goes through: a person's message in, replies out.

The REST API, the web widget and Telegram all call `converse`; none has its own copy of the
conversation logic.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from functools import lru_cache

from bot import LANGUAGES
from bot.engine_client import (
    BotMessage,
    EngineClient,
    EngineUnavailable,
    History,
    in_time_order,
)
from bot.i18n import text
from bot.language import detect_language
from bot.relay import Relay
from bot.settings import Settings
from bot.tracker_store import erase_tracker

logger = logging.getLogger(__name__)


@dataclass
class AssistantReply:
    """What the assistant says back to one message, for a channel to render."""

    messages: list[BotMessage]
    # The conversation's language after this turn; None when the engine could not say.
    language: str | None


@lru_cache(maxsize=1)
def _tag_key() -> bytes:
    return secrets.token_bytes(32)


def conversation_tag(conversation_id: str) -> str:
    """A short tag for the logs of this process, never the conversation id itself: a Telegram
    chat id is a small number, so a plain hash of it could be reversed by trying them all."""
    return hmac.new(_tag_key(), conversation_id.encode(), hashlib.sha256).hexdigest()[:10]


async def converse(
    engine: EngineClient,
    settings: Settings,
    conversation_id: str,
    message: str,
    *,
    lang: str | None = None,
    lang_hint: str | None = None,
    source: str | None = None,
    relay: Relay | None = None,
) -> AssistantReply:
    """Ask the engine, or the counsellor who owns the conversation; if the engine cannot
    answer, say so politely in the person's language.

    `lang` is a choice the person made (it wins); `lang_hint` is what the channel knows (a
    phone's or a page's language), used until the conversation has a language of its own;
    `source` is where the person came from (a deep link's payload).
    """
    # Messages of one conversation sent together (two tabs, a client retrying) are answered
    # one after the other, in the order they came, never dropped.
    async with engine.turn_of(conversation_id):
        return await _converse(
            engine, settings, conversation_id, message, lang, lang_hint, source, relay
        )


async def _converse(
    engine: EngineClient,
    settings: Settings,
    conversation_id: str,
    message: str,
    lang: str | None,
    lang_hint: str | None,
    source: str | None,
    relay: Relay | None,
) -> AssistantReply:
    if relay is not None:
        intercepted = await relay.intercept(conversation_id, message)
        if intercepted is not None and intercepted.forward is None:
            return AssistantReply(intercepted.messages, intercepted.language or None)
        if intercepted is not None and intercepted.forward is not None:
            message = intercepted.forward
    metadata = {
        key: value
        for key, value in (("lang", lang), ("lang_hint", lang_hint), ("source", source))
        if value
    }
    try:
        reply = await engine.send(conversation_id, message, metadata)
    except EngineUnavailable as exc:
        logger.warning("conversation %s: %s", conversation_tag(conversation_id), exc)
        language = next(
            (candidate for candidate in (lang, lang_hint) if candidate in LANGUAGES),
            detect_language(message) or settings.default_language,
        )
        return AssistantReply([BotMessage(text=text("unavailable", language))], None)
    messages = reply.messages
    if reply.handoff is not None:
        language = next(
            (c for c in (reply.language, lang, lang_hint) if c in LANGUAGES),
            settings.default_language,
        )
        if relay is None:
            messages = [*messages, BotMessage(text("unavailable", language))]
        else:
            messages = [
                *messages,
                *await relay.open(conversation_id, reply.handoff, language, source),
            ]
    if reply.erase_conversation:
        for erasing in dict.fromkeys([conversation_id, *reply.also_erase]):
            erased = await asyncio.to_thread(erase_tracker, settings.effective_tracker_url, erasing)
            if relay is not None:
                await relay.erase(erasing)
            logger.info("conversation %s erased (%d events)", conversation_tag(erasing), erased)
    logger.debug(
        "conversation %s: %d message(s) back, handoff %s",
        conversation_tag(conversation_id),
        len(messages),
        "asked" if reply.handoff else "no",
    )
    return AssistantReply(messages, reply.language)


async def conversation_history(
    engine: EngineClient, relay: Relay | None, conversation_id: str
) -> History:
    """The conversation as the person saw it: the engine's messages and, in their place in
    time, those of its handoffs (counsellors' replies included). Raises EngineUnavailable."""
    history = await engine.history(conversation_id)
    if relay is None:
        return history
    extra = await relay.history(conversation_id)
    if not extra:
        return history
    return History(in_time_order(history.entries, extra), history.language, history.slots)
