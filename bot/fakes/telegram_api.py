"""A local fake of the Telegram Bot API, speaking its HTTP/JSON protocol.

The gateway's python-telegram-bot Application is pointed at it with `base_url`, so the real
request, update and handler code runs. Tests play the people: they queue updates (which the bot
fetches with `getUpdates`, or which a test posts to the webhook) and read what the bot sent.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.runner import free_port

TOKEN = "123456:TEST-fake-token_for-offline-tests"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Guidance",
    "username": "guidance_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
# Parameters that Telegram receives as JSON inside form fields.
JSON_FIELDS = {"reply_markup", "allowed_updates", "commands", "entities", "link_preview_options"}


class ApiError(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code, self.description = code, description


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakeTelegram:
    """The Bot API of one bot, in a thread; thread-safe for the tests that drive it."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] = {}
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._failures: dict[str, list[tuple[int, str]]] = {}
        self.port = free_port()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """The value for python-telegram-bot's `base_url` (TELEGRAM_API_URL)."""
        return f"http://127.0.0.1:{self.port}/bot"

    # Running

    def start(self) -> FakeTelegram:
        app = Starlette(
            routes=[Route("/bot{token}/{method}", self._handle, methods=["GET", "POST"])]
        )
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("the fake Telegram API did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    # What people do

    def user(self, user_id: int, language_code: str | None) -> dict[str, Any]:
        person: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Sam"}
        if language_code:
            person["language_code"] = language_code
        return person

    def message_update(
        self, chat_id: int, text: str | None = None, language_code: str | None = "fr", **extra: Any
    ) -> dict[str, Any]:
        """An update as Telegram makes it for a private chat (commands carry their entity)."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Sam"},
            "from": self.user(chat_id, language_code),
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": next(self._update_ids), "message": message}

    def send_text(self, chat_id: int, text: str, language_code: str | None = "fr") -> None:
        self.queue(self.message_update(chat_id, text, language_code))

    def send_photo(self, chat_id: int, language_code: str | None = "fr") -> None:
        photo = [{"file_id": "photo-1", "file_unique_id": "u1", "width": 90, "height": 90}]
        self.queue(self.message_update(chat_id, None, language_code, photo=photo))

    def press(
        self, chat_id: int, message: dict[str, Any], data: str, language_code: str | None = "fr"
    ) -> None:
        """Press an inline button of a message the bot sent (as returned by `sent`)."""
        self.queue(
            {
                "update_id": next(self._update_ids),
                "callback_query": {
                    "id": f"cq-{next(self._message_ids)}",
                    "from": self.user(chat_id, language_code),
                    "chat_instance": f"ci-{chat_id}",
                    "data": data,
                    "message": message,
                },
            }
        )

    def queue(self, update: dict[str, Any]) -> None:
        with self._lock:
            self._pending.append(update)

    def fail_next(
        self, method: str, error_code: int = 400, description: str = "Bad Request"
    ) -> None:
        """The next call of `method` gets a Telegram error."""
        with self._lock:
            self._failures.setdefault(method, []).append((error_code, description))

    # What the bot did

    def calls_of(self, method: str, chat_id: int | None = None) -> list[Call]:
        with self._lock:
            return [
                call
                for call in self.calls
                if call.method == method
                and (chat_id is None or str(call.params.get("chat_id")) == str(chat_id))
            ]

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        """Messages sent to a chat, as Telegram returned them to the bot."""
        return [
            call.params["_result"]
            for call in self.calls_of("sendMessage", chat_id)
            if "_result" in call.params
        ]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError(f"the bot did not do what was expected within {timeout} s")

    def wait_for_messages(self, chat_id: int, count: int, timeout: float = 30.0) -> list[dict]:
        return self.wait_for(
            lambda: len(self.sent(chat_id)) >= count and self.sent(chat_id), timeout
        )

    # The protocol

    async def _handle(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != TOKEN:
            return _error(401, "Unauthorized")
        method = request.path_params["method"]
        try:
            params = await _params(request)
        except ClientDisconnect:
            # The bot stopped while its long poll was under way: nobody is left to answer.
            return _error(499, "Client Closed Request")
        with self._lock:
            failures = self._failures.get(method)
            failure = failures.pop(0) if failures else None
        if failure:
            self._record(method, params)
            return _error(*failure)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found")
        try:
            result = await handler(params)
        except ApiError as exc:
            self._record(method, params)
            return _error(exc.code, exc.description)
        params["_result"] = result
        self._record(method, params)
        return JSONResponse({"ok": True, "result": result})

    def _record(self, method: str, params: dict[str, Any]) -> None:
        with self._lock:
            self.calls.append(Call(method, params))

    async def _api_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        while True:
            with self._lock:
                self._pending = [u for u in self._pending if u["update_id"] >= offset]
                ready = self._pending[: int(params.get("limit") or 100)]
            if ready or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.02)

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = dict(params)
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {}
        return True

    async def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_sendChatAction(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        text = str(params.get("text", ""))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private", "first_name": "Sam"},
            "from": BOT_USER,
            "text": text,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        return {
            "message_id": int(params["message_id"]),
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private", "first_name": "Sam"},
            "from": BOT_USER,
            "text": "…",
        }


async def _params(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.json()
        return dict(body) if isinstance(body, dict) else {}
    # python-telegram-bot sends form-encoded fields when there is no file to upload.
    form = parse_qs((await request.body()).decode(), keep_blank_values=True)
    return {
        key: json.loads(values[-1]) if key in JSON_FIELDS else values[-1]
        for key, values in form.items()
    }


def _error(code: int, description: str) -> JSONResponse:
    return JSONResponse(
        {"ok": False, "error_code": code, "description": description}, status_code=code
    )
