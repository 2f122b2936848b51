"""Radiology reports, audiology letters and adult ADO2 letters of session 39 (second round) on the real HPO release:
"loss of corticomedullary differentiation" in a skeletal survey was read as the kidney's finding (an HPO synonym of
Absence of renal corticomedullary differentiation); "poor hearing" and "low bone density" were words not found; a
report's hedge ("appearances suspicious for osteomyelitis") read as observed. Each case marked "before" failed
before the fix."""

from __future__ import annotations

import pytest

from marbledx.findings import TextParser
from tests.unit.text_parse import found

pytestmark = pytest.mark.integration

RENAL_CMD, HEARING, LOW_BMD, HIGH_BMD = "HP:0005564", "HP:0000365", "HP:0004349", "HP:0011001"
OSTEOMYELITIS, OSTEOPETROSIS, EFFUSION, ERLENMEYER = "HP:0002754", "HP:0011002", "HP:0031353", "HP:0004975"
ANAEMIA, HSM, FRACTURES = "HP:0001903", "HP:0001433", "HP:0002659"


@pytest.mark.parametrize(
    "text",
    [
        "Diffuse sclerosis with loss of corticomedullary differentiation.",  # before: the renal term, observed
        "Loss of corticomedullary differentiation.",
        "Loss of definition of corticomedullary differentiation.",  # before: Reduced renal ..., observed
    ],
)
def test_corticomedullary_words_without_the_organ_are_not_the_kidney(parser: TextParser, text: str) -> None:
    parsed = parser.parse(text)
    assert parsed.mappings == ()
    assert any("corticomedullary" in words for words in parsed.unmatched)


def test_the_renal_label_still_reads(parser: TextParser) -> None:
    assert found(parser, "Absence of renal corticomedullary differentiation.") == {(RENAL_CMD, False)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Poor hearing.", {(HEARING, False)}),  # before: not found
        ("Hearing reduced.", {(HEARING, False)}),
        ("Low bone density.", {(LOW_BMD, False)}),  # before: not found
        ("Increased bone density.", {(HIGH_BMD, False)}),  # as before
        ("Appearances suspicious for osteomyelitis.", set()),  # before: osteomyelitis observed
        ("No features consistent with osteopetrosis.", {(OSTEOPETROSIS, True)}),  # before: observed
        # As before: "consistent with" states the diagnosis.
        ("Hearing loss, consistent with middle ear effusion.", {(HEARING, False), (EFFUSION, False)}),
    ],
)
def test_report_words(parser: TextParser, text: str, expected: set[tuple[str, bool]]) -> None:
    assert found(parser, text) == expected


def test_a_skeletal_survey_reads_as_the_radiologist_wrote_it(parser: TextParser) -> None:
    report = (
        "SKELETAL SURVEY\n"
        "Clinical history: 7-month-old boy with anaemia and hepatosplenomegaly. ?osteopetrosis.\n"
        "Comparison: none.\n"
        "Findings: There is diffuse sclerosis of the entire skeleton with loss of corticomedullary "
        "differentiation. Erlenmeyer flask deformity of the distal femora. No fractures identified.\n"
        "Impression: Appearances are consistent with infantile osteopetrosis."
    )
    parsed = parser.parse(report)
    assert {(m.hpo_id, m.excluded) for m in parsed.mappings} == {
        (ANAEMIA, False),
        (HSM, False),
        (ERLENMEYER, False),
        (FRACTURES, True),
        (OSTEOPETROSIS, False),
    }
    assert "comparison" not in parsed.unmatched
