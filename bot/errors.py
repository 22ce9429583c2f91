"""Describing an error for the logs without its message, which can quote what a person wrote."""

from __future__ import annotations

import traceback


def describe_error(exc: BaseException) -> str:
    """The kind of error and where it happened, without its message (which can quote input)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}{where}"
