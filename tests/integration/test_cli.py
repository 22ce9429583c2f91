"""The `guidance` command as an operator uses it: migrate, import, re-import, refuse a bad file."""

import uuid

import pytest
from sqlalchemy import delete, func, select, update
from typer.testing import CliRunner

from bot import handoff
from bot.catalogue.seed import shifted_seed, write_catalogue
from bot.cli import app
from bot.db.models import Counsellor, Course, Registration

runner = CliRunner()


def test_import_reports_then_is_idempotent(database_url, sessions, today, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    path = write_catalogue(shifted_seed(today), tmp_path / "c.yml")
    first = runner.invoke(app, ["catalogue", "import", str(path)])
    assert first.exit_code == 0, first.output
    assert "created" in first.output
    second = runner.invoke(app, ["catalogue", "import", str(path)])
    assert second.exit_code == 0
    assert "0 created, 0 updated, 0 deleted" in second.output


def test_a_bad_file_imports_nothing_and_says_why(
    database_url, sessions, today, tmp_path, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", database_url)
    document = shifted_seed(today)
    document["courses"][-1]["topic"] = "underwater basket weaving"
    path = write_catalogue(document, tmp_path / "bad.yml")
    result = runner.invoke(app, ["catalogue", "import", str(path)])
    assert result.exit_code == 1
    assert "'topic' must be one of" in result.output
    assert "nothing was imported" in result.output
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Course)) == 0


def test_dry_run_writes_nothing(database_url, sessions, today, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    path = write_catalogue(shifted_seed(today), tmp_path / "c.yml")
    result = runner.invoke(app, ["catalogue", "import", "--dry-run", str(path)])
    assert result.exit_code == 0 and "dry run" in result.output
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Course)) == 0


