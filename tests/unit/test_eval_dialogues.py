"""The checks of `make eval-dialogues` (bench/eval_dialogues.py) on replies written by hand: a
check that cannot fail, or fails a right answer, would make its figures meaningless."""

from __future__ import annotations

from bench.eval_dialogues import Catalogue, check_turn, dialogue_catalogue


def catalogue() -> Catalogue:
    return Catalogue.of(dialogue_catalogue())


def message(text: str) -> dict:
    return {"text": text, "buttons": []}


def test_a_course_not_to_name_is_its_title_with_its_partner():
    turn = {"user": "molengeek web?", "expect": {"not_courses": ["becode-web-developer"]}}
    molengeek = message("• Coding School: web developer (MolenGeek, 26 weeks): next start …")
    problems, _ = check_turn(turn, [molengeek], "en", "en", None, catalogue())
    assert problems == []
    becode = message("• Web developer (BeCode, 30 weeks): next start …")
    problems, _ = check_turn(turn, [molengeek, becode], "en", "en", None, catalogue())
    assert problems == ["course becode-web-developer named"]


def test_a_reference_and_a_language_are_checked():
    turn = {"user": "yes", "expect": {"reference": True}}
    problems, _ = check_turn(
        turn, [message("Your reference: ACD-479")], "en", "en", None, catalogue()
    )
    assert problems == []
    problems, _ = check_turn(turn, [message("Ta référence : rien")], "fr", "en", None, catalogue())
    assert problems == ["no reference", "answered in fr"]
