"""Handoffs: a conversation taken over by a counsellor, then handed back to the assistant.

Plain functions over a SQLAlchemy session, no web, Telegram or engine. The states:

    (assistant) → waiting → counsellor → closed (handed back, closed, cancelled)
                     ↘ callback ↗  (nobody there: someone writes back later)

- ownership lives in the `handoffs` table, not in the engine: it survives the engine's session
  expiry and restarts of every process;
- a claim is one conditional UPDATE (`… WHERE state IN ('waiting', 'callback')`), so of two
  counsellors claiming at once exactly one wins, on SQLite and PostgreSQL alike;
- a counsellor sees their team's handoffs only (admins see all); every change of state and
  every view of a handoff is recorded in the audit trail, with who and when.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Sequence
from enum import Enum

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.counsellors import ACTIRIS_TEAM
from bot.db import as_utc, utc_now
from bot.db.models import AuditEvent, Counsellor, Course, Handoff, HandoffMessage, Partner
from bot.registration import find_contact

# How a phone number or an e-mail is written in a message, to keep the rest as "when".
_CONTACT_WRITINGS = re.compile(r"[^\s@]+@[^\s@]+\.\w+|\+?\d[\d .\/-]{6,}\d")
# A reply longer than this is refused (413): a counsellor's answer, not a document.
MAX_REPLY_CHARACTERS = 4000
# Without claims to learn from, each person ahead in the queue counts this long.
MINUTES_PER_PERSON_AHEAD = 5
RECENT_CLAIMS = 20


class State(str, Enum):
    WAITING = "waiting"
    COUNSELLOR = "counsellor"
    CALLBACK = "callback"
    CLOSED = "closed"


NOT_CLOSED = (State.WAITING.value, State.COUNSELLOR.value, State.CALLBACK.value)
CLAIMABLE = (State.WAITING.value, State.CALLBACK.value)


class Reason(str, Enum):
    ASKED = "asked"  # the person asked for someone
    NOT_UNDERSTOOD = "not_understood"  # the fallback missed twice
    ELIGIBILITY_UNSURE = "eligibility_unsure"
    REGISTRATION_CHECK = "registration_check"
    # Not asked by the person: a counsellor's decision on their registration, told to them.
    REGISTRATION_DECISION = "registration_decision"


class HandoffError(Exception):
    """A change a counsellor asked for that cannot be made; `code` names it for the console's
    texts (console_error_<code>), `status` is its HTTP status."""

    code = "invalid"
    status = 409


class HandoffNotFound(HandoffError):
    code = "not_found"
    status = 404


class NotYourTeam(HandoffError):
    code = "other_team"
    status = 403


class HandoffClosed(HandoffError):
    code = "closed"


class ClaimLost(HandoffError):
    """Someone else claimed it first."""

    code = "claim_lost"


class NotYours(HandoffError):
    """Only the counsellor who owns a handoff may reply to it or hand it back."""

    code = "not_yours"
    status = 403


class TooLong(HandoffError):
    code = "too_long"
    status = 413


def channel_of(conversation_id: str) -> str:
    """The channel a conversation id belongs to, from the prefix each channel gives it."""
    for channel in ("telegram", "web"):
        if conversation_id.startswith(f"{channel}-"):
            return channel
    return "api"


def team_for_course(db: Session, course_key: str | None) -> str:
    """The team that answers about a course: its partner's; Actiris when no course is known."""
    if course_key:
        key = db.scalar(
            select(Partner.key)
            .join(Course, Course.partner_id == Partner.id)
            .where(Course.key == course_key)
        )
        if key:
            return key
    return ACTIRIS_TEAM


def _audit(
    db: Session,
    action: str,
    handoff_id: int | None,
    counsellor: Counsellor | None,
    at: dt.datetime,
    detail: str = "",
) -> None:
    db.add(
        AuditEvent(
            at=at,
            counsellor_id=counsellor.id if counsellor else None,
            action=action,
            handoff_id=handoff_id,
            detail=detail,
        )
    )


