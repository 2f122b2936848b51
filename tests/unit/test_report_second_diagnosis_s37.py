"""A second genotype-supported diagnosis in another gene (the care plan's ``other_genotype_supported``) is shown
wherever the plan is: the clinician report (HTML, PDF share it), the JSON, the family summary in plain words, the
web app's results page (also for an analysis stored without the key) and the summary line of
``marbledx analyze`` (session s37; Posey 2017, DOI:10.1056/NEJMoa1516767)."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marbledx.advice import CarePlan, build_care_plan
from marbledx.findings import Case, Finding
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo, Ontology
from marbledx.ranking import CaseResult, Diagnosis
from marbledx.report import _analysis, analyze, family_summary, render_html
from tests.unit.advice.test_second_diagnosis_s37 import (
    DRTA,
    DRTA_LABEL,
    DRTA_TERM,
    OSTEOPETROSIS,
    POSEY_2017,
    TCIRG1_ARO,
    supported,
)
from tests.unit.web.conftest import Web, browsers, no_database_env, registry, web  # noqa: F401

from .cli_run import run_cli
from .web.test_pages import new_case, sign_in, version_of

SECOND = (
    f"The DNA test also points to a second condition, {DRTA_LABEL}; your doctors will talk with you about it."
)


def _ranking() -> list[Diagnosis]:
    return [
        supported(
            TCIRG1_ARO, 0.72, "TCIRG1", genotype_lr=2221.0, label="Osteopetrosis, autosomal recessive 1"
        ),
        supported(DRTA, 0.082, "ATP6V1B1", genotype_lr=319.8, rank=2, label=DRTA_LABEL),
    ]


def _case() -> Case:
    return Case("p", "test", (Finding(OSTEOPETROSIS), Finding(DRTA_TERM)), age_days=60.0, sex="male")


def _plan(hpo: Hpo, kb: KnowledgeBase, ranking: list[Diagnosis]) -> CarePlan:
    return build_care_plan(CaseResult("p", "test", diagnoses=ranking), _case(), kb, hpo.ontology)


def _dual(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make analyze's care plan the TCIRG1 plan with the ATP6V1B1 dRTA beside it (the ranking is not what these
    tests are about)."""

    def planned(result: CaseResult, case: Case, kb: KnowledgeBase, ontology: Ontology) -> CarePlan:
        ranked = CaseResult(result.case_id, result.input, diagnoses=_ranking())
        plan = build_care_plan(ranked, case, kb, ontology)
        assert [o.disease_id for o in plan.other_genotype_supported] == [DRTA]
        return plan

    monkeypatch.setattr(_analysis, "build_care_plan", planned)


def test_the_family_summary_names_the_second_condition_in_one_plain_sentence(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    summary = family_summary(_plan(real_hpo, kb, _ranking()), kb, age_days=60.0)
    (what,) = [s for s in summary.sections if s.title == "What the condition is"]
    assert what.paragraphs[-1] == SECOND
    assert POSEY_2017 in what.sources
    # No chance and no genotype LR: the family is told no more than the evidence says.
    assert "8.2%" not in summary.text()
    assert "320" not in summary.text()
    # Without a second diagnosis, nothing is said.
    alone = _plan(real_hpo, kb, _ranking()[:1])
    assert alone.other_genotype_supported == []
    assert "The DNA test also points to" not in family_summary(alone, kb, age_days=60.0).text()


def test_beside_an_unsettled_plan_the_family_hears_of_another_condition(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # Biallelic CLCN7 with ADO2 as a rival reading: the plan is uncertain, so not "a second" condition.
    ranking = [
        supported("OMIM:611490", 0.6, "CLCN7", genotype_lr=2000.0),
        supported("OMIM:166600", 0.3, "CLCN7", genotype_lr=300.0, rank=2),
        supported(DRTA, 0.05, "ATP6V1B1", genotype_lr=319.8, rank=3, label=DRTA_LABEL),
    ]
    plan = _plan(real_hpo, kb, ranking)
    assert plan.certainty == "uncertain"
    text = family_summary(plan, kb, age_days=60.0).text()
    assert f"The DNA test also points to another condition, {DRTA_LABEL};" in text
    assert "a second condition" not in text


def test_the_clinician_report_and_json_show_the_second_diagnosis(
    monkeypatch: pytest.MonkeyPatch, real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    _dual(monkeypatch)
    report = analyze(_case(), hpo=real_hpo, kb=kb)
    data = report.to_dict()
    (second,) = data["care_plan"]["other_genotype_supported"]
    assert (second["disease_id"], second["genes"]) == (DRTA, ["ATP6V1B1"])
    assert any(p == SECOND for s in data["family_summary"]["sections"] for p in s["paragraphs"])
    page = html.unescape(render_html(report, hpo=real_hpo, kb=kb))
    box = page.split('<div class="summary">')[1].split("<h2>")[0]
    assert f"Also supported by the genotype, in another gene:</strong> {DRTA_LABEL} ({DRTA}; ATP6V1B1)" in box
    table = page.split('<table id="second-diagnosis">')[1].split("</table>")[0]
    assert "ATP6V1B1" in table
    assert "Distal renal tubular acidosis (HP:0008341)" in table
    assert "its own specialist assessment and care" in table
    assert f"<strong>{POSEY_2017}</strong>" in page.split("<h2>References</h2>")[1]
    family = html.unescape(render_html(report, hpo=real_hpo, kb=kb, audience="family"))
    assert SECOND in family


def test_the_summary_line_of_analyze_names_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _dual(monkeypatch)
    out = tmp_path / "r.json"
    code, _, err = run_cli(
        capsys, "analyze", "--hpo", "HP:0011002", "--age", "P2M", "--format", "json", "-o", str(out)
    )
    assert code == 0, err
    lines = err.strip().splitlines()
    assert "HSCT decision curative" in lines[-2]
    assert lines[-1] == (
        f"marbledx: the genotype also supports, in another gene: {DRTA} {DRTA_LABEL} (ATP6V1B1, 8.2%); the care "
        "plan does not cover it"
    )


def test_the_results_page_shows_it_and_renders_a_stored_plan_without_the_key(
    monkeypatch: pytest.MonkeyPatch,
    web: Web,  # noqa: F811
    browsers: tuple[TestClient, TestClient],  # noqa: F811
) -> None:
    _dual(monkeypatch)
    page, _ = browsers
    token = sign_in(page)
    case_id = new_case(page, token)
    finding = {"term": "Osteopetrosis", "version": version_of(page, case_id), "csrf_token": token}
    assert page.post(f"/cases/{case_id}/findings", data=finding).status_code == 303
    assert page.post(f"/cases/{case_id}/analyze", data={"csrf_token": token}).status_code == 303
    shown = html.unescape(page.get(f"/cases/{case_id}/results").text)
    box = shown.split('<section class="hsct-box')[1].split("</section>")[0]
    assert f"Also supported by the genotype, in another gene: <strong>{DRTA_LABEL}</strong>" in box
    assert 'id="second-diagnosis"' in shown
    # An analysis stored before the plan had the key still renders, without the section.
    alice = web.registry.get_user("alice")
    result = dict(web.registry.get_analysis(alice, case_id).result or {})
    result["care_plan"] = {k: v for k, v in result["care_plan"].items() if k != "other_genotype_supported"}
    web.registry.record_analysis(alice, case_id, result)
    older = page.get(f"/cases/{case_id}/results")
    assert older.status_code == 200, older.text
    assert "Also supported by the genotype" not in older.text
    assert 'id="second-diagnosis"' not in older.text
    assert 'id="hsct-decision"' in older.text
