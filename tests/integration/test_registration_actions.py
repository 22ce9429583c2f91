"""The pre-registration actions with rasa-sdk's dispatcher and trackers, on a real database."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select, update

import actions.common
from actions.basics import ActionFallback
from actions.courses import ActionCourses
from actions.eligibility import ActionEligibility
from actions.my_data import (
    ActionAskDeleteMyData,
    ActionCancelRegistration,
    ActionCheckRegistration,
    ActionDeleteMyData,
)
from actions.preregistration_form import (
    ActionAskSession,
    ActionStartPreregistration,
    ValidatePreregistrationForm,
)
from actions.preregistration_summary import (
    ActionChangeAnswer,
    ActionConfirmRegistration,
    ActionRegistrationSummary,
    ActionStopPreregistration,
)
from bot.catalogue.queries import get_course
from bot.db.models import CourseSession, Registration, localized
from bot.i18n import text
from bot.registration import export_rows, format_reference


@pytest.fixture
def db(seeded, database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    actions.common.settings.cache_clear()
    yield seeded
    actions.common.settings.cache_clear()


COURSE = "becode-web-developer"


@pytest.fixture
def session_key(db, today) -> str:
    with db() as s:
        course = get_course(s, COURSE)
        return next(x.key for x in course.sessions if x.start_date > today)


def tracker(
    message="", *, intent="", entities=(), slots=None, lang="en", sender="person"
) -> Tracker:
    latest = {
        "text": message,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [{"entity": n, "value": v} for n, v in entities],
        "metadata": {"lang": lang},
    }
    return Tracker(sender, dict(slots or {}), latest, [], False, None, {}, "action_listen")


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, t, {})
    if asyncio.iscoroutine(events):
        events = asyncio.run(events)
    return (
        dispatcher.messages,
        "\n".join(m["text"] for m in dispatcher.messages if m.get("text")),
        events,
    )


def filled(session_key, **changes):
    """The form's answers as they stand at the summary, which showed `session_key`."""
    slots = {
        "session": session_key, "course": COURSE, "data_consent": True, "first_name": "Fatima",
        "contact": "+32470123456", "age": 22, "actiris_registered": "yes", "postcode": "1080",
        "summarized_session": session_key,
    }  # fmt: skip
    slots.update(changes)
    return slots


def validate(slot, value, slots):
    """Run the form's validation as the engine does: the slot it just filled is the last event."""
    t = tracker(str(value), slots={**slots, slot: value})
    t.events = [
        {"event": "user", "text": str(value)},
        {"event": "slot", "name": slot, "value": value},
    ]
    messages, texts, events = run(ValidatePreregistrationForm(), t)
    result = {
        e["name"]: e["value"]
        for e in events
        if e["event"] == "slot" and e["name"] not in ("language", "requested_slot")
    }
    return result, texts, [m for m in messages if m.get("text")]


def test_starting_takes_the_session_from_the_course_in_mind(db, today):
    course_key = "becode-ai-data-developer"
    with db() as s:
        course = get_course(s, course_key)
        open_sessions = [x for x in course.sessions if x.start_date > today]
    _, texts, events = run(
        ActionStartPreregistration(), tracker("sign me up", slots={"course": course_key})
    )
    assert texts == "", "the form that follows does the talking"
    assert SlotSet("first_name", None) in events, "answers of an earlier form are cleared"
    expected = open_sessions[0].key if len(open_sessions) == 1 else None
    assert SlotSet("session", expected) in events


def test_the_form_asks_for_a_session_with_buttons(db, session_key):
    messages, _, _ = run(ActionAskSession(), tracker("sign me up", slots={"course": COURSE}))
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert f'/preregister{{"session":"{session_key}"}}' in payloads
    messages, _, _ = run(ActionAskSession(), tracker("sign me up"))
    assert messages[0]["text"] == text("which_course_narrow", "en", count=17)
    assert all(
        b["payload"].startswith('/preregister{"course_topic":') for b in messages[0]["buttons"]
    )
    assert len(messages[0]["buttons"]) <= 8


