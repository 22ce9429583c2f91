"""Actions run against a real database with rasa-sdk's own dispatcher and trackers.

Expected texts are computed from the database rows and the message catalogue, never typed in.
"""

from __future__ import annotations

import datetime as dt

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import update

import actions.common
from actions.basics import (
    ActionChangeLanguage,
    ActionFallback,
    ActionGreet,
    ActionOutOfScope,
    ActionUnaskedValue,
)
from actions.courses import (
    ActionCertificate,
    ActionCost,
    ActionCourses,
    ActionLocation,
    ActionSchedule,
)
from actions.eligibility import ActionEligibility
from actions.partners import ActionPartners
from bot.catalogue.queries import (
    get_course,
    get_partner,
    list_partners,
    search_courses,
    upcoming_sessions,
)
from bot.db.models import CourseSession, localized
from bot.i18n import format_date, month_name, text
from bot.language import detect_language


@pytest.fixture
def db(seeded, database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    actions.common.settings.cache_clear()
    yield seeded
    actions.common.settings.cache_clear()


def tracker(
    message: str = "", *, intent: str = "", entities=None, slots=None, lang=None
) -> Tracker:
    latest = {
        "text": message,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [
            {"entity": name, "value": value, "start": 0, "end": 0}
            for name, value in (entities or [])
        ],
        "metadata": {"lang": lang} if lang else {},
    }
    return Tracker("test-user", dict(slots or {}), latest, [], False, None, {}, "action_listen")


def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, t, {})
    texts = "\n".join(m["text"] for m in dispatcher.messages if m.get("text"))
    return dispatcher.messages, texts, events


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_greeting_in_the_requested_language_sets_the_slot(db, lang):
    messages, texts, events = run(ActionGreet(), tracker("hi", lang=lang))
    assert texts == text("greet", lang)
    assert messages[0]["buttons"], "the greeting offers next steps"
    assert SlotSet("language", lang) in events


def test_without_lang_the_slot_then_the_text_decide(db):
    _, texts, events = run(ActionGreet(), tracker("bonjour", slots={"language": "nl"}))
    assert texts == text("greet", "nl") and events == []
    _, texts, events = run(ActionGreet(), tracker("goeiedag, hoe gaat het"))
    assert texts == text("greet", "nl") and SlotSet("language", "nl") in events


def test_partners_are_listed_from_the_database(db):
    messages, texts, _ = run(ActionPartners(), tracker("who?", lang="en"))
    with db() as session:
        partners = list_partners(session)
    for partner in partners:
        assert partner.name in texts
        assert localized(partner, "description", "en") in texts
    assert [b["title"] for b in messages[0]["buttons"]] == [p.name for p in partners]


def test_one_partner_is_described_with_its_address_and_courses(db):
    _, texts, events = run(
        ActionPartners(), tracker("becode?", entities=[("partner", "becode")], lang="fr")
    )
    with db() as session:
        becode = get_partner(session, "becode")
    assert becode.address in texts and becode.contact in texts
    for course in becode.courses:
        assert course.title_fr in texts
    assert SlotSet("partner", "becode") in events


def test_unknown_partner_gets_the_known_ones(db):
    _, texts, _ = run(ActionPartners(), tracker("x", entities=[("partner", "hogwarts")], lang="en"))
    assert texts.startswith(text("unknown_partner", "en", name="hogwarts", known="")[:20])
    assert "BeCode" in texts and "MolenGeek" in texts


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_course_search_by_topic_shows_each_course_with_its_next_start(db, today, lang):
    _, texts, _ = run(
        ActionCourses(), tracker("cyber", entities=[("course_topic", "cybersecurity")], lang=lang)
    )
    with db() as session:
        courses = search_courses(session, today, topic="cybersecurity")
    assert courses
    for course in courses:
        assert localized(course, "title", lang) in texts
        assert format_date(upcoming_sessions(course, today)[0].start_date, lang) in texts


def test_a_partner_and_a_topic_that_do_not_go_together_offer_the_topic_elsewhere(db):
    _, texts, _ = run(
        ActionCourses(),
        tracker("x", entities=[("course_topic", "cloud"), ("partner", "cepegra")], lang="en"),
    )
    assert texts.startswith(text("not_at_partner", "en", partner="Cepegra", topic="cloud"))
    assert "AWS re/Start" in texts, "the topic at other partners"
    assert "Graphic design and graphic industries" in texts, "the partner's own trainings"


