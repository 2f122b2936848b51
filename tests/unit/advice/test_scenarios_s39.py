"""Clinical-genetics QA of the advice layer (session s39): scenarios run through the care plan and the counselling.

Each test pins one problem found by reading the advice for a realistic scenario against the osteopetrosis
reference (../shared/reference/osteopetrosis-knowledge.md). Rankings are built by hand, the ontology is the real
HPO, and the families are small PED files written to ``tmp_path``.
"""

from __future__ import annotations

from pathlib import Path

from marbledx.advice import CarePlan, RiskReport, counselling_report, resolve_disease
from marbledx.findings._pedigree import read_ped
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from tests.care_diagnoses import care_plan, dx

_YEAR = 365.25
OSTEOPETROSIS = "HP:0011002"
ANAEMIA = "HP:0001903"
OPTIC_ATROPHY = "HP:0000648"
PANCYTOPENIA = "HP:0001876"


def _interferon(care: CarePlan) -> tuple[str, str]:
    (row,) = [(t.kind, t.text) for t in care.treatments if t.name == "Interferon gamma-1b"]
    return row


# --- Interferon gamma-1b in a child past infancy (reference §3.1) ----------------------------------------------


def test_a_child_without_marrow_failure_is_not_offered_the_cards_interferon_row(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # A 4-year-old with biallelic CLCN7 (OPTB4) and no marrow failure: not the severe infantile presentation the
    # interferon trials were about. The CLCN7 card's own "option" row used to stand for the care guide's row,
    # which says it was not effective and poorly tolerated in non-infantile disease (Nguyen 2022).
    clcn7 = [dx("OMIM:611490", 0.96, genotype_lr=228.0)]
    child = care_plan(real_hpo, kb, clcn7, OSTEOPETROSIS, ANAEMIA, OPTIC_ATROPHY, age_days=4 * _YEAR)
    kind, text = _interferon(child)
    assert kind == "not_effective"
    assert "non-infantile" in text
    (row,) = [t for t in child.treatments if t.name == "Interferon gamma-1b"]
    assert "DOI:10.1002/jbm4.10597" in row.sources
    # The card's row stands where the presentation is the severe infantile one: an infant, or marrow failure.
    infant = care_plan(real_hpo, kb, clcn7, OSTEOPETROSIS, ANAEMIA, age_days=120)
    assert _interferon(infant)[0] == "option"
    failing = care_plan(real_hpo, kb, clcn7, OSTEOPETROSIS, PANCYTOPENIA, age_days=4 * _YEAR)
    assert _interferon(failing)[0] == "option"
    # ADO2's own "not effective" row is not replaced by anything.
    ado2 = care_plan(
        real_hpo, kb, [dx("OMIM:166600", 0.9, genotype_lr=50.0)], OSTEOPETROSIS, age_days=30 * _YEAR
    )
    kind, text = _interferon(ado2)
    assert kind == "not_effective"
    assert "ADO2 pilot" in text


# --- A curative, time-critical form ranked below the window of an infant (reference §1B, §2.5 item 1) --------


def _newborn_ranking() -> list:  # type: ignore[type-arg]
    # As the real ranking of a 3-day-old with the full ARO picture put it: TCIRG1 osteopetrosis, about half of
    # all ARO, 8th at 2% (its annotated onset, infantile, is later than the newborn's age).
    ids = [
        ("OMIM:611490", 0.084),
        ("OMIM:259710", 0.072),
        ("OMIM:612301", 0.056),
        ("OMIM:259720", 0.047),
        ("OMIM:615085", 0.047),
        ("OMIM:612840", 0.027),
        ("ORPHA:77261", 0.023),
        ("OMIM:259700", 0.022),
    ]
    return [dx(disease_id, p, rank=rank) for rank, (disease_id, p) in enumerate(ids, start=1)]


def test_an_infant_keeps_tcirg1_osteopetrosis_as_an_option_below_the_top_five(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    care = care_plan(real_hpo, kb, _newborn_ranking(), OSTEOPETROSIS, ANAEMIA, age_days=3)
    assert "OPTB1" in {o.subtype for o in care.hsct.options}
    assert "OPTB1 (OMIM:259700): curative, 2.2%" in care.hsct.reason
    (leading,) = [t for t in care.tests if t.name.startswith("Genetic testing of the leading")]
    assert "TCIRG1" in leading.genes
    assert leading.urgent
    assert care.hsct.urgency == "urgent"


def test_the_deeper_curative_forms_are_kept_only_for_an_infant_with_an_osteopetrosis_differential(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    ranking = _newborn_ranking()
    # Past infancy the window is as before.
    child = care_plan(real_hpo, kb, ranking, OSTEOPETROSIS, ANAEMIA, age_days=3 * _YEAR)
    assert "OPTB1" not in {o.subtype for o in child.hsct.options}
    # An infant whose first five are not osteopetrosis subtypes (Gaucher disease and a differential card) does not
    # get a curative osteopetrosis form from far down the list.
    fillers = [dx(f"OMIM:99999{i}", 0.005, rank=i) for i in range(3, 7)]
    others = [
        dx("ORPHA:355", 0.9),
        dx("ORPHA:77261", 0.05, rank=2),
        *fillers,
        dx("OMIM:259700", 0.001, rank=7),
    ]
    unrelated = care_plan(real_hpo, kb, others, ANAEMIA, age_days=100)
    assert "OPTB1" not in {o.subtype for o in unrelated.hsct.options}
    # A genotype that supports the top diagnosis settles the plan; nothing is added below the window.
    supported = [dx("OMIM:259720", 0.8, genotype_lr=52.0), *_newborn_ranking()[1:]]
    ostm1 = care_plan(real_hpo, kb, supported, OSTEOPETROSIS, ANAEMIA, age_days=60)
    assert "OPTB1" not in {o.subtype for o in ostm1.hsct.options}
    assert ostm1.hsct.decision == "not_recommended"


# --- A baby recorded as unaffected in an infantile recessive form (reference §2.4, §3.2) ----------------------


def _report(tmp_path: Path, kb: KnowledgeBase, text: str, disease: str, **kwargs: object) -> RiskReport:
    path = tmp_path / "family.ped"
    path.write_text(text, encoding="utf-8")
    return counselling_report(read_ped(path), resolve_disease(kb, disease), **kwargs)  # type: ignore[arg-type]


def _advice(report: RiskReport) -> str:
    return "\n".join(p.text for p in report.advice)


AR_BABY_UNAFFECTED = "F DAD 0 0 1 1\nF MUM 0 0 2 1\nF KID DAD MUM 1 2\nF BABY DAD MUM 2 1 . age=P5D\n"


def test_a_five_day_old_recorded_unaffected_is_not_told_apart_from_an_unaffected_adult(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    # Without an age curve an unaffected person counts as past the age of onset, so the 5-day-old sibling of a
    # TCIRG1 child came out a 2 in 3 carrier with no chance of the disease, and the advice never said to examine
    # and test the baby, nor that early HSCT matters.
    report = _report(tmp_path, kb, AR_BABY_UNAFFECTED, "OPTB1")
    text = _advice(report)
    assert "recorded as having no signs" in text
    assert "BABY (25%, or 1 in 4, age 5 days)" in text
    assert "offered a test for the family's variants now" in text
    assert "a stem-cell transplant works best when it is done early" in text
    # The baby is not listed again as a possible carrier; the table's figures are unchanged.
    assert "may be carriers: BABY" not in text
    (baby,) = [p for p in report.risk.individuals if p.id == "BABY"]
    assert abs(baby.carrier_probability - 2 / 3) < 1e-6
    # OSTM1: no HSCT sentence (not recommended), but the baby is still named.
    ostm1 = _advice(_report(tmp_path, kb, AR_BABY_UNAFFECTED, "OPTB5"))
    assert "BABY (25%, or 1 in 4, age 5 days)" in ostm1
    assert "transplant" not in ostm1


def test_an_older_child_or_an_adult_onset_form_keeps_the_unaffected_record(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    older = AR_BABY_UNAFFECTED.replace("age=P5D", "age=6")
    assert "recorded as having no signs" not in _advice(_report(tmp_path, kb, older, "OPTB1"))
    # OPTB9 (SLC4A2) starts in adulthood: a baby without signs is not flagged for it.
    assert "recorded as having no signs" not in _advice(_report(tmp_path, kb, AR_BABY_UNAFFECTED, "OPTB9"))


def test_a_young_relatives_age_is_written_in_days_weeks_or_months(tmp_path: Path, kb: KnowledgeBase) -> None:
    # "HALFB (50%, age 0.17)" read as a fraction of a year; the docs promise "age 2 months".
    family = (
        "F DAD1 0 0 1 1\nF MUM 0 0 2 1\nF DAD2 0 0 1 1\nF KID DAD1 MUM 1 2\n"
        "F HALF DAD2 MUM 2 0 . age=P2M\nF HALFB DAD2 MUM 1 0 . age=P3W\nF OLD DAD1 MUM 2 1 . age=34\n"
    )
    text = _advice(_report(tmp_path, kb, family, "OPTB1", couple=("DAD2", "MUM")))
    assert "HALF (50%, age 2 months)" in text
    assert "HALFB (50%, age 3 weeks)" in text
    assert "OLD (66.7%, age 34)" in text
    assert "age 0." not in text