# --------------------------------------------------------------------------- the person's side


def current_handoff(db: Session, conversation_id: str) -> Handoff | None:
    """The conversation's handoff that is not closed, if any."""
    return db.scalar(
        select(Handoff).where(
            Handoff.conversation_id == conversation_id, Handoff.state.in_(NOT_CLOSED)
        )
    )


def open_handoff(
    db: Session,
    *,
    conversation_id: str,
    language: str,
    reason: Reason,
    team: str,
    course_key: str | None = None,
    source: str | None = None,
    callback: bool = False,
    at: dt.datetime | None = None,
) -> tuple[Handoff, bool]:
    """The conversation's handoff: the one already open, else a new one in the team's queue
    (or as a callback when nobody is there). Says whether it is new."""
    existing = current_handoff(db, conversation_id)
    if existing is not None:
        return existing, False
    at = at or utc_now()
    handoff = Handoff(
        conversation_id=conversation_id,
        channel=channel_of(conversation_id),
        language=language,
        reason=reason.value,
        team=team,
        state=(State.CALLBACK if callback else State.WAITING).value,
        course_key=course_key,
        source=source,
        opened_at=at,
    )
    db.add(handoff)
    db.flush()
    _audit(db, "opened", handoff.id, None, at, f"{reason.value}, {handoff.state}")
    return handoff, True


def add_message(
    db: Session,
    handoff: Handoff,
    author: str,
    text: str,
    *,
    counsellor: Counsellor | None = None,
    at: dt.datetime | None = None,
    delivered: bool = False,
) -> HandoffMessage:
    """Store a message of the handoff; it is delivered after, never lost before (`delivered`:
    it goes out in the reply being made, with nothing else to do)."""
    at = at or utc_now()
    message = HandoffMessage(
        handoff_id=handoff.id,
        author=author,
        counsellor_id=counsellor.id if counsellor else None,
        text=text,
        created_at=at,
        delivered_at=at if delivered else None,
    )
    db.add(message)
    db.flush()
    return message


def messages_of(db: Session, conversation_id: str) -> Sequence[HandoffMessage]:
    """Every message of the conversation's handoffs, in order, notes included."""
    return db.scalars(
        select(HandoffMessage)
        .join(Handoff, Handoff.id == HandoffMessage.handoff_id)
        .where(Handoff.conversation_id == conversation_id)
        .order_by(HandoffMessage.id)
    ).all()


def record_notice(
    db: Session,
    *,
    conversation_id: str,
    language: str,
    team: str,
    text: str,
    counsellor: Counsellor,
) -> HandoffMessage:
    """A message a counsellor sends a person outside a live handoff (a decision on their
    registration): kept in a closed handoff of its own, so it shows in the conversation's
    history and goes with "delete my data" like the rest."""
    at = utc_now()
    carrier = Handoff(
        conversation_id=conversation_id,
        channel=channel_of(conversation_id),
        language=language,
        reason=Reason.REGISTRATION_DECISION.value,
        team=team,
        state=State.CLOSED.value,
        counsellor_id=counsellor.id,
        opened_at=at,
        closed_at=at,
        outcome="notice",
    )
    db.add(carrier)
    db.flush()
    return add_message(db, carrier, "assistant", text, counsellor=counsellor, at=at)


def undelivered(db: Session, channel: str) -> list[tuple[int, int]]:
    """(handoff id, message id) of messages for the person on `channel` not delivered yet:
    counsellors' replies and the assistant's notices, oldest first."""
    rows = db.execute(
        select(HandoffMessage.handoff_id, HandoffMessage.id)
        .join(Handoff, Handoff.id == HandoffMessage.handoff_id)
        .where(
            Handoff.channel == channel,
            HandoffMessage.delivered_at.is_(None),
            HandoffMessage.author.in_(("counsellor", "assistant")),
        )
        .order_by(HandoffMessage.id)
    ).all()
    return [(int(handoff_id), int(message_id)) for handoff_id, message_id in rows]


