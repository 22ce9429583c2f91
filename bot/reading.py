"""Reading what people write, in FR/NL/EN: answers to the form's questions, and the facts about
themselves (age, Actiris registration, where they live) that they put in any message.

Each form reader returns the value, or None when the answer cannot be used; the form then
explains what it needs and asks again. Values are stored exactly as given once accepted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.eligibility import PersonFacts

MAX_NAME_LENGTH = 50


def plain(text: str) -> str:
    """Lowercase, typographic apostrophes straightened, accents removed: "Liège" reads "liege"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (a swap of two neighbours counts one), or limit + 1 as soon
    as it is sure to exceed limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


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
_YES = frozenset(
    """oui ouais ouai wi ui yes yeah yea yep yup ya ye ja jaja jep jazeker ok okay oke okey
    d'accord daccord dac akkoord sure certainement evidemment tuurlijk natuurlijk zeker klopt
    correct correcte exact exacte exactement inderdaad right absolutely grave carrement vasy
    go goed prima top parfait perfect nickel affirmatif inscrit inscrite ingeschreven
    registered confirme confirmer confirm confirmed bevestig bevestigen juste oki okido okidoki
    cbon parfaitement""".split()
)
_YES_PHRASES = re.compile(
    r"\b(?:bien\s+sur|c'?est\s+bon|c\s+bon|c'?est\s+ca|c'?est\s+juste|ca\s+marche|vas[\s-]y|that'?s\s+"
    r"right|dat\s+klopt|of\s+course|je\s+suis\s+d'?accord|i\s+agree|i\s+do)\b"
)
_NO = frozenset("non nan nn no nope nah na nee neen niet nie ni jamais never nooit".split())
_NO_PHRASES = re.compile(
    r"^(?:pas\s+du\s+tout|not\s+at\s+all|helemaal\s+niet|no\s+way|absolument\s+pas|pas\s+"
    r"d'?accord)\b|\b(?:pas|plus|not|niet|nog\s+niet)\s+(?:encore\s+|yet\s+)?(?:inscrit|inscrite|"
    r"registered|ingeschreven)\b|\b(?:denk\s+het\s+niet|denk\s+van\s+niet|je\s+(?:ne\s+)?crois\s+pas|"
    r"je\s+(?:ne\s+)?pense\s+pas|i\s+don'?t\s+think\s+so)\b"
)
_UNKNOWN = re.compile(
    r"\b(?:je ne sais pas|je sais pas|j'?sais pas|jsp|aucune idee|sais pas|pas sur|pas sure|"
    r"chais pas|chai pas|ch'?sais pas|chepa|chaipas|sais plus|je ne sais plus|"
    r"don'?t know|dont know|do not know|not sure|no idea|idk|dunno|don'?t remember|"
    r"weet (?:het )?(?:\w+ )?ni(?:e|et)?|geen idee|weet ik (?:\w+ )?ni(?:e|et)?|"
    r"k ?weet (?:het )?(?:\w+ )?ni(?:e|et)?|weet ik veel|niet zeker|nie zeker|twijfel)\b"
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


_UNITS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7,
    "eight": 8, "nine": 9, "een": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
    "zeven": 7, "acht": 8, "negen": 9,
}  # fmt: skip
_TEENS = {
    "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "tien": 10, "elf": 11,
    "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15, "zestien": 16, "zeventien": 17,
    "achttien": 18, "negentien": 19,
}  # fmt: skip
_TENS = {
    "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "twintig": 20, "dertig": 30,
    "veertig": 40, "vijftig": 50, "zestig": 60,
}  # fmt: skip
_DUTCH_COMPOUND = re.compile(rf"^({'|'.join(_UNITS)})en({'|'.join(_TENS)})$")


def number_in_words(text: str) -> int | None:
    """A number from 1 to 69 written in words in French, Dutch or English ("vingt-deux",
    "dix-huit", "twenty one", "tweeëntwintig"), else None."""
    tokens = [t for t in re.findall(r"[a-z]+", plain(text)) if t not in ("et", "and")]
    total, seen = 0, False
    for token in tokens:
        compound = _DUTCH_COMPOUND.match(token)
        if compound:
            return _UNITS[compound.group(1)] + _TENS[compound.group(2)]
        if token in _TENS:
            total, seen = total + _TENS[token], True
        elif token in _TEENS:  # "dix-huit" is dix, then huit
            total, seen = total + _TEENS[token], True
        elif token in _UNITS:
            total, seen = total + _UNITS[token], True
        elif seen:
            break
    return total if seen else None


def read_age(answer: str, current_year: int) -> int | None:
    """An age in years ("19", "j'ai 19 ans", "ik ben 19", "vingt-deux") or a birth year
    ("2006")."""
    numbers = [int(n) for n in re.findall(r"\d+", answer)]
    if not numbers:
        in_words = number_in_words(answer)
        numbers = [in_words] if in_words is not None else []
    if len(numbers) != 1:
        return None
    number = numbers[0]
    if 1900 < number <= current_year:
        number = current_year - number
    return number if 14 <= number <= 99 else None


