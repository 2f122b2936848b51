"""A referral letter's wording (review 35): a lab value at the end of a line before a capital, consanguinity in
words ("first-cousin parents"), "does not fix and follow", a hearing screen passed or failed, and a head
circumference's centile or SD. The rules are tested on the tiny fixture release (and on the signs' own reading,
which needs no release); the terms the fixture lacks, on the real one (tests/integration/test_text_letter_real_s35.py).
"""

from __future__ import annotations

import pytest

from marbledx.findings import TextParser
from marbledx.findings._text import _line_break, _take_signs

from .text_parse import found

ANAEMIA, SPLEEN, VISION = "HP:0001903", "HP:0001744", "HP:0000505"
MACRO, MICRO, HEARING = "HP:0000256", "HP:0000252", "HP:0000365"


# 1. A full stop at the end of a line, then a capital: the line break was written "; " after the full stop
# ("g/dL.; Splenomegaly"), and the lab value's unit ran on to the ";", taking the full stop with it.


def test_a_line_break_after_a_full_stop_adds_no_second_sentence_end() -> None:
    assert _line_break("g/dL.", "", "S") == "g/dL. S"
    assert _line_break("g/dL.", "\n", "s") == "g/dL. s"
    assert _line_break("g/dL", "", "S") == "g/dL; S"  # as before: the break ends the sentence


@pytest.mark.parametrize(
    "text",
    [
        "Hb 6.0 g/dL.\nSplenomegaly",
        "Hb 6.0 g/dL.\n\nsplenomegaly",
        "Hb 6.0 g/dL.\r\nSplenomegaly",
        "Hb 6.0 g/dL.\n- Splenomegaly",
        "Hb 6.0 g/dL.\nsplenomegaly",  # as before
    ],
)
def test_a_lab_value_at_the_end_of_a_line_keeps_its_unit(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text, labs=True, age_days=365)
    assert [lab.value is not None for lab in parsed.labs] == [True]
    assert not any("not an accepted unit" in note for note in parsed.notes)
    assert {(m.hpo_id, m.excluded) for m in parsed.mappings} == {(SPLEEN, False), (ANAEMIA, False)}


def test_a_sentence_still_ends_at_the_full_stop(parser: TextParser) -> None:
    # "no" does not reach across the line's full stop, with or without the "; ".
    assert found(parser, "No splenomegaly.\nAnaemia") == {(SPLEEN, True), (ANAEMIA, False)}
    assert found(parser, "No splenomegaly.\nanaemia") == {(SPLEEN, True), (ANAEMIA, False)}


# 2. Consanguinity in words: family history (TextParse.consanguineous), shown as about a relative as before.


@pytest.mark.parametrize(
    "text",
    [
        "Second child of first-cousin parents, anaemia",
        "Parents are first cousins. Anaemia",
        "parents are second cousins; anaemia",
        "Parents are cousins. Anaemia",
        "Parents first cousins. Anaemia",
        "Parents: first cousins\nAnaemia",
        "Mother and father are first cousins. Anaemia",
        "Related parents, anaemia",
        "The parents are related. Anaemia",
        "Parents are distantly related. Anaemia",
        "Born of a consanguineous union, anaemia",
        "Consanguineous marriage. Anaemia",
        "Consanguineous parents, anaemia",
        "Parents consanguineous. Anaemia",
        "Parental consanguinity. Anaemia",
        "Family history: consanguineous parents. Anaemia",
        "First cousin marriage. Anaemia",
        # Headings, as before shown as about a relative, and now counted.
        "Consanguinity: yes\nAnaemia",
        "Consanguinity: first cousins, anaemia",
        "Consanguinity (+), anaemia",
    ],
)
def test_words_that_say_the_parents_are_related_count_as_consanguinity(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert parsed.consanguineous
    assert found(parser, text) == {(ANAEMIA, False)}


@pytest.mark.parametrize(
    "text",
    [
        "Parents are not related. Anaemia",
        "Parents aren't related. Anaemia",
        "Parents not related. Anaemia",
        "Parents are not consanguineous. Anaemia",
        "Non-consanguineous parents, anaemia",
        "Unrelated parents, anaemia",
        "Non-related parents, anaemia",
        "Parents unrelated. Anaemia",
        "No consanguinity. Anaemia",
        "No known consanguinity. Anaemia",
        "No history of parental consanguinity. Anaemia",
        "Denies consanguinity. Anaemia",
        "Consanguinity denied. Anaemia",
        "Consanguinity not known. Anaemia",
        "Consanguinity: no\nAnaemia",
        "Consanguinity: unknown, anaemia",
        "Consanguinity: possible, anaemia",
        "Consanguinity:\nUnknown\nAnaemia",
        "Possible consanguinity. Anaemia",
        "? consanguinity. Anaemia",
        "Negative for: consanguinity. Anaemia",
        # Someone else's parents, or consanguinity in the wider family.
        "Maternal grandparents are first cousins. Anaemia",
        "Mother's parents are cousins. Anaemia",
        "Her cousin's parents are related. Anaemia",
        "Consanguineous marriages are common in the family. Anaemia",
        "A first cousin has osteopetrosis. Anaemia",
        "Grandparents consanguineous. Anaemia",
        "Anaemia",
    ],
)
def test_a_negation_a_doubt_or_another_relative_is_no_consanguinity(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert not parsed.consanguineous
    assert (ANAEMIA, False) in found(parser, text)


# 3. "Does not fix and follow": visual impairment present, despite the "not"; "fixes and follows" excludes it.


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Does not fix and follow", "does not fix and follow"),
        ("doesn't fix and follow", "does not fix and follow"),
        ("Not fixing and following", "not fixing and following"),
        ("no fix and follow", "no fix and follow"),
        ("not fixing or following", "not fixing or following"),
        ("not fixing/following", "not fixing/following"),
        ("is not yet able to fix and follow", "is not yet able to fix and follow"),
        ("does not seem to fix and follow", "does not seem to fix and follow"),
        ("unable to fix and follow", "unable to fix and follow"),
        ("poor fix and follow", "poor fix and follow"),
        ("Fix and follow: absent", "fix and follow: absent"),
        ("Fix and follow: no", "fix and follow: no"),
    ],
)
def test_not_fixing_and_following_is_visual_impairment(parser: TextParser, text: str, phrase: str) -> None:
    parsed = parser.parse(text)
    assert [(m.phrase, m.hpo_id, m.excluded) for m in parsed.mappings] == [(phrase, VISION, False)]
    assert (parsed.unmatched, parsed.uncertain, parsed.notes) == ((), (), ())