@pytest.mark.parametrize("course", [COURSE, None])
def test_a_question_at_the_session_question_is_answered_and_leaves_the_sign_up(db, course):
    message = "ok welke opleidingen kan ik wel doen op mijn leeftijd"
    slots = {"course": course, "fact_age": 26, "session": message, "language": "nl"}
    t = tracker(message, intent="ask_eligibility", slots=slots, lang="nl")
    t.events = [
        {"event": "user", "text": message},
        {"event": "slot", "name": "session", "value": message},
    ]
    _, texts, events = run(ValidatePreregistrationForm(), t)
    assert SlotSet("prereg_blocked", "left") in events
    assert text("fits_intro", "nl") in texts, "the question is answered, about every training"


def test_a_no_at_the_session_question_leaves_the_sign_up(db):
    message = "nee toch niet, ik wil geen gegevens geven"
    t = tracker(message, intent="deny", slots={"course": COURSE, "session": message}, lang="nl")
    t.events = [
        {"event": "user", "text": message},
        {"event": "slot", "name": "session", "value": message},
    ]
    _, texts, events = run(ValidatePreregistrationForm(), t)
    assert texts == text("prereg_stopped", "nl")
    assert SlotSet("prereg_blocked", "left") in events
    _, texts, events = run(ActionRegistrationSummary(), tracker(slots={"prereg_blocked": "left"}))
    assert texts == "" and SlotSet("session", None) not in events


def test_a_session_button_starts_with_the_intro(db, session_key):
    result, texts, _ = validate("session", session_key, {})
    assert result == {"session": session_key, "course": COURSE}
    assert texts.startswith("Great! I'll pre-register you for")


def test_a_course_button_at_the_session_question_narrows_the_choice(db, today):
    result, _, _ = validate("session", "molengeek-coding-school", {})
    assert result == {"session": None, "course": "molengeek-coding-school"}
    result, texts, _ = validate("session", "no-such-session", {})
    assert result["session"] is None and texts == text("invalid_session", "en")
    assert result["failures"] == 1, "a second miss offers a person"


@pytest.mark.parametrize(
    ("slot", "answer", "stored"),
    [
        ("first_name", "moi c'est فاطمة", "فاطمة"),
        ("contact", "0470 12 34 56", "+32470123456"),
        ("age", "j'ai 22 ans", 22),
        ("actiris_registered", "je sais pas", "unknown"),
        ("postcode", "1080", "1080"),
        ("data_consent", True, True),
    ],
)
def test_good_answers_are_kept(db, session_key, slot, answer, stored):
    result, texts, _ = validate(slot, answer, {"session": session_key, "course": COURSE})
    assert result[slot] == stored and texts == ""


@pytest.mark.parametrize(
    ("slot", "answer"),
    [
        ("first_name", "😀😀"),
        ("first_name", "<script>alert(1)</script>"),
        ("first_name", "x" * 5000),
        ("contact", "'; DROP TABLE registrations; --"),
        ("age", "old enough"),
        ("postcode", "Liège"),
        ("actiris_registered", "banana"),
    ],
)
def test_bad_answers_are_explained_and_asked_again(db, session_key, slot, answer):
    result, texts, _ = validate(slot, answer, {"session": session_key, "course": COURSE})
    assert result[slot] is None
    assert texts == text(f"invalid_{slot}", "en")


def test_refusing_consent_ends_the_form_and_consent_asks_the_next_question(db, session_key):
    slots = {"session": session_key, "course": COURSE}
    t = tracker("no", slots={**slots, "data_consent": False})
    t.events = [
        {"event": "user", "text": "no"},
        {"event": "slot", "name": "data_consent", "value": False},
    ]
    _, _, events = run(ValidatePreregistrationForm(), t)
    assert SlotSet("requested_slot", None) in events, "nothing more is asked"
    t = tracker("yes", slots={**slots, "data_consent": True})
    t.events = [
        {"event": "user", "text": "yes"},
        {"event": "slot", "name": "data_consent", "value": True},
    ]
    _, _, events = run(ValidatePreregistrationForm(), t)
    assert SlotSet("data_consent", True) in events
    assert not [e for e in events if e["name"] == "requested_slot"], "the engine asks the next one"


