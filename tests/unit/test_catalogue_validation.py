"""The catalogue file is validated whole: every error, with its line and record, before any import."""

from pathlib import Path

import pytest
import yaml

from bot.catalogue.importer import CatalogueInvalid, load_file
from bot.catalogue.seed import SEED


def test_the_seed_catalogue_is_valid_and_big_enough():
    catalogue = load_file(SEED)
    partners = {p["key"] for p in catalogue["partners"]}
    assert partners >= {
        "becode",
        "molengeek",
        "bruxelles_formation",
        "bf_digital",
        "cepegra",
        "digitalcity",
    }
    assert len(catalogue["courses"]) >= 12
    for course in catalogue["courses"]:
        assert len(course["sessions"]) >= 2, course["key"]
        # Dates that are not public are sample data, and say so.
        assert all(s["sample"] for s in course["sessions"]), course["key"]


def broken_copy(tmp_path: Path, edit) -> Path:
    text = SEED.read_text(encoding="utf-8")
    path = tmp_path / "catalogue.yml"
    path.write_text(edit(text), encoding="utf-8")
    return path


def errors_of(path: Path) -> list[str]:
    with pytest.raises(CatalogueInvalid) as caught:
        load_file(path)
    return [str(e) for e in caught.value.errors]


def line_of(text: str, needle: str, nth: int = 0) -> int:
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return lines[nth]


def test_every_error_is_reported_with_its_line_and_record(tmp_path):
    document = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    first, second = document["courses"][0], document["courses"][1]
    first["topic"] = "knitting"
    first["sessions"][0]["seats_taken"] = first["sessions"][0]["capacity"] + 1
    second["partner"] = "nobody"
    second["title"].pop("nl")
    path = tmp_path / "c.yml"
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")

    errors = errors_of(path)

    course_line = line_of(text, f"key: {first['key']}")
    session_line = line_of(text, f"key: {first['sessions'][0]['key']}")
    second_line = line_of(text, f"key: {second['key']}")
    assert f"line {course_line}: course '{first['key']}': 'topic' must be one of" in "\n".join(
        errors
    )
    assert (
        f"line {session_line}: session '{first['sessions'][0]['key']}': 'seats_taken' is more than 'capacity'"
        in errors
    )
    assert (
        f"line {second_line}: course '{second['key']}': 'partner' 'nobody' is not a partner of this file"
        in errors
    )
    assert any(f"course '{second['key']}': 'title' has no nl text" in e for e in errors)
    assert len(errors) == 4


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace("start_date: 2027-", "start_date: 2027/", 1),
            "'start_date' must be a date",
        ),
        (lambda t: t.replace("hours: ", "hours: 9h-", 1), "'hours' must look like 09:00-17:00"),
        (lambda t: t.replace("format: ", "format: x", 1), "'format' must be one of"),
        (lambda t: t.replace("rule: min_age", "rule: shoe_size", 1), "'rule' must be one of"),
        (lambda t: t.replace("version: 1", "version: 2", 1), "'version' must be 1"),
        (lambda t: t + "\n  - [unclosed", "is not valid YAML"),
    ],
)
def test_typical_mistakes_are_explained(tmp_path, edit, message):
    assert any(message in e for e in errors_of(broken_copy(tmp_path, edit)))


def test_a_duplicate_session_key_is_an_error(tmp_path):
    document = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    sessions = document["courses"][0]["sessions"]
    sessions[1]["key"] = sessions[0]["key"]
    path = tmp_path / "c.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert any("the same session key is used twice" in e for e in errors_of(path))


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "c.yml"
    path.write_bytes(b"version: 1\npartners: \xff\n")
    assert any("is not UTF-8" in e for e in errors_of(path))