def read_yes_no_unknown(answer: str) -> str | None:
    """ "yes", "no" or "unknown" from a free answer ("ouiii", "nah", "ja da's goe", "not
    registered", "je sais pas")."""
    text = plain(answer).strip(" .!?")
    if _UNKNOWN.search(text):
        return "unknown"
    first = [_squeezed(w) for w in re.findall(r"[a-z']+", text)[:3]]
    if _NO_PHRASES.search(text) or (first and first[0] & _NO):
        return "no"
    if _YES_PHRASES.search(text) or any(words & _YES for words in first):
        return "yes"
    return None


_CONFIRMS = re.compile(
    r"\b(?:confirm\w*|bevestig\w*|correct\w*|klopt|juist|exact\w*|c'?est\s+bon|c\s+bon|"
    r"all\s+good|looks\s+good|that'?s\s+right|send\s+it|envoie|verstuur|c'?est\s+juste|"
    r"parfait|perfect|nickel|dat\s+is\s+goed|yes|oui|ja|yeah|yep|"
    r"(?:it'?s|its|is|c'?est|da'?s)\s+(?:good|goed|bon|ok|oke|okay|juste))\b"
)
_NOT_RIGHT = re.compile(r"\b(?:not|pas|niet|nie|no|non|nee|wrong|faux|fout)\b")


def confirms(answer: str) -> bool:
    """A yes to "is this right?", anywhere in the answer ("now it is correct, I confirm")."""
    text = plain(answer)
    if read_yes_no_unknown(answer) == "yes":
        return not _NOT_RIGHT.search(text)
    return bool(_CONFIRMS.search(text)) and not _NOT_RIGHT.search(text)


def _squeezed(word: str) -> set[str]:
    """A word as typed, and with its repeated letters cut to two and to one ("ouiii", "neeee")."""
    return {word, re.sub(r"(.)\1{2,}", r"\1\1", word), re.sub(r"(.)\1+", r"\1", word)}


