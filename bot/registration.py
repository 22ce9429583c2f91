"""Pre-registrations: take a seat or a place on the waiting list, cancel, look up, erase.

Plain functions over a SQLAlchemy session; every rule is enforced here, not in the chat:
- capacity: a seat is taken by one conditional UPDATE (`seats_taken + seats_booked < capacity`),
  atomic on SQLite and PostgreSQL, so racing confirmations never overbook; when none is left the
  person gets the next waiting-list number, handed out by another atomic UPDATE;
- idempotency: one registration per person (normalised contact) and session; confirming twice
  returns the same reference;
- every status change is timestamped; personal data can be erased, the counts stay.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.catalogue.queries import brussels_today, is_open
from bot.db import utc_now, write_transaction
from bot.db.models import Course, CourseSession, Registration, StatusChange
from bot.reading import plain

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a reference can be read out on the phone without doubt.
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
REFERENCE_LENGTH = 6


class Status(str, Enum):
    PRE_REGISTERED = "pre_registered"
    WAITING = "waiting"
    NEEDS_CHECK = "needs_check"
    CANCELLED = "cancelled"
    # A counsellor checked the file and the person cannot join this session.
    DECLINED = "declined"


HOLDS_A_SEAT = (Status.PRE_REGISTERED.value, Status.NEEDS_CHECK.value)


class SessionGone(Exception):
    """The session is not in the catalogue (any more)."""


class RegistrationNotFound(Exception):
    pass


class NotToCheck(Exception):
    """Only a registration waiting for a counsellor's check can be accepted or declined."""


@dataclass(frozen=True)
class Applicant:
    first_name: str
    contact: str
    age: int
    actiris_registered: str  # "yes", "no" or "unknown"
    postcode: str
    conversation_id: str
    # Where the person came from (a deep link's campaign, partner or referral), if a channel said.
    source: str | None = None


@dataclass(frozen=True)
class RegistrationResult:
    """What confirming a pre-registration gave: a seat, a place on the waiting list, or the
    registration this person already had."""

    reference: str
    status: Status
    waitlist_position: int | None
    already_registered: bool


# --------------------------------------------------------------------------- contacts

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")


def normalise_contact(raw: str) -> str | None:
    """An e-mail (lowercased) or a phone number in international form, else None.

    Belgian numbers written nationally (0470 12 34 56, 02 555 12 34) become +32…;
    others must be written with + or 00 and their country code.
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    if "@" in text:
        text = text.strip(" .,;:<>")
        return text.lower() if _EMAIL.match(text) else None
    if re.search(r"[^\d\s()./+-]", text):
        return None
    digits = re.sub(r"[\s()./-]", "", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+"):
        return digits if re.fullmatch(r"\+[1-9]\d{7,14}", digits) else None
    if re.fullmatch(r"0[1-9]\d{7,8}", digits):
        return "+32" + digits[1:]
    return None


_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,24}")
_PHONE_IN_TEXT = re.compile(r"(?:\+|00)?\d[\d\s()./-]{7,}\d")


def find_contact(text: str) -> str | None:
    """The contact in an answer, alone ("0470 12 34 56") or in a sentence ("my email is
    sam@example.org", "c'est le 0470/12.34.56"): normalised as `normalise_contact` does."""
    whole = normalise_contact(text)
    if whole:
        return whole
    for pattern in (_EMAIL_IN_TEXT, _PHONE_IN_TEXT):
        found = [normalise_contact(m.group(0)) for m in pattern.finditer(text)]
        usable = [c for c in found if c]
        if len(usable) == 1:
            return usable[0]
    return None


def person_key(contact: str, first_name: str, secret: str) -> str:
    """Who a registration is for, without storing it readable: a keyed hash of the normalised
    contact and first name. A parent registering two children with one phone number makes two
    people; the same person confirming twice, or writing "Zoé" then "zoe", stays one."""
    name = " ".join(plain(first_name).split())
    return contact_key(f"{contact}\n{name}", secret)


def contact_key(contact: str, secret: str) -> str:
    """A keyed hash of a normalised contact, to recognise a person without reading the contact."""
    return hmac.new(secret.encode(), contact.encode(), hashlib.sha256).hexdigest()


def mask_contact(contact: str | None) -> str:
    """For logs and screens that must not show a contact: s***@g***.com, +32 4** ** ** 56."""
    if not contact:
        return "-"
    if "@" in contact:
        name, _, domain = contact.partition("@")
        tld = domain.rsplit(".", 1)[-1]
        return f"{name[:1]}***@{domain[:1]}***.{tld}"
    return f"{contact[:4]}***{contact[-2:]}"


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def format_reference(reference: str) -> str:
    return f"{reference[:3]}-{reference[3:]}"


_REFERENCE = re.compile(
    rf"(?<![A-Z0-9])([{REFERENCE_ALPHABET}]{{3}})-?([{REFERENCE_ALPHABET}]{{3}})(?![A-Z0-9])"
)


_DIGIT = re.compile(r"\d")


def parse_reference(text: str) -> str | None:
    """A reference as a person types it back: any case, with or without the dash (then with a
    digit in it)."""
    return split_reference(text)[0]


# What a person types for a reference, right or mistyped ("BCX-214"): three and three around a
# dash, with a digit ("web-dev" is no reference).
_REFERENCE_SHAPED = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-Za-z0-9-]{0,6}\d)[A-Za-z0-9]{3}-[A-Za-z0-9]{3}(?![A-Za-z0-9])"
)


