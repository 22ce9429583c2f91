"""The catalogue in a real database, on SQLite and on PostgreSQL: migrations, import, queries."""

import datetime as dt

from sqlalchemy import func, inspect, select

from bot.catalogue.importer import import_catalogue, validate
from bot.catalogue.queries import (
    get_course,
    get_partner,
    list_partners,
    next_session,
    search_courses,
    upcoming_sessions,
)
from bot.catalogue.seed import shifted_seed
from bot.db import database_for
from bot.db.migrate import downgrade, upgrade
from bot.db.models import Course, CourseSession, EligibilityRule, Partner


def counts(session):
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in (Partner, Course, CourseSession, EligibilityRule)
    }


def test_migrations_create_and_drop_the_tables(database_url):
    tables = set(inspect(database_for(database_url)).get_table_names())
    assert {"partners", "courses", "course_sessions", "eligibility_rules"} <= tables
    downgrade(database_url, "base")
    database_for(database_url).dispose()
    assert "courses" not in inspect(database_for(database_url)).get_table_names()
    upgrade(database_url)


def test_importing_twice_changes_nothing(sessions, today):
    catalogue = validate(shifted_seed(today))
    with sessions() as session, session.begin():
        first = import_catalogue(session, catalogue)
    with sessions() as session:
        before = counts(session)
    with sessions() as session, session.begin():
        second = import_catalogue(session, catalogue)
    with sessions() as session:
        assert counts(session) == before
    assert first.created["courses"] == len(catalogue["courses"])
    assert not second.changed
    assert second.unchanged["sessions"] == before["course_sessions"]


def test_an_edited_file_updates_what_changed_and_removes_what_is_gone(seeded, today):
    document = shifted_seed(today)
    course = document["courses"][0]
    new_start = course["sessions"][0]["start_date"] + dt.timedelta(days=7)
    course["sessions"][0]["start_date"] = new_start
    course["eligibility"][0]["reason"]["en"] = "A new reason."
    removed = document["courses"][1]["sessions"].pop()
    with seeded() as session, session.begin():
        report = import_catalogue(session, validate(document))
    assert report.updated == {"partners": 0, "courses": 1, "sessions": 1, "organisations": 0}
    assert report.deleted == {"partners": 0, "courses": 0, "sessions": 1, "organisations": 0}
    with seeded() as session:
        stored = get_course(session, course["key"])
        assert stored.sessions[0].start_date == new_start or any(
            s.start_date == new_start for s in stored.sessions
        )
        assert stored.rules[0].reason_en == "A new reason."
        gone = session.scalars(
            select(CourseSession).where(CourseSession.key == removed["key"])
        ).first()
        assert gone is None


def test_removing_a_course_removes_its_sessions_and_rules(seeded, today):
    document = shifted_seed(today)
    dropped = document["courses"].pop(0)
    with seeded() as session, session.begin():
        report = import_catalogue(session, validate(document))
    assert report.deleted["courses"] == 1
    assert report.deleted["sessions"] == len(dropped["sessions"])
    with seeded() as session:
        assert get_course(session, dropped["key"]) is None
        orphans = session.scalar(
            select(func.count())
            .select_from(EligibilityRule)
            .where(~EligibilityRule.course_id.in_(select(Course.id)))
        )
        assert orphans == 0


def test_search_by_topic_and_partner(seeded, today):
    document = shifted_seed(today)
    with seeded() as session:
        for topic in {c["topic"] for c in document["courses"]}:
            expected = {c["key"] for c in document["courses"] if c["topic"] == topic}
            assert {c.key for c in search_courses(session, today, topic=topic)} == expected
        becode_web = {
            c["key"]
            for c in document["courses"]
            if c["partner"] == "becode" and c["topic"] == "web_development"
        }
        found = search_courses(session, today, topic="web_development", partner_key="becode")
        assert {c.key for c in found} == becode_web
        assert search_courses(session, today, topic="cloud", partner_key="cepegra") == []


def test_courses_come_soonest_first_with_their_next_session(seeded, today):
    with seeded() as session:
        courses = search_courses(session, today)
        starts = [next_session(c, today).start_date for c in courses]
        assert starts == sorted(starts)
        for course in courses:
            upcoming = upcoming_sessions(course, today)
            assert all(s.start_date >= today for s in upcoming)
            assert len(upcoming) >= 2


def test_past_sessions_are_not_upcoming(seeded, today):
    with seeded() as session:
        course = search_courses(session, today)[0]
        first = course.sessions[0]
        later = first.start_date + dt.timedelta(days=1)
        assert first not in upcoming_sessions(course, later)


def test_partners_are_listed_with_their_courses(seeded):
    with seeded() as session:
        partners = list_partners(session)
        assert [p.name for p in partners] == sorted(p.name for p in partners)
        becode = get_partner(session, "becode")
        assert becode is not None and len(becode.courses) >= 2
        assert get_partner(session, "nobody") is None


def test_an_import_that_changes_the_catalogue_is_seen_by_the_resolver(seeded, today):
    from bot.catalogue.queries import catalogue_index, catalogue_version

    with seeded() as session:
        before = catalogue_version(session)
        assert "salesforce" in {
            a.lower() for c in catalogue_index(session, today).courses for a in c.aliases
        }
    document = shifted_seed(today)
    with seeded() as session, session.begin():
        import_catalogue(session, validate(document))  # the same file: nothing changes
    with seeded() as session:
        assert catalogue_version(session) == before
    course = next(c for c in document["courses"] if c["key"] == "molengeek-salesforce-admin")
    course["aliases"] = ["CRM course"]
    with seeded() as session, session.begin():
        import_catalogue(session, validate(document))
    with seeded() as session:
        assert catalogue_version(session) == before + 1
        index = catalogue_index(session, today)
        assert index.find_courses("the CRM course").keys == ("molengeek-salesforce-admin",)
        assert not index.find_courses("salesforce")
