"""What the actions read in a typed message beyond the engine's intent: the person's situation
(age, Actiris, commune, diploma), the aspects asked, a follow-up, a skill asked about, the
topic's usual words. Plain functions: no database, no Rasa."""

from __future__ import annotations

import pytest

from bot.catalogue.topics import topic_named
from bot.language import requested_language
from bot.reading import (
    asks_about_diploma,
    asks_prior_skill,
    asks_seats,
    asks_which_trainings,
    confirms,
    is_follow_up,
    read_aspects,
    read_situation,
    read_yes_no_unknown,
    speaks_of_own_registration,
    wants_the_course,
    wants_to_sign_up,
)

YEAR = 2026


@pytest.mark.parametrize(
    ("text", "age", "actiris", "postcode"),
    [
        ("j'ai 19 ans, inscrit chez actiris, j'habite à Jette", 19, True, "1090"),
        ("ik ben 22 en zit bij actiris", 22, True, None),
        ("ik zit al bij actiris", None, True, None),
        ("een jonge vrouw van 22 jaar die in Anderlecht woont", 22, None, "1070"),
        ("i'm 23 and i live in molenbeek", 23, None, "1080"),
        ("nah not at actiris", None, False, None),
        ("ingeschreven bij actiris sinds januari", None, True, None),
        ("ik ben 20 en sta bij actiris ingeschreven", 20, True, None),
        ("ik woon in Zaventem (1930) maar ben wel bij Actiris ingeschreven", None, True, "1930"),
        ("ik sta niet bij actiris ingeschreven", None, False, None),
        # An age set off by commas, as a counsellor writes about someone they follow.
        ("she is a young woman, 19, registered at actiris", 19, True, None),
        ("ik begeleid een man, 27", 27, None, None),
        ("the course, 12 weeks", None, None, None),
        # Unsure of the registration: neither yes nor no.
        ("pas sur d'etre inscrit chez actiris, j'ai 20 ans", 20, None, None),
        ("weet ni of ik bij actiris sta", None, None, None),
        ("my son turned 17 in october", 17, None, None),
        ("ben net verhuisd naar vilvoorde maar sta nog bij actiris", None, True, None),
        # Facts listed as a person types them: a bare age between commas, "turned", no "chez".
        ("pas chez actiris, 21, j'habite a evere", 21, False, "1140"),
        ("1030, 23", 23, None, "1030"),
        ("i turned 20 in may", 20, None, None),
        ("je viens d'avoir 18", 18, None, None),
        ("22 ans et inscrite actiris", 22, True, None),
        ("registered actiris since june", None, True, None),
        ("23", None, None, None),
    ],
)
def test_a_situation_told_in_passing(text, age, actiris, postcode):
    situation = read_situation(text, current_year=YEAR)
    assert (situation.age, situation.actiris_registered, situation.postcode) == (
        age,
        actiris,
        postcode,
    )


@pytest.mark.parametrize(
    "text",
    ["zit je bij actiris?", "omdat ik in Gent woon", "ik heb in Ukkel gewoond"],
)
def test_no_brussels_residence_or_registration_read_into_these(text):
    situation = read_situation(text, current_year=YEAR)
    assert situation.actiris_registered is None
    assert situation.lives_in_brussels is not True


def test_a_move_out_of_brussels_is_no_brussels_residence():
    situation = read_situation("ben net verhuisd naar vilvoorde", current_year=YEAR)
    assert situation.lives_in_brussels is False


@pytest.mark.parametrize(
    ("text", "aspects"),
    [
        ("c'est où et ça commence quand ?", ["schedule", "location"]),
        ("ok en kan ik wel naar webmaster 360?", ["eligibility"]),
        ("can i also join the other one", ["eligibility"]),
        ("puis-je la faire", ["eligibility"]),
        ("who runs it", []),
        ("hoeveel plaatsen zijn er nog", ["schedule"]),
        ("il reste des places ?", ["schedule"]),
        ("how much is it", ["cost"]),
        ("on est payé pendant ou quoi", ["cost"]),
        ("l'AWS ça commence quand et faut quoi pour rentrer ?", ["schedule", "eligibility"]),
        ("how does the selection work", ["eligibility"]),
        ("wat is salesforce eigenlijk", ["description"]),
        ("what is the price", ["cost"]),
        # "Data" are Dutch dates, and a field in "data et IA".
        ("wat zijn de data", ["schedule"]),
        ("la formation data et ia, ya un stage ?", ["description"]),
        ("is that one also over there? c'est aussi là-bas ?", ["location"]),
        ("do i have to be registered", ["eligibility"]),
        ("my mom did something last year", []),
        ("how long does it last", ["duration"]),
        ("welke is het goedkoopst", ["cost"]),
        ("laquelle est la moins chère", ["cost"]),
        ("wat is de duur", ["duration"]),
        ("can he do the web course", ["eligibility"]),
        ("kan ze de bureautica opleiding volgen", ["eligibility"]),
        ("en de ai en data van becode?", []),
        ("and the data one at becode?", []),
        # A course named, then whether one may: "jpeux ?", "can i?", "am I ok for it".
        ("l'aws chez molengeek jpeux ?", ["eligibility"]),
        ("salesforce, can i?", ["eligibility"]),
        ("is she ok for the cloud one", ["eligibility"]),
        ("sure i can take that one?", ["eligibility"]),
    ],
)
def test_aspects_asked(text, aspects):
    assert read_aspects(text) == aspects


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        ("what about the becode one then", True),
        # A correction asks the last question again about what it names.
        ("non pardon je voulais dire digital city", True),
        ("te ver. nee ik bedoel die met amazon", True),
        ("what do you mean", False),
        ("en wat met die van becode", True),
        ("et quid de molengeek", True),
        ("et pour becode ?", True),
        ("and which ones are cloud?", False),
        ("and how much is it", False),
        ("what trainings are there", False),
    ],
)
def test_a_follow_up_asks_the_last_question_again(text, follow_up):
    assert is_follow_up(text) is follow_up


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("do i need to know coding before", True),
        ("est-ce que je dois savoir coder", True),
        ("moet ik al kunnen programmeren", True),
        ("I know nothing about coding, what trainings", False),
        ("je veux apprendre le code", False),
    ],
)
def test_a_skill_asked_about_is_no_training_searched(text, asks):
    assert asks_prior_skill(text) is asks


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("web", "web_development"),
        ("l'IA c'est quoi", "data_ai"),
        ("cours d'IA", "data_ai"),
        ("ah si j'ai vérifié", None),
        ("Zij wil leren werken met de computer: Word, e-mails", "digital_basics"),
        ("trainings for the basics, like using a computer?", "digital_basics"),
        ("data", None),
    ],
)
def test_a_topics_usual_words(text, topic):
    assert topic_named(text) == topic