def mentions_a_reference(text: str) -> bool:
    """The text holds a reference, or something typed as one."""
    return split_reference(text)[0] is not None or bool(_REFERENCE_SHAPED.search(text))


def split_reference(text: str) -> tuple[str | None, str]:
    """The reference in `text` and the rest of the text (where a contact may be)."""
    # Without its dash, a reference has a digit: six letters are a word ("centre", "actief").
    match = next(
        (m for m in _REFERENCE.finditer(text.upper()) if "-" in m.group(0) or _DIGIT.search(m[0])),
        None,
    )
    if match is None:
        return None, text
    return match.group(1) + match.group(2), text[: match.start()] + " " + text[match.end() :]


# --------------------------------------------------------------------------- registering


def _record(registration: Registration, status: Status, at: dt.datetime) -> None:
    registration.status = status.value
    registration.updated_at = at
    registration.history.append(StatusChange(status=status.value, at=at))


def _take_seat(db: Session, session_id: int) -> bool:
    taken = db.execute(
        update(CourseSession)
        .where(
            CourseSession.id == session_id,
            CourseSession.seats_taken + CourseSession.seats_booked < CourseSession.capacity,
        )
        .values(seats_booked=CourseSession.seats_booked + 1)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1  # type: ignore[attr-defined]


def _next_waitlist_number(db: Session, session_id: int) -> int:
    number = db.execute(
        update(CourseSession)
        .where(CourseSession.id == session_id)
        .values(waitlist_issued=CourseSession.waitlist_issued + 1)
        .returning(CourseSession.waitlist_issued)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return int(number)


def waitlist_position(db: Session, registration: Registration) -> int | None:
    """1 for the first person waiting; counted, so cancellations close the gaps."""
    if registration.status != Status.WAITING.value or registration.waitlist_number is None:
        return None
    ahead = db.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.session_id == registration.session_id,
            Registration.status == Status.WAITING.value,
            Registration.waitlist_number < registration.waitlist_number,
        )
    )
    return int(ahead or 0) + 1


def _existing(db: Session, session_id: int, key: str) -> Registration | None:
    return db.scalars(
        select(Registration).where(
            Registration.session_id == session_id, Registration.person_key == key
        )
    ).first()


def _result(db: Session, registration: Registration, already: bool) -> RegistrationResult:
    return RegistrationResult(
        reference=registration.reference,
        status=Status(registration.status),
        waitlist_position=waitlist_position(db, registration),
        already_registered=already,
    )


