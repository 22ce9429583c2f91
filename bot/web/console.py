"""The counsellors' console, served by the gateway at `/console`: log in, work the queue, take a
conversation over, answer the person on their own channel, hand them back to the assistant.

Server-rendered pages (Jinja2) with one small script for live updates (server-sent events
from `/console/events`). A signed session cookie (HttpOnly, SameSite=Strict, Secure over HTTPS)
holds the counsellor's id and a CSRF token that every form sends back. The rules themselves
(claims, teams, states) are in `bot.handoff`; this module checks who asks and renders.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from bot import BRUSSELS, LANGUAGES, handoff, referrals
from bot import registration as registration_service
from bot.catalogue.queries import (
    brussels_today,
    get_course,
    get_partner,
    list_partners,
    upcoming_sessions,
)
from bot.counsellors import LoginRefused, authenticate
from bot.db import as_utc, database_for, db_sessions, write_transaction
from bot.db.models import Counsellor, Course, CourseSession, Handoff, localized
from bot.engine_client import EngineClient, EngineUnavailable, HistoryEntry, in_time_order
from bot.i18n import format_date, format_days, format_hours, format_moment, text
from bot.live import CONSOLE
from bot.registration import as_csv, export_rows, format_reference, of_conversation
from bot.relay import Relay
from bot.settings import Settings

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
# A console form is a few lines of text; anything bigger is refused before it is read.
MAX_FORM_BYTES = 64_000
HEARTBEAT_SECONDS = 15.0
# What the packet shows of the engine's slots, and the form answers shown only with consent.
FACT_SLOTS = ("fact_age", "fact_actiris", "fact_brussels", "fact_postcode", "fact_diploma")
FORM_SLOTS = ("first_name", "contact", "age", "actiris_registered", "postcode")

T = TypeVar("T")


class NotLoggedIn(Exception):
    """No counsellor's session: pages send to the login, live parts answer 401."""


class CsrfFailed(Exception):
    """A form without this session's token: refused (403)."""


