"""Faults of the plain-words reader found in 25 invented clinic letters, ward-round notes and referrals (session
39): the reason after a negated decision ("HSCT not indicated due to X") read as excluded; the alternative after
"rather than" and a resemblance ("X-like changes") read as observed; "normal platelets 150 x10^9/L big spleen"
excluded the spleen; "Bloods: normal platelets" lost its pertinent negative; a referral's courtesy ("I would be
grateful if you could see ...") held its findings back as hypothetical; "seen by parents to have ..." was read as
a relative's; "?Gaucher" and the headings of a note ("Abdo:", "CNS:", "O/E:") were listed as words not found. Each
test of a fix failed before it; the cases marked "as before" guard what the fix must not change."""

from __future__ import annotations

import pytest

from marbledx.findings import TextParser

from .cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)
from .text_parse import found

ANAEMIA, SPLEEN, THROMBOCYTOPENIA, OSTEOPETROSIS = "HP:0001903", "HP:0001744", "HP:0001873", "HP:0011002"
VISION = "HP:0000505"
MONTHS = 365.25 / 12


# -- 1. The reason after a negated decision is stated, not negated ---------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "HSCT not indicated due to anaemia",  # anaemia excluded before
        "HSCT is not recommended because of splenomegaly",
        "no transplant because of splenomegaly",
        "Impression: HSCT not indicated given anaemia.",
        "BMT not suitable in view of the anaemia",
    ],
)
def test_the_reason_for_a_negated_decision_is_observed(parser: TextParser, text: str) -> None:
    assert {excluded for _, excluded in found(parser, text)} == {False}
    assert found(parser, text) & {(ANAEMIA, False), (SPLEEN, False)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no anaemia due to osteopetrosis", {(ANAEMIA, True), (OSTEOPETROSIS, True)}),  # as before: a finding
        ("HSCT not indicated as no anaemia", {(ANAEMIA, True)}),  # the reason's own negation
        ("HSCT would not be indicated due to anaemia", set()),  # as before: conditional, held back
    ],
)
def test_a_negated_finding_before_a_cause_is_as_before(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


# -- 2. "rather than" and a resemblance ------------------------------------------------------------------------


def test_the_alternative_after_rather_than_is_held_back(parser: TextParser) -> None:
    # Osteopetrosis was read as observed.
    parsed = parser.parse("Impression: anaemia rather than osteopetrosis or pancytopenia")
    assert {(m.hpo_id, m.excluded) for m in parsed.mappings} == {(ANAEMIA, False)}
    assert parsed.uncertain == ("osteopetrosis", "pancytopenia")
    assert any("rather than" in note for note in parsed.notes)


@pytest.mark.parametrize(
    "text",
    ["osteopetrosis-like changes", "looks like osteopetrosis", "anaemia-like picture", "splenomegaly like"],
)
def test_a_resemblance_is_not_the_finding(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert parsed.mappings == ()  # read as observed before
    assert parsed.uncertain == (text.lower(),)
    assert parsed.unmatched == ()


# -- 3. A negated lab value with words after it and no comma ---------------------------------------------------


def test_words_after_a_negated_lab_value_are_held_back(parser: TextParser) -> None:
    # The whole phrase was negated: "platelets big spleen" excluded the spleen (the real release: Increased mean
    # platelet volume). The cue is said of the name; whether it reaches the spleen is not settled.
    parsed = parser.parse("normal platelets 150 x10^9/L big spleen", labs=True, age_days=8 * MONTHS)
    assert {(m.hpo_id, m.excluded) for m in parsed.mappings if m.lab is None} == {(THROMBOCYTOPENIA, True)}
    assert parsed.uncertain == ("big spleen",)
    assert any("write ';' after the value" in note for note in parsed.notes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("platelets 45 x10^9/L big spleen absent", {(SPLEEN, True)}),  # a cue after the words is theirs
        ("platelets 45 x10^9/L big spleen", {(SPLEEN, False)}),  # as before
        (
            "normal platelets 150 x10^9/L; big spleen",
            {(THROMBOCYTOPENIA, True), (SPLEEN, False)},
        ),  # as before
        ("normal platelets 150 x10^9/L big spleen absent", set()),  # cues on both sides: neither read
    ],
)
def test_a_lab_value_with_words_after_it(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    parsed = parser.parse(text, labs=True, age_days=8 * MONTHS)
    assert {(m.hpo_id, m.excluded) for m in parsed.mappings if m.lab is None} == expected


# -- 4. "Heading: normal X" ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bloods: normal platelets", {(THROMBOCYTOPENIA, True)}),  # nothing was read ("bloods" not found)
        ("Eyes: normal vision", {(VISION, True)}),
        ("Exam: normal vision; big spleen", {(VISION, True), (SPLEEN, False)}),
        ("Bloods: platelets normal", {(THROMBOCYTOPENIA, True)}),
        ("Vision: normal", {(VISION, True)}),  # as before
        ("Splenomegaly: absent", {(SPLEEN, True)}),  # as before
    ],
)
def test_a_negated_finding_under_a_heading_is_read(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    parsed = parser.parse(text)
    assert found(parser, text) == expected
    assert parsed.unmatched == ()


# -- 5. Headings of a note, courtesy and the parents as witnesses ----------------------------------------------


def test_the_headings_of_a_note_are_silent(parser: TextParser) -> None:
    text = (
        "O/E: anaemia\nAbdo: big spleen\nCNS: normal\nBloods: Hb 7.2 g/dL\nImaging: osteopetrosis\n"
        "X-ray: osteopetrosis\nSkeletal survey: osteopetrosis\nEyes: normal vision\nDx: osteopetrosis"
    )
    parsed = parser.parse(text, labs=True, age_days=8 * MONTHS)
    assert parsed.unmatched == ()  # "o/e", "abdo", "cns", "bloods", "imaging", "x-ray", ... were not found
    assert {(m.hpo_id, m.excluded) for m in parsed.mappings} == {
        (ANAEMIA, False),
        (SPLEEN, False),
        (OSTEOPETROSIS, False),
        (VISION, True),
    }


@pytest.mark.parametrize(
    "text",
    [
        "I would be grateful if you could see this 3 month old girl whose anaemia is marked.",
        "I'd be very grateful if you would kindly review this boy with anaemia.",
        "Would you kindly see this boy with anaemia?",  # the request's question mark is no doubt
        "We would appreciate your opinion on this girl with anaemia.",
    ],
)
def test_the_courtesy_of_a_referral_is_no_conditional(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert {(m.hpo_id, m.excluded) for m in parsed.mappings} == {(ANAEMIA, False)}  # held back before
    assert parsed.uncertain == ()


def test_a_real_conditional_is_still_held_back(parser: TextParser) -> None:
    # As before.
    assert found(parser, "If untreated, anaemia would develop") == set()


@pytest.mark.parametrize(
    "text",
    [
        "Seen by parents to have a big spleen.",  # about a relative before
        "Noticed by mum to have anaemia from 3 months.",
        "anaemia, first noticed by the parents at 3 months",
        "big spleen reported by father",  # as before
    ],
)
def test_a_parent_who_saw_the_finding_is_no_subject(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert parsed.about_relatives == ()
    assert found(parser, text) & {(SPLEEN, False), (ANAEMIA, False)}


def test_a_relatives_own_finding_is_as_before(parser: TextParser) -> None:
    parsed = parser.parse("Brother was seen by parents to have anaemia")
    assert parsed.mappings == ()
    assert len(parsed.about_relatives) == 1


# -- 6. A doubted diagnosis that no phenotype names -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("?Gaucher", "possible gaucher"),
        ("Impression: ?Gaucher disease type 1", "possible gaucher disease type 1"),
        ("r/o Niemann-Pick", "r/o niemann-pick"),
        ("osteopetrosis vs Gaucher", "gaucher"),
    ],
)
def test_a_doubted_diagnosis_is_shown_as_uncertain(parser: TextParser, text: str, shown: str) -> None:
    parsed = parser.parse(text)
    assert shown in parsed.uncertain  # listed as words not found before
    assert parsed.unmatched == ()
    assert parsed.mappings == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bloods: normal platelets\n?Gaucher", {(THROMBOCYTOPENIA, True)}),  # both held back before
        ("Anaemia\n?osteopetrosis", {(ANAEMIA, False)}),
        ("big spleen\n? cause", {(SPLEEN, False)}),
    ],
)
def test_a_line_that_starts_with_a_question_mark_is_its_own_item(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    parsed = parser.parse(text)
    assert found(parser, text) == expected
    assert len(parsed.uncertain) == 1


@pytest.mark.parametrize(
    "text",
    [
        "anaemia absent?",
        "Vision normal?",
        "anaemia present?",
        "splenomegaly confirmed?",
        "anaemia absent unlikely",
    ],
)
def test_a_doubt_after_a_cue_holds_the_finding_back(parser: TextParser, text: str) -> None:
    # "Anaemia absent?" excluded the anaemia and "anaemia present?" read it as observed: the "?" after the cue was
    # left as the cue's tail.
    parsed = parser.parse(text)
    assert parsed.mappings == ()
    assert len(parsed.uncertain) == 1


def test_a_cue_with_words_of_where_after_it_is_as_before(parser: TextParser) -> None:
    assert found(parser, "anaemia absent on examination") == {(ANAEMIA, True)}


# -- 7. A grading adverb before the direction word ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("spleen moderately enlarged", {(SPLEEN, False)}),  # not found before
        ("spleen markedly enlarged, anaemia", {(SPLEEN, False), (ANAEMIA, False)}),
        ("no spleen moderately enlarged", {(SPLEEN, True)}),
        ("mildly enlarged spleen", {(SPLEEN, False)}),  # as before
    ],
)
def test_a_grading_adverb_inside_a_phrase(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


# -- 8. On the command line ------------------------------------------------------------------------------------


def test_a_ward_round_note_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    note = (
        "Ward round\n- 10/12 F, osteopetrosis\nO/E: anaemia, spleen moderately enlarged.\n"
        "Bloods: normal platelets\n?Gaucher - unlikely\nImpression: HSCT not indicated due to anaemia."
    )
    code, _, err = run_cli(capsys, "rank", "--text", note, "--age", "P10M", "--top", "1", "--format", "json")
    assert code == 0, err
    assert "'anaemia' -> HP:0001903 Anemia (observed)" in err
    assert "HP:0001744 Splenomegaly (observed)" in err
    assert "HP:0001873 Thrombocytopenia (excluded)" in err
    assert "(excluded)" not in err.replace("Thrombocytopenia (excluded)", "")
    for heading in ("o/e", "bloods", "gaucher"):
        assert f"no HPO term found for '{heading}'" not in err