def test_a_second_failure_on_the_same_question_offers_a_counsellor(db, session_key):
    slots = {"session": session_key, "course": COURSE, "failed_slot": "age", "failures": 1}
    result, _, messages = validate("age", "??", slots)
    assert result["failures"] == 2
    assert messages[-1]["text"] == text("invalid_twice", "en")
    assert [b["payload"] for b in messages[-1]["buttons"]] == ["/ask_human", "/stop"]


def test_an_age_outside_the_rules_ends_the_form(db, session_key):
    with db() as s:
        rules = {r.kind: r for r in get_course(s, COURSE).rules}
    too_young = int(rules["min_age"].value) - 1
    result, _, _ = validate("age", str(too_young), {"session": session_key, "course": COURSE})
    assert result["prereg_blocked"] is True
    _, texts, _ = run(
        ActionRegistrationSummary(), tracker(slots=filled(session_key, age=too_young))
    )
    assert rules["min_age"].reason_en in texts


def test_refused_consent_keeps_nothing(db, session_key):
    _, texts, events = run(
        ActionRegistrationSummary(), tracker(slots={"session": session_key, "data_consent": False})
    )
    assert texts == text("consent_refused", "en")
    assert SlotSet("first_name", None) in events
    with db() as s:
        assert s.scalars(select(Registration)).first() is None


def test_summary_shows_every_answer_with_confirm_change_cancel(db, session_key):
    messages, texts, _ = run(ActionRegistrationSummary(), tracker(slots=filled(session_key)))
    for value in ("Fatima", "+32470123456", "22", "1080"):
        assert value in texts
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/change_answer", "/stop"]


def test_changing_one_answer_forgets_just_that_one(db, session_key):
    _, _, events = run(
        ActionChangeAnswer(), tracker(entities=[("field", "contact")], slots=filled(session_key))
    )
    assert SlotSet("contact", None) in events
    assert SlotSet("first_name", None) not in events
    messages, _, _ = run(ActionChangeAnswer(), tracker(slots=filled(session_key)))
    assert messages[0]["text"] == text("change_which", "en")
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert len(payloads) == 6 and payloads[-1] == "/stop", "five answers, or cancel"


def test_a_new_value_in_the_same_message_changes_it_at_once(db, session_key):
    _, _, events = run(
        ActionChangeAnswer(),
        tracker(
            "my number is wrong, it's 0470 98 76 54",
            entities=[("field", "contact")],
            slots=filled(session_key),
        ),
    )
    assert SlotSet("contact", "+32470987654") in events


@pytest.mark.parametrize(
    ("message", "intent"),
    [("mon âge c'est 23 en fait, pas 22", "ask_eligibility"), ("ik ben 23, niet 22", "inform")],
)
def test_a_correction_at_the_summary_read_as_a_question_still_corrects(
    db, session_key, message, intent
):
    slots = filled(session_key, pending="confirm", language="fr")
    messages, texts, events = run(ActionEligibility(), tracker(message, intent=intent, slots=slots))
    assert SlotSet("age", 23) in events
    assert "23" in texts, "the summary comes again, with the new age"
    assert messages[0]["buttons"][0]["payload"] == "/affirm"


def test_the_same_question_without_a_summary_shown_is_a_question(db, session_key):
    slots = filled(session_key, language="fr")
    _, _, events = run(
        ActionEligibility(),
        tracker("j'ai 23 ans, je peux ?", intent="ask_eligibility", slots=slots),
    )
    assert SlotSet("age", 23) not in events


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_confirming_saves_once_and_gives_a_reference(db, session_key, lang):
    _, texts, events = run(
        ActionConfirmRegistration(), tracker(slots=filled(session_key), lang=lang)
    )
    with db() as s:
        row = s.scalars(select(Registration)).one()
        course = get_course(s, COURSE)
    assert format_reference(row.reference) in texts
    assert localized(course, "title", lang) in texts
    assert (row.first_name, row.contact, row.age, row.postcode) == (
        "Fatima",
        "+32470123456",
        22,
        "1080",
    )
    assert SlotSet("contact", None) in events, "personal data leaves the conversation's slots"
    _, again, _ = run(ActionConfirmRegistration(), tracker(slots=filled(session_key), lang=lang))
    assert text("already_registered", lang, reference=format_reference(row.reference)) in again
    with db() as s:
        assert len(s.scalars(select(Registration)).all()) == 1


