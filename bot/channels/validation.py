"""What a client may send to the gateway, checked by hand so every refusal carries a reason a
person or a developer can read (a 4xx over HTTP, an error frame over the websocket)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from bot import LANGUAGES

MAX_BODY_BYTES = 32_000
MAX_TEXT_CHARS = 4_000
# One websocket frame: a message of MAX_TEXT_CHARS characters in JSON, with room to spare.
MAX_FRAME_BYTES = 16_384
SENDER = re.compile(r"[A-Za-z0-9_.:@-]{1,128}")
# Web conversations: ids the gateway issues (bot/identity.py).
WEB_CONVERSATION = re.compile(r"web-[A-Za-z0-9_-]{20,64}")
# Telegram conversations are addressed by chat id, which anyone can guess: only the Telegram
# channel may speak in them.
RESERVED_PREFIX = "telegram-"


class BadRequest(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class MessageRequest:
    sender: str
    text: str
    lang: str | None
    lang_hint: str | None
    source: str | None = None
    # A web conversation's token (bot/identity.py); integrations show an API key instead.
    token: str | None = None


async def read_body(chunks: AsyncIterator[bytes], declared: str | None, limit: int) -> bytes:
    """A request's body, refused (413) as soon as it passes `limit`: before reading anything
    when its declared length says so, else at the chunk that crosses it."""
    too_big = BadRequest(413, f"the request body is larger than {limit} bytes")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_big
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise too_big
    return bytes(body)


def parse_json_object(body: bytes | str, limit: int = MAX_BODY_BYTES) -> dict[str, Any]:
    raw = body.encode() if isinstance(body, str) else body
    if len(raw) > limit:
        raise BadRequest(413, f"the request body is larger than {limit} bytes")
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(400, "the request body is not valid UTF-8") from None
    try:
        data: Any = json.loads(decoded)
    except json.JSONDecodeError as exc:
        raise BadRequest(400, f"the request body is not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise BadRequest(400, "the request body is nested too deeply") from None
    except ValueError:
        # Python refuses to read an integer of more than 4,300 digits.
        raise BadRequest(400, "the request body holds a number too long to read") from None
    if not isinstance(data, dict):
        raise BadRequest(422, "the request body must be a JSON object")
    return data


def check_text(message: Any) -> str:
    if message is None:
        raise BadRequest(422, "'text' is missing")
    if not isinstance(message, str):
        raise BadRequest(422, "'text' must be a string")
    if not message.strip():
        raise BadRequest(422, "'text' is empty")
    if len(message) > MAX_TEXT_CHARS:
        raise BadRequest(413, f"'text' is longer than {MAX_TEXT_CHARS} characters")
    try:
        message.encode("utf-8")
    except UnicodeEncodeError:
        # JSON can carry half of a surrogate pair ("\ud800"), which is no character at all.
        raise BadRequest(422, "'text' is not valid Unicode") from None
    return message.strip()


# The same alphabet as Telegram's deep-link payloads, so a source means the same everywhere.
SOURCE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def check_language(value: Any, name: str) -> str | None:
    if value is not None and value not in LANGUAGES:
        raise BadRequest(422, f"'{name}' must be one of {', '.join(LANGUAGES)}")
    return value


def check_source(value: Any) -> str | None:
    """Where a conversation came from (a referral's `ref-<code>`, a campaign): a short token."""
    if value is None:
        return None
    if not isinstance(value, str) or not SOURCE.fullmatch(value):
        raise BadRequest(422, "'source' is 1-64 letters, digits, _ or -")
    return value


def check_web_conversation(value: Any) -> str:
    if not isinstance(value, str) or not WEB_CONVERSATION.fullmatch(value):
        raise BadRequest(422, "a conversation id is 'web-' and 20-64 letters, digits, _ or -")
    return value


def parse_message_request(body: bytes) -> MessageRequest:
    """Check a `POST /api/messages` body or raise BadRequest."""
    data = parse_json_object(body)
    sender = data.get("sender")
    if sender is None:
        raise BadRequest(422, "'sender' is missing")
    if not isinstance(sender, str) or not SENDER.fullmatch(sender):
        raise BadRequest(422, "'sender' must be 1-128 letters, digits or _ . : @ -")
    if sender.startswith(RESERVED_PREFIX):
        raise BadRequest(422, f"'sender' ids starting with {RESERVED_PREFIX} belong to Telegram")
    return MessageRequest(
        sender=sender,
        text=check_text(data.get("text")),
        lang=check_language(data.get("lang"), "lang"),
        lang_hint=check_language(data.get("lang_hint"), "lang_hint"),
        source=check_source(data.get("source")),
        token=data.get("token") if isinstance(data.get("token"), str) else None,
    )
