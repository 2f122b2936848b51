"""Plain words to HPO terms on the tiny fixture release."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marbledx.cli import main
from marbledx.errors import InputError
from marbledx.findings import TextParser
from marbledx.ontology import Hpo

from ..conftest import MINI_RELEASE
from .text_parse import found


def test_labels_synonyms_british_spelling_and_lay_adjectives(parser: TextParser) -> None:
    assert found(parser, "anaemia, big spleen and osteopetrosis") == {
        ("HP:0001903", False),
        ("HP:0001744", False),
        ("HP:0011002", False),
    }
    assert found(parser, "Marble bone disease") == {("HP:0011002", False)}


def test_plurals(parser: TextParser) -> None:
    assert found(parser, "low platelet counts") == {("HP:0001873", False)}


@pytest.mark.parametrize(
    "text",
    [
        "no thrombocytopenia",
        "without thrombocytopenia",
        "negative for thrombocytopenia",
        "thrombocytopenia absent",
        "normal platelet count",
    ],
)
def test_negations_become_excluded_findings(parser: TextParser, text: str) -> None:
    mappings = parser.parse(text).mappings
    assert {m.excluded for m in mappings} == {True}


def test_negation_covers_a_list_and_stops_at_a_new_clause(parser: TextParser) -> None:
    read = found(parser, "no anaemia, thrombocytopenia or splenomegaly but osteopetrosis")
    assert read == {("HP:0001903", True), ("HP:0001873", True), ("HP:0001744", True), ("HP:0011002", False)}
    assert found(parser, "osteopetrosis with anaemia and no splenomegaly") == {
        ("HP:0011002", False),
        ("HP:0001903", False),
        ("HP:0001744", True),
    }


def test_age_and_sex_are_read(parser: TextParser) -> None:
    parsed = parser.parse("8-month-old girl with anaemia")
    assert parsed.age_days == pytest.approx(8 * 365.25 / 12)
    assert parsed.sex == "female"
    assert parser.parse("boy aged 3 years").age_days == pytest.approx(3 * 365.25)


def test_unmatched_phrases_are_reported(parser: TextParser) -> None:
    parsed = parser.parse("anaemia and purple elbows")
    assert parsed.unmatched == ("purple elbows",)


def test_empty_text_is_an_error(parser: TextParser) -> None:
    with pytest.raises(InputError, match="--text is empty"):
        parser.parse("   ")


def test_cli_shows_the_mapping(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    assert main(["rank", "--text", "4-month-old with anaemia, big spleen and no thrombocytopenia"]) == 0
    out = capsys.readouterr().out
    assert "text: 'big spleen' -> HP:0001744 Splenomegaly (observed)" in out
    assert "text: 'thrombocytopenia' -> HP:0001873 Thrombocytopenia (excluded)" in out
    assert main(["rank", "--text", "anaemia", "--format", "jsonl"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["diagnoses"]
    assert "text: 'anaemia' -> HP:0001903" in captured.err


def test_negation_scope_does_not_depend_on_repeated_phrases(parser: TextParser) -> None:
    # "anaemia" occurs twice; the second occurrence follows "and" after a negated list and is observed. The
    # term is then read both ways, and held back with a note that says so: the first excluded, the second not.
    parsed = parser.parse("no anaemia or splenomegaly. osteopetrosis and anaemia")
    assert [(m.hpo_id, m.excluded) for m in parsed.mappings] == [("HP:0001744", True), ("HP:0011002", False)]
    assert parsed.notes == (
        "'anaemia' read Anemia both as present and as absent (two visits, or a past and a present?); "
        "not read: say which holds now",
    )


def test_newborn_gives_the_age_unless_a_number_does(parser: TextParser) -> None:
    assert parser.parse("newborn with anaemia").age_days == 0.0
    assert parser.parse("neonate with anaemia").unmatched == ()
    assert parser.parse("3-week-old newborn with anaemia").age_days == pytest.approx(21.0)
    assert parser.parse("anaemia after normal newborn screening").age_days is None


def test_cli_names_the_words_it_could_not_read(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    assert main(["rank", "--text", "2-year-old with purple elbows"]) == 2
    err = capsys.readouterr().err
    assert "no HPO term found for 'purple elbows'" in err
    assert "Traceback" not in err
    # An excluded finding alone is not enough either, and the message still names the unread words.
    assert main(["rank", "--text", "no anaemia, purple elbows"]) == 2
    assert "'purple elbows'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("normal platelets", {("HP:0001873", True)}),
        ("haemoglobin normal", {("HP:0001903", True)}),
        # Without a negation the bare noun says nothing of the direction.
        ("raised platelets", set()),
        ("high haemoglobin", set()),
        ("platelets", set()),
    ],
)
def test_bare_nouns_of_the_lexicon_are_read_only_when_negated(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


def test_a_direction_word_left_out_of_every_match_voids_the_phrase(mini_hpo: Hpo, tmp_path: Path) -> None:
    # A lexicon that reads the bare noun anywhere, as marbledx's own did: "high platelets" must still not
    # become thrombocytopenia, because "high" would be ignored.
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text("phrases:\n  - hpo_id: HP:0001873\n    phrases: [platelets]\n", encoding="utf-8")
    parser = TextParser(mini_hpo.ontology, lexicon)
    parsed = parser.parse("anaemia, high platelets")
    assert [m.hpo_id for m in parsed.mappings] == ["HP:0001903"]
    assert parsed.unmatched == ("high platelets",)
    assert found(parser, "platelets") == {("HP:0001873", False)}


def test_measurement_words_are_optional_next_to_a_direction(parser: TextParser) -> None:
    # "Low platelet count" is also found without "count", and with other measurement words around it.
    assert found(parser, "reduced platelet levels") == {("HP:0001873", False)}
    assert found(parser, "decreased serum platelet") == {("HP:0001873", False)}


def test_a_long_run_of_words_is_looked_up_in_spans_no_longer_than_a_key(
    parser: TextParser, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every span of a phrase used to be looked up, so a 7 kB run of words took 20 s and 120 kB never ended.
    # Spans longer than the longest key (plus the measurement words a measured key leaves out) name no term.
    lookups = 0
    lookup = parser._lookup

    def counting(span: tuple[str, ...], **kwargs: bool) -> tuple[str, ...] | None:
        nonlocal lookups
        lookups += 1
        return lookup(span, **kwargs)

    monkeypatch.setattr(parser, "_lookup", counting)
    words = 400
    assert found(parser, "purple " * words + "anaemia") == {("HP:0001903", False)}
    longest = parser._longest_key
    assert 0 < longest < 40
    assert lookups <= (words + 1) * longest
    # Measurement words around a measured key still find it.
    assert found(parser, "decreased serum blood level count platelet") == {("HP:0001873", False)}


def test_a_leading_direction_word_is_shared_across_a_list(parser: TextParser) -> None:
    parsed = parser.parse("low haemoglobin and platelet count")
    assert [(m.phrase, m.hpo_id) for m in parsed.mappings] == [
        ("low haemoglobin", "HP:0001903"),
        ("low platelet count", "HP:0001873"),
    ]
    # "enlarged" is not shared with an attribute, and an absence cue on "platelet count" (a count of zero, or a
    # test not done) is not read either way: the count is held back (lexicon.yaml, `attribute`).
    parsed = parser.parse("no enlarged spleen or platelet count")
    assert {(m.hpo_id, m.excluded) for m in parsed.mappings} == {("HP:0001744", True)}
    assert parsed.uncertain == ("platelet count",)
    assert found(parser, "no enlarged spleen or low platelet count") == {
        ("HP:0001744", True),
        ("HP:0001873", True),
    }
    # A phrase read on its own ends the sharing, and so does a new clause.
    assert parser.parse("low haemoglobin, osteopetrosis and platelet count").unmatched == ("platelet count",)
    assert parser.parse("low haemoglobin with platelet count").unmatched == ("platelet count",)


@pytest.mark.parametrize(
    "text",
    [
        "never had anaemia",
        "did not have anaemia",
        "has never had anaemia",
        "there was no anaemia",
        "anaemia was not seen",
        "anaemia not found",
        "thrombocytopenia, anaemia not reported",
    ],
)
def test_negations_inside_a_sentence(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert ("HP:0001903", True) in found(parser, text)
    assert ("HP:0001903", False) not in found(parser, text)
    assert parsed.unmatched == ()


def test_a_relatives_findings_are_not_the_patients(parser: TextParser) -> None:
    parsed = parser.parse("anaemia, father has thrombocytopenia and splenomegaly, osteopetrosis")
    assert found(parser, "anaemia, father has thrombocytopenia and splenomegaly, osteopetrosis") == {
        ("HP:0001903", False),
        ("HP:0011002", False),
    }
    assert parsed.about_relatives == ("father has thrombocytopenia and splenomegaly",)
    parsed = parser.parse("4-month-old with anaemia; mother had thrombocytopenia")
    assert [m.hpo_id for m in parsed.mappings] == ["HP:0001903"]
    assert parsed.about_relatives == ("mother had thrombocytopenia",)
    # Words before the relative that name no finding belong to the mention.
    parsed = parser.parse("born to consanguineous parents, with anaemia")
    assert (parsed.unmatched, parsed.about_relatives) == ((), ("born to consanguineous parents",))
    # A relative's word says nothing of the patient's sex.
    assert parser.parse("mother has anaemia, splenomegaly").sex is None
    assert parser.parse("girl with splenomegaly whose brother had anaemia").sex == "female"


def test_cli_says_which_words_are_about_a_relative(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    assert main(["rank", "--text", "splenomegaly; sister has anaemia"]) == 0
    out = capsys.readouterr().out
    assert "text: 'sister has anaemia' is about a relative, not read as the patient's findings" in out
    assert "HP:0001903 Anemia (observed)" not in out


@pytest.mark.parametrize(
    "text",
    [
        "rule out osteopetrosis",
        "r/o osteopetrosis",
        "possible osteopetrosis",
        "suspected osteopetrosis",
        "? osteopetrosis",
        "osteopetrosis?",
        "query osteopetrosis",
        "evaluate for osteopetrosis",
        "at risk of osteopetrosis",
        "osteopetrosis unlikely",
        "osteopetrosis not ruled out",
    ],
)
def test_uncertain_and_hypothetical_findings_are_not_read(parser: TextParser, text: str) -> None:
    parsed = parser.parse(f"anaemia. {text}")
    assert [(m.hpo_id, m.excluded) for m in parsed.mappings] == [("HP:0001903", False)]
    assert len(parsed.uncertain) == 1
    assert "osteopetrosis" in parsed.uncertain[0]


def test_uncertainty_covers_a_list_and_stops_at_a_new_clause(parser: TextParser) -> None:
    parsed = parser.parse(
        "possible splenomegaly or osteopetrosis with anaemia; splenomegaly? no thrombocytopenia"
    )
    assert [(m.hpo_id, m.excluded) for m in parsed.mappings] == [("HP:0001903", False), ("HP:0001873", True)]
    assert parsed.uncertain == ("possible splenomegaly", "osteopetrosis", "splenomegaly possible")
    # "ruled out" is a negation, not an uncertainty.
    assert found(parser, "anaemia, osteopetrosis was ruled out") == {
        ("HP:0001903", False),
        ("HP:0011002", True),
    }


def test_cli_names_uncertain_words_and_needs_one_certain_finding(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    assert main(["rank", "--text", "anaemia and possible splenomegaly"]) == 0
    assert (
        "text: 'possible splenomegaly' is uncertain, hypothetical or ambiguous, not read"
        in capsys.readouterr().out
    )
    assert main(["rank", "--text", "rule out osteopetrosis"]) == 2
    assert "uncertain, hypothetical or ambiguous: 'rule out osteopetrosis'" in capsys.readouterr().err


def test_a_case_report_sentence(parser: TextParser) -> None:
    parsed = parser.parse(
        "A 4-month-old boy born to first-cousin parents presented with splenomegaly. "
        "Laboratory tests showed anaemia (Hb 7.2 g/dL) and thrombocytopenia."
    )
    # "presented" starts the patient's clause after the parents; a decimal point does not end a sentence,
    # and a parenthesis ends a phrase.
    assert [m.hpo_id for m in parsed.mappings] == ["HP:0001744", "HP:0001903", "HP:0001873"]
    assert "hb 7.2 g/dl" in parsed.unmatched
    assert parsed.about_relatives == ("a boy born to first-cousin parents",)
    assert parsed.age_days == pytest.approx(4 * 365.25 / 12)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("anaemia and thrombocytopenia absent", {("HP:0001903", True), ("HP:0001873", True)}),
        (
            "osteopetrosis, anaemia and thrombocytopenia absent",
            {("HP:0011002", True), ("HP:0001903", True), ("HP:0001873", True)},
        ),
        # "with" starts a new clause, and a bare comma ends a list that no "and"/"or" joins.
        (
            "osteopetrosis with anaemia and thrombocytopenia absent",
            {("HP:0011002", False), ("HP:0001903", True), ("HP:0001873", True)},
        ),
        (
            "osteopetrosis, anaemia, thrombocytopenia absent",
            {("HP:0011002", False), ("HP:0001903", False), ("HP:0001873", True)},
        ),
    ],
)
def test_a_trailing_negation_covers_its_list(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


def test_a_trailing_uncertainty_covers_its_list(parser: TextParser) -> None:
    parsed = parser.parse("osteopetrosis. anaemia or thrombocytopenia suspected")
    assert [m.hpo_id for m in parsed.mappings] == ["HP:0011002"]
    assert len(parsed.uncertain) == 2


def test_the_cli_says_why_a_phrase_was_held_back(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A negation in a list that no 'or' closes: the later items are not guessed, and the reason is printed.
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    assert main(["rank", "--text", "infant with no fever, anaemia and osteopetrosis", "--top", "1"]) == 2
    err = capsys.readouterr().err
    assert "may or may not be negated" in err
    assert err.count("\n") == 1


MONTH = 365.25 / 12
YEAR = 365.25


@pytest.mark.parametrize(
    ("text", "days"),
    [
        # A bare age right after a word for the patient and a comma, or in brackets.
        ("Boy, 4 months, with anaemia", 4 * MONTH),
        ("Baby girl (6 weeks) with thrombocytopenia", 42.0),
        ("Woman, 30 years, anaemia", 30 * YEAR),
        ("Girl, 2 years 4 months, with anaemia", 2 * YEAR + 4 * MONTH),
        ("anaemia in a boy, 4 months", 4 * MONTH),
        # "aged N" with no unit is years; with a unit or as shorthand it reads as before.
        ("Girl aged 2 with osteopetrosis", 2 * YEAR),
        ("aged 14, anaemia", 14 * YEAR),
        ("aged 4/12 with anaemia", 4 * MONTH),
        ("aged 2 mo with anaemia", 2 * MONTH),
        # Not the patient's present age: a relative's, an onset, a duration, a bare age after no word for the
        # patient, one that does not end its phrase, and "aged" with a range, a fraction or hours.
        ("anaemia; her 4-month-old sister has splenomegaly", None),
        ("anaemia, mother, 30 years", None),
        ("anaemia, mother is a woman, 30 years", None),
        ("anaemia, mother aged 30", None),
        ("Boy, anaemia since 4 months", None),
        ("Girl, fractures at 6 years", None),
        ("Boy, anaemia for 4 months", None),
        ("Boy, 4 months of anaemia", None),
        ("Girl, 2 weeks with anaemia", None),
        ("anaemia, 4 months", None),
        ("Boy, 4 months after splenectomy, anaemia", None),
        ("girl aged 2-3 with anaemia", None),
        ("girl aged 2 1/2 with anaemia", None),
        ("baby aged 36 hours, anaemia", None),
    ],
)
def test_bare_ages_after_a_word_for_the_patient_and_after_aged(
    parser: TextParser, text: str, days: float | None
) -> None:
    age = parser.parse(text).age_days
    assert age == (pytest.approx(days) if days is not None else None)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        # A bone age or a gestational age is a measurement, not the patient's age: it neither gives the age
        # nor conflicts with the one the text gives.
        ("5-year-old boy with anaemia, bone age 2 years", 5 * YEAR),
        ("girl with osteopetrosis, bone age of 3 years", None),
        ("born at gestational age 32 weeks, anaemia", None),
        ("skeletal age 7 years, aged 9 years, anaemia", 9 * YEAR),
    ],
)
def test_a_bone_or_gestational_age_is_not_the_patients_age(
    parser: TextParser, text: str, days: float | None
) -> None:
    parsed = parser.parse(text)
    assert parsed.age_days == (pytest.approx(days) if days is not None else None)
    assert not any("age" in phrase for phrase in parsed.unmatched)


def test_a_bare_age_read_leaves_no_words_behind(parser: TextParser) -> None:
    parsed = parser.parse("Boy, 4 months, with anaemia")
    assert (parsed.unmatched, parsed.sex) == ((), "male")
    assert parser.parse("Girl aged 2 with osteopetrosis").unmatched == ()
    # A bare age after no word for the patient stays unread, and is reported as not found.
    assert parser.parse("anaemia, 4 months").unmatched == ("4 months",)


@pytest.mark.parametrize(
    "text",
    ["Boy, anaemia", "Male infant, 5 mo, anaemia", "Baby girl, anaemia", "female toddler with anaemia"],
)
def test_words_that_only_say_who_the_patient_is_are_not_unmatched(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert [m.hpo_id for m in parsed.mappings] == ["HP:0001903"]
    assert parsed.unmatched == ()


def test_words_for_the_patient_give_no_finding_to_a_list(parser: TextParser) -> None:
    # As for "infant", the list after the negation is ambiguous: "male infant" is no finding before it.
    for text in (
        "infant, no fever, anaemia and osteopetrosis",
        "male infant, no fever, anaemia and osteopetrosis",
    ):
        parsed = parser.parse(text)
        assert parsed.mappings == ()
        assert parsed.uncertain == ("anaemia", "osteopetrosis")


@pytest.mark.parametrize(
    "text",
    [
        "Age: 7 months. Findings: anaemia, splenomegaly",
        "On examination: anaemia, splenomegaly",
        "History: anaemia. Impression: splenomegaly",
        "Labs: anaemia. Investigations: splenomegaly",
        "Presentation: anaemia, splenomegaly",
        "Physical examination: anaemia, splenomegaly. Plan:",
    ],
)
def test_section_headings_are_not_unmatched(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert {m.hpo_id for m in parsed.mappings} == {"HP:0001903", "HP:0001744"}
    assert parsed.unmatched == ()
    # A heading with other words is still reported.
    assert parser.parse("Findings: anaemia. Plan: purple elbows").unmatched == ("plan purple elbows",)


def test_cli_reads_a_bare_age_and_skips_headings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    assert (
        main(["rank", "--text", "Male infant, 4 months, anaemia. Findings: splenomegaly", "--top", "1"]) == 0
    )
    out = capsys.readouterr().out
    assert "text: age 122 days" in out
    assert "no HPO term found" not in out
