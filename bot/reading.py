"""Reading what people write, in FR/NL/EN: answers to the form's questions, and the facts about
themselves (age, Actiris registration, where they live) that they put in any message.

Each form reader returns the value, or None when the answer cannot be used; the form then
explains what it needs and asks again. Values are stored exactly as given once accepted.
"""

from __future__ import annotations

import re
import unicodedata

from bot.eligibility import PersonFacts

MAX_NAME_LENGTH = 50


def plain(text: str) -> str:
    """Lowercase, typographic apostrophes straightened, accents removed: "Liège" reads "liege"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# --------------------------------------------------------------------------- places

# The Brussels communes and the districts people name, in FR and NL, with their main postcode;
# None where the name covers several communes ("woluwe") or also names a place elsewhere
# ("berchem" is also in Antwerp): such a name says Brussels in a sentence, not which postcode.
BRUSSELS_PLACES: dict[str, str | None] = {
    "bruxelles": "1000", "brussel": "1000", "brussels": "1000", "bxl": "1000",
    "bruxelles-ville": "1000", "brussel-stad": "1000", "laeken": "1020", "laken": "1020",
    "schaerbeek": "1030", "schaarbeek": "1030", "etterbeek": "1040", "ixelles": "1050",
    "elsene": "1050", "saint-gilles": "1060", "sint-gillis": "1060", "anderlecht": "1070",
    "molenbeek": "1080", "molenbeek-saint-jean": "1080", "sint-jans-molenbeek": "1080",
    "koekelberg": "1081", "berchem-sainte-agathe": "1082", "sint-agatha-berchem": "1082",
    "berchem": None, "ganshoren": "1083", "jette": "1090", "neder-over-heembeek": "1120",
    "haren": "1130", "evere": "1140", "woluwe-saint-pierre": "1150",
    "sint-pieters-woluwe": "1150", "auderghem": "1160", "oudergem": "1160",
    "watermael-boitsfort": "1170", "watermaal-bosvoorde": "1170", "boitsfort": "1170",
    "uccle": "1180", "ukkel": "1180", "forest": "1190", "vorst": "1190",
    "woluwe-saint-lambert": "1200", "sint-lambrechts-woluwe": "1200", "woluwe": None,
    "saint-josse": "1210", "saint-josse-ten-noode": "1210", "sint-joost": "1210",
    "sint-joost-ten-node": "1210",
}  # fmt: skip
# Places people often name that are outside the Brussels-Capital Region.
OUTSIDE_BRUSSELS = frozenset(
    {
        *"""liege luik namur namen charleroi mons bergen antwerpen anvers antwerp gent gand ghent
        leuven louvain louvain-la-neuve wavre waver nivelles nijvel mechelen malines brugge
        bruges hasselt aalst alost vilvoorde vilvorde zaventem halle hal dilbeek tournai doornik
        verviers arlon ottignies kortrijk courtrai oostende ostende ostend genk lille paris
        amsterdam rotterdam wallonie wallonia walloni vlaanderen flandre flanders""".split(),
        "la louviere",
    }
)


def is_brussels_postcode(code: int) -> bool:
    return 1000 <= code <= 1210


def lives_in_brussels(postcode: str) -> bool:
    return is_brussels_postcode(int(postcode))


# --------------------------------------------------------------------------- the form's answers

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
# How the form stores the Actiris answer, and what it says for the eligibility rules.
ACTIRIS_ANSWERS: dict[str, bool | None] = {"yes": True, "no": False, "unknown": None}


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
    text = plain(answer).strip(" .!?")
    if _UNKNOWN.search(text):
        return "unknown"
    if text in _NO or re.match(r"^(?:non|nee|no|nope|niet|pas)\b", text):
        return "no"
    if text in _YES or re.match(r"^(?:oui|ouais|yes|yeah|ja|yep)\b", text):
        return "yes"
    return None


def read_postcode(answer: str) -> str | None:
    """A Belgian postcode (4 digits), or the postcode of a Brussels commune named."""
    codes = _POSTCODE.findall(answer)
    if len(codes) == 1:
        return str(codes[0])
    if codes:
        return None
    text = plain(answer)
    for name in sorted(BRUSSELS_PLACES, key=len, reverse=True):
        code = BRUSSELS_PLACES[name]
        if code and re.search(rf"(?<![a-z-]){re.escape(name)}(?![a-z-])", text):
            return code
    return None


def facts_from_answers(age: object, actiris: object, postcode: object) -> PersonFacts:
    """What the form's answers say for the eligibility rules; an answer not yet validated
    (still the raw text) counts as unknown."""
    return PersonFacts(
        age=int(age) if isinstance(age, int | float) else None,
        actiris_registered=ACTIRIS_ANSWERS.get(actiris) if isinstance(actiris, str) else None,
        lives_in_brussels=(
            lives_in_brussels(postcode)
            if isinstance(postcode, str) and postcode.isdigit() and len(postcode) == 4
            else None
        ),
    )


# --------------------------------------------------------------------------- facts in a message

_AGE_PATTERNS = [
    re.compile(r"\b(\d{1,2})\s*(?:ans|an|jaar|jr|years?|yrs?|yo|y/o)\b"),
    re.compile(r"\b(?:j'?\s?ai|jai|ik\s+ben|i\s*am|i'?m|im|age|agee?|leeftijd)\s*:?\s*(\d{1,2})\b"),
]
_BIRTH_YEAR = re.compile(r"\b(?:ne|nee|born|geboren)\s+(?:en\s+|in\s+)?(19[5-9]\d|20[0-2]\d)\b")
_POSTCODE = re.compile(r"\b([1-9]\d{3})\b")
_NOT_ACTIRIS = re.compile(
    r"(?:pas|plus|jamais|non|not|niet|geen|nog\s+niet|no)\b[^.?!]{0,30}\b(?:actiris|aktiris)"
    r"|(?:actiris|aktiris)\b[^.?!]{0,25}\b(?:non|pas|niet|not|no|nope|nee)\b"
    r"|\b(?:sans|without|zonder)\b[^.?!]{0,30}\b(?:actiris|aktiris)"
)
_REGISTERED = re.compile(
    r"\b(?:je\s+suis|jsuis|j\s+suis|chui|suis|i\s+am|i'?m|im|ik\s+ben|k\s*ben|ben)\s+"
    r"(?:deja\s+|already\s+|al\s+|bien\s+|wel\s+)?(?:inscrit|inscrite|registered|ingeschreven)"
)
_ASKING = re.compile(
    r"\b(?:faut|dois|doit|need|must|have\s+to|has\s+to|moet|moeten|verplicht|obligatoire|required)\b"
)
# A place counts as where the person lives only after words that say so.
_RESIDENCE = re.compile(
    r"\b(?:habite|habites|jhabite|habitant|vis|vit|jvis|reside|domicilie|viens\s+de|suis\s+de|live|living|"
    r"lives|from|based\s+in|woon|woont|wonen|woonachtig|kom\s+uit|ben\s+van)\b"
    r"((?:\s+[a-z'-]+){1,4})"
)


def _place_after_residence_cue(text: str) -> bool | None:
    for match in _RESIDENCE.finditer(text):
        words = match.group(1).split()
        for size in (3, 2, 1):
            for i in range(len(words) - size + 1):
                place = " ".join(words[i : i + size]).strip("'")
                if place in BRUSSELS_PLACES:
                    return True
                if place in OUTSIDE_BRUSSELS:
                    return False
    return None


def read_facts(message: str, *, current_year: int) -> PersonFacts:
    """Pick age, Actiris registration and residence out of a free-text message, in FR/NL/EN."""
    text = plain(message)
    age = None
    for pattern in _AGE_PATTERNS:
        match = pattern.search(text)
        if match and 10 <= int(match.group(1)) <= 99:
            age = int(match.group(1))
            break
    born = _BIRTH_YEAR.search(text)
    if age is None and born:
        age = current_year - int(born.group(1))

    actiris: bool | None = None
    if _NOT_ACTIRIS.search(text):
        actiris = False
    elif _REGISTERED.search(text) and not _ASKING.search(text):
        actiris = True

    in_brussels = _place_after_residence_cue(text)
    for match in _POSTCODE.finditer(text):
        if born and match.group(1) == born.group(1):
            continue
        in_brussels = is_brussels_postcode(int(match.group(1)))
    return PersonFacts(age=age, actiris_registered=actiris, lives_in_brussels=in_brussels)
