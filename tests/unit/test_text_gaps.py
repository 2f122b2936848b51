"""Gaps of the plain-words parser: a "Sex: F" heading, an "Age: 7" without a unit, normal VEPs, and a liver
size in cm. The parser's rules are tested on the tiny fixture release; the lexicon's VEP terms and
hepatomegaly, which it lacks, on the real one."""

from __future__ import annotations

import pytest

from marbledx.findings import TextParser
from marbledx.ontology import Hpo

from .text_parse import found

ANAEMIA, SPLEEN, VISION = "HP:0001903", "HP:0001744", "HP:0000505"
ABNORMAL_VEP, UNDETECTABLE_VEP, HEARING, LIVER = "HP:0000649", "HP:0007965", "HP:0000365", "HP:0002240"
YEAR = 365.25


@pytest.fixture(scope="module")
def real(real_hpo: Hpo) -> TextParser:
    return TextParser(real_hpo.ontology)


# A sex heading.


@pytest.mark.parametrize(
    ("text", "sex"),
    [
        ("Sex: F, anaemia", "female"),
        ("Sex: M. Anaemia", "male"),
        ("sex: f; anaemia", "female"),
        ("Sex F, anaemia", "female"),
        ("SEX: F\nAnaemia", "female"),
        ("Sex: female. Anaemia", "female"),
        ("Gender: male, anaemia", "male"),
        ("gender m with anaemia", "male"),
        ("Sex - M, anaemia", "male"),
        ("Patient sex: F, anaemia", "female"),
        # Next to an age, before or after it.
        ("Sex: F, 6-week-old, anaemia", "female"),
        ("Sex: F Age: 7 months, anaemia", "female"),
        ("Age: 7 months Sex: M, anaemia", "male"),
    ],
)
def test_a_sex_heading_gives_the_sex(parser: TextParser, text: str, sex: str) -> None:
    parsed = parser.parse(text)
    assert parsed.sex == sex
    assert found(parser, text) == {(ANAEMIA, False)}
    assert parsed.unmatched == ()


@pytest.mark.parametrize(
    ("text", "unmatched"),
    [
        # No sex said: the heading says nothing, so it is no longer shown as words not found (see
        # test_text_headers.py, a sex heading that says the sex is not known).
        ("Sex: unknown, anaemia", ()),
        ("Mother: sex F. Anaemia", ()),  # the relative's
        ("anaemia, sister, sex: F", ("sex f",)),  # after a relative's word: not taken as the patient's
        ("Sex: F. Boy with anaemia", ()),  # the words disagree
    ],
)
def test_a_sex_heading_that_is_not_the_patients_gives_no_sex(
    parser: TextParser, text: str, unmatched: tuple[str, ...]
) -> None:
    parsed = parser.parse(text)
    assert parsed.sex is None
    assert parsed.unmatched == unmatched


# An age heading.


@pytest.mark.parametrize(
    ("text", "written", "number"),
    [
        ("Age: 7. Anaemia", "age 7", "7"),
        ("Age 7, anaemia", "age 7", "7"),
        ("age: 7.5; anaemia", "age 7.5", "7.5"),
        ("Anaemia. Age=7", "age 7", "7"),
        ("Age: 7 Sex: F, anaemia", "age 7", "7"),
        ("Sex: F. Age: 7. Dense bones, anaemia", "age 7", "7"),
    ],
)
def test_an_age_without_a_unit_is_not_guessed_and_a_note_says_so(
    parser: TextParser, text: str, written: str, number: str
) -> None:
    parsed = parser.parse(text)
    assert parsed.age_days is None
    assert parsed.unmatched == ()
    assert parsed.notes == (
        f"'{written}': an age without a unit may be years or months; not used (write '{number} years' or "
        f"'{number} months', or give --age)",
    )
    assert (ANAEMIA, False) in found(parser, text)


def test_a_relatives_age_without_a_unit_has_no_note(parser: TextParser) -> None:
    parsed = parser.parse("Mother: age 30. Anaemia")
    assert (parsed.age_days, parsed.notes) == (None, ())


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Age: 7 years. Anaemia", 7 * YEAR),
        ("Age: 7y, anaemia", 7 * YEAR),
        ("Age 7 mo, anaemia", 7 * YEAR / 12),
        ("Age: 7 months, anaemia", 7 * YEAR / 12),
        ("Age : 7 years, anaemia", 7 * YEAR),
        # The heading goes with its age: "age" was left behind, or the age was not read.
        ("Age: 7 yo, anaemia", 7 * YEAR),
        ("Age: 7 years old. Anaemia", 7 * YEAR),
        ("Age: 2 years 4 months. Anaemia", 2 * YEAR + 4 * YEAR / 12),
        ("Age: 4/12 Sex: F, anaemia", 4 * YEAR / 12),
    ],
)
def test_an_age_heading_with_a_unit_is_read(parser: TextParser, text: str, days: float) -> None:
    parsed = parser.parse(text)
    assert parsed.age_days == pytest.approx(days)
    assert (parsed.unmatched, parsed.notes) == ((), ())
    assert found(parser, text) == {(ANAEMIA, False)}