def test_export_and_purge(database_url, seeded, today, tmp_path, monkeypatch):
    import csv
    import datetime as dt
    import json

    from bot.db import database_for
    from bot.registration import Applicant, register_once

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    with seeded() as session:
        course_session = session.scalars(select(Course)).first().sessions[0]
    applicant = Applicant("Zoë", "zoe@example.org", 20, "yes", "1060", "conv-1")
    outcome = register_once(
        database_for(database_url), course_session.key, applicant, needs_check=False, secret="s"
    )
    target = tmp_path / "export.csv"
    result = runner.invoke(
        app, ["registrations", "export", "--session", course_session.key, "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    raw = target.read_bytes()
    assert raw.startswith("\ufeff".encode()), "spreadsheets need the byte-order mark for UTF-8"
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert (
        rows[0]["first_name"] == "Zoë"
        and rows[0]["reference"].replace("-", "") == outcome.reference
    )
    listed = runner.invoke(app, ["registrations", "list", "--format", "json"])
    assert json.loads(listed.output)[0]["contact"] == "z***@e***.org", "masked on screen"
    full = runner.invoke(app, ["registrations", "list", "--format", "json", "--full"])
    assert json.loads(full.output)[0]["contact"] == "zoe@example.org"
    other = runner.invoke(
        app, ["registrations", "list", "--course", "no-such-course", "--format", "json"]
    )
    assert json.loads(other.output) == []
    # Nothing ended long enough ago: nothing is purged.
    assert "0 registration(s)" in runner.invoke(app, ["purge", "--older-than", "30"]).output
    with seeded() as session, session.begin():
        session.execute(update(Registration).values(session_end=today - dt.timedelta(days=31)))
    dry = runner.invoke(app, ["purge", "--older-than", "30", "--dry-run"]).output
    assert "dry run, nothing deleted: 1 registration(s)" in dry and "would be erased" in dry
    with seeded() as session:
        assert session.scalars(select(Registration)).one().contact is not None
    assert "1 registration(s)" in runner.invoke(app, ["purge", "--older-than", "30"]).output
    with seeded() as session:
        purged = session.scalars(select(Registration)).one()
        assert purged.contact is None and purged.erased_at is not None


def test_counsellor_accounts_and_the_audit_export(database_url, seeded, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COUNSELLOR_PASSWORD", "a long password 1")
    made = runner.invoke(
        app, ["counsellor", "add", "--email", "ana@actiris.example", "--team", "actiris"]
    )
    assert made.exit_code == 0, made.output
    assert "account created: ana@actiris.example (counsellor, team actiris)" in made.output
    again = runner.invoke(
        app, ["counsellor", "add", "--email", "ANA@actiris.example", "--team", "actiris"]
    )
    assert again.exit_code == 1 and "exists already" in again.output
    typo = runner.invoke(
        app, ["counsellor", "add", "--email", "c@becode.example", "--team", "beccode"]
    )
    assert typo.exit_code == 1 and "'beccode' is not a team: actiris, becode" in typo.output
    monkeypatch.setenv("COUNSELLOR_PASSWORD", "short")
    weak = runner.invoke(
        app, ["counsellor", "add", "--email", "bo@actiris.example", "--team", "actiris"]
    )
    assert weak.exit_code == 1 and "10 characters" in weak.output
    listed = runner.invoke(app, ["counsellor", "list"])
    assert listed.output.splitlines() == ["ana@actiris.example\tactiris\tcounsellor"]
    with seeded() as db, db.begin():
        ana = db.scalars(select(Counsellor)).one()
        opened, _ = handoff.open_handoff(
            db,
            conversation_id="web-" + "a" * 24,
            language="fr",
            reason=handoff.Reason.ASKED,
            team="actiris",
        )
        handoff.get_for(db, opened.id, ana, viewing=True)
    out = tmp_path / "audit.csv"
    exported = runner.invoke(app, ["audit", "export", "--output", str(out)])
    assert exported.exit_code == 0, exported.output
    lines = out.read_text(encoding="utf-8").lstrip("\ufeff").splitlines()
    assert lines[0] == "at,counsellor,action,handoff,detail"
    assert lines[2].split(",")[1:4] == ["ana@actiris.example", "viewed", str(opened.id)]
    assert runner.invoke(app, ["audit", "export", "--since", "yesterday"]).exit_code == 2


def test_a_partner_erases_a_persons_data_by_reference(database_url, seeded, tmp_path, monkeypatch):
    from bot.db import database_for
    from bot.registration import Applicant, format_reference, register_once

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    with seeded() as session:
        course_session = session.scalars(select(Course)).first().sessions[0]
    outcome = register_once(
        database_for(database_url),
        course_session.key,
        Applicant("Lou", "lou@example.org", 20, "yes", "1060", "conv-lou"),
        needs_check=False,
        secret="s",
    )
    with seeded() as db, db.begin():
        opened, _ = handoff.open_handoff(
            db,
            conversation_id="conv-lou",
            language="fr",
            reason=handoff.Reason.ASKED,
            team="actiris",
        )
        handoff.add_message(db, opened, "person", "c'est Lou, 0470 11 22 33")
    shown = format_reference(outcome.reference)
    assert runner.invoke(app, ["erase", "--reference", "nonsense"]).exit_code == 2
    assert runner.invoke(app, ["erase", "--reference", "AAA-AAA", "--yes"]).exit_code == 1
    kept = runner.invoke(app, ["erase", "--reference", shown], input="n\n")
    assert kept.exit_code == 1
    done = runner.invoke(app, ["erase", "--reference", shown, "--yes"])
    assert done.exit_code == 0, done.output
    assert "erased: 1 registration(s), 1 handoff(s)" in done.output
    with seeded() as db:
        row = db.scalars(select(Registration)).one()
        assert (row.first_name, row.contact, row.status) == (None, None, "cancelled")
        assert handoff.messages_of(db, "conv-lou") == []


def test_backup_and_restore_of_the_sqlite_databases(tmp_path, monkeypatch, today):
    from bot.catalogue.importer import import_catalogue, validate
    from bot.catalogue.seed import shifted_seed
    from bot.db import database_for, db_sessions
    from bot.db.migrate import upgrade
    from bot.registration import Applicant, register_once

    url = f"sqlite:///{tmp_path / 'live' / 'guidance.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "live"))
    upgrade(url)
    with db_sessions(url)() as db, db.begin():
        import_catalogue(db, validate(shifted_seed(today)))
        key = db.scalars(select(Course)).first().sessions[-1].key
    kept = register_once(
        database_for(url), key, Applicant("Ines", "ines@example.org", 20, "yes", "1000", "c-1"),
        needs_check=False, secret="s",
    )  # fmt: skip
    copies = tmp_path / "backup"
    made = runner.invoke(app, ["backup", str(copies)])
    assert made.exit_code == 0, made.output
    assert (copies / "guidance.db").exists()
    # After the backup: a registration lost by mistake, another one made.
    with db_sessions(url)() as db, db.begin():
        db.execute(delete(Registration))
    assert runner.invoke(app, ["restore", str(copies)], input="n\n").exit_code == 1
    back = runner.invoke(app, ["restore", str(copies), "--yes"])
    assert back.exit_code == 0, back.output
    with db_sessions(url)() as db:
        assert [r.reference for r in db.scalars(select(Registration))] == [kept.reference]
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    refused = runner.invoke(app, ["backup", str(tmp_path / "pg")])
    assert refused.exit_code == 2 and "pg_dump" in refused.output


@pytest.mark.postgres
def test_db_upgrade_create_makes_a_missing_postgres_database_once():
    from sqlalchemy import create_engine, text

    from bot.cli import create_database_if_missing
    from tests.conftest import POSTGRES_ADMIN_URL, drop_postgres_database, postgres_or_skip

    postgres_or_skip()
    name = f"guidance_created_{uuid.uuid4().hex[:8]}"
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        assert create_database_if_missing(url) is True
        assert create_database_if_missing(url) is False  # already there
        with create_engine(url).connect() as connection:
            assert connection.execute(text("SELECT current_database()")).scalar() == name
        assert create_database_if_missing("sqlite:///ignored.db") is False
    finally:
        drop_postgres_database(name, url)
