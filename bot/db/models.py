"""The course catalogue as tables: partners, courses, their sessions and eligibility rules.

Texts shown to people are stored once per language (`*_fr`, `*_nl`, `*_en`) and picked
with `localized()`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def localized(row: object, field: str, lang: str) -> str | None:
    """The `field` text of `row` in `lang`, falling back to English then French."""
    for candidate in (lang, "en", "fr"):
        value = getattr(row, f"{field}_{candidate}", None)
        if value:
            return str(value)
    return None


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description_fr: Mapped[str] = mapped_column(Text)
    description_nl: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(300))
    website: Mapped[str] = mapped_column(String(300))
    contact: Mapped[str] = mapped_column(String(300))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(300), default="")

    courses: Mapped[list[Course]] = relationship(
        back_populates="partner", cascade="all, delete-orphan", order_by="Course.key"
    )


class Course(Base):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(40), index=True)
    title_fr: Mapped[str] = mapped_column(String(200))
    title_nl: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    description_fr: Mapped[str] = mapped_column(Text)
    description_nl: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    duration_weeks: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(20))
    cost_eur: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    allowance_fr: Mapped[str | None] = mapped_column(Text)
    allowance_nl: Mapped[str | None] = mapped_column(Text)
    allowance_en: Mapped[str | None] = mapped_column(Text)
    certificate_fr: Mapped[str | None] = mapped_column(Text)
    certificate_nl: Mapped[str | None] = mapped_column(Text)
    certificate_en: Mapped[str | None] = mapped_column(Text)
    instruction_languages: Mapped[str] = mapped_column(String(20))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(300), default="")

    partner: Mapped[Partner] = relationship(back_populates="courses")
    sessions: Mapped[list[CourseSession]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseSession.start_date"
    )
    rules: Mapped[list[EligibilityRule]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="EligibilityRule.position"
    )


class CourseSession(Base):
    __tablename__ = "course_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    start_date: Mapped[dt.date] = mapped_column(Date, index=True)
    end_date: Mapped[dt.date] = mapped_column(Date)
    days: Mapped[str] = mapped_column(String(40))
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    location: Mapped[str] = mapped_column(String(300))
    capacity: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    application_deadline: Mapped[dt.date | None] = mapped_column(Date)
    info_session_date: Mapped[dt.date | None] = mapped_column(Date)
    sample: Mapped[bool] = mapped_column(Boolean, default=True)

    course: Mapped[Course] = relationship(back_populates="sessions")

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)


class EligibilityRule(Base):
    __tablename__ = "eligibility_rules"
    __table_args__ = (UniqueConstraint("course_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    value: Mapped[str | None] = mapped_column(String(200))
    reason_fr: Mapped[str] = mapped_column(Text)
    reason_nl: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str] = mapped_column(Text)

    course: Mapped[Course] = relationship(back_populates="rules")
