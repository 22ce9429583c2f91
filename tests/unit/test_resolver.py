"""The resolver of courses and sessions on the seed catalogue, in the three languages: titles and
aliases (with typos), partner plus topic, ranks in the last list, months and dates, the other
one, ambiguity and nothing matching. Plain data: no database, no Rasa."""

from __future__ import annotations

import datetime as dt

import pytest

from bot import LANGUAGES
from bot.catalogue import TOPICS
from bot.catalogue.importer import validate
from bot.catalogue.resolver import CatalogueIndex, CourseRef, NamedRef, SessionRef
from bot.catalogue.seed import shifted_seed
from bot.i18n import topic_name

TODAY = dt.date(2026, 12, 7)


def hours(text: str) -> tuple[dt.time, dt.time]:
    start, end = text.split("-")
    return dt.time.fromisoformat(start), dt.time.fromisoformat(end)


@pytest.fixture(scope="module")
def index() -> CatalogueIndex:
    catalogue = validate(shifted_seed(TODAY, whole_years=True))
    courses = []
    for c in catalogue["courses"]:
        sessions = tuple(
            SessionRef(s["key"], c["key"], s["start_date"], tuple(s["days"].split(",")),
                       s["start_time"], s["end_time"])
            for s in sorted(c["sessions"], key=lambda s: s["start_date"])
        )  # fmt: skip
        courses.append(
            CourseRef(
                c["key"], c["partner"], c["topic"], c["title"],
                tuple(filter(None, c["aliases"].split("\n"))), sessions, c["format"],
            )
        )  # fmt: skip
    courses.sort(key=lambda c: (c.sessions[0].start, c.key))
    partners = [
        NamedRef(p["key"], p["name"], tuple(filter(None, p["aliases"].split("\n"))))
        for p in catalogue["partners"]
    ]
    organisations = [
        NamedRef(o["key"], o["name"], tuple(filter(None, o["aliases"].split("\n"))))
        for o in catalogue["organisations"]
    ]
    names = frozenset(topic_name(t, lang) for t in TOPICS for lang in LANGUAGES)
    return CatalogueIndex(courses, partners, organisations, names)


@pytest.mark.parametrize(
    ("text", "course"),
    [
        ("the salesforce one", "molengeek-salesforce-admin"),
        ("put me down for Salesforce at MolenGeek", "molengeek-salesforce-admin"),
        ("je veux faire le codding school", "molengeek-coding-school"),
        ("aws restrat", "molengeek-aws-restart"),
        ("devsecop", "becode-devsecops"),
        ("graphisme", "cepegra-graphic-design"),
        ("ik wil iets met grafisch ontwerp", "cepegra-graphic-design"),
        ("et celle sur les réseaux sociaux, c'est quand ?", "bf-social-media"),
        ("développeur web chez bruxelles formation", "bf-web-developer"),
        ("the web developer one at becode", "becode-web-developer"),
        ("de webontwikkelaar van BeCode", "becode-web-developer"),
        ("the office and internet course", "bf-digital-autonomy"),
        ("le cours e-learning", "bf-digital-elearning"),
        ("labo cisco", "digitalcity-cisco-network-security"),
    ],
)
def test_a_course_named_by_title_or_alias(index, text, course):
    assert index.find_courses(text).keys == (course,)


def test_two_courses_with_one_title_are_a_question_with_only_them(index):
    match = index.find_courses("la formation développeur web")
    assert match.ambiguous and set(match.keys) == {"becode-web-developer", "bf-web-developer"}


@pytest.mark.parametrize(
    "text",
    [
        "c ou et ca commence quand",  # "commence" is no typo of "ecommerce"
        "certif?",  # a part of one alias ("IT certification") names nothing
        "je veux une formation à bruxelles",  # "Bruxelles Formation" needs both words together
        "i left coding",
        "what is there",
    ],
)
def test_words_that_name_no_course(index, text):
    assert not index.find_courses(text)


def test_a_title_made_of_the_words_that_named_the_topic_asks_about_the_topic(index):
    # "Web developer" (and its French title "Développeur web") is a title of two courses and
    # the words the engine read as the topic: all web trainings are meant.
    text = "hello im 23, what web developer trainings are there"
    assert index.find_courses(text).keys == ("becode-web-developer", "bf-web-developer")
    assert not index.find_courses(text, topic_words=["web", "developer"])


@pytest.mark.parametrize(
    ("text", "course"),
    [
        ("celle avec amazon c'est chez qui ?", "molengeek-aws-restart"),
        ("celle en ligne elle commence quand", "bf-digital-elearning"),
        (
            "I need to learn computer stuff from home. is there something online?",
            "bf-digital-elearning",
        ),
    ],
)
def test_a_course_pointed_at_by_one_word_or_its_format(index, text, course):
    assert index.find_courses(text).keys == (course,)


def test_a_word_of_the_question_points_at_no_course(index):
    # "Start" is a word of "AWS re/Start" and of the question "when does that one start".
    assert not index.find_courses("wanneer start die")
    assert index.find_courses("c koi la formation awz re start").keys == ("molengeek-aws-restart",)


def test_a_topic_in_the_list_just_shown_is_the_course_of_that_topic_there(index):
    shown = ["becode-ai-data-developer", "becode-devsecops", "becode-web-developer"]
    match = index.find_courses("die van cyber, waar is da", shown=shown, topic="cybersecurity")
    assert match.keys == ("becode-devsecops",)


def test_selling_online_is_no_online_course(index):
    assert not index.find_courses("i wanna learn how to sell stuff online")


