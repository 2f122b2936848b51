"""A second disorder that the genotype supports in another gene (a dual molecular diagnosis) is named by the care
plan, outside its decision (session s37).

Kindred 2 of the TCIRG1 series (../shared/cases/dev/TCIRG1_JMedGenet2003-kindred2.json; Borthwick 2003, J Med
Genet 40:115) had homozygous TCIRG1 and ATP6V1B1 variants: osteopetrosis and distal renal tubular acidosis with
deafness (OMIM:267300). The plan said nothing of the second. Two or more molecular diagnoses are found in about
5% of exome-diagnosed patients (Posey 2017, DOI:10.1056/NEJMoa1516767). The rankings are built by hand
(tests/care_diagnoses.py); the ontology is the real HPO.
"""

from __future__ import annotations

from dataclasses import replace

from marbledx.advice import CARE_PARAMETERS, CarePlan
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.ranking import Diagnosis, FindingEvidence
from tests.care_diagnoses import VARIANT, care_plan, dx

OSTEOPETROSIS = "HP:0011002"
DRTA_TERM = "HP:0008341"  # distal renal tubular acidosis
TCIRG1_ARO = "OMIM:259700"
CLCN7_ARO = "OMIM:611490"
ADO2 = "OMIM:166600"
DRTA = "OMIM:267300"  # renal tubular acidosis, distal, with progressive nerve deafness (ATP6V1B1)
DRTA_LABEL = "Renal tubular acidosis, distal, with progressive nerve deafness"
POSEY_2017 = "DOI:10.1056/NEJMoa1516767"


def supported(
    disease_id: str,
    probability: float,
    gene: str,
    *,
    genotype_lr: float = 500.0,
    rank: int = 1,
    label: str | None = None,
    same_as: tuple[str, ...] = (),
) -> Diagnosis:
    """A diagnosis whose qualifying variant is in ``gene``, with the two findings' evidence (osteopetrosis
    unmatched, distal RTA explained) for the dRTA diagnosis and the reverse for any other."""
    explains_drta = disease_id == DRTA or label == DRTA_LABEL
    evidence = [
        FindingEvidence(
            OSTEOPETROSIS,
            "Osteopetrosis",
            "observed",
            0.1 if explains_drta else 373.5,
            "unmatched" if explains_drta else "exact",
        ),
        FindingEvidence(
            DRTA_TERM,
            "Distal renal tubular acidosis",
            "observed",
            182.1 if explains_drta else 0.18,
            "specific" if explains_drta else "related",
        ),
    ]
    return replace(
        dx(disease_id, probability, genotype_lr=genotype_lr, rank=rank),
        label=label or disease_id,
        evidence=evidence,
        variants=[{**VARIANT, "gene": gene}],
        same_as=list(same_as),
    )


def _plan(real_hpo: Hpo, kb: KnowledgeBase, ranking: list[Diagnosis]) -> CarePlan:
    return care_plan(real_hpo, kb, ranking, OSTEOPETROSIS, DRTA_TERM, age_days=60)


