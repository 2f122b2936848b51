"""A heading's value answers its own heading only. "Fractures: no" / "anaemia" / "osteopetrosis: no" read anaemia
excluded: the line "anaemia" went on in lower case into "osteopetrosis: no", so the heading was read back across
the line break as "anaemia osteopetrosis" and its "no" negated both. And a heading that is only a negation cue
("Negative for:") negates the findings under it: they were read as observed, since a colon ended the cue's scope.
The rules are tested on the tiny fixture release; "Fractures", which it lacks, on the real one."""

from __future__ import annotations

import json

import pytest

from marbledx.findings import TextParser
from marbledx.ontology import Hpo

from .cli_run import run_cli
from .text_parse import found

ANAEMIA, SPLEEN, OSTEOPETROSIS = "HP:0001903", "HP:0001744", "HP:0011002"
PLATELETS, VISION = "HP:0001873", "HP:0000505"
FRACTURES, RECURRENT_FRACTURES = "HP:0002659", "HP:0002757"
THE_NOTE = {(FRACTURES, True), (ANAEMIA, False), (OSTEOPETROSIS, True)}


@pytest.fixture(scope="module")
def real(real_hpo: Hpo) -> TextParser:
    return TextParser(real_hpo.ontology)


# The report's note and its variants, on the real release.


@pytest.mark.parametrize(
    "text",
    [
        # Each read anaemia excluded, with osteopetrosis, from one phrase "anaemia osteopetrosis".
        "Fractures: no\nanaemia\nosteopetrosis: no",
        "Fractures: none\nanaemia\nosteopetrosis: none",
        "Fractures - no\nanaemia\nosteopetrosis - no",
        "Fractures: no\r\nanaemia\r\nosteopetrosis: no\r\n",
        "Fractures: no\nanaemia\nosteopetrosis = no",
        "Fractures: no\nanaemia\nosteopetrosis:no",
        "Fractures: no\nanaemia\n  osteopetrosis: nil",
        # As before: a blank line or a full stop ended the sentence.
        "Fractures: no\n\nanaemia\n\nosteopetrosis: no",
        "Fractures: no\r\n\r\nanaemia\r\n\r\nosteopetrosis: no",
        "Fractures: no.\nanaemia.\nosteopetrosis: no.",
        "Fractures - no.\nanaemia.\nosteopetrosis - no.",
    ],
)
def test_a_heading_s_no_negates_only_its_own_heading(real: TextParser, text: str) -> None:
    parsed = real.parse(text)
    assert found(real, text) == THE_NOTE
    assert {m.phrase for m in parsed.mappings} == {"fractures", "anaemia", "osteopetrosis"}
    assert (parsed.unmatched, parsed.uncertain, parsed.notes) == ((), (), ())


def test_the_next_heading_in_capitals_reads_as_before(real: TextParser) -> None:
    text = "Fractures: no\nAnaemia: yes\nSplenomegaly"
    assert found(real, text) == {(FRACTURES, True), (ANAEMIA, False), (SPLEEN, False)}


def test_the_command_line_ranks_anaemia_as_observed(
    capsys: pytest.CaptureFixture[str], real_hpo: Hpo
) -> None:
    # On the release the command reads by default (real_hpo has built its cache).
    text = "Fractures: no\nanaemia\nosteopetrosis: no"
    code, out, err = run_cli(capsys, "rank", "--text", text, "--format", "json", "--top", "1")
    assert code == 0, err
    [case] = json.loads(out)
    evidence = {e["hpo_id"]: e["status"] for e in case["diagnoses"][0]["evidence"]}
    assert evidence[ANAEMIA] == "observed"  # was "excluded"
    assert evidence[OSTEOPETROSIS] == "excluded"
    assert "text: 'anaemia' -> HP:0001903 Anemia (observed)" in err


