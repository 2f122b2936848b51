"""Rank every annotated disease for a case: likelihood ratios x prior -> posterior probabilities."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any, Literal, NamedTuple, get_args

import numpy as np
import numpy.typing as npt

from marbledx._api import SubtypeSummary, subtype_summary
from marbledx._frozen import frozen_builder
from marbledx.errors import InputError
from marbledx.evidence import (
    AnnotationAdjustment,
    ContextModel,
    PhenotypeModel,
    PhenotypeParameters,
    TermEvidence,
    shrunk_frequency,
)
from marbledx.findings import Case
from marbledx.genotype import (
    GenotypeEvidence,
    GenotypeModel,
    VcfReadResult,
)
from marbledx.knowledge import EntityGroup, KnowledgeBase
from marbledx.ontology import FREQUENCY_TERMS, Hpo, Ontology
from marbledx.ranking._twins import cached_same_name_pairs, same_disorder_groups

__all__ = [
    "Analysis",
    "CaseResult",
    "Diagnosis",
    "FindingEvidence",
    "GenotypeSummary",
    "PriorKind",
    "Ranker",
    "check_prior",
]

PriorKind = Literal["uniform", "prevalence"]
_PRIORS: tuple[str, ...] = get_args(PriorKind)
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]

# Prevalence prior (``--prior prevalence``). ARO: about 1 in 250,000 births (Stark & Savarirayan 2009,
# PMCID:PMC2654865); ADO: about 1 in 20,000 (Orphanet ORPHA:53). Each subtype gets its group's figure times
# its share of the group from the knowledge base. Every other disease gets 1 in 1,000,000: 84.5% of rare
# diseases have a point prevalence below that (Nguengang Wakap et al. 2020, PMID:31527858).
GROUP_FREQUENCY = {"ARO": 1 / 250_000, "ADO": 1 / 20_000}
BASELINE_PRIOR = 1e-6
# The phenotype log-LR is divided by this before it meets the genotype log-LR and the prior. The findings of
# a patient are not independent given the disease (a report lists related features together), so their
# summed log-LRs overstate the evidence, and the posteriors were over-confident: a first diagnosis at
# posterior >= 0.9 was correct in 46% of the independently annotated phenopacket-store cases of half A.
# Temperature scaling (Guo et al. 2017, arXiv:1706.04599) with T = 3, the value of the grid 0.75-8 with the
# lowest log loss of the correct diagnosis on those 472 half-A cases, was checked on half B (expected
# calibration error 0.43 -> 0.05 on its 500 independent cases; docs/engine.md, "Calibration"). It does not
# change the phenotype-only order.
PHENOTYPE_TEMPERATURE = 3.0


@dataclass(frozen=True, slots=True)  # slots: a report builds hundreds of them
class FindingEvidence:
    """How one finding bears on one diagnosis (JSON contract: hpo_id, label, status, lr, match)."""

    hpo_id: str
    label: str
    status: Literal["observed", "excluded"]
    lr: float
    match: str
    # Where the finding came from: entered (HPO ids), text (plain words) or lab (a lab value's interpretation).
    source: str = "entered"


# A report builds one FindingEvidence per finding and diagnosis, some 300 per case: built through a mutable twin
# (marbledx._frozen), each costs about 0.2 µs instead of 1.1 µs, and is the same frozen object.
_finding_evidence = frozen_builder(FindingEvidence)


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
    # Genotype evidence (1.0 and no variants when the case has no VCF).
    genotype_lr: float = 1.0
    variants: list[dict[str, Any]] = field(default_factory=list)
    genotype_note: str | None = None
    # Other records of the same disorder (knowledge-base entity, or an OMIM/Orphanet pair named alike or
    # the only two records of a gene), ranked as this one diagnosis; their names in the same order, so a
    # clinician can check that they are one disorder.
    same_as: list[str] = field(default_factory=list)
    same_as_labels: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "disease_id": self.disease_id,
            "label": self.label,
            "probability": self.probability,
            "genes": self.genes,
            "evidence": [asdict(e) for e in self.evidence],
            "genotype_lr": self.genotype_lr,
            "variants": self.variants,
            "genotype_note": self.genotype_note,
            "same_as": self.same_as,
            "same_as_labels": self.same_as_labels,
            "subtype": self.subtype.to_dict() if self.subtype else None,
        }


@dataclass(frozen=True)
class GenotypeSummary:
    """Which VCF was read for a case and how (JSON: ``genotype`` on the case)."""

    vcf: str
    sample: str
    build: str
    mode: str  # "vep" | "snpeff" | "gene-table"
    records: int
    calls: int
    genome_wide: bool
    background_rate: float
    skipped_lines: list[int]

    @classmethod
    def of(cls, evidence: GenotypeEvidence) -> GenotypeSummary:
        vcf = evidence.vcf
        return cls(
            vcf=vcf.path,
            sample=vcf.sample,
            build=vcf.build,
            mode=vcf.mode,
            records=vcf.n_records,
            calls=len(vcf.calls),
            genome_wide=vcf.genome_wide,
            background_rate=evidence.background_rate,
            skipped_lines=list(vcf.skipped_lines),
        )


@dataclass(frozen=True)
class CaseResult:
    """The ranking of one case, or the error that stopped it."""

    case_id: str | None
    input: str
    diagnoses: list[Diagnosis] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    genotype: GenotypeSummary | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of the case. ``genotype.warnings`` lists the VCF's warnings (parents missing from
        the VCF, non-numeric values, skipped lines, a possibly truncated file), which the table shows as
        notes; without them a JSON consumer could not know that evidence was lost."""
        if self.error is not None:
            return {"case_id": self.case_id, "input": self.input, "error": self.error}
        genotype: dict[str, Any] | None = None
        if self.genotype is not None:
            genotype = asdict(self.genotype)
            # Every warning of a VCF read starts with the VCF's path (read_vcf, GenotypeReader); the other
            # notes are about the phenotype.
            prefix = f"{self.genotype.vcf}: "
            genotype["warnings"] = [note for note in self.notes if note.startswith(prefix)]
        return {
            "case_id": self.case_id,
            "input": self.input,
            "genotype": genotype,
            "diagnoses": [d.to_dict() for d in self.diagnoses],
        }