def mark_delivered(db: Session, message_id: int, at: dt.datetime | None = None) -> None:
    db.execute(
        update(HandoffMessage)
        .where(HandoffMessage.id == message_id)
        .values(delivered_at=at or utc_now())
    )


def claim_delivery(db: Session, message_id: int, at: dt.datetime | None = None) -> bool:
    """Mark a message delivered if nobody has: the one gateway that gets True sends it (several
    gateways starting together each find the same undelivered messages)."""
    claimed = db.execute(
        update(HandoffMessage)
        .where(HandoffMessage.id == message_id, HandoffMessage.delivered_at.is_(None))
        .values(delivered_at=at or utc_now())
    ).rowcount  # type: ignore[attr-defined]
    return bool(claimed)


def release_delivery(db: Session, message_id: int) -> None:
    """The claimed message could not be sent: undelivered again, for the next start."""
    db.execute(
        update(HandoffMessage).where(HandoffMessage.id == message_id).values(delivered_at=None)
    )


def take_callback_contact(db: Session, handoff: Handoff, message: str) -> str | None:
    """Right after a callback was offered, a message with a phone number or an e-mail gives
    how to reach the person (and, in the rest of it, when suits them). Only that message: any
    later one is for the assistant (a form's contact question, say). The contact, or None."""
    if not handoff.asked_contact:
        return None
    handoff.asked_contact = False
    contact = find_contact(message)
    if contact is None:
        return None
    rest = " ".join(message.split())
    for written in sorted(set(_CONTACT_WRITINGS.findall(message)), key=len, reverse=True):
        rest = rest.replace(" ".join(written.split()), " ")
    handoff.callback_contact = contact
    handoff.callback_when = " ".join(rest.split()).strip(" ,.;:-")[:200] or None
    _audit(db, "callback_contact", handoff.id, None, utc_now())
    return contact


def cancel_by_person(db: Session, handoff: Handoff, at: dt.datetime | None = None) -> None:
    """The person went back to the assistant."""
    at = at or utc_now()
    _close(db, handoff, "cancelled", at)
    _audit(db, "cancelled", handoff.id, None, at)


def queue_position(db: Session, handoff: Handoff) -> int:
    """1 for the first in its team's queue."""
    ahead = db.scalar(
        select(func.count())
        .select_from(Handoff)
        .where(
            Handoff.team == handoff.team,
            Handoff.state == State.WAITING.value,
            Handoff.opened_at < handoff.opened_at,
        )
    )
    return int(ahead or 0) + 1


def expected_wait(db: Session, team: str, position: int) -> dt.timedelta:
    """How long the person will likely wait: the team's recent median time to a claim for each
    person up to them, or a fixed time each while the team has no history."""
    recent = db.execute(
        select(Handoff.opened_at, Handoff.claimed_at)
        .where(Handoff.team == team, Handoff.claimed_at.is_not(None))
        .order_by(Handoff.claimed_at.desc())
        .limit(RECENT_CLAIMS)
    ).all()
    waits = [
        (as_utc(claimed) - as_utc(opened)).total_seconds()
        for opened, claimed in recent
        if claimed is not None
    ]
    per_person = statistics.median(waits) if waits else MINUTES_PER_PERSON_AHEAD * 60.0
    return dt.timedelta(seconds=per_person * position)


def overdue(db: Session, older_than: dt.timedelta, at: dt.datetime | None = None) -> list[Handoff]:
    """Handoffs nobody claimed in time, turned into callbacks: the person gets the assistant
    back and someone writes later."""
    at = at or utc_now()
    waiting = db.scalars(
        select(Handoff).where(
            Handoff.state == State.WAITING.value, Handoff.opened_at < at - older_than
        )
    ).all()
    turned = []
    for handoff in waiting:
        changed = db.execute(
            update(Handoff)
            .where(Handoff.id == handoff.id, Handoff.state == State.WAITING.value)
            .values(state=State.CALLBACK.value)
        ).rowcount  # type: ignore[attr-defined]
        if changed:
            db.refresh(handoff)
            _audit(db, "became_callback", handoff.id, None, at, "nobody claimed it in time")
            turned.append(handoff)
    return turned