def test_schedule_of_one_course_gives_dates_days_place_and_seats(db, today):
    key = "molengeek-coding-school"
    with db() as session:
        course = get_course(session, key)
        sessions = upcoming_sessions(course, today)[:3]
    messages, texts, events = run(
        ActionSchedule(), tracker("when", entities=[("course", key)], lang="en")
    )
    for session in sessions:
        assert format_date(session.start_date, "en") in texts
        assert format_date(session.end_date, "en") in texts
        assert session.location in texts
    full = [s for s in sessions if s.seats_left == 0]
    assert full, "the seed has a full MolenGeek session"
    assert text("seats_full", "en") in texts
    for session in sessions:
        if session.seats_left:
            assert text("seats_left", "en", seats=session.seats_left) in texts
    assert "indicative" in texts, "sample dates are flagged as such"
    assert [m for m in messages if m.get("text")][-1]["buttons"]
    assert SlotSet("course", key) in events


def test_a_month_asked_about_the_course_in_mind_shows_its_sessions_then(db, today):
    key = "molengeek-coding-school"
    with db() as session:
        sessions = upcoming_sessions(get_course(session, key), today)[:3]
    month = sessions[1].start_date.month
    asked = f"is there one in {month_name(month, 'en')}"
    _, texts, _ = run(ActionSchedule(), tracker(asked, slots={"course": key}, lang="en"))
    assert format_date(sessions[1].start_date, "en") in texts
    others = [s for s in sessions if s.start_date.month != month]
    assert not any(format_date(s.start_date, "en") in texts for s in others)
    # A month without a session: said so, and every session shown.
    empty = next(m for m in range(1, 13) if all(s.start_date.month != m for s in sessions))
    asked = f"and in {month_name(empty, 'en')}?"
    _, texts, _ = run(ActionSchedule(), tracker(asked, slots={"course": key}, lang="en"))
    assert month_name(empty, "en") in texts.split("\n")[0]
    assert all(format_date(s.start_date, "en") in texts for s in sessions)


def test_a_rank_after_a_courses_sessions_picks_one_of_them(db, today):
    key = "bf-social-media"
    with db() as session:
        sessions = upcoming_sessions(get_course(session, key), today)[:3]
    slots = {"course": key, "shown_sessions": [s.key for s in sessions]}
    _, texts, _ = run(ActionSchedule(), tracker("et la dernière ?", slots=slots, lang="fr"))
    assert format_date(sessions[-1].start_date, "fr") in texts
    assert format_date(sessions[0].start_date, "fr") not in texts
    # A question of dates ("when is the next start?") is answered with all of them.
    _, texts, _ = run(ActionSchedule(), tracker("c'est quand la prochaine ?", slots=slots))
    assert all(format_date(s.start_date, "fr") in texts for s in sessions)


def test_where_to_learn_a_field_lists_its_trainings_and_who_gives_them(db, today):
    with db() as session:
        courses = search_courses(session, today, topic="digital_marketing")
        expected = [(c.title_nl, c.partner.name) for c in courses]
    _, texts, _ = run(
        ActionLocation(),
        tracker(
            "waar kan ik dan wel marketing leren",
            entities=[("course_topic", "digital_marketing")],
            lang="nl",
        ),
    )
    assert len(expected) > 1
    assert all(title in texts and partner in texts for title, partner in expected)


def test_the_cost_of_a_partners_trainings_names_them(db, today):
    with db() as session:
        courses = search_courses(session, today, partner_key="becode")
        titles = [c.title_en for c in courses]
    _, texts, _ = run(
        ActionCost(), tracker("is becode free", entities=[("partner", "becode")], lang="en")
    )
    assert texts.startswith(text("cost_free_list", "en"))
    assert titles and all(title in texts for title in titles)


def test_a_date_changed_in_the_database_shows_in_the_next_answer(db, today):
    key = "becode-web-developer"
    new_start = today + dt.timedelta(days=3)
    with db() as session, session.begin():
        first = upcoming_sessions(get_course(session, key), today)[0]
        session.execute(
            update(CourseSession).where(CourseSession.id == first.id).values(start_date=new_start)
        )
    _, texts, _ = run(ActionSchedule(), tracker("when", entities=[("course", key)], lang="nl"))
    assert format_date(new_start, "nl") in texts


