"""Faults found by reading invented clinical notes on suspected osteopetrosis (session 38): a pertinent negative
written as "Vision unremarkable", "Vision NAD", "Hb OK" or "Plt normal", and "no visual problems", was a word
not found (the negative lost); and "Adult male, 60" gave no age. Each test of a fix failed before it; the cases
marked "as before" guard what the fix must not change."""

from __future__ import annotations

import pytest

from marbledx.findings import TextParser

from .text_parse import found

ANAEMIA, SPLEEN, THROMBOCYTOPENIA = "HP:0001903", "HP:0001744", "HP:0001873"
VISION = "HP:0000505"
YEARS = 365.25


# -- 1. "Unremarkable", "NAD", "WNL" and "OK" after the words they are said of ---------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Vision unremarkable.", {(VISION, True)}),
        ("Vision NAD.", {(VISION, True)}),
        ("vision is unremarkable", {(VISION, True)}),
        ("Vision: NAD", {(VISION, True)}),  # as before
        ("Vision normal", {(VISION, True)}),  # as before
        ("platelets WNL", {(THROMBOCYTOPENIA, True)}),
        ("Hb OK.", {(ANAEMIA, True)}),
        ("anaemia, vision NAD, big spleen", {(ANAEMIA, False), (VISION, True), (SPLEEN, False)}),
        ("Splenomegaly unremarkable", {(SPLEEN, True)}),
    ],
)
def test_a_normal_shorthand_after_the_words_excludes(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    parsed = parser.parse(text)
    assert {(m.hpo_id, m.excluded) for m in parsed.mappings} == expected
    assert parsed.unmatched == ()


@pytest.mark.parametrize("text", ["nad", "ok then", "cheap", "no hearing"])
def test_the_shorthand_is_no_finding_on_its_own(parser: TextParser, text: str) -> None:
    # A lone "NAD", or "ok" that does not end its phrase, or "nad" inside a word, says nothing (as before).
    assert not any(not excluded for _, excluded in found(parser, text))


# -- 2. "Plt" and "visual problems" -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plt normal.", {(THROMBOCYTOPENIA, True)}),
        ("normal plt", {(THROMBOCYTOPENIA, True)}),
        ("No visual problems.", {(VISION, True)}),
        ("no visual difficulties", {(VISION, True)}),
        ("Normal plts", {(THROMBOCYTOPENIA, True)}),  # as before
        ("no vision problems", {(VISION, True)}),  # as before
    ],
)
def test_plt_and_visual_problems_are_read_negated(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


@pytest.mark.parametrize("text", ["plt", "no plt", "big plt"])
def test_plt_is_never_a_finding_observed(parser: TextParser, text: str) -> None:
    # A bare attribute: "no plt" is a count of zero or a test not done, so it is held back (negated_only).
    assert found(parser, text) == set()


def test_visual_problems_alone_are_not_read(parser: TextParser) -> None:
    # negated_only: "visual problems" observed is too vague to be called Visual impairment (as "vision problems").
    assert found(parser, "visual problems") == set()


# -- 3. "Adult male, 60" -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "years", "sex"),
    [
        ("Adult male, 60, anaemia.", 60, "male"),
        ("Adult female, 45: anaemia", 45, "female"),
        ("Woman, 52, anaemia", 52, "female"),  # as before
    ],
)
def test_an_adult_male_or_female_with_a_bare_number_is_the_age(
    parser: TextParser, text: str, years: int, sex: str
) -> None:
    parsed = parser.parse(text)
    assert (parsed.age_days, parsed.sex) == (pytest.approx(years * YEARS), sex)
    assert parsed.unmatched == ()


@pytest.mark.parametrize("text", ["Male, 6, anaemia", "Adult male, 6, anaemia", "Adult male, 60 kg, anaemia"])
def test_no_age_from_a_number_that_may_be_something_else(parser: TextParser, text: str) -> None:
    # "Male, 6" may head a child's note in months; an adult below 16 or a weight is no age (as before).
    assert parser.parse(text).age_days is None