class Missing(Exception):
    """What a page shows does not exist for this counsellor (404); `key` names its text."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


# The console shows personal data: no framing, no scripts or styles from elsewhere, no
# referrer leaving with a handoff's address.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


# Parts of pages fetched by the console's script, answered 401 rather than sent to the login.
LIVE_PARTS = ("/console/queue", "/console/events")


def install_console(app: FastAPI, settings: Settings, relay: Relay) -> None:
    """Add the console's routes, the answers to its refusals, and its security headers; the
    app adds the session middleware they rely on."""
    router = APIRouter(prefix="/console", include_in_schema=False)
    templates = Jinja2Templates(directory=str(TEMPLATES))

    async def run_db(work: Callable[[Session], T], *, write: bool = False) -> T:
        """`work(db)` in a worker thread: a plain read, or one write transaction when it
        changes something (SQLite's write lock is for the whole database, so pages that only
        read, refreshed at every live event, must not take it)."""

        def in_session() -> T:
            if write:
                with write_transaction(database_for(settings.database_url)) as db:
                    return work(db)
            with db_sessions(settings.database_url)() as db:
                return work(db)

        return await asyncio.to_thread(in_session)

    def language_of(request: Request) -> str:
        lang = request.session.get("lang")
        return lang if lang in LANGUAGES else "fr"

    def csrf_token(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = request.session["csrf"] = secrets.token_urlsafe(32)
        return str(token)

    def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        lang = language_of(request)
        return templates.TemplateResponse(
            request,
            template,
            {
                "lang": lang,
                "t": lambda key, **v: text(f"console_{key}", lang, **v),
                "csrf": csrf_token(request),
                "languages": LANGUAGES,
                **values,
            },
            status_code=status,
        )

    def explain(request: Request, error: handoff.HandoffError) -> str:
        return text(f"console_error_{error.code}", language_of(request))

    def counsellor_of(db: Session, request: Request) -> Counsellor:
        counsellor_id = request.session.get("counsellor")
        counsellor = db.get(Counsellor, counsellor_id) if isinstance(counsellor_id, int) else None
        if counsellor is None:
            raise NotLoggedIn
        return counsellor

    async def form_of(request: Request) -> dict[str, str]:
        """The posted form, after its size and CSRF token are checked."""
        length = request.headers.get("content-length", "")
        if not length.isdigit() or int(length) > MAX_FORM_BYTES:
            raise handoff.TooLong("the form is too big")
        form = await request.form()
        values = {key: value for key, value in form.items() if isinstance(value, str)}
        given = values.get("csrf", "")
        expected = request.session.get("csrf", "")
        if not expected or not secrets.compare_digest(given.encode(), str(expected).encode()):
            raise CsrfFailed
        return values

    # ------------------------------------------------------------------ log in and out

    @router.get("/login")
    async def login_page(request: Request, lang: str | None = None) -> Response:
        if lang in LANGUAGES:
            request.session["lang"] = lang
        return render(request, "login.html")

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await form_of(request)
        email, password = form.get("email", ""), form.get("password", "")

        def check(db: Session) -> tuple[int, str] | str:
            try:
                counsellor = authenticate(db, email, password)
            except LoginRefused as refused:
                return "locked" if refused.locked else "wrong"
            return counsellor.id, counsellor.language

        outcome = await run_db(check, write=True)
        if isinstance(outcome, str):
            logger.info("console login refused (%s)", outcome)
            status = 429 if outcome == "locked" else 401
            message = text(f"console_login_{outcome}", language_of(request))
            return render(request, "login.html", status, error=message, email=email)
        counsellor_id, lang = outcome
        # A new session at login: nothing from before it (a planted token) carries over.
        request.session.clear()
        request.session.update(counsellor=counsellor_id, lang=lang, csrf=secrets.token_urlsafe(32))
        return RedirectResponse("/console", status_code=303)

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        await form_of(request)
        request.session.clear()
        return RedirectResponse("/console/login", status_code=303)

    @router.get("/static/console.js")
    async def console_script() -> FileResponse:
        return FileResponse(STATIC / "console.js", media_type="text/javascript; charset=utf-8")

    # ------------------------------------------------------------------ the queue

    def queue_rows(db: Session, counsellor: Counsellor, lang: str) -> list[dict[str, Any]]:
        at = handoff.utc_now()
        rows = []
        for item in handoff.queue(db, counsellor):
            course = get_course(db, item.course_key) if item.course_key else None
            rows.append(
                {
                    "id": item.id,
                    "state": item.state,
                    "reason": item.reason,
                    "language": item.language,
                    "channel": item.channel,
                    "team": item.team,
                    "course": course.key if course else "",
                    "mine": item.counsellor_id == counsellor.id,
                    "waiting": _minutes_since(item.opened_at, at),
                    "callback": _callback_of(item),
                }
            )
        return rows

    @router.get("")
    async def queue_page(request: Request, lang: str | None = None) -> Response:
        if lang in LANGUAGES:
            request.session["lang"] = lang

        def load(db: Session) -> dict[str, Any]:
            counsellor = counsellor_of(db, request)
            return {
                "me": _me(counsellor),
                "rows": queue_rows(db, counsellor, language_of(request)),
            }

        values = await run_db(load)
        return render(request, "queue.html", **values)

    @router.get("/queue")
    async def queue_part(request: Request) -> Response:
        def load(db: Session) -> dict[str, Any]:
            counsellor = counsellor_of(db, request)
            return {"rows": queue_rows(db, counsellor, language_of(request))}

        values = await run_db(load)
        return render(request, "_queue.html", **values)

    # ------------------------------------------------------------------ one handoff

    async def transcript(item: dict[str, Any], engine: EngineClient) -> dict[str, Any]:
        """The engine's side of the conversation (every session) merged with the handoff's."""
        slots: dict[str, Any] = {}
        entries: list[HistoryEntry] = []
        try:
            history = await engine.history(item["conversation_id"])
            entries, slots = history.entries, history.slots
        except EngineUnavailable:
            item["engine_down"] = True
        lines = in_time_order(entries, item.pop("handoff_entries"))
        consented = slots.get("data_consent") is True
        titles = item.pop("course_titles")
        return {
            **item,
            "lines": [
                {
                    "from": e.sender,
                    "text": e.text,
                    "at": e.at.astimezone(BRUSSELS).strftime("%H:%M") if e.at else "",
                }
                for e in lines
            ],
            "facts": {name[5:]: slots[name] for name in FACT_SLOTS if slots.get(name) is not None},
            "answers": (
                {name: slots[name] for name in FORM_SLOTS if slots.get(name) is not None}
                if consented
                else {}
            ),
            "looked_at": [
                {"key": key, "title": titles.get(key, key)}
                for key in dict.fromkeys([slots.get("course"), *(slots.get("shown_courses") or [])])
                if isinstance(key, str)
            ][:8],
        }

    def handoff_view(
        db: Session, request: Request, handoff_id: int, viewing: bool
    ) -> dict[str, Any]:
        counsellor = counsellor_of(db, request)
        item = handoff.get_for(db, handoff_id, counsellor, viewing=viewing)
        lang = language_of(request)
        course = get_course(db, item.course_key) if item.course_key else None
        partners = list_partners(db)
        senders = {"person": "user", "assistant": "bot", "counsellor": "counsellor", "note": "note"}
        return {
            "me": _me(counsellor),
            "id": item.id,
            "conversation_id": item.conversation_id,
            "state": item.state,
            "reason": item.reason,
            "language": item.language,
            "channel": item.channel,
            "source": item.source or "",
            "team": item.team,
            "mine": item.counsellor_id == counsellor.id,
            "opened": format_moment(as_utc(item.opened_at), lang),
            "callback": _callback_of(item),
            "course": _course_facts(course, lang) if course else None,
            "canned": [
                text(f"canned_{name}", item.language)
                for name in ("hello", "checking", "info_session", "bye")
            ],
            "registrations": [
                {"reference": r.reference, "session": r.session_key, "status": r.status}
                for r in of_conversation(db, item.conversation_id)
            ],
            "teams": ["actiris", *(p.key for p in partners)],
            "course_titles": {
                c.key: f"{localized(c, 'title', lang) or c.key} ({p.name})"
                for p in partners
                for c in p.courses
            },
            "handoff_entries": [
                HistoryEntry(senders[m.author], m.text, at=as_utc(m.created_at))
                for m in handoff.messages_of(db, item.conversation_id)
            ],
        }

    async def show_handoff(
        request: Request, handoff_id: int, template: str, status: int = 200, **extra: Any
    ) -> Response:
        try:
            # The whole page records a view (audit); its live part only reads.
            viewing = template == "handoff.html"
            item = await run_db(
                lambda db: handoff_view(db, request, handoff_id, viewing), write=viewing
            )
        except handoff.HandoffError as exc:
            return render(request, "error.html", exc.status, message=explain(request, exc))
        values = await transcript(item, request.app.state.engine)
        return render(request, template, status, **values, **extra)

    @router.get("/handoffs/{handoff_id}")
    async def handoff_page(request: Request, handoff_id: int) -> Response:
        return await show_handoff(request, handoff_id, "handoff.html")

    @router.get("/handoffs/{handoff_id}/transcript")
    async def transcript_part(request: Request, handoff_id: int) -> Response:
        return await show_handoff(request, handoff_id, "_transcript.html")

    @router.post("/handoffs/{handoff_id}/{action}")
    async def act(request: Request, handoff_id: int, action: str) -> Response:
        """claim, release, reply, note, hand-back, close or reassign."""
        form = await form_of(request)
        changes: dict[str, Callable[[Session, Counsellor], Any]] = {
            "claim": lambda db, c: handoff.claim(db, handoff_id, c),
            "release": lambda db, c: handoff.release(db, handoff_id, c),
            "reply": lambda db, c: handoff.reply(db, handoff_id, c, form.get("text", "")),
            "note": lambda db, c: handoff.note(db, handoff_id, c, form.get("text", "")),
            "hand-back": lambda db, c: handoff.hand_back(db, handoff_id, c),
            "close": lambda db, c: handoff.close(db, handoff_id, c),
            "reassign": lambda db, c: handoff.reassign(db, handoff_id, c, form.get("team", "")),
        }
        change = changes.get(action)
        if change is None:
            return render(request, "error.html", 404, message="no such action")

        def apply(db: Session) -> tuple[Any, str, str]:
            counsellor = counsellor_of(db, request)
            was = db.get(Handoff, handoff_id)
            before = was.state if was else ""
            result = change(db, counsellor)
            current = db.get(Handoff, handoff_id)
            return result, before, current.team if current else ""

        try:
            result, before, team = await run_db(apply, write=True)
        except handoff.HandoffError as exc:
            if exc.status in (403, 404):
                return render(request, "error.html", exc.status, message=explain(request, exc))
            return await show_handoff(
                request, handoff_id, "handoff.html", exc.status, error=explain(request, exc)
            )
        if action == "reply":
            await relay.deliver(handoff_id, result.id)
        elif action == "claim":
            await relay.tell(handoff_id, "handoff_claimed")
        elif action == "hand-back" or (action == "close" and before == "counsellor"):
            await relay.tell(handoff_id, "handoff_handed_back")
        await relay.hub.publish(CONSOLE, {"kind": action, "handoff": handoff_id, "team": team})
        if action in ("hand-back", "close", "reassign", "release"):
            return RedirectResponse("/console", status_code=303)
        return RedirectResponse(f"/console/handoffs/{handoff_id}", status_code=303)

    # ------------------------------------------------------------------ a course's facts

    @router.get("/courses/{course_key}")
    async def course_page(request: Request, course_key: str) -> Response:
        """What the assistant knows of a course, to answer from: sessions, place, conditions."""
        lang = language_of(request)

        def load(db: Session) -> dict[str, Any]:
            counsellor = counsellor_of(db, request)
            course = get_course(db, course_key)
            if course is None:
                raise Missing("console_no_course")
            today = brussels_today()
            return {
                "me": _me(counsellor),
                "course": _course_facts(course, lang),
                "description": localized(course, "description", lang) or "",
                "conditions": [
                    localized(rule, "reason", lang) or rule.kind for rule in course.rules
                ],
                "sessions": [_session_facts(s, lang) for s in upcoming_sessions(course, today)],
            }

        values = await run_db(load)
        return render(request, "course.html", **values)

    # ------------------------------------------------------------------ registrations

    def team_courses(db: Session, counsellor: Counsellor) -> list[str] | None:
        """The courses whose registrations this counsellor sees: their partner's; all for
        Actiris and admins (they guide people across partners)."""
        if counsellor.role == "admin" or counsellor.team == handoff.ACTIRIS_TEAM:
            return None
        partner = get_partner(db, counsellor.team)
        return [course.key for course in partner.courses] if partner else []

    @router.get("/registrations")
    async def registrations_page(request: Request) -> Response:
        lang = language_of(request)

        def load(db: Session) -> dict[str, Any]:
            counsellor = counsellor_of(db, request)
            rows = []
            for registration in registration_service.of_courses(db, team_courses(db, counsellor)):
                course = registration.session.course if registration.session else None
                rows.append(
                    {
                        "reference": format_reference(registration.reference),
                        "raw_reference": registration.reference,
                        "session": registration.session_key,
                        "course": (localized(course, "title", lang) if course else None)
                        or registration.course_key,
                        "start": format_date(registration.session.start_date, lang)
                        if registration.session
                        else "",
                        "status": registration.status,
                        "status_text": text(f"status_{registration.status}", lang),
                        "first_name": registration.first_name or "",
                        "contact": registration.contact or "",
                        "age": registration.age if registration.age is not None else "",
                        "actiris": registration.actiris_registered or "",
                        "postcode": registration.postcode or "",
                    }
                )
            return {"me": _me(counsellor), "rows": rows}

        values = await run_db(load)
        return render(request, "registrations.html", **values)

    @router.get("/registrations.csv")
    async def registrations_csv(request: Request) -> Response:
        def export(db: Session) -> str:
            counsellor = counsellor_of(db, request)
            handoff.audit(db, "registrations_exported", counsellor)
            return as_csv(export_rows(db, course_keys=team_courses(db, counsellor)))

        payload = await run_db(export, write=True)
        return Response(
            payload,
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="registrations.csv"'},
        )

    @router.post("/registrations/{reference}/decide")
    async def decide(request: Request, reference: str) -> Response:
        """Accept or decline a registration that needed a check; the person is told."""
        lang = language_of(request)
        form = await form_of(request)
        accept = form.get("decision") == "accept"
        reason = form.get("reason", "").strip()[: handoff.MAX_REPLY_CHARACTERS]
        if not accept and not reason:
            return render(request, "error.html", 422, message=text("console_reason_needed", lang))

        def apply(db: Session) -> dict[str, Any] | str:
            counsellor = counsellor_of(db, request)
            found = registration_service.find(db, reference)
            allowed = team_courses(db, counsellor)
            if found is None or (allowed is not None and found.course_key not in allowed):
                raise Missing("console_no_registration")
            try:
                registration_service.decide(db, reference, accept)
            except registration_service.NotToCheck:
                return "not_to_check"
            handoff.audit(
                db,
                "registration_accepted" if accept else "registration_declined",
                counsellor,
                found.reference,
            )
            course = found.session.course if found.session else get_course(db, found.course_key)
            return {
                "conversation": found.conversation_id,
                "counsellor": counsellor.id,
                "team": counsellor.team,
                "reference": format_reference(found.reference),
                "course": course,
                "partner": course.partner.name if course else "",
            }

        outcome = await run_db(apply, write=True)
        if outcome == "not_to_check":
            return render(request, "error.html", 409, message=text("console_not_to_check", lang))
        assert isinstance(outcome, dict)
        conversation = outcome["conversation"]
        if conversation:
            try:
                person_lang = (await request.app.state.engine.history(conversation)).language
            except EngineUnavailable:
                person_lang = None
            person_lang = person_lang or settings.default_language
            course = outcome["course"]
            values = {
                "reference": outcome["reference"],
                "title": (localized(course, "title", person_lang) if course else "") or "",
                "partner": outcome["partner"],
            }
            message = (
                text("registration_accepted", person_lang, **values)
                if accept
                else text("registration_declined", person_lang, reason=reason, **values)
            )
            await relay.notify(
                conversation, person_lang, outcome["team"], message, outcome["counsellor"]
            )
        return RedirectResponse("/console/registrations", status_code=303)

    @router.get("/audit.csv")
    async def audit_export(request: Request) -> Response:
        """The audit trail, for admins (a data-protection officer's request)."""

        def export(db: Session) -> str | None:
            counsellor = counsellor_of(db, request)
            if counsellor.role != "admin":
                return None
            handoff.audit(db, "audit_exported", counsellor)
            return as_csv(handoff.audit_rows(db), handoff.AUDIT_COLUMNS)

        payload = await run_db(export, write=True)
        if payload is None:
            message = text("console_admins_only", language_of(request))
            return render(request, "error.html", 403, message=message)
        return Response(
            payload,
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="audit.csv"'},
        )

    # ------------------------------------------------------------------ referrals

    def bot_username(request: Request) -> str | None:
        channel = request.app.state.telegram
        return channel.username if channel is not None else None

    def page_url(request: Request) -> str:
        """Where a referral's widget link leads: the gateway's page with the widget."""
        return str(request.base_url)

    async def show_referrals(request: Request, status: int = 200, **extra: Any) -> Response:
        username, page = bot_username(request), page_url(request)

        def load(db: Session) -> dict[str, Any]:
            counsellor = counsellor_of(db, request)
            return {
                "me": _me(counsellor),
                "referrals": referrals.referrals_of(db, counsellor, username, page),
            }

        values = await run_db(load)
        return render(request, "referrals.html", status, **values, **extra)

    @router.get("/referrals")
    async def referrals_page(request: Request) -> Response:
        return await show_referrals(request)

    @router.post("/referrals")
    async def create_referral(request: Request) -> Response:
        lang = language_of(request)
        form = await form_of(request)

        def create(db: Session) -> str:
            counsellor = counsellor_of(db, request)
            created = referrals.create_referral(db, counsellor, form.get("label", ""))
            handoff.audit(db, "referral_created", counsellor, created.code)
            return created.code

        try:
            code = await run_db(create, write=True)
        except referrals.ReferralInvalid:
            return await show_referrals(request, 422, error=text("console_referral_name", lang))
        return RedirectResponse(f"/console/referrals/{code}", status_code=303)

    @router.get("/referrals/{code}")
    async def referral_card(request: Request, code: str) -> Response:
        """A printable card: the QR codes and the links."""
        username, page = bot_username(request), page_url(request)

        def load(db: Session) -> dict[str, Any]:
            counsellor = counsellor_of(db, request)
            found = referrals.find_referral(db, counsellor, code)
            if found is None:
                raise Missing("console_error_not_found")
            telegram = referrals.telegram_link(username, found.code)
            widget = referrals.widget_link(page, found.code)
            return {
                "me": _me(counsellor),
                "label": found.label,
                "telegram": telegram,
                "telegram_qr": referrals.qr_svg(telegram) if telegram else None,
                "widget": widget,
                "widget_qr": referrals.qr_svg(widget),
            }

        values = await run_db(load)
        return render(request, "referral.html", **values)

    # ------------------------------------------------------------------ live updates

    @router.get("/events")
    async def events(request: Request) -> Response:
        def who(db: Session) -> tuple[str, bool]:
            counsellor = counsellor_of(db, request)
            return counsellor.team, counsellor.role == "admin"

        team, admin = await run_db(who)

        async def stream() -> AsyncIterator[str]:
            with relay.hub.subscribe(CONSOLE) as subscription:
                yield ": live\n\n"
                while not await request.is_disconnected():
                    try:
                        event = await asyncio.wait_for(subscription.get(), HEARTBEAT_SECONDS)
                    except asyncio.TimeoutError:
                        yield ": still here\n\n"
                        continue
                    if admin or event.get("team") == team:
                        yield f"data: {json.dumps(event)}\n\n"

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        )

    app.include_router(router)

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, _: NotLoggedIn) -> Response:
        path = request.url.path
        if path in LIVE_PARTS or path.endswith("/transcript"):
            return Response(status_code=401)
        return RedirectResponse("/console/login", status_code=303)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, _: CsrfFailed) -> Response:
        expired = text("console_expired", language_of(request))
        return render(request, "error.html", 403, message=expired)

    @app.exception_handler(handoff.TooLong)
    async def too_long(request: Request, exc: handoff.TooLong) -> Response:
        return render(request, "error.html", 413, message=explain(request, exc))

    @app.exception_handler(Missing)
    async def missing(request: Request, exc: Missing) -> Response:
        return render(request, "error.html", 404, message=text(exc.key, language_of(request)))

    @app.middleware("http")
    async def console_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        if request.url.path.startswith("/console"):
            response.headers.update(SECURITY_HEADERS)
        return response


