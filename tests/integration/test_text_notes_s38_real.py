"""Notes of session 38 on the real HPO release: pertinent negatives of hearing and calcium written with a
shorthand after the words ("Hearing unremarkable"), which the fixture release lacks. ("Ca normal", unread at stop 38,
excludes hypocalcaemia since stop 39: tests/unit/test_text_qa_s39.py.)"""

from __future__ import annotations

import pytest

from marbledx.findings import TextParser

pytestmark = pytest.mark.integration

HEARING, HYPOCALCAEMIA, SPLEEN = "HP:0000365", "HP:0002901", "HP:0001744"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hearing unremarkable.", {(HEARING, True)}),  # not found before
        ("HSM. Hearing NAD.", {("HP:0001433", False), (HEARING, True)}),  # not found before
        ("calcium WNL", {(HYPOCALCAEMIA, True)}),  # not found before
        ("Hearing: NAD", {(HEARING, True)}),  # as before
        ("Hearing normal, big spleen", {(HEARING, True), (SPLEEN, False)}),  # as before
    ],
)
def test_a_normal_shorthand_after_hearing_or_calcium_excludes(
    parser: TextParser, text: str, expected: set[tuple[str, bool]]
) -> None:
    parsed = parser.parse(text)
    assert {(m.hpo_id, m.excluded) for m in parsed.mappings} == expected
    assert parsed.unmatched == ()