def test_the_conversations_source_is_kept_with_the_registration_and_its_export(db, session_key):
    slots = {**filled(session_key), "source": "campaign_molengeek-2027"}
    run(ActionConfirmRegistration(), tracker(slots=slots))
    with db() as s:
        assert s.scalars(select(Registration)).one().source == "campaign_molengeek-2027"
        [row] = export_rows(s)
    assert row["source"] == "campaign_molengeek-2027"


def test_a_full_session_puts_the_person_on_the_waiting_list(db, session_key):
    with db() as s, s.begin():
        s.execute(
            update(CourseSession)
            .where(CourseSession.key == session_key)
            .values(seats_taken=CourseSession.capacity)
        )
    _, texts, _ = run(ActionConfirmRegistration(), tracker(slots=filled(session_key)))
    assert "waiting list, number 1" in texts


def test_unknown_actiris_status_is_flagged_for_a_counsellor(db, today):
    course_key = "molengeek-coding-school"
    with db() as s:
        course = get_course(s, course_key)
        assert "actiris_registered" in {r.kind for r in course.rules}
        open_seat = next(x.key for x in course.sessions if x.start_date > today and x.seats_left)
    slots = filled(open_seat, course=course_key, age=20, actiris_registered="unknown")
    _, texts, _ = run(ActionConfirmRegistration(), tracker(slots=slots))
    with db() as s:
        assert s.scalars(select(Registration.status)).one() == "needs_check"
    assert text("confirmed_needs_check", "en") in texts


def test_a_session_gone_mid_form_gets_a_clear_message(db, session_key):
    with db() as s, s.begin():
        s.delete(s.scalars(select(CourseSession).where(CourseSession.key == session_key)).one())
    messages, _, _ = run(ActionConfirmRegistration(), tracker(slots=filled(session_key)))
    assert messages[0]["text"] == text("session_gone", "en")
    assert messages[0]["buttons"]


def test_database_down_at_confirm_says_not_saved(db, session_key, monkeypatch):
    import actions.preregistration_summary as module

    def broken(*args, **kwargs):
        from sqlalchemy.exc import OperationalError

        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(module, "register_once", broken)
    _, texts, events = run(ActionConfirmRegistration(), tracker(slots=filled(session_key)))
    assert texts == text("save_failed", "en")
    assert SlotSet("contact", None) not in events, "the answers stay for a retry"
    with db() as s:
        assert s.scalars(select(Registration)).first() is None


def test_check_cancel_and_delete(db, session_key):
    run(ActionConfirmRegistration(), tracker(slots=filled(session_key), sender="p1"))
    with db() as s:
        reference = s.scalars(select(Registration.reference)).one()
    _, listed, _ = run(ActionCheckRegistration(), tracker("status?", sender="p1"))
    assert format_reference(reference) in listed and "pre-registered" in listed
    # Someone else finds it only with reference and contact.
    _, other, _ = run(ActionCheckRegistration(), tracker("status?", sender="p2"))
    assert other == text("check_none", "en")
    _, found, _ = run(
        ActionCheckRegistration(),
        tracker(f"{format_reference(reference)} 0470 12 34 56", sender="p2"),
    )
    assert format_reference(reference) in found
    _, cancelled, _ = run(
        ActionCancelRegistration(), tracker(entities=[("reference", reference)], sender="p1")
    )
    assert cancelled == text("cancel_done", "en", reference=format_reference(reference))
    with db() as s:
        row = s.scalars(select(Registration)).one()
        # Cancelled: its personal data are erased at once, nobody needs them any more.
        assert (row.first_name, row.contact, row.conversation_id) == (None, None, None)
    messages, deleted, _ = run(ActionDeleteMyData(), tracker(sender="p1"))
    assert deleted == text("delete_done", "en", count=0)
    assert {"custom": {"erase_conversation": True, "conversations": ["p1"]}} in [
        {"custom": m.get("custom")} for m in messages if m.get("custom")
    ]
    with db() as s:
        row = s.scalars(select(Registration)).one()
        assert (row.first_name, row.contact, row.conversation_id) == (None, None, None)


