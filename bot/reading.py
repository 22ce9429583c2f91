"""Reading a person's answers to the pre-registration questions, in FR/NL/EN.

Each reader returns the value, or None when the answer cannot be used; the form then explains
what it needs and asks again. Values are stored exactly as given once accepted.
"""

from __future__ import annotations

import re
import unicodedata

from bot.eligibility import is_brussels_postcode

MAX_NAME_LENGTH = 50

# Main postcode of each Brussels commune (and of the districts people name), in FR and NL.
BRUSSELS_POSTCODES = {
    "bruxelles": "1000", "brussel": "1000", "brussels": "1000", "laeken": "1020", "laken": "1020",
    "schaerbeek": "1030", "schaarbeek": "1030", "etterbeek": "1040", "ixelles": "1050",
    "elsene": "1050", "saint-gilles": "1060", "sint-gillis": "1060", "anderlecht": "1070",
    "molenbeek": "1080", "molenbeek-saint-jean": "1080", "sint-jans-molenbeek": "1080",
    "koekelberg": "1081", "berchem-sainte-agathe": "1082", "sint-agatha-berchem": "1082",
    "ganshoren": "1083", "jette": "1090", "neder-over-heembeek": "1120", "haren": "1130",
    "evere": "1140", "woluwe-saint-pierre": "1150", "sint-pieters-woluwe": "1150",
    "auderghem": "1160", "oudergem": "1160", "watermael-boitsfort": "1170",
    "watermaal-bosvoorde": "1170", "boitsfort": "1170", "uccle": "1180", "ukkel": "1180",
    "forest": "1190", "vorst": "1190", "woluwe-saint-lambert": "1200",
    "sint-lambrechts-woluwe": "1200", "saint-josse": "1210", "saint-josse-ten-noode": "1210",
    "sint-joost": "1210", "sint-joost-ten-node": "1210",
}  # fmt: skip

_NAME_PREFIX = re.compile(
    r"^(?:je m'?appelle|jm'?appelle|moi c'?est|moi c|c'?est|mon prenom c'?est|mon prenom est|"
    r"my name is|my name's|i am|i'm|im|call me|name:|ik heet|ik ben|mijn naam is|mijn voornaam is|"
    r"k heet|kheet)\s+",
    re.IGNORECASE,
)
_YES = {
    "oui", "ouais", "ouai", "wi", "yes", "yeah", "yep", "ja", "jep", "jazeker", "ok", "okay",
    "d'accord", "daccord", "dac", "akkoord", "sure", "bien sur", "evidemment", "tuurlijk",
    "inscrit", "inscrite", "ingeschreven", "registered",
}  # fmt: skip
_NO = {
    "non", "nan", "no", "nope", "nee", "neen", "niet", "pas inscrit", "pas inscrite",
    "niet ingeschreven", "not registered", "jamais", "never", "nooit",
}  # fmt: skip
_UNKNOWN = re.compile(
    r"\b(?:je ne sais pas|je sais pas|j'?sais pas|jsp|aucune idee|sais pas|pas sur|"
    r"don'?t know|dont know|not sure|no idea|idk|dunno|weet (?:het )?niet|geen idee|"
    r"weet ik niet|kweet nie|twijfel)\b"
)


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


def read_first_name(answer: str) -> str | None:
    """A first name in any script: letters, marks, spaces, - ' . ; 1 to 50 characters."""
    name = _NAME_PREFIX.sub("", unicodedata.normalize("NFC", answer.strip())).strip(" .!,")
    if not name or len(name) > MAX_NAME_LENGTH or len(name.split()) > 4:
        return None
    for ch in name:
        if ch in " -'’." or unicodedata.category(ch)[0] in ("L", "M"):
            continue
        return None
    return name


def read_age(answer: str, current_year: int) -> int | None:
    """An age in years ("19", "j'ai 19 ans", "ik ben 19") or a birth year ("2006")."""
    numbers = [int(n) for n in re.findall(r"\d+", answer)]
    if len(numbers) != 1:
        return None
    number = numbers[0]
    if 1900 < number <= current_year:
        number = current_year - number
    return number if 14 <= number <= 99 else None


def read_yes_no_unknown(answer: str) -> str | None:
    """ "yes", "no" or "unknown" from a free answer."""
    plain = _plain(answer).strip(" .!?")
    if _UNKNOWN.search(plain):
        return "unknown"
    if plain in _NO or re.match(r"^(?:non|nee|no|nope|niet|pas)\b", plain):
        return "no"
    if plain in _YES or re.match(r"^(?:oui|ouais|yes|yeah|ja|yep)\b", plain):
        return "yes"
    return None


def read_postcode(answer: str) -> str | None:
    """A Belgian postcode (4 digits), or the postcode of a Brussels commune named."""
    codes = re.findall(r"\b([1-9]\d{3})\b", answer)
    if len(codes) == 1:
        return codes[0]
    if codes:
        return None
    plain = _plain(answer)
    for name in sorted(BRUSSELS_POSTCODES, key=len, reverse=True):
        if re.search(rf"(?<![a-z-]){re.escape(name)}(?![a-z-])", plain):
            return BRUSSELS_POSTCODES[name]
    return None


def lives_in_brussels(postcode: str) -> bool:
    return is_brussels_postcode(int(postcode))