# A liver size in cm.

LIVER_NOTE = (
    "a liver size in cm is not interpreted (no age-appropriate limit is sourced); write 'hepatomegaly' or "
    "'enlarged liver' if the liver is enlarged"
)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("anaemia; liver 4 cm below costal margin", "liver 4 cm below costal margin"),
        ("anaemia; liver palpable 3 cm BCM", "liver palpable 3 cm bcm"),
        ("anaemia; Liver: 4 cm BCM", "liver 4 cm bcm"),
        (
            "anaemia; liver edge 2 cm below the right costal margin",
            "liver edge 2 cm below the right costal margin",
        ),
        ("anaemia; liver span 9 cm", "liver span 9 cm"),
    ],
)
def test_a_liver_size_in_cm_is_not_read_and_a_note_says_why(
    parser: TextParser, text: str, phrase: str
) -> None:
    parsed = parser.parse(text)
    assert found(parser, text) == {(ANAEMIA, False)}
    assert parsed.unmatched == (phrase,)
    assert parsed.notes == (f"'{phrase}': {LIVER_NOTE}",)


def test_a_spleen_below_the_margin_is_still_read_next_to_a_liver(parser: TextParser) -> None:
    parsed = parser.parse("anaemia; spleen 4 cm BCM, liver 4 cm BCM")
    assert found(parser, "anaemia; spleen 4 cm BCM, liver 4 cm BCM") == {(ANAEMIA, False), (SPLEEN, False)}
    assert parsed.notes == (f"'liver 4 cm bcm': {LIVER_NOTE}",)


@pytest.mark.integration
@pytest.mark.parametrize("text", ["hepatomegaly, liver 4 cm BCM", "enlarged liver, 4 cm below costal margin"])
def test_an_enlarged_liver_in_words_is_read_beside_its_size(real: TextParser, text: str) -> None:
    assert found(real, text) == {(LIVER, False)}


# Visual evoked potentials, on the real release.


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("normal VEPs", {(ABNORMAL_VEP, True)}),
        ("normal VEP", {(ABNORMAL_VEP, True)}),
        ("VEPs normal", {(ABNORMAL_VEP, True)}),
        ("VEP: normal", {(ABNORMAL_VEP, True)}),
        ("VEPs: NAD", {(ABNORMAL_VEP, True)}),
        ("VEPs intact", {(ABNORMAL_VEP, True)}),
        ("normal visual evoked potentials", {(ABNORMAL_VEP, True)}),
        ("visual evoked potentials normal", {(ABNORMAL_VEP, True)}),
        ("normal hearing and VEPs", {(HEARING, True), (ABNORMAL_VEP, True)}),
        # Absent or flat VEPs are still the finding.
        ("absent VEPs", {(UNDETECTABLE_VEP, False)}),
        ("flat VEPs", {(UNDETECTABLE_VEP, False)}),
        ("VEPs absent", {(UNDETECTABLE_VEP, False)}),
    ],
)
def test_normal_veps_exclude_abnormal_veps(
    real: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    parsed = real.parse(f"anaemia; {text}")
    assert found(real, f"anaemia; {text}") == {(ANAEMIA, False), *expected}
    assert (parsed.unmatched, parsed.uncertain) == ((), ())


@pytest.mark.integration
@pytest.mark.parametrize("text", ["no VEPs", "VEPs negative", "VEPs"])
def test_veps_not_done_or_without_a_normal_cue_exclude_nothing(real: TextParser, text: str) -> None:
    parsed = real.parse(f"anaemia; {text}")
    assert found(real, f"anaemia; {text}") == {(ANAEMIA, False)}
    assert parsed.unmatched == ("veps",)


@pytest.mark.integration
def test_normal_veps_are_not_normal_vision(real: TextParser) -> None:
    assert VISION not in {m.hpo_id for m in real.parse("normal VEPs").mappings}