def register(
    db: Session, session_key: str, applicant: Applicant, *, needs_check: bool, secret: str
) -> RegistrationResult:
    """Pre-register `applicant` for a session, or put them on its waiting list.

    Runs in the caller's transaction (begin it with `bot.db.writer` on SQLite). Raises
    SessionGone when the session left the catalogue, ValueError for an unusable contact.
    """
    contact = normalise_contact(applicant.contact)
    if contact is None:
        raise ValueError("contact is neither an e-mail address nor a phone number")
    course_session = db.scalars(
        select(CourseSession).where(CourseSession.key == session_key)
    ).first()
    if course_session is None or not is_open(course_session, brussels_today()):
        # Gone from the catalogue, started, or past its deadline since it was offered.
        raise SessionGone(session_key)
    key = person_key(contact, applicant.first_name, secret)
    existing = _existing(db, course_session.id, key)
    if existing is not None:
        return _result(db, existing, already=True)

    at = utc_now()
    seated = _take_seat(db, course_session.id)
    registration = Registration(
        reference=new_reference(),
        session_id=course_session.id,
        session_key=course_session.key,
        session_end=course_session.end_date,
        course_key=db.scalars(
            select(Course.key).where(Course.id == course_session.course_id)
        ).one(),
        conversation_id=applicant.conversation_id,
        first_name=applicant.first_name,
        contact=contact,
        person_key=key,
        age=applicant.age,
        actiris_registered=applicant.actiris_registered,
        postcode=applicant.postcode,
        source=applicant.source,
        created_at=at,
        updated_at=at,
        waitlist_number=None if seated else _next_waitlist_number(db, course_session.id),
    )
    if seated:
        _record(registration, Status.NEEDS_CHECK if needs_check else Status.PRE_REGISTERED, at)
    else:
        _record(registration, Status.WAITING, at)
    db.add(registration)
    db.flush()
    return _result(db, registration, already=False)


def register_once(
    database: Engine, session_key: str, applicant: Applicant, *, needs_check: bool, secret: str,
    attempts: int = 5,
) -> RegistrationResult:  # fmt: skip
    """`register` in its own write transaction; a reference collision or the same person
    confirming twice at the same moment is retried and ends with one registration."""
    for attempt in range(attempts):
        try:
            with write_transaction(database) as db:
                return register(db, session_key, applicant, needs_check=needs_check, secret=secret)
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- after registering


def find(db: Session, reference: str) -> Registration | None:
    return db.scalars(
        select(Registration)
        .options(selectinload(Registration.session).selectinload(CourseSession.course))
        .where(Registration.reference == reference)
    ).first()


def of_conversation(db: Session, conversation_id: str) -> list[Registration]:
    return list(
        db.scalars(
            select(Registration)
            .options(selectinload(Registration.session).selectinload(CourseSession.course))
            .where(Registration.conversation_id == conversation_id)
            .order_by(Registration.created_at)
        )
    )


def find_by_reference_and_contact(db: Session, reference: str, contact: str) -> Registration | None:
    """A registration only for who knows both its reference and its contact."""
    registration = find(db, reference)
    normalised = normalise_contact(contact)
    if registration is None or normalised is None or registration.contact is None:
        return None
    if not hmac.compare_digest(registration.contact.encode(), normalised.encode()):
        return None
    return registration


def cancel(db: Session, reference: str) -> tuple[Registration, Registration | None]:
    """Cancel a registration and erase its personal data (nobody needs them any more); a
    freed seat goes to the first person waiting (returned)."""
    registration = find(db, reference)
    if registration is None:
        raise RegistrationNotFound(reference)
    if registration.status == Status.CANCELLED.value:
        return registration, None
    promoted = _end(db, registration, Status.CANCELLED)
    erase(db, registration)
    db.flush()
    return registration, promoted


def decide(db: Session, reference: str, accept: bool) -> tuple[Registration, Registration | None]:
    """A counsellor's check of a registration that needed one: accepted, it keeps its seat;
    declined, its seat goes to the first person waiting (returned)."""
    registration = find(db, reference)
    if registration is None:
        raise RegistrationNotFound(reference)
    if registration.status != Status.NEEDS_CHECK.value:
        raise NotToCheck(reference)
    if accept:
        _record(registration, Status.PRE_REGISTERED, utc_now())
        db.flush()
        return registration, None
    return registration, _end(db, registration, Status.DECLINED)


def _end(db: Session, registration: Registration, status: Status) -> Registration | None:
    at = utc_now()
    held_a_seat = registration.status in HOLDS_A_SEAT
    _record(registration, status, at)
    # An ended registration no longer blocks the same person from registering again.
    registration.person_key = None
    promoted = None
    if held_a_seat and registration.session_id is not None:
        db.execute(
            update(CourseSession)
            .where(CourseSession.id == registration.session_id, CourseSession.seats_booked > 0)
            .values(seats_booked=CourseSession.seats_booked - 1)
            .execution_options(synchronize_session=False)
        )
        promoted = _promote_first_waiting(db, registration.session_id, at)
    db.flush()
    return promoted


