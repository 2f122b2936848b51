"""Plain words of clinical notes (review 25): lay words of everyday English, "normal X and Y", paediatric
age shorthand, compound ages, repeated negation cues, headings, family history, palpation and resolved
findings, on the tiny fixture release."""

from __future__ import annotations

from pathlib import Path

import pytest

from marbledx.findings import TextParser
from marbledx.ontology import Hpo

from .text_parse import found

ANAEMIA, SPLEEN, PLATELETS, OSTEOPETROSIS, VISION = (
    "HP:0001903",
    "HP:0001744",
    "HP:0001873",
    "HP:0011002",
    "HP:0000505",
)
MONTH = 365.25 / 12
YEAR = 365.25


@pytest.fixture
def fits_parser(mini_hpo: Hpo, tmp_path: Path) -> TextParser:
    # The bundled lexicon reads "fits" as Seizure, which the fixture release lacks: the same entry here
    # names Anemia instead.
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text(
        "phrases:\n  - hpo_id: HP:0001903\n    phrases: [fits]\n    alone: true\n", encoding="utf-8"
    )
    return TextParser(mini_hpo.ontology, lexicon)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fits", {(ANAEMIA, False)}),
        ("recurrent fits since 3 months", {(ANAEMIA, False)}),
        ("3 fits per day", {(ANAEMIA, False)}),
        ("no fits", {(ANAEMIA, True)}),
        # Everyday English: a bout of laughter, a cough, a temper, and the verb.
        ("fits of laughter", set()),
        ("coughing fits", set()),
        ("temper fits", set()),
        ("picture fits with osteopetrosis", {(OSTEOPETROSIS, False)}),
        ("this fits with osteopetrosis", {(OSTEOPETROSIS, False)}),
    ],
)
def test_a_lay_word_of_everyday_english_is_read_only_alone(
    fits_parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(fits_parser, text) == expected


def test_a_lay_word_in_other_company_is_reported_as_not_found(fits_parser: TextParser) -> None:
    assert fits_parser.parse("fits of laughter").unmatched == ("fits of laughter",)


def test_a_phrase_listed_under_several_terms_names_them_all(parser: TextParser) -> None:
    # A normal full blood count negates anaemia and thrombocytopenia (and leukopenia, absent from the
    # fixture release).
    assert found(parser, "normal FBC") == {(ANAEMIA, True), (PLATELETS, True)}
    assert found(parser, "full blood count normal, splenomegaly") == {
        (ANAEMIA, True),
        (PLATELETS, True),
        (SPLEEN, False),
    }
    # Without a negation it says nothing.
    assert parser.parse("FBC").mappings == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("normal platelets and haemoglobin", {(PLATELETS, True), (ANAEMIA, True)}),
        ("normal haemoglobin & platelets", {(ANAEMIA, True), (PLATELETS, True)}),
        ("normal vision, platelets and haemoglobin", {(VISION, True), (PLATELETS, True), (ANAEMIA, True)}),
        ("intact vision", {(VISION, True)}),
        ("platelets and vision intact", {(PLATELETS, True), (VISION, True)}),
        ("anaemia, normal vision and platelets", {(ANAEMIA, False), (VISION, True), (PLATELETS, True)}),
        # A number is not normal ("platelets 40"), and a finding is not a bare attribute.
        ("normal vision and platelets 40", {(VISION, True)}),
        ("normal vision and splenomegaly", {(VISION, True)}),
    ],
)
def test_normal_reaches_every_bare_attribute_of_its_list(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


def test_normal_before_a_finding_stays_ambiguous(parser: TextParser) -> None:
    parsed = parser.parse("normal vision and splenomegaly")
    assert parsed.uncertain == ("splenomegaly",)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("aged 4/12 with anaemia", 4 * MONTH),
        ("4/12 old boy with anaemia", 4 * MONTH),
        ("a 4/12 infant with anaemia", 4 * MONTH),
        ("18/12 old girl with anaemia", 18 * MONTH),
        ("2 4/12 boy with anaemia", 2 * YEAR + 4 * MONTH),
        ("2y 4/12 girl with anaemia", 2 * YEAR + 4 * MONTH),
        ("aged 2y 4/12, anaemia", 2 * YEAR + 4 * MONTH),
        ("3/52 old with anaemia", 21.0),
        ("5/7 old neonate with anaemia", 5.0),
        ("Age: 4/12. Anaemia.", 4 * MONTH),
        ("anaemia, now aged 4/12", 4 * MONTH),
        # Compound ages: all their parts count.
        ("2 years 4 months old girl with anaemia", 2 * YEAR + 4 * MONTH),
        ("2y 4m old boy with anaemia", 2 * YEAR + 4 * MONTH),
        ("aged 2 years and 4 months, anaemia", 2 * YEAR + 4 * MONTH),
        ("2 yrs 4 mo with anaemia", 2 * YEAR + 4 * MONTH),
        # "in" before a word for the patient names the patient, not an onset.
        ("osteopetrosis in 19 yo with anaemia", 19 * YEAR),
        ("osteopetrosis in a 19-year-old", 19 * YEAR),
        # Not clearly an age: a date, a blood pressure, a duration, a gestation, a relative's, an onset, and
        # figures no age takes.
        ("anaemia, seen 4/12/2024", None),
        ("BP 120/80, anaemia", None),
        ("anaemia for 3/52", None),
        ("ex-28/40 infant with anaemia", None),
        ("osteopetrosis; her 4/12 old sister has anaemia", None),
        ("anaemia at 4/12 old", None),
        ("0/12 old with anaemia", None),
        ("aged 30/12 with anaemia", None),
        ("anaemia at 6 years old", None),
    ],
)
def test_paediatric_and_compound_ages(parser: TextParser, text: str, days: float | None) -> None:
    age = parser.parse(text).age_days
    assert age == (pytest.approx(days) if days is not None else None)


