"""Consistency between the report's sections (QA review of session s39, h15).

1. A VCF whose variants fit a leading diagnosis's mode but fall short of genotype support (a single pathogenic
   ADO2 allele on a panel: genotype LR about 7.7) is not called a VCF that "showed no genotype" and "did not find
   the cause", beside the variant table that shows the variant: the step is to confirm and segregate it (ACMG PM3,
   PS2/PM6; PMID:25741868).
2. Parents whose test results the PED file gives (and the counselling figures use) are not asked to be tested
   again, in the care plan or in the family summary's next steps.

The rankings of part 1 are built by hand (tests/care_diagnoses.py); the ontology is the real HPO.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from marbledx.advice import CarePlan, build_care_plan
from marbledx.findings import Case, Finding
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.ranking import CaseResult, Diagnosis
from marbledx.report import FamilySummary, analyze, family_summary
from tests.care_diagnoses import PANEL_SUMMARY, VARIANT, dx

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ADO2 = "OMIM:166600"
TCIRG1 = "OMIM:259700"
_SUMMARY = PANEL_SUMMARY


def _adult_plan(hpo: Hpo, kb: KnowledgeBase, ranking: list[Diagnosis]) -> CarePlan:
    findings = (Finding("HP:0011002"), Finding("HP:0004618"), Finding("HP:0002757"))
    case = Case("c1", "test", findings, age_days=34 * 365.25)
    return build_care_plan(
        CaseResult("c1", "test", diagnoses=ranking, genotype=_SUMMARY), case, kb, hpo.ontology
    )


def test_a_candidate_variant_below_support_is_not_a_vcf_that_found_nothing(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    clcn7 = {**VARIANT, "gene": "CLCN7", "genotype": "0/1"}
    ado2 = replace(dx(ADO2, 0.92, genotype_lr=7.7), variants=[clcn7], genes=["CLCN7"])
    plan = _adult_plan(real_hpo, kb, [ado2])
    assert plan.certainty == "uncertain"  # below the genotype LR of 10
    assert not any(t.name == "Genetic testing for what the VCF may not show" for t in plan.tests)
    confirm = [t for t in plan.tests if t.kind == "confirmation"]
    assert confirm, "the candidate variant is to be confirmed and segregated"
    assert confirm[0].text.startswith("The VCF shows variants in CLCN7 that fit the mode of")
    assert "7.7" in confirm[0].text
    assert "PMID:25741868" in confirm[0].sources
    assert all(t.genes == ["CLCN7"] for t in confirm)
    steps = next(s for s in family_summary(plan, kb).sections if s.title == "What happens next")
    assert not any("did not find the cause" in b for b in steps.bullets)
    assert "Gene tests of both parents, to check the result." in steps.bullets


def test_a_carrier_allele_or_no_variant_still_reads_as_a_vcf_that_found_nothing(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # A single carrier allele of a recessive form is no evidence (genotype LR below 1): the negative-VCF item stays.
    carrier = replace(dx(TCIRG1, 0.5), genotype_lr=0.0975, variants=[VARIANT])
    plan = _adult_plan(real_hpo, kb, [carrier, dx(ADO2, 0.4, rank=2)])
    assert any(t.name == "Genetic testing for what the VCF may not show" for t in plan.tests)
    assert not any(t.kind == "confirmation" for t in plan.tests)


def _ped(path: Path, father: str, mother: str) -> Path:
    path.write_text(
        "FAM1\texample-infant\tfather\tmother\t1\t2\n"
        f"FAM1\tfather\t0\t0\t1\t1\t{father}\n"
        f"FAM1\tmother\t0\t0\t2\t1\t{mother}\n"
        "FAM1\tsister\tfather\tmother\t2\t1\n"
    )
    return path


def _next_steps(summary: FamilySummary) -> list[str]:
    return next(s.bullets for s in summary.sections if s.title == "What happens next")


def test_parents_tested_in_the_ped_file_are_not_a_test_still_to_do(
    tmp_path: Path, real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    ped = _ped(tmp_path / "family.ped", "carrier", "carrier")
    report = analyze(
        EXAMPLES / "infant-aro.json", hpo=real_hpo, kb=kb, vcf=EXAMPLES / "infant-aro.vcf", ped=ped
    )
    assert report.care_plan.certainty == "genotype_supported"
    assert report.counselling is not None
    assert report.counselling["risks_given"]
    (confirm,) = [t for t in report.care_plan.tests if "both parents" in t.text]
    assert "already gives both parents' test results (father: carrier; mother: carrier)" in confirm.text
    steps = _next_steps(report.family)
    assert "A second check of the gene result, and gene tests of both parents." not in steps
    assert "A second check of the gene result. Both parents have already had gene tests." in steps
    assert "father: carrier" in report.to_dict()["care_plan"]["tests"][0]["text"]


def test_untested_parents_are_still_asked_to_be_tested(
    tmp_path: Path, real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    ped = _ped(tmp_path / "family.ped", ".", "carrier")  # one parent's result only
    report = analyze(
        EXAMPLES / "infant-aro.json", hpo=real_hpo, kb=kb, vcf=EXAMPLES / "infant-aro.vcf", ped=ped
    )
    assert not any("already gives" in t.text for t in report.care_plan.tests)
    assert "A second check of the gene result, and gene tests of both parents." in _next_steps(report.family)
