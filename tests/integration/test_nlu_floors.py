"""Floors under the engine's understanding, measured like `make eval` on data it never saw.

The floors sit a few points under the figures in bench/results/nlu.md, so that a change of
training data or pipeline cannot make the assistant worse without a failing test.
"""

from __future__ import annotations

import json

import pytest

from tests.integration.nlu_engine import run_nlu_eval

FLOORS = {
    "intent_accuracy": 0.92,
    "intent_macro_f1": 0.93,
    "partner_f1": 0.97,
    "course_topic_f1": 0.93,
    "clinc150_oos_test": 0.90,
    "xsid_nl_test": 0.96,
    "parse_p95_ms": 25.0,
}


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("nlu") / "nlu.json"
    run_nlu_eval("evaluate", "--out", str(out))
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
