"""The `guidance` command: database, catalogue import, and running the assistant."""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
import sys
import time
from dataclasses import replace
from enum import Enum
from pathlib import Path

import httpx
import typer
from sqlalchemy import create_engine, make_url, select, text

from bot import handoff
from bot.backup import BackupNotPossible, backup, restore
from bot.catalogue.importer import CatalogueInvalid, import_catalogue, load_file
from bot.counsellors import AccountInvalid, Role, add_counsellor
from bot.db import db_sessions
from bot.db.migrate import upgrade
from bot.db.models import Counsellor
from bot.registration import (
    as_csv,
    export_rows,
    format_reference,
    mask_contact,
    parse_reference,
)
from bot.retention import erase_by_reference, purge_all
from bot.runner import (
    Scale,
    Stack,
    part_answers,
    replication_problem,
    status_file,
    with_token,
)
from bot.settings import Settings

app = typer.Typer(
    help="Guidance assistant for digital trainings in Brussels.", no_args_is_help=True
)
db_app = typer.Typer(help="The application database.", no_args_is_help=True)
catalogue_app = typer.Typer(help="The course catalogue.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(catalogue_app, name="catalogue")
registrations_app = typer.Typer(
    help="Pre-registrations, for partners and counsellors.", no_args_is_help=True
)
app.add_typer(registrations_app, name="registrations")
counsellor_app = typer.Typer(help="Counsellor accounts for the console.", no_args_is_help=True)
app.add_typer(counsellor_app, name="counsellor")
audit_app = typer.Typer(help="Who did what in the console, and when.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


class ExportFormat(str, Enum):
    csv = "csv"
    json = "json"


def _write_registrations(
    session_key: str | None,
    course_key: str | None,
    fmt: ExportFormat,
    output: Path | None,
    masked: bool = False,
) -> None:
    settings = Settings.from_env()
    with db_sessions(settings.database_url)() as db:
        rows = export_rows(db, session_key=session_key, course_key=course_key)
    if masked:
        for row in rows:
            row["contact"] = mask_contact(str(row["contact"]) or None)
    if fmt is ExportFormat.json:
        payload = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    else:
        payload = as_csv(rows)
    if output is None:
        sys.stdout.write(payload)
    else:
        output.write_text(payload, encoding="utf-8", newline="")
        typer.echo(f"{len(rows)} registration(s) written to {output}", err=True)


SESSION_OPTION = typer.Option(None, "--session", help="only this session (its key)")
COURSE_OPTION = typer.Option(None, "--course", help="only this course (its key)")
FORMAT_OPTION = typer.Option(ExportFormat.csv, "--format", help="csv (UTF-8) or json")
OUTPUT_OPTION = typer.Option(None, "--output", "-o", help="file to write; default: standard output")


@registrations_app.command("list")
def registrations_list(
    session: str | None = SESSION_OPTION,
    course: str | None = COURSE_OPTION,
    fmt: ExportFormat = FORMAT_OPTION,
    full: bool = typer.Option(False, "--full", help="show contacts in full (they are masked)"),
) -> None:
    """Print the registrations, one row each; contacts masked unless --full."""
    _write_registrations(session, course, fmt, None, masked=not full)


@registrations_app.command("export")
def registrations_export(
    session: str | None = SESSION_OPTION,
    course: str | None = COURSE_OPTION,
    fmt: ExportFormat = FORMAT_OPTION,
    output: Path | None = OUTPUT_OPTION,
) -> None:
    """Export the registrations to a file (or standard output)."""
    _write_registrations(session, course, fmt, output)


@app.command()
def purge(
    older_than: int | None = typer.Option(
        None, "--older-than", min=0, help="days since the session ended (default: PURGE_AFTER_DAYS)"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="say what would go, delete nothing"),
) -> None:
    """Erase what is past its retention: registrations' personal data, handoffs, conversations.

    The gateway runs the same purge every day; this is for operators and cron-less checks."""
    settings = Settings.from_env()
    if older_than is not None:
        settings = replace(settings, purge_after_days=older_than)
    report = purge_all(settings, dry_run=dry_run)
    typer.echo(
        ("dry run, nothing deleted: " if dry_run else "") + report.summary(settings, dry_run)
    )


@app.command()
def erase(
    reference: str = typer.Option(..., "--reference", help="the registration's reference"),
    yes: bool = typer.Option(False, "--yes", help="do not ask for a confirmation"),
) -> None:
    """Erase a person's data on their request: the registration's personal data, the other
    registrations and handoffs of its conversation, and the conversation itself."""
    parsed = parse_reference(reference)
    if parsed is None:
        typer.echo(f"error: {reference!r} is not a reference like ACD-479", err=True)
        raise typer.Exit(2)
    if not yes and not typer.confirm(f"Erase everything of {format_reference(parsed)}?"):
        raise typer.Exit(1)
    done = erase_by_reference(Settings.from_env(), parsed)
    if done is None:
        typer.echo(f"error: no registration {format_reference(parsed)}", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"erased: {done.registrations} registration(s), {done.handoffs} handoff(s), "
        f"{done.events} conversation event(s)"
    )


@app.command("backup")
def backup_command(
    folder: Path = typer.Argument(..., file_okay=False, help="folder to write the copies into"),
) -> None:
    """Copy the SQLite databases (application and conversations) while the assistant runs."""
    try:
        written = backup(Settings.from_env(), folder)
    except BackupNotPossible as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo("backed up: " + ", ".join(str(path) for path in written))


@app.command("restore")
def restore_command(
    folder: Path = typer.Argument(..., exists=True, file_okay=False, help="a backup folder"),
    yes: bool = typer.Option(False, "--yes", help="do not ask for a confirmation"),
) -> None:
    """Bring the SQLite databases back to a backup (what was written since is lost)."""
    if not yes and not typer.confirm(f"Replace the databases with the backup in {folder}?"):
        raise typer.Exit(1)
    try:
        restored = restore(Settings.from_env(), folder)
    except BackupNotPossible as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo("restored: " + ", ".join(str(path) for path in restored))


@counsellor_app.command("add")
def counsellor_add(
    email: str = typer.Option(..., "--email", help="the counsellor's e-mail: their login"),
    team: str = typer.Option(..., "--team", help="actiris, or a partner's key (becode, …)"),
    role: Role = typer.Option(Role.COUNSELLOR, "--role", help="counsellor, or admin (all teams)"),
    language: str = typer.Option("fr", "--language", help="the console's language: fr, nl, en"),
    password: str = typer.Option(
        ...,
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="COUNSELLOR_PASSWORD",
        help="asked for when not given (or COUNSELLOR_PASSWORD)",
    ),
) -> None:
    """Create a counsellor's account for the console (/console)."""
    settings = Settings.from_env()
    upgrade(settings.database_url)
    try:
        with db_sessions(settings.database_url)() as db, db.begin():
            counsellor = add_counsellor(
                db, email=email, team=team, role=role, password=password, language=language
            )
            created = f"{counsellor.email} ({counsellor.role}, team {counsellor.team})"
    except AccountInvalid as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"account created: {created}")


@audit_app.command("export")
def audit_export(
    output: Path | None = OUTPUT_OPTION,
    since: str | None = typer.Option(None, "--since", help="only from this date (YYYY-MM-DD)"),
) -> None:
    """Export the audit trail (views of handoffs, claims, decisions, exports) as CSV."""
    settings = Settings.from_env()
    start = None
    if since:
        try:
            start = dt.datetime.combine(dt.date.fromisoformat(since), dt.time(), dt.timezone.utc)
        except ValueError:
            typer.echo("error: --since is a date like 2026-12-01", err=True)
            raise typer.Exit(2) from None
    with db_sessions(settings.database_url)() as db:
        rows = handoff.audit_rows(db, start)
    payload = as_csv(rows, handoff.AUDIT_COLUMNS)
    if output is None:
        sys.stdout.write(payload)
    else:
        output.write_text(payload, encoding="utf-8", newline="")
        typer.echo(f"{len(rows)} event(s) written to {output}", err=True)


@counsellor_app.command("list")
def counsellor_list() -> None:
    """Print the counsellors' accounts: e-mail, team, role."""
    settings = Settings.from_env()
    with db_sessions(settings.database_url)() as db:
        for counsellor in db.scalars(
            select(Counsellor).order_by(Counsellor.team, Counsellor.email)
        ):
            typer.echo(f"{counsellor.email}\t{counsellor.team}\t{counsellor.role}")


@db_app.command("upgrade")
def db_upgrade(
    create: bool = typer.Option(
        False, "--create", help="create the PostgreSQL database first if it does not exist"
    ),
) -> None:
    """Create or migrate the tables of the database named by DATABASE_URL."""
    settings = Settings.from_env()
    if create and create_database_if_missing(settings.database_url):
        typer.echo("database created")
    upgrade(settings.database_url)
    typer.echo("database is up to date")


def create_database_if_missing(url: str) -> bool:
    """Create the PostgreSQL database `url` names, from the server's `postgres` database, when
    it does not exist yet (SQLite creates its file by itself). Says whether it created it."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql") or not parsed.database:
        return False
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
            ).first()
            if exists:
                return False
            quoted = connection.dialect.identifier_preparer.quote(parsed.database)
            connection.execute(text(f"CREATE DATABASE {quoted}"))
            return True
    finally:
        server.dispose()


@catalogue_app.command("import")
def catalogue_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="catalogue YAML file"),
    dry_run: bool = typer.Option(False, "--dry-run", help="validate and report, change nothing"),
) -> None:
    """Validate FILE completely, then bring the database in line with it (all or nothing)."""
    try:
        catalogue = load_file(file)
    except CatalogueInvalid as invalid:
        for error in invalid.errors:
            typer.echo(f"{file}: {error}", err=True)
        typer.echo(f"{len(invalid.errors)} error(s): nothing was imported", err=True)
        raise typer.Exit(1) from None
    settings = Settings.from_env()
    # A new database has no tables yet: importing into it must not end in a stack trace.
    upgrade(settings.database_url)
    with db_sessions(settings.database_url)() as db, db.begin():
        report = import_catalogue(db, catalogue)
        if dry_run:
            db.rollback()
    prefix = "dry run, nothing written: " if dry_run else ""
    typer.echo(prefix + report.summary())


@app.command()
def run(
    engines: int = typer.Option(1, min=1, max=16, help="engine replicas"),
    action_servers: int = typer.Option(1, min=1, max=16, help="action servers"),
    gateways: int = typer.Option(1, min=1, max=16, help="gateways (behind HAProxy when several)"),
) -> None:
    """Start engine, action server and gateway (or several of each, on PostgreSQL and Redis);
    stop them all on Ctrl-C."""
    settings = with_token(Settings.from_env())
    scale = Scale(engines, action_servers, gateways)
    if scale.replicated and not settings.redis_url:
        settings = replace(settings, redis_url=LOCAL_REDIS)
        typer.echo(f"REDIS_URL is not set: using {LOCAL_REDIS}")
    problem = replication_problem(settings) if scale.replicated else None
    if problem:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2)
    logging.basicConfig(level=settings.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    stack = Stack(settings, settings.var_dir / "logs", scale)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            typer.echo("\nstopping…")
            stack.stop()
            typer.echo("stopped")
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    typer.echo(f"starting {describe(scale)} (logs in {stack.log_dir}) …")
    try:
        stack.start()
        seconds = stack.wait_until_healthy()
    except (RuntimeError, TimeoutError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        stack.stop()
        raise typer.Exit(1) from None
    url = stack.gateway_url
    if not settings.telegram_token:
        telegram = "off (set TELEGRAM_TOKEN to turn it on)"
    elif settings.telegram_webhook_url:
        telegram = f"on, webhook {settings.telegram_webhook_url}"
    else:
        telegram = "on, long polling"
    typer.echo(
        f"\nready in {seconds:.0f} s\n"
        f'  web widget    {url}/   (demo page; embed: <script src="{url}/widget.js" defer>)\n'
        f"  telegram      {telegram}\n"
        f"  gateway       {url}   (POST {url}/api/messages, GET {url}/healthz)\n"
        f"  engine        {' '.join(stack.urls_of('engine'))}   (loopback, token API)\n"
        f"  action server {' '.join(stack.urls_of('actions'))}   (loopback only)\n"
        "  status        guidance status\n\n"
        f"try:  curl -s {url}/api/messages -H 'content-type: application/json' "
        f"-H 'authorization: Bearer {settings.effective_api_keys()[0]}' "
        f'-d \'{{"sender": "me", "text": "quelles formations en cybersécurité ?"}}\'\n'
        "Ctrl-C stops everything."
    )
    restarted: dict[str, float] = {}
    while True:
        for name, process in list(stack.processes.items()):
            if process.poll() is None:
                continue
            if not scale.replicated:
                typer.echo(f"error: the {name} process stopped; see {stack.log_dir}", err=True)
                stack.stop()
                raise typer.Exit(1)
            # Replicated: the others serve meanwhile, and this one comes back (not more than
            # once in RESTART_SECONDS, should it keep failing: its log says why).
            if time.monotonic() - restarted.get(name, -RESTART_SECONDS) < RESTART_SECONDS:
                continue
            typer.echo(f"the {name} process stopped; starting it again", err=True)
            restarted[name] = time.monotonic()
            stack.launch(name)
            stack.write_status_file()
        time.sleep(1)


RESTART_SECONDS = 10.0


LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def describe(scale: Scale) -> str:
    if not scale.replicated:
        return "engine, action server and gateway"
    return (
        f"{scale.engines} engine(s), {scale.action_servers} action server(s), "
        f"{scale.gateways} gateway(s) behind HAProxy"
    )


@app.command()
def status() -> None:
    """Is each part of the running assistant answering? (Exit 1 when one is not.)"""
    settings = Settings.from_env()
    path = status_file(settings)
    if not path.exists():
        typer.echo("the assistant is not running here (no var/stack.json): guidance run")
        raise typer.Exit(1)
    running = json.loads(path.read_text(encoding="utf-8"))
    down = 0
    for part in running["parts"]:
        ok = part_answers(part["health"])
        down += not ok
        state = "ok  " if ok else "DOWN"
        typer.echo(f"  {part['name']:<12} {state}  {part['url']}  pid {part['pid']}")
    try:
        health = httpx.get(f"{running['public']}/healthz", timeout=5.0).json()
    except (httpx.HTTPError, ValueError):
        health = {"status": "unreachable"}
    typer.echo(f"  {'public':<12} {health.get('status')}  {running['public']}/healthz")
    raise typer.Exit(1 if down or health.get("status") != "ok" else 0)


if __name__ == "__main__":
    app()