def test_follow_up_questions_use_the_course_in_mind(db, today):
    key = "becode-web-developer"
    with db() as session:
        course = get_course(session, key)
    _, where, _ = run(ActionLocation(), tracker("where", slots={"course": key}, lang="en"))
    assert upcoming_sessions(course, today)[0].location in where
    _, cost, _ = run(ActionCost(), tracker("price", slots={"course": key}, lang="fr"))
    assert cost.startswith(text("cost_free", "fr", title=course.title_fr, partner="BeCode"))
    assert course.allowance_fr in cost
    _, certificate, _ = run(
        ActionCertificate(), tracker("diploma", slots={"course": key}, lang="en")
    )
    expected = course.certificate_en or text(
        "no_certificate_info",
        "en",
        title=course.title_en,
        partner="BeCode",
        contact=course.partner.contact,
    )
    assert expected in certificate


@pytest.mark.parametrize("message", ["who can do it", "qui peut la faire ?", "wie mag dat doen"])
def test_who_can_do_the_course_in_mind_is_its_conditions(db, message):
    key = "molengeek-coding-school"
    with db() as session:
        course = get_course(session, key)
    t = tracker(message, intent="ask_partners", slots={"course": key}, lang="en")
    _, texts, _ = run(ActionPartners(), t)
    assert course.rules and all(rule.reason_en in texts for rule in course.rules)


def test_who_runs_the_course_in_mind_is_its_partner(db):
    key = "becode-ai-data-developer"
    with db() as session:
        course = get_course(session, key)
        partner, address = course.partner.name, course.partner.address
    t = tracker("who runs it?", intent="ask_partners", slots={"course": key}, lang="en")
    _, texts, events = run(ActionPartners(), t)
    assert texts.startswith(partner) and address in texts
    assert SlotSet("course", None) not in events, "the course stays in mind"


def test_a_skill_asked_about_is_about_the_course_in_mind(db):
    key = "becode-ai-data-developer"
    with db() as session:
        course = get_course(session, key)
    message = "do i need to know coding before"
    t = tracker(message, intent="ask_eligibility", slots={"course": key}, lang="en")
    start = message.index("coding")
    t.latest_message["entities"] = [
        {"entity": "course_topic", "value": "web_development", "start": start, "end": start + 6}
    ]
    _, texts, _ = run(ActionEligibility(), t)
    assert all(rule.reason_en in texts for rule in course.rules)


def test_a_question_without_any_course_narrows_the_choice_first(db):
    messages, texts, events = run(ActionCertificate(), tracker("certificate?", lang="en"))
    assert texts == text("which_course_narrow", "en", count=17)
    buttons = messages[0]["buttons"]
    assert 2 <= len(buttons) <= 8, "never more than 8 buttons"
    assert all(b["payload"].startswith('/ask_certificate{"course_topic":') for b in buttons)
    # The whole list is remembered, so the person may still answer by typing a course.
    assert SlotSet("pending", "ask_certificate") in events
    assert len(next(e["value"] for e in events if e["name"] == "shown_courses")) == 17


def test_a_question_fitting_a_few_courses_asks_which_with_one_button_each(db):
    messages, texts, _ = run(
        ActionCertificate(),
        tracker("certificate?", entities=[("course_topic", "cloud")], lang="en"),
    )
    assert texts == text("which_course", "en")
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/ask_certificate{"course":"molengeek-aws-restart"}',
        '/ask_certificate{"course":"molengeek-salesforce-admin"}',
        '/ask_certificate{"course":"digitalcity-cloud-certification"}',
    ]


def test_conditions_of_a_course_come_from_its_rules(db):
    key = "molengeek-coding-school"
    with db() as session:
        course = get_course(session, key)
    _, texts, _ = run(
        ActionEligibility(), tracker("conditions?", entities=[("course", key)], lang="nl")
    )
    for rule in course.rules:
        assert rule.reason_nl in texts
    # Nothing known of the person yet: not yet known, and the facts that would settle it.
    missing = "je leeftijd en of je ingeschreven bent bij Actiris"
    assert text("conditions_unsure", "nl", missing=missing) in texts


