"""The `guidance` command as an operator uses it: migrate, import, re-import, refuse a bad file."""

from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli import app
from bot.db.models import Course
from tests.catalogue_data import shifted_seed, write_catalogue

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
