"""The one conversation pipeline every channel goes through: a person's message in, replies out."""

from __future__ import annotations

import hashlib
import logging

from bot import LANGUAGES
from bot.engine import BotMessage, EngineClient, EngineUnavailable
from bot.i18n import text
from bot.language import detect_language

logger = logging.getLogger(__name__)


def conversation_tag(conversation_id: str) -> str:
    """A short stable tag for logs: never the conversation id itself (it can identify a person)."""
    return hashlib.sha256(conversation_id.encode()).hexdigest()[:10]


async def converse(
    engine: EngineClient,
    conversation_id: str,
    message: str,
    lang: str | None,
    default_language: str,
) -> list[BotMessage]:
    """Ask the engine; if it cannot answer, say so politely in the person's language."""
    try:
        return await engine.send(conversation_id, message, lang)
    except EngineUnavailable as exc:
        logger.warning("conversation %s: %s", conversation_tag(conversation_id), exc)
        language = lang if lang in LANGUAGES else detect_language(message) or default_language
        return [BotMessage(text=text("unavailable", language))]
