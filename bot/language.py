"""Which of French, Dutch and English a message is written in, and requests to switch.

A small offline heuristic: common function words and chat spellings of each language are
counted; the clear winner is the language, a tie or no evidence is None.
"""

from __future__ import annotations

import re

from bot import LANGUAGES
from bot.reading import plain

_MARKERS: dict[str, frozenset[str]] = {
    "fr": frozenset(
        """je j tu il elle on nous vous ils les le la des du de un une et est es suis sont pour pas
        ne avec dans sur quoi quel quelle quels quelles comment combien quand ou qui que qu c ca
        ce cette mon ma mes ton ta tes formation formations bonjour salut merci oui non stp svp
        peux peut faut veux voudrais ai as avez ans habite inscrit inscrite gratuit commence
        prochaine coute cours aussi mais parce chez moi toi koi jsuis chui slt bjr pr ptn wsh
        cest jai jveux jpeux sais jsp dois etre avoir faire d l au aux ya""".split()
    ),
    "nl": frozenset(
        """ik je jij u hij zij we wij jullie de het een en is ben zijn voor niet met in op wat
        welke hoe hoeveel wanneer waar wie dat die deze dit mijn jouw opleiding opleidingen
        cursus hallo hoi dag dank bedankt ja nee kan kun kunnen moet wil zou heb hebt jaar woon
        ingeschreven gratis begint volgende kost ook maar omdat bij mij mag graag aub
        alsjeblieft da wa kzou kheb kben ge gij zijt nie ni goeiedag dankje dankjewel waarom der
        er van naar nog al om te""".split()
    ),
    "en": frozenset(
        """i you he she we they the a an and is am are for not no with in on what which how much
        many when where who that this these my your training trainings course courses hello hi
        hey thanks thank yes can could should must want would have has years old live registered
        free start starts next cost also but because at me please pls do does did to of it its
        im i'm dont can't cant there about get any""".split()
    ),
}
# Words that belong to one language only weigh more than words shared across languages.
_SHARED = frozenset(
    w for w in set().union(*_MARKERS.values()) if sum(w in words for words in _MARKERS.values()) > 1
)

_SWITCH_TARGETS: dict[str, tuple[str, ...]] = {
    "fr": ("francais", "french", "frans", "franse", "fr"),
    "nl": (
        "nederlands",
        "neerlandais",
        "dutch",
        "vlaams",
        "flamand",
        "flemish",
        "nl",
        "neerlandophone",
    ),
    "en": ("anglais", "english", "engels", "en anglais", "eng", "en"),
}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+(?:'[a-z]+)?", plain(text))


def language_scores(text: str) -> dict[str, float]:
    scores = dict.fromkeys(LANGUAGES, 0.0)
    for word in _words(text):
        for part in word.split("'"):
            for lang, markers in _MARKERS.items():
                if part in markers:
                    scores[lang] += 0.5 if part in _SHARED else 1.0
    return scores


def detect_language(text: str, *, margin: float = 1.0) -> str | None:
    """The language of `text` when one leads the others by `margin`, else None."""
    scores = language_scores(text)
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top - second >= margin:
        return best
    return None


_NEGATIONS = frozenset("not dont doesnt cant no pas niet geen nie ni never jamais".split())


def requested_language(text: str) -> str | None:
    """The language a person asks to continue in ("en français stp", "in English please").

    Languages named after a negation ("I don't speak French") are not requests; when several
    remain, the last one named wins ("french is hard for me, english please").
    """
    words = _words(text)
    named: list[str] = []
    for index, word in enumerate(words):
        for part in word.split("'"):  # "l'anglais"
            for lang, names in _SWITCH_TARGETS.items():
                if len(part) > 2 and part in names:
                    before = {w.replace("'", "") for w in words[max(index - 2, 0) : index]}
                    if not before & _NEGATIONS:
                        named.append(lang)
    return named[-1] if named else None