def read_postcode(answer: str) -> str | None:
    """A Belgian postcode (4 digits), or the postcode of a Brussels commune named."""
    codes = _POSTCODE.findall(answer)
    if len(codes) == 1:
        return str(codes[0])
    if codes:
        return None
    # "Saint Gilles", "st-gilles": the commune however its words are joined.
    text = re.sub(r"\bst\b", "saint", plain(answer).replace("-", " "))
    for name in sorted(BRUSSELS_PLACES, key=len, reverse=True):
        code = BRUSSELS_PLACES[name]
        spaced = name.replace("-", " ")
        if code and re.search(rf"(?<![a-z-]){re.escape(spaced)}(?![a-z-])", text):
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
    re.compile(
        r"\b(?:j'?\s?ai|jai|ik\s+ben|k\s?ben|ben\s+ik|i\s*am|i'?m|im|age|agee?|leeftijd)\s*:?\s*"
        r"(\d{1,2})\b"
    ),
    # A young person "of 24": "een jongeman van 24", "un jeune de 19", "a young man of 20",
    # "a young man, 26, lives in…", "une cliente âgée de 19".
    re.compile(
        r"\b(?:jongeman|jongen|meisje|jongere|jeune|garcon|fille|homme|femme|client|cliente|"
        r"young\s+(?:man|woman|person|guy|lady)|man|woman|guy|boy|girl)\s*(?:van|de|d'|of|aged|"
        r"agee?\s+de|,)\s*(\d{2})\b(?!\s*(?:euro|eur|%|h\b|weeks?|weken|semaines?|mois|months?))"
    ),
    # "A young man I follow is 19", "ben 16": an age without the usual words.
    re.compile(
        r"\b(?:is|est|a)\s+(\d{2})\b(?!\s*(?:euro|eur|%|h\b|uur|heures?|hours?|weeks?|weken|"
        r"semaines?|mois|months?|maanden|places?|plaatsen|seats?))"
    ),
    re.compile(r"\bben\s+(\d{2})\b(?!\s*(?:euro|eur|%|uur|weken|maanden|plaatsen|keer|x\b))"),
    # "I just turned 18", "je viens d'avoir 18", "ik ben net 18 geworden".
    re.compile(
        r"\b(?:turned|viens\s+d'\s?avoir|vient\s+d'\s?avoir|net)\s+(\d{1,2})\b(?!\s*(?:euro|eur|%|h\b))"
    ),
    # An age set off among other facts: "not with actiris, 19, from ixelles", "19, 1080".
    re.compile(r"(?:^|[,;]\s*)(\d{2})\s*[,;]"),
    re.compile(r"[,;]\s*(\d{2})\s*$"),
    # Someone else's age: "my son is 17", "elle a 16", "ze is 18", "she's 19".
    re.compile(
        r"\b(?:fils|fille|frere|soeur|cousin|cousine|son|daughter|brother|sister|kid|child|zoon|"
        r"dochter|broer|zus|zuster|kind|il|elle|he|she|hij|zij|ze)\s*(?:'s|\s+is|\s+a|\s+est|"
        r"\s+heeft|\s+has|\s+turned|\s+turns|\s+wordt|\s+werd|\s+a\s+eu|\s+vient\s+d'avoir)\s+"
        r"(?:just\s+|juste\s+|net\s+|pas\s+encore\s+)?(\d{1,2})\b"
    ),
]
# Words saying the person writes for someone else ("my son", "ma fille", "mijn dochter").
_FOR_SOMEONE_ELSE = re.compile(
    r"\b(?:mon|ma|my|mijn|m'n|notre|our|onze)\s+(?:fils|fille|frere|soeur|cousin|cousine|neveu|"
    r"niece|ami|amie|pote|son|daughter|brother|sister|friend|nephew|kid|child|client|cliente|"
    r"zoon|dochter|broer|zus|neef|nicht|vriend|vriendin|kind)\b"
)
_BIRTH_YEAR = re.compile(r"\b(?:ne|nee|born|geboren)\s+(?:en\s+|in\s+)?(19[5-9]\d|20[0-2]\d)\b")
_POSTCODE = re.compile(r"\b([1-9]\d{3})\b")
# A number that looks like a year is a postcode only when said to be one.
_POSTCODE_CUE = re.compile(r"\b(?:code\s+postal|postcode|zip|cp|postnummer)\b")
_LOOKS_LIKE_A_YEAR = range(1950, 2036)
# Not registered: a negation before "Actiris" or "registered" ("pas inscrit", "not at
# actiris", "nie ingeschreven"), or after it ("actiris non"), which a plain "registered" overrides
# ("ingeschreven bij actiris hoor, ben pas verhuisd": Dutch "pas" is "just").
_NOT_ACTIRIS = re.compile(
    r"(?:pas|plus|jamais|non|not|niet|nie|ni|geen|nog\s+niet|no|nah|nope)\b[^.?!]{0,30}\b(?:actiris|aktiris)"
    r"|\b(?:sans|without|zonder)\b[^.?!]{0,30}\b(?:actiris|aktiris)"
    r"|\b(?:pas|not|niet|nie|nog\s+niet|never|jamais)\s+(?:encore\s+|yet\s+|meer\s+)?"
    r"(?:inscrit|inscrite|registered|ingeschreven)\b"
)
_ACTIRIS_THEN_NO = re.compile(
    r"(?:actiris|aktiris)\b[^.?!]{0,25}\b(?:non|pas|niet|not|no|nope|nee)\b"
)
_REGISTERED = re.compile(
    r"\b(?:je\s+suis|jsuis|j\s+suis|chui|suis|i\s+am|i'?m|im|ik\s+ben|k\s*ben|ben)\s+"
    r"(?:deja\s+|already\s+|al\s+|bien\s+|wel\s+)?(?:inscrit|inscrite|registered|ingeschreven)"
    r"|\b(?:inscrit|inscrite|registered|ingeschreven)\s+(?:is\s+|est\s+)?"
    r"(?:(?:chez|a|aupres\s+d|at|with|bij|in)\s*)?(?:l'\s*)?(?:actiris|aktiris)"
    r"|\b(?:je\s+suis|jsuis|chui|i'?m|im|i\s+am|ik\s+ben|k\s*ben)\s+(?:deja\s+|already\s+|al\s+)?"
    r"(?:chez|a|at|with|bij|in)\s+(?:actiris|aktiris)"
    r"|\b(?:ik\s+)?(?:sta|zit)\s+(?:al\s+|wel\s+|nog\s+)?(?:ingeschreven\s+)?bij\s+(?:actiris|aktiris)"
    r"|\b(?:sta|ben|is|zit)\s+(?:al\s+|wel\s+|nog\s+)?bij\s+(?:actiris|aktiris)\s+ingeschreven"
    r"|\b(?:demandeu(?:r|se)|chercheu(?:r|se))\s+d'?\s*emploi\s+(?:inscrit\w*\s+)?(?:chez|a)\s+"
    r"(?:actiris|aktiris)|\b(?:werkzoekende|jobseeker)\s+(?:bij|at|with)\s+(?:actiris|aktiris)"
)
# "Je sais pas si je suis inscrit": an unknown status, not a yes.
_UNSURE_REGISTERED = re.compile(
    r"\b(?:sais\s+pas|sais\s+plus|sai\s+pas|know|knw|weet\s+(?:het\s+)?ni(?:e|et)?|pas\s+sure?|"
    r"not\s+sure|niet\s+zeker|nie\s+zeker|idk|jsp|no\s+idea|aucune\s+idee|geen\s+idee|dunno)\b"
    r"[^.?!]{0,12}\b(?:si|if|whether|of|d'?\s*etre|to\s+be|dat\s+ik)\b"
)
_ASKING = re.compile(
    r"\b(?:faut|dois|doit|need|must|have\s+to|has\s+to|moet|moeten|verplicht|obligatoire|required|"
    r"comment|how|hoe|waar|where|ou\s+est[\s-]ce)\b"
)
# A place counts as where the person lives only after words that say so.
_RESIDENCE = re.compile(
    r"\b(?:habite|habites|habitons|jhabite|habitant|vis|vit|jvis|reside|domicilie|viens\s+de|suis\s+de|"
    r"live|living|lives|from|based\s+in|woon|woont|wonen|woonachtig|kom\s+uit|ben\s+van|"
    r"verhuisd\s+naar|moved\s+to|demenage\s+a|demenagee\s+a)\b"
    r"((?:\s+[a-z'-]+){1,4})"
)
_NO_DIPLOMA = re.compile(
    r"\b(?:pas|sans|aucun|no|without|geen|zonder|heb\s+geen|don'?t\s+have\s+a|ai\s+pas)\s+"
    r"(?:de\s+|d'|mon\s+|a\s+|any\s+|het\s+|mijn\s+)?(?:diplome|diploma|degree|cess|ceb|"
    r"certificat|getuigschrift)"
    r"|\b(?:left|quit|dropped\s+out\s+of|stopped|finished\s+with)\s+(?:high\s+)?school\b"
    r"|\bdropped\s+out\b|\bdrop\s*out\b|\bdecroch|\bdecrocheu"
    r"|\b(?:arrete|lache|quitte|abandonne|stoppe)\s+(?:l'|les\s+|mes\s+)?(?:ecole|etudes|cours|secondaire)"
    r"|\bgestopt\s+met\s+(?:school|studeren|de\s+school)|\bschool\s+niet\s+afgemaakt"
    r"|\bvroegtijdig\s+schoolverlater|\bearly\s+school\s+leaver|\bschoolverlater"
)
_SECONDARY = re.compile(
    r"\b(?:cess|diplome\s+(?:du\s+|de\s+)?secondaire|secondary\s+school\s+diploma|high\s+school\s+"
    r"diploma|diploma\s+(?:secundair|middelbaar)|middelbaar\s+diploma|secundair\s+diploma)\b"
)
_HIGHER = re.compile(
    r"\b(?:bachelor|bachelier|master|licence|licentiaat|graduat|university\s+degree|"
    r"diplome\s+universitaire|hogeschool\s*diploma|universitair\s+diploma)\b"
)