def test_an_age_read_leaves_no_words_behind(parser: TextParser) -> None:
    assert parser.parse("aged 4/12 with anaemia").unmatched == ()
    assert parser.parse("4/12 old boy with anaemia").unmatched == ()
    # Shorthand that is no age stays in the text, and is reported as not found.
    assert parser.parse("anaemia, seen 4/12/2024").unmatched == ("seen 4/12/2024",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "no splenomegaly, no osteopetrosis, anaemia, thrombocytopenia",
            {(SPLEEN, True), (OSTEOPETROSIS, True), (ANAEMIA, False), (PLATELETS, False)},
        ),
        (
            "no splenomegaly, normal platelets, anaemia and osteopetrosis",
            {(SPLEEN, True), (PLATELETS, True), (ANAEMIA, False), (OSTEOPETROSIS, False)},
        ),
        # An "or" still carries the last cue.
        (
            "no splenomegaly, no osteopetrosis or anaemia",
            {(SPLEEN, True), (OSTEOPETROSIS, True), (ANAEMIA, True)},
        ),
    ],
)
def test_a_cue_repeated_item_by_item_leaves_the_items_without_one_observed(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


@pytest.mark.parametrize(
    ("text", "expected", "held_back"),
    [
        # A value that names a finding is the first item under a heading, not the heading's value.
        (
            "Pycnodysostosis vs osteopetrosis: anaemia, splenomegaly",
            {(ANAEMIA, False), (SPLEEN, False)},
            ("osteopetrosis",),
        ),
        ("Bloods: anaemia, thrombocytopenia", {(ANAEMIA, False), (PLATELETS, False)}, ()),
        # Shorthand values of a template.
        (
            "Platelets: OK. Vision: NAD. Haemoglobin: WNL",
            {(PLATELETS, True), (VISION, True), (ANAEMIA, True)},
            (),
        ),
    ],
)
def test_a_heading_before_a_list_of_findings(
    parser: TextParser, text: str, expected: set[tuple[str, bool]], held_back: tuple[str, ...]
) -> None:
    parsed = parser.parse(text)
    assert {(m.hpo_id, m.excluded) for m in parsed.mappings} == expected
    assert parsed.uncertain == held_back


@pytest.mark.parametrize(
    "text",
    [
        "FHx: osteopetrosis. Anaemia.",
        "FHx of osteopetrosis. Anaemia.",
        "Anaemia; +ve fam hx of osteopetrosis",
    ],
)
def test_fhx_is_family_history(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert found(parser, text) == {(ANAEMIA, False)}
    assert any("osteopetrosis" in words for words in parsed.about_relatives)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("spleen not palpable", {(SPLEEN, True)}),
        ("spleen was not palpable, anaemia", {(SPLEEN, True), (ANAEMIA, False)}),
        ("spleen impalpable, anaemia", {(SPLEEN, True), (ANAEMIA, False)}),
        ("impalpable spleen", {(SPLEEN, True)}),
        ("non-palpable spleen", {(SPLEEN, True)}),
        ("no palpable spleen", {(SPLEEN, True)}),
        # A spleen tip can be felt in a healthy infant: a palpable spleen is not read.
        ("palpable spleen", set()),
    ],
)
def test_an_organ_not_palpable_is_not_enlarged(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "no further anaemia",
        "no new anaemia",
        "no more anaemia",
        "no anaemia since transfusion",
        "no recurrence of anaemia",
    ],
)
def test_a_negation_of_further_episodes_is_held_back(parser: TextParser, text: str) -> None:
    parsed = parser.parse(f"osteopetrosis. {text}")
    assert found(parser, f"osteopetrosis. {text}") == {(OSTEOPETROSIS, False)}
    assert len(parsed.uncertain) == 1
    assert any("there before" in note for note in parsed.notes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # One item a line: a line break before a capital, a bullet or a number, or a blank line, ends the
        # sentence, and with it a negation's scope.
        ("Anaemia\nNo low platelets\nSplenomegaly", {(ANAEMIA, False), (PLATELETS, True), (SPLEEN, False)}),
        ("- no anaemia\n- splenomegaly", {(ANAEMIA, True), (SPLEEN, False)}),
        ("no anaemia\r\n\r\nsplenomegaly", {(ANAEMIA, True), (SPLEEN, False)}),
        ("1. no anaemia\n2. splenomegaly", {(ANAEMIA, True), (SPLEEN, False)}),
        # A line that wraps in lower case, or ends with a connector, continues its sentence.
        ("no anaemia or\nSplenomegaly", {(ANAEMIA, True), (SPLEEN, True)}),
        ("Infant with anaemia and\nsplenomegaly", {(ANAEMIA, False), (SPLEEN, False)}),
    ],
)
def test_line_breaks_of_a_pasted_note(parser: TextParser, text: str, expected: set[tuple[str, bool]]) -> None:
    assert found(parser, text) == expected
