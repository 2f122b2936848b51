"""Rank every annotated disease for a case: likelihood ratios x prior -> posterior probabilities."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from marbledx._api import SubtypeSummary, subtype_summary
from marbledx.errors import InputError
from marbledx.evidence import (
    AnnotationAdjustment,
    ContextModel,
    PhenotypeModel,
    PhenotypeParameters,
    TermEvidence,
    shrunk_frequency,
)
from marbledx.findings import Case, FamilyHistory, iter_case_files
from marbledx.knowledge import EntityGroup, KnowledgeBase
from marbledx.ontology import FREQUENCY_TERMS, PHENOTYPIC_ABNORMALITY_ID, Hpo, Ontology

__all__ = ["Analysis", "CaseResult", "Diagnosis", "FindingEvidence", "PriorKind", "Ranker"]

PriorKind = Literal["uniform", "prevalence"]
FloatArray = npt.NDArray[np.float64]

# Prevalence prior (``--prior prevalence``). ARO: about 1 in 250,000 births (Stark & Savarirayan 2009,
# PMCID:PMC2654865); ADO: about 1 in 20,000 (Orphanet ORPHA:53). Each subtype gets its group's figure times
# its share of the group from the knowledge base. Every other disease gets 1 in 1,000,000: 84.5% of rare
# diseases have a point prevalence below that (Nguengang Wakap et al. 2020, PMID:31527858).
GROUP_FREQUENCY = {"ARO": 1 / 250_000, "ADO": 1 / 20_000}
BASELINE_PRIOR = 1e-6


@dataclass(frozen=True)
class FindingEvidence:
    """How one finding bears on one diagnosis (JSON contract: hpo_id, label, status, lr, match)."""

    hpo_id: str
    label: str
    status: Literal["observed", "excluded"]
    lr: float
    match: str


@dataclass(frozen=True)
class Diagnosis:
    rank: int
    disease_id: str
    label: str
    probability: float
    genes: list[str]
    evidence: list[FindingEvidence]
    subtype: SubtypeSummary | None = None
    log10_lr: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "disease_id": self.disease_id,
            "label": self.label,
            "probability": self.probability,
            "genes": self.genes,
            "evidence": [asdict(e) for e in self.evidence],
            "subtype": self.subtype.to_dict() if self.subtype else None,
        }


@dataclass(frozen=True)
class CaseResult:
    """The ranking of one case, or the error that stopped it."""

    case_id: str | None
    input: str
    diagnoses: list[Diagnosis] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.error is not None:
            return {"case_id": self.case_id, "input": self.input, "error": self.error}
        return {
            "case_id": self.case_id,
            "input": self.input,
            "diagnoses": [d.to_dict() for d in self.diagnoses],
        }


@dataclass(frozen=True)
class Analysis:
    """All diseases scored for one case: log-LRs, posterior probabilities and the ranked order."""

    case: Case
    evidences: list[TermEvidence]
    applied: FloatArray
    log_lr: FloatArray
    probabilities: FloatArray
    order: npt.NDArray[np.intp]
    notes: list[str]


def _hallmark_frequency(text: str | None, ontology: Ontology) -> float | None:
    """A hallmark term's frequency ("5/6", "Frequent", "Very frequent (ORPHA:1782)") as a probability.

    n/m is shrunk as in the engine; HPO frequency-class names take the engine's class midpoints. ``None``
    when the text states no frequency.
    """
    if not text or not text.strip():
        return None
    value = text.strip().lower()
    first = value.split()[0]
    if "/" in first:
        numerator, denominator = first.split("/", 1)
        if numerator.isdigit() and denominator.isdigit() and int(denominator) > 0:
            return shrunk_frequency(int(numerator), int(denominator))
        return None
    classes = {ontology.label(t).lower(): f for t, f in FREQUENCY_TERMS.items() if t in ontology}
    for name in sorted(classes, key=len, reverse=True):
        if value.startswith(name):
            return classes[name]
    return None


def knowledge_adjustments(kb: KnowledgeBase, hpo: Hpo) -> tuple[AnnotationAdjustment, ...]:
    """Annotation changes the knowledge base asks for: its sourced corrections, plus its verified hallmark
    and absent terms where the HPO annotation of the entity's exact disease ids lacks them."""
    adjustments = [
        AnnotationAdjustment(c.disease_id, c.hpo_id, c.action, c.frequency)
        for c in kb.annotation_corrections
        if not c.unverified
    ]
    for entity in kb:
        ids = {x.id for x in entity.ids if x.relation == "exact" and not x.unverified}
        for disease_id in sorted(ids):
            if disease_id not in hpo.annotations:
                continue
            present = set(hpo.annotations.phenotype_ids(disease_id, include_negated=True))
            for term in entity.hallmark_terms:
                if not term.unverified and term.hpo_id not in present:
                    frequency = _hallmark_frequency(term.frequency, hpo.ontology)
                    adjustments.append(AnnotationAdjustment(disease_id, term.hpo_id, "add", frequency))
            for term in entity.absent_terms:
                if not term.unverified and term.hpo_id not in present:
                    adjustments.append(AnnotationAdjustment(disease_id, term.hpo_id, "absent"))
    return tuple(adjustments)