@pytest.mark.parametrize(
    ("message", "lang", "verdict", "reason_kind"),
    [
        ("I'm 27, registered at Actiris, I live in Jette", "en", "verdict_not_eligible", "max_age"),
        (
            "j'ai 20 ans, je suis inscrit chez actiris, j'habite à Jette",
            "fr",
            "verdict_eligible",
            None,
        ),
        ("ik ben 20 jaar", "nl", "verdict_unsure", None),
        (
            "j'ai 22 ans et jsuis pas inscrit chez actiris",
            "fr",
            "verdict_not_eligible",
            "actiris_registered",
        ),
    ],
)
def test_personal_check_answers_with_reasons_from_the_rules(
    db, message, lang, verdict, reason_kind
):
    key = "molengeek-coding-school"
    with db() as session:
        course = get_course(session, key)
    _, texts, _ = run(ActionEligibility(), tracker(message, entities=[("course", key)], lang=lang))
    values = {"title": localized(course, "title", lang), "partner": course.partner.name}
    assert text(verdict, lang, **values) in texts
    if reason_kind:
        rule = next(r for r in course.rules if r.kind == reason_kind)
        assert localized(rule, "reason", lang) in texts


def test_personal_check_for_a_partner_checks_each_of_its_courses(db):
    _, texts, _ = run(
        ActionEligibility(),
        tracker(
            "I'm 27 and live in Liège, can I do BeCode?",
            entities=[("partner", "becode")],
            lang="en",
        ),
    )
    with db() as session:
        becode = get_partner(session, "becode")
        rules = {c.key: {r.kind: r for r in c.rules} for c in becode.courses}
    for course in becode.courses:
        if "max_age" in rules[course.key] and int(rules[course.key]["max_age"].value) < 27:
            expected = text(
                "verdict_line_not_eligible",
                "en",
                title=course.title_en,
                reasons=rules[course.key]["max_age"].reason_en,
            )
            assert expected in texts
        else:
            assert course.title_en in texts
    assert texts.count("\n") >= len(becode.courses)


def test_actiris_named_as_a_condition_is_not_taken_for_the_partner(db):
    _, texts, _ = run(
        ActionEligibility(),
        tracker(
            "j'ai 19 ans, inscrit chez actiris, je peux faire molengeek ?",
            entities=[("partner", "actiris"), ("partner", "molengeek")],
            lang="fr",
        ),
    )
    with db() as session:
        molengeek = get_partner(session, "molengeek")
    assert "Je ne connais pas" not in texts
    for course in molengeek.courses:
        assert course.title_fr in texts


def test_change_language(db):
    _, texts, events = run(
        ActionChangeLanguage(), tracker("in het Nederlands aub", slots={"language": "fr"})
    )
    assert texts == text("language_changed", "nl")
    assert SlotSet("language", "nl") in events
    _, texts, _ = run(ActionChangeLanguage(), tracker("other language", slots={"language": "fr"}))
    assert texts == text("language_which", "fr")


def test_out_of_scope_says_what_it_can_do(db):
    _, texts, _ = run(ActionOutOfScope(), tracker("pizza", lang="nl"))
    assert texts == text("out_of_scope", "nl")


