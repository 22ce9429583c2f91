"""Telegram: python-telegram-bot inside the gateway, talking through the one conversation pipeline.

Long polling by default (works on a laptop with no public address), a webhook when
TELEGRAM_WEBHOOK_URL is set. Buttons become inline keyboards whose presses are answered and sent
on as the button's payload; deep links (`/start <payload>`) are kept with the conversation as its
source; long replies are split at paragraph boundaries; python-telegram-bot's rate limiter keeps
the bot within Telegram's limits and one error handler keeps it running.
"""

from __future__ import annotations

import asyncio
import html
import logging
import secrets
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any
from urllib.parse import urlparse

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import LANGUAGES
from bot.channels.chat_memory import ChatMemory
from bot.channels.validation import SOURCE
from bot.engine_client import BotMessage, EngineClient
from bot.errors import describe_error
from bot.i18n import text
from bot.lease import Lease
from bot.pipeline import conversation_tag, converse
from bot.rate_limits import RateLimits
from bot.relay import Relay
from bot.settings import Settings

logger = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096  # Telegram counts UTF-16 code units
DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
# Telegram shows "typing…" for 5 seconds; renew it a little before.
TYPING_EVERY_SECONDS = 4.5
# Commands turned into the engine's intents, so their answers come from the actions.
COMMAND_INTENTS = {"help": "/ask_help", "language": "/change_language", "stop": "/stop"}
NOT_TEXT = (
    filters.PHOTO
    | filters.Sticker.ALL
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.Document.ALL
    | filters.LOCATION
    | filters.VENUE
    | filters.CONTACT
    | filters.POLL
    | filters.Dice.ALL
)

Context = ContextTypes.DEFAULT_TYPE


def telegram_language(language_code: str | None) -> str:
    """The person's language from their Telegram app's (fr-BE → fr); English otherwise."""
    code = (language_code or "").split("-")[0].lower()
    return code if code in LANGUAGES else "en"


def conversation_id(chat_id: int) -> str:
    return f"telegram-{chat_id}"


def chat_of(conversation: str) -> int | None:
    """The chat id of a Telegram conversation id, None for another channel's."""
    prefix, _, number = conversation.partition("-")
    try:
        return int(number) if prefix == "telegram" else None
    except ValueError:
        return None