class CaseEvidence(NamedTuple):
    """The phenotype evidence of one case (Ranker.evidence)."""

    evidences: list[TermEvidence]  # observed findings, then excluded ones
    # Per disease, which excluded finding's log-LR counts (position among the excluded findings; -1: none).
    counted_excluded: IntArray
    # Per excluded finding, its pertinent-negative log-LR: (for a disease with the feature, for one without).
    pertinence: list[tuple[float, float]]
    log_lr: FloatArray  # total, with age, sex and family history
    notes: list[str]


@dataclass(frozen=True)
class Analysis:
    """All diseases scored for one case: log-LRs, posterior probabilities and the ranked order."""

    case: Case
    evidences: list[TermEvidence]
    # Per disease, which excluded finding's log-LR counts (position among the excluded findings; -1: none).
    counted_excluded: IntArray
    log_lr: FloatArray
    probabilities: FloatArray
    # log prior + log-LR; -inf for rows hidden behind their knowledge-base twin (``shown_for``).
    log_posterior: FloatArray
    notes: list[str]
    genotype: GenotypeEvidence | None = None
    # Rows hidden behind the record of the same knowledge-base entity that is shown (hidden → shown).
    shown_for: dict[int, int] = field(default_factory=dict)
    # The same pairs as two aligned arrays, in the same order, for finding the hidden records of a few rows.
    hidden_rows: npt.NDArray[np.intp] = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    shown_rows: npt.NDArray[np.intp] = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    # Per excluded finding, its share of the pertinent-negative log-LR: (for a disease with the feature, for
    # one without); see Ranker.evidence.
    pertinence: list[tuple[float, float]] = field(default_factory=list)

    def counted_for(self, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.bool_]:
        """Whether each finding's own log-LR counts for each of ``rows`` (findings by rows): always for an
        observed finding; for an excluded one, where it is the excluded finding that counts."""
        n_observed = sum(1 for e in self.evidences if not e.excluded)
        counted = self.counted_excluded[rows]
        return np.array(
            [
                np.ones(len(rows), dtype=bool) if not e.excluded else counted == index - n_observed
                for index, e in enumerate(self.evidences)
            ],
            dtype=bool,
        ).reshape(len(self.evidences), len(rows))

    def applied_for(
        self, rows: npt.NDArray[np.intp], counted: npt.NDArray[np.bool_] | None = None
    ) -> FloatArray:
        """The log-LR each finding contributes to each of ``rows`` (findings by rows): an observed finding
        its own; an excluded one its own where it is the excluded finding that counts (else 0), plus its
        share of the pertinent-negative evidence. They sum to the phenotype log-LR without age, sex and
        family history. ``counted`` is :meth:`counted_for` of the same rows, where the caller has it."""
        n_observed = sum(1 for e in self.evidences if not e.excluded)
        if counted is None:
            counted = self.counted_for(rows)
        values = np.zeros((len(self.evidences), len(rows)))
        for index, evidence in enumerate(self.evidences):
            own = evidence.log_lr[rows]
            values[index] = np.where(counted[index], own, 0.0)
            if evidence.excluded and self.pertinence:
                with_feature, without = self.pertinence[index - n_observed]
                values[index] += np.where(_members(rows, evidence.pertinent), with_feature, without)
        return values

    @cached_property
    def order(self) -> npt.NDArray[np.intp]:
        """Every disease row, best first; equal scores in model-row order, so ties rank reproducibly."""
        ordered: npt.NDArray[np.intp] = np.argsort(-self.log_posterior, kind="stable")
        return ordered

    def top_rows(self, n: int) -> npt.NDArray[np.intp]:
        """The first ``n`` rows of :attr:`order`, found without sorting every disease; never a row hidden
        behind its twin (``shown_for``), even when ``n`` reaches them."""
        scores = self.log_posterior
        if n >= len(scores):
            ranked: npt.NDArray[np.intp] = self.order
        else:
            cut = len(scores) - n
            threshold = np.partition(scores, cut)[cut]  # the n-th best score
            candidates = np.flatnonzero(scores >= threshold)  # ascending: the stable sort keeps row order
            ranked = candidates[np.argsort(-scores[candidates], kind="stable")][:n]
        shown: npt.NDArray[np.intp] = ranked[scores[ranked] > -np.inf]
        return shown

    def position(self, row: int) -> int:
        """1-based place of a row in :attr:`order` (better scores, then equal scores of earlier rows)."""
        scores = self.log_posterior
        score = scores[row]
        return int(np.count_nonzero(scores > score) + np.count_nonzero(scores[:row] == score)) + 1


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
        ids = set(entity.exact_ids)
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