# --------------------------------------------------------------------------- the counsellor's side


def can_see(counsellor: Counsellor, handoff: Handoff) -> bool:
    return counsellor.role == "admin" or handoff.team == counsellor.team


def get_for(
    db: Session, handoff_id: int, counsellor: Counsellor, *, viewing: bool = False
) -> Handoff:
    """The handoff if this counsellor may see it; a view is recorded when `viewing`."""
    handoff = db.get(Handoff, handoff_id)
    if handoff is None:
        raise HandoffNotFound("no such handoff")
    if not can_see(counsellor, handoff):
        raise NotYourTeam("this handoff belongs to another team")
    if viewing:
        _audit(db, "viewed", handoff.id, counsellor, utc_now())
    return handoff


def queue(db: Session, counsellor: Counsellor) -> Sequence[Handoff]:
    """The handoffs not closed that this counsellor sees, the longest waiting first."""
    query = select(Handoff).where(Handoff.state.in_(NOT_CLOSED)).order_by(Handoff.opened_at)
    if counsellor.role != "admin":
        query = query.where(Handoff.team == counsellor.team)
    return db.scalars(query).all()


def claim(db: Session, handoff_id: int, counsellor: Counsellor) -> Handoff:
    """Take the handoff; raises ClaimLost when someone else was quicker."""
    handoff = get_for(db, handoff_id, counsellor)
    at = utc_now()
    won = db.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.state.in_(CLAIMABLE))
        .values(state=State.COUNSELLOR.value, counsellor_id=counsellor.id, claimed_at=at)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    db.refresh(handoff)
    if not won:
        if handoff.state == State.CLOSED.value:
            raise HandoffClosed("this handoff is closed")
        raise ClaimLost("another counsellor claimed it first")
    _audit(db, "claimed", handoff.id, counsellor, at)
    return handoff


def _owned(db: Session, handoff_id: int, counsellor: Counsellor) -> Handoff:
    handoff = get_for(db, handoff_id, counsellor)
    if handoff.state == State.CLOSED.value:
        raise HandoffClosed("this handoff is closed: the person is back with the assistant")
    if handoff.state != State.COUNSELLOR.value or (
        handoff.counsellor_id != counsellor.id and counsellor.role != "admin"
    ):
        raise NotYours("claim this handoff first")
    return handoff


def release(db: Session, handoff_id: int, counsellor: Counsellor) -> Handoff:
    """Put it back in the team's queue, for someone else."""
    handoff = _owned(db, handoff_id, counsellor)
    handoff.state, handoff.counsellor_id, handoff.claimed_at = State.WAITING.value, None, None
    _audit(db, "released", handoff.id, counsellor, utc_now())
    return handoff


def reassign(db: Session, handoff_id: int, counsellor: Counsellor, team: str) -> Handoff:
    """Send it to another team's queue."""
    handoff = get_for(db, handoff_id, counsellor)
    if handoff.state == State.CLOSED.value:
        raise HandoffClosed("this handoff is closed")
    handoff.team, handoff.state = team, State.WAITING.value
    handoff.counsellor_id, handoff.claimed_at = None, None
    _audit(db, "reassigned", handoff.id, counsellor, utc_now(), f"to {team}")
    return handoff


def _written(text: str) -> str:
    """A counsellor's text, trimmed, neither empty nor too long."""
    text = text.strip()
    if not text:
        raise HandoffError("the text is empty")
    if len(text) > MAX_REPLY_CHARACTERS:
        raise TooLong(f"a text is {MAX_REPLY_CHARACTERS} characters at most")
    return text


def reply(db: Session, handoff_id: int, counsellor: Counsellor, text: str) -> HandoffMessage:
    """A counsellor's message to the person, stored for delivery."""
    text = _written(text)
    handoff = _owned(db, handoff_id, counsellor)
    return add_message(db, handoff, "counsellor", text, counsellor=counsellor)