def test_cancelling_with_one_registration_cancels_it_without_asking_which(db, session_key):
    run(ActionConfirmRegistration(), tracker(slots=filled(session_key), sender="p1"))
    with db() as s:
        reference = s.scalars(select(Registration.reference)).one()
    _, cancelled, _ = run(
        ActionCancelRegistration(), tracker("found a job, cancel my registration", sender="p1")
    )
    assert cancelled == text("cancel_done", "en", reference=format_reference(reference))
    with db() as s:
        assert s.scalars(select(Registration.status)).one() == "cancelled"


def test_cancelling_with_another_reference_typed_cancels_nothing(db, session_key):
    run(ActionConfirmRegistration(), tracker(slots=filled(session_key), sender="p1"))
    _, answer, _ = run(ActionCancelRegistration(), tracker("cancel AAA-AAA", sender="p1"))
    assert answer == text("cancel_which", "en")
    with db() as s:
        assert s.scalars(select(Registration.status)).one() != "cancelled"


@pytest.mark.parametrize(
    ("message", "stops"),
    [("old enough lol", False), ("genoeg", False), ("stop", True), ("laat maar", True),
     ("i changed my mind", True)],
)  # fmt: skip
def test_a_stop_read_into_an_answer_asks_again_and_keeps_the_form(db, session_key, message, stops):
    """The engine reads "old enough lol" at "how old are you?" as "stop": the form only stops
    on words that say so, and otherwise explains and asks again."""
    slots = {"session": session_key, "course": COURSE, "data_consent": True, "first_name": "Ana"}
    t = tracker(message, intent="stop", slots=slots)
    t.events = [{"event": "slot", "name": "requested_slot", "value": "age"}]
    _, texts, events = run(ActionStopPreregistration(), t)
    if stops:
        assert texts == text("prereg_stopped", "en")
        assert not any(e.get("name") == "preregistration_form" for e in events)
    else:
        assert texts.startswith(text("invalid_age", "en"))
        assert {"event": "followup", "name": "preregistration_form"} in [
            {"event": e["event"], "name": e.get("name")} for e in events
        ]
        assert SlotSet("requested_slot", "age") in events


def test_a_payload_swapping_the_session_after_the_summary_confirms_the_summarized_one(
    db, session_key, today
):
    with db() as s:
        other = next(
            x.key
            for x in get_course(s, "molengeek-coding-school").sessions
            if x.start_date > today and x.seats_left
        )
    # What `/affirm{"session": "<other>"}` typed at the summary leaves in the tracker.
    swapped = filled(session_key, session=other)
    _, texts, _ = run(
        ActionConfirmRegistration(), tracker('/affirm{"session"}', intent="affirm", slots=swapped)
    )
    with db() as s:
        saved = s.scalars(select(Registration.session_key)).all()
    assert saved == [session_key]
    assert "BeCode" in texts


def test_confirming_without_a_summary_saves_nothing(db, session_key):
    slots = filled(session_key, summarized_session=None)
    messages, _, _ = run(ActionConfirmRegistration(), tracker("yes", intent="affirm", slots=slots))
    with db() as s:
        assert s.scalars(select(Registration)).all() == []
    assert messages[0]["text"] == text("affirm", "en")


def test_the_rules_are_checked_again_at_the_moment_of_confirming(db, session_key):
    # The age changed after the summary (a payload, a correction read wrong): under the
    # course's minimum, so nothing is saved.
    with db() as s:
        rules = {r.kind: r.value for r in get_course(s, COURSE).rules}
    slots = filled(session_key, age=int(rules["min_age"]) - 2)
    _, texts, _ = run(ActionConfirmRegistration(), tracker("yes", intent="affirm", slots=slots))
    with db() as s:
        assert s.scalars(select(Registration)).all() == []
    assert text("prereg_not_eligible", "en", title="", partner="BeCode").split(" ")[0] in texts


