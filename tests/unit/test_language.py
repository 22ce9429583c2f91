"""Guessing the language of a message and reading requests to switch."""

import pytest

from bot.language import SWITCH_MARGIN, detect_language, requested_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("bonjour", "fr"),
        ("c koi les conditions pr becode", "fr"),
        ("quelles formations existent en cybersécurité ?", "fr"),
        ("wanneer begint da", "nl"),
        ("welke opleidingen zijn er bij molengeek", "nl"),
        ("ik ben 23 en niet ingeschreven bij actiris", "nl"),
        ("what trainings are there", "en"),
        ("I'm 27 and live in Liège, can I do the BeCode course?", "en"),
        ("hi there", "en"),
        # A partner's name and a French-looking word do not make a Dutch question French.
        ("geeft digitalcity ook les in grafisch ontwerp?", "nl"),
        ("is the molengeek formation free", "en"),
    ],
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["ok", "becode", "?", "", "👍"])
def test_no_evidence_gives_no_language(text):
    assert detect_language(text) is None


@pytest.mark.parametrize("text", ["merci", "ça va", "oké merci", "sorry", "thanks"])
def test_a_few_words_of_another_language_do_not_switch_a_conversation(text):
    assert detect_language(text, margin=SWITCH_MARGIN) is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("en français stp", "fr"),
        ("parle francais", "fr"),
        ("kan het in het Nederlands?", "nl"),
        ("in het Engels aub", "en"),
        ("english please", "en"),
        ("can we speak dutch", "nl"),
        ("en flemish svp", "nl"),
        ("passe a l'anglais stp", "en"),
        ("i don't understand french, english please", "en"),
        ("english pls, i dont speak french", "en"),
        # The language the person has ("my Dutch") is no request for it.
        ("can we do english? my dutch is only from school", "en"),
    ],
)
def test_requested_language(text, lang):
    assert requested_language(text) == lang


def test_no_language_named_is_no_request():
    assert requested_language("hello") is None
    assert requested_language("I don't speak french") is None
