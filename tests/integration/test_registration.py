"""Pre-registration rules on a real database, SQLite and PostgreSQL: capacity, waiting list,
idempotency, cancellation with promotion, erasure, purge, and racing confirmations."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, update

from bot.db import database_for
from bot.db.models import CourseSession, Registration
from bot.registration import (
    REFERENCE_ALPHABET,
    Applicant,
    SessionGone,
    Status,
    cancel,
    erase_conversation,
    find,
    find_by_reference_and_contact,
    purge,
    register_once,
    waitlist_position,
)

SECRET = "test-secret"


def person(n: int, conversation: str | None = None) -> Applicant:
    return Applicant(
        first_name=f"Person {n}",
        contact=f"person{n}@example.org",
        age=20,
        actiris_registered="yes",
        postcode="1080",
        conversation_id=conversation or f"conv-{n}",
    )


@pytest.fixture
def small_session(seeded, database_url) -> str:
    """A seed session made to hold exactly 10 seats, none taken."""
    with seeded() as db, db.begin():
        target = db.scalars(select(CourseSession).order_by(CourseSession.key)).first()
        db.execute(
            update(CourseSession)
            .where(CourseSession.id == target.id)
            .values(capacity=10, seats_taken=0, seats_booked=0, waitlist_issued=0)
        )
        return target.key


def registered(database_url, session_key, applicant, needs_check=False):
    return register_once(
        database_for(database_url), session_key, applicant, needs_check=needs_check, secret=SECRET
    )


def test_seats_then_waiting_list_with_positions(database_url, small_session):
    outcomes = [registered(database_url, small_session, person(n)) for n in range(12)]
    assert [o.status for o in outcomes] == [Status.PRE_REGISTERED] * 10 + [Status.WAITING] * 2
    assert [o.waitlist_position for o in outcomes[10:]] == [1, 2]
    assert len({o.reference for o in outcomes}) == 12
    for outcome in outcomes:
        assert len(outcome.reference) == 6 and set(outcome.reference) <= set(REFERENCE_ALPHABET)


def test_the_same_person_twice_gets_the_same_reference(database_url, small_session, seeded):
    first = registered(database_url, small_session, person(1))
    again = registered(database_url, small_session, person(1))
    written_otherwise = Applicant(**{**person(1).__dict__, "contact": "  PERSON1@Example.org "})
    third = registered(database_url, small_session, written_otherwise)
    assert first.reference == again.reference == third.reference
    assert again.already_registered and not first.already_registered
    with seeded() as db:
        assert len(db.scalars(select(Registration)).all()) == 1
        session = db.scalars(select(CourseSession).where(CourseSession.key == small_session)).one()
        assert session.seats_booked == 1


def test_needs_check_holds_a_seat_and_is_flagged(database_url, small_session):
    outcome = registered(database_url, small_session, person(1), needs_check=True)
    assert outcome.status is Status.NEEDS_CHECK


def test_a_vanished_session_is_reported(database_url, seeded):
    with pytest.raises(SessionGone):
        registered(database_url, "no-such-session", person(1))


def test_an_unusable_contact_is_refused(database_url, small_session):
    with pytest.raises(ValueError, match="contact"):
        registered(
            database_url, small_session, Applicant(**{**person(1).__dict__, "contact": "call me"})
        )


def test_cancelling_frees_the_seat_for_the_first_waiting(database_url, small_session, seeded):
    outcomes = [registered(database_url, small_session, person(n)) for n in range(12)]
    with seeded() as db, db.begin():
        cancelled, promoted = cancel(db, outcomes[3].reference)
        assert cancelled.status == Status.CANCELLED.value
        assert promoted is not None and promoted.reference == outcomes[10].reference
    with seeded() as db:
        assert find(db, outcomes[10].reference).status == Status.PRE_REGISTERED.value
        still_waiting = find(db, outcomes[11].reference)
        assert waitlist_position(db, still_waiting) == 1
        history = [c.status for c in find(db, outcomes[10].reference).history]
        assert history == ["waiting", "pre_registered"]
        assert all(c.at is not None for c in find(db, outcomes[3].reference).history)
        session = db.scalars(select(CourseSession).where(CourseSession.key == small_session)).one()
        assert session.seats_booked == 10


def test_cancelling_a_waiting_registration_keeps_the_seats(database_url, small_session, seeded):
    outcomes = [registered(database_url, small_session, person(n)) for n in range(11)]
    with seeded() as db, db.begin():
        _, promoted = cancel(db, outcomes[10].reference)
    assert promoted is None
    # The person can register again after cancelling.
    again = registered(database_url, small_session, person(10))
    assert again.reference != outcomes[10].reference and again.status is Status.WAITING


def test_lookup_needs_reference_and_contact(database_url, small_session, seeded):
    outcome = registered(database_url, small_session, person(1))
    with seeded() as db:
        assert find_by_reference_and_contact(db, outcome.reference, "person1@example.org")
        assert find_by_reference_and_contact(db, outcome.reference, "person2@example.org") is None
        assert find_by_reference_and_contact(db, "AAAAAA", "person1@example.org") is None


def test_erasing_a_conversation_cancels_and_removes_personal_data(
    database_url, small_session, seeded
):
    mine = registered(database_url, small_session, person(1, conversation="me"))
    other = registered(database_url, small_session, person(2, conversation="someone-else"))
    with seeded() as db, db.begin():
        assert erase_conversation(db, "me") == 1
    with seeded() as db:
        erased = find(db, mine.reference)
        assert erased.status == Status.CANCELLED.value
        assert (
            erased.first_name,
            erased.contact,
            erased.person_key,
            erased.age,
            erased.postcode,
            erased.conversation_id,
        ) == (None,) * 6
        assert erased.erased_at is not None
        assert find(db, other.reference).contact == "person2@example.org"


def test_purge_erases_only_sessions_long_ended(database_url, small_session, seeded, today):
    outcome = registered(database_url, small_session, person(1))
    with seeded() as db:
        end = find(db, outcome.reference).session_end
    with seeded() as db, db.begin():
        assert purge(db, older_than_days=30, today=end + dt.timedelta(days=10)) == 0
    with seeded() as db, db.begin():
        assert purge(db, older_than_days=30, today=end + dt.timedelta(days=31)) == 1
    with seeded() as db:
        purged = find(db, outcome.reference)
        assert purged.contact is None and purged.status == Status.PRE_REGISTERED.value


def test_fifty_racing_confirmations_never_overbook(database_url, small_session, seeded):
    engine = database_for(database_url)
    engine.pool.dispose()

    def confirm(n: int):
        return register_once(engine, small_session, person(n), needs_check=False, secret=SECRET)

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(confirm, range(50)))
    statuses = [o.status for o in outcomes]
    assert statuses.count(Status.PRE_REGISTERED) == 10
    assert statuses.count(Status.WAITING) == 40
    assert sorted(o.waitlist_position for o in outcomes if o.status is Status.WAITING) == list(
        range(1, 41)
    )
    with seeded() as db:
        session = db.scalars(select(CourseSession).where(CourseSession.key == small_session)).one()
        assert session.seats_booked == 10 and session.waitlist_issued == 40
        numbers = sorted(
            r.waitlist_number for r in db.scalars(select(Registration)) if r.waitlist_number
        )
        assert numbers == list(range(1, 41))


def test_racing_confirmations_of_the_same_person_make_one_registration(
    database_url, small_session, seeded
):
    engine = database_for(database_url)
    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(
            pool.map(
                lambda _: register_once(
                    engine, small_session, person(7), needs_check=False, secret=SECRET
                ),
                range(10),
            )
        )
    assert len({o.reference for o in outcomes}) == 1
    with seeded() as db:
        assert len(db.scalars(select(Registration)).all()) == 1


def test_a_session_removed_from_the_catalogue_keeps_its_registrations(
    database_url, small_session, seeded
):
    outcome = registered(database_url, small_session, person(1))
    with seeded() as db, db.begin():
        db.delete(db.scalars(select(CourseSession).where(CourseSession.key == small_session)).one())
    with seeded() as db:
        kept = find(db, outcome.reference)
        assert kept.session_id is None and kept.session_key == small_session


def test_two_people_sharing_one_contact_get_a_registration_each(
    database_url, small_session, seeded
):
    """The finding: a parent registering a second child with the same phone number got the
    first child's reference, and the second child was never saved."""
    first = Applicant("Nora", "0470 12 34 56", 17, "yes", "1080", "parent-1")
    second = Applicant("Adam", "+32470123456", 19, "yes", "1080", "parent-1")
    one, two = (
        registered(database_url, small_session, first),
        registered(database_url, small_session, second),
    )
    assert one.reference != two.reference and not two.already_registered
    # The same person again, their name written otherwise: one registration still.
    again = registered(
        database_url, small_session, Applicant("nora ", "0470123456", 17, "yes", "1080", "x")
    )
    assert again.reference == one.reference and again.already_registered
    with seeded() as db:
        names = sorted(r.first_name for r in db.scalars(select(Registration)))
    assert names == ["Adam", "Nora"]


def test_cancelling_erases_the_personal_data(database_url, small_session, seeded):
    outcome = registered(database_url, small_session, person(3))
    with seeded() as db, db.begin():
        cancel(db, outcome.reference)
    with seeded() as db:
        row = db.scalars(
            select(Registration).where(Registration.reference == outcome.reference)
        ).one()
    assert row.status == "cancelled"
    assert (row.first_name, row.contact, row.person_key, row.age, row.postcode) == (None,) * 5
