"""A parent's report of the patient's sign, on the real HPO release (session 40): "Mum says he has a big spleen"
is the patient's splenomegaly, observed; "Dad thinks she bruises easily" is held back as uncertain; "Mum says she
had fractures as a child" and "mother has anaemia" stay the relative's. Each case marked "before" read as about a
relative before the fix, and the finding was lost."""

from __future__ import annotations

import pytest

from marbledx.findings import TextParser
from tests.unit.text_parse import found

pytestmark = pytest.mark.integration

SPLEEN, PALLOR, DISTENTION, BRUISING, FRAGILITY = (
    "HP:0001744",
    "HP:0000980",
    "HP:0003270",
    "HP:0000978",
    "HP:0002659",
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mum says he has a big spleen", {(SPLEEN, False)}),  # before: about a relative
        (
            "Mother reports that the baby is pale and has a big tummy",
            {(PALLOR, False), (DISTENTION, False)},
        ),  # before: about a relative
        ("Dad noticed his daughter bruises easily", {(BRUISING, False)}),  # before: about a relative
        ("Parents report that she has had 3 fractures", {(FRAGILITY, False)}),  # before: about a relative
        ("Mum told us he has a big spleen, and he bruises easily", {(SPLEEN, False), (BRUISING, False)}),
        ("Mum says that he has no big spleen", {(SPLEEN, True)}),  # before: about a relative
        ("Her mother says her son has a big spleen", {(SPLEEN, False)}),  # before: about a relative
    ],
)
def test_report_of_the_patients_sign_is_observed(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    parsed = parser.parse(text)
    assert found(parser, text) == expected
    assert parsed.about_relatives == ()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Dad thinks she bruises easily", "bruises easily"),  # before: about a relative
        ("Mum feels he is pale", "pale"),
        ("Mum wonders if he has a big spleen", "big spleen"),
        ("Dad is worried that she has a big tummy", "big tummy"),
    ],
)
def test_report_of_doubt_is_held_back(parser: TextParser, text: str, words: str) -> None:
    parsed = parser.parse(text)
    assert parsed.mappings == ()
    assert parsed.about_relatives == ()
    assert [w for w in parsed.uncertain if words in w]


@pytest.mark.parametrize(
    "text",
    [
        "Mum reports she is tired",
        "mother has anaemia",
        "Mum says she had fractures as a child",
        "Dad says he had fractures as a child",
        "Brother says he has a big spleen",
        "mother says she saw no fractures",
        # A relative named inside the reported clause is still the relative.
        "Mum says his dad had fractures",
        "Mother reports that the patient's brother had fractures",
        "Parents report they have anaemia",
    ],
)
def test_relatives_own_words_stay_the_relatives(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert parsed.mappings == ()
    assert parsed.about_relatives
    assert parsed.sex is None


def test_report_ends_at_a_new_subject(parser: TextParser) -> None:
    """ "and she has anaemia" after "Mum says he ...": "she" may be the mother again, so it is held back as the
    relative's, and gives no sex."""
    parsed = parser.parse("Mum says he has a big spleen and she has anaemia")
    assert found(parser, "Mum says he has a big spleen and she has anaemia") == {(SPLEEN, False)}
    assert parsed.about_relatives == ("she has anaemia",)
    assert parsed.sex == "male"


def test_parents_possessive_gives_no_sex(parser: TextParser) -> None:
    """ "Dad noticed his daughter": the "his" is the father's, so the words do not disagree on the sex."""
    parsed = parser.parse("Dad noticed his daughter bruises easily")
    assert parsed.sex == "female"
    assert parsed.notes == ()


def test_reported_age_is_the_patients(parser: TextParser) -> None:
    parsed = parser.parse("Mum says he is 8 months old and has a big spleen")
    assert found(parser, "Mum says he is 8 months old and has a big spleen") == {(SPLEEN, False)}
    assert parsed.age_days is not None
    assert 240 < parsed.age_days < 250
