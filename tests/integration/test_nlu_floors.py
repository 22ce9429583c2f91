"""Floors under the engine's understanding, measured like `make eval` on data it never saw.

The floors sit a few points under the figures in bench/results/nlu.md, so that a change of
training data or pipeline cannot make the assistant worse without a failing test.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from bot.settings import PROJECT_ROOT

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
FLOORS = {
    "intent_accuracy": 0.88,
    "intent_macro_f1": 0.90,
    "partner_f1": 0.97,
    "course_topic_f1": 0.90,
    "clinc150_oos_test": 0.90,
    "xsid_nl_test": 0.96,
    "parse_p95_ms": 25.0,
}


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    if not RASA_PYTHON.exists() or not any((PROJECT_ROOT / "models").glob("*.tar.gz")):
        pytest.fail("no engine environment or trained model: run `make train` (make test does)")
    out = tmp_path_factory.mktemp("nlu") / "nlu.json"
    subprocess.run(
        [str(RASA_PYTHON), str(PROJECT_ROOT / "bench" / "nlu_eval.py"), "evaluate",
         "--model", str(PROJECT_ROOT / "models"), "--out", str(out)],
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONWARNINGS": "ignore"},
        check=True, capture_output=True,
    )  # fmt: skip
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_intents_and_entities_stay_above_their_floors(report, language):
    figures = report["languages"][language]
    assert figures["intent_accuracy"] >= FLOORS["intent_accuracy"], figures["confusions"][:5]
    assert figures["intent_macro_f1"] >= FLOORS["intent_macro_f1"]
    assert figures["entities"]["partner"]["f1"] >= FLOORS["partner_f1"]
    assert figures["entities"]["course_topic"]["f1"] >= FLOORS["course_topic_f1"]


@pytest.mark.parametrize("dataset", ["clinc150_oos_test", "xsid_nl_test"])
def test_out_of_scope_is_declined(report, dataset):
    assert report["out_of_scope"][dataset]["rejection"] >= FLOORS[dataset]


def test_parsing_is_fast(report):
    assert report["parse_ms"]["p95"] <= FLOORS["parse_p95_ms"]