@pytest.mark.parametrize(
    ("text", "which"),
    [
        ("welke opleidingen mag ik dan wel volgen?", True),
        ("je peux faire quoi alors", True),
        ("what can i do then", True),
        ("can i do it", False),
        ("welke kan ik dan doen zonder diploma", True),
        ("which ones can i join", True),
        ("lesquelles je peux faire", True),
    ],
)
def test_which_trainings_of_them_all(text, which):
    assert asks_which_trainings(text) is which


def test_a_diploma_asked_about():
    assert asks_about_diploma("Faut-il un diplôme ?") and asks_about_diploma("diploma nodig?")
    assert not asks_about_diploma("c'est où ?")


@pytest.mark.parametrize(
    ("text", "sign_up"),
    [
        ("inscription réseaux sociaux, celle du 7 juin", True),
        ("jveux mincrire jai 20 ans", True),
        ("inscription ?", False),
        ("inscription jusqu'à quand", False),
        ("inscription comment ça marche", False),
        # "Can I…?" asks whether one may, unless it asks to do it here and now.
        ("can i register for aws?", True),
        ("can i register for aws if im 17?", False),
        ("mag ik me inschrijven?", False),
        ("can i register here for the cloud one", True),
        ("kan ik me gewoon hier inschrijven", True),
        ("je peux m inscrire directement ?", True),
        ("zet me ook op de lijst voor cisco", True),
        ("put my name down for the march one", True),
        ("mets moi sur la liste pour le cloud", True),
        ("salesforce register", True),
        ("are you registered?", False),
        ("c possible de s'inscrire pour le cloud ?", True),
        ("il faut s'inscrire chez actiris ?", False),
        ("kan ik me opgeven voor aws", True),
        ("ik wil die van maart", True),
        ("i want the june session", True),
        ("i want to learn coding", False),
        ("who can sign up for the cloud one?", False),
        ("qui peut s'inscrire au webmaster", False),
    ],
)
def test_sign_up_typed_as_people_type_it(text, sign_up):
    assert wants_to_sign_up(text) is sign_up


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("i want the salesforce course pls", True),
        ("je voudrais faire le webmaster 360", True),
        ("k wil de e-learning doen", True),
        ("je veux des infos sur le webmaster 360", False),
        ("i want to know more about salesforce", False),
        ("ik wil de e-learning, wanneer begint die?", False),
    ],
)
def test_a_named_course_wanted(text, wanted):
    assert wants_the_course(text) is wanted


@pytest.mark.parametrize(
    ("text", "own"),
    [
        ("has my sign-up been received?", True),
        ("ma candidature pour molengeek est passée ?", True),
        ("ik heb me gisteren aangemeld voor aws, is dat gelukt", True),
        ("je me suis inscrit la semaine passée", True),
        ("je suis inscrite chez actiris depuis mars", False),
        ("what does becode have", False),
    ],
)
def test_ones_own_registration_spoken_of(text, own):
    assert speaks_of_own_registration(text) is own


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("jsais pas trop en vrai", "unknown"),
        ("geen idee eigenlijk, ik denk het niet zeker", "unknown"),
        ("ik denk het niet", "no"),
        ("je crois pas", "no"),
        ("weet ik ni", "unknown"),
        # "Nie" ends the Dutch "I don't know", which is no "no".
        ("kweet het echt nie", "unknown"),
        ("chais pas trop", "unknown"),
        ("nie", "no"),
    ],
)
def test_yes_no_or_unknown(text, answer):
    assert read_yes_no_unknown(text) == answer


@pytest.mark.parametrize(
    ("text", "confirmed"),
    [("now its good yes", True), ("ja is goed zo", True), ("yes but my email is wrong", False)],
)
def test_a_summary_confirmed(text, confirmed):
    assert confirms(text) is confirmed


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("mon français c pas top. english possible?", "en"),
        ("kunnen we in het nederlands verder? mijn engels is ni zo goe", "nl"),
        ("je parle pas anglais", None),
    ],
)
def test_the_language_asked_for(text, language):
    assert requested_language(text) == language


@pytest.mark.parametrize(
    ("text", "seats"),
    [
        ("y reste combien de places pour mars", True),
        ("nog plaatsen?", True),
        ("a place to eat", False),
    ],
)
def test_free_seats_asked(text, seats):
    assert asks_seats(text) is seats
