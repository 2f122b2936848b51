"""Counselling in the analysis report: figures only for a diagnosis the genotype supports, plain chances for the
family, the CLCN7 and multi-mode caveats, and the son's and daughter's figures for X-linked disease."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import textstat
from markupsafe import escape

from marbledx._format import percent
from marbledx.advice import counselling_report, resolve_disease
from marbledx.findings import Case, Finding, read_ped
from marbledx.genotype.synthetic import SyntheticVariant, write_vcf
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.report import AnalysisReport, analyze, family_summary, render_html, render_result_html
from marbledx.report._analysis import _counselling
from marbledx.report._inheritance import InheritanceOption

EXAMPLE = Path(__file__).parents[2] / "examples" / "infant-aro.json"
INFANT_ARO = ("HP:0011002", "HP:0001903", "HP:0001744", "HP:0000639")
# OL-EDA-ID: osteopetrosis, lymphoedema, anhidrotic ectodermal dysplasia, immunodeficiency.
OL_EDA_ID = ("HP:0011002", "HP:0001004", "HP:0000968", "HP:0002718", "HP:0012178", "HP:0011065")


def _ped(tmp_path: Path, text: str = "") -> Path:
    ped = tmp_path / "family.ped"
    ped.write_text(
        text or "F KID DAD MUM 1 2\nF DAD 0 0 1 1\nF MUM 0 0 2 1\nF SIS DAD MUM 2 1\n", encoding="utf-8"
    )
    return ped


def _case(terms: tuple[str, ...], *, age_days: float = 120.0) -> Case:
    return Case(
        "kid", "test", tuple(Finding(t) for t in terms), age_days=age_days, sex="male", subject_id="KID"
    )


def _vcf(tmp_path: Path, chrom: str, pos: int, gene: str, genotype: str) -> Path:
    variant = SyntheticVariant(chrom, pos, "C", "T", gene, "stop_gained", {"KID": genotype}, hgvs_c="c.1C>T")
    return write_vcf(tmp_path / f"{gene}.vcf", [variant], samples=("KID",))


def _inheritance(report: AnalysisReport) -> str:
    section = next(s for s in report.family.sections if s.title == "How it runs in families")
    return " ".join([*section.paragraphs, *section.bullets])


def test_an_unconfirmed_diagnosis_gives_no_recurrence_figures(
    real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    # risk review 6: a phenotype-only infant; the leading options are not confirmed by any genotype.
    report = analyze(EXAMPLE, hpo=real_hpo, kb=kb, ped=_ped(tmp_path))
    assert report.care_plan.certainty == "uncertain"
    counselling = report.to_dict()["counselling"]
    assert counselling["risks_given"] is False
    assert counselling["for_diagnosis"]["confirmed"] is False
    assert "next_child" not in counselling
    assert "individuals" not in counselling
    assert "advice" not in counselling
    options = counselling["inheritance_options"]
    assert options[0]["disease_id"] == report.care_plan.diagnosis_id
    assert all(o["inheritance"] == ["autosomal_recessive"] and o["sources"] for o in options)
    html = render_html(report, hpo=real_hpo, kb=kb)
    assert "Next child:" not in html
    assert "Inheritance if confirmed" in html
    assert "not confirmed by the genotype" in html
    # The family summary states no mode as this family's, gives no figure and claims no use of the tree.
    text = report.family.text()
    assert "depends on the form" in text
    assert "Other forms may be passed on in other ways" in text
    assert "1 in 4" not in text
    assert "are healthy" not in text
    assert "was used to work out" not in text
    assert "worked out from the family tree" not in text
    assert "The chances for your family" not in [s.title for s in report.family.sections]
    assert textstat.flesch_kincaid_grade(text) <= 8


def test_a_confirmed_diagnosis_shows_the_family_its_chances_in_plain_words(
    real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    # risk review 5: the family tree is said to be used only where the chances it gave are shown.
    vcf = _vcf(tmp_path, "11", 68_040_000, "TCIRG1", "1/1")
    report = analyze(_case(INFANT_ARO), hpo=real_hpo, kb=kb, vcf=vcf, ped=_ped(tmp_path))
    assert (report.care_plan.certainty, report.care_plan.subtype) == ("genotype_supported", "OPTB1")
    assert report.to_dict()["counselling"]["risks_given"] is True
    chances = next(s for s in report.family.sections if s.title == "The chances for your family")
    assert "These chances were worked out from the family tree you gave." in chances.paragraphs
    assert chances.bullets[0].startswith("For each pregnancy of DAD and MUM, the chance of a child with the")
    assert "25% (1 in 4)" in chances.bullets[0]
    assert "SIS: a 66.7% (2 in 3) chance of carrying a changed copy." in chances.bullets
    assert chances.sources
    assert textstat.flesch_kincaid_grade(report.family.text()) <= 8
    html = render_html(report, hpo=real_hpo, kb=kb, audience="family")
    assert "The chances for your family" in html
    assert "66.7% (2 in 3)" in html


def test_an_untested_sibling_of_unknown_status_is_named_with_the_chance_of_having_the_disease(
    real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    vcf = _vcf(tmp_path, "11", 68_040_000, "TCIRG1", "1/1")
    ped = _ped(tmp_path, "F KID DAD MUM 1 2\nF DAD 0 0 1 1\nF MUM 0 0 2 1\nF BABY DAD MUM 1 0\n")
    report = analyze(_case(INFANT_ARO), hpo=real_hpo, kb=kb, vcf=vcf, ped=ped)
    chances = next(s for s in report.family.sections if s.title == "The chances for your family")
    baby = next(b for b in chances.bullets if b.startswith("BABY"))
    assert baby == (
        "BABY: a 25% (1 in 4) chance of having the condition, so ask the team about checking them. "
        "A 50% (1 in 2) chance of carrying a changed copy."
    )


def test_the_optb4_family_summary_keeps_the_clcn7_caveat(
    real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    # risk review 4: a parent with a dominant-negative CLCN7 variant may have ADO2 (reference §4.1).
    vcf = _vcf(tmp_path, "16", 1_450_000, "CLCN7", "1/1")
    report = analyze(_case(INFANT_ARO), hpo=real_hpo, kb=kb, vcf=vcf, ped=_ped(tmp_path))
    assert (report.care_plan.certainty, report.care_plan.subtype) == ("genotype_supported", "OPTB4")
    text = _inheritance(report)
    assert "are healthy" not in text
    assert "some changes in the CLCN7 gene cause another form, ADO2, with only one changed copy" in text
    assert "Ask the team which kind of change each parent carries." in text
    section = next(s for s in report.family.sections if s.title == "How it runs in families")
    assert "PMID:11741829" in section.sources
    assert textstat.flesch_kincaid_grade(report.family.text()) <= 8


def test_iao_is_given_both_modes_and_every_gene(real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path) -> None:
    # risk review 4: IAO is AR or AD (reference §1A), and its genes are not cut short (reference §7.2).
    vcf = _vcf(tmp_path, "11", 68_040_000, "TCIRG1", "1/1")
    report = analyze(_case(INFANT_ARO), hpo=real_hpo, kb=kb, vcf=vcf)
    iao = kb.get("IAO")
    plan = replace(report.care_plan, subtype="IAO", diagnosis_id=iao.primary_id, diagnosis_label=iao.name)
    summary = family_summary(plan, kb)
    text = summary.text()
    assert "CLCN7, PLEKHM1, TCIRG1 or SNX10" in text
    assert "This form can be passed on in more than one way." in text
    assert "In some families, a child gets a changed copy of the gene from each parent." in text
    assert "In some families, one changed copy of the gene can cause it." in text
    assert "1 in 4" not in text
    assert "are healthy" not in text
    # Nor does analyze pick one of IAO's modes to compute the family's risks.
    option = InheritanceOption(
        iao.primary_id or "", iao.name, "IAO", "IAO", 0.9, tuple(iao.inheritance.modes), ()
    )
    counselling, notes = _counselling(_ped(tmp_path), plan, [option], kb, real_hpo)
    assert counselling is not None
    assert counselling["risks_given"] is False
    assert "autosomal recessive or autosomal dominant" in counselling["reason"]
    assert "next_child" not in counselling
    assert "marbledx risk" in notes[0]


def test_x_linked_headline_gives_the_son_and_the_daughter(
    real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    # risk review 12: a mean over sexes (8.3%) halves the son's risk (16.7%). The plan is marked confirmed
    # here, so the test does not hang on how strongly a synthetic IKBKG variant scores.
    ped = _ped(
        tmp_path,
        "F GF 0 0 1 1\nF GM 0 0 2 1\nF DAD 0 0 1 1\nF MUM GF GM 2 1\nF AUNT GF GM 2 1\nF KID DAD MUM 1 2\n"
        "F BRO1 DAD MUM 1 1\nF BRO2 DAD MUM 1 1\nF SIS DAD MUM 2 1\n",
    )
    report = analyze(_case(OL_EDA_ID, age_days=365.0), hpo=real_hpo, kb=kb)
    assert report.care_plan.subtype == "OL-EDA-ID"
    plan = replace(report.care_plan, certainty="genotype_supported")
    counselling = {
        **counselling_report(read_ped(ped), resolve_disease(kb, "OL-EDA-ID")).to_dict(),
        "for_diagnosis": {"disease_id": plan.diagnosis_id, "subtype": plan.subtype, "confirmed": True},
        "risks_given": True,
    }
    data = {**report.to_dict(), "care_plan": plan.to_dict(), "counselling": counselling}
    html = render_result_html(data, hpo=real_hpo, kb=kb)
    assert "son affected 17%; daughter carrier 17%" in html
    assert "affected 8.3%" not in html
    chances = next(
        s
        for s in family_summary(plan, kb, counselling=counselling).sections
        if s.title == "The chances for your family"
    )
    assert "a son has a 16.7% chance of having the condition" in chances.bullets[0]
    assert "A daughter has a 16.7% chance of carrying it." in chances.bullets[0]
    assert "MUM: a 33.3% chance of carrying a changed copy." in chances.bullets


@pytest.mark.parametrize("confirmed", [True, False])
def test_stored_results_render_counselling_by_confirmation(
    real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path, confirmed: bool
) -> None:
    # An analysis stored before this change carries figures for an unconfirmed diagnosis: they stay hidden.
    vcf = _vcf(tmp_path, "11", 68_040_000, "TCIRG1", "1/1")
    report = analyze(_case(INFANT_ARO), hpo=real_hpo, kb=kb, vcf=vcf, ped=_ped(tmp_path))
    data = report.to_dict()
    data["counselling"]["for_diagnosis"]["confirmed"] = confirmed
    html = render_result_html(data, hpo=real_hpo, kb=kb)
    assert ("Next child:" in html) is confirmed


def test_the_clinician_counselling_lists_its_assumptions_and_the_diagnosis_they_rest_on(
    real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    # web review 8: the advice ends "the numbers depend on ... the assumptions listed"; the report lists them,
    # and says the figures are for the diagnosis the genotype supports, at its posterior, and hold only for it.
    vcf = _vcf(tmp_path, "11", 68_040_000, "TCIRG1", "1/1")
    report = analyze(_case(INFANT_ARO), hpo=real_hpo, kb=kb, vcf=vcf, ped=_ped(tmp_path))
    counselling = report.to_dict()["counselling"]
    assert counselling["risks_given"] is True
    assert counselling["assumptions"]
    html = render_html(report, hpo=real_hpo, kb=kb)
    section = html[html.index("<h2>Genetic counselling</h2>") : html.index("<h2>Findings used</h2>")]
    assert "Assumptions" in section
    for assumption in counselling["assumptions"]:
        assert escape(assumption) in section
    # The engine's assumptions name flags of 'marbledx risk', which analyze does not have.
    if any(" --" in a for a in counselling["assumptions"]):
        assert "those of 'marbledx risk'" in section
    probability = report.care_plan.probability
    assert f"posterior probability {percent(probability)}" in section
    assert "they hold only if that diagnosis is right" in section


def test_two_ado2_parents_are_told_one_copy_and_two_copies_apart(
    real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    # Two affected ADO2 parents: a child with two CLCN7 variants has recessive osteopetrosis (OPTB4), not ADO2,
    # so the family summary gives one copy and two copies separately, as the counselling advice does.
    ped = _ped(tmp_path, "F DAD 0 0 1 2\nF MUM 0 0 2 2\nF KID DAD MUM 1 2\n")
    report = analyze(_case(("HP:0011002", "HP:0002757"), age_days=30 * 365.0), hpo=real_hpo, kb=kb)
    ado2 = kb.get("ADO2")
    plan = replace(
        report.care_plan,
        subtype="ADO2",
        diagnosis_id=ado2.primary_id,
        diagnosis_label=ado2.name,
        certainty="genotype_supported",
    )
    counselling = {
        **counselling_report(read_ped(ped), resolve_disease(kb, "ADO2")).to_dict(),
        "risks_given": True,
    }
    genotypes = counselling["next_child"]["genotype_probabilities"]
    chances = next(
        s
        for s in family_summary(plan, kb, counselling=counselling).sections
        if s.title == "The chances for your family"
    )
    first = chances.bullets[0]
    assert f"the chance that the child gets one changed copy is {percent(genotypes['1'])}" in first
    assert "gets the changed copy is 75%" not in first
    assert "two changed copies, one from each parent" in first
    assert "Two changed copies of the CLCN7 gene cause a different form of osteopetrosis (OPTB4)" in first
    assert "Not everyone with one changed copy has signs." in first
    assert textstat.flesch_kincaid_grade(" ".join(chances.bullets)) <= 10
