"""Genetic-counselling review of the family summary and the advice text (review s34).

Each test pins one finding: a chance is "the same in every pregnancy" only when the parents' genotypes are
settled; a dominant child of unaffected, untested parents is told that the variant may be new (reference §4.1:
de novo variants occur); a relative who may have a form with an urgent transplant is to be checked soon; a
dominant relative's chance is a chance of signs (ADO2 penetrance 0.66, reference §1D); sons with an X-linked form
are "expected" to be affected (no sourced penetrance); and the leading option of a differential does not read as
a diagnosis.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import textstat

from marbledx.advice import counselling_report, resolve_disease
from marbledx.findings import Case, Finding, read_ped
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.report import AnalysisReport, FamilySummary, analyze, family_summary
from tests.care_diagnoses import confirmed_plan

SAME = "The chance is the same in every pregnancy."
INFANT_ARO = ("HP:0011002", "HP:0001903", "HP:0001873", "HP:0001744", "HP:0000639")
# AR: unaffected parents (obligate carriers), affected son, unaffected sister, newborn of unknown status.
AR_NEWBORN = "F KID DAD MUM 1 2\nF DAD 0 0 1 1\nF MUM 0 0 2 1\nF SIS DAD MUM 2 1\nF BABY DAD MUM 1 0\n"
# AD: an affected child of two unaffected, untested parents (inherited with low penetrance, or new).
AD_QUIET_PARENTS = "F KID DAD MUM 1 2\nF DAD 0 0 1 1\nF MUM 0 0 2 1\n"
# AD: an affected father, an unaffected mother, an affected child and a sibling of unknown status.
AD_AFFECTED_FATHER = "F KID DAD MUM 2 2\nF DAD 0 0 1 2\nF MUM 0 0 2 1\nF SIB DAD MUM 1 0\n"
# XLR: an isolated affected boy; his mother carries with about 2/3 (Haldane).
XLR_ISOLATED = "F KID DAD MUM 1 2\nF DAD 0 0 1 1\nF MUM 0 0 2 1\n"


@pytest.fixture(scope="module")
def base(real_hpo: Hpo, kb: KnowledgeBase) -> AnalysisReport:
    case = Case("p", "test", tuple(Finding(t) for t in INFANT_ARO), age_days=200.0, sex="male")  # type: ignore[arg-type]
    return analyze(case, hpo=real_hpo, kb=kb)


def _counselling(tmp_path: Path, kb: KnowledgeBase, ped: str, key: str) -> dict[str, Any]:
    path = tmp_path / "family.ped"
    path.write_text(ped, encoding="utf-8")
    return {**counselling_report(read_ped(path), resolve_disease(kb, key)).to_dict(), "risks_given": True}


def _summary(base: AnalysisReport, kb: KnowledgeBase, tmp_path: Path, ped: str, key: str) -> FamilySummary:
    counselling = _counselling(tmp_path, kb, ped, key)
    return family_summary(
        confirmed_plan(base.care_plan, kb, key), kb, counselling=counselling, pedigree_given=True
    )


def _section(summary: FamilySummary, title: str) -> tuple[str, list[str], list[str]]:
    section = next(s for s in summary.sections if s.title.startswith(title))
    return " ".join([*section.paragraphs, *section.bullets]), section.bullets, section.sources


# --- "the same in every pregnancy" only when both parents' genotypes are settled ------------------------


def test_advice_gives_the_same_chance_in_every_pregnancy_only_for_settled_parents(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    path = tmp_path / "family.ped"
    path.write_text(AR_NEWBORN, encoding="utf-8")
    settled = counselling_report(read_ped(path), resolve_disease(kb, "OPTB1"))
    assert SAME in settled.advice[0].text  # obligate carriers: each child's chance is 1 in 4, independently
    path.write_text(AD_QUIET_PARENTS, encoding="utf-8")
    quiet = counselling_report(read_ped(path), resolve_disease(kb, "ADO2"))
    # Each parent carries with 50%: a second affected child would change the next child's chance.
    assert "is 50%" in quiet.advice[0].text
    assert SAME not in quiet.advice[0].text


def test_family_chances_of_a_dominant_child_of_unaffected_parents_say_the_variant_may_be_new(
    base: AnalysisReport, kb: KnowledgeBase, tmp_path: Path
) -> None:
    summary = _summary(base, kb, tmp_path, AD_QUIET_PARENTS, "ADO2")
    text, bullets, sources = _section(summary, "The chances for your family")
    assert SAME not in text
    assert "These chances assume that the changed copy came from one of the parents." in bullets[0]
    assert "It can also be new, without coming from either parent." in bullets[0]
    assert "Gene tests of both parents can help show which it is." in bullets[0]
    assert {"seed:004_6d101a54be3f1e60.txt", "PMID:37798624"} <= set(sources)
    assert textstat.flesch_kincaid_grade(summary.text()) <= 8


def test_family_chances_of_an_affected_parent_stay_the_same_in_every_pregnancy(
    base: AnalysisReport, kb: KnowledgeBase, tmp_path: Path
) -> None:
    text, bullets, _ = _section(
        _summary(base, kb, tmp_path, AD_AFFECTED_FATHER, "ADO2"), "The chances for your family"
    )
    assert SAME in bullets[0]
    assert "can also be new" not in text


def test_x_linked_chances_of_an_uncertain_carrier_mother_can_change(
    base: AnalysisReport, kb: KnowledgeBase, tmp_path: Path
) -> None:
    _, bullets, _ = _section(
        _summary(base, kb, tmp_path, XLR_ISOLATED, "OL-EDA-ID"), "The chances for your family"
    )
    assert SAME not in bullets[0]
    assert "This chance can change when more is known, for example from a gene test of MUM." in bullets[0]


# --- a relative who may have a form with an urgent transplant is to be checked soon ---------------------


def test_a_newborn_who_may_have_an_urgent_form_is_to_be_checked_soon(
    base: AnalysisReport, kb: KnowledgeBase, tmp_path: Path
) -> None:
    _, bullets, sources = _section(
        _summary(base, kb, tmp_path, AR_NEWBORN, "OPTB1"), "The chances for your family"
    )
    assert any(b.startswith("BABY: a 25% (1 in 4) chance of having the condition") for b in bullets)
    assert (
        "So please ask the team soon about checking anyone above who may have the condition." in bullets[-1]
    )
    assert {"DOI:10.1038/sj.bmt.1704194", "PMID:9849690"} <= set(sources)


def test_no_check_soon_without_an_urgent_form_or_anyone_to_check(
    base: AnalysisReport, kb: KnowledgeBase, tmp_path: Path
) -> None:
    # OSTM1: a transplant is not recommended, so nothing is urgent about it.
    ostm1, _, _ = _section(_summary(base, kb, tmp_path, AR_NEWBORN, "OPTB5"), "The chances for your family")
    assert "ask the team soon" not in ostm1
    # OPTB1 with nobody of unknown status.
    no_baby = AR_NEWBORN.replace("F BABY DAD MUM 1 0\n", "")
    optb1, _, _ = _section(_summary(base, kb, tmp_path, no_baby, "OPTB1"), "The chances for your family")
    assert "ask the team soon" not in optb1


# --- dominant and X-linked wording ----------------------------------------------------------------------


def test_a_dominant_relatives_chance_is_a_chance_of_signs(
    base: AnalysisReport, kb: KnowledgeBase, tmp_path: Path
) -> None:
    _, bullets, _ = _section(
        _summary(base, kb, tmp_path, AD_AFFECTED_FATHER, "ADO2"), "The chances for your family"
    )
    sib = next(b for b in bullets if b.startswith("SIB"))
    # 0.5 x 0.66: the chance of signs; a carrier without signs has the changed copy too (reference §1D).
    assert sib.startswith("SIB: a 33% chance of having signs of the condition, so ask the team")
    assert "A 50% chance of carrying a changed copy." in sib


def test_how_a_dominant_form_runs_in_families_names_new_variants(
    base: AnalysisReport, kb: KnowledgeBase
) -> None:
    text, _, sources = _section(
        family_summary(confirmed_plan(base.care_plan, kb, "ADO2"), kb), "How it runs in families"
    )
    assert "The changed copy can also be new in a child, without coming from a parent." in text
    assert "seed:004_6d101a54be3f1e60.txt" in sources


def test_sons_with_an_x_linked_form_are_expected_not_certain_to_be_affected(
    base: AnalysisReport, kb: KnowledgeBase
) -> None:
    text, _, _ = _section(
        family_summary(confirmed_plan(base.care_plan, kb, "OL-EDA-ID"), kb), "How it runs in families"
    )
    assert "Sons who get it are expected to have the condition." in text
    assert "will have the condition" not in text


# --- the leading option of a differential is not a diagnosis --------------------------------------------


def test_the_leading_option_without_genetic_support_does_not_read_as_a_diagnosis(
    base: AnalysisReport, kb: KnowledgeBase
) -> None:
    # 20%: above the care plan's credible level (10%), so it is named as the most likely on the list.
    plan = replace(base.care_plan, probability=0.2)
    assert plan.certainty == "uncertain"
    summary = family_summary(plan, kb)
    what = next(s for s in summary.sections if s.title == "What the condition is").paragraphs
    at = next(i for i, p in enumerate(what) if p.startswith("The most likely cause on the list is"))
    assert what[at + 1] == "Other causes on the list are still possible."
    confirmed = family_summary(confirmed_plan(base.care_plan, kb, "OPTB1"), kb)
    assert "still possible" not in confirmed.text()