@dataclass(frozen=True)
class Situation:
    """What a message says of the person (or of someone they write for); None: not said."""

    age: int | None = None
    actiris_registered: bool | None = None
    lives_in_brussels: bool | None = None
    postcode: str | None = None
    # "none" (no diploma, left school), "secondary" or "higher".
    diploma: str | None = None
    for_someone_else: bool = False
    # "Je sais pas si je suis inscrit": said, and unknown.
    unsure_of_actiris: bool = False

    @property
    def facts(self) -> PersonFacts:
        return PersonFacts(self.age, self.actiris_registered, self.lives_in_brussels)

    @property
    def empty(self) -> bool:
        """Nothing said of the person ("I don't know if I'm at Actiris" says something)."""
        return (
            self.facts.empty
            and self.postcode is None
            and self.diploma is None
            and not self.unsure_of_actiris
        )


# Dutch puts the verb last in a clause: "een vrouw die in Anderlecht woont".
_RESIDENCE_BEFORE_VERB = re.compile(
    r"\b(?:in|te)((?:\s+[a-z'-]+){1,3}?)\s+(?:woon|woont|wonen|woonde|woonachtig\s+is)\b"
)


def _place_after_residence_cue(text: str) -> tuple[bool | None, str | None]:
    for match in [*_RESIDENCE.finditer(text), *_RESIDENCE_BEFORE_VERB.finditer(text)]:
        words = match.group(1).split()
        for size in (3, 2, 1):
            for i in range(len(words) - size + 1):
                place = " ".join(words[i : i + size]).strip("'")
                if place in BRUSSELS_PLACES:
                    return True, BRUSSELS_PLACES[place]
                if place in OUTSIDE_BRUSSELS:
                    return False, None
    return None, None


def read_situation(message: str, *, current_year: int) -> Situation:
    """Pick age, Actiris registration, residence and diploma out of a free-text message, in
    FR/NL/EN, and whether it is about someone else."""
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
    if _UNSURE_REGISTERED.search(text):
        actiris = None
    elif _NOT_ACTIRIS.search(text):
        actiris = False
    elif _REGISTERED.search(text) and not _ASKING.search(text):
        actiris = True
    elif _ACTIRIS_THEN_NO.search(text):
        actiris = False

    in_brussels, postcode = _place_after_residence_cue(text)
    cued = bool(_POSTCODE_CUE.search(text))
    for match in _POSTCODE.finditer(text):
        number = int(match.group(1))
        if (born and match.group(1) == born.group(1)) or (
            number in _LOOKS_LIKE_A_YEAR and not cued
        ):
            continue
        in_brussels, postcode = is_brussels_postcode(number), match.group(1)

    diploma = None
    if _NO_DIPLOMA.search(text):
        diploma = "none"
    elif _HIGHER.search(text):
        diploma = "higher"
    elif _SECONDARY.search(text):
        diploma = "secondary"
    return Situation(
        age=age,
        actiris_registered=actiris,
        lives_in_brussels=in_brussels,
        postcode=postcode,
        diploma=diploma,
        for_someone_else=bool(_FOR_SOMEONE_ELSE.search(text)),
        unsure_of_actiris=bool(_UNSURE_REGISTERED.search(text)),
    )


def read_facts(message: str, *, current_year: int) -> PersonFacts:
    """The facts of a message that the eligibility rules read."""
    return read_situation(message, current_year=current_year).facts


# --------------------------------------------------------------------------- what is asked

