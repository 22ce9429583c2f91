"""Entry point for uvicorn: `uvicorn --factory bot.web.asgi:app_from_env`."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from bot.settings import Settings
from bot.web.app import create_app


def app_from_env() -> FastAPI:
    settings = Settings.from_env()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # These libraries log request URLs (Telegram's carry the bot's token), API parameters,
    # websocket frames and SQL parameters, i.e. what people write: never below WARNING,
    # whatever LOG_LEVEL says.
    for chatty in (
        "httpx",
        "httpcore",
        "telegram",
        "websockets",
        "uvicorn.protocols",
        "sqlalchemy",
        "python_multipart",
        "multipart",
    ):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    return create_app(settings)
