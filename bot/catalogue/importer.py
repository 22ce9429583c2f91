"""Validate a catalogue file and import it into the database, all or nothing.

The whole file is checked first and every problem is reported with its line and record; nothing
is written when anything is wrong. Importing is idempotent: records are matched by their `key`,
unchanged ones are left alone, changed ones are updated, and records missing from the file are
removed from the database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import LANGUAGES
from bot.catalogue import FORMATS, TOPICS, WEEKDAYS
from bot.db.models import (
    CatalogueState,
    Course,
    CourseSession,
    EligibilityRule,
    Organisation,
    Partner,
)
from bot.eligibility import RULE_KINDS, RULES_WITH_NUMBER, RULES_WITH_TEXT
from bot.reading import plain

PARTNER_KEY = re.compile(r"^[a-z0-9_]{2,64}$")
RECORD_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{1,119}$")
PARTNER_KEY_RULE = "lowercase letters, digits or _ (2-64)"
RECORD_KEY_RULE = "lowercase letters, digits or - (2-120)"
MAX_ALIAS_LENGTH = 60
HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


class LineDict(dict[str, Any]):
    """A mapping read from YAML that remembers the line it started on."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    """YAML's safe loader, building LineDicts instead of dicts."""


def _construct_line_dict(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[LineDict]:
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    yield mapping
    mapping.update({str(key): value for key, value in loader.construct_mapping(node).items()})


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_line_dict)


@dataclass
class CatalogueError:
    line: int
    record: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.record}: {self.message}"


class CatalogueInvalid(Exception):
    def __init__(self, errors: list[CatalogueError]):
        super().__init__(f"{len(errors)} error(s) in the catalogue")
        self.errors = errors


KINDS = ("partners", "courses", "sessions", "organisations")


def _counts() -> dict[str, int]:
    return dict.fromkeys(KINDS, 0)


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=_counts)
    updated: dict[str, int] = field(default_factory=_counts)
    deleted: dict[str, int] = field(default_factory=_counts)
    unchanged: dict[str, int] = field(default_factory=_counts)

    @property
    def changed(self) -> bool:
        return any(sum(d.values()) for d in (self.created, self.updated, self.deleted))

    def summary(self) -> str:
        parts = []
        for kind in KINDS:
            parts.append(
                f"{kind}: {self.created[kind]} created, {self.updated[kind]} updated, "
                f"{self.deleted[kind]} deleted, {self.unchanged[kind]} unchanged"
            )
        return "; ".join(parts)


# --------------------------------------------------------------------------- validation