@pytest.mark.parametrize(
    "text",
    [
        "Fixes and follows",
        "fixing and following",
        "fixes and follows well",
        "able to fix and follow",
        "does fix and follow",
        "good fix and follow",
        "Fix and follow: normal",
        "fix and follow present",
        "fix and follow +",
    ],
)
def test_fixing_and_following_excludes_visual_impairment(parser: TextParser, text: str) -> None:
    assert (VISION, True) in found(parser, text)
    assert (VISION, False) not in found(parser, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The letter's sentence.
        (
            "Roving eye movements and does not fix and follow, splenomegaly",
            {(VISION, False), (SPLEEN, False)},
        ),
        # A negation before the sign does not reach it, and ends at it.
        ("No anaemia, does not fix and follow", {(ANAEMIA, True), (VISION, False)}),
        (
            "No anaemia, does not fix and follow, splenomegaly",
            {(ANAEMIA, True), (VISION, False), (SPLEEN, False)},
        ),
        ("No anaemia or splenomegaly, fixes and follows", {(ANAEMIA, True), (SPLEEN, True), (VISION, True)}),
        # The sign's own "not" negates nothing else.
        ("Does not fix and follow; anaemia", {(VISION, False), (ANAEMIA, False)}),
        ("Anaemia and does not fix and follow", {(ANAEMIA, False), (VISION, False)}),
        ("Anaemia and fixes and follows", {(ANAEMIA, False), (VISION, True)}),
        # Negation elsewhere as before.
        ("No anaemia or splenomegaly", {(ANAEMIA, True), (SPLEEN, True)}),
        ("Does not have anaemia", {(ANAEMIA, True)}),
    ],
)
def test_fix_and_follow_leaves_negation_elsewhere_alone(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    assert found(parser, text) == expected


def test_fix_and_follow_of_a_relative_or_in_doubt_is_not_read(parser: TextParser) -> None:
    relative = parser.parse("Her brother does not fix and follow. Anaemia")
    assert found(parser, "Her brother does not fix and follow. Anaemia") == {(ANAEMIA, False)}
    assert relative.about_relatives == ("her brother does not fix and follow",)
    hedged = parser.parse("Possible poor fix and follow, anaemia")
    assert VISION not in {m.hpo_id for m in hedged.mappings}
    assert hedged.uncertain[0] == "possible poor fix and follow"
    # Nothing says whether he does: read as before (the words are not found).
    for text in ("Check fix and follow", "unable to assess whether he fixes and follows"):
        assert VISION not in {m.hpo_id for m in parser.parse(text).mappings}


# 5. A hearing screen. A failed or "refer" screen is shown as uncertain, with a note, and not read.


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Failed hearing screen, anaemia", "failed hearing screen"),
        ("Failed newborn hearing screen. Anaemia", "failed newborn hearing screen"),
        ("Referred on hearing screen, anaemia", "referred on hearing screen"),
        (
            "Referred on the newborn hearing screen bilaterally, anaemia",
            "referred on the newborn hearing screen bilaterally",
        ),
        ("Newborn hearing screen: refer\nAnaemia", "newborn hearing screen: refer"),
        ("Hearing screen failed on the left. Anaemia", "hearing screen failed on the left"),
        ("Did not pass the hearing screen. Anaemia", "did not pass the hearing screen"),
        ("Didn't pass newborn hearing screening, anaemia", "did not pass newborn hearing screening"),
    ],
)
def test_a_failed_hearing_screen_is_uncertain(parser: TextParser, text: str, shown: str) -> None:
    parsed = parser.parse(text)
    assert found(parser, text) == {(ANAEMIA, False)}
    assert parsed.uncertain == (shown,)
    assert len(parsed.notes) == 1
    assert parsed.notes[0].startswith(f"'{shown}': ")
    assert "does not establish hearing loss" in parsed.notes[0]
    assert parsed.unmatched == ()


