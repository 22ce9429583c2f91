"""Reading what people write: the answers to the pre-registration questions."""

import pytest
import yaml

from bot.reading import (
    BRUSSELS_PLACES,
    read_age,
    read_first_name,
    read_postcode,
    read_yes_no_unknown,
    wants_data_erased,
)
from bot.registration import (
    mask_contact,
    mentions_a_reference,
    normalise_contact,
    parse_reference,
)
from bot.settings import PROJECT_ROOT


@pytest.mark.parametrize(
    ("answer", "name"),
    [
        ("Sarah", "Sarah"),
        ("moi c'est Aïcha", "Aïcha"),
        ("ik heet Bram", "Bram"),
        ("My name is Oleksandr", "Oleksandr"),
        ("Мария", "Мария"),
        ("فاطمة", "فاطمة"),
        ("Nguyễn Thị", "Nguyễn Thị"),
        ("Jean-Luc", "Jean-Luc"),
        ("N'Golo", "N'Golo"),
    ],
)
def test_first_names_in_any_script_are_kept_exactly(answer, name):
    assert read_first_name(answer) == name


@pytest.mark.parametrize(
    "answer",
    [
        "",
        "😀",
        "Robert'); DROP TABLE registrations;--",
        "<b>Sam</b>",
        "x" * 51,
        "when does the training start?",
        "123",
    ],
)
def test_unusable_names_are_refused(answer):
    assert read_first_name(answer) is None


@pytest.mark.parametrize(
    ("answer", "age"),
    [
        ("19", 19), ("j'ai 22 ans", 22), ("ik ben 24", 24), ("born in 2003", 23), ("2001", 25),
        # In words, as some type it.
        ("vingt deux", 22), ("dix-huit ans", 18), ("twenty one", 21), ("tweeëntwintig", 22),
        ("ik ben negentien jaar", 19), ("vingt ans et un chien", 20),
    ],
)  # fmt: skip
def test_ages(answer, age):
    assert read_age(answer, current_year=2026) == age


@pytest.mark.parametrize("answer", ["old", "3", "150", "19 or 20", "", "oud genoeg", "een"])
def test_unusable_ages(answer):
    assert read_age(answer, current_year=2026) is None


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        ("oui", "yes"),
        ("ja", "yes"),
        ("yes I am", "yes"),
        ("non", "no"),
        ("nee", "no"),
        ("pas inscrit", "no"),
        ("je sais pas", "unknown"),
        ("weet niet", "unknown"),
        ("idk", "unknown"),
        ("banana", None),
    ],
)
def test_yes_no_unknown(answer, value):
    assert read_yes_no_unknown(answer) == value


@pytest.mark.parametrize(
    ("answer", "postcode"),
    [
        ("1080", "1080"),
        ("1030 schaerbeek", "1030"),
        ("je suis à anderlecht", "1070"),
        ("ik woon in Sint-Jans-Molenbeek", "1080"),
        ("4000 Liège", "4000"),
        ("Liège", None),
        ("1000 or 1020", None),
        # A commune however its words are joined.
        ("saint gilles", "1060"),
        ("st-josse", "1210"),
    ],
)
def test_postcodes(answer, postcode):
    assert read_postcode(answer) == postcode


def test_the_engine_knows_every_commune_the_form_reads():
    # nlu/any_language/form_answers.yml tells the classifier that a commune alone answers the form; a
    # commune the form reads but the classifier does not know would be taken for something else.
    # Brussels itself and "forest" (an English word) are left out of the lookup on purpose.
    document = yaml.safe_load(
        (PROJECT_ROOT / "nlu" / "any_language" / "form_answers.yml").read_text("utf-8")
    )
    (lookup,) = [block for block in document["nlu"] if block.get("lookup") == "commune"]
    known = {line[2:].strip() for line in lookup["examples"].splitlines() if line.strip()}
    left_out = {"bruxelles", "brussel", "brussels", "bxl", "bruxelles-ville", "brussel-stad"}
    read = {name for name, postcode in BRUSSELS_PLACES.items() if postcode}
    assert read - left_out - {"forest"} - known == set()


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Sarah.D@Gmail.com", "sarah.d@gmail.com"),
        ("0470 12 34 56", "+32470123456"),
        ("+32 486 11 22 33", "+32486112233"),
        ("0032 2 555 12 34", "+3225551234"),
        ("02/555.12.34", "+3225551234"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("call me", None),
        ("12345", None),
        ("sarah@", None),
        ("<script>@x.be", None),
    ],
)
def test_contacts(raw, normalised):
    assert normalise_contact(raw) == normalised


def test_masking_hides_contacts():
    assert mask_contact("sarah.d@gmail.com") == "s***@g***.com"
    assert "1234" not in mask_contact("+32470123456")


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("ACD-479", "ACD479"),
        ("acd479", "ACD479"),
        ("ma référence: acd-479 merci", "ACD479"),
        ("hello", None),
        # Six letters without the dash are a word, not a reference.
        ("au centre ville", None),
        ("act-efg", "ACTEFG"),
    ],
)
def test_references_as_people_type_them(text, reference):
    assert parse_reference(text) == reference


@pytest.mark.parametrize(
    ("text", "mentioned"),
    [("ACD-479", True), ("BCX-214 and me@example.org", True), ("centre-ville", False),
     ("web-dev", False), ("hello", False)],
)  # fmt: skip
def test_a_reference_mentioned_even_mistyped(text, mentioned):
    # "BCX-214" cannot be a reference (no B, 1 or 2 in them): it is looked up and not found.
    assert mentions_a_reference(text) is mentioned


@pytest.mark.parametrize(
    ("message", "erase"),
    [
        ("delete my data please, ACD-479 zoe@example.org", True),
        ("supprime mes données", True),
        ("effacez toutes mes informations", True),
        ("verwijder al mijn gegevens", True),
        ("wis mijn gegevens aub", True),
        ("how is my data used?", False),
        ("I want to delete my registration", False),
        ("annule mon inscription", False),
    ],
)
def test_a_request_to_erase_ones_data(message, erase):
    assert wants_data_erased(message) is erase
