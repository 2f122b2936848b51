"""Faults of the plain-words reader found in 30 invented radiology reports, ophthalmology and audiology letters,
American discharge summaries and adult ADO2 and mimic letters (session 39, second round): a report's hedge
("findings suggestive of osteopetrosis", "appearances suspicious for ...", "findings concerning for ...") and
"osteopetrosis is not supported" read as observed; a negated "consistent with" ("no features consistent with
osteopetrosis", "not in keeping with osteopetrosis") read as observed, since "with" started a new clause; in
"hearing loss? Osteopetrosis." the words after the "?" read as observed; the section headings of a report and of
an American note ("Comparison:", "Technique:", "HPI:", "ROS:", "PE:") were listed as words not found. Each test of a
fix failed before it; the cases marked "as before" guard what the fix must not change."""

from __future__ import annotations

import pytest

from marbledx.findings import TextParser

from .text_parse import found

ANAEMIA, SPLEEN, OSTEOPETROSIS, BONE_DENSITY = "HP:0001903", "HP:0001744", "HP:0011002", "HP:0011001"


# -- 1. A report's hedge is a doubt ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Findings suggestive of osteopetrosis.",
        "Impression: suggestive of osteopetrosis.",
        "Appearances are suspicious for osteopetrosis.",
        "Findings concerning for osteopetrosis.",
        "Appearances worrisome for osteopetrosis.",
        "Sclerosis which may represent osteopetrosis.",
        "Osteopetrosis is not supported.",
        "Osteopetrosis not supported on this study.",
    ],
)
def test_a_hedge_of_a_report_holds_the_diagnosis_back(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert parsed.mappings == ()  # osteopetrosis was observed
    assert any("osteopetrosis" in words for words in parsed.uncertain)


def test_a_hedge_keeps_the_finding_before_it(parser: TextParser) -> None:
    parsed = parser.parse("Anaemia suspicious for osteopetrosis.")
    assert found(parser, "Anaemia suspicious for osteopetrosis.") == {(ANAEMIA, False)}
    assert parsed.uncertain == ("possible osteopetrosis",)


@pytest.mark.parametrize(
    "text",
    [
        "No features suggestive of osteopetrosis.",  # as before
        "Not suggestive of osteopetrosis.",
        "No findings to suggest osteopetrosis.",  # as before
    ],
)
def test_a_negated_hedge_still_excludes(parser: TextParser, text: str) -> None:
    assert found(parser, text) == {(OSTEOPETROSIS, True)}


# -- 2. "Consistent with" states the diagnosis, and a negation before it reaches it ----------------------------


@pytest.mark.parametrize(
    "text",
    [
        "No features consistent with osteopetrosis.",
        "Appearances are not consistent with osteopetrosis.",
        "Not in keeping with osteopetrosis.",
        "The findings are not compatible with osteopetrosis.",
    ],
)
def test_a_negated_consistent_with_excludes(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert {(m.hpo_id, m.excluded) for m in parsed.mappings} == {(OSTEOPETROSIS, True)}  # was observed
    assert parsed.unmatched == ()


@pytest.mark.parametrize(
    "text",
    [
        "Appearances are consistent with osteopetrosis.",
        "Findings consistent with osteopetrosis.",
        "Impression: in keeping with osteopetrosis.",
        "Anaemia, compatible with osteopetrosis.",
    ],
)
def test_consistent_with_states_the_diagnosis(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert (OSTEOPETROSIS, False) in found(parser, text)  # as before
    assert {excluded for _, excluded in found(parser, text)} == {False}
    assert parsed.unmatched == ()  # "appearances are consistent", "findings consistent" were not found


def test_incompatible_is_not_compatible(parser: TextParser) -> None:
    assert found(parser, "anaemia, incompatible with osteopetrosis") == {
        (ANAEMIA, False),
        (OSTEOPETROSIS, False),
    }


# -- 3. A "?" between two phrases doubts both ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Indication: 4 month old girl, anaemia? Osteopetrosis.",
        "Splenomegaly? osteopetrosis",
        "Anaemia? Osteopetrosis",
    ],
)
def test_a_question_mark_between_phrases_doubts_both(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert parsed.mappings == ()  # osteopetrosis was observed
    assert any("osteopetrosis" in words for words in parsed.uncertain)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Splenomegaly? No. Anaemia.", {(ANAEMIA, False)}),  # an answer: as before
        ("splenomegaly? no anaemia", {(ANAEMIA, True)}),  # as before
        ("Sex: F? anaemia", {(ANAEMIA, False)}),  # a sex heading's value: as before
        ("Sex: female? anaemia", {(ANAEMIA, False)}),
        ("?osteopetrosis. Anaemia", {(ANAEMIA, False)}),  # as before
        ("Anaemia?\nSplenomegaly", {(SPLEEN, False)}),  # another line: as before
    ],
)
def test_a_question_mark_answered_or_at_a_line_end_is_as_before(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


# -- 4. Section headings of a report and of an American note ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Comparison: none.\nTechnique:\nFindings: osteopetrosis.\nConclusion: anaemia.",
        "HPI: anaemia. ROS: splenomegaly. PMH: osteopetrosis. PE: splenomegaly.",
        "Chief complaint: anaemia. Hospital course: splenomegaly. Discharge summary: osteopetrosis.",
        "HEENT: anaemia. MSK: osteopetrosis. Neuro: splenomegaly. Ext: anaemia. Constitutional: anaemia.",
        "Electrophysiology report: anaemia. Audiology: anaemia. Ophthalmology: anaemia. General: anaemia.",
    ],
)
def test_the_headings_of_a_report_are_not_words_not_found(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert parsed.mappings
    assert parsed.unmatched == ()


# -- 5. A long phrase that repeats its words -------------------------------------------------------------------


def test_a_long_phrase_of_repeated_words_is_checked_once_per_word(
    parser: TextParser, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "Findings consistent with osteopetrosis" now reads as one phrase ("findings of osteopetrosis"), and a note
    # that repeats it had each word outside a match checked against each match: time in the square of its length
    # (3,000 repeats took 10 s). Counted, not timed: each distinct word against each distinct match, once.
    ontology = parser.ontology
    calls = 0
    index = ontology.index

    def counting(curie: str) -> int:
        nonlocal calls
        calls += 1
        return index(curie)

    monkeypatch.setattr(ontology, "index", counting)
    parsed = parser.parse("visual osteopetrosis " * 300)
    assert {(m.hpo_id, m.excluded) for m in parsed.mappings} == {(OSTEOPETROSIS, False)}
    assert calls < 2_000  # more than 90,000 before (300 words x 300 matches)