def _units(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2


def _cut(paragraph: str, limit: int) -> int:
    """Where to cut a paragraph longer than `limit`: at a line break, else a space."""
    end = min(len(paragraph), limit)
    while _units(paragraph[:end]) > limit:
        end -= 1
    for separator in ("\n", " "):
        position = paragraph.rfind(separator, 0, end)
        if position > end // 2:
            return position
    return end


def split_message(message: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pieces of at most `limit` that Telegram accepts, cut between paragraphs where possible."""
    parts: list[str] = []
    current = ""
    for paragraph in message.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if _units(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while _units(paragraph) > limit:
            cut = _cut(paragraph, limit)
            parts.append(paragraph[:cut].rstrip())
            paragraph = paragraph[cut:].lstrip()
        current = paragraph
    if current:
        parts.append(current)
    return parts or [""]


def merge_replies(messages: list[BotMessage]) -> list[BotMessage]:
    """One Telegram message per reply: Rasa's REST channel cuts an answer at every blank line,
    which would arrive as a burst of small messages; a message with buttons ends a group."""
    merged: list[BotMessage] = []
    texts: list[str] = []
    for message in messages:
        texts.append(message.text)
        if message.buttons:
            merged.append(BotMessage("\n\n".join(texts), message.buttons))
            texts = []
    if texts:
        merged.append(BotMessage("\n\n".join(texts)))
    return merged


# A phone shows about this many characters across a keyboard row.
ROW_CHARACTERS = 28
ROW_BUTTONS = 3


def phone_rows(titles: list[str]) -> list[list[int]]:
    """Buttons laid out in rows that fit a phone: short ones side by side ("Yes" "No"), long
    ones alone, in their order."""
    rows: list[list[int]] = []
    width = 0
    for index, title in enumerate(titles):
        size = len(title) + 4  # a button's padding
        if rows and len(rows[-1]) < ROW_BUTTONS and width + size <= ROW_CHARACTERS:
            rows[-1].append(index)
            width += size
        else:
            rows.append([index])
            width = size
    return rows


class TelegramChannel:
    """The bot: built from the settings, started and stopped with the gateway."""

    # A gateway that died while polling is replaced by another within about this long.
    POLLING_LEASE_SECONDS = 15.0

    def __init__(
        self,
        settings: Settings,
        engine: EngineClient,
        relay: Relay | None = None,
        rate_limits: RateLimits | None = None,
    ):
        self.settings = settings
        self.engine = engine
        self.relay = relay
        self.rate_limits = rate_limits
        # Registered with the webhook at each start; the same for every gateway, so any of
        # them accepts an update (TELEGRAM_WEBHOOK_SECRET, else one kept in var/).
        self.webhook_secret = settings.telegram_webhook_key()
        # Behind several gateways, one of them polls: the holder of this lease (REDIS_URL).
        self._lease = (
            Lease(settings.redis_url, "telegram-polling", self.POLLING_LEASE_SECONDS)
            if settings.redis_url and not self.uses_webhook
            else None
        )
        self._leasing: asyncio.Task[None] | None = None
        self.memory = ChatMemory(
            settings.redis_url,
            settings.conversation_key(),
            settings.conversation_retention_days * 86400,
        )
        self._chat_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        builder = (
            Application.builder()
            .token(settings.telegram_token)
            .base_url(settings.telegram_api_url)
            .rate_limiter(AIORateLimiter(max_retries=2))
            # Chats are answered in parallel; each chat's own messages stay in order (_chat_lock).
            .concurrent_updates(64)
        )
        if self.uses_webhook:
            builder = builder.updater(None)
        self.application = builder.build()
        self.application.add_handler(CommandHandler("start", self.on_start))
        for command in COMMAND_INTENTS:
            self.application.add_handler(CommandHandler(command, self.on_command))
        self.application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self.on_text))
        self.application.add_handler(MessageHandler(filters.COMMAND, self.on_command))
        self.application.add_handler(CallbackQueryHandler(self.on_button))
        self.application.add_handler(MessageHandler(NOT_TEXT, self.on_not_text))
        self.application.add_error_handler(self.on_error)

    @property
    def username(self) -> str | None:
        """The bot's @username, known once started (for t.me links)."""
        try:
            return self.application.bot.username
        except RuntimeError:  # not initialised yet
            return None

    @property
    def uses_webhook(self) -> bool:
        return bool(self.settings.telegram_webhook_url)

    @staticmethod
    def webhook_path_of(settings: Settings) -> str:
        """The gateway's route for updates: the path of TELEGRAM_WEBHOOK_URL."""
        return urlparse(settings.telegram_webhook_url).path or DEFAULT_WEBHOOK_PATH

    async def start(self) -> None:
        await self.application.initialize()
        bot = self.application.bot
        if self.uses_webhook:
            await bot.set_webhook(
                self.settings.telegram_webhook_url,
                secret_token=self.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        elif self._lease is None:
            assert self.application.updater is not None
            await self.application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        await self.application.start()
        if self._lease is not None:
            self._leasing = asyncio.create_task(self._poll_while_leased(self._lease))
        for lang in LANGUAGES:
            commands = [BotCommand(name, text(f"command_{name}", lang)) for name in COMMAND_INTENTS]
            # English is also the menu of every other language.
            with suppress(TelegramError):
                await bot.set_my_commands(commands, language_code=None if lang == "en" else lang)

    @property
    def polls(self) -> bool:
        """Whether this gateway receives the updates by long polling now."""
        updater = self.application.updater
        return updater is not None and updater.running

    async def _poll_while_leased(self, lease: Lease) -> None:
        """Poll while this gateway holds the lease; stop when it is lost, so two gateways never
        take the same updates. The others still send (counsellors' replies, notices)."""
        assert self.application.updater is not None
        while True:
            try:
                held = await lease.holds()
                if held and not self.polls:
                    await self.application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
                    logger.info("Telegram: this gateway polls (it holds the lease)")
                elif not held and self.polls:
                    await self.application.updater.stop()
                    logger.info("Telegram: polling handed over (the lease went to another)")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.error("Telegram polling lease: %s", describe_error(exc))
            await asyncio.sleep(lease.ttl_ms / 3000)

    async def stop(self) -> None:
        if self._leasing is not None:
            self._leasing.cancel()
            with suppress(BaseException):
                await self._leasing
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        if self._lease is not None:
            await self._lease.release()
        await self.memory.aclose()

    async def feed_webhook(self, data: dict[str, Any]) -> bool:
        """Queue one update received by the webhook; False when it is not an update."""
        try:
            update = Update.de_json(data, self.application.bot)
        except (TypeError, KeyError, AttributeError, ValueError):
            # What python-telegram-bot raises for a body that only looks like an update.
            return False
        if update is None or not isinstance(update.update_id, int):
            return False
        await self.application.update_queue.put(update)
        return True

    # Handlers

    async def on_start(self, update: Update, context: Context) -> None:
        """`/start [payload]`: greet; a deep link's payload becomes the conversation's source."""
        payload = context.args[0] if context.args else None
        source = payload if payload and SOURCE.fullmatch(payload) else None
        await self._converse(update, context, "/greet", source=source)

    async def on_command(self, update: Update, context: Context) -> None:
        """/help, /language, /stop as the engine's intents; an unknown command gets the help."""
        message = update.effective_message
        command = (message.text or "").split()[0].lstrip("/").split("@")[0] if message else ""
        await self._converse(update, context, COMMAND_INTENTS.get(command, "/ask_help"))

    async def on_text(self, update: Update, context: Context) -> None:
        """A question or an answer, sent to the engine as written."""
        message = update.effective_message
        if message and message.text:
            await self._converse(update, context, message.text)

    async def on_button(self, update: Update, context: Context) -> None:
        """A button of the latest reply: answered, its keyboard removed, its payload sent on.
        A button of an older reply is only answered, with a notice."""
        query = update.callback_query
        if query is None:
            return
        token, _, index = (query.data or "").partition(":")
        chat = update.effective_chat
        # Spent at once: a second press of the same keyboard, handled concurrently here or on
        # another gateway, finds it gone.
        payloads = await self.memory.spend(chat.id, token) if chat else None
        valid = payloads is not None and index.isdigit() and int(index) < len(payloads)
        # A query can be too old to answer (after a restart) and its message too old to edit
        # (python-telegram-bot raises TypeError then): neither must cost the person the press.
        with suppress(TelegramError):
            await query.answer(
                None if valid else text("button_expired", await self._language(update))
            )
        with suppress(TelegramError, TypeError):
            await query.edit_message_reply_markup(reply_markup=None)
        if valid and payloads is not None:
            await self._converse(update, context, payloads[int(index)])

    async def on_not_text(self, update: Update, context: Context) -> None:
        """Photos, stickers, voice, files, places: the assistant reads text only."""
        if update.effective_message:
            await update.effective_message.reply_text(
                text("only_text", await self._language(update))
            )

    async def on_error(self, update: object, context: Context) -> None:
        """The one error handler: log the kind of error (never the update), tell the person."""
        error = context.error or Exception("unknown")
        logger.error("telegram update failed: %s", describe_error(error))
        if isinstance(update, Update) and update.effective_chat:
            with suppress(Exception):
                await context.bot.send_message(
                    update.effective_chat.id, text("unavailable", await self._language(update))
                )

    # Conversation

    async def _converse(
        self, update: Update, context: Context, message: str, source: str | None = None
    ) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        user = update.effective_user
        hint = telegram_language(user.language_code if user else None)
        conversation = conversation_id(chat.id)
        if self.rate_limits is not None and await self.rate_limits.check(None, conversation):
            # The chat is the conversation (its address is Telegram's servers).
            await context.bot.send_message(chat.id, text("slow_down", await self._language(update)))
            return
        lock = self._chat_locks.setdefault(chat.id, asyncio.Lock())
        async with lock:
            async with self._typing(context, chat.id):
                reply = await converse(
                    self.engine,
                    self.settings,
                    conversation,
                    message,
                    lang_hint=hint,
                    source=source,
                    relay=self.relay,
                )
            if reply.language:
                await self.memory.remember_language(chat.id, reply.language)
            await self._send(chat.id, reply.messages)
        if source:
            logger.info("conversation %s started from a deep link", conversation_tag(conversation))

    async def _send(self, chat_id: int, messages: list[BotMessage]) -> None:
        keyboards: dict[str, list[str]] = {}
        outgoing: list[tuple[str, InlineKeyboardMarkup | None]] = []
        for message in merge_replies(messages):
            markup = None
            if message.buttons:
                token = secrets.token_hex(4)
                keyboards[token] = [button.payload for button in message.buttons]
                markup = InlineKeyboardMarkup(
                    [
                        [
                            InlineKeyboardButton(
                                message.buttons[index].title, callback_data=f"{token}:{index}"
                            )
                            for index in row
                        ]
                        for row in phone_rows([button.title for button in message.buttons])
                    ]
                )
            if message.text.strip() or markup is not None:
                outgoing.append((message.text, markup))
        # Kept before they are shown, so a quick press finds them.
        await self.memory.keep_keyboards(chat_id, keyboards)
        for message_text, markup in outgoing:
            await self._send_text(chat_id, message_text, markup)

    async def _send_text(
        self, chat_id: int, message: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        # Telegram refuses an empty message; a keyboard still needs one to hang on.
        parts = [part for part in split_message(message) if part.strip()] or ["…"]
        for number, part in enumerate(parts, start=1):
            await self.application.bot.send_message(
                chat_id,
                html.escape(part, quote=False),
                parse_mode=ParseMode.HTML,
                reply_markup=markup if number == len(parts) else None,
            )

    async def push(self, conversation: str, messages: list[BotMessage]) -> bool:
        """Send a counsellor's (or a handoff notice's) messages to the person's chat, outside
        any update of theirs; buttons are left out (no keyboard of theirs is waiting)."""
        chat = chat_of(conversation)
        if chat is None:
            return False
        lock = self._chat_locks.setdefault(chat, asyncio.Lock())
        async with lock:
            for message in messages:
                if message.text.strip():
                    await self._send_text(chat, message.text)
        return True

    @asynccontextmanager
    async def _typing(self, context: Context, chat_id: int) -> AsyncIterator[None]:
        async def keep_typing() -> None:
            while True:
                with suppress(TelegramError):
                    await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
                await asyncio.sleep(TYPING_EVERY_SECONDS)

        task = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def _language(self, update: Update) -> str:
        """The conversation's language as the engine last said it, else the person's app's."""
        chat = update.effective_chat
        known = await self.memory.language(chat.id) if chat else None
        if known in LANGUAGES:
            return str(known)
        user = update.effective_user
        return telegram_language(user.language_code if user else None)