def note(db: Session, handoff_id: int, counsellor: Counsellor, text: str) -> HandoffMessage:
    """An internal note, never shown to the person."""
    text = _written(text)
    handoff = get_for(db, handoff_id, counsellor)
    return add_message(db, handoff, "note", text, counsellor=counsellor)


def _close(db: Session, handoff: Handoff, outcome: str, at: dt.datetime) -> None:
    handoff.state, handoff.outcome, handoff.closed_at = State.CLOSED.value, outcome, at


def hand_back(db: Session, handoff_id: int, counsellor: Counsellor) -> Handoff:
    """The assistant takes the conversation again, with what it knew."""
    handoff = _owned(db, handoff_id, counsellor)
    at = utc_now()
    _close(db, handoff, "handed_back", at)
    _audit(db, "handed_back", handoff.id, counsellor, at)
    return handoff


def close(db: Session, handoff_id: int, counsellor: Counsellor) -> Handoff:
    """Done with it (a callback made, a question answered); the assistant answers again."""
    handoff = get_for(db, handoff_id, counsellor)
    if handoff.state == State.CLOSED.value:
        raise HandoffClosed("this handoff is already closed")
    at = utc_now()
    _close(db, handoff, "closed", at)
    _audit(db, "closed", handoff.id, counsellor, at)
    return handoff


def audit(
    db: Session,
    action: str,
    counsellor: Counsellor,
    detail: str = "",
    handoff_id: int | None = None,
) -> None:
    """Record a counsellor's action outside a handoff (a registration decided, an export)."""
    _audit(db, action, handoff_id, counsellor, utc_now(), detail)


AUDIT_COLUMNS = ("at", "counsellor", "action", "handoff", "detail")


def audit_rows(db: Session, since: dt.datetime | None = None) -> list[dict[str, object]]:
    """The audit trail for a data-protection officer: when, who (the account's e-mail), what,
    which handoff; oldest first."""
    query = (
        select(AuditEvent, Counsellor.email)
        .outerjoin(Counsellor, Counsellor.id == AuditEvent.counsellor_id)
        .order_by(AuditEvent.id)
    )
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    return [
        {
            "at": as_utc(event.at).isoformat(timespec="seconds"),
            "counsellor": email or "",
            "action": event.action,
            "handoff": event.handoff_id or "",
            "detail": event.detail,
        }
        for event, email in db.execute(query)
    ]


# --------------------------------------------------------------------------- erasure


def erase_conversation(db: Session, conversation_id: str) -> int:
    """Delete the conversation's handoffs and their messages ("delete my data"); the audit
    trail keeps that it happened, not what was said."""
    ids = db.scalars(select(Handoff.id).where(Handoff.conversation_id == conversation_id)).all()
    if not ids:
        return 0
    at = utc_now()
    for handoff_id in ids:
        _audit(db, "erased", handoff_id, None, at)
    db.execute(delete(HandoffMessage).where(HandoffMessage.handoff_id.in_(ids)))
    db.execute(delete(Handoff).where(Handoff.id.in_(ids)))
    return len(ids)


def purge(db: Session, older_than_days: int, at: dt.datetime | None = None) -> int:
    """Delete handoffs (transcripts, notes, callback contacts) closed longer ago than the
    retention period, and those left open that long (a callback nobody made)."""
    limit = (at or utc_now()) - dt.timedelta(days=older_than_days)
    ids = db.scalars(
        select(Handoff.id).where(
            or_(
                and_(Handoff.state == State.CLOSED.value, Handoff.closed_at < limit),
                and_(Handoff.state != State.CLOSED.value, Handoff.opened_at < limit),
            )
        )
    ).all()
    if ids:
        db.execute(delete(HandoffMessage).where(HandoffMessage.handoff_id.in_(ids)))
        db.execute(delete(Handoff).where(Handoff.id.in_(ids)))
    return len(ids)