# Words that ask about one aspect of a training, so "where and when?" gets both answers.
_ASPECTS = {
    # What a training is about: asked alone ("wat is salesforce eigenlijk?"), see read_aspects.
    "description": re.compile(
        r"\b(?:c'?est\s+quoi|c\s+quoi|ckoi|c\s+koi|qu'?est[\s-]ce\s+que\s+c'?est|what\s+is|what'?s|"
        r"wat\s+is|wa\s+is|tell\s+me\s+(?:more\s+)?about|explain|uitleg|leg\s+\w+\s+uit|en\s+quoi\s+consiste|"
        r"what\s+do\s+(?:you|u|ya|we|i)\s+learn|on\s+apprend\s+quoi|wat\s+leer|what\s+about\s+it|"
        r"parle[sz]?[\s-]moi\s+de|vertel\s+(?:me\s+)?(?:meer\s+)?over|"
        # An internship is part of what a training is (its description says so).
        r"stage|stages|internship|internships|stageplaats)\b"
    ),
    "schedule": re.compile(
        r"\b(?:quand|qd|wanneer|wnr|when|wen|commence|commencent|debut|debute|start|starts|starting|"
        r"begint|beginnen|date|dates|datum|horaire|horaires|schedule|uren|heures|hours|jours|"
        r"dagen)\b"
        # Dutch "data" are dates; "data et IA", "AI and data" is a field.
        r"|(?<!\bia\s)(?<!\bai\s)(?<!\bet\s)(?<!\band\s)(?<!\ben\s)(?<!&\s)\bdata\b"
        r"(?!\s+(?:et|and|en\s+ai|&|science|analy\w*|engineer\w*|developer|ontwikkelaar|one|"
        r"course|training|opleiding|formation|cursus|ding|thing))"
    ),
    "location": re.compile(
        r"\b(?:waar|where|adresse|adres|address|lieu|locatie|plaats|place|situe|located|whr)\b"
        # "ou" is "or" as often as "où": only where it asks.
        r"|\b(?:c'?est|c|cest|ca\s+se\s+passe|se\s+passe)\s+ou\b|\bou\s+(?:est|ca|c'?est|se|"
        r"exactement|svp|stp)\b|\bou\s*\?|\bla[\s-]bas\b"
    ),
    "cost": re.compile(
        r"\b(?:prix|price|cost|costs|coute|kost|kosten|payer|payant|payante|paye|payes|gratuit|"
        r"gratuite|gratos|gratis|free|combien|cb|hoeveel|hvl|euro|euros|betalen|betaald|pay|paid|"
        r"allowance|indemnite|vergoeding|geld|money|salaire|loon|how\s+much|paye|payes|payed|"
        r"(?:moins|plus)\s+chere?|cheaper|cheapest|goedkoper|goedkoopst|goedkoopste|duurder)\b"
    ),
    "certificate": re.compile(
        r"\b(?:certificat|certificate|certif|attestation|attest|diplome|diploma|getuigschrift|"
        r"certification|certificering)\b"
    ),
    "duration": re.compile(
        r"\b(?:hoe\s+lang|how\s+long|combien\s+de\s+temps|duree|dure|duur|duurt|weeks?|"
        r"semaines|weken|mois|months|maanden)\b"
        # "How long does it last" (not "last year").
        r"|\blasts?\b(?!\s+(?:year|week|month|time|night|day|one|session|summer))"
    ),
    "eligibility": re.compile(
        r"\b(?:pour\s+qui|qui\s+peut|conditions?|requirements?|requis|prerequis|criteres|"
        r"age\s+min(?:imum)?|min(?:imum)?\s+age|wie\s+mag|wie\s+kan|voorwaarden|vereisten|who\s+can|"
        r"eligible|admission|toelating|toegelaten|leeftijd|how\s+old|quel\s+age|hoe\s+oud|"
        r"can\s+i\s+(?:also\s+|still\s+)?(?:do\s+(?:it|this|that)|join|follow|take|go|apply)|"
        r"could\s+(?:i|he|she)\s+(?:do\s+(?:it|this|that)|join|follow|take)|"
        r"can\s+(?:he|she|they)\s+(?:also\s+|still\s+)?(?:do|join|follow|take|go|apply)|"
        r"peu(?:t|vent)[\s-](?:il|elle|ils|elles)\s+(?:faire|suivre|participer|aller)|"
        r"(?:kan|mag)\s+(?:hij|zij|ze)\s+(?:[\w'-]+\s+){0,5}?(?:doen|volgen|meedoen)\b|"
        r"je\s+peux\s+(?:aussi\s+)?(?:le|la|y|faire|aller|participer|suivre)|puis-je|mag\s+ik|"
        r"kan\s+ik\s+(?:wel\s+|ook\s+|nog\s+)?(?:dat|het|die|er|daar|daaraan|eraan|naar|bij)|"
        r"deelnemen|meedoen|participer|kan\s+ik\s+(?:[\w'-]+\s+){1,6}?(?:doen|volgen)\b|"
        r"can\s+i\s+(?:do|join|take|follow)\s+the|(?:je\s+peux|puis-je)\s+(?:faire|suivre|rejoindre)|"
        r"i\s+can\s+(?:do|join|take|follow)|(?:am\s+i|is\s+(?:he|she))\s+ok(?:ay)?\s+for|"
        # A course named, then "jpeux ?", "can I?", "kan ik?": whether one may join it.
        r"(?:jpeux|j'\s?peux|je\s+peux|can\s+i|kan\s+ik|kan\s+k)(?=\W*$)|"
        r"need\s+to\s+know|faut\s+(?:savoir|connaitre)|connaissances|voorkennis|prerequisites?|"
        r"niveau|level|dois\s+etre|faut\s+(?:il\s+)?etre|need\s+to\s+be|must\s+be|"
        r"(?:have|has)\s+to\s+be|moet\s+(?:ik|je|men)|"
        r"do\s+i\s+need|do\s+you\s+need|heb\s+ik\s+nodig|faut\s+quoi|il\s+faut\s+quoi|"
        r"pour\s+(?:y\s+)?(?:rentrer|entrer)|what\s+do\s+(?:i|you)\s+need|wat\s+(?:heb|moet)\s+ik\s+"
        r"(?:\w+\s+){0,3}(?:nodig|hebben)|selection|selectie|how\s+do\s+i\s+get\s+in)\b"
    ),
}
# Free seats are given with the dates: "il reste des places ?", "hoeveel plaatsen zijn er nog".
_SEATS = re.compile(
    r"\b(?:places|plaatsen|plekken|plekjes|seats|spots|complet|complete|volzet|full|"
    r"encore\s+de\s+la\s+place|nog\s+plaats|any\s+room)\b"
)
_EXPLICIT_COST = re.compile(
    r"\b(?:prix|price|cost|costs|coute|kost|kosten|payer|payant|gratuit|gratis|free|euros?|"
    r"betalen|pay|paid)\b"
)
# A short message that continues the last question with something else: "et chez BeCode ?",
# "and the web one?", "en bij MolenGeek?", "what about Cepegra".
_FOLLOW_UP = re.compile(
    r"^\W*(?:(?:ok|oke|okay|bon|alors|euh|so|and\s+so|dus)\W+)?(?:what\s+about|how\s+about|"
    r"et\s+quid\s+de|quid\s+de|en\s+wat\s+met|wat\s+met|et\s+pour|en\s+voor|ou\s+bien|et|and|en|or)\b"
    # A correction asks the same again: "non pardon, je voulais dire DigitalCity", "nee ik
    # bedoel die met amazon", "no I meant the other partner".
    r"|^(?:[\w'.,]+\W+){0,3}?(?:(?:non|nee|neen|no|nope)\W+)?(?:sorry\W+|pardon\W+|sry\W+)?"
    r"(?:je\s+voulais\s+dire|je\s+parlais\s+de|ik\s+bedoel(?:de)?|i\s+mean[t]?|i\s+was\s+asking\s+about)\b"
)


