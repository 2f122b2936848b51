"""A heading's value of absence at the end of its line, with the next line in lower case ("Fractures: no" then
"big spleen"), and with more words after it on its line ("Fractures: no big spleen"). The line that wrapped in
lower case carried the value on: "Fractures: no big spleen" read fractures observed and the spleen excluded,
the opposite of the note. The rules are tested on the tiny fixture release; "Fractures" and
"Hepatosplenomegaly", which it lacks, on the real one."""

from __future__ import annotations

import pytest

from marbledx.findings import TextParse, TextParser
from marbledx.ontology import Hpo

from .cli_run import run_cli
from .text_parse import found

ANAEMIA, SPLEEN, OSTEOPETROSIS = "HP:0001903", "HP:0001744", "HP:0011002"
FRACTURES, HSM, INFECTIONS = "HP:0002659", "HP:0001433", "HP:0002719"


@pytest.fixture(scope="module")
def real(real_hpo: Hpo) -> TextParser:
    return TextParser(real_hpo.ontology)


def _shown(parsed: TextParse) -> str:
    """Every word the parse gives back to the user, in one string."""
    words = [m.phrase for m in parsed.mappings]
    words += [*parsed.unmatched, *parsed.uncertain, *parsed.about_relatives, *parsed.notes]
    return " | ".join(words)


# Under a heading that is a single finding, the value answers it and ends its line.