def test_a_session_started_since_it_was_offered_is_not_registered(db, session_key, today):
    with db() as s, s.begin():
        s.execute(
            update(CourseSession)
            .where(CourseSession.key == session_key)
            .values(start_date=today, application_deadline=None)
        )
    _, texts, _ = run(
        ActionConfirmRegistration(), tracker("yes", intent="affirm", slots=filled(session_key))
    )
    with db() as s:
        assert s.scalars(select(Registration)).all() == []
    assert text("session_gone", "en") in texts


def test_data_erased_from_another_conversation_with_reference_and_contact(db, session_key):
    """The finding: after a widget reset or on another channel the person could not erase an
    earlier registration. Named by reference and contact, it is erased, its conversation too."""
    run(ActionConfirmRegistration(), tracker(slots=filled(session_key), sender="old-tab"))
    with db() as s:
        reference = s.scalars(select(Registration.reference)).one()
    # A wrong contact names nothing.
    _, _, events = run(
        ActionAskDeleteMyData(),
        tracker(f"delete my data {format_reference(reference)} 0499 00 00 00", sender="new-tab"),
    )
    assert SlotSet("erase_reference", reference) not in events
    _, _, events = run(
        ActionAskDeleteMyData(),
        tracker(f"delete my data {format_reference(reference)} 0470 12 34 56", sender="new-tab"),
    )
    assert SlotSet("erase_reference", reference) in events
    messages, deleted, _ = run(
        ActionDeleteMyData(), tracker("yes", slots={"erase_reference": reference}, sender="new-tab")
    )
    assert deleted == text("delete_done", "en", count=1)
    erase = next(m["custom"] for m in messages if m.get("custom", {}).get("erase_conversation"))
    assert erase["conversations"] == ["new-tab", "old-tab"]
    with db() as s:
        row = s.scalars(select(Registration)).one()
    assert (row.first_name, row.contact, row.conversation_id) == (None, None, None)


@pytest.mark.parametrize(
    "action",
    [
        ActionCheckRegistration(),
        ActionCancelRegistration(),
        ActionEligibility(),
        ActionAskSession(),
    ],
    ids=lambda a: a.name(),
)
def test_a_request_to_erase_reaches_the_confirmation_whatever_the_engine_read(db, action):
    message = "delete my data please, ACD-479 jonas@example.org"
    _, _, events = run(action, tracker(message))
    if isinstance(action, ActionAskSession):
        # The form's own question: the form decides, nothing is redirected.
        assert FollowupAction("action_ask_delete_my_data") not in events
    else:
        assert FollowupAction("action_ask_delete_my_data") in events


@pytest.mark.parametrize("message", ["yes erase it all", "ok"])
def test_an_erasure_confirmed_in_words_the_engine_could_not_place(db, message):
    slots = {"pending": "erase"}
    _, _, events = run(ActionFallback(), tracker(message, intent="nlu_fallback", slots=slots))
    assert FollowupAction("action_delete_my_data") in events


def test_a_question_after_shall_i_erase_is_answered_and_erases_nothing(db):
    slots = {"pending": "erase", "course": "becode-web-developer"}
    asked = tracker("ok where is it then?", intent="nlu_fallback", slots=slots)
    _, _, events = run(ActionFallback(), asked)
    assert FollowupAction("action_delete_my_data") not in events


def test_a_refusal_to_keep_data_at_the_consent_question_keeps_nothing(db):
    t = tracker("no i dont want you to keep my info", intent="delete_my_data")
    t.events = [
        {"event": "slot", "name": "requested_slot", "value": "data_consent"},
        {"event": "user", "text": "no i dont want you to keep my info"},
        {"event": "active_loop", "name": None},
    ]
    texts, events = run(ActionAskDeleteMyData(), t)[1:]
    assert text("consent_refused", "en") in texts
    assert FollowupAction("action_delete_my_data") not in events


def test_a_sign_up_for_the_course_wanted_starts_the_form(db):
    _, _, events = run(
        ActionCourses(), tracker("i want the salesforce course", intent="ask_courses")
    )
    assert FollowupAction("action_start_preregistration") in events


def test_ones_own_registration_asked_about_is_looked_up_not_a_training(db):
    asked = tracker("did my sign-up for becode go through?", intent="check_registration")
    _, texts, _ = run(ActionCheckRegistration(), asked)
    assert text("check_none", "en") in texts
