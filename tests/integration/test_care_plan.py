"""Care plan on the bundled knowledge base and the real HPO ontology (hand-built rankings)."""

from __future__ import annotations

import pytest

from marbledx.advice import build_care_plan
from marbledx.findings import Case, Finding
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.ranking import CaseResult, Diagnosis
from tests.care_diagnoses import dx


def case(*terms: str, age_days: float | None = 120.0) -> Case:
    return Case("c1", "test", tuple(Finding(t) for t in terms), age_days=age_days)


def plan(real_hpo: Hpo, kb: KnowledgeBase, diagnoses: list[Diagnosis], patient: Case):  # type: ignore[no-untyped-def]
    result = CaseResult("c1", "test", diagnoses=diagnoses)
    return build_care_plan(result, patient, kb, real_hpo.ontology)


def test_genotype_supported_tcirg1_infant_is_curative_and_urgent(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    care = plan(real_hpo, kb, [dx("OMIM:259700", 0.97, genotype_lr=500.0)], case("HP:0011002", "HP:0000648"))
    assert care.hsct.decision == "curative"
    assert care.hsct.urgency == "urgent"
    assert care.certainty == "genotype_supported"
    assert care.hsct.urgent_because
    assert "Optic atrophy" in care.hsct.urgent_because[0]
    confirmation = [t for t in care.tests if t.kind == "confirmation"]
    assert confirmation
    assert "PMID:25741868" in confirmation[0].sources
    assert any(m.kind == "after_hsct" for m in care.monitoring)
    flags = {f.kind: f for f in care.red_flags}
    assert flags["optic-nerve"].present
    assert not flags["jaw-osteomyelitis"].present
    assert care.red_flags[0].present  # red flags the patient shows come first
    # "Curative" says nothing about transplant risk: the card's transplant row keeps the general caveats.
    (transplant,) = [t for t in care.treatments if "transplant" in t.name.lower()]
    assert any("Graft failure was the main cause of death" in c for c in transplant.caveats)
    assert "PMID:26012570" in transplant.sources


def test_disagreeing_leading_diagnoses_leave_the_decision_unknown(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    care = plan(
        real_hpo,
        kb,
        [dx("OMIM:259720", 0.55), dx("OMIM:259700", 0.40, rank=2)],
        case("HP:0011002", "HP:0001903"),
    )
    assert care.hsct.decision == "unknown"
    assert care.certainty == "uncertain"
    # An infant in whom a curative, time-critical form is possible: the genetic diagnosis is urgent.
    assert care.hsct.urgency == "urgent"
    assert {o.subtype for o in care.hsct.options} == {"OPTB5", "OPTB1"}
    genetic = [t for t in care.tests if t.kind == "genetic"]
    assert {"OSTM1", "TCIRG1"} <= set(genetic[0].genes)
    assert not any("transplant" in t.name.lower() for t in care.treatments)


def test_an_unsettled_clcn7_option_says_hsct_is_curative_only_for_the_other_form(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # OPTB4 (CLCN7 ARO) has a neuronopathic subset that HSCT does not help (reference §1B, §3.2): the reason
    # must not list it as plainly "curative" beside a form that is.
    care = plan(
        real_hpo,
        kb,
        [dx("OMIM:611490", 0.5), dx("OMIM:259700", 0.45, rank=2)],
        case("HP:0011002", "HP:0001903"),
    )
    assert care.hsct.decision == "unknown"
    assert "OPTB4 (OMIM:611490): curative if not the neuronopathic form, " in care.hsct.reason
    assert "OPTB1 (OMIM:259700): curative, " in care.hsct.reason
    assert "marbledx's estimate" in care.certainty_note


@pytest.mark.parametrize("probability", [0.8, 0.99])
def test_the_findings_alone_never_settle_the_decision(
    real_hpo: Hpo, kb: KnowledgeBase, probability: float
) -> None:
    # However probable, a diagnosis the genotype does not support leaves the decision unknown (issue 5).
    care = plan(real_hpo, kb, [dx("OMIM:259700", probability)], case("HP:0011002"))
    assert care.hsct.decision == "unknown"
    assert care.certainty == "uncertain"
    assert care.hsct.urgency == "urgent"  # an infant who may have a curative form: the gene test is urgent
    assert not any("transplant" in t.name.lower() for t in care.treatments)


def test_a_time_critical_curative_form_is_not_dismissed_by_its_posterior(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    ranking = [dx("OMIM:259710", 0.97), dx("OMIM:166600", 0.02, rank=2), dx("OMIM:259700", 0.01, rank=3)]
    care = plan(real_hpo, kb, ranking, case("HP:0011002"))
    assert care.hsct.decision == "unknown"
    assert care.hsct.urgency == "urgent"
    # TCIRG1 ARO at 1% stays an option; ADO2 at 2% is neither credible nor time-critical.
    assert [o.subtype for o in care.hsct.options] == ["OPTB2", "OPTB1"]
    leading = next(t for t in care.tests if t.name.startswith("Genetic testing of the leading"))
    assert leading.genes[:2] == ["TNFSF11", "TCIRG1"]
    assert "CLCN7" not in leading.genes
    # An older child without an urgency sign: not urgent, but still not settled.
    care = plan(real_hpo, kb, ranking, case("HP:0011002", age_days=6 * 365.25))
    assert (care.hsct.decision, care.hsct.urgency) == ("unknown", "unknown")


def test_a_genotype_that_supports_rival_decisions_does_not_settle_the_decision(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # Biallelic CLCN7 variants fit recessive CLCN7 osteopetrosis and, read as dominant, ADO2.
    ranking = [dx("OMIM:166600", 0.6, genotype_lr=40.0), dx("OMIM:611490", 0.35, genotype_lr=5000.0, rank=2)]
    care = plan(real_hpo, kb, ranking, case("HP:0011002", age_days=6 * 365.25))
    assert care.certainty == "uncertain"
    assert care.hsct.decision == "unknown"
    assert [o.subtype for o in care.hsct.options] == ["ADO2", "OPTB4"]
    assert "but so is OMIM:611490 (35%), with another HSCT decision" in care.certainty_note
    # The variants are confirmed and the parents tested: segregation tells the two readings apart.
    assert any(t.kind == "confirmation" for t in care.tests)
    # A rival the genotype does not support leaves it settled.
    ranking = [dx("OMIM:166600", 0.6, genotype_lr=40.0), dx("OMIM:611490", 0.35, rank=2)]
    assert (
        plan(real_hpo, kb, ranking, case("HP:0011002", age_days=6 * 365.25)).certainty == "genotype_supported"
    )


def test_ado2_adult_is_not_standard_and_interferon_is_marked_not_effective(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    care = plan(
        real_hpo, kb, [dx("OMIM:166600", 0.9, genotype_lr=50.0)], case("HP:0004618", age_days=40 * 365.25)
    )
    assert care.hsct.decision == "not_standard"
    assert care.hsct.urgency == "not_applicable"
    assert care.age_band == "adult"
    interferon = [t for t in care.treatments if t.name.startswith("Interferon")]
    assert interferon
    assert all(t.kind == "not_effective" for t in interferon)
    assert not any(m.kind == "after_hsct" for m in care.monitoring)
    assert any(t.kind == "genetic" and "CLCN7" in t.genes for t in care.tests)


def test_neuronopathic_signs_turn_clcn7_aro_into_not_recommended(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    supported = [dx("OMIM:611490", 0.95, genotype_lr=300.0)]
    care = plan(real_hpo, kb, supported, case("HP:0011002", "HP:0000546"))  # retinal degeneration
    assert care.hsct.decision == "not_recommended"
    assert "neuronopathic" in care.hsct.reason
    assert any(t.name.startswith("Brain MRI") for t in care.tests)
    # The card's transplant row for the other form is not listed (reference §1B OPTB4).
    transplants = [t for t in care.treatments if "transplant" in t.name.lower()]
    assert [(t.name, t.kind) for t in transplants] == [
        ("Haematopoietic stem cell transplantation (neuronopathic form)", "not_recommended")
    ]
    # A seizure explained by hypocalcaemia is not a sign of neurodegeneration.
    care = plan(real_hpo, kb, supported, case("HP:0011002", "HP:0001250", "HP:0002901"))
    assert care.hsct.decision == "curative"
    transplants = [t for t in care.treatments if "transplant" in t.name.lower()]
    assert [(t.name, t.kind) for t in transplants] == [
        ("Haematopoietic stem cell transplantation (non-neuronopathic form)", "indicated")
    ]
    # A seizure without low calcium, or abnormal tone, raises the neuronopathic form but cannot establish
    # it: the decision waits for the work-up, which is urgent in an infant, and the MRI is in the plan.
    for sign in ("HP:0001250", "HP:0002373", "HP:0001290"):  # seizure, febrile seizure, generalised hypotonia
        care = plan(real_hpo, kb, supported, case("HP:0011002", sign))
        assert (care.hsct.decision, care.hsct.urgency) == ("unknown", "urgent"), sign
        assert "brain MRI, ERG and EEG" in care.hsct.reason
        assert any(t.name.startswith("Brain MRI") for t in care.tests)
    # With a sign of neurodegeneration as well, the neuronopathic form is the reading.
    care = plan(real_hpo, kb, supported, case("HP:0011002", "HP:0001250", "HP:0002059"))
    assert care.hsct.decision == "not_recommended"


def test_a_weak_genotype_does_not_settle_the_decision(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    # One variant of uncertain significance (genotype LR 1.7) must not dismiss curative forms.
    ranking = [dx("OMIM:166600", 0.65, genotype_lr=1.73), dx("OMIM:259700", 0.12, rank=2)]
    care = plan(real_hpo, kb, ranking, case("HP:0011002", "HP:0000648", age_days=8 * 365.25))
    assert care.certainty == "uncertain"
    assert (care.hsct.decision, care.hsct.urgency) == ("unknown", "urgent")
    ranking[0] = dx("OMIM:166600", 0.65, genotype_lr=40.0)
    assert (
        plan(real_hpo, kb, ranking, case("HP:0011002", age_days=8 * 365.25)).certainty == "genotype_supported"
    )


@pytest.mark.parametrize(
    ("disease_id", "decision", "urgency"),
    [
        ("OMIM:259730", "partial", "elective"),  # CA2
        ("OMIM:259710", "not_curative", "not_applicable"),  # TNFSF11 / RANKL
        ("OMIM:259720", "not_recommended", "not_applicable"),  # OSTM1
        ("OMIM:612301", "curative", "urgent"),  # TNFRSF11A / RANK
    ],
)
def test_subtype_decisions(
    real_hpo: Hpo, kb: KnowledgeBase, disease_id: str, decision: str, urgency: str
) -> None:
    care = plan(real_hpo, kb, [dx(disease_id, 0.95, genotype_lr=100.0)], case("HP:0011002"))
    assert (care.hsct.decision, care.hsct.urgency) == (decision, urgency)
    assert care.hsct.sources


def test_bicarbonate_only_for_ca2(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    ca2 = plan(real_hpo, kb, [dx("OMIM:259730", 0.95, genotype_lr=100.0)], case("HP:0001947"))
    assert any(t.name.startswith("Bicarbonate") for t in ca2.treatments)
    assert any(t.kind == "genetic" and t.genes == ["CA2"] for t in ca2.tests)
    tcirg1 = plan(real_hpo, kb, [dx("OMIM:259700", 0.95, genotype_lr=100.0)], case("HP:0011002"))
    assert not any(t.name.startswith("Bicarbonate") for t in tcirg1.treatments)


def test_a_mimic_outside_the_knowledge_base_has_no_hsct_rule(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    care = plan(real_hpo, kb, [dx("OMIM:147920", 0.95, genotype_lr=100.0)], case("HP:0011002"))
    assert care.hsct.decision == "unknown"
    assert care.hsct.basis == "not_an_osteopetrosis_subtype"
    assert care.certainty == "genotype_supported"
    assert care.subtype is None
    assert care.prognosis is None


def test_every_item_is_sourced_and_unverified_items_are_flagged(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    care = plan(real_hpo, kb, [dx("OMIM:259700", 0.97, genotype_lr=500.0)], case("HP:0011002"))
    for item in (*care.tests, *care.treatments, *care.monitoring, *care.red_flags):
        assert item.sources, item.name
    epo = [t for t in care.treatments if t.name == "Erythropoietin"]
    assert epo
    assert epo[0].unverified
    assert any(not m.interval_verified for m in care.monitoring)
    data = care.to_dict()
    assert set(data["hsct"]) >= {"decision", "reason", "urgency", "sources"}
    assert {"diagnosis_id", "tests", "treatments", "monitoring", "red_flags", "prognosis"} <= set(data)


def test_an_empty_result_is_refused(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    with pytest.raises(ValueError, match="no ranked diagnoses"):
        plan(real_hpo, kb, [], case("HP:0011002"))


def changed(kb: KnowledgeBase, key: str, **hsct: object) -> KnowledgeBase:
    """The bundled knowledge base with entity ``key``'s HSCT card changed."""
    entities = [
        e.model_copy(update={"hsct": e.hsct.model_copy(update=hsct)}) if e.key == key and e.hsct else e
        for e in kb.entities
    ]
    return KnowledgeBase(
        entities, list(kb.references.values()), kb.source, kb.annotation_corrections, kb.care
    )


def test_an_unverified_hsct_decision_never_drives_the_advice(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    # The guide: facts marked [UNVERIFIED] never drive a recommendation, however strong the evidence.
    unverified = changed(kb, "OPTB1", unverified=True)
    care = plan(real_hpo, unverified, [dx("OMIM:259700", 0.99, genotype_lr=500.0)], case("HP:0011002"))
    assert care.certainty == "genotype_supported"
    assert care.hsct.decision == "unknown"
    assert care.hsct.urgency == "unknown"
    assert not care.hsct.urgent_because
    # The card's transplant line is left out while the decision is not settled; the HSCT section says why.
    assert not any("transplant" in t.name.lower() for t in care.treatments)
    assert not any(m.kind == "after_hsct" for m in care.monitoring)


def test_a_curative_form_is_urgent_in_an_infant_and_soon_in_an_older_child(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    tcirg1 = [dx("OMIM:259700", 0.97, genotype_lr=500.0)]
    assert plan(real_hpo, kb, tcirg1, case("HP:0011002", age_days=100.0)).hsct.urgency == "urgent"
    older = plan(real_hpo, kb, tcirg1, case("HP:0011002", age_days=6 * 365.25))
    assert (older.age_band, older.hsct.decision, older.hsct.urgency) == ("child", "curative", "soon")
    assert not older.hsct.urgent_because
    # A sign of nerve compression makes it urgent at any age (care.yaml, hsct_urgency_signs).
    compressed = plan(real_hpo, kb, tcirg1, case("HP:0011002", "HP:0000648", age_days=6 * 365.25))
    assert compressed.hsct.urgency == "urgent"
    assert compressed.hsct.urgent_because
    # A card that does not call its transplant time-critical is never urgent.
    relaxed = changed(kb, "OPTB1", urgent=False)
    assert plan(real_hpo, relaxed, tcirg1, case("HP:0011002", age_days=100.0)).hsct.urgency == "soon"


@pytest.mark.parametrize(
    ("disease_id", "band"),
    [
        ("OMIM:259700", "infant"),  # TCIRG1 ARO: infantile onset
        ("OMIM:166600", "child"),  # ADO2: childhood to adult onset; the earliest counts
        ("OMIM:620366", "adult"),  # SLC4A2 (OPTB9): adult onset
        ("OMIM:147920", "child"),  # outside the knowledge base: no onset to go by
    ],
)
def test_without_an_age_the_leading_diagnosis_onset_sets_the_age_band(
    real_hpo: Hpo, kb: KnowledgeBase, disease_id: str, band: str
) -> None:
    care = plan(real_hpo, kb, [dx(disease_id, 0.97, genotype_lr=100.0)], case("HP:0011002", age_days=None))
    assert care.age_band == band


def test_unverified_testing_rules_are_not_offered(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    assert kb.care is not None
    uncertain = [dx("OMIM:259700", 0.6), dx("OMIM:611490", 0.3, rank=2)]
    patient = case("HP:0011002", "HP:0001903", "HP:0001744")  # the ARO picture in an infant
    presentation = kb.care.testing_rules[0].presentation
    offered = plan(real_hpo, kb, uncertain, patient)
    assert any(t.text.startswith(presentation) for t in offered.tests)
    rules = [
        r.model_copy(update={"unverified": True}) if i == 0 else r
        for i, r in enumerate(kb.care.testing_rules)
    ]
    guide = kb.care.model_copy(update={"testing_rules": rules})
    unverified = KnowledgeBase(
        kb.entities, list(kb.references.values()), kb.source, kb.annotation_corrections, guide
    )
    withheld = plan(real_hpo, unverified, uncertain, patient)
    assert not any(t.text.startswith(presentation) for t in withheld.tests)


def test_a_genotype_that_rules_out_hsct_starts_no_donor_search(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    # OSTM1 osteopetrosis: HSCT not recommended. A curative form far down the list must not reopen it.
    ranking = [dx("OMIM:259720", 0.88, genotype_lr=800.0), dx("OMIM:259700", 0.002, rank=2)]
    care = plan(real_hpo, kb, ranking, case("HP:0011002", "HP:0001276"))
    assert (care.certainty, care.hsct.decision) == ("genotype_supported", "not_recommended")
    assert not any(t.name.startswith("HLA typing") for t in care.tests)
    assert not any(m.kind == "after_hsct" for m in care.monitoring)
    assert "post-hsct-hypercalcaemia" not in {f.kind for f in care.red_flags}
    # Nothing is scheduled "before HSCT", nor justified by HSCT timing.
    assert not any("HSCT" in f"{m.text} {m.schedule}" for m in care.monitoring)
    # The CLCN7 mechanism step is for CLCN7 only.
    confirmation = [t for t in care.tests if t.kind == "confirmation"]
    assert confirmation
    assert not any("CLCN7" in t.text for t in confirmation)
    # A genotype-supported TCIRG1 infant: the donor search and the post-HSCT care are in the plan.
    care = plan(real_hpo, kb, [dx("OMIM:259700", 0.97, genotype_lr=500.0)], case("HP:0011002"))
    assert any(t.name.startswith("HLA typing") for t in care.tests)
    assert any(m.kind == "after_hsct" for m in care.monitoring)


def test_brain_mri_is_in_the_work_up_before_hsct(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    # Neurological status decides whether HSCT can help, so an infant who may need it has a brain MRI.
    care = plan(real_hpo, kb, [dx("OMIM:259700", 0.97, genotype_lr=500.0)], case("HP:0011002"))
    assert any(t.name.startswith("Brain MRI") for t in care.tests)
    # An adult with ADO2 and no neurological sign does not.
    adult = case("HP:0011002", age_days=40 * 365.25)
    care = plan(real_hpo, kb, [dx("OMIM:166600", 0.9, genotype_lr=40.0)], adult)
    assert not any(t.name.startswith("Brain MRI") for t in care.tests)


def test_no_prognosis_for_a_diagnosis_the_genotype_does_not_support(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    care = plan(real_hpo, kb, [dx("OMIM:166600", 0.6)], case("HP:0011002", age_days=40 * 365.25))
    assert care.certainty == "uncertain"
    assert care.prognosis is None
    care = plan(
        real_hpo, kb, [dx("OMIM:166600", 0.6, genotype_lr=40.0)], case("HP:0011002", age_days=40 * 365.25)
    )
    assert care.prognosis is not None


def test_post_hsct_calcium_interval_is_not_claimed_as_verified(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    # The reference's monitoring table (§2.6) is unverified as a whole, this row included.
    care = plan(real_hpo, kb, [dx("OMIM:259700", 0.97, genotype_lr=500.0)], case("HP:0011002"))
    assert not any(m.interval_verified for m in care.monitoring)


def test_the_infant_window_is_not_the_reason_for_an_older_child(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    ranking = [dx("OMIM:259710", 0.42), dx("OMIM:259700", 0.05, rank=2)]
    older = plan(real_hpo, kb, ranking, case("HP:0011002", "HP:0000648", age_days=10 * 365.25))
    assert older.hsct.urgency == "urgent"  # optic atrophy: the timing matters
    assert "3 months" not in older.hsct.reason
    assert older.hsct.urgent_because
    assert not any("3 months" in text for text in older.hsct.urgent_because)
    infant = plan(real_hpo, kb, ranking, case("HP:0011002", "HP:0000648"))
    assert "before 3 months of age" in infant.hsct.reason


def test_signs_of_urgency_are_not_given_when_no_leading_form_is_cured_by_a_timely_hsct(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # RANKL deficiency (not curative) and OSTM1 disease (not recommended) lead: hypocalcaemic seizures need
    # calcium, but they are no reason for a transplant plan.
    ranking = [dx("OMIM:259710", 0.6), dx("OMIM:259720", 0.3, rank=2)]
    care = plan(real_hpo, kb, ranking, case("HP:0011002", "HP:0002199", age_days=2 * 365.25))
    assert (care.certainty, care.hsct.decision, care.hsct.urgency) == ("uncertain", "unknown", "unknown")
    assert care.hsct.urgent_because == []
    assert "transplant plan" not in " ".join(care.hsct.urgent_because)
    # Each option's decision is cited from its card.
    assert set(kb.get("OPTB2").hsct.sources) <= set(care.hsct.sources)  # type: ignore[union-attr]
    # With a curative form among them, the same sign says why the decision should not wait.
    ranking = [dx("OMIM:259710", 0.6), dx("OMIM:612301", 0.3, rank=2)]
    care = plan(real_hpo, kb, ranking, case("HP:0011002", "HP:0002199", age_days=2 * 365.25))
    assert care.hsct.urgency == "urgent"
    assert any("need calcium now" in text for text in care.hsct.urgent_because)


def test_severe_infantile_items_follow_the_patient_and_never_offer_hsct_where_it_is_not_possible(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    def by_name(care) -> dict[str, str]:  # type: ignore[no-untyped-def]
        return {t.name: t.text for t in care.treatments if t.kind != "not_effective"}

    # CA II deficiency is not a malignant form (reference §7.5 item 3): no interferon for "severe malignant
    # osteopetrosis", no corticosteroids, no optic nerve decompression, even in a young child.
    ca2 = plan(real_hpo, kb, [dx("OMIM:259730", 0.95, genotype_lr=300.0)], case("HP:0011002", "HP:0008341"))
    assert ca2.hsct.decision == "partial"
    assert not {"Interferon gamma-1b", "Corticosteroids", "Optic nerve decompression"} & set(by_name(ca2))
    # RANKL deficiency in a 3-year-old without marrow failure: not the severe infantile presentation.
    rankl = plan(
        real_hpo,
        kb,
        [dx("OMIM:259710", 0.95, genotype_lr=300.0)],
        case("HP:0011002", "HP:0002757", age_days=3 * 365.25),
    )
    assert rankl.hsct.decision == "not_curative"
    assert "bridge to HSCT" not in " ".join(t.text for t in rankl.treatments)
    # OSTM1 disease in an infant: severe infantile, but HSCT is not recommended, so no HSCT bridge or timing.
    ostm1 = plan(real_hpo, kb, [dx("OMIM:259720", 0.95, genotype_lr=300.0)], case("HP:0011002", "HP:0001903"))
    assert ostm1.hsct.decision == "not_recommended"
    general = " ".join(
        t.text for t in ostm1.treatments if t.name in ("Interferon gamma-1b", "Nutrition and growth")
    )
    assert "Growth and feeding follow-up" in general
    assert "HSCT" not in general
    # Marrow failure makes a school-age child's presentation severe.
    tcirg1 = plan(
        real_hpo,
        kb,
        [dx("OMIM:259700", 0.95, genotype_lr=300.0)],
        case("HP:0011002", "HP:0001876", age_days=4 * 365.25),
    )
    assert "Corticosteroids" in by_name(tcirg1)
    assert "Interferon gamma-1b" in by_name(tcirg1)


def test_an_adult_is_not_kept_in_the_infant_window_of_an_improbable_curative_form(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # Adult osteopetrosis is dominant; adult-onset recessive disease is exceptional (reference §7.1 item 8).
    ranking = [dx("OMIM:166600", 0.99, genotype_lr=7.7), dx("OMIM:259700", 0.0005, rank=2)]
    adult = plan(real_hpo, kb, ranking, case("HP:0004618", "HP:0002757", age_days=40 * 365.25))
    assert [o.subtype for o in adult.hsct.options] == ["ADO2"]
    assert not any(m.kind == "after_hsct" for m in adult.monitoring)
    # A child keeps it: the posterior cannot dismiss a form whose HSCT window is closing.
    child = plan(real_hpo, kb, ranking, case("HP:0004618", "HP:0002757", age_days=6 * 365.25))
    assert [o.subtype for o in child.hsct.options] == ["ADO2", "OPTB1"]
