"""Gaps of the plain-words parser: a sex heading without a colon that says the sex is not known ("Age 7 months
Sex unknown anaemia"), and a line that holds only "no" under a heading without a colon ("Fractures" then "no").
The rules are tested on the tiny fixture release; "Fractures" and "Hepatosplenomegaly", which it lacks, on the
real one."""

from __future__ import annotations

import pytest

from marbledx.findings import TextParse, TextParser
from marbledx.ontology import Hpo

from .cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)
from .text_parse import found

ANAEMIA, SPLEEN, OSTEOPETROSIS = "HP:0001903", "HP:0001744", "HP:0011002"
FRACTURES, HSM, SEX_REVERSAL = "HP:0002659", "HP:0001433", "HP:0012245"
MONTH = 365.25 / 12


@pytest.fixture(scope="module")
def real(real_hpo: Hpo) -> TextParser:
    return TextParser(real_hpo.ontology)


def _held_back(parsed: TextParse) -> tuple[tuple[str, ...], ...]:
    return (parsed.unmatched, parsed.uncertain, parsed.about_relatives, parsed.notes)


# A sex heading without a colon whose value says the sex is not known.


@pytest.mark.parametrize(
    ("text", "expected", "age_days"),
    [
        # It was part of the finding's phrase: "'sex unknown anaemia' -> HP:0001903 Anemia".
        ("Age 7 months Sex unknown anaemia and big spleen", {(ANAEMIA, False), (SPLEEN, False)}, 7 * MONTH),
        ("Age 7 months Sex unknown\nanaemia and big spleen", {(ANAEMIA, False), (SPLEEN, False)}, 7 * MONTH),
        ("Sex unknown anaemia and big spleen", {(ANAEMIA, False), (SPLEEN, False)}, None),
        ("Sex unknown Age 7 months anaemia", {(ANAEMIA, False)}, 7 * MONTH),
        ("gender unknown anaemia", {(ANAEMIA, False)}, None),
        ("Anaemia. Sex unknown big spleen", {(ANAEMIA, False), (SPLEEN, False)}, None),
        ("anaemia\nsex unknown", {(ANAEMIA, False)}, None),  # a line that wraps in lower case
        # Its "not" negated the finding after it: anaemia was excluded, and "sex" shown as not found.
        ("Sex not stated anaemia", {(ANAEMIA, False)}, None),
        ("Age 7 months sex not stated anaemia", {(ANAEMIA, False)}, 7 * MONTH),
        ("Age 7 months Gender not recorded anaemia", {(ANAEMIA, False)}, 7 * MONTH),
        # With a colon, as before.
        ("Age 7 months Sex: unknown anaemia and big spleen", {(ANAEMIA, False), (SPLEEN, False)}, 7 * MONTH),
        ("Sex: not stated anaemia", {(ANAEMIA, False)}, None),
    ],
)
def test_a_sex_heading_without_a_colon_that_says_the_sex_is_not_known_says_nothing(
    parser: TextParser, text: str, expected: set[tuple[str, bool]], age_days: float | None
) -> None:
    parsed = parser.parse(text)
    assert found(parser, text) == expected
    assert not any(
        word in m.phrase for m in parsed.mappings for word in ("sex", "gender", "unknown", "stated")
    )
    assert parsed.sex is None
    assert parsed.age_days == pytest.approx(age_days) if age_days is not None else parsed.age_days is None
    assert _held_back(parsed) == ((), (), (), ())


