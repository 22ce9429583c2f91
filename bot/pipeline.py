"""The one conversation pipeline every channel goes through: a person's message in, replies out."""

from __future__ import annotations

import asyncio
import hashlib
import logging

from bot import LANGUAGES
from bot.engine import BotMessage, EngineClient, EngineUnavailable, erase_tracker
from bot.i18n import text
from bot.language import detect_language
from bot.settings import Settings

logger = logging.getLogger(__name__)


def conversation_tag(conversation_id: str) -> str:
    """A short stable tag for logs: never the conversation id itself (it can identify a person)."""
    return hashlib.sha256(conversation_id.encode()).hexdigest()[:10]


async def converse(
    engine: EngineClient,
    settings: Settings,
    conversation_id: str,
    message: str,
    lang: str | None,
) -> list[BotMessage]:
    """Ask the engine; if it cannot answer, say so politely in the person's language."""
    try:
        reply = await engine.send(conversation_id, message, lang)
    except EngineUnavailable as exc:
        logger.warning("conversation %s: %s", conversation_tag(conversation_id), exc)
        language = (
            lang if lang in LANGUAGES else detect_language(message) or settings.default_language
        )
        return [BotMessage(text=text("unavailable", language))]
    if reply.erase_conversation:
        erased = await asyncio.to_thread(
            erase_tracker, settings.effective_tracker_url, conversation_id
        )
        logger.info("conversation %s erased (%d events)", conversation_tag(conversation_id), erased)
    return reply.messages