class _Checker:
    """Collects every problem of a catalogue document instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[CatalogueError] = []

    def error(self, node: Any, record: str, message: str) -> None:
        self.errors.append(CatalogueError(getattr(node, "line", 0), record, message))

    def mapping(self, node: Any, record: str) -> bool:
        if not isinstance(node, dict):
            self.error(node, record, "must be a mapping of fields")
            return False
        return True

    def key(
        self, node: dict, record: str, pattern: re.Pattern[str], kind: str, rule: str
    ) -> tuple[str | None, str]:
        """The record's key if well formed, and how errors should name the record."""
        key = node.get("key")
        if not isinstance(key, str) or not pattern.match(key):
            self.error(node, record, f"'key' must be {rule}")
            return None, record
        return key, f"{kind} '{key}'"

    def text(self, node: dict, name: str, record: str, *, optional: bool = False) -> str | None:
        value = node.get(name)
        if value is None:
            if not optional:
                self.error(node, record, f"'{name}' is missing")
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(node, record, f"'{name}' must be a non-empty text")
            return None
        return value.strip()

    def translations(
        self, node: dict, name: str, record: str, *, optional: bool = False
    ) -> dict[str, str] | None:
        value = node.get(name)
        if value is None:
            if not optional:
                self.error(node, record, f"'{name}' is missing (texts in fr, nl and en)")
            return None
        if not isinstance(value, dict):
            self.error(node, record, f"'{name}' must have texts for fr, nl and en")
            return None
        texts = {}
        for lang in LANGUAGES:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                self.error(value, record, f"'{name}' has no {lang} text")
            else:
                texts[lang] = text.strip()
        extra = set(value) - set(LANGUAGES)
        if extra:
            self.error(value, record, f"'{name}' has unknown languages {sorted(extra)}")
        return texts if len(texts) == len(LANGUAGES) else None

    def aliases(self, node: dict, record: str, taken: dict[str, str]) -> str:
        """Other names of a record: a list of texts (2-60 characters), none naming another
        record (`taken`: every alias seen so far, written plainly, and whose it is)."""
        value = node.get("aliases", [])
        if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
            self.error(node, record, "'aliases' must be a list of texts")
            return ""
        kept: list[str] = []
        for alias in value:
            alias = " ".join(alias.split())
            if not 2 <= len(alias) <= MAX_ALIAS_LENGTH:
                self.error(
                    node, record, f"alias {alias!r} must have 2 to {MAX_ALIAS_LENGTH} characters"
                )
                continue
            written = plain(alias)
            owner = taken.setdefault(written, record)
            if owner != record:
                self.error(node, record, f"alias {alias!r} also names {owner}")
            elif alias not in kept:
                kept.append(alias)
        return "\n".join(kept)

    def boolean(self, node: dict, name: str, record: str, default: bool) -> bool:
        value = node.get(name, default)
        if not isinstance(value, bool):
            self.error(node, record, f"'{name}' must be true or false")
            return default
        return value

    def integer(self, node: dict, name: str, record: str, minimum: int = 0) -> int | None:
        value = node.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(node, record, f"'{name}' must be a whole number")
            return None
        if value < minimum:
            self.error(node, record, f"'{name}' must be at least {minimum}")
            return None
        return value

    def date(self, node: dict, name: str, record: str, *, optional: bool = False) -> dt.date | None:
        value = node.get(name)
        if value is None and optional:
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        self.error(node, record, f"'{name}' must be a date written YYYY-MM-DD")
        return None


def _check_partner(
    c: _Checker, node: Any, index: int, aliases: dict[str, str]
) -> dict[str, Any] | None:
    record = f"partners[{index}]"
    if not c.mapping(node, record):
        return None
    key, record = c.key(node, record, PARTNER_KEY, "partner", PARTNER_KEY_RULE)
    before = len(c.errors)
    data = {
        "key": key,
        "name": c.text(node, "name", record),
        "description": c.translations(node, "description", record),
        "address": c.text(node, "address", record),
        "website": c.text(node, "website", record),
        "contact": c.text(node, "contact", record),
        "verified": c.boolean(node, "verified", record, False),
        "source": c.text(node, "source", record, optional=True) or "",
        "aliases": c.aliases(node, record, aliases),
        "line": node.line if isinstance(node, LineDict) else 0,
    }
    return data if len(c.errors) == before and key else None


def _check_organisation(
    c: _Checker, node: Any, index: int, aliases: dict[str, str]
) -> dict[str, Any] | None:
    record = f"organisations[{index}]"
    if not c.mapping(node, record):
        return None
    key, record = c.key(node, record, PARTNER_KEY, "organisation", PARTNER_KEY_RULE)
    before = len(c.errors)
    data = {
        "key": key,
        "name": c.text(node, "name", record),
        "aliases": c.aliases(node, record, aliases),
        "description": c.translations(node, "description", record),
        "website": c.text(node, "website", record, optional=True) or "",
    }
    return data if len(c.errors) == before and key else None


def _check_rule(c: _Checker, node: Any, record: str) -> dict[str, Any] | None:
    if not c.mapping(node, record):
        return None
    before = len(c.errors)
    kind = node.get("rule")
    value = node.get("value")
    if kind not in RULE_KINDS:
        c.error(node, record, f"'rule' must be one of {', '.join(RULE_KINDS)}, not {kind!r}")
    elif kind in RULES_WITH_NUMBER:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 120:
            c.error(node, record, f"rule '{kind}' needs a 'value' that is an age in years")
    elif kind in RULES_WITH_TEXT:
        if not isinstance(value, str) or not value.strip():
            c.error(node, record, f"rule '{kind}' needs a 'value' text")
    elif value is not None:
        c.error(node, record, f"rule '{kind}' takes no 'value'")
    reason = c.translations(node, "reason", record)
    if len(c.errors) != before:
        return None
    return {"kind": kind, "value": None if value is None else str(value).strip(), "reason": reason}