# A line that starts with a heading after a line that would carry on into it starts an item of its own.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("anaemia\nosteopetrosis: no", {(ANAEMIA, False), (OSTEOPETROSIS, True)}),
        ("Anaemia\nsplenomegaly: no", {(ANAEMIA, False), (SPLEEN, True)}),
        ("big spleen\nanaemia: no", {(SPLEEN, False), (ANAEMIA, True)}),
        ("- anaemia\nosteopetrosis: no", {(ANAEMIA, False), (OSTEOPETROSIS, True)}),
        ("anaemia\nosteopetrosis - nil", {(ANAEMIA, False), (OSTEOPETROSIS, True)}),
        ("anaemia\nsplenomegaly: not seen", {(ANAEMIA, False), (SPLEEN, True)}),
        ("anaemia\nosteopetrosis: no.", {(ANAEMIA, False), (OSTEOPETROSIS, True)}),
        (
            "anaemia and big spleen\nosteopetrosis: no",
            {(ANAEMIA, False), (SPLEEN, False), (OSTEOPETROSIS, True)},
        ),
        # Values that are no absence negated the line before too ("anaemia vision normal").
        ("anaemia\nvision: normal", {(ANAEMIA, False), (VISION, True)}),
        ("anaemia\nvision: OK", {(ANAEMIA, False), (VISION, True)}),
        # So did a heading that names nothing ("anaemia history: no").
        ("anaemia\nhistory: no", {(ANAEMIA, False)}),
        ("anaemia\nexamination: normal", {(ANAEMIA, False)}),
        # A heading of several findings is read as such on its own line, as "Anaemia and splenomegaly: no" is.
        (
            "anaemia\nosteopetrosis and splenomegaly: no",
            {(ANAEMIA, False), (OSTEOPETROSIS, True), (SPLEEN, True)},
        ),
        # The next line in lower case: the heading is a single finding on its own line, as in "Splenomegaly: no"
        # then "anaemia" (it was held back as "anaemia osteopetrosis", not a single finding).
        (
            "anaemia\nosteopetrosis: no\nbig spleen",
            {(ANAEMIA, False), (OSTEOPETROSIS, True), (SPLEEN, False)},
        ),
        (
            "anaemia\nthrombocytopenia: no\nbig spleen",
            {(ANAEMIA, False), (PLATELETS, True), (SPLEEN, False)},
        ),
    ],
)
def test_a_heading_line_is_not_read_with_the_line_before(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    parsed = parser.parse(text)
    assert found(parser, text) == expected
    assert (parsed.unmatched, parsed.uncertain, parsed.notes) == ((), (), ())


def test_after_another_heading_s_value_the_heading_is_its_own_phrase(parser: TextParser) -> None:
    parsed = parser.parse("Anaemia: yes\nsplenomegaly: no")
    assert [(m.phrase, m.excluded) for m in parsed.mappings] == [("anaemia", False), ("splenomegaly", True)]


def test_a_value_with_more_words_holds_back_only_its_own_heading(parser: TextParser) -> None:
    parsed = parser.parse("anaemia\nosteopetrosis: no big spleen")
    assert found(parser, "anaemia\nosteopetrosis: no big spleen") == {(ANAEMIA, False)}
    assert parsed.uncertain == ("osteopetrosis", "no big spleen")  # was ("anaemia osteopetrosis", ...)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A finding's name that wraps: the heading is the name across the line break, as before.
        ("big\nspleen: no", {(SPLEEN, True)}),
        ("enlarged\nspleen: no", {(SPLEEN, True)}),
        ("low\nplatelets: no", {(PLATELETS, True)}),
        # A line that ends with a connector carries on, as before.
        ("anaemia and\nosteopetrosis: no", {(ANAEMIA, True), (OSTEOPETROSIS, True)}),
        ("anaemia,\nosteopetrosis: no", {(ANAEMIA, False), (OSTEOPETROSIS, True)}),
    ],
)
def test_a_line_that_wraps_into_a_heading_still_does(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


def test_the_real_release_reads_a_wrapped_finding_as_before(real: TextParser) -> None:
    assert found(real, "recurrent\nfractures: no") == {(RECURRENT_FRACTURES, True)}
    assert found(real, "Patient had recurrent\nfractures: no") == {(RECURRENT_FRACTURES, True)}


def test_two_names_side_by_side_are_not_one_finding(parser: TextParser) -> None:
    # Read as one finding, "Anaemia osteopetrosis" / "no" excluded both, and "anaemia osteopetrosis: no" /
    # "big spleen" did too. Like "Anaemia and osteopetrosis", the line is two findings now.
    assert found(parser, "Anaemia osteopetrosis\nno") == {(ANAEMIA, False), (OSTEOPETROSIS, False)}
    parsed = parser.parse("anaemia osteopetrosis: no\nbig spleen")
    assert found(parser, "anaemia osteopetrosis: no\nbig spleen") == {(SPLEEN, False)}
    assert parsed.uncertain == ("anaemia osteopetrosis",)
    assert len(parsed.notes) == 1


# A heading that is only a negation cue negates the findings under it.


@pytest.mark.parametrize(
    "text",
    [
        # Each read anaemia and splenomegaly observed.
        "Negative for:\nanaemia\nsplenomegaly",
        "Negative for:\nAnaemia\nSplenomegaly",
        "Negative for:\n- anaemia\n- splenomegaly",
        "Negative for:\r\n- Anaemia\r\n- Splenomegaly\r\n",
        "  Negative for:\n   1. Anaemia\n   2. big spleen",
        "Negative:\n* anaemia\n* splenomegaly",
        "No:\nanaemia\nsplenomegaly",
        "Denies:\n- anaemia\n- splenomegaly",
        "Negative for: anaemia or splenomegaly",
        "No: anaemia or big spleen",
        "Negative for:\n- Anaemia\n- big spleen or splenomegaly",
    ],
)
def test_a_negation_heading_negates_its_list(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert found(parser, text) == {(ANAEMIA, True), (SPLEEN, True)}
    assert (parsed.unmatched, parsed.uncertain, parsed.notes) == ((), (), ())


@pytest.mark.parametrize(
    ("text", "expected", "uncertain"),
    [
        # A plain list of negatives that ends at the end of the text: every item is absent (stop 40; before, the
        # items after the first were held back by the "no X, Y" rule).
        ("Negative for: anaemia, big spleen", {(ANAEMIA, True), (SPLEEN, True)}, ()),
        (
            "Negative for:\n- Anaemia\n- big spleen and osteopetrosis",
            {(ANAEMIA, True), (SPLEEN, True), (OSTEOPETROSIS, True)},
            (),
        ),
        # The list ends at a blank line, at a line in another form, or at a line that is not a finding alone.
        ("Negative for:\n- Anaemia\n\nBig spleen", {(ANAEMIA, True), (SPLEEN, False)}, ()),
        ("Negative for:\n- Anaemia\nBig spleen", {(ANAEMIA, True), (SPLEEN, False)}, ()),
        ("Negative for:\nAnaemia\nHe has a big spleen", {(ANAEMIA, True), (SPLEEN, False)}, ()),
        # As before.
        ("Negative for:", set(), ()),
        ("Examination: anaemia", {(ANAEMIA, False)}, ()),
    ],
)
def test_a_negation_heading_s_scope_ends(
    parser: TextParser, text: str, expected: set[tuple[str, bool]], uncertain: tuple[str, ...]
) -> None:
    parsed = parser.parse(text)
    assert found(parser, text) == expected
    assert (parsed.unmatched, parsed.uncertain) == ((), uncertain)
