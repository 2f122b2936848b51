"""Scope of the plain-words cues (review 24): exceptions, colons, shorthand negations, list scope,
relatives, uncertain and hypothetical wording, misread words, age and sex."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from marbledx.findings import TextParser, _text
from marbledx.ontology import Hpo

from .text_parse import found

ANAEMIA, SPLEEN, PLATELETS, OSTEOPETROSIS, VISION = (
    "HP:0001903",
    "HP:0001744",
    "HP:0001873",
    "HP:0011002",
    "HP:0000505",
)


@pytest.mark.parametrize(
    "text",
    [
        "Normal examination apart from splenomegaly",
        "unremarkable except splenomegaly",
        "normal except for splenomegaly",
        "no abnormality apart from splenomegaly",
        "no other findings than splenomegaly",
        "normal blood count besides splenomegaly",
    ],
)
def test_the_finding_after_an_exception_is_observed(parser: TextParser, text: str) -> None:
    assert (SPLEEN, False) in found(parser, text)
    assert (SPLEEN, True) not in found(parser, text)


def test_a_negation_qualified_by_an_exception_is_held_back(parser: TextParser) -> None:
    parsed = parser.parse("anaemia, no thrombocytopenia other than a mild thrombocytopenia")
    assert (PLATELETS, True) not in found(parser, "no thrombocytopenia other than a mild thrombocytopenia")
    assert "no thrombocytopenia" in parsed.uncertain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Anaemia. Splenomegaly: absent.", {(ANAEMIA, False), (SPLEEN, True)}),
        ("Anaemia. Splenomegaly: no.", {(ANAEMIA, False), (SPLEEN, True)}),
        ("Anaemia. Splenomegaly: none", {(ANAEMIA, False), (SPLEEN, True)}),
        ("Anaemia. Splenomegaly - none", {(ANAEMIA, False), (SPLEEN, True)}),
        (
            "Anaemia; splenomegaly: negative; thrombocytopenia: 0",
            {(ANAEMIA, False), (SPLEEN, True), (PLATELETS, True)},
        ),
        ("Anaemia: yes. Splenomegaly: no.", {(ANAEMIA, False), (SPLEEN, True)}),
        # A colon ends a clause: the "normal" of hearing does not reach vision.
        ("Platelets: normal, vision: reduced", {(PLATELETS, True), (VISION, False)}),
    ],
)
def test_a_heading_and_its_value(parser: TextParser, text: str, expected: set[tuple[str, bool]]) -> None:
    assert found(parser, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "osteopetrosis. He doesn't have anaemia",
        "osteopetrosis. didn't have anaemia",
        "osteopetrosis. hasn't had any anaemia",
        "osteopetrosis, anaemia (-)",
        "osteopetrosis, anaemia neg",
        "osteopetrosis, neg for anaemia",
        "osteopetrosis, w/o anaemia",
        "osteopetrosis, nil anaemia",
        "osteopetrosis, anaemia nil",
        "osteopetrosis, free from anaemia",
        "osteopetrosis, anaemia-free",
        "osteopetrosis, the absence of anaemia",
        "osteopetrosis, complete absence of anaemia",
        "osteopetrosis, zero anaemia",
        "osteopetrosis +, anaemia -",
        "osteopetrosis, neither anaemia nor splenomegaly",
    ],
)
def test_shorthand_and_contracted_negations(parser: TextParser, text: str) -> None:
    read = found(parser, text)
    assert (ANAEMIA, True) in read
    assert (ANAEMIA, False) not in read
    assert (OSTEOPETROSIS, False) in read


@pytest.mark.parametrize(
    "text",
    [
        "anaemia was absent on examination",
        "anaemia was not present at birth",
        "anaemia was ruled out by blood count",
        "anaemia not documented",
    ],
)
def test_a_post_negation_need_not_be_the_last_word(parser: TextParser, text: str) -> None:
    assert found(parser, f"osteopetrosis. {text}") == {(OSTEOPETROSIS, False), (ANAEMIA, True)}


@pytest.mark.parametrize(
    ("text", "expected", "held_back"),
    [
        # "or"/"nor"/"/" carry the negation; a list that no "or" closes is ambiguous and held back.
        ("no anaemia or splenomegaly", {(ANAEMIA, True), (SPLEEN, True)}, ()),
        ("no anaemia/splenomegaly", {(ANAEMIA, True), (SPLEEN, True)}, ()),
        (
            "no anaemia, thrombocytopenia or splenomegaly",
            {(ANAEMIA, True), (PLATELETS, True), (SPLEEN, True)},
            (),
        ),
        ("no anaemia and splenomegaly", {(ANAEMIA, True)}, ("splenomegaly",)),
        ("no anaemia & splenomegaly", {(ANAEMIA, True)}, ("splenomegaly",)),
        ("no anaemia, splenomegaly", {(ANAEMIA, True)}, ("splenomegaly",)),
        (
            "No anaemia, thrombocytopenia and splenomegaly",
            {(ANAEMIA, True)},
            ("thrombocytopenia", "splenomegaly"),
        ),
        (
            "no anaemia, splenomegaly 5 cm below costal margin",
            {(ANAEMIA, True)},
            ("splenomegaly 5 cm below costal margin",),
        ),
        # "present" ends the negation.
        ("no anaemia, thrombocytopenia present", {(ANAEMIA, True), (PLATELETS, False)}, ()),
        # A new clause ends it.
        ("no anaemia with splenomegaly", {(ANAEMIA, True), (SPLEEN, False)}, ()),
        # A negation in the middle of a list that has already given a finding marks its own item only.
        (
            "osteopetrosis, no anaemia, splenomegaly and thrombocytopenia",
            {(OSTEOPETROSIS, False), (ANAEMIA, True), (SPLEEN, False), (PLATELETS, False)},
            (),
        ),
        # ... but an "or" still carries it, and a subject word ("infant") is no finding before it.
        (
            "osteopetrosis, no anaemia, splenomegaly or thrombocytopenia",
            {(OSTEOPETROSIS, False), (ANAEMIA, True), (SPLEEN, True), (PLATELETS, True)},
            (),
        ),
        ("infant with no anaemia, splenomegaly", {(ANAEMIA, True)}, ("splenomegaly",)),
    ],
)
def test_negation_scope_is_the_same_for_every_list_connector(
    parser: TextParser, text: str, expected: set[tuple[str, bool]], held_back: tuple[str, ...]
) -> None:
    parsed = parser.parse(text)
    assert {(m.hpo_id, m.excluded) for m in parsed.mappings} == expected
    assert parsed.uncertain == held_back
    assert len(parsed.notes) == len(held_back)


@pytest.mark.parametrize(
    "text",
    [
        "osteopetrosis. Her older brother presented with anaemia and splenomegaly.",
        "osteopetrosis. The father was referred for anaemia",
        "osteopetrosis. An older sibling, who died at 2 years, had anaemia and splenomegaly",
        "osteopetrosis, anaemic father",
        "osteopetrosis. Her father: he had anaemia.",
        "osteopetrosis (mother also anaemic)",
        "osteopetrosis; her 8-month-old sister has anaemia",
    ],
)
def test_a_relatives_findings_stay_the_relatives(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert found(parser, text) == {(OSTEOPETROSIS, False)}
    assert parsed.about_relatives
    assert parsed.age_days is None


def test_the_patients_finding_before_a_relative_is_the_patients(parser: TextParser) -> None:
    parsed = parser.parse("anaemic infant of a thrombocytopenic father")
    assert found(parser, "anaemic infant of a thrombocytopenic father") == {(ANAEMIA, False)}
    assert parsed.about_relatives == ("of a thrombocytopenic father",)


@pytest.mark.parametrize(
    "text",
    [
        "referred for possible osteopetrosis",
        "admitted for ?osteopetrosis",
        "Differential diagnosis: osteopetrosis, splenomegaly",
        "Differential diagnosis: splenomegaly or osteopetrosis and others",
        "DD osteopetrosis",
        "ddx osteopetrosis vs splenomegaly",
        "investigated for osteopetrosis",
        "osteopetrosis not likely",
        "equivocal osteopetrosis",
        "borderline osteopetrosis",
        "Without treatment, osteopetrosis develops",
        "if not transplanted, osteopetrosis will follow",
    ],
)
def test_uncertain_differential_and_hypothetical_wording_is_held_back(parser: TextParser, text: str) -> None:
    parsed = parser.parse(f"anaemia. {text}")
    assert [(m.hpo_id, m.excluded) for m in parsed.mappings] == [(ANAEMIA, False)]
    assert any("osteopetrosis" in words for words in parsed.uncertain)


def test_not_only_but_also_lists_two_findings(parser: TextParser) -> None:
    assert found(parser, "not only anaemia but also thrombocytopenia") == {
        (ANAEMIA, False),
        (PLATELETS, False),
    }


@pytest.mark.parametrize(
    "text",
    [
        "anaemia risk",
        "fear of anaemia",
        "avoid anaemia",
        "a single splenomegaly",
    ],
)
def test_words_that_change_the_meaning_are_not_dropped(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert parsed.mappings == ()
    assert parsed.unmatched == (text,)


def test_a_word_that_names_another_term_with_the_match_holds_it_back(mini_hpo: Hpo, tmp_path: Path) -> None:
    # As "optic nerve pallor" is not the skin's Pallor: with "bone" read as a blood finding, "marble bone"
    # must not become it, because "marble" and "bone" name Osteopetrosis, which is not a blood finding.
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text("phrases:\n  - hpo_id: HP:0001871\n    phrases: [bone]\n", encoding="utf-8")
    parser = TextParser(mini_hpo.ontology, lexicon)
    assert found(parser, "bone") == {("HP:0001871", False)}
    assert parser.parse("marble bone").mappings == ()
    assert parser.parse("marble bone").unmatched == ("marble bone",)
    # When the other term is a kind of the matched one, the match stands (it is only less specific).
    lexicon.write_text("phrases:\n  - hpo_id: HP:0000924\n    phrases: [bone]\n", encoding="utf-8")
    assert found(TextParser(mini_hpo.ontology, lexicon), "marble bone") == {("HP:0000924", False)}
    # Grading words are left aside.
    assert found(TextParser(mini_hpo.ontology), "severe anaemia") == {(ANAEMIA, False)}


def test_plural_lexicon_phrases_stay_plural(mini_hpo: Hpo, tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text("phrases:\n  - hpo_id: HP:0001873\n    phrases: [bleeds]\n", encoding="utf-8")
    parser = TextParser(mini_hpo.ontology, lexicon)
    assert found(parser, "bleeds") == {(PLATELETS, False)}
    assert parser.parse("a bleed").mappings == ()


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("anaemia; her 8-month-old sister has splenomegaly", None),
        ("mother is 30 years old; anaemia", None),
        ("anaemia since age 2 years", None),
        ("anaemia at 6 years old, now 12-year-old", 12 * 365.25),
        ("anaemia; failed newborn hearing screen", None),
        ("2-year-old girl with anaemia, 8-month-old sister had splenomegaly", 2 * 365.25),
        ("4mo with anaemia", 4 * 365.25 / 12),
        ("2 yo with anaemia", 2 * 365.25),
        ("3 wks old with anaemia", 21.0),
        ("four-month-old with anaemia", 4 * 365.25 / 12),
    ],
)
def test_the_age_is_the_patients_present_age(parser: TextParser, text: str, days: float | None) -> None:
    age = parser.parse(text).age_days
    assert age == (pytest.approx(days) if days is not None else None)


def test_several_different_ages_give_none_and_say_so(parser: TextParser) -> None:
    parsed = parser.parse("2-year-old with anaemia. 3-year-old with splenomegaly")
    assert parsed.age_days is None
    assert any("several ages" in note for note in parsed.notes)


@pytest.mark.parametrize(
    ("text", "sex"),
    [
        ("anaemia; mother says she saw no splenomegaly", None),
        ("3-month-old with anaemia; mother reports she has noticed pallor", None),
        ("female infant with anaemia, father male", "female"),
        ("A 4-month-old boy born to first-cousin parents presented with anaemia", "male"),
    ],
)
def test_the_sex_is_not_taken_from_a_relative(parser: TextParser, text: str, sex: str | None) -> None:
    assert parser.parse(text).sex == sex


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("anaemic", {(ANAEMIA, False)}),
        ("not anaemic", {(ANAEMIA, True)}),
        ("thrombocytopenic", {(PLATELETS, False)}),
        ("thrombocytopaenia", {(PLATELETS, False)}),
        ("pancytopaenia", {("HP:0001876", False)}),
    ],
)
def test_british_spellings_and_adjectives(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


def test_pronouns_are_not_reported_as_unread(parser: TextParser) -> None:
    assert parser.parse("She has anaemia. He has splenomegaly").unmatched == ()


# Long input (review QA): the work grows with the length of the text, not with its square. Nothing here is
# timed; the counts of calls and the readings are checked instead.

LONG = 50_000


@pytest.mark.parametrize(
    ("template", "run", "expected"),
    [
        # A line break is read back over a long run without one ("(" * 50,000 took 46 s).
        ("anaemia {run}\nNo splenomegaly", "(", {(ANAEMIA, False), (SPLEEN, True)}),
        (
            "anaemia, {run}\nno splenomegaly or thrombocytopenia",
            ",",
            {(ANAEMIA, False), (SPLEEN, True), (PLATELETS, True)},
        ),
        ("osteopetrosis{run}\n-{run} anaemia", ".", {(OSTEOPETROSIS, False), (ANAEMIA, False)}),
        ("osteopetrosis{run}\n-{run} anaemia", ":", {(OSTEOPETROSIS, False), (ANAEMIA, False)}),
        ("{run}\nanaemia\n\n{run}", "/", {(ANAEMIA, False)}),
    ],
)
def test_a_long_run_of_punctuation_is_read_as_a_short_one(
    parser: TextParser, template: str, run: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, template.format(run=run)) == expected
    assert found(parser, template.format(run=run * LONG)) == expected


# A heading's value before a break, as a pattern over its line: "Fractures: no" or "Fractures - no" (a spaced dash
# after a letter, which the shorthand rewrites to a colon), then the word.
_HEADING_BEFORE = re.compile(r"(?:[:=][ \t]*|[a-z]\s+[-\u2013\u2014]\s+)$")


def _line_breaks_as_before(text: str) -> str:
    """The line breaks as the one pattern of the earlier code rewrote them: it started with "\\S*", which the
    regex engine tried at every character of a run without a newline.

    Since then a heading's whole value ("Fractures: no", "Fractures - no") no longer carries on to the next line
    as a connector would; the earlier code read "Fractures - no" then "Anaemia" as "no anaemia", which is wrong.
    That one rule is added here, read by a pattern over the words between the previous break and this one, so
    that the random texts below, which hold dashes and "no", still check everything else against the pattern.
    """
    pattern = re.compile(r"(?P<before>\S*)[ \t]*\r?\n(?P<blank>(?:[ \t]*\r?\n)*)[ \t]*(?P<next>\S?)")
    previous_end = 0

    def rewrite(match: re.Match[str]) -> str:
        nonlocal previous_end
        line = text[previous_end : match.start()].lower()
        word = match["before"]
        value = bool(
            re.search(r"[:=][ \t]*$", line)
            or (re.fullmatch(r"[a-z0-9]", word[:1].lower()) and _HEADING_BEFORE.search(line))
        )
        previous_end = match.end()
        return _text._line_break(word, match["blank"], match["next"], heading_value=value)

    return pattern.sub(rewrite, text)


def test_line_breaks_are_read_as_before() -> None:
    pieces = [
        "a",
        "B",
        "and",
        "or",
        " ",
        "\t",
        "\r",
        "\n",
        "\n",
        "-",
        "1",
        ".",
        "\u2022",
        "\u00a0",
        "(",
        "no",
    ]
    rng = random.Random(0)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 24))) for _ in range(5_000)]
    texts += ["no fractures or\nSplenomegaly", "Anaemia\r\n\r\n- HSM", "anaemia \t\nand\nfever", "a\nand\nB"]
    texts += ["Fractures - no\nAnaemia", "Fractures: no\nAnaemia", "a - no\n- B", "1 - no\nB", "a -no\nB"]
    for text in texts:
        assert _text._join_lines(text) == _line_breaks_as_before(text), repr(text)


def test_a_long_list_is_settled_in_work_in_proportion_to_its_length(
    parser: TextParser, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each phrase of a list once looked along the whole list after it (the end of its run) and before it
    # (whether the list had given a finding): 2,000 phrases made about a million calls of each below.
    calls = {"_has_cue": 0, "_word": 0}
    for name in calls:
        original: Callable[..., object] = getattr(_text, name)

        def counted(*args: object, _original: Callable[..., object] = original, _name: str = name) -> object:
            calls[_name] += 1
            return _original(*args)

        monkeypatch.setattr(_text, name, counted)
    phrases = 1_000
    text = (
        "anaemia, no splenomegaly and "
        + "pallor and " * phrases
        + "fever, no osteopetrosis, "
        + "fever, " * phrases
        + "or thrombocytopenia"
    )
    parsed = parser.parse(text)
    assert found(parser, text) == {
        (ANAEMIA, False),
        (SPLEEN, True),
        (OSTEOPETROSIS, True),
        (PLATELETS, True),
    }
    assert len(parsed.unmatched) == 2 * phrases + 1
    assert calls["_has_cue"] <= 6 * phrases
    assert calls["_word"] <= 6 * phrases


def test_a_long_letter_reads_as_its_paragraphs(parser: TextParser) -> None:
    paragraphs = [
        "A 4-month-old boy born to first-cousin parents presented with anaemia and splenomegaly.",
        "Examination: no hepatomegaly, spleen 6 cm below the costal margin, nystagmus. Vision: normal.",
        "Investigations showed thrombocytopenia; there were no fractures, and osteopetrosis was seen on X-ray.",
        "His older brother had anaemia. Rule out pancytopenia. Normal platelets and vision? Anaemia (Hb 7.2).",
        "Plan: transfusion if the anaemia worsens, referral for HSCT; without treatment, blindness develops.",
    ]
    letter = "\n\n".join(paragraphs * 12)
    assert len(letter) > 5_000
    expected = [m for paragraph in paragraphs * 12 for m in parser.parse(paragraph).mappings]
    # A term that the paragraphs read both present and absent (thrombocytopenia, then "normal platelets") is
    # held back in the whole letter, with a note (see test_a_term_read_both_ways_is_held_back).
    both = {m.hpo_id for m in expected if m.excluded} & {m.hpo_id for m in expected if not m.excluded}
    assert both == {"HP:0001873"}
    parsed = parser.parse(letter)
    assert list(parsed.mappings) == [m for m in expected if m.hpo_id not in both]
    assert any("read Thrombocytopenia both as present and as absent" in note for note in parsed.notes)


@pytest.mark.parametrize(
    ("text", "held", "kept"),
    [
        ("Anaemia. No anaemia. Big spleen", "HP:0001903", {("HP:0001744", False)}),
        ("anaemia, normal FBC", "HP:0001903", {("HP:0001873", True)}),
        ("Thrombocytopenia in 2019; platelets normal now. Anaemia", "HP:0001873", {("HP:0001903", False)}),
    ],
)
def test_a_term_read_both_ways_is_held_back(
    parser: TextParser, text: str, held: str, kept: set[tuple[str, bool]]
) -> None:
    """Words that read one term both present and absent (two visits, a past and a present) used to stop the
    whole note with an error ("is both observed and excluded"); that term alone is held back, with a note."""
    parsed = parser.parse(text)
    assert {(m.hpo_id, m.excluded) for m in parsed.mappings} == kept
    assert held not in {m.hpo_id for m in parsed.mappings}
    assert parsed.uncertain
    assert any("both as present and as absent" in note for note in parsed.notes)
