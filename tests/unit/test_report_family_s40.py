"""s40 review of the family summary: a transplant that the plan still makes conditional on other tests is not said
as decided.

A 4-year-old with CLCN7 ARO (OPTB4) whose genotype is found: the plan's curative decision holds only "if
non-neuronopathic", until the ERG and the brain MRI decide (reference §1B OPTB4: CLCN7 ARO with neurodegeneration
does not benefit; Blood Adv 2017;1(4):279). The summary read "to find a match for a transplant". The rankings are
built by hand; the ontology is the real HPO.
"""

from __future__ import annotations

from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.report import FamilySummary, family_summary
from tests.care_diagnoses import care_plan, dx

_YEAR = 365.25
OSTEOPETROSIS = "HP:0011002"
ANAEMIA = "HP:0001903"
NYSTAGMUS = "HP:0000639"
FRACTURES = "HP:0002757"
RETINAL_DEGENERATION = "HP:0000546"
CEREBRAL_ATROPHY = "HP:0002059"
ABNORMAL_MYELINATION = "HP:0012447"
OPTB4 = "OMIM:611490"
TCIRG1 = "OMIM:259700"


def _next_steps(summary: FamilySummary) -> list[str]:
    return next(s for s in summary.sections if s.title == "What happens next").bullets


def test_a_clcn7_child_awaiting_the_eye_and_brain_tests_is_not_told_a_transplant_is_decided(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    plan = care_plan(
        real_hpo,
        kb,
        [dx(OPTB4, 0.85, genotype_lr=228.0)],
        OSTEOPETROSIS,
        ANAEMIA,
        NYSTAGMUS,
        FRACTURES,
        age_days=4 * _YEAR,
    )
    assert (plan.certainty, plan.hsct.decision) == ("genotype_supported", "curative")
    assert plan.hsct.condition is not None
    assert any(t.name.startswith("HLA typing") for t in plan.tests), "the donor search runs meanwhile"
    summary = family_summary(plan, kb, age_days=4 * _YEAR)
    words = summary.text()
    assert "to find a match for a transplant" not in words
    (match,) = [b for b in _next_steps(summary) if "find a match" in b]
    assert match.endswith("in case the eye and brain tests show that a transplant can help.")
    # The eye and brain tests it names are among the next steps.
    steps = " ".join(_next_steps(summary))
    assert "A brain scan." in steps
    assert "An eye check" in steps


def test_once_the_findings_exclude_the_neuronopathic_form_the_match_is_for_a_transplant(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # The condition is lifted when the findings exclude retinal degeneration, cerebral atrophy and abnormal
    # myelination (care.yaml neuronopathic_workup): the plan's decision is then curative without a condition.
    plan = care_plan(
        real_hpo,
        kb,
        [dx(OPTB4, 0.85, genotype_lr=228.0)],
        OSTEOPETROSIS,
        ANAEMIA,
        age_days=4 * _YEAR,
        excluded=(RETINAL_DEGENERATION, CEREBRAL_ATROPHY, ABNORMAL_MYELINATION),
    )
    assert (plan.hsct.decision, plan.hsct.condition) == ("curative", None)
    steps = _next_steps(family_summary(plan, kb, age_days=4 * _YEAR))
    assert any(b.endswith("to find a match for a transplant.") for b in steps)


def test_a_tcirg1_infant_keeps_the_match_for_a_transplant(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    plan = care_plan(real_hpo, kb, [dx(TCIRG1, 0.95, genotype_lr=300.0)], OSTEOPETROSIS, ANAEMIA, age_days=60)
    assert (plan.hsct.decision, plan.hsct.condition) == ("curative", None)
    steps = _next_steps(family_summary(plan, kb, age_days=60))
    assert any(b.endswith("to find a match for a transplant.") for b in steps)
