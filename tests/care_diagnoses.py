"""Ranked diagnoses made by hand, for tests of the care plan and the reports built on it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from marbledx.advice import CarePlan, build_care_plan
from marbledx.findings import Case, Finding
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo, Ontology
from marbledx.ranking import CaseResult, Diagnosis
from marbledx.ranking._rank import GenotypeSummary
from marbledx.report import _analysis

# A qualifying variant's JSON, enough for the care plan's "genotype-supported" test (a variant and the LR).
# A targeted panel VCF that was read: the genotype summary of a case "with a VCF".
PANEL_SUMMARY = GenotypeSummary(
    vcf="panel.vcf",
    sample="p",
    build="GRCh38",
    mode="vep",
    records=1,
    calls=1,
    genome_wide=False,
    background_rate=0.05,
    skipped_lines=[],
)
VARIANT = {"gene": "X", "chrom": "1", "pos": 1, "ref": "C", "alt": "T", "genotype": "1/1"}


def dx(disease_id: str, probability: float, *, genotype_lr: float = 1.0, rank: int = 1) -> Diagnosis:
    """A diagnosis at ``rank`` with ``probability``; a genotype LR above 1 comes with :data:`VARIANT`."""
    return Diagnosis(
        rank=rank,
        disease_id=disease_id,
        label=disease_id,
        probability=probability,
        genes=[],
        evidence=[],
        genotype_lr=genotype_lr,
        variants=[VARIANT] if genotype_lr > 1 else [],
    )


def care_plan(
    hpo: Hpo,
    kb: KnowledgeBase,
    ranking: list[Diagnosis],
    *terms: str,
    age_days: float | None,
    excluded: tuple[str, ...] = (),
) -> CarePlan:
    """The care plan of a patient with the observed findings ``terms`` (and ``excluded``) at ``age_days``, ranked
    as ``ranking``."""
    findings = (*(Finding(t) for t in terms), *(Finding(t, excluded=True) for t in excluded))
    case = Case("c1", "test", findings, age_days=age_days)
    return build_care_plan(CaseResult("c1", "test", diagnoses=ranking), case, kb, hpo.ontology)


def monitoring_schedule(care: CarePlan, prefix: str) -> str:
    """The schedule of the plan's one monitoring row whose name starts with ``prefix``."""
    (schedule,) = [m.schedule for m in care.monitoring if m.name.startswith(prefix)]
    assert schedule is not None
    return schedule


def confirmed_plan(plan: CarePlan, kb: KnowledgeBase, key: str, decision: str | None = None) -> CarePlan:
    """``plan`` turned into a genotype-supported diagnosis of the card ``key``, with the card's own decision
    (or ``decision``), as the care plan would give it."""
    entity = kb.get(key)
    card = entity.hsct
    own = card.decision.value if card is not None and not card.unverified else "unknown"
    option = replace(
        plan.hsct.options[0], disease_id=entity.primary_id or key, label=entity.name, subtype=key
    )
    # A supporting genotype brings the care plan's confirmation step (a diagnostic laboratory, both parents).
    genetic = next(t for t in plan.tests if t.kind == "genetic")
    return replace(
        plan,
        tests=[*plan.tests, replace(genetic, kind="confirmation", name="Confirm the variants")],
        subtype=key,
        diagnosis_id=entity.primary_id,
        diagnosis_label=entity.name,
        probability=0.9,
        certainty="genotype_supported",
        hsct=replace(plan.hsct, decision=decision or own, urgency="unknown", options=[option]),
    )


def analyze_confirms(monkeypatch: pytest.MonkeyPatch, disease_id: str, subtype: str) -> None:
    """Make analyze's care plan a diagnosis of ``disease_id`` (the card ``subtype``) that the genotype supports
    (a qualifying variant, a high genotype LR), so that recurrence risks are computed; the ranking itself is
    not what such tests are about."""

    def confirmed(result: CaseResult, case: Case, kb: KnowledgeBase, ontology: Ontology) -> CarePlan:
        diagnosis = dx(disease_id, 0.95, genotype_lr=200.0)
        ranked = CaseResult(result.case_id, result.input, diagnoses=[diagnosis])
        plan = build_care_plan(ranked, case, kb, ontology)
        assert (plan.certainty, plan.subtype) == ("genotype_supported", subtype)
        return plan

    monkeypatch.setattr(_analysis, "build_care_plan", confirmed)