def _strongest_excluded(excluded: list[TermEvidence], n_diseases: int) -> tuple[FloatArray, IntArray]:
    """Per disease, the log-LR of the excluded finding that counts (the most negative if any is negative,
    else the largest; the first finding wins a tie) and that finding's position.

    An excluded finding's log-LR is one shared value outside its ``support``, and the shared values are
    never negative (P(absent) <= 1 for every disease); so every disease outside all supports takes the
    first largest shared value, and only the union of the supports is compared finding by finding.
    """
    shared = np.array([e.shared for e in excluded])
    first_largest = int(np.argmax(shared))
    counted = np.full(n_diseases, first_largest, dtype=np.int32)
    chosen = np.full(n_diseases, shared[first_largest])
    everywhere = np.arange(n_diseases, dtype=np.int32)
    supports = [everywhere if e.support is None else e.support for e in excluded]
    in_union = np.zeros(n_diseases, dtype=bool)
    for support in supports:
        in_union[support] = True
    union = np.flatnonzero(in_union)
    if len(union):
        row_of = np.cumsum(in_union) - 1
        # Disease by finding, so that the comparisons run along contiguous rows.
        values = np.repeat(shared[None, :], len(union), axis=0)
        for position, (evidence, support) in enumerate(zip(excluded, supports, strict=True)):
            values[row_of[support], position] = evidence.log_lr[support]
        rows = np.arange(len(union))
        lowest, highest = values.argmin(axis=1), values.argmax(axis=1)  # the first of equal values
        low, high = values[rows, lowest], values[rows, highest]
        negative = low < 0
        counted[union] = np.where(negative, lowest, highest)
        chosen[union] = np.where(negative, low, high)
    return chosen, counted