# "Do I need to know coding before?", "faut-il des connaissances en informatique ?": what a
# training asks of people, not another training searched.
_PRIOR_SKILL = re.compile(
    r"\b(?:need|needs|have\s+to|must|required|faut|dois|doit|besoin|moet|moeten|nodig|vereist)\b"
    r"[^.?!]{0,30}\b(?:know|knowledge|experience|basics|connaitre|connaissances?|savoir|"
    r"experience|bases|niveau|level|kennen|kennis|ervaring|kunnen|voorkennis)\b"
    r"|\b(?:prior\s+knowledge|voorkennis|pre-?requis|prerequisites?)\b"
)


# "Welke opleidingen mag ik volgen?", "what can I do?": about all trainings, not the one in focus.
_WHICH_TRAININGS = re.compile(
    r"\b(?:welke|quelles?|lesquelles|which|what)\s+(?:\w+\s+)?(?:opleidingen|formations|trainings|"
    r"courses|cursussen)\b|\bwat\s+(?:kan|mag)\s+ik\s+(?:dan\s+)?(?:wel\s+)?(?:doen|volgen)\b|"
    r"\bwhat\s+(?:else\s+)?can\s+i\s+(?:do|join|take)\b|\bqu'?est[\s-]ce\s+que\s+je\s+peux\s+faire\b|"
    r"\bje\s+peux\s+faire\s+quoi\b|\bwelke\s+(?:kan|mag)\s+ik\b|\bwhich\s+(?:ones?\s+)?can\s+i\b|"
    r"\b(?:lesquelles|laquelle|lesquels)\s+(?:est[\s-]ce\s+que\s+)?je\s+peux\b"
)


def asks_which_trainings(message: str) -> bool:
    """Whether the message asks which trainings (of them all) fit, not about one."""
    return bool(_WHICH_TRAININGS.search(plain(message)))


_DIPLOMA = re.compile(r"\b(?:diplomes?|diplomas?|degree|getuigschrift|cess|ceb|bac|bachelor)\b")


def asks_about_diploma(message: str) -> bool:
    """Whether the message speaks of a diploma ("faut-il un diplôme ?", "diploma nodig?")."""
    return bool(_DIPLOMA.search(plain(message)))


_REQUIREMENT = re.compile(
    r"\b(?:moet|moeten|dois|doit|faut|need|needs|have\s+to|has\s+to|must|required|obligatoire|"
    r"verplicht|nodig|oblige|obligé)\b"
)


