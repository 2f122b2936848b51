"""Follow-ups of a walkthrough of docs/engine.md, "Plain words (`--text`)" (session 38): findings "to be
confirmed", a heading's "?" value, "Age: 7" before prose, consanguinity words reported as not found, list
numbering, and the Python API's message for a bad ``top``. Each test of a fix failed before it; the cases
marked "as before" guard what the fix must not change."""

from __future__ import annotations

import json
from typing import Any

import pytest

import marbledx
from marbledx.errors import InputError
from marbledx.findings import Case, Finding, TextParser
from marbledx.knowledge import load_knowledge_base
from marbledx.ontology import Hpo
from marbledx.ranking import Ranker

from .cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)
from .text_parse import assert_held_back, found

ANAEMIA, SPLEEN, THROMBOCYTOPENIA, OSTEOPETROSIS = "HP:0001903", "HP:0001744", "HP:0001873", "HP:0011002"
UNIT_NOTE = "an age without a unit may be years or months"


# -- 1. "to be confirmed" is a doubt ----------------------------------------------------------------------
# "anaemia to be confirmed" read as "anaemia to be" observed: "confirmed" was taken as a finding said to be
# present before the "to be confirmed" rule could see it.


@pytest.mark.parametrize(
    "text",
    [
        "anaemia to be confirmed",
        "Anaemia to be confirmed.",
        "anaemia, to be confirmed",  # the anaemia was observed and the cue dropped
        "anaemia yet to be confirmed",
        "anaemia still to be confirmed",
        "anaemia not yet confirmed",  # "not" made it ", no yet confirmed": anaemia observed, "yet" not found
        "anaemia not confirmed",
        "anaemia has not been confirmed",
        "anaemia awaiting confirmation",
        "anaemia pending confirmation",
        "anaemia unconfirmed",
        "anaemia to be confirmed by FBC",  # words after the cue
    ],
)
def test_a_finding_to_be_confirmed_is_held_back(parser: TextParser, text: str) -> None:
    assert_held_back(parser, text, "anaemia")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("anaemia confirmed", {(ANAEMIA, False)}),  # as before
        ("anaemia has been confirmed, splenomegaly", {(ANAEMIA, False), (SPLEEN, False)}),  # as before
        ("no thrombocytopenia, anaemia confirmed", {(THROMBOCYTOPENIA, True), (ANAEMIA, False)}),  # as before
        ("anaemia to be confirmed, splenomegaly", {(SPLEEN, False)}),  # the doubt reaches back only
        ("anaemia, to be confirmed, splenomegaly", {(SPLEEN, False)}),
        # A doubt closing a comma list may cover the whole list (NegEx scope): nothing is counted.
        ("splenomegaly, anaemia, to be confirmed", set()),
        ("splenomegaly and anaemia, to be confirmed", set()),  # a list joined by "and": both
        ("osteopetrosis unlikely, anaemia", {(ANAEMIA, False)}),  # the anaemia was held back too
        ("possible osteopetrosis, anaemia", set()),  # as before: a cue before its words covers its list
    ],
)
def test_what_a_doubt_after_the_words_covers(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Consanguinity yet to be confirmed. Anaemia",
        "Consanguinity awaiting confirmation. Anaemia",
        "Consanguinity still to be confirmed. Anaemia",
    ],
)
def test_consanguinity_yet_to_be_confirmed_is_not_stated(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert not parsed.consanguineous  # it was counted
    assert found(parser, text) == {(ANAEMIA, False)}


# -- 2. a heading's "?" value -------------------------------------------------------------------------------
# "Gender: ?" then "anaemia, big spleen" ran on as "? anaemia": both held back as uncertain, "gender" not found.


@pytest.mark.parametrize(
    "text",
    [
        "Gender: ?\nanaemia, big spleen",
        "Consanguinity: ?\nanaemia, big spleen",
        "Sex: ?\nanaemia, big spleen",
        "Gender:?\nanaemia, big spleen",
        "Sex - ?\nanaemia, big spleen",
        "Consanguinity - ?\nanaemia, big spleen",
        "Gender: ?\r\nanaemia, big spleen",
    ],
)
def test_a_question_mark_value_does_not_hedge_the_next_line(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert found(parser, text) == {(ANAEMIA, False), (SPLEEN, False)}
    assert parsed.uncertain == ()
    assert parsed.unmatched == ()
    assert parsed.about_relatives == ()
    assert parsed.sex is None
    assert not parsed.consanguineous  # "Consanguinity - ?" set it


def test_a_wrapped_doubt_still_runs_on(parser: TextParser) -> None:
    # As before: a "?" that is no heading's value may be "? splenomegaly" wrapped at its space.
    assert found(parser, "anaemia, ?\nsplenomegaly") == {(ANAEMIA, False)}


@pytest.mark.parametrize(
    "text",
    ["Splenomegaly: ?", "Splenomegaly: ?\nanaemia", "Splenomegaly - ?, anaemia", "Splenomegaly = ?; Anaemia"],
)
def test_a_question_mark_value_is_a_doubt_about_its_heading(parser: TextParser, text: str) -> None:
    # "Splenomegaly: ?" read the spleen as observed: the "?" ended the sentence.
    parsed = parser.parse(text)
    assert (SPLEEN, False) not in found(parser, text)
    assert any("splenomegaly" in words for words in parsed.uncertain)
    assert found(parser, text) <= {(ANAEMIA, False)}


def test_a_question_mark_value_of_a_sex_heading_cli(capsys: pytest.CaptureFixture[str]) -> None:
    # The walkthrough's command: it stopped with status 2 ("no observed finding was recognised").
    code, out, err = run_cli(capsys, "rank", "--text", "Gender: ?\nanaemia, big spleen", "--format", "json")
    assert code == 0, err
    (case,) = json.loads(out)
    evidence = {(e["hpo_id"], e["status"]) for e in case["diagnoses"][0]["evidence"]}
    assert {(ANAEMIA, "observed"), (SPLEEN, "observed")} <= evidence
    assert "gender" not in err


# -- 3. "Age: 7" before prose, consanguinity words, list numbers ---------------------------------------------


@pytest.mark.parametrize(
    "text", ["Age: 7 anaemia", "Age: 7\nanaemia", "Age 7 anaemia", "Age: 7 Sex: F anaemia", "Age: 7, anaemia"]
)
def test_an_age_without_a_unit_before_prose_keeps_its_note(parser: TextParser, text: str) -> None:
    # "Age: 7 anaemia" read "7 anaemia" as the finding, "age" as a word not found, and gave no note.
    parsed = parser.parse(text)
    assert found(parser, text) == {(ANAEMIA, False)}
    assert parsed.unmatched == ()
    assert parsed.age_days is None
    assert any(UNIT_NOTE in note for note in parsed.notes)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Age: 7 years anaemia", 7 * 365.25),  # as before
        ("Age 7 mo anaemia", 7 * 365.25 / 12),  # as before
        ("Age: 7\nmonths, anaemia", 7 * 365.25 / 12),  # as before: the unit wrapped
    ],
)
def test_an_age_with_its_unit_before_prose_is_read(parser: TextParser, text: str, days: float) -> None:
    parsed = parser.parse(text)
    assert parsed.age_days == pytest.approx(days)
    assert found(parser, text) == {(ANAEMIA, False)}