def test_a_failed_hearing_screen_hedges_nothing_else(parser: TextParser) -> None:
    # "Referred" there is no turn to the patient, and the screen's doubt does not reach the list.
    text = "Anaemia, failed hearing screen, splenomegaly"
    assert found(parser, text) == {(ANAEMIA, False), (SPLEEN, False)}
    assert found(parser, "Referred with anaemia") == {(ANAEMIA, False)}
    assert parser.parse("Sister failed hearing screen. Anaemia").about_relatives == (
        "sister failed hearing screen",
    )


# 3, 5, 6. The signs' own reading (no release needed): what each says of which terms.


@pytest.mark.parametrize(
    ("text", "terms", "status"),
    [
        ("hearing screen passed", (HEARING,), "excluded"),
        # A passed newborn screen tells of the hearing at birth only (JCIH 2019): shown, not read.
        ("passed newborn hearing screen", (HEARING,), "uncertain"),
        ("newborn hearing screen: pass", (HEARING,), "uncertain"),
        ("passed nbhs", (HEARING,), "uncertain"),
        ("normal hearing screen", (HEARING,), "excluded"),
        ("passed hearing test", (HEARING,), "excluded"),
        ("failed hearing screen", (HEARING,), "uncertain"),
        ("does not fix and follow", (VISION,), "observed"),
        ("fixes and follows", (VISION,), "excluded"),
        # Head circumference: Macrocephaly above the 97th centile, Microcephaly below -2 SD (HPO definitions).
        ("head circumference is on the 98th centile", (MACRO,), "observed"),
        ("ofc > 97th centile", (MACRO,), "observed"),
        ("ofc above the 97th centile", (MACRO,), "observed"),
        ("ofc 45 cm (99.6th centile)", (MACRO,), "observed"),
        ("hc +2.5 sd", (MACRO,), "observed"),
        ("ofc 2 sd above the mean", (MACRO,), "observed"),
        ("ofc on the 2nd centile", (MICRO,), "observed"),
        ("ofc below the 2nd centile", (MICRO,), "observed"),
        ("ofc 0.4th centile", (MICRO,), "observed"),
        ("ofc -2.5 sd", (MICRO,), "observed"),
        ("ofc 3 sd below the mean", (MICRO,), "observed"),
        ("ofc z-score -3.1", (MICRO,), "observed"),
        ("ofc < -2 sd", (MICRO,), "observed"),
        # Within the 3rd-97th centile: neither.
        ("ofc 50th centile", (MACRO, MICRO), "excluded"),
        ("head circumference tracking along the 75th centile", (MACRO, MICRO), "excluded"),
        ("ofc 9th centile", (MACRO, MICRO), "excluded"),
        ("ofc +1 sd", (MACRO, MICRO), "excluded"),
        # At a cut-off, between -2 SD and the 3rd centile, open-ended or near a value: uncertain.
        ("ofc 97th centile", (MACRO, MICRO), "uncertain"),
        ("ofc -2 sd", (MACRO, MICRO), "uncertain"),
        ("ofc 3rd centile", (MACRO, MICRO), "uncertain"),
        ("ofc < 3rd centile", (MACRO, MICRO), "uncertain"),
        ("ofc > 90th centile", (MACRO, MICRO), "uncertain"),
        ("ofc around the 50th centile", (MACRO, MICRO), "uncertain"),
        ("ofc 3 sd", (MACRO, MICRO), "uncertain"),  # above or below the mean is not said
    ],
)
def test_each_sign_says_what_its_rule_says(text: str, terms: tuple[str, ...], status: str) -> None:
    rewritten, signs = _take_signs(text)
    assert rewritten.strip() == "zzsign0zz"
    assert [(sign.terms, sign.status) for sign in signs] == [(terms, status)]
    assert signs[0].written == text
    assert bool(signs[0].why) == (status == "uncertain")


@pytest.mark.parametrize(
    "text",
    [
        "ofc 45 cm",  # no centile
        "weight 99th centile",  # only the head circumference
        "height on the 2nd centile",
        "ofc 120th centile",  # no centile
        "check fix and follow",
        "hearing screen",
        "hearing screen not done",
        "abnormal hearing test",  # may be the diagnostic test: read as before
    ],
)
def test_words_that_are_no_sign_are_left_as_they_are(text: str) -> None:
    assert _take_signs(text) == (text, [])


def test_a_sign_whose_term_the_release_lacks_is_words_not_found(parser: TextParser) -> None:
    # The fixture release has no Macrocephaly: the words are reported, not dropped.
    parsed = parser.parse("OFC 98th centile, anaemia")
    assert parsed.unmatched == ("ofc 98th centile",)
    assert found(parser, "OFC 98th centile, anaemia") == {(ANAEMIA, False)}
