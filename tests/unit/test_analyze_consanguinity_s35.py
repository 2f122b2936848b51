"""The case's family history reaches the counselling risks: parents stated to be related (``--consanguineous``,
words such as "first-cousin parents", the web case's box) are the proband's parents, so the risk engine is told
so when it computes their next child (it then assumes first cousins where the common ancestors are not in the
file), and only then."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from marbledx.findings import Case, FamilyHistory, Finding
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.report import analyze
from tests.care_diagnoses import analyze_confirms

OPTB1 = "OMIM:259700"
# An affected infant (KID), the parents and an unaffected sister.
FAMILY = "F KID DAD MUM 1 2\nF DAD 0 0 1 1\nF MUM 0 0 2 1\nF SIS DAD MUM 2 1\n"
# An affected adult (KID), her partner and their child: her parents are not the couple.
ADULT = "F KID 0 0 2 2\nF PARTNER 0 0 1 1\nF CHILD PARTNER KID 1 0\n"


@pytest.fixture(autouse=True)
def optb1_confirmed(monkeypatch: pytest.MonkeyPatch) -> None:
    """analyze's care plan is an OPTB1 diagnosis the genotype supports, so that risks are computed."""
    analyze_confirms(monkeypatch, OPTB1, "OPTB1")


def _couple(
    mini_hpo: Hpo,
    kb: KnowledgeBase,
    tmp_path: Path,
    pedigree: str,
    *,
    related: bool,
    subject: str | None = "KID",
) -> dict[str, Any]:
    ped = tmp_path / "family.ped"
    ped.write_text(pedigree, encoding="utf-8")
    case = Case("kid", "test", (Finding("HP:0011002"),), age_days=120.0, sex="male", subject_id=subject)
    case = replace(case, family=FamilyHistory(consanguineous=related))
    report = analyze(case, hpo=mini_hpo, kb=kb, ped=ped)
    assert report.counselling is not None
    couple = report.counselling["couple"]
    assert isinstance(couple, dict)
    return couple


def test_related_parents_of_the_proband_are_stated_to_the_risk_engine(
    mini_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    related = _couple(mini_hpo, kb, tmp_path, FAMILY, related=True)
    assert (related["father"], related["mother"]) == ("DAD", "MUM")
    assert (related["consanguineous"], related["consanguinity"]) == (True, "stated")
    assert related["inbreeding_coefficient"] == pytest.approx(1 / 16)
    plain = _couple(mini_hpo, kb, tmp_path, FAMILY, related=False)
    assert (plain["consanguineous"], plain["consanguinity"]) == (False, "none")


def test_without_the_proband_in_the_file_the_default_couple_is_taken_as_the_parents(
    mini_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    couple = _couple(mini_hpo, kb, tmp_path, FAMILY, related=True, subject=None)
    assert (couple["father"], couple["mother"], couple["consanguinity"]) == ("DAD", "MUM", "stated")


def test_an_adult_probands_own_couple_is_not_made_related(
    mini_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    """Her parents are related, not she and her partner."""
    couple = _couple(mini_hpo, kb, tmp_path, ADULT, related=True)
    assert {couple["father"], couple["mother"]} == {"PARTNER", "KID"}
    assert (couple["consanguineous"], couple["consanguinity"]) == (False, "none")
