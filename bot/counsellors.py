"""Counsellor accounts: created from the command line, checked at the console's login.

Passwords are hashed with argon2 (argon2-cffi) and never stored or logged in clear; after
`MAX_FAILED_LOGINS` wrong passwords in a row an account is locked for `LOCK_MINUTES`, whatever
the password given meanwhile.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import suppress
from enum import Enum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import LANGUAGES
from bot.db import as_utc, utc_now
from bot.db.models import Counsellor, Partner

# Actiris counsellors guide jobseekers across partners; every partner is a team too.
ACTIRIS_TEAM = "actiris"

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 10
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_hasher = PasswordHasher()
# Checked when the e-mail is unknown, so a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class Role(str, Enum):
    COUNSELLOR = "counsellor"
    ADMIN = "admin"


class AccountInvalid(ValueError):
    """An account that cannot be created as asked."""


class LoginRefused(Exception):
    """Wrong e-mail or password, or the account is locked; `locked` says which."""

    def __init__(self, locked: bool):
        super().__init__("account locked" if locked else "wrong e-mail or password")
        self.locked = locked


def normalise_email(email: str) -> str:
    return email.strip().lower()


def add_counsellor(
    db: Session, *, email: str, team: str, role: Role, password: str, language: str = "fr"
) -> Counsellor:
    email = normalise_email(email)
    if not _EMAIL.fullmatch(email):
        raise AccountInvalid(f"{email!r} is not an e-mail address")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountInvalid(f"a password has {MIN_PASSWORD_LENGTH} characters at least")
    if language not in LANGUAGES:
        raise AccountInvalid(f"the console speaks {', '.join(LANGUAGES)}")
    partners = db.scalars(select(Partner.key)).all()
    if team != ACTIRIS_TEAM and team not in partners:
        known = ", ".join([ACTIRIS_TEAM, *sorted(partners)])
        raise AccountInvalid(f"{team!r} is not a team: {known}")
    if db.scalar(select(func.count()).where(Counsellor.email == email)):
        raise AccountInvalid(f"an account for {email} exists already")
    counsellor = Counsellor(
        email=email,
        team=team,
        role=role.value,
        password_hash=_hasher.hash(password),
        language=language,
        created_at=utc_now(),
    )
    db.add(counsellor)
    db.flush()
    return counsellor


def authenticate(db: Session, email: str, password: str) -> Counsellor:
    """The counsellor with these credentials; a failure is counted and may lock the account."""
    counsellor = db.scalar(select(Counsellor).where(Counsellor.email == normalise_email(email)))
    if counsellor is None:
        with suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        raise LoginRefused(locked=False)
    at = utc_now()
    if counsellor.locked_until is not None and as_utc(counsellor.locked_until) > at:
        raise LoginRefused(locked=True)
    try:
        _hasher.verify(counsellor.password_hash, password)
    except (VerificationError, InvalidHashError):
        counsellor.failed_logins += 1
        if counsellor.failed_logins >= MAX_FAILED_LOGINS:
            counsellor.failed_logins = 0
            counsellor.locked_until = at + dt.timedelta(minutes=LOCK_MINUTES)
            raise LoginRefused(locked=True) from None
        raise LoginRefused(locked=False) from None
    counsellor.failed_logins, counsellor.locked_until = 0, None
    if _hasher.check_needs_rehash(counsellor.password_hash):
        counsellor.password_hash = _hasher.hash(password)
    return counsellor
