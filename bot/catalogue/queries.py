"""Read the catalogue: partners, courses by topic or partner, and their upcoming sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.db.models import Course, CourseSession, Partner

_COURSE_LOADING = (
    selectinload(Course.partner),
    selectinload(Course.sessions),
    selectinload(Course.rules),
)


def list_partners(session: Session) -> list[Partner]:
    return list(
        session.scalars(
            select(Partner).options(selectinload(Partner.courses)).order_by(Partner.name)
        )
    )


def get_partner(session: Session, key: str) -> Partner | None:
    return session.scalars(
        select(Partner).options(selectinload(Partner.courses)).where(Partner.key == key)
    ).first()


def get_course(session: Session, key: str) -> Course | None:
    return session.scalars(
        select(Course).options(*_COURSE_LOADING).where(Course.key == key)
    ).first()


def upcoming_sessions(course: Course, today: dt.date) -> list[CourseSession]:
    """Sessions that have not started yet, soonest first."""
    return [s for s in course.sessions if s.start_date >= today]


def next_session(course: Course, today: dt.date) -> CourseSession | None:
    upcoming = upcoming_sessions(course, today)
    return upcoming[0] if upcoming else None


def search_courses(
    session: Session,
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
    courses = list(session.scalars(query))
    return sorted(courses, key=lambda c: _start_order(c, today))


def _start_order(course: Course, today: dt.date) -> tuple[dt.date, str]:
    upcoming = next_session(course, today)
    return (upcoming.start_date if upcoming else dt.date.max, course.key)


def known_topics(session: Session) -> Sequence[str]:
    return sorted(set(session.scalars(select(Course.topic))))


def brussels_today() -> dt.date:
    """Today's date in Brussels, whatever the server's time zone."""
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Europe/Brussels")).date()
