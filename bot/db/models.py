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
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy import (
    text as sql_text,
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
    # Other ways people write the name, one per line ("molen geek", "laekengeek").
    aliases: Mapped[str] = mapped_column(Text, default="", server_default="")

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
    # Other names people use for the course, one per line ("Salesforce", "AWS", "DevSecOps").
    aliases: Mapped[str] = mapped_column(Text, default="", server_default="")

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
    # Seats taken through the partner's own channels (from the catalogue file) ...
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    # ... and through this assistant: changed only by atomic updates (bot.registration).
    seats_booked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    waitlist_issued: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    application_deadline: Mapped[dt.date | None] = mapped_column(Date)
    info_session_date: Mapped[dt.date | None] = mapped_column(Date)
    sample: Mapped[bool] = mapped_column(Boolean, default=True)

    course: Mapped[Course] = relationship(back_populates="sessions")

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken - (self.seats_booked or 0), 0)


class Organisation(Base):
    """An organisation people name that runs no training here (Actiris, VDAB, a CPAS…): the
    assistant recognises it and says in one line what it is."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[str] = mapped_column(Text, default="")
    description_fr: Mapped[str] = mapped_column(Text)
    description_nl: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    website: Mapped[str] = mapped_column(String(300), default="")


class CatalogueState(Base):
    """One row: a number the importer raises at every change of the catalogue, so processes
    that keep a copy of it (the resolver's index) know when to read it again."""

    __tablename__ = "catalogue_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


def aliases_of(row: Partner | Course | Organisation) -> tuple[str, ...]:
    return tuple(line for line in (row.aliases or "").splitlines() if line.strip())


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


class Registration(Base):
    """A person's pre-registration for a session. Personal fields are erased (set to NULL) on
    request or by the purge; the row itself stays for anonymous counts."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("session_id", "contact_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_sessions.id", ondelete="SET NULL"), index=True
    )
    # Kept as text so a registration still says what it was for if the catalogue drops it.
    session_key: Mapped[str] = mapped_column(String(120))
    course_key: Mapped[str] = mapped_column(String(100), index=True)
    session_end: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    waitlist_number: Mapped[int | None] = mapped_column(Integer)
    conversation_id: Mapped[str | None] = mapped_column(String(128), index=True)
    first_name: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(200))
    # A keyed hash of the normalised contact and first name (bot.registration.person_key):
    # finds the same person again without reading them. Its column kept its first name.
    person_key: Mapped[str | None] = mapped_column("contact_key", String(64), index=True)
    age: Mapped[int | None] = mapped_column(Integer)
    actiris_registered: Mapped[str | None] = mapped_column(String(10))
    postcode: Mapped[str | None] = mapped_column(String(10))
    # The conversation's source (a deep link's payload: a campaign, a partner, a referral). Not
    # personal: it stays after erasure, for counts per campaign.
    source: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    session: Mapped[CourseSession | None] = relationship()
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", order_by="StatusChange.id"
    )


class StatusChange(Base):
    __tablename__ = "registration_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    registration: Mapped[Registration] = relationship(back_populates="history")


class Counsellor(Base):
    """A person of a team (Actiris or a partner) who takes over conversations in the console."""

    __tablename__ = "counsellors"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    # "actiris" or a partner's key: the handoffs this counsellor sees.
    team: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(20))  # "counsellor" or "admin"
    password_hash: Mapped[str] = mapped_column(String(200))
    # The console's language, the counsellor's choice.
    language: Mapped[str] = mapped_column(String(2), default="fr", server_default="fr")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Handoff(Base):
    """A conversation a person asked to continue with a counsellor.

    States: `waiting` (in a team's queue), `counsellor` (claimed: the person's messages go to
    the counsellor only), `callback` (outside office hours: someone writes back later, the
    assistant answers meanwhile), `closed`. A conversation has at most one handoff not closed.
    """

    __tablename__ = "handoffs"
    __table_args__ = (
        Index(
            "one_open_handoff_per_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=sql_text("state != 'closed'"),
            postgresql_where=sql_text("state != 'closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # "telegram", "web" or "api"
    language: Mapped[str] = mapped_column(String(2))
    reason: Mapped[str] = mapped_column(String(40))
    team: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    course_key: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(String(64))
    counsellor_id: Mapped[int | None] = mapped_column(
        ForeignKey("counsellors.id", ondelete="SET NULL")
    )
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # How it ended: "handed_back", "closed", "cancelled" (by the person), "erased".
    outcome: Mapped[str | None] = mapped_column(String(20))
    # A callback: the person was just asked how to reach them; the phone or e-mail they gave
    # for it (personal data, given for this callback only) and when suits them, in their words.
    asked_contact: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    callback_contact: Mapped[str | None] = mapped_column(String(200))
    callback_when: Mapped[str | None] = mapped_column(String(200))

    counsellor: Mapped[Counsellor | None] = relationship()
    messages: Mapped[list[HandoffMessage]] = relationship(
        back_populates="handoff", cascade="all, delete-orphan", order_by="HandoffMessage.id"
    )


class HandoffMessage(Base):
    """A message of a handoff, stored before it is delivered: the person's, the counsellor's,
    the assistant's (queue notices), or an internal note the person never sees."""

    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(
        ForeignKey("handoffs.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(20))  # person, counsellor, assistant, note
    counsellor_id: Mapped[int | None] = mapped_column(
        ForeignKey("counsellors.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    handoff: Mapped[Handoff] = relationship(back_populates="messages")


class AuditEvent(Base):
    """Who did what to a handoff and when, viewing included: the trail a data-protection
    officer exports. It names people by account, never by what they wrote."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    counsellor_id: Mapped[int | None] = mapped_column(
        ForeignKey("counsellors.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(40))
    handoff_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[str] = mapped_column(String(200), default="", server_default="")


class Referral(Base):
    """A link a counsellor gives a jobseeker they meet (Telegram deep link, widget address, QR
    code): conversations and pre-registrations that come through it carry its source."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    counsellor_id: Mapped[int | None] = mapped_column(
        ForeignKey("counsellors.id", ondelete="SET NULL"), index=True
    )
    # What the counsellor calls it ("job fair Anderlecht"), never the person's name.
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