def _check_session(c: _Checker, node: Any, record: str) -> dict[str, Any] | None:
    if not c.mapping(node, record):
        return None
    key, record = c.key(node, record, RECORD_KEY, "session", RECORD_KEY_RULE)
    before = len(c.errors)
    start = c.date(node, "start_date", record)
    end = c.date(node, "end_date", record)
    deadline = c.date(node, "application_deadline", record, optional=True)
    info = c.date(node, "info_session_date", record, optional=True)
    if start and end and end < start:
        c.error(node, record, "'end_date' is before 'start_date'")
    if start and deadline and deadline > start:
        c.error(node, record, "'application_deadline' is after 'start_date'")
    if start and info and info > start:
        c.error(node, record, "'info_session_date' is after 'start_date'")
    days = node.get("days")
    if (
        not isinstance(days, list)
        or not days
        or any(d not in WEEKDAYS for d in days)
        or len(set(days)) != len(days)
    ):
        c.error(node, record, f"'days' must be a list of distinct days among {', '.join(WEEKDAYS)}")
        days = None
    hours = node.get("hours")
    match = HOURS.match(hours) if isinstance(hours, str) else None
    start_time = end_time = None
    if not match:
        c.error(node, record, "'hours' must look like 09:00-17:00")
    else:
        start_time = dt.time(int(match[1]), int(match[2]))
        end_time = dt.time(int(match[3]), int(match[4]))
        if end_time <= start_time:
            c.error(node, record, "'hours' ends before it starts")
    location = c.text(node, "location", record)
    capacity = c.integer(node, "capacity", record, minimum=1)
    taken = c.integer(node, "seats_taken", record)
    if capacity is not None and taken is not None and taken > capacity:
        c.error(node, record, "'seats_taken' is more than 'capacity'")
    sample = c.boolean(node, "sample", record, True)
    if len(c.errors) != before or not key:
        return None
    return {
        "key": key,
        "start_date": start,
        "end_date": end,
        "days": ",".join(days or []),
        "start_time": start_time,
        "end_time": end_time,
        "location": location,
        "capacity": capacity,
        "seats_taken": taken,
        "application_deadline": deadline,
        "info_session_date": info,
        "sample": sample,
    }


def _check_course(
    c: _Checker,
    node: Any,
    index: int,
    partner_keys: set[str],
    session_keys: set[str],
    aliases: dict[str, str],
) -> dict[str, Any] | None:
    record = f"courses[{index}]"
    if not c.mapping(node, record):
        return None
    key, record = c.key(node, record, RECORD_KEY, "course", RECORD_KEY_RULE)
    before = len(c.errors)
    partner = node.get("partner")
    if partner not in partner_keys:
        c.error(node, record, f"'partner' {partner!r} is not a partner of this file")
    topic = node.get("topic")
    if topic not in TOPICS:
        c.error(node, record, f"'topic' must be one of {', '.join(TOPICS)}, not {topic!r}")
    fmt = node.get("format")
    if fmt not in FORMATS:
        c.error(node, record, f"'format' must be one of {', '.join(FORMATS)}, not {fmt!r}")
    cost: Decimal | None = None
    try:
        raw_cost = node.get("cost_eur")
        if isinstance(raw_cost, bool) or not isinstance(raw_cost, int | float):
            raise InvalidOperation
        cost = Decimal(str(raw_cost))
        if cost < 0:
            raise InvalidOperation
    except InvalidOperation:
        c.error(node, record, "'cost_eur' must be a number of euros, 0 or more")
    languages = node.get("instruction_languages")
    if (
        not isinstance(languages, list)
        or not languages
        or any(x not in LANGUAGES for x in languages)
    ):
        c.error(node, record, "'instruction_languages' must be a list among fr, nl, en")
        languages = []
    data: dict[str, Any] = {
        "key": key,
        "partner": partner,
        "topic": topic,
        "format": fmt,
        "cost_eur": cost,
        "instruction_languages": ",".join(languages),
        "title": c.translations(node, "title", record),
        "description": c.translations(node, "description", record),
        "allowance": c.translations(node, "allowance", record, optional=True),
        "certificate": c.translations(node, "certificate", record, optional=True),
        "duration_weeks": c.integer(node, "duration_weeks", record, minimum=1),
        "verified": c.boolean(node, "verified", record, False),
        "source": c.text(node, "source", record, optional=True) or "",
        "aliases": c.aliases(node, record, aliases),
    }
    rules = node.get("eligibility", [])
    if not isinstance(rules, list):
        c.error(node, record, "'eligibility' must be a list of rules")
        rules = []
    data["rules"] = [_check_rule(c, r, f"{record} eligibility[{i}]") for i, r in enumerate(rules)]
    sessions = node.get("sessions")
    if not isinstance(sessions, list) or not sessions:
        c.error(node, record, "'sessions' must list at least one session")
        sessions = []
    data["sessions"] = []
    for i, session_node in enumerate(sessions):
        session = _check_session(c, session_node, f"{record} sessions[{i}]")
        if session is None:
            continue
        if session["key"] in session_keys:
            c.error(
                session_node, f"session '{session['key']}'", "the same session key is used twice"
            )
        session_keys.add(session["key"])
        data["sessions"].append(session)
    if len(c.errors) != before or not key:
        return None
    return data