def asks_a_requirement(message: str) -> bool:
    """Whether the message asks what is needed ("moet ik bij Actiris zijn?", "faut-il…")."""
    return bool(_REQUIREMENT.search(plain(message)))


def asks_seats(message: str) -> bool:
    """ "Il reste de la place ?", "nog plaatsen?": free seats, which only a training has here."""
    return bool(_SEATS.search(plain(message)))


def asks_prior_skill(message: str) -> bool:
    """Whether the message asks what a training expects people to know already."""
    return bool(_PRIOR_SKILL.search(plain(message)))


_QUESTION_WORDS = re.compile(
    r"\b(?:quoi|quel|quelle|quels|quelles|lequel|laquelle|lesquels|lesquelles|comment|what|which|"
    r"how|wat|welke|hoe|waarom|why|pourquoi)\b"
)


def is_follow_up(message: str) -> bool:
    """A short message that asks the last question again about something else ("et chez
    BeCode ?", "and the web one?"), not a question of its own ("and which ones are cloud?")."""
    text = plain(message)
    opener = _FOLLOW_UP.search(text)
    # The opener's own "what" ("what about…") asks nothing more.
    return (
        opener is not None
        and not _QUESTION_WORDS.search(text[opener.end() :])
        and len(text.split()) <= 12
    )


def read_aspects(message: str) -> list[str]:
    """The aspects of a training a message asks about, in the order of `_ASPECTS`."""
    text = plain(message)
    asked = [name for name, pattern in _ASPECTS.items() if pattern.search(text)]
    if "description" in asked and len(asked) > 1:
        asked.remove("description")  # "what is the price?" asks the price
    if (
        "certificate" in asked
        and "eligibility" not in asked
        and re.search(r"\b(?:besoin|need|nodig|faut|moet|require|demande)\w*\b", text)
    ):
        # "Do I need a diploma?" asks who may join, not what one gets at the end.
        asked[asked.index("certificate")] = "eligibility"
    if "où" in message.lower() and "location" not in asked:
        asked.insert(1 if "schedule" in asked else 0, "location")
    if _SEATS.search(text):
        # "Combien de places", "how many spots": the seats, with the dates, not the price.
        if "cost" in asked and not _EXPLICIT_COST.search(text):
            asked.remove("cost")
        if "location" in asked and not _ASPECTS["location"].search(_SEATS.sub(" ", text)):
            asked.remove("location")
        if "schedule" not in asked:
            asked.insert(0, "schedule")
    return asked


_SIGN_UP = re.compile(
    r"\b(?:m[\s']?in?s?crire|l'?inscrire|(?:pre-?)?inscri(?:s|vez)[\s-]*(?:moi|la|le)|je\s+m'?inscris|"
    r"pre-?inscri\w*|sign\s+(?:me|her|him|them|us\s+)?\s*up|register\s+(?:me|her|him|here|now|for)|"
    r"register\s*$|pre-?register|put\s+(?:me|my\s+name)\s+(?:down|in|on)|"
    r"zet\s+(?:me|mij|m'n\s+naam|mijn\s+naam)\s+(?:op|erbij|ook\s+op)\b|"
    r"(?:mets|mettez|note[sz]?)[\s-]+moi\b|"
    r"(?<!faut\s)(?<!dois\s)(?<!doit\s)s'?\s?inscrire\s+(?:a|au|pour|chez)"
    r"(?!\s+(?:l'\s*)?(?:actiris|aktiris|forem|vdab|cpas|ocmw))|opgeven|geef\s+(?:me|mij)\s+op|"
    r"ik\s+wil\s+(?:die|deze)\s+(?:van|in|op)\b|apply\s+(?:for|to)\b|"
    r"i\s+(?:want|wanna|would\s+like)\s+(?:in\b|to\s+(?:join|enrol|enroll|register|apply)\b|"
    r"the\s+\w+\s+(?:one|session)\b)|enrol(?:l)?\s+(?:me|her|him)|postuler|"
    r"schrijf\s+(?:me|mij|haar|hem)\s+in|(?:voor)?inschrijven|aanmelden|je\s+(?:la|le)\s+(?:prends|veux)|"
    r"je\s+prends|i'?ll\s+take|i\s+take|ik\s+neem|die\s+wil\s+ik|i\s+want\s+(?:that|this)\s+one)\b"
)
# "Je peux m'inscrire ?", "can I sign up?", "mag ik me inschrijven?": asking whether one may.
_MAY_I = re.compile(
    r"\b(?:je\s+peux|puis[\s-]*je|est[\s-]*ce\s+que\s+je\s+peux|on\s+peut|can\s+i|could\s+i|may\s+i|"
    r"am\s+i\s+allowed|mag\s+ik|kan\s+ik|kun\s+ik|magik)\b"
)


