"""The family summary read card by card: what each entity of the knowledge base is said to be, and what its HSCT
decision is said to mean, follow the card and its cited reason (syndromes with dense bone are not called forms of
osteopetrosis; a transplant is "not recommended" for the brain only where the form harms the brain)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import textstat

from marbledx.findings import Case, Finding
from marbledx.genotype.synthetic import SyntheticVariant, write_vcf
from marbledx.knowledge import EntityGroup, KnowledgeBase, Neuronopathy
from marbledx.ontology import Hpo
from marbledx.report import AnalysisReport, FamilySummary, analyze, family_summary, render_html
from tests.care_diagnoses import confirmed_plan

INFANT_ARO = ("HP:0011002", "HP:0001903", "HP:0001873", "HP:0001744", "HP:0000639")
# Syndromes of the osteopetrosis group whose dense bone is one feature among others (reference §1A/§1B; their
# HPO annotations): never "a form of osteopetrosis".
SYNDROMES = {"OL-EDA-ID", "LAD3", "COMMAD", "BANDDOS"}
# What the generic wording of each decision says; a card's own reason adds to it.
GENERIC = {
    "A stem cell transplant is not expected to cure this form.",
    "What is known about this form does not support a stem cell transplant.",
    "A stem cell transplant is not expected to help the brain and nerve problems of this form.",
    "A stem cell transplant can help the bones in this form, but it does not fix every problem.",
    "The team will talk with you about the best care for your child.",
    "The team will talk with you about whether it is right for your child.",
    "A transplant is a big treatment with serious risks, and the team will explain them.",
}
NEURO = "brain and nerve problems"


@pytest.fixture(scope="module")
def base(real_hpo: Hpo, kb: KnowledgeBase) -> AnalysisReport:
    case = Case("p", "test", tuple(Finding(t) for t in INFANT_ARO), age_days=200.0, sex="male")  # type: ignore[arg-type]
    return analyze(case, hpo=real_hpo, kb=kb)


def _section(summary: FamilySummary, start: str) -> tuple[str, list[str]]:
    section = next(s for s in summary.sections if s.title.startswith(start))
    return " ".join([*section.paragraphs, *section.bullets]), section.sources


@pytest.mark.parametrize("key", [e.key for e in __import__("marbledx").load_knowledge_base()])
def test_every_card_is_called_what_it_is(base: AnalysisReport, kb: KnowledgeBase, key: str) -> None:
    entity = kb.get(key)
    summary = family_summary(confirmed_plan(base.care_plan, kb, key), kb)
    what, sources = _section(summary, "What the condition is")
    if key in SYNDROMES:
        # OL-EDA-ID and LAD-III were "a form of osteopetrosis": they are syndromes with dense bone.
        assert "a form of osteopetrosis" not in what
        assert "a rare condition caused by changes in" in what
        assert "Osteopetrosis is a rare condition of the bones." not in what
        assert "cells that clear old bone" not in what
        assert "dense" in what
    elif entity.group is EntityGroup.OSTEOPETROSIS:
        assert "The most likely cause is a form of osteopetrosis" in what
    else:
        # Pycnodysostosis, CED, renal osteodystrophy …: the differential, said to be another condition.
        assert "a form of osteopetrosis" not in what
        assert "It is a different condition from osteopetrosis" in what
        assert "PMID:22084176" in sources
    assert textstat.flesch_kincaid_grade(summary.text()) <= 8


@pytest.mark.parametrize(
    ("key", "said"),
    [
        ("OL-EDA-ID", ["weakens the immune system", "skin, hair, teeth and sweat glands"]),
        ("LAD3", ["white blood cells", "bleeding", "In some children it also makes the bones dense"]),
        ("COMMAD", ["the eyes, the hearing, and the colour of the skin and hair", "Very few children"]),
        ("BANDDOS", ["how the brain forms and works", "flatten the bones of the spine"]),
        ("OPTB3", ["CA II deficiency", "kidneys", "calcium in the brain"]),
        ("OPTB5", ["This form also affects the brain and nerves."]),
        ("OPTB4", ["In some children, this form also affects the brain and nerves."]),
    ],
)
def test_what_else_the_condition_does_is_said(
    base: AnalysisReport, kb: KnowledgeBase, key: str, said: list[str]
) -> None:
    what, _ = _section(family_summary(confirmed_plan(base.care_plan, kb, key), kb), "What the condition is")
    for words in said:
        assert words in what, words


def test_a_form_without_primary_neurodegeneration_gets_no_brain_sentence(
    base: AnalysisReport, kb: KnowledgeBase
) -> None:
    for key in ("OPTB1", "OPTB2", "OPTB7", "OPTB8", "ADO2"):
        what, _ = _section(
            family_summary(confirmed_plan(base.care_plan, kb, key), kb), "What the condition is"
        )
        assert "brain and nerves" not in what, key


DECIDED = [
    e.key
    for e in __import__("marbledx").load_knowledge_base()
    if e.hsct is not None
    and not e.hsct.unverified
    and e.hsct.decision.value in ("not_curative", "not_recommended", "partial")
]


@pytest.mark.parametrize("key", DECIDED)
def test_every_decision_against_or_partly_for_a_transplant_says_why(
    base: AnalysisReport, kb: KnowledgeBase, key: str
) -> None:
    entity = kb.get(key)
    meaning, sources = _section(family_summary(confirmed_plan(base.care_plan, kb, key), kb), "What it means")
    sentences = [s for s in _section_sentences(meaning) if s]
    # More than the decision's generic words: the card's own reason, in plain words.
    assert any(s not in GENERIC for s in sentences), sentences
    assert set(entity.hsct.sources) <= set(sources) if entity.hsct else True
    neuronopathic = entity.neuronopathic is not None and entity.neuronopathic.neuronopathic in (
        Neuronopathy.YES,
        Neuronopathy.SUBSET,
    )
    # The brain-and-nerve reason only where the form harms the brain and nerves (TIO was told it).
    assert (NEURO in meaning) is neuronopathic, meaning


def _section_sentences(text: str) -> list[str]:
    return [s.strip() + "." for s in text.split(".") if s.strip()]


@pytest.mark.parametrize(
    ("key", "said", "sources"),
    [
        # TIO resolves by itself in the first year (reference §1A, §3.2); it has nothing to do with the brain.
        ("TIO", ["gets better by itself during the first year of life"], ["ref:socialstyrelsen-transient"]),
        # RANKL: the signal comes from cells a graft does not replace; not cured by HSCT (PMID:17632511).
        (
            "OPTB2",
            ["does not replace the cells that make this signal", "have not been cured"],
            ["PMID:17632511"],
        ),
        # ADO1: increased bone formation, not an osteoclast defect; an inference, said as an expectation.
        ("ADO1", ["makes too much bone", "would not be expected"], ["PMID:12579474"]),
        # OSTM1: HCT before neurological symptoms did not stop them (Blood Adv 2017).
        (
            "OPTB5",
            [NEURO, "Even a transplant done before these problems began"],
            ["ref:blood-adv-2017-ostm1"],
        ),
        # CA II: the bone part is cured, the renal tubular acidosis is not (McMahon 2001).
        ("OPTB3", ["does not fix the kidney problem", "badly affected"], ["ref:mcmahon-2001"]),
        # LAD-III: the only curative option; long-term management without HSCT reported.
        ("LAD3", ["only treatment known to cure this condition", "without a transplant"], ["PMID:29472353"]),
        # IAO: consider in selected patients with accumulating complications.
        ("IAO", ["For a few people with many problems", "regular check-ups"], ["ref:blood-adv-2019-iao"]),
    ],
)
def test_each_decision_is_said_with_its_cards_reason(
    base: AnalysisReport, kb: KnowledgeBase, key: str, said: list[str], sources: list[str]
) -> None:
    summary = family_summary(confirmed_plan(base.care_plan, kb, key), kb)
    meaning, cited = _section(summary, "What it means")
    for words in said:
        assert words in meaning, words
    assert set(sources) <= set(cited)
    if key != "OPTB5":
        assert NEURO not in meaning
    assert textstat.flesch_kincaid_grade(summary.text()) <= 8


def test_neuronopathic_clcn7_is_not_given_the_ostm1_reason(base: AnalysisReport, kb: KnowledgeBase) -> None:
    # Neuronopathic signs make the OPTB4 decision "not recommended": the brain reason, not OSTM1's evidence.
    meaning, _ = _section(
        family_summary(confirmed_plan(base.care_plan, kb, "OPTB4", "not_recommended"), kb), "What it means"
    )
    assert NEURO in meaning
    assert "Even a transplant done before" not in meaning
    assert "can cure" not in meaning


def test_curative_clcn7_says_it_holds_without_the_neuronopathic_form(
    base: AnalysisReport, kb: KnowledgeBase
) -> None:
    # The card: curative for the non-neuronopathic form only (SubtypeSummary.hsct_qualifier).
    meaning, _ = _section(family_summary(confirmed_plan(base.care_plan, kb, "OPTB4"), kb), "What it means")
    assert "can cure the bone problem" in meaning
    assert "This is true when the form does not affect the brain." in meaning
    assert "Tests of the eyes and the brain help show which it is." in meaning
    tcirg1, _ = _section(family_summary(confirmed_plan(base.care_plan, kb, "OPTB1"), kb), "What it means")
    assert "does not affect the brain" not in tcirg1


@pytest.mark.parametrize("key", ["COMMAD", "BANDDOS", "OPTB9"])
def test_a_confirmed_form_without_hsct_data_is_not_told_more_tests_will_settle_it(
    base: AnalysisReport, kb: KnowledgeBase, key: str
) -> None:
    meaning, _ = _section(family_summary(confirmed_plan(base.care_plan, kb, key), kb), "What it means")
    assert "More tests are needed" not in meaning
    assert "Not enough is known about this" in meaning


def test_a_confirmed_form_whose_decision_waits_for_tests_says_so(
    base: AnalysisReport, kb: KnowledgeBase
) -> None:
    # OPTB4 with neurological flags but no proof of neurodegeneration: the work-up decides (docs/care.md).
    meaning, _ = _section(
        family_summary(confirmed_plan(base.care_plan, kb, "OPTB4", "unknown"), kb), "What it means"
    )
    assert "More tests are needed to know this." in meaning


def test_a_confirmed_differential_diagnosis_is_not_a_cause_still_to_find(
    base: AnalysisReport, kb: KnowledgeBase
) -> None:
    summary = family_summary(confirmed_plan(base.care_plan, kb, "PYCD"), kb)
    text = summary.text()
    assert "depends on the exact cause" not in text
    meaning, _ = _section(summary, "What it means")
    assert meaning == "Your child's team can explain what this condition means for your child."
    assert "stem cell" not in text


@pytest.mark.parametrize("key", ["OPTB1", "PYCD", "LAD3"])
def test_a_confirmed_diagnosis_is_not_sent_to_find_its_form_again(
    base: AnalysisReport, kb: KnowledgeBase, key: str
) -> None:
    steps, _ = _section(family_summary(confirmed_plan(base.care_plan, kb, key), kb), "What happens next")
    assert "to find the exact" not in steps
    assert "A second check of the gene result, and gene tests of both parents." in steps
    unconfirmed = replace(confirmed_plan(base.care_plan, kb, key), certainty="uncertain")
    steps, _ = _section(family_summary(unconfirmed, kb), "What happens next")
    assert "A gene test, from a blood sample, to find the exact" in steps


@pytest.mark.parametrize(
    ("key", "other"),
    [("BANDDOS", "a different brain disease that starts in adults"), ("COMMAD", "colour of the skin, hair")],
)
def test_carriers_of_a_gene_with_a_dominant_condition_are_not_called_healthy(
    base: AnalysisReport, kb: KnowledgeBase, key: str, other: str
) -> None:
    # CSF1R (HDLS, OMIM:221820) and MITF (Waardenburg 2A, OMIM:193510) cause dominant disease with one copy.
    family, sources = _section(
        family_summary(confirmed_plan(base.care_plan, kb, key), kb), "How it runs in families"
    )
    assert "expected to be healthy" not in family
    assert other in family
    assert "Ask the team which kind of change each parent carries." in family
    assert any(s.startswith("HPO-g2p:OMIM:") for s in sources)
    assert family.startswith("This condition happens")


def test_a_syndrome_among_unconfirmed_options_is_not_a_form_of_osteopetrosis(
    base: AnalysisReport, kb: KnowledgeBase
) -> None:
    plan = replace(confirmed_plan(base.care_plan, kb, "OL-EDA-ID"), certainty="uncertain", probability=0.05)
    what, _ = _section(family_summary(plan, kb), "What the condition is")
    assert "some forms of osteopetrosis" not in what
    assert "some rare conditions that can also make bones dense" in what


def _clcn7_vcf(tmp_path: Path) -> Path:
    variant = SyntheticVariant(
        "16", 1_450_000, "C", "T", "CLCN7", "stop_gained", {"P": "1/1"}, hgvs_c="c.1C>T"
    )
    return write_vcf(tmp_path / "clcn7.vcf", [variant], samples=("P",))


def test_the_clinician_report_qualifies_a_curative_clcn7_decision(
    real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    case = Case("p", "test", tuple(Finding(t) for t in INFANT_ARO), age_days=60.0, sex="male", subject_id="P")  # type: ignore[arg-type]
    report = analyze(case, hpo=real_hpo, kb=kb, vcf=_clcn7_vcf(tmp_path))
    assert (report.care_plan.subtype, report.care_plan.hsct.decision) == ("OPTB4", "curative")
    html = render_html(report, hpo=real_hpo, kb=kb)
    # The subtype column, as the CLI's and the web app's subtype lists say it.
    assert "<td>OPTB4 · curative if non-neuronopathic</td>" in html
    assert "<td>OPTB1 · curative</td>" in html
    assert "OPTB2 · not curative</td>" in html
    assert "not_curative" not in html.split("<h2>Differential diagnosis</h2>")[1].split("</table>")[0]
    # The summary box: the plan's decision is the card's curative one, with the same limit.
    box = html.split('<div class="summary">')[1].split("</div>")[0]
    assert "curative</span> if non-neuronopathic" in box


def test_the_clinician_report_gives_no_empty_source_brackets(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    case = Case(
        "p", "test", tuple(Finding(t) for t in ("HP:0003034", "HP:0002829")), age_days=5000.0, sex="male"
    )  # type: ignore[arg-type]
    report = analyze(case, hpo=real_hpo, kb=kb)
    html = render_html(report, hpo=real_hpo, kb=kb)
    assert "[]" not in html
    assert "urgency: not_applicable" not in html