def test_the_kindred_2_plan_names_the_atp6v1b1_drta_as_a_second_diagnosis(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    top = supported(
        TCIRG1_ARO, 0.72, "TCIRG1", genotype_lr=2221.0, label="Osteopetrosis, autosomal recessive 1"
    )
    drta = supported(DRTA, 0.082, "ATP6V1B1", genotype_lr=319.8, rank=2, label=DRTA_LABEL)
    care = _plan(real_hpo, kb, [top, drta])
    (second,) = care.other_genotype_supported
    assert (second.disease_id, second.label, second.genes, second.rank) == (DRTA, DRTA_LABEL, ["ATP6V1B1"], 2)
    assert (second.genotype_lr, second.probability) == (319.8, 0.082)
    # The findings it explains: a specific match counts, an unmatched one does not.
    assert second.explains == [f"Distal renal tubular acidosis ({DRTA_TERM})"]
    assert second.note.startswith("This care plan covers Osteopetrosis, autosomal recessive 1 only;")
    assert "its own specialist assessment and care" in second.note
    assert "about 5% of patients diagnosed by exome sequencing" in second.note
    assert second.sources == [POSEY_2017]
    assert POSEY_2017 in care.sources
    data = care.to_dict()["other_genotype_supported"]
    assert data == [second.to_dict()]
    assert set(data[0]) >= {"disease_id", "label", "genes", "genotype_lr", "probability", "explains", "note"}


def test_the_second_diagnosis_informs_and_never_decides(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    top = supported(TCIRG1_ARO, 0.72, "TCIRG1", genotype_lr=2221.0)
    alone = _plan(real_hpo, kb, [top])
    both = _plan(real_hpo, kb, [top, supported(DRTA, 0.082, "ATP6V1B1", genotype_lr=319.8, rank=2)])
    assert both.other_genotype_supported
    assert alone.other_genotype_supported == []
    assert (both.certainty, both.hsct.decision, both.hsct.urgency) == (
        "genotype_supported",
        "curative",
        "urgent",
    )
    assert both.hsct == alone.hsct
    assert (both.tests, both.treatments, both.red_flags) == (alone.tests, alone.treatments, alone.red_flags)


def test_the_other_reading_of_the_same_gene_is_never_a_second_diagnosis(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # Biallelic CLCN7 read as recessive CLCN7 osteopetrosis and, as dominant, ADO2: one finding in one gene.
    # Below the credible level ADO2 is not a leading option (so not a rival); it is still the same gene.
    top = supported(CLCN7_ARO, 0.9, "CLCN7", genotype_lr=2000.0)
    care = _plan(real_hpo, kb, [top, supported(ADO2, 0.05, "CLCN7", genotype_lr=300.0, rank=2)])
    assert care.certainty == "genotype_supported"
    assert care.other_genotype_supported == []
    assert POSEY_2017 not in care.sources


def test_a_rival_is_not_listed_again_nor_its_gene(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    # ADO2 at 30% with the same CLCN7 genotype is a rival (another decision): the plan stays uncertain and says
    # so. A dRTA in ATP6V1B1 is still listed, and its note does not call the top diagnosis settled.
    ranking = [
        supported(CLCN7_ARO, 0.6, "CLCN7", genotype_lr=2000.0),
        supported(ADO2, 0.3, "CLCN7", genotype_lr=300.0, rank=2),
        supported(DRTA, 0.05, "ATP6V1B1", genotype_lr=319.8, rank=3, label=DRTA_LABEL),
        supported("ORPHA:2781", 0.01, "CLCN7", genotype_lr=300.0, rank=4),
    ]
    care = _plan(real_hpo, kb, ranking)
    assert (care.certainty, care.hsct.decision) == ("uncertain", "unknown")
    assert [o.disease_id for o in care.other_genotype_supported] == [DRTA]
    note = care.other_genotype_supported[0].note
    assert "only" not in note.split(";")[0]
    assert note.startswith(
        "This care plan is for the leading options, which the genotype does not tell apart yet;"
    )
    assert "its own specialist assessment and care" in note


def test_a_second_diagnosis_below_the_threshold_is_not_listed(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    top = supported(TCIRG1_ARO, 0.72, "TCIRG1", genotype_lr=2221.0)
    threshold = CARE_PARAMETERS["genotype_support_lr"]
    for lr in (1.7, threshold * 0.99):
        care = _plan(real_hpo, kb, [top, supported(DRTA, 0.082, "ATP6V1B1", genotype_lr=lr, rank=2)])
        assert care.other_genotype_supported == [], lr
    # At the threshold it is support, as for the top diagnosis (the same rule).
    care = _plan(real_hpo, kb, [top, supported(DRTA, 0.082, "ATP6V1B1", genotype_lr=threshold, rank=2)])
    assert [o.disease_id for o in care.other_genotype_supported] == [DRTA]


def test_a_plan_without_genotype_support_keeps_an_empty_list(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    # The top diagnosis has no genotype support: the ATP6V1B1 dRTA is not named beside a differential.
    top = replace(dx(TCIRG1_ARO, 0.72), evidence=[])
    care = _plan(real_hpo, kb, [top, supported(DRTA, 0.082, "ATP6V1B1", genotype_lr=319.8, rank=2)])
    assert care.certainty == "uncertain"
    assert care.other_genotype_supported == []
    assert care.to_dict()["other_genotype_supported"] == []


def test_a_twin_record_is_listed_once(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    # The OMIM record shows its Orphanet twin (same_as); a ranking that has the twin as well lists it once.
    top = supported(TCIRG1_ARO, 0.72, "TCIRG1", genotype_lr=2221.0)
    omim = supported(DRTA, 0.08, "ATP6V1B1", genotype_lr=319.8, rank=2, same_as=("ORPHA:93608",))
    twin = supported("ORPHA:93608", 0.01, "ATP6V1B1", genotype_lr=319.8, rank=3, same_as=(DRTA,))
    care = _plan(real_hpo, kb, [top, omim, twin])
    assert [o.disease_id for o in care.other_genotype_supported] == [DRTA]


def test_a_genotype_supported_disease_that_no_finding_points_to_strongly_is_not_named(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # On kindred 2 with the benchmark's synthetic VCF, one background NSD1 missense reached the genotype threshold
    # for Sotos syndrome, which matches distal RTA only through renal tubular acidosis, with LR 1.09: it is not
    # this patient's second diagnosis. Nor is a disease that matches no finding at all.
    top = supported(TCIRG1_ARO, 0.72, "TCIRG1", genotype_lr=2221.0)
    weak = [
        FindingEvidence(OSTEOPETROSIS, "Osteopetrosis", "observed", 0.1, "unmatched"),
        FindingEvidence(DRTA_TERM, "Distal renal tubular acidosis", "observed", 1.09, "specific"),
    ]
    sotos = replace(
        supported("OMIM:117550", 0.0005, "NSD1", genotype_lr=10.35, rank=9, label="Sotos syndrome"),
        evidence=weak,
    )
    unmatched = replace(sotos, evidence=[replace(e, match="unmatched", lr=0.1) for e in weak])
    drta = supported(DRTA, 0.082, "ATP6V1B1", genotype_lr=319.8, rank=2, label=DRTA_LABEL)
    care = _plan(real_hpo, kb, [top, drta, sotos])
    assert [d.disease_id for d in care.other_genotype_supported] == [DRTA]
    assert _plan(real_hpo, kb, [top, sotos]).other_genotype_supported == []
    assert _plan(real_hpo, kb, [top, unmatched]).other_genotype_supported == []
    # The same match with strong evidence is named.
    strong = replace(sotos, evidence=[weak[0], replace(weak[1], lr=10.0)])
    assert [d.disease_id for d in _plan(real_hpo, kb, [top, strong]).other_genotype_supported] == [
        "OMIM:117550"
    ]