def of_courses(db: Session, course_keys: Sequence[str] | None) -> list[Registration]:
    """Registrations for these courses (all when None), by session then date."""
    query = (
        select(Registration)
        .options(selectinload(Registration.session).selectinload(CourseSession.course))
        .order_by(Registration.session_key, Registration.created_at)
    )
    if course_keys is not None:
        query = query.where(Registration.course_key.in_(course_keys))
    return list(db.scalars(query))


def _promote_first_waiting(db: Session, session_id: int, at: dt.datetime) -> Registration | None:
    first = db.scalars(
        select(Registration)
        .where(Registration.session_id == session_id, Registration.status == Status.WAITING.value)
        .order_by(Registration.waitlist_number)
        .limit(1)
        .with_for_update()
    ).first()
    if first is None or not _take_seat(db, session_id):
        return None
    _record(first, Status.PRE_REGISTERED, at)
    return first


def erase(db: Session, registration: Registration, at: dt.datetime | None = None) -> None:
    """Remove the personal data of a registration; status and dates stay for counting."""
    registration.first_name = None
    registration.contact = None
    registration.person_key = None
    registration.age = None
    registration.postcode = None
    registration.actiris_registered = None
    registration.conversation_id = None
    registration.erased_at = at or utc_now()


def erase_conversation(db: Session, conversation_id: str) -> int:
    """A person's "delete my data": cancel what is still active, then erase it all."""
    registrations = of_conversation(db, conversation_id)
    for registration in registrations:
        if registration.status != Status.CANCELLED.value:
            cancel(db, registration.reference)
        erase(db, registration)
    db.flush()
    return len(registrations)


def purge(db: Session, older_than_days: int, today: dt.date) -> int:
    """Erase personal data of registrations for sessions that ended over `older_than_days` ago."""
    limit = today - dt.timedelta(days=older_than_days)
    registrations = db.scalars(
        select(Registration).where(
            Registration.session_end < limit, Registration.erased_at.is_(None)
        )
    ).all()
    at = utc_now()
    for registration in registrations:
        erase(db, registration, at)
    db.flush()
    return len(registrations)


EXPORT_COLUMNS = (
    "reference", "status", "waitlist_position", "course", "session", "session_start",
    "first_name", "contact", "age", "actiris_registered", "postcode", "source",
    "created_at", "updated_at",
)  # fmt: skip


def export_rows(
    db: Session,
    *,
    session_key: str | None = None,
    course_key: str | None = None,
    course_keys: Sequence[str] | None = None,
) -> list[dict[str, object]]:
    """One row per registration, for partners and counsellors (CSV or JSON)."""
    query = (
        select(Registration)
        .options(selectinload(Registration.session))
        .order_by(Registration.session_key, Registration.created_at)
    )
    if session_key:
        query = query.where(Registration.session_key == session_key)
    if course_key:
        query = query.where(Registration.course_key == course_key)
    if course_keys is not None:
        query = query.where(Registration.course_key.in_(course_keys))
    rows: list[dict[str, object]] = []
    for registration in db.scalars(query):
        rows.append(
            {
                "reference": format_reference(registration.reference),
                "status": registration.status,
                "waitlist_position": waitlist_position(db, registration) or "",
                "course": registration.course_key,
                "session": registration.session_key,
                "session_start": (
                    registration.session.start_date.isoformat() if registration.session else ""
                ),
                "first_name": registration.first_name or "",
                "contact": registration.contact or "",
                "age": registration.age if registration.age is not None else "",
                "actiris_registered": registration.actiris_registered or "",
                "postcode": registration.postcode or "",
                "source": registration.source or "",
                "created_at": registration.created_at.isoformat(timespec="seconds"),
                "updated_at": registration.updated_at.isoformat(timespec="seconds"),
            }
        )
    return rows


def as_csv(rows: list[dict[str, object]], columns: Sequence[str] = EXPORT_COLUMNS) -> str:
    """Rows as CSV in UTF-8, with the byte-order mark spreadsheets need to read it so."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return "\ufeff" + buffer.getvalue()