class Ranker:
    """Ranks cases against all OMIM and Orphanet diseases of one HPO release.

    Build once (about a second) and reuse for many cases; it holds no patient data between calls.
    """

    def __init__(self, hpo: Hpo, kb: KnowledgeBase, params: PhenotypeParameters | None = None) -> None:
        self.hpo = hpo
        self.kb = kb
        self.phenotype = PhenotypeModel(hpo, params, adjustments=knowledge_adjustments(kb, hpo))
        self.context = ContextModel(self.phenotype)
        ontology = hpo.ontology
        organs = ontology.child_indices(ontology.index(PHENOTYPIC_ABNORMALITY_ID))
        self._organ_terms = {int(t) for t in organs}
        self._log_prior_prevalence = self._prevalence_prior()

    # -- priors -------------------------------------------------------------------------------------
    def _prevalence_prior(self) -> FloatArray:
        prior = np.full(self.phenotype.n_diseases, BASELINE_PRIOR)
        for entity in self.kb.subtypes:
            share = entity.prevalence.share if entity.prevalence else None
            if share is None or entity.prevalence is None or entity.prevalence.unverified:
                continue
            value = GROUP_FREQUENCY[share.group] * (share.low + share.high) / 2
            for disease_id in entity.disease_ids:
                ext = next(x for x in entity.ids if x.id == disease_id)
                if ext.relation == "exact" and self.phenotype.has_disease(disease_id):
                    prior[self.phenotype.row(disease_id)] = value
        log_prior: FloatArray = np.log(prior)
        return log_prior

    # -- evidence -----------------------------------------------------------------------------------
    def _organ_of(self, hpo_id: str) -> int:
        ancestors = self.hpo.ontology.ancestor_indices(self.hpo.ontology.index(hpo_id))
        for a in ancestors:
            if int(a) in self._organ_terms:
                return int(a)
        return -1

    def evidence(self, case: Case) -> tuple[list[TermEvidence], FloatArray, FloatArray, list[str]]:
        """Per-finding evidence, the per-finding log-LR actually applied, the total log-LR, and notes.

        Excluded findings of the same organ system are correlated (case reports list checklists of absent
        features), so per disease only the strongest of them counts; see docs/engine.md.
        """
        model = self.phenotype
        observed = [model.observed(f, case.age_days, case.sex) for f in case.observed]
        excluded = [model.excluded(f, case.age_days, case.sex) for f in case.excluded]
        applied = [e.log_lr for e in observed]
        total = np.sum(applied, axis=0) if applied else np.zeros(model.n_diseases)
        groups: dict[int, list[int]] = {}
        for index, evidence in enumerate(excluded):
            groups.setdefault(self._organ_of(evidence.hpo_id), []).append(index)
        excluded_applied = [np.zeros(model.n_diseases) for _ in excluded]
        for members in groups.values():
            if len(members) == 1:
                excluded_applied[members[0]] = excluded[members[0]].log_lr
                total = total + excluded[members[0]].log_lr
                continue
            matrix = np.vstack([excluded[i].log_lr for i in members])
            lowest, highest = matrix.argmin(axis=0), matrix.argmax(axis=0)
            negative = matrix.min(axis=0) < 0
            chosen = np.where(negative, lowest, highest)
            for position, index in enumerate(members):
                mask = chosen == position
                excluded_applied[index][mask] = excluded[index].log_lr[mask]
            total = total + matrix[chosen, np.arange(model.n_diseases)]
        context, notes = self.context.log_lr(case)
        return [*observed, *excluded], np.vstack([*applied, *excluded_applied]), total + context, notes

    # -- ranking ------------------------------------------------------------------------------------
    def analyse(self, case: Case, *, prior: PriorKind = "uniform") -> Analysis:
        """Score every disease for a case (no explanations yet)."""
        evidences, applied, log_lr, notes = self.evidence(case)
        log_prior = (
            self._log_prior_prevalence if prior == "prevalence" else np.zeros(self.phenotype.n_diseases)
        )
        log_post = log_lr + log_prior
        # Stable ordering: score, then model row, so equal scores rank reproducibly.
        order = np.argsort(-log_post, kind="stable")
        probabilities = np.exp(log_post - log_post.max())
        probabilities /= probabilities.sum()
        return Analysis(case, evidences, applied, log_lr, probabilities, order, notes)

    def report(self, analysis: Analysis, *, top: int = 20) -> CaseResult:
        """The ``top`` diagnoses of an analysis, each with its per-finding evidence."""
        if top < 1:
            msg = f"--top must be at least 1, got {top}"
            raise InputError(msg)
        diagnoses = [
            self._diagnosis(
                rank,
                int(row),
                float(analysis.probabilities[row]),
                float(analysis.log_lr[row]),
                analysis.evidences,
                analysis.applied,
            )
            for rank, row in enumerate(analysis.order[:top], start=1)
        ]
        case = analysis.case
        return CaseResult(case.case_id, case.input, diagnoses, list(case.warnings), analysis.notes)

    def rank(self, case: Case, *, top: int = 20, prior: PriorKind = "uniform") -> CaseResult:
        """Rank every disease for a case and explain the ``top`` diagnoses."""
        if top < 1:
            msg = f"--top must be at least 1, got {top}"
            raise InputError(msg)
        return self.report(self.analyse(case, prior=prior), top=top)

    def position_of(self, analysis: Analysis, disease_id: str) -> int | None:
        """1-based rank of a disease in an analysis, or ``None`` if the release does not annotate it."""
        if not self.phenotype.has_disease(disease_id):
            return None
        row = self.phenotype.row(disease_id)
        return int(np.flatnonzero(analysis.order == row)[0]) + 1

    def _diagnosis(
        self,
        rank: int,
        row: int,
        probability: float,
        log_lr: float,
        evidences: list[TermEvidence],
        applied: FloatArray,
    ) -> Diagnosis:
        model = self.phenotype
        disease_id = model.disease_ids[row]
        findings = []
        for index, evidence in enumerate(evidences):
            match = model.match_kind(evidence, row)
            value = float(applied[index, row])
            if evidence.excluded and value == 0.0 and evidence.log_lr[row] != 0.0:
                match = "same_system_counted_once"
            findings.append(
                FindingEvidence(
                    hpo_id=evidence.hpo_id,
                    label=self.hpo.ontology.label_at(evidence.term_index),
                    status="excluded" if evidence.excluded else "observed",
                    lr=round(float(np.exp(value)), 6),
                    match=match,
                )
            )
        entity = self.kb.for_disease_id(disease_id)
        subtype = (
            subtype_summary(entity)
            if entity is not None and entity.group is EntityGroup.OSTEOPETROSIS
            else None
        )
        genes = self.hpo.annotations.genes_for(disease_id)
        return Diagnosis(
            rank=rank,
            disease_id=disease_id,
            label=model.disease_labels[row],
            probability=probability,
            genes=genes,
            evidence=findings,
            subtype=subtype,
            log10_lr=log_lr / np.log(10),
        )

    def rank_files(
        self,
        paths: Sequence[str | Path],
        *,
        top: int = 20,
        prior: PriorKind = "uniform",
        family: FamilyHistory | None = None,
        strict: bool = True,
    ) -> Iterable[CaseResult]:
        """Rank every phenopacket under ``paths``; a file that cannot be read yields a result with ``error``."""
        for path, case in iter_case_files(paths, self.hpo.ontology, family, strict=strict):
            if isinstance(case, InputError):
                yield CaseResult(case_id=_peek_id(path), input=str(path), error=str(case))
            else:
                yield self.rank(case, top=top, prior=prior)


def _peek_id(path: Path) -> str | None:
    """The phenopacket id of an unreadable case, when the JSON is at least readable."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(document, dict):
        identifier = document.get("id") or (document.get("proband") or {}).get("id")
        return identifier if isinstance(identifier, str) else None
    return None
