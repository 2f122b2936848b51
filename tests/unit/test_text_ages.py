"""Plain words to an age on the tiny fixture release: ages in number words up to ninety-nine, after "aged" and
in brackets, and ages with a half ("2½", "1 1/2")."""

from __future__ import annotations

import pytest

from marbledx.cli import main
from marbledx.findings import TextParser

from ..conftest import MINI_RELEASE

DAY = 1.0
WEEK = 7.0
MONTH = 365.25 / 12
YEAR = 365.25


def _age(parser: TextParser, text: str) -> float | None:
    return parser.parse(text).age_days


def test_an_age_in_words_in_brackets_after_the_patient(parser: TextParser) -> None:
    parsed = parser.parse("Baby boy (six weeks): anemia")
    assert parsed.age_days == pytest.approx(6 * WEEK)
    assert (parsed.sex, parsed.unmatched) == ("male", ())
    assert _age(parser, "Baby girl (twenty-one days) with anaemia") == pytest.approx(21 * DAY)
    assert _age(parser, "Boy (six weeks old) with anaemia") == pytest.approx(6 * WEEK)


def test_aged_with_a_number_word_and_a_unit(parser: TextParser) -> None:
    parsed = parser.parse("Infant, aged six months, with anemia")
    assert parsed.age_days == pytest.approx(6 * MONTH)
    assert parsed.unmatched == ()


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("twenty-month-old with anemia", 20 * MONTH),
        ("eighteen-month-old boy with anaemia", 18 * MONTH),
        ("a fifteen month old with anaemia", 15 * MONTH),
        ("thirteen-year-old girl with anaemia", 13 * YEAR),
        ("nineteen year old with anaemia", 19 * YEAR),
        ("twenty-four months old, anaemia", 24 * MONTH),
        ("thirty six weeks old, anaemia", 36 * WEEK),
        ("aged twenty-four months, anaemia", 24 * MONTH),
        ("ninety-nine-year-old with anaemia", 99 * YEAR),
        ("seventeen-year-old with anaemia", 17 * YEAR),
        ("seventy-year-old with anaemia", 70 * YEAR),
        ("six months of age, anaemia", 6 * MONTH),
        # A compound age in words counts both parts, not only the last.
        ("two years four months old girl with anaemia", 2 * YEAR + 4 * MONTH),
    ],
)
def test_number_words_up_to_ninety_nine(parser: TextParser, text: str, days: float) -> None:
    assert _age(parser, text) == pytest.approx(days)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Girl aged 2½ years with anemia", 2.5 * YEAR),
        ("a 1½-year-old with anaemia", 1.5 * YEAR),
        ("1 1/2 years old with anaemia", 1.5 * YEAR),
        ("boy aged 2 1/2 years, anaemia", 2.5 * YEAR),
        ("Boy, 1½ years, with anaemia", 1.5 * YEAR),
        ("3½ months old with anaemia", 3.5 * MONTH),
    ],
)
def test_a_half_after_a_figure(parser: TextParser, text: str, days: float) -> None:
    assert _age(parser, text) == pytest.approx(days)


@pytest.mark.parametrize(
    "text",
    [
        # A bare number and unit may be a duration or an onset, in words as in figures.
        "anaemia, six months",
        "anaemia for six months",
        "Boy, six weeks of anaemia",
        "anaemia since twenty months",
        "anaemia at eighteen months old",
        # A relative's age, a measured age, a range and hours.
        "anaemia; her fifteen-month-old sister has splenomegaly",
        "girl with anaemia, bone age two years",
        "girl with anaemia, bone age 1½ years",
        "girl aged two to three years with anaemia",
        "baby aged thirty six hours, anaemia",
        # "Aged" with a fraction and no unit, as "aged 2 1/2", and a date.
        "girl aged 2½ with anaemia",
        "anaemia, seen 1 1/2/2024",
        # A bracket with a number word that is no age stays part of the words.
        "anaemia (six)",
    ],
)
def test_ambiguous_forms_stay_unread(parser: TextParser, text: str) -> None:
    assert _age(parser, text) is None


def test_paediatric_shorthand_is_still_read_beside_a_half(parser: TextParser) -> None:
    # "1/2" is no shorthand (its denominators are 12, 52 and 7): "2 1/12" stays 2 years 1 month.
    assert _age(parser, "aged 2 1/12 with anaemia") == pytest.approx(2 * YEAR + 1 * MONTH)


def test_cli_reads_an_age_in_words(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    assert main(["rank", "--text", "Baby boy (six weeks): anemia", "--top", "1"]) == 0
    assert "text: age 42 days" in capsys.readouterr().out


# An age above 130 years is refused, as --age is ("older than 130 years"): it is a typing error.


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("1000-year-old with anaemia", "1000-year-old"),
        ("99999999999999999999999999-year-old with anaemia", "99999999999999999999999999-year-old"),
        (f"{'9' * 400}-year-old with anaemia", f"{'9' * 400}-year-old"),  # beyond a float: infinite
        ("131 years old with anaemia", "131 years old"),
        ("girl aged 500, anaemia", "aged 500"),
    ],
)
def test_an_age_above_130_years_is_not_used(parser: TextParser, text: str, written: str) -> None:
    parsed = parser.parse(text)
    assert parsed.age_days is None
    assert parsed.notes == (f"'{written}': older than 130 years; not used as the age (give --age)",)
    assert [m.hpo_id for m in parsed.mappings] == ["HP:0001903"]
    assert parsed.unmatched == ()


def test_an_age_of_130_years_is_used(parser: TextParser) -> None:
    assert _age(parser, "130-year-old with anaemia") == pytest.approx(130 * YEAR)


def test_an_age_above_130_years_leaves_the_present_age(parser: TextParser) -> None:
    parsed = parser.parse("1000-year-old with anaemia. Now 8 months old")
    assert parsed.age_days == pytest.approx(8 * MONTH)
    assert parsed.notes == ("'1000-year-old': older than 130 years; not used as the age (give --age)",)


def test_cli_does_not_use_an_age_above_130_years(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    assert main(["rank", "--text", "1000-year-old with anemia", "--top", "1"]) == 0
    shown = "".join(capsys.readouterr())
    assert "text: note: '1000-year-old': older than 130 years; not used as the age (give --age)" in shown
    assert "text: age" not in shown
