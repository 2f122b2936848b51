"""A referral letter (review 35) and the wording it exposed, read on the real HPO release: the terms the fixture
release lacks (Macrocephaly, Microcephaly, Hearing impairment, the visual evoked potential terms)."""

from __future__ import annotations

import pytest

from marbledx.cli import main
from marbledx.findings import TextParser
from marbledx.ontology import Hpo

pytestmark = pytest.mark.integration

LETTER = """Dear colleague,
Thank you for seeing this 4 month old boy, second child of first-cousin parents, referred with pallor and
abdominal distension. On examination he has massive hepatosplenomegaly (spleen 8 cm below costal margin),
roving eye movements and does not fix and follow. Head circumference is on the 98th centile with frontal
bossing. He had a hypocalcaemic seizure at 3 weeks of age. Skeletal survey shows diffusely dense bones with
bone-in-bone appearance and Erlenmeyer flask deformity of the distal femora. No fractures so far.
FBC: Hb 6.8 g/dL, platelets 32 x10^9/L, WCC 18 x10^9/L with a leucoerythroblastic film.
Calcium 1.9 mmol/L, PTH raised, ALP 450 U/L.
VEPs are delayed. Hearing screen passed. Older sister is well. No family history of bone disease."""

VISION, HEARING, MACRO, MICRO = "HP:0000505", "HP:0000365", "HP:0000256", "HP:0000252"
VEP, FLASH_VEP_TIMING, PATTERN_VEP_TIMING = "HP:0000649", "HP:0030461", "HP:0030460"


def test_the_letter_reads_as_a_clinician_would(parser: TextParser) -> None:
    parsed = parser.parse(LETTER, labs=True)
    observed = {m.hpo_id for m in parsed.mappings if not m.excluded}
    excluded = {m.hpo_id for m in parsed.mappings if m.excluded}
    assert observed == {
        "HP:0000980",  # pallor
        "HP:0003270",  # abdominal distension
        "HP:0001433",  # hepatosplenomegaly
        "HP:0001744",  # spleen 8 cm below the costal margin
        "HP:0000639",  # roving eye movements
        VISION,  # does not fix and follow
        MACRO,  # head circumference on the 98th centile
        "HP:0002007",  # frontal bossing
        "HP:0002199",  # hypocalcaemic seizure
        "HP:0011002",  # diffusely dense bones
        "HP:0004975",  # Erlenmeyer flask deformity
        "HP:0003165",  # PTH raised
        VEP,  # VEPs are delayed
    }
    assert excluded == {"HP:0002659", HEARING}  # no fractures; hearing screen passed
    assert parsed.consanguineous
    assert parsed.age_days == pytest.approx(121.75, abs=0.01)
    # ALP's unit kept its full stop before the next line's capital ("'U/L.' is not an accepted unit").
    alp = next(lab for lab in parsed.labs if lab.analyte == "alp")
    assert (alp.written, alp.value is not None) == ("ALP 450 U/L", True)
    assert not any("not an accepted unit" in note for note in parsed.notes)
    for words in ("fix", "follow", "veps are delayed", "hearing screen passed"):
        assert words not in parsed.unmatched
    assert not any("centile" in words for words in parsed.unmatched)
    assert "second child of first-cousin parents" in parsed.about_relatives


def test_the_letter_on_the_command_line(real_hpo: Hpo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rank", "--text", LETTER, "--top", "1"]) == 0
    out = capsys.readouterr().out
    assert "text: 'does not fix and follow' -> HP:0000505 Visual impairment (observed)" in out
    assert "text: 'head circumference is on the 98th centile' -> HP:0000256 Macrocephaly (observed)" in out
    assert "text: 'hearing screen passed' -> HP:0000365 Hearing impairment (excluded)" in out
    assert "text: 'veps are delayed' -> HP:0000649 Abnormality of visual evoked potentials (observed)" in out
    assert "is not an accepted unit" not in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 1. A lab value at the end of a line, then a capital.
        ("PTH raised, ALP 450 U/L.\nVEPs are delayed.", {("HP:0003165", False), (VEP, False)}),
        (
            "Hb 9.1 g/dL.\nHearing normal",
            {("HP:0001903", False), (HEARING, True)},
        ),  # low at 1 year (lab table)
        # 4. Delayed visual evoked potentials: HPO's timing terms are by stimulus, so an unnamed one reads as
        # their shared parent.
        ("VEPs are delayed", {(VEP, False)}),
        ("delayed VEPs", {(VEP, False)}),
        ("VEP latency prolonged", {(VEP, False)}),
        ("VEP latencies are prolonged", {(VEP, False)}),
        ("visual evoked potentials delayed", {(VEP, False)}),
        ("prolonged latency of visual evoked potentials", {(VEP, False)}),
        ("flash VEPs delayed", {(FLASH_VEP_TIMING, False)}),
        ("delayed pattern reversal VEPs", {(PATTERN_VEP_TIMING, False)}),
        # As before.
        ("flat VEPs", {("HP:0007965", False)}),
        ("VEPs normal", {(VEP, True)}),
        # 5. A hearing screen passed excludes hearing impairment, as "BERA normal" does.
        ("Hearing screen passed", {(HEARING, True)}),
        # A passed newborn screen tells of the hearing at birth only (JCIH 2019): shown, not read.
        ("passed newborn hearing screen", set()),
        ("Passed the newborn hearing screen bilaterally", set()),
        ("Newborn hearing screen: pass", set()),
        ("normal newborn hearing screen", set()),
        ("BERA normal", {(HEARING, True)}),
        # A failed one is uncertain, not read (see the unit tests).
        ("failed hearing screen", set()),
        ("referred on newborn hearing screen", set()),
        # 6. Head circumference: Macrocephaly above the 97th centile, Microcephaly below -2 SD (HPO).
        ("Head circumference is on the 98th centile", {(MACRO, False)}),
        ("OFC > 97th centile", {(MACRO, False)}),
        ("OFC above the 97th centile", {(MACRO, False)}),
        ("OFC 46 cm (99.6th centile)", {(MACRO, False)}),
        ("OFC +2.5 SD", {(MACRO, False)}),
        ("HC on the 0.4th centile", {(MICRO, False)}),
        ("OFC -3 SD", {(MICRO, False)}),
        ("OFC 3 SD below the mean", {(MICRO, False)}),
        ("OFC 50th centile", {(MACRO, True), (MICRO, True)}),
        ("OFC 97th centile", set()),
        ("OFC < 3rd centile", set()),
        # As before.
        ("macrocephaly", {(MACRO, False)}),
        ("weight on the 98th centile", set()),
    ],
)
def test_the_letter_s_wording(parser: TextParser, text: str, expected: set[tuple[str, bool]]) -> None:
    assert {(m.hpo_id, m.excluded) for m in parser.parse(text, labs=True, age_days=365).mappings} == expected


def test_a_head_circumference_at_a_cut_off_is_uncertain_with_a_note(parser: TextParser) -> None:
    parsed = parser.parse("OFC 97th centile, frontal bossing")
    assert {m.hpo_id for m in parsed.mappings} == {"HP:0002007"}
    assert parsed.uncertain == ("ofc 97th centile",)
    assert parsed.notes[0].startswith("'ofc 97th centile': HPO's Macrocephaly is a head circumference above")
