"""Read the catalogue: partners, courses by topic or partner, and their sessions.

Two rules about dates live here and nowhere else: a session is *upcoming* until the day it
starts (it is still shown that day), and *open* for pre-registration while it has not started
and its application deadline has not passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot import BRUSSELS, LANGUAGES
from bot.catalogue import TOPICS
from bot.catalogue.resolver import CatalogueIndex, CourseRef, NamedRef, SessionRef, titles_of
from bot.db.models import (
    CatalogueState,
    Course,
    CourseSession,
    Organisation,
    Partner,
    aliases_of,
)
from bot.i18n import topic_name

_COURSE_LOADING = (
    selectinload(Course.partner),
    selectinload(Course.sessions),
    selectinload(Course.rules),
)


def list_partners(db: Session) -> list[Partner]:
    return list(
        db.scalars(select(Partner).options(selectinload(Partner.courses)).order_by(Partner.name))
    )


def get_partner(db: Session, key: str) -> Partner | None:
    return db.scalars(
        select(Partner).options(selectinload(Partner.courses)).where(Partner.key == key)
    ).first()


def get_course(db: Session, key: str) -> Course | None:
    return db.scalars(select(Course).options(*_COURSE_LOADING).where(Course.key == key)).first()


def upcoming_sessions(course: Course, today: dt.date) -> list[CourseSession]:
    """Sessions that have not started yet, soonest first."""
    return [s for s in course.sessions if s.start_date >= today]


def get_session(db: Session, key: str) -> CourseSession | None:
    return db.scalars(
        select(CourseSession)
        .options(selectinload(CourseSession.course).options(*_COURSE_LOADING))
        .where(CourseSession.key == key)
    ).first()


def is_open(session: CourseSession, today: dt.date) -> bool:
    """A session still takes pre-registrations: not started, deadline not passed."""
    deadline_ok = session.application_deadline is None or session.application_deadline >= today
    return session.start_date > today and deadline_ok


def open_sessions(course: Course, today: dt.date) -> list[CourseSession]:
    """The sessions of `course` that still take pre-registrations, soonest first."""
    return [s for s in upcoming_sessions(course, today) if is_open(s, today)]


def next_session(course: Course, today: dt.date) -> CourseSession | None:
    upcoming = upcoming_sessions(course, today)
    return upcoming[0] if upcoming else None


def search_courses(
    db: Session,
    today: dt.date,
    *,
    topic: str | None = None,
    partner_key: str | None = None,
) -> list[Course]:
    """Courses matching a topic and/or a partner; those starting soonest come first."""
    query = select(Course).options(*_COURSE_LOADING)
    if topic:
        query = query.where(Course.topic == topic)
    if partner_key:
        query = query.join(Course.partner).where(Partner.key == partner_key)
    courses = list(db.scalars(query))
    return sorted(courses, key=lambda c: _start_order(c, today))


def _start_order(course: Course, today: dt.date) -> tuple[dt.date, str]:
    upcoming = next_session(course, today)
    return (upcoming.start_date if upcoming else dt.date.max, course.key)


def known_topics(db: Session) -> Sequence[str]:
    return sorted(set(db.scalars(select(Course.topic))))


def brussels_today() -> dt.date:
    """Today's date in Brussels, whatever the server's time zone."""
    return dt.datetime.now(BRUSSELS).date()


def list_organisations(db: Session) -> list[Organisation]:
    return list(db.scalars(select(Organisation).order_by(Organisation.name)))


def get_organisation(db: Session, key: str) -> Organisation | None:
    return db.scalars(select(Organisation).where(Organisation.key == key)).first()


# The resolver's copy of the catalogue, per database and day, with the version it was read at.
_INDEXES: dict[tuple[str, dt.date], tuple[int, CatalogueIndex]] = {}


def catalogue_version(db: Session) -> int:
    return db.scalar(select(CatalogueState.version).where(CatalogueState.id == 1)) or 0


def catalogue_index(db: Session, today: dt.date) -> CatalogueIndex:
    """The catalogue as the resolver reads it: courses soonest first, with their open sessions.
    Read again only when an import changed the catalogue (or the day changed): one small query
    a turn instead of the whole catalogue."""
    key = (str(db.get_bind().engine.url), today)
    version = catalogue_version(db)
    cached = _INDEXES.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    index = read_catalogue_index(db, today)
    _INDEXES[key] = (version, index)
    return index


def read_catalogue_index(db: Session, today: dt.date) -> CatalogueIndex:
    """The catalogue as the resolver reads it, from the database."""
    courses = [
        CourseRef(
            key=c.key,
            partner=c.partner.key,
            topic=c.topic,
            titles=titles_of(c),
            aliases=aliases_of(c),
            sessions=tuple(
                SessionRef(s.key, c.key, s.start_date, tuple(s.days.split(",")), s.start_time,
                           s.end_time)
                for s in open_sessions(c, today)
            ),
            format=c.format,
        )
        for c in search_courses(db, today)
    ]  # fmt: skip
    partners = [NamedRef(p.key, p.name, aliases_of(p)) for p in list_partners(db)]
    organisations = [NamedRef(o.key, o.name, aliases_of(o)) for o in list_organisations(db)]
    topic_names = frozenset(topic_name(t, lang) for t in TOPICS for lang in LANGUAGES)
    return CatalogueIndex(courses, partners, organisations, topic_names)
