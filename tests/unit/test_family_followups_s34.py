"""Follow-ups of the s34 family-summary reviews: sight already lost, a high calcium's warning signs, a dominant
variant that neither parent has, and brackets inside brackets in the advice text.

The rankings are built by hand (a genotype-supported diagnosis); the ontology is the real HPO release, so the care
plan marks its signs and red flags as ``marbledx analyze`` does.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import textstat

from marbledx.advice import CarePlan, build_care_plan, counselling_report, resolve_disease
from marbledx.findings import Case, Finding, read_ped
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.ranking import CaseResult
from marbledx.report import FamilySummary, analyze, family_summary, render_html
from marbledx.report._analysis import _counselling
from marbledx.report._inheritance import inheritance_options
from tests.care_diagnoses import dx

_YEAR = 365.25
OSTEOPETROSIS = "HP:0011002"
BLINDNESS = "HP:0000618"
OPTIC_ATROPHY = "HP:0000648"
VISUAL_IMPAIRMENT = "HP:0000505"
HYPERCALCAEMIA = "HP:0003072"
TCIRG1 = "OMIM:259700"
ADO2 = "OMIM:166600"
# An affected child whose parents both tested negative for the variant.
BOTH_NEGATIVE = "F KID DAD MUM 1 2\nF DAD 0 0 1 1 noncarrier\nF MUM 0 0 2 1 noncarrier\n"


def _plan(hpo: Hpo, kb: KnowledgeBase, disease_id: str, *terms: str, age_days: float) -> CarePlan:
    diagnosis = dx(disease_id, 0.95, genotype_lr=200.0)
    case = Case("c1", "test", tuple(Finding(t) for t in terms), age_days=age_days)
    plan = build_care_plan(CaseResult("c1", "test", diagnoses=[diagnosis]), case, kb, hpo.ontology)
    assert plan.certainty == "genotype_supported"
    return plan


def _summary(plan: CarePlan, kb: KnowledgeBase, age_days: float) -> FamilySummary:
    return family_summary(plan, kb, age_days=age_days)


def _section(summary: FamilySummary, title: str) -> list[str]:
    section = next(s for s in summary.sections if s.title.startswith(title))
    return [*section.paragraphs, *section.bullets]


# --- 1. A child whose sight is already lost is not told that sight can still get worse ------------------------


def test_a_blind_child_is_told_that_a_transplant_will_not_bring_back_sight(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    age = 2 * _YEAR
    plan = _plan(real_hpo, kb, TCIRG1, OSTEOPETROSIS, BLINDNESS, OPTIC_ATROPHY, age_days=age)
    assert plan.hsct.urgency == "urgent"
    assert plan.hsct.urgent_because[0].startswith("Blindness is already present")
    summary = _summary(plan, kb, age)
    meaning = " ".join(_section(summary, "What it means for"))
    assert "loss of sight" not in meaning
    assert "Sight is better kept" not in meaning
    assert "A transplant will not bring back sight that is already lost." in meaning
    assert "Other problems, such as hearing loss, can get worse while waiting." in meaning
    # Still curative, still urgent: what a transplant does is said as before.
    assert "can cure the bone problem" in meaning
    assert textstat.flesch_kincaid_grade(summary.text()) <= 8
    # A child who sees less well, but is not blind, keeps the wording about sight.
    seeing = _plan(real_hpo, kb, TCIRG1, OSTEOPETROSIS, VISUAL_IMPAIRMENT, OPTIC_ATROPHY, age_days=age)
    text = " ".join(_section(_summary(seeing, kb, age), "What it means for"))
    assert "Some problems, such as loss of sight, can get worse while waiting." in text
    assert "bring back sight" not in text


def test_a_blind_infant_is_not_told_that_sight_is_better_kept_early(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    age = 60.0
    plan = _plan(real_hpo, kb, TCIRG1, OSTEOPETROSIS, BLINDNESS, age_days=age)
    meaning = " ".join(_section(_summary(plan, kb, age), "What it means for"))
    assert "Sight is better kept" not in meaning
    assert "A transplant will not bring back sight that is already lost." in meaning


# --- 2. Every red flag the care plan marks present is in the family's list -----------------------------------


def test_a_high_calcium_puts_its_warning_signs_in_the_family_list(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    age = 210.0
    plan = _plan(real_hpo, kb, TCIRG1, OSTEOPETROSIS, VISUAL_IMPAIRMENT, HYPERCALCAEMIA, age_days=age)
    present = [f for f in plan.red_flags if f.present]
    assert "post-hsct-hypercalcaemia" in {f.kind for f in present}
    bullets = next(s for s in _summary(plan, kb, age).sections if s.title == "When to get help fast").bullets
    for flag in present:
        assert flag.plain in bullets, flag.kind
    assert "After a transplant, being sick, very thirsty or very sleepy." in bullets
    # While no finding shows it, the after-transplant flag is a sign for later and stays out of the list.
    usual = _plan(real_hpo, kb, TCIRG1, OSTEOPETROSIS, VISUAL_IMPAIRMENT, age_days=age)
    quiet = next(s for s in _summary(usual, kb, age).sections if s.title == "When to get help fast").bullets
    assert not any(b.startswith("After a transplant") for b in quiet)


# --- 3. A dominant variant that neither parent has: why no chance is given --------------------------------


def _ado2(tmp_path: Path, hpo: Hpo, kb: KnowledgeBase, ped: str) -> tuple[CarePlan, Path]:
    plan = _plan(hpo, kb, ADO2, OSTEOPETROSIS, "HP:0002757", age_days=8 * _YEAR)
    assert plan.subtype == "ADO2"
    path = tmp_path / "family.ped"
    path.write_text(ped, encoding="utf-8")
    return plan, path


def test_both_parents_negative_for_an_ado2_variant_says_why_no_chance_is_given(
    tmp_path: Path, real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    plan, ped = _ado2(tmp_path, real_hpo, kb, BOTH_NEGATIVE)
    options = inheritance_options(plan, kb)
    counselling, notes = _counselling(ped, plan, options, kb, real_hpo)
    # Not a silent None: the clinician report gets the reason, with its sources.
    assert counselling is not None
    assert counselling["risks_given"] is False
    assert counselling["new_in_child"] == {"child": "KID", "father": "DAD", "mother": "MUM"}
    reason = counselling["reason"]
    assert "not found in either parent of KID (DAD and MUM tested noncarrier)" in reason
    assert "probably new in KID" in reason
    assert "germline mosaicism" in reason
    assert "not zero" in reason
    assert {"seed:004_6d101a54be3f1e60.txt", "PMID:37798624"} <= set(counselling["sources"])
    assert [n for n in notes if n.startswith("counselling: no recurrence risks are given: the ADO2 variant")]
    assert not any("not computed" in n for n in notes)
    # The family is told the same in plain words.
    summary = family_summary(
        plan, kb, options=options, counselling=counselling, pedigree_given=True, age_days=8 * _YEAR
    )
    chances = " ".join(_section(summary, "The chances for your family"))
    assert "The gene tests of DAD and MUM did not find the changed copy that your child has." in chances
    assert "probably new in your child" in chances
    assert "not zero" in chances
    assert "%" not in chances
    assert textstat.flesch_kincaid_grade(summary.text()) <= 8
    # And the clinician report shows the reason in its counselling section.
    base = analyze(Case("c1", "test", (Finding(OSTEOPETROSIS),), age_days=8 * _YEAR), hpo=real_hpo, kb=kb)
    report = replace(base, care_plan=plan, family=summary, counselling=counselling, notes=notes)
    html = render_html(report, hpo=real_hpo, kb=kb)
    assert "not found in either parent of KID" in html
    # Its closing line does not promise figures "once the genotype supports a diagnosis": it already does.
    assert "computed once the genotype supports" not in html
    assert "the reason above is why it gives no figures" in html


def test_a_pedigree_error_that_a_new_variant_does_not_explain_is_still_reported(
    tmp_path: Path, real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # The child's own test contradicts the child's status: no new variant explains that, so no de novo story.
    ped = "F KID DAD MUM 1 2 noncarrier\nF DAD 0 0 1 1 noncarrier\nF MUM 0 0 2 1 noncarrier\n"
    plan, path = _ado2(tmp_path, real_hpo, kb, ped)
    options = inheritance_options(plan, kb)
    counselling, notes = _counselling(path, plan, options, kb, real_hpo)
    assert counselling is None
    assert notes[0].startswith("counselling: not computed: ")
    # The family summary does not drop the chances silently either.
    summary = family_summary(plan, kb, options=options, counselling=None, pedigree_given=True)
    text = " ".join(_section(summary, "How it runs in families"))
    assert "The family tree you gave could not be used to work out the chances for your family." in text
    assert "The chances for your family" not in [s.title for s in summary.sections]


# --- 4. No brackets inside brackets in the advice text ------------------------------------------------------


def test_a_relative_who_may_be_affected_is_listed_without_nested_brackets(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    path = tmp_path / "family.ped"
    path.write_text(
        "F KID DAD MUM 1 2\nF DAD 0 0 1 1\nF MUM 0 0 2 1\nF BABY DAD MUM 1 0 age=0.2\n", encoding="utf-8"
    )
    report = counselling_report(read_ped(path), resolve_disease(kb, "OPTB1"))
    (point,) = [p for p in report.advice if "not been assessed yet and may have" in p.text]
    assert "BABY (25%, or 1 in 4, age " in point.text
    for advice in report.advice:
        assert not re.search(r"\([^()]*\(", advice.text), advice.text


def test_the_fraction_is_kept_only_where_it_is_exact(tmp_path: Path, kb: KnowledgeBase) -> None:
    # A dominant form: the unassessed sibling's chance of signs (33%) is no simple fraction, and is given alone.
    path = tmp_path / "family.ped"
    path.write_text("F KID DAD MUM 1 2\nF DAD 0 0 1 2\nF MUM 0 0 2 1\nF SIB DAD MUM 1 0\n", encoding="utf-8")
    report = counselling_report(read_ped(path), resolve_disease(kb, "ADO2"))
    (point,) = [p for p in report.advice if "not been assessed yet and may have" in p.text]
    assert re.search(r"SIB \(\d+(\.\d)?%\)", point.text), point.text