# A message that starts with the word, as a heading: "inscription webdev mars".
_SIGN_UP_HEADLINE = re.compile(
    r"^\W*(?:inscription|inschrijving|registration|sign\s*-?\s*up|enrol(?:l)?ment)\b\s+\S"
)
# "Can I just sign up here?", "je peux m'inscrire directement ?": a request to do it now.
_RIGHT_HERE = re.compile(
    r"\b(?:just|here|now|right\s+away|directly|through\s+you|with\s+you|ici|maintenant|"
    r"direct(?:ement)?|avec\s+toi|par\s+toi|hier|nu|meteen|gewoon|via\s+(?:jou|u|toi|you))\b"
)
_FOR_A_COURSE = re.compile(r"\b(?:for|pour|voor|a\s+la|au|bij)\s+\S")
_CONDITION = re.compile(
    r"\b(?:if|si|als|even|meme|zonder|without|sans|though|alhoewel|ook\s+al|want|because|parce|"
    r"omdat|age|ans|jaar|years?|diplom\w*|actiris)\b|\d"
)
# "Qui peut s'inscrire ?", "who can sign up?": who may join, not a request to sign up.
_WHO_MAY = re.compile(
    r"\b(?:qui\s+peu(?:t|vent)|who\s+(?:can|may|is\s+allowed)|wie\s+(?:kan|mag))\b"
)
# Signing up someone else: "kan ik haar inschrijven?" asks to do it, not whether one may.
_SIGN_UP_SOMEONE = re.compile(
    r"\b(?:l'?inscrire|inscrire\s+(?:ma|mon|sa|son|notre)|haar|hem|sign\s+(?:her|him|them)|"
    r"register\s+(?:her|him|them))\b"
)


_ERASE_DATA = re.compile(
    r"\b(?:delete|erase|remove|wipe|supprim\w*|effac\w*|verwijder\w*|wis|wissen)\b"
    r".*\b(?:data|donnees|gegevens|info\w*|everything|tout|alles)\b"
)


# "Did my registration go through?", "ma préinscription est bien passée ?", "ik heb me vorige
# week ingeschreven": the person's own registration, not a training.
_OWN_REGISTRATION = re.compile(
    r"\b(?:ma|mon|my|mijn|m'n|mn)\s+(?:pre-?)?(?:inscription|registration|inschrijving|"
    r"voorinschrijving|sign-?up|aanmelding|application|candidature)"
    r"|\b(?:i|i've|ive|i\s+have)\s+(?:already\s+)?(?:signed\s+up|registered|applied|pre-?registered)"
    r"|\b(?:je\s+me\s+suis|jme\s+suis|j'me\s+suis|je\s+suis)\s+(?:deja\s+)?(?:pre-?)?inscrit"
    r"|\bik\s+(?:heb|ben)\s+(?:me\s+|mij\s+)?(?:al\s+)?(?:\w+\s+){0,3}(?:ingeschreven|aangemeld)"
)
# "Je suis inscrit chez Actiris" is the person's situation, not a registration here.
_AT_AN_AGENCY = re.compile(r"\b(?:actiris|aktiris|vdab|forem)\b")


def speaks_of_own_registration(message: str) -> bool:
    """The message is about a registration the person made ("did my registration go
    through?"), whatever training it names."""
    text = plain(message)
    return bool(_OWN_REGISTRATION.search(text)) and not _AT_AN_AGENCY.search(text)


def wants_data_erased(message: str) -> bool:
    """ "Delete my data", "effacez mes données ACD-479 …", "verwijder al mijn gegevens"."""
    return bool(_ERASE_DATA.search(plain(message)))


# "I want the AWS course", "je veux faire la formation Salesforce": a course wanted, not asked
# about (used only when the message names one course).
_WANT = re.compile(
    r"\b(?:i\s+(?:really\s+)?(?:want|wanna|would\s+like|need)|i'?d\s+like|je\s+(?:veux|voudrais)|"
    r"j'?\s?veux|jveux|ik\s+(?:wil|zou\s+graag)|k\s+wil)\b"
)
_JUST_INFORMATION = re.compile(
    r"\b(?:info\w*|savoir|connaitre|know|weten|details?|more|plus|meer|voir|see|zien|"
    r"comprendre|understand)\b|\?"
)


def wants_the_course(message: str) -> bool:
    """ "I want the digital autonomy course", "je veux faire le webmaster": wanting a course one
    names is asking to join it; "je veux des infos sur…" or a question is not."""
    text = plain(message)
    return bool(_WANT.search(text)) and not _JUST_INFORMATION.search(text)


def wants_to_sign_up(message: str) -> bool:
    """The message asks to be pre-registered ("inscris-moi pour celle de mars", "I'll take the
    June one", "schrijf me in", "can I sign her up?"), whatever else it says; "can I sign up?"
    asks whether one may."""
    text = plain(message)
    headline = _SIGN_UP_HEADLINE.search(text) and "?" not in text
    if headline and not (_QUESTION_WORDS.search(text) or read_aspects(text)):
        return True  # "inscription réseaux sociaux, celle du 7 juin"
    # "Can I register for AWS?" asks to be put down; "can I sign up if I'm 17?" whether one may.
    for_a_course = _FOR_A_COURSE.search(text) and not _CONDITION.search(text)
    if _WHO_MAY.search(text):
        return False  # "qui peut s'inscrire à celle-là ?" asks who may join
    asking = (
        _MAY_I.search(text)
        and not _SIGN_UP_SOMEONE.search(text)
        and not _RIGHT_HERE.search(text)
        and not for_a_course
    )
    return bool(_SIGN_UP.search(text)) and not asking