@pytest.mark.parametrize(
    "text",
    [
        # Each was read as splenomegaly observed and anaemia excluded ("splenomegaly: no anaemia"), or as
        # anaemia observed through "none anaemia" / "negative anaemia" / "0 anaemia" / "- anaemia".
        "Splenomegaly: no\nanaemia",
        "Splenomegaly - no\nanaemia",
        "Splenomegaly \u2013 no\nanaemia",
        "Splenomegaly: No\r\nanaemia",
        "Splenomegaly:no\nanaemia",
        "Splenomegaly: none\nanaemia",
        "Splenomegaly: nil\nanaemia",
        "Splenomegaly: absent\nanaemia",
        "Splenomegaly: negative\nanaemia",
        "Splenomegaly: not present\nanaemia",
        "Splenomegaly: 0\nanaemia",
        "Splenomegaly: -\nanaemia",
        "Splenomegaly = no\nanaemia",
        "Big spleen: no\nanaemia",
        "- Splenomegaly: no\n  anaemia",
        "SPLENOMEGALY: NO\nanaemia",
    ],
)
def test_a_single_finding_heading_answered_no_ends_its_line(parser: TextParser, text: str) -> None:
    assert found(parser, text) == {(SPLEEN, True), (ANAEMIA, False)}
    parsed = parser.parse(text)
    assert (parsed.uncertain, parsed.notes) == ((), ())
    # The same as with the next line in capitals, which was read so before.
    assert parsed.mappings == parser.parse(text.replace("anaemia", "Anaemia")).mappings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Anaemia. Splenomegaly: no\nosteopetrosis",
            {(ANAEMIA, False), (SPLEEN, True), (OSTEOPETROSIS, False)},
        ),
        (
            "Splenomegaly: no\nanaemia and osteopetrosis",
            {(SPLEEN, True), (ANAEMIA, False), (OSTEOPETROSIS, False)},
        ),
        # A template in lower case: after another heading's value the heading starts an item of its own.
        (
            "Anaemia: yes\nsplenomegaly: no\nosteopetrosis",
            {(ANAEMIA, False), (SPLEEN, True), (OSTEOPETROSIS, False)},
        ),
        (
            "anaemia - mild\nsplenomegaly - nil\nosteopetrosis",
            {(ANAEMIA, False), (SPLEEN, True), (OSTEOPETROSIS, False)},
        ),
        # A lone "no" under it first becomes its heading's value (see _answer_lone_values), as before.
        ("Splenomegaly:\nno\nanaemia", {(SPLEEN, True), (ANAEMIA, False)}),
        # As before: the value ends its sentence, or the next line starts a new one.
        ("Splenomegaly: no.\nanaemia", {(SPLEEN, True), (ANAEMIA, False)}),
        ("Splenomegaly: no\n\nanaemia", {(SPLEEN, True), (ANAEMIA, False)}),
        ("Splenomegaly: no\n- anaemia", {(SPLEEN, True), (ANAEMIA, False)}),
    ],
)
def test_the_next_line_is_read_on_its_own(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fractures: no\nbig spleen", {(FRACTURES, True), (SPLEEN, False)}),
        ("Fractures - no\nbig spleen", {(FRACTURES, True), (SPLEEN, False)}),
        ("Fractures: none\nrecurrent infections", {(FRACTURES, True), (INFECTIONS, False)}),
        ("Fractures: nil\nanaemia", {(FRACTURES, True), (ANAEMIA, False)}),
        ("Fractures: negative\nanaemia", {(FRACTURES, True), (ANAEMIA, False)}),
        ("Hepatosplenomegaly: absent\nanaemia", {(HSM, True), (ANAEMIA, False)}),
        ("Hepatosplenomegaly: no\nrecurrent infections", {(HSM, True), (INFECTIONS, False)}),
        ("Fractures: no\nBig spleen", {(FRACTURES, True), (SPLEEN, False)}),  # as before
    ],
)
def test_the_real_release_reads_a_heading_answered_no_then_a_line_in_lower_case(
    real: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    parsed = real.parse(text)
    assert found(real, text) == expected
    assert (parsed.unmatched, parsed.uncertain, parsed.notes) == ((), (), ())


def test_the_command_line_shows_the_heading_excluded_and_the_next_line_observed(
    capsys: pytest.CaptureFixture[str], real_hpo: Hpo
) -> None:
    # The report's example, on the release the command reads by default (real_hpo has built its cache).
    code, out, err = run_cli(capsys, "rank", "--text", "Fractures: no\nbig spleen", "--top", "1")
    assert code == 0, err
    assert "text: 'fractures' -> HP:0002659 Increased susceptibility to fractures (excluded)" in out
    assert "text: 'big spleen' -> HP:0001744 Splenomegaly (observed)" in out


# Under a heading that names no finding, the note wrapped: the value is the start of the next line, as before.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("History: no\nsplenomegaly or anaemia", {(SPLEEN, True), (ANAEMIA, True)}),
        ("Examination: no\nbig spleen", {(SPLEEN, True)}),
        ("Findings - no\nsplenomegaly", {(SPLEEN, True)}),
        ("History: nil\nanaemia", {(ANAEMIA, True)}),
    ],
)
def test_a_heading_that_names_no_finding_still_wraps(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected
    assert parser.parse(text).notes == ()


def test_the_real_release_reads_a_wrapped_heading_as_before(real: TextParser) -> None:
    assert found(real, "History: no\nfractures or anaemia") == {(FRACTURES, True), (ANAEMIA, True)}
    assert found(real, "Abdomen: no\nbig spleen") == {(SPLEEN, True)}


# Under a heading of more than one finding, neither the heading nor the next line is read through the value.


@pytest.mark.parametrize(
    "text",
    [
        # Each read anaemia and splenomegaly observed and osteopetrosis excluded.
        "Anaemia and splenomegaly: no\nosteopetrosis",
        "Anaemia & splenomegaly - none\nosteopetrosis",
        # The heading's line carries on the line before it: its clause is more than the one finding.
        "Anaemia and\nsplenomegaly: no\nosteopetrosis",
    ],
)
def test_a_heading_of_several_findings_is_not_read_and_never_negates_the_next_line(
    parser: TextParser, text: str
) -> None:
    parsed = parser.parse(text)
    # Clinical safety: the value may answer all, some or none of them; a wrongly negated finding is worse than
    # a missed one, so none of them is read, and the value does not reach the next line.
    assert found(parser, text) == {(OSTEOPETROSIS, False)}
    assert set(parsed.uncertain) == {"anaemia", "splenomegaly"}
    assert len(parsed.notes) == 1
    assert "not a single finding" in parsed.notes[0]
    assert "zzunread" not in _shown(parsed)


# The value with more words after it on its line.


@pytest.mark.parametrize(
    ("text", "uncertain"),
    [
        # Each read splenomegaly observed and anaemia excluded: "no" may answer the heading (anaemia observed)
        # or negate anaemia (the heading a topic), so neither is read.
        ("Splenomegaly: no anaemia", ("splenomegaly", "no anaemia")),
        ("Splenomegaly - no anaemia", ("splenomegaly", "no anaemia")),
        ("Splenomegaly: No anaemia, osteopetrosis", ("splenomegaly", "no anaemia", "osteopetrosis")),
        ("Splenomegaly: nil anaemia", ("splenomegaly", "nil anaemia")),
        ("Splenomegaly: none anaemia", ("splenomegaly", "none anaemia")),  # read anaemia observed
        # A wrapped line goes on in the same sentence, and is not read either.
        ("Splenomegaly: no anaemia\nosteopetrosis", ("splenomegaly", "no anaemia osteopetrosis")),
        # Read splenomegaly observed: after "no" the words need not name a finding to be what it negates.
        ("Splenomegaly: no imaging", ("splenomegaly",)),
    ],
)
def test_a_value_of_no_with_more_words_is_not_read(
    parser: TextParser, text: str, uncertain: tuple[str, ...]
) -> None:
    parsed = parser.parse(text)
    assert parsed.mappings == ()
    assert parsed.uncertain == uncertain
    assert len(parsed.notes) == 1
    assert "may be the heading's value or a negation of the words after it" in parsed.notes[0]
    assert "zzunread" not in _shown(parsed)


def test_the_real_release_does_not_read_fractures_no_big_spleen(real: TextParser) -> None:
    parsed = real.parse("Fractures: no big spleen")
    assert parsed.mappings == ()  # was fractures observed, the spleen excluded
    assert parsed.uncertain == ("fractures", "no big spleen")
    assert parsed.notes == (
        "'fractures: no big spleen': 'no' may be the heading's value or a negation of the words after it; not "
        "read (end the value with a full stop or a new line: 'Fractures: no.')",
    )
    # Written as the note asks, it is read.
    assert found(real, "Fractures: no. Big spleen") == {(FRACTURES, True), (SPLEEN, False)}


@pytest.mark.parametrize(
    "text",
    [
        # Each read splenomegaly observed: the words after the value only qualify it.
        "Splenomegaly: none reported so far",
        "Splenomegaly: absent on examination today",
        "Splenomegaly: not seen on ultrasound today",
        "Splenomegaly - nil so far",
        "Splenomegaly: none reported\nso far",
        # As before.
        "Splenomegaly: none reported",
        "Splenomegaly: absent",
    ],
)
def test_a_value_qualified_by_words_that_name_nothing_excludes_the_heading(
    parser: TextParser, text: str
) -> None:
    parsed = parser.parse(text)
    assert found(parser, text) == {(SPLEEN, True)}
    assert (parsed.uncertain, parsed.notes) == ((), ())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A heading that names no finding: the value is a negation of the words after it, as before.
        ("History: no anaemia", {(ANAEMIA, True)}),
        ("Examination - no splenomegaly or anaemia", {(SPLEEN, True), (ANAEMIA, True)}),
        # Values that are no absence, and "no" inside a word, as before.
        ("Splenomegaly: yes, anaemia", {(SPLEEN, False), (ANAEMIA, False)}),
        ("Splenomegaly: normal. Anaemia", {(SPLEEN, True), (ANAEMIA, False)}),
        ("Anaemia, no splenomegaly", {(ANAEMIA, False), (SPLEEN, True)}),
    ],
)
def test_other_values_are_read_as_before(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Read "splenomegaly =" as splenomegaly observed: "=" was a heading's mark for the line breaks only.
        ("Splenomegaly = no", {(SPLEEN, True)}),
        ("Splenomegaly = no\nAnaemia", {(SPLEEN, True), (ANAEMIA, False)}),
        ("Anaemia. Splenomegaly=nil", {(ANAEMIA, False), (SPLEEN, True)}),
    ],
)
def test_an_equals_sign_is_a_heading_s_colon(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected
    assert parser.parse(text).unmatched == ()


def test_a_long_template_is_read_line_by_line(parser: TextParser) -> None:
    # Each heading is looked up once, not the text again for each value.
    text = "Splenomegaly: no\nanaemia\n" * 2_000 + "Anaemia and splenomegaly: no\nosteopetrosis\n" * 2
    parsed = parser.parse(text)
    assert found(parser, text) == {(SPLEEN, True), (ANAEMIA, False), (OSTEOPETROSIS, False)}
    assert len(parsed.mappings) == 4_002
    assert len(parsed.notes) == 2
