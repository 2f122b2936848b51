"""Follow-ups of the care plan from the reviewers of session s39: the age band of a case without an age, the HSCT
reason and urgency of an adult, red flags that name an age window, the genetic test after a VCF that showed no
causal genotype, and the report's age that agreed with no band.

Reference: ../shared/reference/osteopetrosis-knowledge.md §1B (IAO), §2.5 item 1, §3.2. The rankings are built by
hand (tests/care_diagnoses.py) unless a test says otherwise; the ontology is the real HPO.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from marbledx._format import age_text
from marbledx.advice import CareItem, CarePlan, build_care_plan
from marbledx.findings import Case, Finding
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.ranking import CaseResult, Diagnosis
from marbledx.report import analyze, render_html
from tests.care_diagnoses import PANEL_SUMMARY, care_plan, dx

from ...conftest import SHARED

_YEAR = 365.25
OSTEOPETROSIS = "HP:0011002"
FRACTURE = "HP:0002756"
PANCYTOPENIA = "HP:0001876"
OPTIC_ATROPHY = "HP:0000648"
TCIRG1 = "OMIM:259700"
CLCN7_ARO = "OMIM:611490"
OSTM1 = "OMIM:259720"
RANKL = "OMIM:259710"
OPTB9 = "OMIM:620366"
ADO2 = "OMIM:166600"
DRIESSEN_2003 = "DOI:10.1038/sj.bmt.1704194"
GERRITSEN_1994 = "ref:gerritsen-1994"
BLOOD_ADV_2019 = "ref:blood-adv-2019-iao"
LIRICAL = "PMID:32755546"
IARO_CASE = SHARED / "cases" / "dev" / "CLCN7_HumGenet2003-IARO-patientA.json"


# --- 1. Without an age, only a diagnosis that stands out sets the age band ------------------------------------


def _optb9(hpo: Hpo, kb: KnowledgeBase, probability: float, *, lr: float = 1.0) -> CarePlan:
    ranking = [dx(OPTB9, probability, genotype_lr=lr), dx(TCIRG1, 0.008, rank=2)]
    return care_plan(hpo, kb, ranking, OSTEOPETROSIS, FRACTURE, age_days=None)


def test_a_top_option_at_one_percent_does_not_set_the_age_band(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    # CLCN7_HumGenet2003-IARO-patientA (an infant, no age given) ranked SLC4A2 osteopetrosis (OPTB9, adult onset)
    # first at 1.1%, and the plan gave adult monitoring ("If symptomatic", audiology "As indicated").
    plan = _optb9(real_hpo, kb, 0.011)
    assert plan.certainty == "uncertain"
    assert plan.age_band == "child"
    assert plan.age_band_note is not None
    assert "does not stand out" in plan.age_band_note
    assert "the child band is assumed (the default)" in plan.age_band_note
    assert plan.to_dict()["age_band_note"] == plan.age_band_note
    (audiology,) = [m.schedule for m in plan.monitoring if m.name == "Audiology"]
    assert audiology == "At diagnosis, then regularly"  # the child's row, not the adult's "As indicated"


@pytest.mark.parametrize(("probability", "lr"), [(0.5, 1.0), (0.011, 200.0)])
def test_a_diagnosis_that_stands_out_sets_the_band_and_the_plan_says_it_was_assumed(
    real_hpo: Hpo, kb: KnowledgeBase, probability: float, lr: float
) -> None:
    # Credible (posterior >= 10%) or supported by the genotype: its typical onset is the best guess at the age.
    plan = _optb9(real_hpo, kb, probability, lr=lr)
    assert plan.age_band == "adult"
    assert (
        plan.age_band_note
        == "No age was given: the adult band is assumed from the typical onset of OPTB9 (adult)."
    )


def test_a_given_age_is_not_an_assumption(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    ranking = [dx(OPTB9, 0.011), dx(TCIRG1, 0.008, rank=2)]
    plan = care_plan(real_hpo, kb, ranking, OSTEOPETROSIS, age_days=40 * _YEAR)
    assert (plan.age_band, plan.age_band_note) == ("adult", None)


@pytest.mark.skipif(not IARO_CASE.exists(), reason="the shared development cases are not present")
def test_the_reviewed_case_without_an_age_gets_no_adult_plan(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    report = analyze(IARO_CASE, hpo=real_hpo, kb=kb)
    plan = report.care_plan
    assert plan.probability < 0.10
    assert plan.age_band != "adult"
    assert plan.age_band_note is not None


# --- 2. The HSCT reason and urgency of an adult, and of a child past the 3-month window ------------------------


def _tcirg1(hpo: Hpo, kb: KnowledgeBase, *terms: str, age_days: float | None) -> CarePlan:
    return care_plan(
        hpo, kb, [dx(TCIRG1, 0.95, genotype_lr=2000.0)], OSTEOPETROSIS, *terms, age_days=age_days
    )


def _transplant(plan: CarePlan) -> CareItem:
    (row,) = [t for t in plan.treatments if "transplant" in t.name.lower()]
    return row


def test_an_adult_with_two_tcirg1_variants_is_not_given_the_infant_window_or_soon(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # A 25-year-old read "vision is better preserved when it is done before 3 months of age", urgency "soon".
    plan = _tcirg1(real_hpo, kb, age_days=25 * _YEAR)
    assert (plan.certainty, plan.hsct.decision) == ("genotype_supported", "curative")
    assert plan.hsct.urgency == "elective"
    assert "3 months" not in plan.hsct.reason
    assert "HSCT is the only curative treatment for TCIRG1 ARO" in plan.hsct.reason
    assert "5-30 years" in plan.hsct.reason
    assert BLOOD_ADV_2019 in plan.hsct.sources
    assert not plan.hsct.urgent_because
    row = _transplant(plan)
    assert "as early as possible" not in row.text
    assert "3 months" not in row.text
    assert BLOOD_ADV_2019 in row.sources


def test_an_adult_whose_vision_declines_is_still_urgent(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    plan = _tcirg1(real_hpo, kb, OPTIC_ATROPHY, age_days=25 * _YEAR)
    assert plan.hsct.urgency == "urgent"
    assert plan.hsct.urgent_because
    assert "3 months" not in plan.hsct.reason


def test_a_child_past_three_months_is_told_that_the_window_has_passed(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    for age_days, urgency in ((5 * _YEAR, "soon"), (120.0, "urgent")):
        plan = _tcirg1(real_hpo, kb, age_days=age_days)
        assert plan.hsct.urgency == urgency
        assert "vision is better preserved when it is done before" not in plan.hsct.reason
        assert "before 3 months of age; that age has passed" in plan.hsct.reason
        assert DRIESSEN_2003 in plan.hsct.sources


@pytest.mark.parametrize("age_days", [60.0, None])
def test_a_young_infant_or_a_case_without_an_age_keeps_the_cards_reason(
    real_hpo: Hpo, kb: KnowledgeBase, age_days: float | None
) -> None:
    card = kb.get("OPTB1").hsct
    assert card is not None
    plan = _tcirg1(real_hpo, kb, age_days=age_days)
    assert plan.hsct.reason == card.reason
    assert plan.hsct.urgency == "urgent"


def test_an_undecided_infant_past_three_months_is_told_the_window_has_passed(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    ranking = [dx(TCIRG1, 0.6), dx(CLCN7_ARO, 0.3, rank=2)]
    older = care_plan(real_hpo, kb, ranking, OSTEOPETROSIS, age_days=150.0)
    assert older.hsct.urgency == "urgent"
    assert "before 3 months of age; that age has passed" in older.hsct.reason
    young = care_plan(real_hpo, kb, ranking, OSTEOPETROSIS, age_days=30.0)
    assert "that age has passed" not in young.hsct.reason


# --- 3. Red flags worded for the age, and without HSCT timing where HSCT is ruled out --------------------------


def _flag(plan: CarePlan, key: str) -> CareItem:
    (flag,) = [r for r in plan.red_flags if r.kind == key]
    return flag


def test_an_older_childs_red_flags_do_not_name_the_first_months(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    plan = _tcirg1(real_hpo, kb, age_days=5 * _YEAR)
    marrow, eyes = _flag(plan, "pancytopenia"), _flag(plan, "optic-nerve")
    assert "first months" not in marrow.text
    assert "HSCT is the only curative treatment" in marrow.text
    assert GERRITSEN_1994 not in marrow.sources
    assert "3 months" not in eyes.text
    assert "the earlier HSCT is done" in eyes.text
    assert DRIESSEN_2003 in eyes.sources


def test_a_young_infants_red_flags_keep_the_first_months(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    plan = _tcirg1(real_hpo, kb, age_days=60.0)
    assert "in the first months" in _flag(plan, "pancytopenia").text
    assert GERRITSEN_1994 in _flag(plan, "pancytopenia").sources
    assert "before 3 months of age" in _flag(plan, "optic-nerve").text


@pytest.mark.parametrize(("disease_id", "age_days"), [(OSTM1, 60.0), (RANKL, 4 * _YEAR)])
def test_no_hsct_timing_in_the_red_flags_where_a_transplant_is_ruled_out(
    real_hpo: Hpo, kb: KnowledgeBase, disease_id: str, age_days: float
) -> None:
    plan = care_plan(
        real_hpo, kb, [dx(disease_id, 0.95, genotype_lr=2000.0)], OSTEOPETROSIS, age_days=age_days
    )
    assert plan.hsct.decision in ("not_recommended", "not_curative")
    for key in ("pancytopenia", "optic-nerve"):
        flag = _flag(plan, key)
        assert "HSCT" not in flag.text
        assert "transplant" not in flag.text
        assert "months" not in flag.text
        assert DRIESSEN_2003 not in flag.sources
        assert GERRITSEN_1994 not in flag.sources


# --- 4. After a VCF that showed no causal genotype ------------------------------------------------------------

_SUMMARY = PANEL_SUMMARY


def _vcf_plan(hpo: Hpo, kb: KnowledgeBase, ranking: list[Diagnosis], *, vcf: bool = True) -> CarePlan:
    case = Case("c1", "test", (Finding(OSTEOPETROSIS), Finding("HP:0001903")), age_days=60.0)
    result = CaseResult("c1", "test", diagnoses=ranking, genotype=_SUMMARY if vcf else None)
    return build_care_plan(result, case, kb, hpo.ontology)


def _negative_ranking() -> list[Diagnosis]:
    tcirg1 = replace(dx(TCIRG1, 0.5, genotype_lr=0.0975), genotype_note="no qualifying variant in TCIRG1")
    clcn7 = replace(dx(CLCN7_ARO, 0.3, rank=2), genotype_note="the VCF does not cover CLCN7")
    return [tcirg1, clcn7]


def test_a_vcf_without_a_causal_genotype_is_not_followed_by_the_same_gene_test(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    plan = _vcf_plan(real_hpo, kb, _negative_ranking())
    (genetic,) = [t for t in plan.tests if t.kind == "genetic" and "leading" in t.text]
    assert genetic.name == "Genetic testing for what the VCF may not show"
    assert not genetic.text.startswith("These genes separate the leading diagnoses")
    assert "showed no genotype that supports a leading diagnosis" in genetic.text
    assert "copy-number" in genetic.text
    assert "The VCF has no records in CLCN7, so it says nothing about them" in genetic.text
    assert genetic.genes[0] == "CLCN7"  # what the VCF says nothing about, first
    assert "TCIRG1" in genetic.genes
    assert {LIRICAL, "PMID:23280965"} <= set(genetic.sources)
    assert genetic.plain is not None
    assert "did not find the cause" in genetic.plain
    assert genetic.urgent  # an infant


def test_without_a_vcf_or_with_a_supporting_genotype_the_gene_test_is_unchanged(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    plain = _vcf_plan(real_hpo, kb, _negative_ranking(), vcf=False)
    assert any(t.text.startswith("These genes separate the leading diagnoses") for t in plain.tests)
    supported = _vcf_plan(real_hpo, kb, [dx(TCIRG1, 0.9, genotype_lr=500.0)])
    assert supported.certainty == "genotype_supported"
    assert not any(t.name == "Genetic testing for what the VCF may not show" for t in supported.tests)
    assert any(t.kind == "confirmation" for t in supported.tests)


_VCF_HEADER = (
    "##fileformat=VCFv4.2\n##reference=GRCh38\n##contig=<ID=chr11,length=135086622>\n"
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: '
    "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|HGVSc|HGVSp|CANONICAL|MANE_SELECT|"
    'gnomADe_AF|CLIN_SIG|REVEL|CADD_PHRED">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tp\n"
)
# A common synonymous TCIRG1 variant: the file covers TCIRG1 only and shows nothing causal.
_VCF_LINE = (
    "chr11\t68042310\t.\tC\tT\t50\tPASS\tCSQ=T|synonymous_variant|LOW|TCIRG1|ENSG01582103882|Transcript|"
    "ENST00000265686|protein_coding|ENST00000265686:c.1680G>A|ENSP00068042310.1:p.(Leu560=)|YES||0.2|||\tGT\t0/1\n"
)


def test_analyze_with_a_panel_vcf_that_shows_nothing_names_what_it_did_not_cover(
    tmp_path: Path, real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    vcf = tmp_path / "panel.vcf"
    vcf.write_text(_VCF_HEADER + _VCF_LINE)
    findings = (OSTEOPETROSIS, "HP:0001903", "HP:0001744", "HP:0000648")
    case = Case("p", "test", tuple(Finding(t) for t in findings), age_days=90.0)
    report = analyze(case, hpo=real_hpo, kb=kb, vcf=vcf)
    plan = report.care_plan
    assert plan.certainty == "uncertain"
    (genetic,) = [t for t in plan.tests if t.name == "Genetic testing for what the VCF may not show"]
    assert "The VCF has no records in" in genetic.text
    uncovered = genetic.text.split("The VCF has no records in ", 1)[1].split(", so it", 1)[0]
    assert "TCIRG1" not in uncovered  # the file covers TCIRG1
    assert uncovered  # and not the other genes of the leading options
    assert not any(t.text.startswith("These genes separate the leading diagnoses") for t in plan.tests)


# --- 5. The report's age agrees with the age band -------------------------------------------------------------


@pytest.mark.parametrize(
    ("age_days", "text"),
    [
        (17.96 * _YEAR, "17.9 years"),
        (18 * _YEAR, "18 years"),
        (364.0, "11 months"),  # an infant, not "12 months"
        (4 * 30.4375, "4 months"),  # an age entered in whole months stays whole
        (59.6, "59 days"),
        (60.0, "60 days"),  # not "1 months": months from two completed months
        (2.5 * _YEAR, "2.5 years"),
    ],
)
def test_an_age_is_never_rounded_up(age_days: float, text: str) -> None:
    assert age_text(age_days) == text


def test_the_clinician_reports_age_agrees_with_the_child_band(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    case = Case("teen", "test", (Finding(OSTEOPETROSIS), Finding(FRACTURE)), age_days=17.96 * _YEAR)
    report = analyze(case, hpo=real_hpo, kb=kb)
    assert report.care_plan.age_band == "child"
    html = render_html(report, hpo=real_hpo, kb=kb)
    assert "age 17.9 years" in html
    assert "age 18 years" not in html
    assert "<h3>Monitoring (child)</h3>" in html


def test_an_ado2_adult_keeps_its_urgency(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    # Not a time-critical form: the adult wording and urgency are not given to it.
    plan = care_plan(real_hpo, kb, [dx(ADO2, 0.9, genotype_lr=50.0)], "HP:0004618", age_days=40 * _YEAR)
    assert (plan.hsct.decision, plan.hsct.urgency) == ("not_standard", "not_applicable")
    assert "The time-critical window is an infant's" not in plan.hsct.reason
