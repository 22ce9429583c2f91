"""Who may speak in a conversation: web conversations get an unguessable id from the server
and a token only the browser that asked holds; integrations calling the HTTP API show a key.

A token is an HMAC of the conversation id under the gateway's key (CONVERSATION_SECRET, or one
made once in var/): nothing to store, the same on every gateway sharing the key, and nobody can
make one for an id they merely know or guess.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

WEB_PREFIX = "web-"


def _sign(key: str, conversation_id: str) -> str:
    digest = hmac.new(key.encode(), conversation_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def new_web_conversation(key: str) -> tuple[str, str]:
    """A new web conversation: its id and the token that proves it is yours."""
    conversation_id = WEB_PREFIX + secrets.token_urlsafe(24)
    return conversation_id, _sign(key, conversation_id)


def token_for(key: str, conversation_id: str) -> str:
    """The token of a conversation id (for the server's own tools and tests)."""
    return _sign(key, conversation_id)


def holds(key: str, conversation_id: str, token: object) -> bool:
    """Whether `token` is the one issued with `conversation_id`."""
    if not isinstance(token, str) or not token:
        return False
    return hmac.compare_digest(token.encode(), _sign(key, conversation_id).encode())


def key_allowed(keys: tuple[str, ...], given: str | None) -> bool:
    """Whether an integration's API key (`Authorization: Bearer …`) is one of `keys`."""
    if not given or not given.lower().startswith("bearer "):
        return False
    offered = given[7:].strip().encode()
    # Every key compared, so the time taken says nothing about which one is close.
    return any([hmac.compare_digest(offered, key.encode()) for key in keys])
