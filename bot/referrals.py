"""Referral links: a counsellor meets a jobseeker and gives them a way into the assistant (a
Telegram deep link, the widget's page with `?ref=`, a QR code of either). Conversations and
pre-registrations that come through it carry the source `ref-<code>`, which is all the
counsellor's list counts: no personal data in a referral."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from urllib.parse import quote

import segno
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import utc_now
from bot.db.models import Counsellor, Handoff, Referral, Registration

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LENGTH = 8
MAX_LABEL = 100


class ReferralInvalid(ValueError):
    pass


@dataclass(frozen=True)
class ReferralView:
    """A referral as the counsellor's list shows it."""

    code: str
    label: str
    telegram_link: str | None
    widget_link: str
    registrations: dict[str, int]
    handoffs: int

    @property
    def source(self) -> str:
        return source_of(self.code)


def source_of(code: str) -> str:
    """The conversation source a referral gives: a valid Telegram deep-link payload."""
    return f"ref-{code}"


def create_referral(db: Session, counsellor: Counsellor, label: str) -> Referral:
    label = " ".join(label.split())
    if not label:
        raise ReferralInvalid("give the referral a name")
    if len(label) > MAX_LABEL:
        raise ReferralInvalid(f"a name is {MAX_LABEL} characters at most")
    referral = Referral(
        code="".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)),
        counsellor_id=counsellor.id,
        label=label,
        created_at=utc_now(),
    )
    db.add(referral)
    db.flush()
    return referral


def telegram_link(bot_username: str | None, code: str) -> str | None:
    return f"https://t.me/{bot_username}?start={source_of(code)}" if bot_username else None


def widget_link(page_url: str, code: str) -> str:
    separator = "&" if "?" in page_url else "?"
    return f"{page_url}{separator}ref={quote(code)}"


def qr_svg(link: str) -> str:
    """A QR code of `link` as an SVG data URI, to show and print."""
    return str(segno.make(link, error="m").svg_data_uri(scale=6, border=2))


def referrals_of(
    db: Session, counsellor: Counsellor, bot_username: str | None, page_url: str
) -> list[ReferralView]:
    """The counsellor's referrals, newest first, with what came through each."""
    referrals = db.scalars(
        select(Referral)
        .where(Referral.counsellor_id == counsellor.id)
        .order_by(Referral.created_at.desc(), Referral.id.desc())
    ).all()
    sources = [source_of(r.code) for r in referrals]
    statuses: dict[str, Counter[str]] = {source: Counter() for source in sources}
    for source, status, count in db.execute(
        select(Registration.source, Registration.status, func.count())
        .where(Registration.source.in_(sources))
        .group_by(Registration.source, Registration.status)
    ):
        statuses[str(source)][status] = int(count)
    handoffs: dict[str, int] = {
        str(source): int(count)
        for source, count in db.execute(
            select(Handoff.source, func.count())
            .where(Handoff.source.in_(sources))
            .group_by(Handoff.source)
        )
    }
    return [
        ReferralView(
            code=r.code,
            label=r.label,
            telegram_link=telegram_link(bot_username, r.code),
            widget_link=widget_link(page_url, r.code),
            registrations=dict(statuses[source_of(r.code)]),
            handoffs=int(handoffs.get(source_of(r.code), 0)),
        )
        for r in referrals
    ]


def find_referral(db: Session, counsellor: Counsellor, code: str) -> Referral | None:
    """One of the counsellor's own referrals."""
    return db.scalar(
        select(Referral).where(Referral.code == code, Referral.counsellor_id == counsellor.id)
    )
