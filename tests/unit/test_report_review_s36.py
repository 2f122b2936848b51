"""Clinical content review of the reports on published patients (session s36): what the clinician report's
summary and the family summary say, with hand-made diagnoses (tests/care_diagnoses.py) in place of the
patients that showed each problem."""

from __future__ import annotations

import pytest

from marbledx.advice import build_care_plan
from marbledx.findings import Case, Finding
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.ranking import CaseResult
from marbledx.report import analyze, family_summary, render_html
from tests.care_diagnoses import analyze_confirms, dx

INFANT_ARO = ("HP:0011002", "HP:0001903", "HP:0001873", "HP:0001744", "HP:0000639")


def _case(age_days: float | None) -> Case:
    return Case("p", "test", tuple(Finding(t) for t in INFANT_ARO), age_days=age_days, sex="male")


def test_the_clinician_summary_gives_the_clcn7_condition_until_the_workup_is_known(
    monkeypatch: pytest.MonkeyPatch, real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # CLCN7_KlinPadiatr2010 with its VCF: the summary box said "curative if non-neuronopathic", the card's
    # limit, but not that the work-up deciding it was still to come (reference §1B OPTB4, §2.4).
    analyze_confirms(monkeypatch, "OMIM:611490", "OPTB4")
    report = analyze(_case(60.0), hpo=real_hpo, kb=kb)
    assert report.care_plan.hsct.condition is not None
    box = render_html(report, hpo=real_hpo, kb=kb).split('<div class="summary">')[1].split("</div>")[0]
    assert f"curative</span> {report.care_plan.hsct.condition}" in box
    assert "not yet known: ERG and brain MRI decide before HSCT" in box


def test_the_clinician_summary_keeps_the_card_limit_without_a_condition(
    monkeypatch: pytest.MonkeyPatch, real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # TCIRG1: no limit at all; the summary is the plain decision, as before.
    analyze_confirms(monkeypatch, "OMIM:259700", "OPTB1")
    report = analyze(_case(60.0), hpo=real_hpo, kb=kb)
    box = render_html(report, hpo=real_hpo, kb=kb).split('<div class="summary">')[1].split("</div>")[0]
    assert "curative</span> <span" in box
    assert "non-neuronopathic" not in box


def test_a_family_without_the_childs_age_is_not_told_of_the_three_month_window(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # CLCN7_HumGenet2003-IARO-patientA (no age given) with its VCF: the plan's band was "infant" from the form's
    # typical onset, and the family read "Sight is better kept when it is done in the first three months of
    # life", which the family of an older child would take as a chance already missed.
    ranking = [dx("OMIM:259700", 0.97, genotype_lr=2000.0)]
    for age_days, window in ((None, False), (60.0, True)):
        case = _case(age_days)
        plan = build_care_plan(CaseResult("p", "test", diagnoses=ranking), case, kb, real_hpo.ontology)
        assert (plan.age_band, plan.hsct.decision, plan.hsct.urgency) == ("infant", "curative", "urgent")
        text = family_summary(plan, kb, age_days=age_days).text()
        assert ("first three months of life" in text) is window, age_days
        assert "Time matters." in text