def test_the_command_line_shows_the_finding_without_the_sex_heading(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(
        capsys, "rank", "--text", "Age 7 months Sex unknown anaemia and big spleen", "--top", "1"
    )
    assert code == 0, err
    assert "text: 'anaemia' -> HP:0001903 Anemia (observed)" in out
    assert "sex unknown" not in out
    assert "text: sex " not in out


def test_a_sex_heading_that_says_the_sex_is_not_known_leaves_the_other_words_to_give_it(
    parser: TextParser,
) -> None:
    parsed = parser.parse("Sex unknown girl with anaemia")
    assert (parsed.sex, parsed.notes, parsed.unmatched) == ("female", (), ())
    assert found(parser, "Sex unknown girl with anaemia") == {(ANAEMIA, False)}


def test_a_name_ends_before_a_sex_heading_that_says_the_sex_is_not_known(parser: TextParser) -> None:
    # The name took "Sex unknown anaemia" with it, as a value of five words (and a note asking for a new line).
    parsed = parser.parse("Name: Jane Smith Sex unknown anaemia")
    assert found(parser, "Name: Jane Smith Sex unknown anaemia") == {(ANAEMIA, False)}
    assert _held_back(parsed) == ((), (), (), ())
    assert "jane" not in " ".join(m.phrase for m in parsed.mappings)


@pytest.mark.parametrize(
    ("text", "sex"),
    [
        # Without a colon, a sex heading gives the sex as "Sex: F" does (it did before; pinned here).
        ("Sex M anaemia", "male"),
        ("Sex female anaemia", "female"),
        ("Age 7 months Sex M anaemia", "male"),
        ("Age 7 months Sex female, anaemia", "female"),
        ("SEX F\nAnaemia", "female"),
        ("Sex: F anaemia", "female"),
    ],
)
def test_a_sex_heading_without_a_colon_gives_the_sex(parser: TextParser, text: str, sex: str) -> None:
    parsed = parser.parse(text)
    assert parsed.sex == sex
    assert found(parser, text) == {(ANAEMIA, False)}
    assert _held_back(parsed) == ((), (), (), ())


def test_findings_that_start_with_sex_are_still_read(real: TextParser) -> None:
    assert found(real, "Sex reversal, anaemia") == {(SEX_REVERSAL, False), (ANAEMIA, False)}
    assert found(real, "46,XY sex reversal") == {(SEX_REVERSAL, False)}
    parsed = real.parse("anaemia, sex-limited")
    assert (parsed.sex, parsed.unmatched) == (None, ("sex-limited",))


# A line that holds only "no" under a heading line without a colon.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Was read as splenomegaly observed: "splenomegaly, no", or "splenomegaly; no" before a capital.
        ("Splenomegaly\nno", {(SPLEEN, True)}),
        ("Splenomegaly\nNo", {(SPLEEN, True)}),
        ("Splenomegaly\nNo.", {(SPLEEN, True)}),
        ("Splenomegaly\n-", {(SPLEEN, True)}),
        ("Splenomegaly\n\u2013", {(SPLEEN, True)}),
        ("Big spleen\nno", {(SPLEEN, True)}),
        ("- Splenomegaly\n  no", {(SPLEEN, True)}),
        ("Splenomegaly\r\nno\r\nAnaemia", {(SPLEEN, True), (ANAEMIA, False)}),
        # Read so before, as "none", "nil" and "absent" after a finding are negations.
        ("Splenomegaly\nnone", {(SPLEEN, True)}),
        ("Splenomegaly\nnil", {(SPLEEN, True)}),
        ("Splenomegaly\nabsent", {(SPLEEN, True)}),
        # The heading's "no" stops at the end of its line, the next line in capitals or not: "Anaemia" then "no"
        # then "big spleen" excluded the big spleen and read the anaemia.
        ("Anaemia\nno\nbig spleen", {(ANAEMIA, True), (SPLEEN, False)}),
        ("Anaemia\nno\nBig spleen", {(ANAEMIA, True), (SPLEEN, False)}),
        ("Splenomegaly\nno\nAnaemia", {(SPLEEN, True), (ANAEMIA, False)}),
        ("Anaemia\nnone\nsplenomegaly", {(ANAEMIA, True), (SPLEEN, False)}),
        # A template of several.
        (
            "Anaemia\nyes\nSplenomegaly\nno\nOsteopetrosis\nno",
            {
                (ANAEMIA, False),
                (SPLEEN, True),
                (OSTEOPETROSIS, True),
            },
        ),
        ("Anaemia.\nsplenomegaly\nno", {(ANAEMIA, False), (SPLEEN, True)}),
    ],
)
def test_no_on_a_line_of_its_own_under_a_finding_excludes_it(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "Fractures:" then "no": as before; and "No" before, in capitals, read the fractures as observed.
        ("Splenomegaly:\nno", {(SPLEEN, True)}),
        ("Splenomegaly:\nNo", {(SPLEEN, True)}),
        ("Splenomegaly:\n-", {(SPLEEN, True)}),
        ("Splenomegaly -\nno", {(SPLEEN, True)}),
        # Its value ends its line: "splenomegaly: no anaemia" read splenomegaly observed and anaemia excluded.
        ("Splenomegaly:\nno\nanaemia", {(SPLEEN, True), (ANAEMIA, False)}),
        ("Splenomegaly:\nno\nAnaemia", {(SPLEEN, True), (ANAEMIA, False)}),
    ],
)
def test_no_on_a_line_of_its_own_under_a_heading_with_a_colon_excludes_it(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Under a list or a sentence: the "no" is not read, and goes no further (it excluded the next line).
        ("Anaemia and big spleen\nno", {(ANAEMIA, False), (SPLEEN, False)}),
        (
            "Anaemia and big spleen\nno\nosteopetrosis",
            {(ANAEMIA, False), (SPLEEN, False), (OSTEOPETROSIS, False)},
        ),
        (
            "Anaemia, splenomegaly\nNo\nOsteopetrosis",
            {(ANAEMIA, False), (SPLEEN, False), (OSTEOPETROSIS, False)},
        ),
        ("She has anaemia\nno\nbig spleen", {(ANAEMIA, False), (SPLEEN, False)}),
        ("Anaemia and\nsplenomegaly\nno", {(ANAEMIA, False), (SPLEEN, False)}),  # the line above goes on
        # Under words that name no finding, a blank line or nothing.
        ("Liver\nno\nbig spleen", {(SPLEEN, False)}),
        ("Anaemia\n\nno\nsplenomegaly", {(ANAEMIA, False), (SPLEEN, False)}),
        ("no\nsplenomegaly", {(SPLEEN, False)}),
        # Under a finding already negated, or another lone "no".
        ("No anaemia\nno\nsplenomegaly", {(ANAEMIA, True), (SPLEEN, False)}),
        ("Anaemia\nno\nno\nsplenomegaly", {(ANAEMIA, True), (SPLEEN, False)}),
    ],
)
def test_no_on_a_line_of_its_own_under_anything_else_negates_nothing(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


def test_a_lone_no_under_more_than_one_finding_is_no_reading_rather_than_a_guess(parser: TextParser) -> None:
    # Clinical safety: a wrongly negated finding is worse than a missed one. "Anaemia and splenomegaly" then
    # "no" may answer both, one, or neither; none of them is excluded, and the line after is not negated.
    text = "Anaemia and splenomegaly\nno\nosteopetrosis"
    assert not any(m.excluded for m in parser.parse(text).mappings)
    # As a single finding, the same "no" is its heading's value.
    assert found(parser, "Splenomegaly\nno\nosteopetrosis") == {(SPLEEN, True), (OSTEOPETROSIS, False)}


def test_a_consanguinity_heading_then_no_still_says_nothing(parser: TextParser) -> None:
    for text in ("Consanguinity\nno\nAnaemia", "Consanguinity:\nno\nanaemia", "Consanguinity\nNo\nanaemia"):
        parsed = parser.parse(text)
        assert found(parser, text) == {(ANAEMIA, False)}, text
        assert _held_back(parsed) == ((), (), (), ()), text


def test_the_command_line_shows_the_heading_excluded(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "rank", "--text", "Splenomegaly\nno\nanaemia", "--top", "1")
    assert code == 0, err
    assert "text: 'splenomegaly' -> HP:0001744 Splenomegaly (excluded)" in out
    assert "text: 'anaemia' -> HP:0001903 Anemia (observed)" in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fractures\nno", {(FRACTURES, True)}),
        ("Fractures\nNo\nAnaemia", {(FRACTURES, True), (ANAEMIA, False)}),
        ("Hepatosplenomegaly\nNo", {(HSM, True)}),
        ("Hepatosplenomegaly\n-\nanaemia", {(HSM, True), (ANAEMIA, False)}),
        ("Fractures:\nno", {(FRACTURES, True)}),  # as before
        (
            "Age 7 months Sex unknown\nFractures\nno\nanaemia and big spleen",
            {
                (FRACTURES, True),
                (ANAEMIA, False),
                (SPLEEN, False),
            },
        ),
    ],
)
def test_the_real_release_reads_a_heading_then_no(
    real: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    parsed = real.parse(text)
    assert found(real, text) == expected
    assert _held_back(parsed) == ((), (), (), ())


def test_a_long_run_of_lone_values_is_read(parser: TextParser) -> None:
    # Each line above is read once (the same heading is looked up once), not the text again for each value.
    text = "Splenomegaly\nno\nAnaemia\n" * 2_000 + "Osteopetrosis and anaemia\n" + "no\n" * 2_000
    parsed = parser.parse(text)
    assert found(parser, text) == {(SPLEEN, True), (ANAEMIA, False), (OSTEOPETROSIS, False)}
    assert len(parsed.mappings) == 4_002