def _callback_of(item: Handoff) -> str:
    """How and when to call the person back, as they gave it; empty when they did not."""
    if not item.callback_contact:
        return ""
    return (
        f"{item.callback_contact} · {item.callback_when}"
        if item.callback_when
        else item.callback_contact
    )


def _me(counsellor: Counsellor) -> dict[str, str]:
    return {"email": counsellor.email, "team": counsellor.team, "role": counsellor.role}


def _minutes_since(moment: dt.datetime, at: dt.datetime) -> int:
    return max(0, int((at - as_utc(moment)).total_seconds() // 60))


def _session_facts(session: CourseSession, lang: str) -> dict[str, Any]:
    def day(value: dt.date | None) -> str:
        return format_date(value, lang) if value else "—"

    return {
        "dates": f"{day(session.start_date)} – {day(session.end_date)}",
        "days": f"{format_days(session.days.split(','), lang)}, "
        f"{format_hours(session.start_time, session.end_time, lang)}",
        "location": session.location,
        "seats": session.seats_left,
        "deadline": day(session.application_deadline),
        "info": day(session.info_session_date),
    }


def _course_facts(course: Course, lang: str) -> dict[str, Any]:
    return {
        "key": course.key,
        "title": localized(course, "title", lang) or course.key,
        "partner": course.partner.name,
        "contact": course.partner.contact,
        "website": course.partner.website,
    }