def validate(document: Any) -> dict[str, Any]:
    """Check a parsed catalogue; return it normalised, or raise with every error found."""
    c = _Checker()
    if not isinstance(document, dict):
        raise CatalogueInvalid(
            [CatalogueError(1, "file", "must be a mapping with partners and courses")]
        )
    if document.get("version") != 1:
        c.error(document, "file", "'version' must be 1")
    partners_node = document.get("partners")
    courses_node = document.get("courses")
    if not isinstance(partners_node, list) or not partners_node:
        c.error(document, "file", "'partners' must be a non-empty list")
        partners_node = []
    if not isinstance(courses_node, list):
        c.error(document, "file", "'courses' must be a list")
        courses_node = []
    organisations_node = document.get("organisations", [])
    if not isinstance(organisations_node, list):
        c.error(document, "file", "'organisations' must be a list")
        organisations_node = []
    # Aliases of partners and organisations, and those of courses: one name, one record.
    named: dict[str, str] = {}
    course_aliases: dict[str, str] = {}
    partners = []
    partner_keys: set[str] = set()
    for i, node in enumerate(partners_node):
        partner = _check_partner(c, node, i, named)
        if isinstance(node, dict) and isinstance(node.get("key"), str):
            if node["key"] in partner_keys:
                c.error(node, f"partner '{node['key']}'", "the same partner key is used twice")
            partner_keys.add(node["key"])
        if partner:
            partners.append(partner)
    courses = []
    course_keys: set[str] = set()
    session_keys: set[str] = set()
    for i, node in enumerate(courses_node):
        course = _check_course(c, node, i, partner_keys, session_keys, course_aliases)
        if isinstance(node, dict) and isinstance(node.get("key"), str):
            if node["key"] in course_keys:
                c.error(node, f"course '{node['key']}'", "the same course key is used twice")
            course_keys.add(node["key"])
        if course:
            courses.append(course)
    organisations = []
    organisation_keys: set[str] = set()
    for i, node in enumerate(organisations_node):
        organisation = _check_organisation(c, node, i, named)
        if isinstance(node, dict) and isinstance(node.get("key"), str):
            if node["key"] in organisation_keys | partner_keys:
                c.error(node, f"organisation '{node['key']}'", "the key is already used")
            organisation_keys.add(node["key"])
        if organisation:
            organisations.append(organisation)
    if c.errors:
        raise CatalogueInvalid(c.errors)
    return {"partners": partners, "courses": courses, "organisations": organisations}


def load_file(path: Path) -> dict[str, Any]:
    """Parse and validate a catalogue file."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogueInvalid(
            [CatalogueError(0, "file", f"is not UTF-8 text ({exc.reason})")]
        ) from exc
    try:
        document = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise CatalogueInvalid([CatalogueError(line, "file", f"is not valid YAML: {exc}")]) from exc
    return validate(document)


# --------------------------------------------------------------------------- import


def _assign(row: Any, values: dict[str, Any]) -> bool:
    """Set the attributes that differ; say whether anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _per_language(prefix: str, texts: dict[str, str] | None) -> dict[str, str | None]:
    return {f"{prefix}_{lang}": (texts or {}).get(lang) for lang in LANGUAGES}