def _members(rows: npt.NDArray[np.intp], sorted_values: IntArray | None) -> npt.NDArray[np.bool_]:
    """Which of ``rows`` are in ``sorted_values`` (sorted, unique)."""
    if sorted_values is None or not len(sorted_values):
        return np.zeros(len(rows), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_values, rows), len(sorted_values) - 1)
    found: npt.NDArray[np.bool_] = sorted_values[at] == rows
    return found


def _pertinence(
    model: PhenotypeModel, excluded: list[TermEvidence], listed: list[bool]
) -> tuple[FloatArray, list[tuple[float, float]]]:
    """The pertinent-negative log-LR of a case's excluded findings for every disease, and each finding's
    share of it (for a disease with the feature, for one without).

    A report's excluded findings are the absent features of the diagnoses its authors considered: one
    judgement, like their absence evidence (counted once, _strongest_excluded). So each finding's
    pertinent-negative log-LR is divided by their number: a disease gains by the share of the excluded
    findings it has (docs/engine.md, "Pertinent negatives"). Only the findings someone ``listed`` (entered
    or written) count: a normal lab value rules a term out whatever diagnoses were considered, and the
    ratio was measured on listed findings.
    """
    n_listed = sum(listed)
    shares = [
        (with_feature / n_listed, without / n_listed) if keep else (0.0, 0.0)
        for (with_feature, without), keep in zip((model.pertinence(e) for e in excluded), listed, strict=True)
    ]
    total = np.full(model.n_diseases, sum(without for _, without in shares))
    for evidence, (with_feature, without) in zip(excluded, shares, strict=True):
        if evidence.pertinent is not None and with_feature != without:
            total[evidence.pertinent] += with_feature - without
    return total, shares


def check_prior(prior: object) -> None:
    """Raise :class:`InputError` unless ``prior`` is a :data:`PriorKind`: any other value ("Prevalence", a
    typo) would otherwise rank silently with the uniform prior."""
    if not isinstance(prior, str) or prior not in _PRIORS:
        allowed = " or ".join(repr(p) for p in _PRIORS)
        msg = f"prior: expected {allowed}, got {prior!r}"
        raise InputError(msg)