def test_the_soonest_session_of_several_courses(index):
    courses = ["becode-web-developer", "bf-web-developer"]
    soonest = index.soonest_session_among("de eerstvolgende sessie graag", courses)
    starts = {s.key: s.start for c in courses for s in index.by_key[c].sessions}
    assert soonest == min(starts, key=starts.__getitem__)
    assert index.soonest_session_among("welke sessies zijn er", courses) is None


def test_a_title_that_is_a_topics_name_asks_about_the_topic(index):
    # "Marketing digital" is MolenGeek's title and the topic's name: the topic is meant.
    assert not index.find_courses("quelles formations marketing digital")
    match = index.find_courses("formations marketing digital", topic="digital_marketing")
    assert set(match.keys) == {"bf-ecommerce", "bf-social-media", "molengeek-digital-marketing"}


def test_partner_and_topic_answer_for_that_combination_only(index):
    match = index.find_courses("the cloud one at molengeek", topic="cloud")
    assert match.how == "partner_topic"
    assert set(match.keys) == {"molengeek-aws-restart", "molengeek-salesforce-admin"}
    missing = index.find_courses("does cepegra do cloud", topic="cloud")
    assert missing.how == "partner_topic" and missing.keys == ()


def test_a_course_named_at_the_wrong_partner_is_found_elsewhere(index):
    match = index.find_courses("geeft digitalcity ook les in grafisch ontwerp?")
    assert match.how == "elsewhere" and match.keys == ("cepegra-graphic-design",)


MARKETING = ["bf-ecommerce", "bf-social-media", "molengeek-digital-marketing"]


@pytest.mark.parametrize(
    ("text", "course"),
    [
        ("the second", "bf-social-media"),
        ("la deuxième", "bf-social-media"),
        ("la dernière", "molengeek-digital-marketing"),
        ("de eerste", "bf-ecommerce"),
        ("nummer 2", "bf-social-media"),
        ("2", "bf-social-media"),
        ("die van maart", "molengeek-digital-marketing"),
        ("the one in may", "bf-ecommerce"),
        ("sign me up for may", "bf-ecommerce"),
        ("de middelste", "bf-social-media"),
    ],
)
def test_a_course_from_the_list_just_shown(index, text, course):
    assert index.find_courses(text, shown=MARKETING).keys == (course,)


def test_a_month_that_fits_several_shown_courses_leaves_the_choice_to_them(index):
    match = index.find_courses("celle de septembre", shown=MARKETING)
    assert set(match.keys) == {"bf-ecommerce", "molengeek-digital-marketing"}


def test_may_as_a_verb_is_no_month(index):
    assert not index.find_courses("may i join?", shown=MARKETING)


@pytest.mark.parametrize(
    ("text", "session"),
    [
        ("the one in September", "becode-web-developer-2027-09"),
        ("celle de mars", "becode-web-developer-2027-03"),
        ("die van september", "becode-web-developer-2027-09"),
        ("la deuxième", "becode-web-developer-2027-09"),
        ("de laatste", "becode-web-developer-2027-09"),
        ("the earliest", "becode-web-developer-2027-03"),
        ("la première", "becode-web-developer-2027-03"),
        ("13 sept", "becode-web-developer-2027-09"),
        ("13/09", "becode-web-developer-2027-09"),
        ("no, the other one", "becode-web-developer-2027-09"),
    ],
)
def test_a_session_named_by_rank_month_date_or_as_the_other_one(index, text, session):
    match = index.find_session(text, "becode-web-developer", current="becode-web-developer-2027-03")
    assert match.keys == (session,)


def test_a_month_without_a_session_says_what_was_looked_for(index):
    match = index.find_session("in april", "becode-web-developer")
    assert match.keys == () and match.how == "month"


def test_the_other_one_of_three_is_a_question_between_two(index):
    match = index.find_session("l'autre", "bf-ecommerce", current="bf-ecommerce-2027-02")
    assert match.ambiguous and "bf-ecommerce-2027-02" not in match.keys


def test_a_rank_counts_in_the_sessions_offered(index):
    offered = ["bf-ecommerce-2027-05", "bf-ecommerce-2027-09"]
    assert index.find_session("the first", "bf-ecommerce", among=offered).keys == (offered[0],)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("c quoi le CPAS", ["cpas"]),
        ("en het ocmw? kunnen die mij helpen", ["cpas"]),
        ("my school said", ["school"]),
        ("I left school", []),
        # A short word that sounds like an alias ("lycée") is no name of it.
        ("do you have trainings for the basics, like using a computer?", []),
        ("ik ben bij de VDAB", ["vdab"]),
    ],
)
def test_organisations_named(index, text, found):
    assert index.organisations_named(text) == found


def test_online_courses(index):
    assert index.find_courses("celle en ligne elle commence quand").keys == (
        "bf-digital-elearning",
    )


@pytest.mark.parametrize(
    ("text", "shown", "session"),
    [
        ("and the one after february?", (), "bf-ecommerce-2027-05"),
        ("en daarna?", ("bf-ecommerce-2027-02",), "bf-ecommerce-2027-05"),
        ("et celle d'après ?", ("bf-ecommerce-2027-05",), "bf-ecommerce-2027-09"),
        ("and after september?", (), None),
        ("en daarna?", (), None),
        ("the one in may", ("bf-ecommerce-2027-02",), None),
    ],
)
def test_the_session_after(index, text, shown, session):
    assert index.session_after(text, "bf-ecommerce", shown) == session
