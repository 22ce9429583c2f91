"""Runs bench/nlu_eval.py in the engine's environment against the trained model, for the tests
that check what the model understands."""

from __future__ import annotations

import os
import subprocess

import pytest

from bot.settings import PROJECT_ROOT

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"


def run_nlu_eval(command: str, *arguments: str) -> str:
    """The standard output of `nlu_eval.py <command> --model models <arguments>`."""
    if not RASA_PYTHON.exists() or not any((PROJECT_ROOT / "models").glob("*.tar.gz")):
        pytest.fail("no engine environment or trained model: run `make train` (make test does)")
    return subprocess.run(
        [str(RASA_PYTHON), str(PROJECT_ROOT / "bench" / "nlu_eval.py"), command,
         "--model", str(PROJECT_ROOT / "models"), *arguments],
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONWARNINGS": "ignore"},
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