class Ranker:
    """Ranks cases against all OMIM and Orphanet diseases of one HPO release.

    Build once (about a second) and reuse for many cases; it holds no patient data between calls.
    """

    def __init__(
        self,
        hpo: Hpo,
        kb: KnowledgeBase,
        params: PhenotypeParameters | None = None,
        *,
        phenotype_temperature: float = PHENOTYPE_TEMPERATURE,
    ) -> None:
        self.hpo = hpo
        self.kb = kb
        self.phenotype_temperature = phenotype_temperature
        self.phenotype = PhenotypeModel(hpo, params, adjustments=knowledge_adjustments(kb, hpo))
        self.context = ContextModel(self.phenotype)
        self._log_prior_prevalence = self._prevalence_prior()
        self._genotype_model: GenotypeModel | None = None
        self._twin_rows, self._group_rows = self._same_disorder_rows()
        first, second = self._twin_rows
        self._disorder_groups: list[list[int]] = [
            *([a, b] for a, b in zip(first.tolist(), second.tolist(), strict=True)),
            *(rows.tolist() for rows in self._group_rows),
        ]

    @property
    def genotype_model(self) -> GenotypeModel:
        """Gene-disease rules for every ranked disease (built on first use: only VCF cases need it)."""
        if self._genotype_model is None:
            self._genotype_model = GenotypeModel(self.hpo, self.kb, self.phenotype.disease_ids)
        return self._genotype_model

    # -- priors -------------------------------------------------------------------------------------
    def _prevalence_prior(self) -> FloatArray:
        prior = np.full(self.phenotype.n_diseases, BASELINE_PRIOR)
        for entity in self.kb.subtypes:
            share = entity.prevalence.share if entity.prevalence else None
            if share is None or entity.prevalence is None or entity.prevalence.unverified:
                continue
            value = GROUP_FREQUENCY[share.group] * (share.low + share.high) / 2
            for disease_id in entity.exact_ids:
                if self.phenotype.has_disease(disease_id):
                    prior[self.phenotype.row(disease_id)] = value
        log_prior: FloatArray = np.log(prior)
        return log_prior

    def _same_disorder_rows(
        self,
    ) -> tuple[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]], list[npt.NDArray[np.intp]]]:
        """Rows of records of one disorder (see ``_twins``): the pairs as two aligned arrays (lower row
        first), and the larger groups one by one."""
        model = self.phenotype
        names = cached_same_name_pairs(self.hpo, model.disease_ids)
        groups = same_disorder_groups(self.kb, self.hpo.annotations, model.disease_ids, names)
        rows = [np.array(sorted(model.row(d) for d in group), dtype=np.intp) for group in groups]
        pairs = [r for r in rows if len(r) == 2]
        first = np.array([r[0] for r in pairs], dtype=np.intp)
        second = np.array([r[1] for r in pairs], dtype=np.intp)
        return (first, second), [r for r in rows if len(r) > 2]

    def _shared_by_twins(self, evidence: GenotypeEvidence) -> GenotypeEvidence:
        """The genotype evidence of one disorder, given to each of its records.

        The records of one disorder may carry different gene-disease knowledge: one may lack the gene
        link or the inheritance the other has. The disorder's evidence is that of the record whose gene
        rules fit the VCF best, as for a disease with several genes or modes (docs/genotype.md). A record
        without rules (no known gene, or a mode a germline VCF cannot assess) knows nothing of the genes,
        so it counts only when no record of the disorder has rules.
        """
        model = self.genotype_model
        log_lr = evidence.log_lr.copy()
        detail = dict(evidence.detail)
        for rows in self._disorder_groups:
            informed = [r for r in rows if model.rules[r] and model.assessable[r]]
            if not informed:
                continue
            best = max(informed, key=lambda r: (evidence.log_lr[r], -r))
            for row in rows:
                if row != best:
                    log_lr[row] = evidence.log_lr[best]
                    detail[row] = evidence.for_row(best)
        return GenotypeEvidence(evidence.vcf, log_lr, evidence.background_rate, detail, evidence.default)

    # -- evidence -----------------------------------------------------------------------------------
    def evidence(self, case: Case) -> CaseEvidence:
        """Per-finding evidence (observed, then excluded), which excluded finding counts for each disease,
        each excluded finding's pertinent-negative share, the total log-LR, and notes.

        Excluded findings are correlated (a report lists the absent features of the diagnoses its authors
        considered), so per disease only the strongest of them counts: the most negative log-LR if any is
        negative, else the largest, the first finding winning a tie. The same list says which diagnoses were
        considered: a disease with the absent features gains as their pertinent negatives, counted once as
        well (_pertinence); see docs/engine.md.
        """
        model = self.phenotype
        age = case.ranking_age_days  # the age at last encounter, else the latest onset the case gives
        observed = [model.observed(f, age, case.sex) for f in case.observed]
        excluded = [model.excluded(f, age, case.sex) for f in case.excluded]
        total = np.zeros(model.n_diseases)
        for evidence in observed:
            total += evidence.log_lr
        counted: IntArray = np.full(model.n_diseases, -1, dtype=np.int32)
        shares: list[tuple[float, float]] = []
        if excluded:
            strongest, counted = _strongest_excluded(excluded, model.n_diseases)
            listed = [f.source != "lab" for f in case.findings if f.excluded]  # as case.excluded
            pertinent, shares = _pertinence(model, excluded, listed)
            total = total + strongest + pertinent
        context, notes = self.context.log_lr(case)
        return CaseEvidence([*observed, *excluded], counted, shares, total + context, notes)

    # -- ranking ------------------------------------------------------------------------------------
    def analyse(
        self, case: Case, *, prior: PriorKind = "uniform", genotype: VcfReadResult | None = None
    ) -> Analysis:
        """Score every disease for a case (no explanations yet).

        With a VCF, each disease's phenotype log-LR is added to its genotype log-LR (one posterior per
        disease; docs/genotype.md).
        """
        check_prior(prior)
        evidences, counted_excluded, pertinence, log_lr, notes = self.evidence(case)
        log_post = log_lr / self.phenotype_temperature  # calibrated (PHENOTYPE_TEMPERATURE)
        genotype_evidence = None
        if genotype is not None:
            genotype_evidence = self._shared_by_twins(self.genotype_model.evaluate(genotype, case.sex))
            log_lr = log_lr + genotype_evidence.log_lr
            log_post = log_post + genotype_evidence.log_lr
            notes = [*notes, *genotype.warnings]
        log_prior = (
            self._log_prior_prevalence if prior == "prevalence" else np.zeros(self.phenotype.n_diseases)
        )
        log_post = log_post + log_prior
        # One disorder, one hypothesis: show the better-scoring record and hide the others, so an OMIM
        # entry and its Orphanet twin neither split the probability nor push other diagnoses down. The
        # lower row wins a tie.
        first, second = self._twin_rows
        keep_first = log_post[first] >= log_post[second]
        hidden, shown = np.where(keep_first, second, first), np.where(keep_first, first, second)
        hidden_parts, shown_parts = [hidden], [shown]
        for rows in self._group_rows:  # groups of three or more, none of them in a pair
            best = rows[np.argmax(log_post[rows])]
            others = rows[rows != best]
            hidden_parts.append(others)
            shown_parts.append(np.full(len(others), best, dtype=np.intp))
        hidden_rows = np.concatenate(hidden_parts).astype(np.intp, copy=False)
        shown_rows = np.concatenate(shown_parts).astype(np.intp, copy=False)
        shown_for: dict[int, int] = dict(zip(hidden_rows.tolist(), shown_rows.tolist(), strict=True))
        log_post[hidden_rows] = -np.inf
        probabilities = np.exp(log_post - log_post.max())
        probabilities /= probabilities.sum()
        return Analysis(
            case,
            evidences,
            counted_excluded,
            log_lr,
            probabilities,
            log_post,
            notes,
            genotype_evidence,
            shown_for,
            hidden_rows,
            shown_rows,
            pertinence,
        )

    def report(self, analysis: Analysis, *, top: int = 20) -> CaseResult:
        """The ``top`` diagnoses of an analysis, each with its per-finding evidence."""
        if top < 1:
            msg = f"top must be at least 1, got {top}"
            raise InputError(msg)
        rows = analysis.top_rows(top)
        evidences = analysis.evidences
        # Explanations for all shown rows at once: match kinds and applied LRs, finding by row.
        kinds = self.phenotype.match_kinds(evidences, rows)
        counted = analysis.counted_for(rows)
        applied = analysis.applied_for(rows, counted)
        raw = np.stack([e.log_lr[rows] for e in evidences]) if evidences else applied
        # From here on row by row (diagnosis by diagnosis); what does not depend on the row, once per finding.
        lrs_by_row = [[round(value, 6) for value in values] for values in np.exp(applied).T.tolist()]
        kinds_by_row = np.array(kinds, dtype=object).reshape(len(evidences), len(rows)).T.tolist()
        # An excluded finding whose own LR another excluded finding's replaced (its pertinent-negative share
        # still applies): excluded_counted_once.
        is_excluded = np.array([e.excluded for e in evidences], dtype=bool).reshape(len(evidences), 1)
        replaced_by_row = (is_excluded & ~counted & (raw != 0.0)).T.tolist()
        sources = {(f.hpo_id, f.excluded): f.source for f in analysis.case.findings}
        per_finding: list[tuple[str, str, Literal["observed", "excluded"], str]] = [
            (
                e.hpo_id,
                self.hpo.ontology.label_at(e.term_index),
                "excluded" if e.excluded else "observed",
                sources.get((e.hpo_id, e.excluded), "entered"),
            )
            for e in evidences
        ]
        hidden: dict[int, list[str]] = {}
        # Some 1,300 records are hidden behind their twins; only those of the shown rows are named.
        wanted = np.zeros(self.phenotype.n_diseases, dtype=bool)
        wanted[rows] = True
        behind = np.flatnonzero(wanted[analysis.shown_rows])
        for hidden_row, shown in zip(
            analysis.hidden_rows[behind].tolist(), analysis.shown_rows[behind].tolist(), strict=True
        ):
            hidden.setdefault(shown, []).append(self.phenotype.disease_ids[hidden_row])
        diagnoses = []
        for column, row in enumerate(rows.tolist()):
            findings = [
                _finding_evidence(
                    hpo_id, label, status, lr, "excluded_counted_once" if replaced else kind, source
                )
                for (hpo_id, label, status, source), lr, kind, replaced in zip(
                    per_finding,
                    lrs_by_row[column],
                    kinds_by_row[column],
                    replaced_by_row[column],
                    strict=True,
                )
            ]
            diagnoses.append(
                self._diagnosis(
                    column + 1,
                    row,
                    float(analysis.probabilities[row]),
                    float(analysis.log_lr[row]),
                    findings,
                    analysis.genotype,
                    same_as=hidden.get(row, []),
                )
            )
        case = analysis.case
        summary = GenotypeSummary.of(analysis.genotype) if analysis.genotype else None
        return CaseResult(
            case.case_id, case.input, diagnoses, list(case.warnings), analysis.notes, genotype=summary
        )

    def rank(
        self,
        case: Case,
        *,
        top: int = 20,
        prior: PriorKind = "uniform",
        genotype: VcfReadResult | None = None,
    ) -> CaseResult:
        """Rank every disease for a case and explain the ``top`` diagnoses."""
        if top < 1:
            msg = f"top must be at least 1, got {top}"
            raise InputError(msg)
        return self.report(self.analyse(case, prior=prior, genotype=genotype), top=top)

    def position_of(self, analysis: Analysis, disease_id: str) -> int | None:
        """1-based rank of a disease in an analysis, or ``None`` if the release does not annotate it."""
        if not self.phenotype.has_disease(disease_id):
            return None
        row = self.phenotype.row(disease_id)
        row = analysis.shown_for.get(row, row)  # the same entity under its other id
        return analysis.position(row)

    def _diagnosis(
        self,
        rank: int,
        row: int,
        probability: float,
        log_lr: float,
        findings: list[FindingEvidence],
        genotype: GenotypeEvidence | None = None,
        *,
        same_as: list[str] | None = None,
    ) -> Diagnosis:
        model = self.phenotype
        disease_id = model.disease_ids[row]
        entity = self.kb.for_disease_id(disease_id)
        subtype = (
            subtype_summary(entity)
            if entity is not None and entity.group is EntityGroup.OSTEOPETROSIS
            else None
        )
        genes = self.hpo.annotations.genes_for(disease_id)
        genotype_lr, variants, genotype_note = 1.0, [], None
        if genotype is not None:
            detail = genotype.for_row(row)
            genotype_lr = round(detail.lr, 6)
            variants = [a.to_dict() for a in detail.alleles]
            genotype_note = detail.note or None
        return Diagnosis(
            rank=rank,
            disease_id=disease_id,
            label=model.disease_labels[row],
            probability=probability,
            genes=genes,
            evidence=findings,
            subtype=subtype,
            log10_lr=float(log_lr / np.log(10)),
            genotype_lr=genotype_lr,
            variants=variants,
            genotype_note=genotype_note,
            same_as=same_as or [],
            same_as_labels=[model.disease_labels[model.row(other)] for other in same_as or []],
        )
