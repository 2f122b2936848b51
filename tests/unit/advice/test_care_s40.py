"""s40 review of the care plan's tests: a patient whose VCF already gives a qualifying genotype for the top
diagnosis is not told to have the gene test of the presentation (urgently, "because HSCT timing matters"). The next
test is to confirm the genotype in an accredited laboratory and to test the parents, for phase or origin, urgent
where the HSCT decision waits on it (reference §2.5 item 1, §2.6, §3.2; ACMG PM3, PS2/PM6, PMID:25741868;
orthogonal confirmation, PMID:30610921).

The rankings are built by hand, with the variants the VCF would give; the ontology is the real HPO.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marbledx.advice import CareItem, CarePlan
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.ranking import Diagnosis
from marbledx.report import analyze
from tests.care_diagnoses import care_plan, dx

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
_YEAR = 365.25

OSTEOPETROSIS = "HP:0011002"
ANAEMIA = "HP:0001903"
SPLENOMEGALY = "HP:0001744"
THROMBOCYTOPENIA = "HP:0001873"
FRACTURES = "HP:0002757"
ARO_PICTURE = (OSTEOPETROSIS, ANAEMIA, SPLENOMEGALY, THROMBOCYTOPENIA)
PRESENTATION = "Genetic testing for this presentation"


def _variant(gene: str, hgvs_c: str, genotype: str) -> dict[str, Any]:
    return {
        "gene": gene,
        "chrom": "1",
        "pos": 1,
        "ref": "C",
        "alt": "T",
        "genotype": genotype,
        "hgvs_c": hgvs_c,
    }


def _found(
    disease_id: str, *variants: dict[str, Any], lr: float = 300.0, probability: float = 0.95
) -> Diagnosis:
    """A top diagnosis that the VCF supports with ``variants`` (genotype LR ``lr``)."""
    return Diagnosis(
        rank=1,
        disease_id=disease_id,
        label=disease_id,
        probability=probability,
        genes=[],
        evidence=[],
        genotype_lr=lr,
        variants=list(variants),
    )


def _confirmation(plan: CarePlan) -> CareItem:
    """The plan's general confirmation item (not the CLCN7 mechanism step)."""
    (item,) = [t for t in plan.tests if t.kind == "confirmation" and "accredited" in t.text]
    return item


TCIRG1_COMPOUND = (_variant("TCIRG1", "c.1674G>A", "0/1"), _variant("TCIRG1", "c.2005dup", "0/1"))


# --- The reviewers' case: the example TCIRG1 infant with two null alleles in the VCF ----------------------------


