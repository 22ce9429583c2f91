"""Which course, session, partner or organisation a person means, from what they typed and what
the conversation has shown them, in French, Dutch or English.

A course is named by its title in any language or one of its aliases (typos allowed), by its
partner and topic ("the cloud one at MolenGeek"), by its rank in the last list ("the second",
"la dernière", "de eerste") or by a month it has a session in ("celle de septembre"). A session is
named by its rank, month, date, weekday or part of the day, or as "the other one". Plain Python
over a snapshot of the catalogue (`CatalogueIndex`): no database, no Rasa; the actions build the
snapshot from the catalogue they loaded and ask.

Every answer is a `Match`: the keys that fit, best first, and how they were found. One key is an
answer; several are a question to ask back with only those; none means saying so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from bot import LANGUAGES
from bot.reading import BRUSSELS_PLACES, edit_distance, plain, read_aspects

# --------------------------------------------------------------------------- words

_MONTH_NAMES = (
    "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre",
    "januari februari maart april mei juni juli augustus september oktober november december",
    "january february march april may june july august september october november december",
)
MONTHS: dict[str, int] = {
    **{name: i + 1 for names in _MONTH_NAMES for i, name in enumerate(names.split())},
    "jan": 1, "janv": 1, "feb": 2, "febr": 2, "fev": 2, "fevr": 2, "apr": 4, "avr": 4, "jun": 6,
    "jul": 7, "juil": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "okt": 10, "nov": 11, "dec": 12,
}  # fmt: skip
# Month names that are everyday words too: a month only after words that introduce one.
AMBIGUOUS_MONTHS = frozenset({"may", "march", "mars", "mai", "jun", "jan", "dec"})
MONTH_CUES = frozenset(
    "in of from en de du van vanaf from starting start starts begint commence debut the la le het "
    "die celle celui one mois month maand session sessie for pour voor".split()
)
# Words asking for a training one follows from home ("celle en ligne", "from home").
ONLINE = re.compile(
    r"\b(?:online|en\s+ligne|a\s+distance|from\s+home|de\s+chez\s+moi|de\s+la\s+maison|"
    r"(?:van\s+)?thuis|remote|op\s+afstand)\b"
)
SELLING = re.compile(
    r"\b(?:sell|selling|sells|vendre|vends|vente|verkopen|verkoop|buy|acheter|kopen|shop|webshop|"
    r"boutique|winkel|magasin|business|commerce|e-?commerce)\b"
)
# Words for a session: a rank next to them picks a session, not a course.
SESSION_WORDS = re.compile(
    r"\b(?:sessions?|sessies?|dates?|datum|groupes?|groeps?|groups?|rentree)\b"
)
# Words that point at one course of a list ("die van DigitalCity", "celle de BeCode").
POINTER = re.compile(
    r"\b(?:die|degene|diegene|deze|celle|celui|one|the\s+course|la\s+formation|the\s+training|"
    r"de\s+opleiding)\b"
)
# A month after these words is in the past ("inscrit depuis septembre"), not a session.
# "The one after February", "en daarna?", "celle d'après": the session that follows.
AFTER = frozenset("after apres daarna erna nadien".split())
PAST_MONTH_CUES = frozenset("depuis since sinds sedert".split())
ORDINALS: dict[str, int] = {
    "premier": 1, "premiere": 1, "1er": 1, "1ere": 1, "1re": 1, "first": 1, "1st": 1,
    "eerste": 1, "1ste": 1,
    "deuxieme": 2, "second": 2, "seconde": 2, "2eme": 2, "2e": 2, "2de": 2, "2nd": 2,
    "tweede": 2,
    "troisieme": 3, "3eme": 3, "3e": 3, "third": 3, "3rd": 3, "derde": 3, "3de": 3,
    "quatrieme": 4, "4eme": 4, "4e": 4, "fourth": 4, "4th": 4, "vierde": 4, "4de": 4,
    "cinquieme": 5, "5eme": 5, "5e": 5, "fifth": 5, "5th": 5, "vijfde": 5, "5de": 5,
    "sixieme": 6, "6eme": 6, "sixth": 6, "6th": 6, "zesde": 6,
    "septieme": 7, "seventh": 7, "zevende": 7, "huitieme": 8, "eighth": 8, "achtste": 8,
    "dernier": -1, "derniere": -1, "last": -1, "laatste": -1, "final": -1,
    # The middle one of three: rank 0 stands for it.
    "milieu": 0, "middle": 0, "middelste": 0,
}  # fmt: skip
NUMBER_WORDS: dict[str, int] = {
    "un": 1, "une": 1, "one": 1, "een": 1, "deux": 2, "two": 2, "twee": 2, "trois": 3,
    "three": 3, "drie": 3, "quatre": 4, "four": 4, "vier": 4, "cinq": 5, "five": 5, "vijf": 5,
}  # fmt: skip
# "the number 2", "option 3", "n°2", "#2", "nr 2".
RANK_CUES = frozenset("number numero num no nr nummer option optie choix keuze".split())
SOONEST = frozenset(
    """prochaine prochain next volgende eerstvolgende earliest soonest tot vroegste eerst proche
    closest nearest asap dichtstbij dichtste snel snelst snelste vite rapidement quickest
    soon""".split()
)
LATEST = frozenset("latest laatste tard later".split())
OTHER = frozenset("autre autres other others andere ander".split())
WEEKDAY_WORDS: dict[str, str] = {
    "lundi": "mon", "mardi": "tue", "mercredi": "wed", "jeudi": "thu", "vendredi": "fri",
    "samedi": "sat", "dimanche": "sun", "maandag": "mon", "dinsdag": "tue", "woensdag": "wed",
    "donderdag": "thu", "vrijdag": "fri", "zaterdag": "sat", "zondag": "sun", "monday": "mon",
    "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri", "saturday": "sat",
    "sunday": "sun", "weekend": "sat", "we": "sat",
}  # fmt: skip
PART_OF_DAY_WORDS: dict[str, str] = {
    "matin": "morning", "matinee": "morning", "morning": "morning", "ochtend": "morning",
    "voormiddag": "morning", "apres": "afternoon", "aprem": "afternoon", "afternoon": "afternoon",
    "namiddag": "afternoon", "middag": "afternoon", "soir": "evening", "soiree": "evening",
    "evening": "evening", "night": "evening", "avond": "evening", "avonds": "evening",
}  # fmt: skip
# Words that carry no name: articles, prepositions, question words, and the generic words for
# a training, so "la formation de développeur web" is matched on "developpeur web".
STOP_WORDS = frozenset(
    """le la les l de du des d un une et ou a au aux en pour par sur dans avec chez est c ce
    cette ces ca qui que quoi quel quelle quels quelles je j tu me m moi mon ma mes on il elle
    nous vous ils s y n ne pas plus veux voudrais peux inscrire inscris m'inscrire
    formation formations cours session sessions celle celui celles ceux ci la-bas
    the a an of for to in on at by with and or is are it its this that these those which what
    who i me my you your we want would like can could sign up register join course courses
    training trainings class classes session sessions one ones about please pls
    de het een van voor op in aan bij met en of is zijn die dat deze dit wat welke wie ik mij me
    mijn je jij jou u wil zou kan mag inschrijven opleiding opleidingen cursus cursussen sessie
    sessies les lessen graag aub
    """.split()
)


def words(text: str) -> list[str]:
    """The words of `text`, lowercased, without accents; "1ère" and "n°2" kept whole."""
    text = plain(text).replace("°", "o ")
    return re.findall(r"[a-z0-9]+", text)


@lru_cache(maxsize=65536)
def similar(typed: str, known: str) -> bool:
    """A typed word stands for a known one: the same, a typo of it, or most of its beginning."""
    if typed == known:
        return True
    if known.isdigit() or typed.isdigit():
        return False
    if len(typed) >= max(5, 0.6 * len(known)) and known.startswith(typed):
        return True  # "salesf", "cybersecu"
    return _typo_of(typed, known)


def sounds(word: str) -> str:
    """How a word sounds, roughly, in French SMS spelling: "numerik" and "numerique",
    "grafisme" and "graphisme", "informatik" and "informatique" sound the same."""
    for written, sound in (
        ("que", "k"),
        ("qu", "k"),
        ("ph", "f"),
        ("ck", "k"),
        ("c", "k"),
        ("y", "i"),
        ("ai", "e"),
        ("ei", "e"),
        ("ou", "u"),
        ("w", "v"),
    ):
        word = word.replace(written, sound)
    return re.sub(r"(.)\1+", r"\1", word).rstrip("es")


def _typo_of(typed: str, known: str) -> bool:
    """One typo in a word of 5 letters or more, two from 9; never in the first letter (a
    different first letter makes another word: "commence" is no "ecommerce")."""
    if len(known) < 5 or len(typed) < 4 or typed[0] != known[0]:
        return False
    sound = sounds(known)
    if len(sound) >= 5 and sounds(typed) == sound:
        return True  # short sounds collide: "like" sounds like "lycée"
    limit = 1 if len(known) < 9 else 2
    return edit_distance(typed, known, limit) <= limit


def _name_words(name: str) -> tuple[str, ...]:
    return tuple(w for w in words(name) if w not in STOP_WORDS)


@dataclass(frozen=True)
class Typed:
    """The words of a message, and each pair of neighbours joined ("web dev" → "webdev",
    "cyber security" → "cybersecurity"), since people split and join words freely. A joined
    pair must match exactly: "en marketing" is no typo of "emarketing"."""

    words: tuple[str, ...]
    joined: frozenset[str]


def _typed_words(text: str) -> Typed:
    found = words(text)
    return Typed(tuple(found), frozenset(a + b for a, b in pairwise(found)))


def _contains(typed: Typed, name: Sequence[str]) -> bool:
    """Every word of `name` is in the message (typos allowed)."""
    return bool(name) and all(
        n in typed.joined or any(similar(t, n) for t in typed.words) for n in name
    )


# --------------------------------------------------------------------------- the snapshot


@dataclass(frozen=True)
class SessionRef:
    key: str
    course: str
    start: dt.date
    days: tuple[str, ...]
    start_time: dt.time
    end_time: dt.time

    @property
    def part_of_day(self) -> str:
        if self.start_time >= dt.time(17):
            return "evening"
        if self.start_time >= dt.time(12):
            return "afternoon"
        return "morning"


@dataclass(frozen=True)
class CourseRef:
    key: str
    partner: str
    topic: str
    titles: dict[str, str]
    aliases: tuple[str, ...]
    # Sessions still open for pre-registration, soonest first.
    sessions: tuple[SessionRef, ...] = ()
    format: str = "on_site"

    def names(self) -> list[tuple[str, bool]]:
        """Every name of the course, each with whether it is an alias."""
        return [(title, False) for title in self.titles.values()] + [
            (alias, True) for alias in self.aliases
        ]


@dataclass(frozen=True)
class NamedRef:
    """A partner or an organisation: a key, a name and the other ways people write it."""

    key: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """What a message points at: keys that fit, best first, and how they were found (`title`,
    `alias`, `rank`, `month`, `date`, `weekday`, `part_of_day`, `other`, `format`,
    `partner_topic`, `partner`, `topic`; `elsewhere`: named, but not at the partner named), or
    nothing. A `how` with no keys says what was looked for and not found ("no session in April",
    "this partner has no such training")."""

    keys: tuple[str, ...] = ()
    how: str | None = None

    @property
    def one(self) -> str | None:
        return self.keys[0] if len(self.keys) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.keys) > 1

    def __bool__(self) -> bool:
        return bool(self.keys)


NOTHING = Match()


@dataclass
class CatalogueIndex:
    """The catalogue as the resolver needs it, in the order lists are shown (soonest first)."""

    courses: list[CourseRef]
    partners: list[NamedRef]
    organisations: list[NamedRef] = field(default_factory=list)
    # Names of topics in every language ("marketing digital"): a title that is only a topic's
    # name ("Marketing digital") asks about the topic, not about that course.
    topic_names: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.by_key = {c.key: c for c in self.courses}
        self.sessions = {s.key: s for c in self.courses for s in c.sessions}
        # How many courses use each word of a title: a word most courses share ("web",
        # "developer") names none of them alone.
        self._spread = Counter(
            word
            for course in self.courses
            for word in {w for title in course.titles.values() for w in _name_words(title)}
        )
        # Titles are read without their small words ("de", "et"); aliases are chosen words,
        # every one of which must be there ("IT certification" is not "certification").
        generic = {tuple(words(name)) for name in self.topic_names}
        self._names = [
            (course.key, tuple(words(name)) if is_alias else _name_words(name), is_alias)
            for course in self.courses
            for name, is_alias in course.names()
            if is_alias or tuple(words(name)) not in generic
        ]
        # Words of 5 letters or more that only one course's names use ("amazon", "salesforce").
        owners: dict[str, set[str]] = {}
        for course in self.courses:
            for name, _ in course.names():
                for word in _name_words(name):
                    if len(word) >= 5:
                        owners.setdefault(word, set()).add(course.key)
        topic_words = {w for name in self.topic_names for w in words(name)}
        self._course_words = {
            course.key: {w for name, _ in course.names() for w in words(name)}
            for course in self.courses
        }
        self._word_owner = {
            w: next(iter(keys))
            for w, keys in owners.items()
            if len(keys) == 1 and w not in topic_words
        }
        # Runs of two or more title words found in no other course ("office and internet"):
        # a part of a title that still names one course.
        self._parts = [
            (course.key, run)
            for course in self.courses
            for title in course.titles.values()
            for run in _distinctive_runs(_name_words(title), self._spread)
        ]

    @property
    def name_words(self) -> frozenset[str]:
        """Words of proper names, written the same whatever the language: partners' and
        organisations' names, and the words a course's title has in all three languages
        ("Coding School", "Salesforce", "AWS")."""
        named = {
            w
            for ref in (*self.partners, *self.organisations)
            for name in (ref.name, *(ref.aliases if ref in self.partners else ()))
            for w in words(name)
        }
        for course in self.courses:
            titles = [set(words(t)) for t in course.titles.values()]
            named |= set.intersection(*titles) if titles else set()
        return frozenset(w for w in named if len(w) > 2)

    # ------------------------------------------------------------------ partners

    def partners_named(self, text: str) -> list[str]:
        return _named(self.partners, text)

    def organisations_named(self, text: str) -> list[str]:
        return _named(self.organisations, text)

    # ------------------------------------------------------------------ courses

    def find_courses(
        self,
        text: str,
        *,
        shown: Sequence[str] = (),
        partner: str | None = None,
        topic: str | None = None,
        topic_words: Sequence[str] = (),
    ) -> Match:
        """The courses `text` names, within `partner` and `topic` when given (or named in it).
        A title made only of the words that name the topic (`topic_words`: "web developer" in
        "what web developer trainings are there?") asks about the topic, not that course."""
        typed = _typed_words(text)
        generic = frozenset(topic_words)
        partners = [partner] if partner else self.partners_named(text)
        at_partner = [c for c in self.courses if not partners or c.partner in partners]
        allowed_keys = [c.key for c in at_partner if not topic or c.topic == topic]
        by_name = self._by_name(typed, [c.key for c in at_partner], generic)
        if by_name:
            return by_name
        if partners:
            # The course named is not the partner's: "DigitalCity graphic design".
            elsewhere = self._by_name(typed, [c.key for c in self.courses], generic)
            if elsewhere:
                return Match(elsewhere.keys, "elsewhere")
        shown_allowed = [key for key in shown if key in allowed_keys]
        if partners and len(shown_allowed) == 1 and POINTER.search(plain(text)):
            return Match((shown_allowed[0],), "rank")  # "die van DigitalCity" in the list shown
        if shown_allowed and not SESSION_WORDS.search(plain(text)):
            # "The first" is a course of the list, unless it is "the first session".
            ranked = pick_rank(words(text), shown_allowed)
            if ranked:
                return Match((ranked,), "rank")
        if topic and shown_allowed:
            # "Die van cyber" after a list with one cybersecurity training: that one.
            of_topic = [k for k in shown_allowed if self.by_key[k].topic == topic]
            if len(of_topic) == 1:
                return Match((of_topic[0],), "shown")
        if POINTER.search(plain(text)):
            # "Celle avec amazon", "the salesforce one": a word only one course's names use.
            owners = self._owners(typed.words)
            pointed = [k for k in allowed_keys if k in owners]
            if len(pointed) == 1:
                return Match((pointed[0],), "title")
        month = month_named(text)
        if month:
            pool = shown_allowed or allowed_keys
            in_month = [
                k for k in pool if any(s.start.month == month for s in self.by_key[k].sessions)
            ]
            if in_month and len(in_month) < len(pool):
                return Match(tuple(in_month), "month")
        if ONLINE.search(plain(text)) and not SELLING.search(plain(text)):
            # "The online one", "iets online?" (but "sell stuff online" is about selling).
            pool = shown_allowed or allowed_keys
            online = [k for k in pool if self.by_key[k].format in ("online", "blended")]
            if online and len(online) < len(pool):
                return Match(tuple(online), "format")
        if partners or topic:
            how = "partner_topic" if partners and topic else ("partner" if partners else "topic")
            if shown_allowed and len(shown_allowed) < len(allowed_keys):
                # Within the list just shown: "dev web" after BeCode's courses.
                return Match(tuple(shown_allowed), "shown")
            return Match(tuple(allowed_keys), how)
        return NOTHING

    def _owners(self, typed: Sequence[str]) -> set[str]:
        """The courses that own a word of `typed`. A word that asks a question ("start",
        "data") counts only beside another word of that course's names: "awz re start" is AWS
        re/Start, "wanneer start die" is not."""
        owners = set()
        for i, word in enumerate(typed):
            owner = self._word_owner.get(word)
            if owner is None:
                continue
            beside = [*typed[max(i - 1, 0) : i], *typed[i + 1 : i + 2]]
            if read_aspects(word) and not set(beside) & self._course_words[owner]:
                continue
            owners.add(owner)
        return owners

    def courses_of_topic(self, topic: str) -> list[str]:
        return [c.key for c in self.courses if c.topic == topic]

    def courses_of_partner(self, partner: str) -> list[str]:
        return [c.key for c in self.courses if c.partner == partner]

    def _by_name(
        self, typed: Typed, allowed: Sequence[str], generic: frozenset[str] = frozenset()
    ) -> Match:
        full: dict[str, tuple[int, bool]] = {}
        for key, name, is_alias in self._names:
            # Every word of a title or alias (a title shared by two courses names both).
            if key not in allowed or not _contains(typed, name):
                continue
            if not is_alias and _all_said_by(name, generic):
                continue
            score = (len(name), is_alias)
            full[key] = max(full.get(key, (0, False)), score)
        if not full:
            parts = [
                key
                for key, run in self._parts
                if key in allowed and not _all_said_by(run, generic) and _in_order(typed.words, run)
            ]
            if parts:
                return Match(tuple(dict.fromkeys(k for k in allowed if k in parts)), "title")
            return NOTHING
        # The longest name matched wins: "Coding School : développeur web" over "Développeur web".
        best = max(length for length, _ in full.values())
        keys = [k for k in allowed if k in full and full[k][0] == best]
        how = "alias" if all(full[k][1] for k in keys) else "title"
        return Match(tuple(keys), how)

    # ------------------------------------------------------------------ sessions

    def find_session(
        self,
        text: str,
        course: str,
        *,
        current: str | None = None,
        among: Sequence[str] = (),
    ) -> Match:
        """The open session of `course` that `text` names: within `among` when the person
        was offered only those, and other than `current` for "the other one"."""
        ref = self.by_key.get(course)
        if ref is None or not ref.sessions:
            return NOTHING
        sessions = [s for s in ref.sessions if not among or s.key in among] or list(ref.sessions)
        keys = [s.key for s in sessions]
        typed = words(text)
        for session in sessions:
            if session.key in text:
                return Match((session.key,), "key")
        if current in keys and set(typed) & OTHER:
            return Match(tuple(k for k in keys if k != current), "other")
        day = date_named(text)
        if day:
            on_day = [s.key for s in sessions if (s.start.month, s.start.day) == day]
            if on_day:
                return Match(tuple(on_day), "date")
        month = month_named(text, choosing=True)
        if month:
            in_month = [s.key for s in sessions if s.start.month == month]
            return Match(tuple(in_month), "month") if in_month else Match((), "month")
        ranked = pick_rank(typed, keys)
        if ranked:
            return Match((ranked,), "rank")
        days = {WEEKDAY_WORDS[w] for w in typed if w in WEEKDAY_WORDS}
        if days:
            fitting = [s.key for s in sessions if days & set(s.days)]
            if fitting and len(fitting) < len(keys):
                return Match(tuple(fitting), "weekday")
        parts = {PART_OF_DAY_WORDS[w] for w in typed if w in PART_OF_DAY_WORDS}
        if parts:
            fitting = [s.key for s in sessions if s.part_of_day in parts]
            if fitting and len(fitting) < len(keys):
                return Match(tuple(fitting), "part_of_day")
        return NOTHING

    def session_after(self, text: str, course: str, shown: Sequence[str] = ()) -> str | None:
        """The session of `course` after the one the message counts from: the last in the
        month it names ("the one after February"), else the first of those just shown ("en
        daarna?")."""
        ref = self.by_key.get(course)
        if ref is None or not AFTER & set(words(text)):
            return None
        sessions = sorted(ref.sessions, key=lambda s: s.start)
        month = month_named(text, choosing=True)
        if month:
            before = [i for i, s in enumerate(sessions) if s.start.month == month][-1:]
        else:
            before = [i for i, s in enumerate(sessions) if s.key in shown][:1]
        following = before[0] + 1 if before else len(sessions)
        return sessions[following].key if following < len(sessions) else None

    def soonest_session_among(self, text: str, courses: Sequence[str]) -> str | None:
        """The soonest open session of several courses, when the message asks for the soonest
        ("de eerstvolgende sessie" answering "which training?")."""
        if not SOONEST & set(words(text)):
            return None
        sessions = [s for key in courses if key in self.by_key for s in self.by_key[key].sessions]
        return min(sessions, key=lambda s: s.start).key if sessions else None


def _distinctive_runs(name: tuple[str, ...], spread: Counter[str]) -> list[tuple[str, ...]]:
    """Every run of two neighbouring words of a title that only this course uses."""
    return [
        (a, b) for a, b in pairwise(name) if all(spread[w] == 1 and len(w) >= 4 for w in (a, b))
    ]


def _in_order(typed: Sequence[str], run: Sequence[str]) -> bool:
    """The words of `run` side by side in the message (small words between allowed)."""
    content = [t for t in typed if t not in STOP_WORDS]
    size = len(run)
    return any(
        all(similar(content[i + j], run[j]) for j in range(size))
        for i in range(len(content) - size + 1)
    )


def _named(refs: Iterable[NamedRef], text: str) -> list[str]:
    """The refs whose name or an alias is written in `text`, its words side by side (typos
    allowed in words of 5 letters or more: "bf" is no typo of "be")."""
    typed = words(text)
    found = []
    for ref in refs:
        for name in (ref.name, *ref.aliases):
            if _written(typed, tuple(words(name))):
                found.append(ref.key)
                break
    return found


def _all_said_by(name: Sequence[str], said: frozenset[str]) -> bool:
    """Whether every word of a name is one of the words said (or a spelling of one: the title
    "Développeur web" is made of the words of "web developer")."""
    return bool(said) and all(any(_same_word(w, n) for w in said) for n in name)


def _same_word(typed: str, known: str) -> bool:
    # A commune is no typo of a partner: "molenbeek" is not "molengeek".
    return typed == known or (typed not in BRUSSELS_PLACES and _typo_of(typed, known))


def _written(typed: Sequence[str], name: Sequence[str]) -> bool:
    if not name:
        return False
    joined = "".join(name)
    if len(name) > 1 and any(_same_word(t, joined) for t in typed):
        return True  # "digitalcity" for "Digital City"
    size = len(name)
    return any(
        all(_same_word(typed[i + j], name[j]) for j in range(size))
        for i in range(len(typed) - size + 1)
    )


def pick_rank(typed: Sequence[str], keys: Sequence[str]) -> str | None:
    """The key at the rank a message names ("the second", "la dernière", "nr 2", "the next")."""
    if not keys:
        return None
    rank: int | None = None
    for i, word in enumerate(typed):
        if word in ORDINALS:
            rank = ORDINALS[word]
            if rank == 0 and len(keys) % 2 == 0:
                rank = None  # no middle one in an even list
                continue
        elif word in SOONEST:
            rank = 1
        elif word in LATEST and len(keys) > 1:
            rank = -1
        elif (
            word.isdigit()
            and len(word) == 1
            and (len(typed) <= 3 or (i and typed[i - 1] in RANK_CUES))
        ):
            rank = int(word)
        elif word in NUMBER_WORDS and i and typed[i - 1] in RANK_CUES:
            rank = NUMBER_WORDS[word]
        if rank is not None:
            break
    if rank == 0 and len(keys) % 2 == 1:
        return keys[len(keys) // 2]
    if rank is None or rank == 0 or rank > len(keys):
        return None
    return keys[rank - 1] if rank > 0 else keys[-1]


def month_named(text: str, *, choosing: bool = False) -> int | None:
    """The month a message names ("celle de septembre", "in april", "die van maart"). When the
    person is choosing a session (`choosing`), "May" and "mars" are months without a cue."""
    typed = words(text)
    for i, word in enumerate(typed):
        month = MONTHS.get(word)
        if month is None or (i and typed[i - 1] in PAST_MONTH_CUES):
            continue
        cued = choosing or (i and typed[i - 1] in MONTH_CUES) or len(typed) == 1
        if word in AMBIGUOUS_MONTHS and not cued:
            continue
        return month
    return None


def date_named(text: str) -> tuple[int, int] | None:
    """A (month, day) a message names: "13 septembre", "13/09", "september 13"."""
    typed = words(text)
    for i, word in enumerate(typed):
        if word in MONTHS and word not in AMBIGUOUS_MONTHS:
            for neighbour in (
                typed[i - 1] if i else "",
                typed[i + 1] if i + 1 < len(typed) else "",
            ):
                day = re.fullmatch(r"(\d{1,2})(?:er|st|nd|rd|th|e|de|ste)?", neighbour)
                if day and 1 <= int(day.group(1)) <= 31:
                    return MONTHS[word], int(day.group(1))
    numeric = re.search(r"\b(\d{1,2})[/.-](\d{1,2})\b", text)
    if numeric and 1 <= int(numeric.group(2)) <= 12 and 1 <= int(numeric.group(1)) <= 31:
        return int(numeric.group(2)), int(numeric.group(1))
    return None


def titles_of(row: object) -> dict[str, str]:
    return {lang: str(getattr(row, f"title_{lang}")) for lang in LANGUAGES}
