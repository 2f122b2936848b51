"""Content and safety review of the reports (clinician HTML and the family summary).

- The page title names no patient: it becomes the PDF's Title metadata and the browser's tab and history entry.
- A differential the genotype does not confirm is not called a diagnosis, and probabilities are the tool's
  estimates.
- Every source in the reference list resolves to a citation or an address.
- HSCT decisions and treatment stances are words ("not standard"), never enum values ("not_standard").
- ADO1 (LRP5) in the differential carries its caveat: not an osteoclast defect, perhaps not a true
  osteopetrosis (reference §7.5 item 2; Whyte 1996, DOI:10.1002/jbmr.5650111010).
- A lab value's reference interval shows where it comes from.
- The family summary explains a short name (OPTB2) instead of using it bare.
- User text (case id, pedigree ids, file names) is HTML-escaped.

The fixture release (tests/data/hpo-mini) and inline phenopackets only; nothing from ../shared.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from marbledx._api import subtype_summary
from marbledx.knowledge import Inheritance, KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.report import AnalysisReport, analyze, family_summary, render_html, render_result_html
from marbledx.report._inheritance import InheritanceOption
from marbledx.report._render import _references, clinician_context

from ..conftest import TESTS

INFANT = TESTS / "data" / "phenopackets" / "infant_aro.json"
ADULT = TESTS / "data" / "phenopackets" / "adult_ado.json"


@pytest.fixture(scope="module")
def infant(mini_hpo: Hpo, kb: KnowledgeBase) -> AnalysisReport:
    # One value with the laboratory's interval, one with the sourced fallback (WHO 2024, reference §5.1).
    return analyze(
        INFANT,
        hpo=mini_hpo,
        kb=kb,
        lab_values=["hemoglobin=8 g/dL age=P8M", "platelets=50 10^9/L low=150 high=450"],
    )


def _text(markup: str) -> str:
    """The words a reader sees: no stylesheet, no tags, entities decoded, spaces collapsed."""
    markup = re.sub(r"<style>.*?</style>", " ", markup, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def _summary_box(markup: str) -> str:
    return _text(markup.split('<div class="summary">')[1].split("</div>")[0])


def test_the_page_title_names_no_patient(infant: AnalysisReport, mini_hpo: Hpo, kb: KnowledgeBase) -> None:
    case_id = infant.result.case_id
    assert case_id
    for audience in ("clinician", "family"):
        page = render_html(infant, hpo=mini_hpo, kb=kb, audience=audience)
        title = re.search(r"<title>(.*?)</title>", page, re.DOTALL)
        assert title is not None
        assert case_id not in title.group(1)
    # The clinician report still names its case, in the page.
    clinician = render_html(infant, hpo=mini_hpo, kb=kb)
    assert f"Case <strong>{case_id}</strong>" in clinician


def test_a_differential_without_genetic_support_is_not_called_a_diagnosis(
    infant: AnalysisReport, mini_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # The fixture's leading option has a high posterior from the findings alone: still not a diagnosis.
    assert infant.care_plan.certainty == "uncertain"
    assert infant.care_plan.probability > 0.5
    page = render_html(infant, hpo=mini_hpo, kb=kb)
    box = _summary_box(page)
    assert "Leading diagnosis" not in box
    assert "Top of the differential (not a diagnosis: not confirmed by the genotype)" in box
    assert "(marbledx's estimate)" in box
    assert "Probability (estimate)" in page
    assert "marbledx estimate" in page.split('<svg class="chart"')[1].split("</svg>")[0]
    # With the genotype's support it is the leading diagnosis, still an estimate.
    data = infant.to_dict()
    data["care_plan"] = {**data["care_plan"], "certainty": "genotype_supported"}
    supported = _summary_box(render_result_html(data, hpo=mini_hpo, kb=kb))
    assert "Leading diagnosis (supported by the genotype):" in supported
    assert "(marbledx's estimate)" in supported


def test_every_source_in_the_reference_list_resolves(
    infant: AnalysisReport, mini_hpo: Hpo, kb: KnowledgeBase
) -> None:
    kinds = {
        "OMIM:259700": "https://omim.org/entry/259700",
        "ORPHA:667": "https://www.orpha.net/en/disease/detail/667",
        "PMCID:PMC2654865": "https://pmc.ncbi.nlm.nih.gov/articles/PMC2654865/",
        "NCT00043329": "https://clinicaltrials.gov/study/NCT00043329",
        "PMID:17632511": "https://pubmed.ncbi.nlm.nih.gov/17632511/",
        "DOI:10.1038/sj.bmt.1704194": "https://doi.org/10.1038/sj.bmt.1704194",
        "HPO-hpoa:OMIM:259700": "HPO disease annotation of OMIM:259700 (phenotype.hpoa, HPO release 2025-01-16)",
        "HPO-g2p:ORPHA:1782": "HPO gene-disease link of ORPHA:1782 (genes_to_phenotype.txt, HPO release "
        "2025-01-16)",
    }
    assert dict(_references(set(kinds), kb, "2025-01-16")) == kinds
    # Every source the report cites, whatever its kind, has a citation or an address.
    page = render_html(infant, hpo=mini_hpo, kb=kb)
    items = re.findall(r"<li><strong>([^<]*)</strong>([^<]*)</li>", page.split("<h2>References</h2>")[1])
    assert items
    assert [key for key, text in items if not text.startswith(": ")] == []


def test_hsct_decisions_and_stances_are_words(mini_hpo: Hpo, kb: KnowledgeBase) -> None:
    report = analyze(ADULT, hpo=mini_hpo, kb=kb)
    # The plan's reason words its options' decisions ("not standard"); a stance is a value.
    assert "not standard" in report.care_plan.hsct.reason
    assert "not_standard" not in report.care_plan.hsct.reason
    assert any(t.kind == "not_effective" for t in report.care_plan.treatments)
    words = _text(render_html(report, hpo=mini_hpo, kb=kb))
    assert not re.search(r"\bnot_(standard|curative|recommended|effective)\b", words)
    assert "not standard" in _summary_box(render_html(report, hpo=mini_hpo, kb=kb))
    assert "Interferon gamma-1b not effective" in words


def test_ado1_in_the_differential_carries_its_caveat(
    infant: AnalysisReport, mini_hpo: Hpo, kb: KnowledgeBase
) -> None:
    data = infant.to_dict()
    diagnoses = [dict(d) for d in data["diagnoses"]]
    diagnoses[1]["subtype"] = subtype_summary(kb.get("ADO1")).to_dict()
    page = render_result_html({**data, "diagnoses": diagnoses}, hpo=mini_hpo, kb=kb)
    table = page.split("<h2>Differential diagnosis</h2>")[1].split("</table>")[0]
    rows = table.split("<tr>")[2:]
    assert "not an osteoclast defect; may not be a true osteopetrosis" in _text(rows[1])
    assert "DOI:10.1002/jbmr.5650111010" in rows[1]
    assert "osteoclast defect" not in rows[0]  # OPTB1 is one
    references = page.split("<h2>References</h2>")[1]
    assert "<strong>DOI:10.1002/jbmr.5650111010</strong>" in references


def test_a_lab_interval_shows_its_source(infant: AnalysisReport, mini_hpo: Hpo, kb: KnowledgeBase) -> None:
    page = render_html(infant, hpo=mini_hpo, kb=kb)
    labs = _text(page.split("<h2>Laboratory values</h2>")[1].split("</table>")[0])
    assert "[WHO 2024]" in labs
    assert "[reporting laboratory]" in labs


def _option(kb: KnowledgeBase, key: str, probability: float) -> InheritanceOption:
    entity = kb.get(key)
    short = entity.names.short_names
    return InheritanceOption(
        disease_id=entity.primary_id or key,
        label=entity.name,
        subtype=key,
        name=short[0] if short else entity.name,
        probability=probability,
        modes=tuple(m for m in entity.inheritance.modes if m is not Inheritance.UNKNOWN),
        sources=tuple(entity.inheritance.sources),
    )


def test_the_family_summary_explains_short_names(infant: AnalysisReport, kb: KnowledgeBase) -> None:
    plan = dataclasses.replace(infant.care_plan, probability=0.4)
    options = [
        _option(kb, "OPTB2", 0.4),
        _option(kb, "OPTB1", 0.3),
        _option(kb, "LAD3", 0.1),
        _option(kb, "ADO2", 0.05),
        _option(kb, "CAEND", 0.05),
    ]
    summary = family_summary(plan, kb, options=options)
    section = next(s for s in summary.sections if s.title == "How it runs in families")
    said = " ".join(section.paragraphs)
    assert (
        "In the forms that doctors call OPTB2 and OPTB1, and in the condition that doctors call LAD3, a child "
        "gets a changed copy of the gene from each parent." in said
    )
    assert (
        "In the form that doctors call ADO2, and in Camurati-Engelmann disease, one changed copy of the gene "
        "can cause it." in said
    )
    assert not re.search(r"\bIn (OPTB|ADO|LAD)", said)


def test_user_text_is_escaped(mini_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path) -> None:
    hostile = '<script>alert("x")</script>\'"&'
    packet: dict[str, Any] = json.loads(INFANT.read_text(encoding="utf-8"))
    packet["id"] = hostile
    packet["phenotypicFeatures"][0]["type"]["label"] = '<img src=x onerror="alert(1)">'
    folder = tmp_path / "<b>folder"
    folder.mkdir()
    case = folder / "case.json"
    case.write_text(json.dumps(packet), encoding="utf-8")
    report = analyze(case, hpo=mini_hpo, kb=kb)
    for audience in ("clinician", "family"):
        page = render_html(report, hpo=mini_hpo, kb=kb, audience=audience)
        assert "<script" not in page
        assert "<img" not in page
        assert "<b>" not in page
    clinician = render_html(report, hpo=mini_hpo, kb=kb)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&#39;&#34;&amp;" in clinician


def test_an_analysis_stored_with_decision_values_in_its_reason_still_reads_as_words(
    mini_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # Analyses stored in the registry before the care plan worded its reason keep "not_standard" in it.
    stored = analyze(ADULT, hpo=mini_hpo, kb=kb).to_dict()
    stored["care_plan"]["hsct"]["reason"] = "Not settled: ADO2 (OMIM:166600): not_standard, 60%."
    context = clinician_context(stored, hpo=mini_hpo, kb=kb)
    assert (
        context["data"]["care_plan"]["hsct"]["reason"]
        == "Not settled: ADO2 (OMIM:166600): not standard, 60%."
    )