def test_the_example_tcirg1_infant_is_asked_to_confirm_the_genotype_not_to_have_the_gene_test(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    report = analyze(EXAMPLES / "infant-aro.json", hpo=real_hpo, kb=kb, vcf=EXAMPLES / "infant-aro.vcf")
    plan = report.care_plan
    assert (plan.certainty, plan.hsct.decision, plan.hsct.urgency) == (
        "genotype_supported",
        "curative",
        "urgent",
    )
    # No gene test is advised again, and none "urgent, because HSCT timing matters".
    genetic = [t for t in plan.tests if t.kind == "genetic"]
    assert genetic, "the ARO presentation is still named, as answered"
    assert not any(t.urgent for t in genetic)
    assert not any("HSCT timing matters" in t.text or "multigene panel" in t.text for t in genetic)
    (aro,) = [t for t in genetic if t.name == PRESENTATION]
    assert "answered by the VCF" in aro.text
    assert "TCIRG1" in aro.text
    # The next test: confirmation in an accredited laboratory and both parents for phase, urgent (HSCT waits).
    confirm = _confirmation(plan)
    assert confirm.urgent
    assert "c.1674G>A" in confirm.text
    assert "c.2005dup" in confirm.text
    assert "accredited diagnostic laboratory" in confirm.text
    assert "test both parents" in confirm.text
    assert "in trans" in confirm.text
    assert "HSCT timing matters" in confirm.text
    assert {"PMID:25741868", "PMID:30610921", "DOI:10.1038/sj.bmt.1704194", "PMID:9849690"} <= set(
        confirm.sources
    )
    # It comes first among the tests.
    assert plan.tests[0] is confirm


# --- What fits the genotype found -------------------------------------------------------------------------------


def test_a_homozygous_genotype_asks_whether_each_parent_carries_it(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    top = _found("OMIM:259700", _variant("TCIRG1", "c.117+4A>T", "1/1"))
    plan = care_plan(real_hpo, kb, [top], *ARO_PICTURE, age_days=60)
    confirm = _confirmation(plan)
    assert "homozygous" in confirm.text
    assert "each parent carries the allele" in confirm.text
    assert "in trans" not in confirm.text


def test_a_dominant_genotype_asks_whether_it_was_inherited_or_de_novo_and_is_not_urgent(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # ADO2: HSCT is not standard (Wu 2017), so nothing waits on the confirmation.
    top = _found("OMIM:166600", _variant("CLCN7", "c.2299C>T", "0/1"), lr=40.0)
    plan = care_plan(real_hpo, kb, [top], OSTEOPETROSIS, FRACTURES, age_days=30 * _YEAR)
    assert plan.hsct.decision == "not_standard"
    confirm = _confirmation(plan)
    assert not confirm.urgent
    assert "HSCT" not in confirm.text
    assert "de novo" in confirm.text
    assert "in trans" not in confirm.text
    # The CLCN7 mechanism step is kept.
    assert any(t.kind == "confirmation" and "mechanism" in t.text for t in plan.tests)


def test_a_genotype_that_rules_hsct_out_is_confirmed_without_urgency(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # OSTM1 disease: HSCT not recommended (Blood Adv 2017;1(4):279); the confirmation still comes, not urgent.
    top = _found("OMIM:259720", _variant("OSTM1", "c.415G>T", "1/1"))
    plan = care_plan(real_hpo, kb, [top], *ARO_PICTURE, "HP:0002059", age_days=60)
    assert plan.hsct.decision == "not_recommended"
    confirm = _confirmation(plan)
    assert not confirm.urgent
    assert "HSCT" not in confirm.text
    rules = [t for t in plan.tests if t.name == PRESENTATION]
    assert rules
    assert all("answered by the VCF" in t.text and not t.urgent for t in rules)


def test_a_presentation_in_other_genes_than_the_genotype_found_is_still_advised(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # A TCIRG1 infant with renal tubular acidosis: the CA2 rule (CA2 first; TCIRG1 plus ATP6V1B1 is a known
    # double-recessive phenocopy, Borthwick 2003) asks a question the TCIRG1 genotype has not answered.
    top = _found("OMIM:259700", *TCIRG1_COMPOUND)
    plan = care_plan(real_hpo, kb, [top], *ARO_PICTURE, "HP:0001947", age_days=60)
    (ca2,) = [t for t in plan.tests if t.name == PRESENTATION and t.genes == ["CA2"]]
    assert "answered" not in ca2.text


# --- The gene test stays for an infant the VCF has not answered --------------------------------------------------


def test_an_untested_infant_keeps_the_urgent_gene_test(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    plan = care_plan(real_hpo, kb, [dx("OMIM:259700", 0.95)], *ARO_PICTURE, age_days=60)
    (aro,) = [t for t in plan.tests if t.name == PRESENTATION]
    assert aro.urgent
    assert "HSCT timing matters" in aro.text
    assert not any(t.kind == "confirmation" for t in plan.tests)


def test_variants_short_of_support_keep_the_gene_test(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    # A genotype LR of 5 is a candidate, not support (CARE_PARAMETERS["genotype_support_lr"]): the presentation's
    # gene test is still the advice, urgent in an infant.
    top = _found("OMIM:259700", _variant("TCIRG1", "c.1674G>A", "0/1"), lr=5.0, probability=0.6)
    plan = care_plan(real_hpo, kb, [top], *ARO_PICTURE, age_days=60)
    (aro,) = [t for t in plan.tests if t.name == PRESENTATION]
    assert aro.urgent
    assert "answered" not in aro.text


# --- Probing round: a mimic patient is not given osteopetrosis advice ---------------------------------------------

HYPOPARATHYROIDISM = "HP:0000829"
HYPOCALCAEMIA = "HP:0002901"
DENSE_BONE = "HP:0011001"
BASAL_GANGLIA_CALCIFICATION = "HP:0002135"
PANCYTOPENIA = "HP:0001876"
HEPATOSPLENOMEGALY = "HP:0001433"
ERLENMEYER = "HP:0004975"


def test_a_hypoparathyroid_child_is_not_sent_to_the_ca2_osteopetrosis_test(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # Basal-ganglia calcification is a sign of hypoparathyroidism too; with no form of osteopetrosis among the
    # leading options, the osteopetrosis presentation rule (reference §2.5 item 4: CA2 first, then TCIRG1 plus
    # ATP6V1B1) is not this patient's test.
    ranking = [dx("OMIM:146200", 0.34), dx("OMIM:241410", 0.17, rank=2)]
    plan = care_plan(
        real_hpo,
        kb,
        ranking,
        HYPOPARATHYROIDISM,
        HYPOCALCAEMIA,
        DENSE_BONE,
        BASAL_GANGLIA_CALCIFICATION,
        age_days=8 * _YEAR,
    )
    assert not any(t.name == PRESENTATION for t in plan.tests)
    assert not any("CA2" in t.genes for t in plan.tests)


def test_a_hypophosphatasia_infant_with_a_seizure_is_not_told_results_can_make_hsct_futile(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    plan = care_plan(
        real_hpo, kb, [dx("OMIM:241500", 0.1)], "HP:0003282", "HP:0002757", "HP:0001250", age_days=180
    )
    assert not any(t.name == PRESENTATION for t in plan.tests)
    assert not any("HSCT" in t.text for t in plan.tests)


def test_a_pycnodysostosis_genotype_is_not_followed_by_the_osteopetrosis_panel(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    top = _found("ORPHA:763", _variant("CTSK", "c.721C>T", "1/1"))
    plan = care_plan(real_hpo, kb, [top], DENSE_BONE, FRACTURES, "HP:0004322", age_days=6 * _YEAR)
    assert plan.certainty == "genotype_supported"
    assert not any(t.name == PRESENTATION for t in plan.tests)
    assert "accredited" in _confirmation(plan).text


def test_a_syndrome_keeps_the_presentation_rule_of_its_own_gene(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    # LAD-III is not in the osteopetrosis care, but reference §2.5 item 6 names FERMT3 for its presentation.
    plan = care_plan(real_hpo, kb, [dx("OMIM:612840", 0.6)], "HP:0001974", "HP:0001892", age_days=60)
    (rule,) = [t for t in plan.tests if t.name == PRESENTATION]
    assert rule.genes == ["FERMT3"]


def _mimic_first_tcirg1_eighth() -> list[Diagnosis]:
    # A 4-month-old ranked Majeed syndrome first (12%) and no form of osteopetrosis in the top 5.
    ranking = [dx("ORPHA:77297", 0.12)]
    ranking += [dx(f"OMIM:10010{i}", 0.04, rank=i) for i in range(2, 8)]
    return [*ranking, dx("OMIM:259700", 0.006, rank=8)]


def test_an_infant_with_dense_bones_keeps_the_curative_aro_forms_whatever_leads(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    plan = care_plan(
        real_hpo, kb, _mimic_first_tcirg1_eighth(), DENSE_BONE, PANCYTOPENIA, HEPATOSPLENOMEGALY, age_days=120
    )
    assert "OMIM:259700" in [o.disease_id for o in plan.hsct.options]
    assert plan.hsct.urgency == "urgent"
    # Pancytopenia is one of the cytopenias of the ARO picture (reference §2.3, §2.5 item 1).
    (aro,) = [t for t in plan.tests if t.name == PRESENTATION]
    assert aro.urgent
    assert "TCIRG1" in aro.genes
    # Without dense bone the same ranking is not read as osteopetrosis.
    other = care_plan(
        real_hpo, kb, _mimic_first_tcirg1_eighth(), PANCYTOPENIA, HEPATOSPLENOMEGALY, age_days=120
    )
    assert "OMIM:259700" not in [o.disease_id for o in other.hsct.options]
    assert not any(t.name == PRESENTATION for t in other.tests)


def test_a_curative_form_kept_only_for_its_window_gets_no_osteopetrosis_treatment(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # Gaucher disease leads (4.3%); RANK deficiency (1.3%) is kept for its window. Its work-up and red flags tell it
    # apart and stay; interferon gamma, calcitriol and post-HSCT calcium checks treat a diagnosis not made.
    ranking = [
        dx("OMIM:610539", 0.043),
        dx("OMIM:230800", 0.03, rank=2),
        dx("ORPHA:355", 0.026, rank=3),
        dx("OMIM:612301", 0.013, rank=4),
    ]
    terms = (HEPATOSPLENOMEGALY, THROMBOCYTOPENIA, ANAEMIA, ERLENMEYER)
    plan = care_plan(real_hpo, kb, ranking, *terms, age_days=210)
    assert "OMIM:612301" in [o.disease_id for o in plan.hsct.options]
    assert not any(t.name.startswith(("Interferon", "Calcitriol")) for t in plan.treatments)
    assert not any(m.name.startswith("Serum calcium after HSCT") for m in plan.monitoring)
    assert any(t.name == "Skeletal survey" for t in plan.tests)
    assert any(f.kind == "pancytopenia" for f in plan.red_flags)
    # An ARO form that leads keeps the osteopetrosis treatments.
    aro = care_plan(
        real_hpo, kb, [dx("OMIM:259700", 0.5), dx("OMIM:611490", 0.3, rank=2)], *terms, age_days=210
    )
    assert any(t.name.startswith("Interferon") for t in aro.treatments)