def _sync(
    db: Session,
    model: Any,
    rows: list[dict[str, Any]],
    kind: str,
    report: ImportReport,
    existing: dict[str, Any],
) -> dict[str, tuple[Any, str]]:
    """Create or update `rows` (matched by key), delete those not in the file.

    Returns each kept row with what happened to it: created, updated or unchanged.
    """
    result = {}
    for values in rows:
        row = existing.pop(values["key"], None)
        if row is None:
            row, status = model(**values), "created"
            db.add(row)
        else:
            status = "updated" if _assign(row, values) else "unchanged"
        getattr(report, status)[kind] += 1
        result[values["key"]] = (row, status)
    for row in existing.values():
        db.delete(row)
        report.deleted[kind] += 1
    return result


def import_catalogue(db: Session, catalogue: dict[str, Any]) -> ImportReport:
    """Bring the database in line with a validated catalogue, inside the caller's transaction."""
    report = ImportReport()
    partners = _sync(
        db,
        Partner,
        [
            {
                "key": p["key"],
                "name": p["name"],
                **_per_language("description", p["description"]),
                "address": p["address"],
                "website": p["website"],
                "contact": p["contact"],
                "verified": p["verified"],
                "source": p["source"],
                "aliases": p["aliases"],
            }
            for p in catalogue["partners"]
        ],
        "partners",
        report,
        {p.key: p for p in db.scalars(select(Partner))},
    )
    db.flush()
    existing_courses = {c.key: c for c in db.scalars(select(Course))}
    existing_sessions = {s.key: s for s in db.scalars(select(CourseSession))}
    course_rows = []
    for c in catalogue["courses"]:
        course_rows.append(
            {
                "key": c["key"],
                "partner_id": partners[c["partner"]][0].id,
                "topic": c["topic"],
                **_per_language("title", c["title"]),
                **_per_language("description", c["description"]),
                "duration_weeks": c["duration_weeks"],
                "format": c["format"],
                "cost_eur": c["cost_eur"],
                **_per_language("allowance", c["allowance"]),
                **_per_language("certificate", c["certificate"]),
                "instruction_languages": c["instruction_languages"],
                "verified": c["verified"],
                "source": c["source"],
                "aliases": c["aliases"],
            }
        )
    # Sessions of deleted courses go with them (cascade); count them before.
    kept_courses = {c["key"] for c in catalogue["courses"]}
    for key, course in existing_courses.items():
        if key not in kept_courses:
            for s in course.sessions:
                existing_sessions.pop(s.key, None)
                report.deleted["sessions"] += 1
    courses = _sync(db, Course, course_rows, "courses", report, existing_courses)
    db.flush()
    session_rows = []
    for c in catalogue["courses"]:
        course, status = courses[c["key"]]
        rules = [
            (r["kind"], r["value"], *(r["reason"][lang] for lang in LANGUAGES)) for r in c["rules"]
        ]
        stored = [(r.kind, r.value, r.reason_fr, r.reason_nl, r.reason_en) for r in course.rules]
        if rules != stored:
            course.rules.clear()
            db.flush()
            course.rules.extend(
                EligibilityRule(
                    position=position,
                    kind=kind,
                    value=value,
                    reason_fr=fr,
                    reason_nl=nl,
                    reason_en=en,
                )
                for position, (kind, value, fr, nl, en) in enumerate(rules)
            )
            if status == "unchanged":  # a change of rules alone still updates the course
                report.unchanged["courses"] -= 1
                report.updated["courses"] += 1
        for s in c["sessions"]:
            session_rows.append({**s, "course_id": course.id})
    _sync(db, CourseSession, session_rows, "sessions", report, existing_sessions)
    _sync(
        db,
        Organisation,
        [
            {
                "key": o["key"],
                "name": o["name"],
                "aliases": o["aliases"],
                **_per_language("description", o["description"]),
                "website": o["website"],
            }
            for o in catalogue.get("organisations", [])
        ],
        "organisations",
        report,
        {o.key: o for o in db.scalars(select(Organisation))},
    )
    if report.changed:
        state = db.get(CatalogueState, 1) or CatalogueState(id=1, version=0)
        state.version += 1
        db.add(state)
    db.flush()
    return report