def test_database_down_gives_a_polite_message(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    actions.common.settings.cache_clear()
    try:
        _, texts, _ = run(ActionCourses(), tracker("courses", lang="fr"))
    finally:
        actions.common.settings.cache_clear()
    assert texts == text("unavailable", "fr")


def fallback_tracker(ranking, *, previous_intent=None, lang="en", entities=()):
    latest = {
        "text": "zzz",
        "intent": {"name": "nlu_fallback", "confidence": 0.3},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        "entities": [{"entity": e, "value": v} for e, v in entities],
        "metadata": {"lang": lang},
    }
    events = []
    if previous_intent:
        events.append({"event": "user", "parse_data": {"intent": {"name": previous_intent}}})
    events.append({"event": "user", "parse_data": latest})
    return Tracker("t", {}, latest, events, False, None, {}, "action_listen")


def test_first_miss_offers_the_two_likeliest_topics(db):
    ranking = [("nlu_fallback", 0.3), ("ask_cost", 0.25), ("ask_schedule", 0.2), ("greet", 0.1)]
    messages, texts, _ = run(ActionFallback(), fallback_tracker(ranking, lang="fr"))
    assert texts == text("did_you_mean", "fr")
    assert [b["title"] for b in messages[0]["buttons"]] == [
        text("intent_ask_cost", "fr"),
        text("intent_ask_schedule", "fr"),
    ]
    assert messages[0]["buttons"][0]["payload"] == "/ask_cost"


def test_a_miss_that_names_a_partner_is_answered_about_it(db):
    ranking = [("nlu_fallback", 0.3), ("ask_cost", 0.25), ("ask_schedule", 0.2)]
    _, texts, _ = run(
        ActionFallback(), fallback_tracker(ranking, lang="fr", entities=[("partner", "becode")])
    )
    assert "Développeur web (BeCode" in texts and text("did_you_mean", "fr") not in texts


def test_second_miss_in_a_row_points_to_a_person(db):
    ranking = [("nlu_fallback", 0.3), ("ask_cost", 0.25)]
    messages, texts, _ = run(
        ActionFallback(), fallback_tracker(ranking, previous_intent="nlu_fallback", lang="nl")
    )
    assert texts == text("second_miss", "nl")
    assert messages[0]["buttons"][0]["payload"] == "/ask_human"


def test_a_miss_after_an_understood_message_is_a_first_miss(db):
    ranking = [("nlu_fallback", 0.3), ("ask_location", 0.25), ("ask_cost", 0.2)]
    _, texts, _ = run(ActionFallback(), fallback_tracker(ranking, previous_intent="greet"))
    assert texts == text("did_you_mean", "en")


def test_a_bare_topic_nobody_asked_for_lists_its_trainings(db, today):
    _, texts, _ = run(
        ActionUnaskedValue(),
        tracker(
            "dev web", intent="inform", entities=[("course_topic", "web_development")], lang="fr"
        ),
    )
    with db() as session:
        courses = search_courses(session, today, topic="web_development")
    assert courses
    for course in courses:
        assert localized(course, "title", "fr") in texts


def test_a_bare_partner_nobody_asked_for_is_described(db):
    _, texts, events = run(
        ActionUnaskedValue(),
        tracker("cepegra", intent="inform", entities=[("partner", "cepegra")], lang="nl"),
    )
    with db() as session:
        cepegra = get_partner(session, "cepegra")
    assert cepegra.address in texts and cepegra.contact in texts
    assert SlotSet("partner", "cepegra") in events


def test_a_bare_age_nobody_asked_for_gets_the_fallback_ladder(db):
    messages, texts, _ = run(ActionUnaskedValue(), tracker("19", intent="inform", lang="en"))
    assert texts == text("fallback", "en")
    assert messages[0]["buttons"]


@pytest.mark.parametrize(
    ("message", "slot", "expected"),
    [
        ("hello", "fr", "fr"),  # too little to switch
        ("ok merci", "nl", "nl"),  # Brussels: a French word in a Dutch conversation
        ("wanneer begint de volgende opleiding bij becode en hoeveel kost die", "fr", "nl"),
        ("when does the next training start and where is it please", "nl", "en"),
        ("quand est-ce que la prochaine formation commence et c'est où", "en", "fr"),
    ],
)
def test_a_message_clearly_in_another_language_switches(db, message, slot, expected):
    messages, _, _ = run(ActionGreet(), tracker(message, slots={"language": slot}))
    assert messages[0]["text"] == text("greet", expected)


def test_a_first_message_that_says_no_language_leaves_it_to_the_next(db):
    # "becode cyber?" says nothing of the language: the default answers, as a guess...
    _, _, events = run(ActionGreet(), tracker("becode cyber?"))
    assert SlotSet("language", "fr") in events and SlotSet("language_guessed", True) in events
    # ...that the next message corrects, as a first message would, without a clear switch.
    slots = {"language": "fr", "language_guessed": True}
    messages, _, events = run(ActionGreet(), tracker("dey got cyber?", slots=slots))
    assert messages[0]["text"] == text("greet", "en")
    assert SlotSet("language_guessed", False) in events
    # Once a message said it, it takes a clear message to switch.
    slots = {"language": "en", "language_guessed": False}
    messages, _, _ = run(ActionGreet(), tracker("ok merci", slots=slots))
    assert messages[0]["text"] == text("greet", "en")


def test_a_first_message_that_leans_to_a_language_is_answered_in_it_as_a_guess(db):
    # "courses" leans English without settling it: English is the better guess than the default.
    assert detect_language("secu courses?") is None
    messages, _, events = run(ActionGreet(), tracker("secu courses?"))
    assert messages[0]["text"] == text("greet", "en")
    assert SlotSet("language_guessed", True) in events


def test_what_a_course_is_comes_from_its_description(db):
    key = "molengeek-salesforce-admin"
    with db() as session:
        course = get_course(session, key)
    _, texts, _ = run(
        ActionSchedule(), tracker("wat is salesforce eigenlijk", intent="ask_schedule", lang="nl")
    )
    assert texts.startswith(course.title_nl) and course.description_nl in texts


def test_a_diploma_asked_about_is_answered(db):
    key = "becode-web-developer"
    with db() as session:
        title = get_course(session, key).title_fr
    _, texts, _ = run(
        ActionEligibility(), tracker("faut-il un diplôme ?", slots={"course": key}, lang="fr")
    )
    assert text("no_diploma_needed", "fr", title=title) in texts


def test_a_yes_after_actiris_was_asked_for_is_about_actiris(db):
    key = "molengeek-webmaster-360"
    slots = {"course": key, "fact_age": 25, "fact_brussels": True}
    _, unsure, events = run(ActionEligibility(), tracker("can i do it", slots=slots, lang="en"))
    assert SlotSet("asked_actiris", True) in events and text("missing_actiris", "en") in unsure
    slots["asked_actiris"] = True
    _, texts, events = run(
        ActionEligibility(), tracker("yes i am", intent="affirm", slots=slots, lang="en")
    )
    assert SlotSet("fact_actiris", True) in events
    assert (
        text("verdict_eligible", "en", title=get_title(db, key, "en"), partner="MolenGeek") in texts
    )


def get_title(db, key: str, lang: str) -> str:
    with db() as session:
        return getattr(get_course(session, key), f"title_{lang}")


def test_who_does_a_topic_lists_its_trainings_with_their_partners(db):
    _, texts, _ = run(
        ActionPartners(),
        tracker(
            "ok alors qui fait du cloud",
            intent="ask_partners",
            entities=[("course_topic", "cloud")],
            lang="fr",
        ),
    )
    with db() as session:
        cloud = search_courses(session, dt.date(2026, 12, 7), topic="cloud")
        assert cloud and all(f"{c.title_fr} ({c.partner.name}" in texts for c in cloud)
    slots = {"course_topic": "cloud", "partner": "becode"}
    _, again, _ = run(ActionPartners(), tracker("qui en fait alors", slots=slots, lang="fr"))
    assert all(c.title_fr in again for c in cloud)


def test_a_topic_asked_after_a_partners_training_stays_at_that_partner(db):
    slots = {"partner": "digitalcity", "course": "digitalcity-cloud-certification"}
    t = tracker("et en cyber ?", intent="ask_courses", slots=slots, lang="fr")
    t.latest_message["entities"] = [
        {"entity": "course_topic", "value": "cybersecurity", "start": 6, "end": 11}
    ]
    _, texts, _ = run(ActionCourses(), t)
    with db() as session:
        cisco = get_course(session, "digitalcity-cisco-network-security")
        others = search_courses(session, dt.date(2026, 12, 7), topic="cybersecurity")
    assert cisco.title_fr in texts
    assert all(c.title_fr not in texts for c in others if c.partner.key != "digitalcity")


def test_the_other_of_two_courses_talked_about_one_by_one(db):
    slots = {"course": "molengeek-webmaster-360", "previous_course": "molengeek-coding-school"}
    asked = tracker("ok and the other one, when does it start", slots=slots, lang="en")
    _, texts, _ = run(ActionSchedule(), asked)
    assert "Coding School" in texts and "Webmaster" not in texts


def test_the_session_after_a_month_named_about_the_course_in_mind(db, today):
    key = "bf-ecommerce"
    with db() as session:
        sessions = upcoming_sessions(get_course(session, key), today)[:3]
    asked = f"and the one after {month_name(sessions[0].start_date.month, 'en')}?"
    t = tracker(asked, intent="ask_courses", slots={"course": key}, lang="en")
    _, texts, _ = run(ActionCourses(), t)
    assert format_date(sessions[1].start_date, "en") in texts
    assert format_date(sessions[0].start_date, "en") not in texts


def test_the_course_asked_about_in_a_list_of_two_leaves_the_other_for_later(db):
    slots = {"shown_courses": ["molengeek-aws-restart", "molengeek-salesforce-admin"]}
    asked = tracker("aws when does it start", slots=slots, lang="en")
    _, _, events = run(ActionSchedule(), asked)
    assert SlotSet("previous_course", "molengeek-salesforce-admin") in events