def test_a_word_that_may_be_a_unit_is_not_taken_for_prose(parser: TextParser) -> None:
    # As before: "mths" may be months; no note says the unit is missing.
    parsed = parser.parse("Age 7 mths, anaemia")
    assert parsed.age_days is None
    assert not any(UNIT_NOTE in note for note in parsed.notes)


@pytest.mark.parametrize(
    ("text", "shown", "stated"),
    [
        ("consanguineous union, anaemia", "consanguineous union", True),
        ("consanguinity confirmed, anaemia", "consanguinity confirmed", True),
        ("consanguineous marriage. Anaemia", "consanguineous marriage", True),
        ("consanguinity, anaemia", "consanguinity", True),
        ("no consanguinity; anaemia", "no consanguinity", False),
        ("possible consanguinity; anaemia", "possible consanguinity", False),
    ],
)
def test_consanguinity_words_are_shown_as_read(
    parser: TextParser, text: str, shown: str, stated: bool
) -> None:
    # They were reported as words not found ("no HPO term found for 'consanguineous union'").
    parsed = parser.parse(text)
    assert parsed.unmatched == ()
    assert shown in parsed.about_relatives
    assert parsed.consanguineous is stated
    assert found(parser, text) == {(ANAEMIA, False)}


@pytest.mark.parametrize(
    "text",
    [
        "1. splenomegaly",
        "1. splenomegaly\n2. anaemia",
        "Findings:\n  1) splenomegaly\n  2) anaemia",
        "10. splenomegaly\n11. anaemia",
    ],
)
def test_list_numbers_are_not_words(parser: TextParser, text: str) -> None:
    # "1" was reported as a word not found.
    parsed = parser.parse(text)
    assert parsed.unmatched == ()
    assert {term for term, _ in found(parser, text)} <= {SPLEEN, ANAEMIA}
    assert (SPLEEN, False) in found(parser, text)


def test_numbered_items_stay_items(parser: TextParser) -> None:
    # As before: each numbered line is a sentence of its own, and a negation heading's list is still read.
    assert found(parser, "1. no thrombocytopenia\n2. splenomegaly") == {
        (THROMBOCYTOPENIA, True),
        (SPLEEN, False),
    }
    assert found(parser, "Negative for:\n1. anaemia\n2. thrombocytopenia\nSplenomegaly") == {
        (ANAEMIA, True),
        (THROMBOCYTOPENIA, True),
        (SPLEEN, False),
    }


# -- 4. the Python API names its parameter -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("top", "message"),
    [
        (0, "top must be at least 1, got 0"),
        (-3, "top must be at least 1, got -3"),
        (True, "top must be at least 1, got True"),
        (2.5, "top must be a whole number of at least 1, got 2.5"),
    ],
)
def test_the_api_names_top_not_the_flag(mini_hpo: Hpo, top: Any, message: str) -> None:
    case = Case("c", "(api)", (Finding(OSTEOPETROSIS),))
    with pytest.raises(InputError) as info:
        marbledx.rank(case, hpo=mini_hpo, top=top)
    assert str(info.value) == message


def test_the_ranker_names_top_not_the_flag(mini_hpo: Hpo) -> None:
    ranker = Ranker(mini_hpo, load_knowledge_base())
    case = Case("c", "(api)", (Finding(OSTEOPETROSIS),))
    with pytest.raises(InputError) as ranked:
        ranker.rank(case, top=0)
    analysis = ranker.analyse(case)
    with pytest.raises(InputError) as reported:
        ranker.report(analysis, top=0)
    assert str(ranked.value) == str(reported.value) == "top must be at least 1, got 0"


def test_the_cli_still_names_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "rank", "--hpo", OSTEOPETROSIS, "--top", "0")
    assert code != 0
    assert "--top must be at least 1, got 0" in err
