"""Parents' and clinicians' plain words of session 40 on the real HPO release: "can't see well", "hears fine",
"had a fit" (but not "fit and well"), "broke her arm", "broken leg", "late to walk", and the lay words that were
already read ("keeps getting infections", "bleeds a lot", "nosebleeds"), pinned. Each case marked "before" was
reported as words not found before the fix."""

from __future__ import annotations

import pytest

from marbledx.findings import TextParser
from tests.unit.text_parse import found

pytestmark = pytest.mark.integration

VISION, HEARING, SEIZURE, WALKING = "HP:0000505", "HP:0000365", "HP:0001250", "HP:0031936"
ARM_FRACTURE, LEG_FRACTURE, FRAGILITY = "HP:0041118", "HP:0041117", "HP:0002659"
INFECTIONS, BLEEDING, EPISTAXIS = "HP:0002719", "HP:0001892", "HP:0000421"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("can't see well", {(VISION, False)}),  # before: "can", "see well" not found
        ("She cannot see properly", {(VISION, False)}),  # before: not found
        ("doesn't follow objects", {(VISION, False)}),  # before: "follow objects" not found
        ("hears fine", {(HEARING, True)}),  # before: not found
        ("Hearing is fine.", {(HEARING, True)}),  # before: not found
        ("had a fit", {(SEIZURE, False)}),  # before: "a fit" not found
        ("had fits", {(SEIZURE, False)}),
        ("has not had a fit", {(SEIZURE, True)}),  # before: not found
        ("broke her arm", {(ARM_FRACTURE, False)}),  # before: not found
        ("broken leg", {(LEG_FRACTURE, False)}),  # before: not found
        ("no broken leg", {(LEG_FRACTURE, True)}),
        ("has broken bones easily", {(FRAGILITY, False)}),
        ("keeps getting infections", {(INFECTIONS, False)}),
        ("bleeds a lot", {(BLEEDING, False)}),
        ("nosebleeds", {(EPISTAXIS, False)}),
        ("late to walk", {(WALKING, False)}),  # before: not found
    ],
)
def test_plain_words_read_as_their_term(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    parsed = parser.parse(text)
    assert found(parser, text) == expected
    assert parsed.unmatched == ()
    assert parsed.uncertain == ()


def test_plain_words_in_one_sentence(parser: TextParser) -> None:
    text = "He was late to walk and can't see well, but hears fine."
    assert found(parser, text) == {(WALKING, False), (VISION, False), (HEARING, True)}


@pytest.mark.parametrize(
    "text",
    [
        "Child is fit and well",
        "fits the picture",
        "This fits the picture of ADO2",
        "fit for discharge",
        "had a fit of laughter",
    ],
)
def test_fit_as_everyday_english_is_not_read(parser: TextParser, text: str) -> None:
    assert found(parser, text) == set()


@pytest.mark.parametrize(
    "text",
    ["not sure he hears fine", "whether she can't see well", "worried he doesn't follow objects"],
)
def test_a_negation_or_worry_before_leaves_the_words_unread(parser: TextParser, text: str) -> None:
    # Read as the words say, "not sure he hears fine" would exclude hearing impairment.
    assert found(parser, text) == set()


def test_a_doubted_sign_is_uncertain(parser: TextParser) -> None:
    parsed = parser.parse("? can't see well")
    assert parsed.mappings == ()
    assert len(parsed.uncertain) == 1
