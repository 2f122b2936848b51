"""Phenotype likelihood ratios for every annotated disease (the LIRICAL paradigm, PMID:32755546).

For each observed finding q and disease d the model estimates P(q | d) from the HPO annotation
frequencies, with ontology-aware partial credit, weights it by the disease's breadth (the size principle),
and divides it by the background P(q) over all diseases.
Excluded findings use P(absent | d) = 1 - P(q or a descendant | d). The equations and the reasoning behind
every constant are in docs/engine.md; the constants live in :class:`PhenotypeParameters`.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from marbledx.errors import InputError
from marbledx.ontology import (
    ONSET_LOWER_BOUND_DAYS,
    PHENOTYPIC_ABNORMALITY_ID,
    Hpo,
    cache_dir,
    load_cache,
    store_cache,
)
from marbledx.ontology._index import csr_expand

__all__ = [
    "BROAD_TERM_DISEASES",
    "ONSET_LOWER_BOUND_DAYS",
    "AnnotationAdjustment",
    "PhenotypeModel",
    "PhenotypeParameters",
    "TermEvidence",
    "shrunk_frequency",
]

_log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]

# Bump when the derived arrays change; cached engine files of other formats are ignored.
ENGINE_FORMAT = 5

# Terms with at least this many diseases at or below them are "broad": their offers are cached per set of
# broad ancestors (a speed measure; the results are those of offering each term in turn). In HPO 2025-01-16
# 420 terms that give partial credit are broad; their offers were 98% of the partial-credit work on
# phenopacket-store findings.
BROAD_TERM_DISEASES = 500

# Ancestors that carry no phenotypic information: partial credit through them would reward any disease.
_UNINFORMATIVE = ("HP:0000001", "HP:0000118", "HP:0012823", "HP:0031797", "HP:0000005", "HP:0040279")


_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


class _BoundedCache(Generic[_Key, _Value]):
    """A least-recently-used map of at most ``size`` entries (the engine's memos; keys are not hashable
    arguments of one function, so functools.lru_cache does not fit)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[_Key, _Value] = OrderedDict()

    def get(self, key: _Key) -> _Value | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: _Key, value: _Value) -> None:
        self._entries[key] = value
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)


@dataclass(frozen=True)
class PhenotypeParameters:
    """Model constants (justified in docs/engine.md; none is fitted to a single case)."""

    # P(feature | disease) for annotations that give no frequency: the midpoint of the HPO "Frequent"
    # class (30-79%), i.e. a characteristic but not universal feature.
    missing_frequency: float = 0.545
    # Share of findings a disease does not explain (annotation gaps, coincidental findings, coding error):
    # P(q | d) is never below noise x background P(q). 0.1 is the share of a new patient's findings that the
    # correct disease's annotation does not explain: 9.8% of the findings of the independently annotated
    # cases of phenopacket-store half A (docs/engine.md, "The noise share κ").
    noise: float = 0.1
    # P(absent | d) is never below this, even for an obligate feature (a missed or mis-recorded finding).
    excluded_floor: float = 0.05
    # Additive smoothing of the disease counts D(t) in the specificity ratio D(q)/D(a).
    smoothing: float = 1.0
    # Multiplier on the frequency of a feature whose annotated onset is later than the patient's age.
    later_onset_factor: float = 0.1
    # Partial credit for a finding that is only a relative (sibling or cousin) of an annotated feature:
    # the chance that a clinician records a neighbouring term for the same feature.
    related_factor: float = 0.1
    # How strongly a disease's breadth dilutes each finding it explains (the size principle): a clinician
    # records a few of the patient's features, so a disease with many features makes any one of them a
    # less likely entry. P(q | d) is weighted by (expected number of annotated features of d) ** -beta.
    # beta = 1 is the pure recording model; annotation size only partly measures a disease's breadth
    # (it also reflects how much has been published), so 0.5 was chosen on half A of phenopacket-store
    # from the grid 0 / 0.25 / 0.5 / 0.75 / 1 and checked on the held-out half B (docs/engine.md,
    # "Breadth of a disease").
    breadth_exponent: float = 0.5
    # Excluded findings are pertinent negatives: a report names the absent features of the diagnoses its
    # authors considered, so a disease with the feature is likelier to be the diagnosis than one without it,
    # before its frequency is weighed. This is the odds ratio of "the diagnosis has the excluded feature (at
    # or below the term)" against an average disease, measured on the independently annotated cases of
    # phenopacket-store half A: 28.3% of their 5,565 excluded terms against 3.4% (docs/engine.md, "Pertinent
    # negatives"). 1 turns it off.
    pertinence_ratio: float = 11.2

    def __post_init__(self) -> None:
        # A ratio of 0 or below would make every log-LR of a case with excluded findings NaN or infinite,
        # and the ranking meaningless without an error.
        if not math.isfinite(self.pertinence_ratio) or self.pertinence_ratio <= 0:
            msg = f"pertinence_ratio: expected a positive finite number (1 turns it off), got {self.pertinence_ratio!r}"
            raise InputError(msg)


MatchKind = Literal["exact", "implied", "specific", "related", "unmatched", "contradicted"]


@dataclass(frozen=True)
class TermEvidence:
    """Per-disease evidence for one finding of one case (vectors over the model's diseases)."""

    hpo_id: str
    term_index: int
    excluded: bool
    log_lr: FloatArray
    best_ancestor: IntArray  # term index that gave the best partial credit (-1: none)
    contradicted: BoolArray  # observed: annotated as absent; excluded: annotated as absent
    floored: BoolArray  # observed: no annotation explains it better than noise
    # Excluded: the diseases whose log-LR may differ from ``shared`` (the value of every other disease).
    support: IntArray | None = None
    shared: float = 0.0
    # Excluded: the diseases that have the feature (annotated present at or below the term; sorted), for
    # which the finding is a pertinent negative (PhenotypeModel.pertinence).
    pertinent: IntArray | None = None


@dataclass(frozen=True)
class _Patch:
    """The effect of onset- or sex-qualified annotations on one term's credit, for one age and sex:
    implied probabilities at ``positions`` of the term's unconditional diseases, and ``extra`` diseases
    that only qualified annotations reach, each with its implied and direct probability."""

    positions: npt.NDArray[np.int64]
    implied: FloatArray
    direct: FloatArray
    extra_diseases: IntArray
    extra_implied: FloatArray
    extra_direct: FloatArray


@dataclass(frozen=True)
class _BroadOffer:
    """What a set of broad ancestor terms offers any finding below them, apart from the finding's D(q):
    for each disease without qualified annotations below them (sorted), the winning source term and where
    its implied and direct probabilities are; for the ``qualified`` diseases, every term's unconditional
    probabilities (term by column) and where each term's patch goes (None: the term has no patch)."""

    key: bytes  # the broad terms, as the cache key
    diseases: IntArray
    sources: IntArray
    # The source's implied and direct probabilities, and D(source) + s, gathered once: every finding below the
    # terms computes its share from them (_broad_offer), and gathering them per finding cost about 4% of a case.
    implied: FloatArray
    direct: FloatArray
    denominator: FloatArray
    qualified: IntArray
    qualified_implied: npt.NDArray[np.float64]
    qualified_direct: npt.NDArray[np.float64]
    patch_layout: tuple[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]] | None, ...]
    # The onsets and sexes of the terms' qualified rows (PhenotypeModel._row_bits): the qualified diseases'
    # winners depend on the age and sex only through them.
    onset_bits: int
    sex_bits: int


@dataclass(frozen=True)
class _Qualified:
    """The winning broad source of each reached qualified disease, for one age and sex."""

    diseases: IntArray
    sources: IntArray
    implied: FloatArray
    direct: FloatArray


@dataclass(frozen=True)
class AnnotationAdjustment:
    """A curated change to one disease's annotations (from the knowledge base, with its sources there).

    ``quarantine`` drops the row, ``set_frequency`` replaces its frequency, ``add`` adds a present feature
    (``frequency`` None: the missing-frequency default) and ``absent`` adds an explicit absence.
    """

    disease_id: str
    hpo_id: str
    action: Literal["quarantine", "set_frequency", "add", "absent"]
    frequency: float | None = None


@dataclass(frozen=True)
class _Arrays:
    """Everything the model derives from a release, as flat arrays (cached on disk, no pickle)."""

    disease_positions: IntArray
    impl_indptr: npt.NDArray[np.int64]
    impl_disease: IntArray
    impl_log: FloatArray  # sum of log(1 - f) over annotations at or below the term (noisy-OR)
    impl_max: FloatArray  # largest single f at or below the term (full correlation)
    impl_p: FloatArray  # 1 - exp(impl_log): P(term or a descendant | disease), noisy-OR
    impl_direct: FloatArray  # P from annotations exactly at the term (0 if none), aligned with impl_p
    direct_indptr: npt.NDArray[np.int64]
    direct_disease: IntArray
    direct_log: FloatArray
    cond_indptr: npt.NDArray[np.int64]
    cond_disease: IntArray
    cond_freq: FloatArray
    cond_onset: FloatArray
    cond_sex: npt.NDArray[np.int8]
    not_indptr: npt.NDArray[np.int64]
    not_disease: IntArray
    disease_count: FloatArray
    feature_mass: FloatArray  # per disease, from the release's own annotation (see _feature_mass)


def _feature_mass(
    disease: IntArray, term: IntArray, frequency: FloatArray, positive: BoolArray, n_diseases: int
) -> FloatArray:
    """Per disease, the expected number of its annotated features a patient shows: the sum over its
    positively annotated terms of their frequencies (rows of one term combined as the engine combines them),
    at least 1, since a patient who comes to attention shows at least one feature."""
    keys = term[positive].astype(np.int64) * n_diseases + disease[positive]
    unique_keys, inverse = np.unique(keys, return_inverse=True)
    present = -np.expm1(np.bincount(inverse, weights=np.log1p(-frequency[positive])))
    mass = np.bincount(unique_keys % n_diseases, weights=present, minlength=n_diseases)
    return np.maximum(mass, 1.0)


def _indptr(sorted_terms: npt.NDArray[Any], n_terms: int) -> npt.NDArray[np.int64]:
    indptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(np.bincount(sorted_terms.astype(np.int64), minlength=n_terms), out=indptr[1:])
    return indptr


def shrunk_frequency(numerator: float, denominator: float) -> float:
    """Laplace's rule of succession for an n/m count from a small series: (n + 1) / (m + 2)."""
    return (numerator + 1.0) / (denominator + 2.0)


def _apply_adjustments(
    hpo: Hpo,
    model_row: npt.NDArray[np.int64],
    columns: dict[str, npt.NDArray[Any]],
    adjustments: tuple[AnnotationAdjustment, ...],
    missing_frequency: float,
) -> dict[str, npt.NDArray[Any]]:
    """Apply curated adjustments to the per-row columns (d, t, freq, negated, onset_days, sex)."""
    ontology, annotations = hpo.ontology, hpo.annotations
    keep = np.ones(len(columns["t"]), dtype=bool)
    extra: list[tuple[int, int, float, bool]] = []
    for adjustment in adjustments:
        if adjustment.disease_id not in annotations or adjustment.hpo_id not in ontology:
            continue
        row = int(model_row[annotations.disease_position(adjustment.disease_id)])
        if row < 0:
            continue
        term = ontology.index(adjustment.hpo_id)
        hits = (columns["d"] == row) & (columns["t"] == term)
        if adjustment.action == "quarantine":
            keep &= ~hits
        elif adjustment.action == "set_frequency" and adjustment.frequency is not None:
            columns["freq"][hits] = adjustment.frequency
        elif adjustment.action == "add" and not hits.any():
            frequency = adjustment.frequency if adjustment.frequency is not None else missing_frequency
            extra.append((row, term, frequency, False))
        elif adjustment.action == "absent" and not hits.any():
            extra.append((row, term, 0.0, True))
    result = {name: values[keep] for name, values in columns.items()}
    if extra:
        result["d"] = np.concatenate([result["d"], np.array([e[0] for e in extra], dtype=result["d"].dtype)])
        result["t"] = np.concatenate([result["t"], np.array([e[1] for e in extra], dtype=np.int32)])
        result["freq"] = np.concatenate([result["freq"], np.array([e[2] for e in extra])])
        result["negated"] = np.concatenate([result["negated"], np.array([e[3] for e in extra])])
        result["onset_days"] = np.concatenate([result["onset_days"], np.full(len(extra), -1.0)])
        result["sex"] = np.concatenate([result["sex"], np.zeros(len(extra), dtype=result["sex"].dtype)])
    return result


def _build_arrays(
    hpo: Hpo, missing_frequency: float, adjustments: tuple[AnnotationAdjustment, ...] = ()
) -> _Arrays:
    ontology, annotations = hpo.ontology, hpo.annotations
    n_terms = len(ontology)
    anc_indptr, anc_idx = ontology.ancestor_csr

    is_ranked = np.array([d.id.startswith(("OMIM:", "ORPHA:")) for d in annotations.diseases()])
    use = (annotations.aspect == 0) & is_ranked[annotations.disease_index]
    disease_positions = np.unique(annotations.disease_index[use]).astype(np.int32)
    n_d = len(disease_positions)
    model_row = np.full(len(annotations), -1, dtype=np.int64)
    model_row[disease_positions] = np.arange(n_d)

    d = model_row[annotations.disease_index[use]]
    t = annotations.term_index[use].astype(np.int32)
    freq = annotations.frequency[use].astype(np.float64)
    negated = annotations.negated[use] | (freq == 0.0)
    # n/m values count patients in (often small) published series, not population frequencies
    # (reference section 0): shrink them with Laplace's rule of succession, (n + 1) / (m + 2).
    numerator, denominator = (x[use] for x in annotations.frequency_counts)
    ratio = (annotations.frequency_kind[use] == 1) & (numerator > 0)
    freq = np.where(ratio, shrunk_frequency(numerator, denominator), freq)
    freq = np.where(np.isnan(freq), missing_frequency, freq)
    capped = np.minimum(freq, 1.0 - 1e-9)

    onset_index = annotations.onset_index[use]
    onset_days = np.full(len(t), -1.0)
    for term_id, days in ONSET_LOWER_BOUND_DAYS.items():
        if term_id in ontology:
            onset_days[onset_index == ontology.index(term_id)] = days
    sex = annotations.sex[use]
    # A disease's breadth comes from the release's annotation as it is: the knowledge base fills annotation
    # gaps of a few osteopetrosis entries only, and counting those additions would make exactly those
    # entries look broader than peers whose gaps nobody filled.
    feature_mass = _feature_mass(d, t, capped, ~negated, n_d)
    if adjustments:
        adjusted = _apply_adjustments(
            hpo,
            model_row,
            {"d": d, "t": t, "freq": freq, "negated": negated, "onset_days": onset_days, "sex": sex},
            adjustments,
            missing_frequency,
        )
        d, t, freq, negated = adjusted["d"], adjusted["t"], adjusted["freq"], adjusted["negated"]
        onset_days, sex = adjusted["onset_days"], adjusted["sex"]
        capped = np.minimum(freq, 1.0 - 1e-9)
    conditional = ~negated & ((onset_days > 0) | (sex > 0))
    base = ~negated & ~conditional

    # Base rows expanded to every ancestor, grouped by (term, disease).
    owner, anc = csr_expand(anc_indptr, anc_idx, t[base])
    keys = anc.astype(np.int64) * n_d + d[base][owner]
    unique_keys, inverse = np.unique(keys, return_inverse=True)
    impl_log = np.bincount(inverse, weights=np.log1p(-capped[base][owner]))
    impl_max = np.zeros(len(unique_keys))
    np.maximum.at(impl_max, inverse, capped[base][owner])

    # Conditional rows (onset or sex qualifiers) expanded the same way but kept per row.
    owner_c, anc_c = csr_expand(anc_indptr, anc_idx, t[conditional])
    order = np.argsort(anc_c, kind="stable")

    # Direct positive annotations (not expanded), for "finding more specific than annotated" credit.
    positive = ~negated
    direct_keys = t[positive].astype(np.int64) * n_d + d[positive]
    unique_direct, inverse_direct = np.unique(direct_keys, return_inverse=True)

    # Explicit absence (NOT rows and 0/n), direct terms only.
    order_n = np.argsort(t[negated], kind="stable")

    # D(t): diseases with a positive annotation at or below t.
    counts = np.bincount(unique_keys // n_d, minlength=n_terms).astype(np.float64)
    if len(anc_c):
        cond_keys = np.unique(anc_c.astype(np.int64) * n_d + d[conditional][owner_c])
        counts += np.bincount(
            np.setdiff1d(cond_keys, unique_keys, assume_unique=True) // n_d, minlength=n_terms
        )

    direct_log = np.bincount(inverse_direct, weights=np.log1p(-capped[positive])).astype(np.float64)
    # Direct probabilities on the implied layout, so a term's partial credit is two slices of the cache.
    at = np.minimum(np.searchsorted(unique_direct, unique_keys), max(len(unique_direct) - 1, 0))
    has_direct = unique_direct[at] == unique_keys if len(unique_direct) else np.zeros(len(unique_keys), bool)
    impl_direct = np.where(has_direct, -np.expm1(direct_log[at] if len(direct_log) else 0.0), 0.0)

    return _Arrays(
        disease_positions=disease_positions,
        impl_indptr=_indptr(unique_keys // n_d, n_terms),
        impl_disease=(unique_keys % n_d).astype(np.int32),
        impl_log=impl_log.astype(np.float64),
        impl_max=impl_max,
        impl_p=-np.expm1(impl_log.astype(np.float64)),
        impl_direct=impl_direct,
        direct_indptr=_indptr(unique_direct // n_d, n_terms),
        direct_disease=(unique_direct % n_d).astype(np.int32),
        direct_log=direct_log,
        cond_indptr=_indptr(anc_c[order], n_terms),
        cond_disease=d[conditional][owner_c][order].astype(np.int32),
        cond_freq=capped[conditional][owner_c][order],
        cond_onset=onset_days[conditional][owner_c][order],
        cond_sex=sex[conditional][owner_c][order].astype(np.int8),
        not_indptr=_indptr(t[negated][order_n], n_terms),
        not_disease=d[negated][order_n].astype(np.int32),
        disease_count=counts,
        feature_mass=feature_mass,
    )


def _load_or_build(
    hpo: Hpo, missing_frequency: float, adjustments: tuple[AnnotationAdjustment, ...], cache: Path | bool
) -> _Arrays:
    folder = cache_dir() if cache is True else (cache or None)
    if folder is None or not hpo.fingerprint:
        return _build_arrays(hpo, missing_frequency, adjustments)
    identity = f"{ENGINE_FORMAT}|{hpo.fingerprint}|{missing_frequency!r}|{sorted(map(repr, adjustments))}"
    key = hashlib.sha256(identity.encode()).hexdigest()[:16]
    path = folder / f"engine-{key}.npz"
    cached = load_cache(
        path,
        lambda archive: _Arrays(**{f.name: archive[f.name] for f in fields(_Arrays)}),
        what="engine cache",
        log=_log,
    )
    if cached is not None:
        return cached
    arrays = _build_arrays(hpo, missing_frequency, adjustments)
    store_cache(path, asdict(arrays), what="engine cache", log=_log)
    return arrays


class PhenotypeModel:
    """Per-disease phenotype evidence for one HPO release, over its OMIM and Orphanet diseases.

    The derived arrays are cached on disk next to the HPO index (``cache=False`` disables that).
    """

    def __init__(
        self,
        hpo: Hpo,
        params: PhenotypeParameters | None = None,
        *,
        adjustments: tuple[AnnotationAdjustment, ...] = (),
        cache: Path | bool = True,
        broad_term_diseases: int = BROAD_TERM_DISEASES,
    ) -> None:
        self.params = params or PhenotypeParameters()
        self.hpo = hpo
        ontology, annotations = hpo.ontology, hpo.annotations
        self._a = _load_or_build(hpo, self.params.missing_frequency, adjustments, cache)
        self.disease_ids = [annotations.disease_at(int(i)).id for i in self._a.disease_positions]
        self.disease_labels = [annotations.disease_at(int(i)).name for i in self._a.disease_positions]
        self._row_of = {d: i for i, d in enumerate(self.disease_ids)}
        self.n_diseases = len(self.disease_ids)
        self._uninformative = {ontology.index(x) for x in _UNINFORMATIVE if x in ontology}
        # The organ-system categories directly below "Phenotypic abnormality" match almost any disease, so
        # they give no partial credit (a finding that is itself such a category still matches exactly).
        self._no_partial = set(self._uninformative)
        if PHENOTYPIC_ABNORMALITY_ID in ontology:
            organs = ontology.child_indices(ontology.index(PHENOTYPIC_ABNORMALITY_ID))
            self._no_partial |= {int(c) for c in organs}

        # Evidence depends on the age and sex only through the onset- and sex-qualified rows of the terms it
        # consults, and through which of those rows the patient's age and sex change (_conditional). The
        # memos key their entries by those changed rows (_changed_rows): an exact key, so that patients whose
        # ages or sexes change the same rows share an entry, and findings that recur across a cohort cost
        # nothing. The onsets of the release's qualified rows, sorted (few distinct values: bits of a mask).
        self._onset_values: list[float] = np.unique(self._a.cond_onset).tolist()
        # Per (term, excluded): the onsets and sexes of the qualified rows the finding consults.
        self._qualifiers: dict[tuple[int, bool], tuple[int, int]] = {}
        self._scratch = np.zeros(self.n_diseases)  # reused buffer; a model is used by one thread at a time
        self.feature_mass = self._a.feature_mass
        self._breadth_weight = self.feature_mass**-self.params.breadth_exponent
        self._memo: _BoundedCache[tuple[str, bool, int, int], TermEvidence] = _BoundedCache(512)
        # Onset- and sex-qualified annotations change a term's credit by (term, changed rows); the broad
        # terms recur in almost every finding's ancestry, so those small changes are kept (bounded) too.
        # Patches are small: about 20 MB when full.
        self._patches: _BoundedCache[tuple[int, int, int], _Patch] = _BoundedCache(32768)
        # Broad terms (at least ``broad_term_diseases`` diseases at or below them) carry almost all of the
        # per-finding work: every finding below them is offered their whole disease set. Their combined
        # offer, for one set of broad ancestors, is the same for every finding up to a factor D(q), so it is
        # computed once and kept (see _broad_closure). The threshold changes speed, not results.
        self._is_broad = self._a.disease_count >= broad_term_diseases
        self._is_broad[list(self._no_partial)] = False
        self._broad: _BoundedCache[bytes, _BroadOffer] = _BoundedCache(512)  # at most about 0.3 MB each
        # The qualified diseases' winners per (set of broad terms, changed rows): about 2 kB each.
        self._broad_qualified_memo: _BoundedCache[tuple[bytes, int, int], _Qualified] = _BoundedCache(4096)

    @cached_property
    def _row_bits(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Per term, the qualified rows at or below it as two bit sets: the distinct onsets among them (bit
        i for ``_onset_values[i]``), and their sexes (bit 0 male-only, bit 1 female-only)."""
        a = self._a
        onset_bit = np.left_shift(
            np.int64(1), np.searchsorted(self._onset_values, a.cond_onset).astype(np.int64)
        )
        sex_bit = np.where(a.cond_sex > 0, np.left_shift(np.int64(1), a.cond_sex.astype(np.int64) - 1), 0)
        n_terms = len(a.cond_indptr) - 1
        onsets, sexes = np.zeros(n_terms, dtype=np.int64), np.zeros(n_terms, dtype=np.int64)
        owner = np.repeat(np.arange(n_terms), np.diff(a.cond_indptr))
        np.bitwise_or.at(onsets, owner, onset_bit)
        np.bitwise_or.at(sexes, owner, sex_bit.astype(np.int64))
        return onsets, sexes

    def _qualifier_key(
        self, hpo_id: str, excluded: bool, age_days: float | None, sex: str | None
    ) -> tuple[int, int]:
        """Which qualified rows, among those the finding consults, the age and sex change: (onsets the
        patient is younger than, sexes other than the patient's), as bit sets (see _row_bits).

        An excluded finding consults the rows at or below its term (_implied_max); an observed one those of
        every term that offers it credit (_observed): itself, unless uninformative, and its ancestors that
        give partial credit. Rows of one onset value all change or all stay (_conditional), so the bit sets
        determine every probability the finding's evidence is computed from.
        """
        ontology = self.hpo.ontology
        q = ontology.index(hpo_id)
        found = self._qualifiers.get((q, excluded))
        if found is None:
            onsets, sexes = self._row_bits
            if excluded:
                consulted = [q]
            else:
                consulted = [
                    a for a in ontology.ancestor_indices(q).tolist() if a != q and a not in self._no_partial
                ]
                if q not in self._uninformative:
                    consulted.append(q)
            found = (
                int(np.bitwise_or.reduce(onsets[consulted])) if consulted else 0,
                int(np.bitwise_or.reduce(sexes[consulted])) if consulted else 0,
            )
            self._qualifiers[q, excluded] = found
        return self._changed_rows(*found, age_days, sex)

    def _changed_rows(
        self, onset_bits: int, sex_bits: int, age_days: float | None, sex: str | None
    ) -> tuple[int, int]:
        """Of qualified rows with the onsets ``onset_bits`` and sexes ``sex_bits`` (see _row_bits), the onsets
        and sexes that the age and sex change in _conditional: an exact cache key for anything computed from
        those rows alone, and coarser than the age class of the release's onset table and the sex."""
        # Rows whose onset is later than the age are weighed down: the onset values above the age.
        later = 0 if age_days is None else ~((1 << bisect.bisect_right(self._onset_values, age_days)) - 1)
        # Rows of the other sex are zeroed; any sex but "male" counts as female there (_conditional).
        other_sex = 0 if sex is None else (0b10 if sex == "male" else 0b01)
        return onset_bits & later, sex_bits & other_sex

    def _memoised(self, hpo_id: str, excluded: bool, age_days: float | None, sex: str | None) -> TermEvidence:
        key = (hpo_id, excluded, *self._qualifier_key(hpo_id, excluded, age_days, sex))
        found = self._memo.get(key)
        if found is not None:
            return found
        evidence = (self._excluded if excluded else self._observed)(hpo_id, age_days, sex)
        self._memo.put(key, evidence)
        return evidence

    def observed(self, hpo_id: str, age_days: float | None = None, sex: str | None = None) -> TermEvidence:
        """Evidence of an observed finding for every disease."""
        return self._memoised(hpo_id, False, age_days, sex)

    def excluded(self, hpo_id: str, age_days: float | None = None, sex: str | None = None) -> TermEvidence:
        """Evidence of an excluded (explicitly absent) finding for every disease."""
        return self._memoised(hpo_id, True, age_days, sex)

    def row(self, disease_id: str) -> int:
        return self._row_of[disease_id]

    def has_disease(self, disease_id: str) -> bool:
        return disease_id in self._row_of

    # -- probabilities ------------------------------------------------------------------------------
    def _conditional(self, term: int, age_days: float | None, sex: str | None) -> tuple[IntArray, FloatArray]:
        """Diseases and effective frequencies of onset- or sex-qualified annotations at or below ``term``."""
        a = self._a
        cs, ce = int(a.cond_indptr[term]), int(a.cond_indptr[term + 1])
        f = a.cond_freq[cs:ce].copy()
        if ce > cs:
            if age_days is not None:
                f[a.cond_onset[cs:ce] > age_days] *= self.params.later_onset_factor
            if sex is not None:
                code = 1 if sex == "male" else 2
                row_sex = a.cond_sex[cs:ce]
                f[(row_sex > 0) & (row_sex != code)] = 0.0
        return a.cond_disease[cs:ce], f

    def _implied_max(self, term: int, age_days: float | None, sex: str | None) -> tuple[IntArray, FloatArray]:
        """P(disease shows ``term`` or a descendant), features fully correlated (max), for the diseases
        with something at or below ``term`` (a disease may appear twice, with equal values)."""
        a = self._a
        start, end = a.impl_indptr[term], a.impl_indptr[term + 1]
        diseases, present = a.impl_disease[start:end], a.impl_max[start:end]
        cond_diseases, f = self._conditional(term, age_days, sex)
        if len(f):
            scratch = self._scratch
            scratch[diseases] = present
            np.maximum.at(scratch, cond_diseases, f)
            diseases = np.concatenate([diseases, cond_diseases])
            present = scratch[diseases]
            scratch[diseases] = 0.0
        return diseases, present

    @cached_property
    def _has_negated(self) -> BoolArray:
        """Terms with at least one disease annotated as lacking them (few are)."""
        has: BoolArray = np.diff(self._a.not_indptr) > 0
        return has

    def _negated_for(self, terms: IntArray) -> BoolArray:
        """Diseases annotated as lacking any of ``terms``."""
        a = self._a
        mask = np.zeros(self.n_diseases, dtype=bool)
        for term in terms[self._has_negated[terms]].tolist():
            mask[a.not_disease[a.not_indptr[term] : a.not_indptr[term + 1]]] = True
        return mask

    def _patch(self, term: int, age_days: float | None, sex: str | None) -> _Patch | None:
        """How the onset- or sex-qualified annotations at or below ``term`` change its credit (None: no
        such annotations). The noisy-OR is recombined in the same order as the unconditional sums."""
        a = self._a
        if a.cond_indptr[term + 1] == a.cond_indptr[term]:
            return None
        onsets, sexes = self._row_bits
        key = (term, *self._changed_rows(int(onsets[term]), int(sexes[term]), age_days, sex))
        found = self._patches.get(key)
        if found is not None:
            return found
        start, end = int(a.impl_indptr[term]), int(a.impl_indptr[term + 1])
        diseases = a.impl_disease[start:end]  # sorted within a term
        cond_diseases, f = self._conditional(term, age_days, sex)
        touched = np.unique(cond_diseases)
        at = np.searchsorted(diseases, touched)
        inside = at < len(diseases)
        inside[inside] = diseases[at[inside]] == touched[inside]
        scratch = self._scratch
        scratch[touched[inside]] = a.impl_log[start + at[inside]]
        np.add.at(scratch, cond_diseases, np.log1p(-f))
        implied = -np.expm1(scratch[touched])
        scratch[touched] = 0.0
        extra = touched[~inside]  # diseases whose only annotations here are qualified ones
        ds, de = int(a.direct_indptr[term]), int(a.direct_indptr[term + 1])
        direct_diseases = a.direct_disease[ds:de]
        where = np.minimum(np.searchsorted(direct_diseases, extra), max(de - ds - 1, 0))
        has_direct = (direct_diseases[where] == extra) if de > ds else np.zeros(len(extra), dtype=bool)
        extra_direct = np.where(has_direct, -np.expm1(a.direct_log[ds + where] if de > ds else 0.0), 0.0)
        patch = _Patch(
            positions=at[inside],
            implied=implied[inside],
            direct=a.impl_direct[start + at[inside]],
            extra_diseases=extra.astype(np.int32),
            extra_implied=implied[~inside],
            extra_direct=extra_direct,
        )
        self._patches.put(key, patch)
        return patch

    def _candidates(
        self, term: int, age_days: float | None, sex: str | None, share: float | None
    ) -> list[tuple[IntArray, FloatArray]]:
        """(diseases, probability) segments that ``term`` offers a finding at or below it: the implied
        probability for the finding's own term (``share`` None), else the specificity ``share`` of the
        direct probability or ``related_factor`` of it of the implied one, whichever is larger."""
        a = self._a
        start, end = a.impl_indptr[term], a.impl_indptr[term + 1]
        related = None if share is None else self.params.related_factor * share

        def score(implied: FloatArray, direct: FloatArray) -> FloatArray:
            if share is None or related is None:
                return implied
            scored: FloatArray = np.maximum(implied * related, direct * share)
            return scored

        values = score(a.impl_p[start:end], a.impl_direct[start:end])
        patch = self._patch(term, age_days, sex)
        if patch is None:
            return [(a.impl_disease[start:end], values)]
        if share is None:
            values = values.copy()  # a view of the engine arrays until now
        values[patch.positions] = score(patch.implied, patch.direct)
        segments = [(a.impl_disease[start:end], values)]
        if len(patch.extra_diseases):
            segments.append((patch.extra_diseases, score(patch.extra_implied, patch.extra_direct)))
        return segments

    def _broad_closure(self, broad: IntArray) -> _BroadOffer:
        """What the broad terms ``broad`` offer any finding below them all, apart from the finding's D(q).

        Each source's offer is share x max(related_factor x implied, direct) with share = (D(q) + s) /
        (D(a) + s), so the source with the largest max(related_factor x implied, direct) / (D(a) + s) wins
        for every such finding (ties to the lower index, as in the running maximum). The diseases with onset- or
        sex-qualified annotations below any of the terms depend on the case; for them the closure keeps
        each term's unconditional probabilities, and where each term's patch goes (patches have a fixed
        layout; only their values change with age and sex).
        """
        key = broad.tobytes()
        found = self._broad.get(key)
        if found is not None:
            return found
        a_ = self._a
        terms = broad.tolist()
        related, smoothing = self.params.related_factor, self.params.smoothing
        qualified_by_term = [
            np.unique(a_.cond_disease[a_.cond_indptr[term] : a_.cond_indptr[term + 1]]) for term in terms
        ]
        qualified = np.unique(np.concatenate(qualified_by_term)).astype(np.int32)
        unit = np.zeros(self.n_diseases)
        source = np.full(self.n_diseases, -1, dtype=np.int32)
        position = np.zeros(self.n_diseases, dtype=np.int64)  # of the winner in the engine arrays
        qualified_implied = np.zeros((len(terms), len(qualified)))
        qualified_direct = np.zeros((len(terms), len(qualified)))
        patch_layout: list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]] | None] = []
        for row, term in enumerate(terms):
            start, end = int(a_.impl_indptr[term]), int(a_.impl_indptr[term + 1])
            diseases = a_.impl_disease[start:end]
            values = np.maximum(a_.impl_p[start:end] * related, a_.impl_direct[start:end])
            values /= a_.disease_count[term] + smoothing
            better = np.flatnonzero(values > unit[diseases])
            unit[diseases[better]] = values[better]
            source[diseases[better]] = term
            position[diseases[better]] = start + better
            columns = np.searchsorted(diseases, qualified)
            inside = columns < len(diseases)
            inside[inside] = diseases[columns[inside]] == qualified[inside]
            qualified_implied[row, inside] = a_.impl_p[start + columns[inside]]
            qualified_direct[row, inside] = a_.impl_direct[start + columns[inside]]
            if a_.cond_indptr[term + 1] == a_.cond_indptr[term]:
                patch_layout.append(None)  # _patch() gives None
                continue
            # As in _patch(): the term's qualified diseases inside its segment, then the extra ones.
            own = np.searchsorted(qualified, qualified_by_term[row])
            own_inside = inside[own]
            patch_layout.append((own[own_inside], own[~own_inside]))
        source[qualified] = -1  # case-dependent: computed per finding
        reached = np.flatnonzero(source >= 0).astype(np.int32)
        at = position[reached]
        closure = _BroadOffer(
            key,
            reached,
            source[reached],
            a_.impl_p[at],
            a_.impl_direct[at],
            a_.disease_count[source[reached]] + smoothing,
            qualified,
            qualified_implied,
            qualified_direct,
            tuple(patch_layout),
            int(np.bitwise_or.reduce(self._row_bits[0][broad])),
            int(np.bitwise_or.reduce(self._row_bits[1][broad])),
        )
        self._broad.put(key, closure)
        return closure

    def _broad_qualified(
        self, closure: _BroadOffer, broad: IntArray, age_days: float | None, sex: str | None
    ) -> _Qualified:
        """The winning source, and its implied and direct probabilities, of each qualified disease of the
        broad terms ``broad`` (whose closure is ``closure``) for one age and sex."""
        key = (closure.key, *self._changed_rows(closure.onset_bits, closure.sex_bits, age_days, sex))
        found = self._broad_qualified_memo.get(key)
        if found is not None:
            return found
        a_ = self._a
        implied, direct = closure.qualified_implied.copy(), closure.qualified_direct.copy()
        for row, term in enumerate(broad.tolist()):
            layout = closure.patch_layout[row]
            patch = None if layout is None else self._patch(term, age_days, sex)
            if layout is None or patch is None:
                continue
            inside, extra = layout
            implied[row, inside], direct[row, inside] = patch.implied, patch.direct
            implied[row, extra], direct[row, extra] = patch.extra_implied, patch.extra_direct
        unit = np.maximum(implied * self.params.related_factor, direct)
        unit /= (a_.disease_count[broad] + self.params.smoothing)[:, None]
        winner = unit.argmax(axis=0)  # the first maximum: the lowest term index
        columns = np.arange(len(closure.qualified))
        reached = unit[winner, columns] > 0.0
        winner, columns = winner[reached], columns[reached]
        qualified = _Qualified(
            closure.qualified[reached],
            broad[winner].astype(np.int32),
            implied[winner, columns],
            direct[winner, columns],
        )
        self._broad_qualified_memo.put(key, qualified)
        return qualified

    def _broad_offer(
        self, q: int, broad: IntArray, age_days: float | None, sex: str | None
    ) -> list[tuple[IntArray, FloatArray, IntArray]]:
        """(diseases, probability, source) segments that the broad ancestors ``broad`` offer finding ``q``:
        the values and sources that offering each of them in index order would give (see _broad_closure).
        The segments' diseases are disjoint: the closure's, then the qualified ones for this age and sex."""
        a_ = self._a
        closure = self._broad_closure(broad)
        parts = [(closure.diseases, closure.sources, closure.implied, closure.direct, closure.denominator)]
        if len(closure.qualified):
            qualified = self._broad_qualified(closure, broad, age_days, sex)
            denominator = a_.disease_count[qualified.sources] + self.params.smoothing
            parts.append(
                (qualified.diseases, qualified.sources, qualified.implied, qualified.direct, denominator)
            )
        # The credit exactly as offering the winning source alone computes it.
        numerator, related = a_.disease_count[q] + self.params.smoothing, self.params.related_factor
        segments = []
        for diseases, sources, implied, direct, denominator in parts:
            share = numerator / denominator
            values: FloatArray = np.maximum(implied * (related * share), direct * share)
            segments.append((diseases, values, sources))
        return segments

    def _observed(self, hpo_id: str, age_days: float | None, sex: str | None) -> TermEvidence:
        ontology = self.hpo.ontology
        a_ = self._a
        q = ontology.index(hpo_id)
        ancestors = ontology.ancestor_indices(q)
        # Candidate probabilities for every (source term, disease): the finding itself at full credit, then
        # each informative ancestor ``a`` scaled by the specificity share D(q)/D(a). A disease annotated
        # exactly at ``a`` (the finding is a more specific form of it) gets the full share; one annotated
        # only elsewhere below ``a`` (a relative) gets related_factor of it.
        # The best candidate wins; of equal candidates, the finding itself, else the ancestor of lowest
        # index (the explanation names it). The broad ancestors come first, as one cached offer.
        best = np.zeros(self.n_diseases)
        best_ancestor = np.full(self.n_diseases, -1, dtype=np.int32)
        is_broad = self._is_broad
        broad = ancestors[is_broad[ancestors] & (ancestors != q)]
        if len(broad):
            for diseases, values, sources in self._broad_offer(q, broad, age_days, sex):
                best[diseases] = values  # each disease once
                best_ancestor[diseases] = sources
        if q not in self._uninformative:
            for diseases, values in self._candidates(q, age_days, sex, None):
                better = (values >= best[diseases]) & (values > 0.0)
                chosen = diseases[better]
                best[chosen] = values[better]
                best_ancestor[chosen] = q
        smoothing = self.params.smoothing
        for a in ancestors.tolist():
            if a == q or a in self._no_partial or is_broad[a]:
                continue
            share = (a_.disease_count[q] + smoothing) / (a_.disease_count[a] + smoothing)
            for diseases, values in self._candidates(a, age_days, sex, share):
                current, source = best[diseases], best_ancestor[diseases]
                better = (values > current) | (
                    (values == current) & (values > 0.0) & (source != q) & (source > a)
                )
                chosen = diseases[better]
                best[chosen] = values[better]
                best_ancestor[chosen] = a
        # The size principle (PhenotypeParameters.breadth_exponent): a finding is a likelier entry in the
        # record of a narrow disease than of a broad one that explains it equally well.
        best *= self._breadth_weight
        background = float(best.sum()) / self.n_diseases  # best.mean() to the last bit, without its overhead
        contradicted = self._negated_for(ancestors)
        if background <= 0.0:
            # No disease has anything near this finding: it cannot discriminate.
            nothing = np.ones(self.n_diseases, dtype=bool)
            return TermEvidence(
                hpo_id, q, False, np.zeros(self.n_diseases), best_ancestor, contradicted, nothing
            )
        floor = self.params.noise * background
        floored = best < floor
        probability = np.maximum(best, floor)
        probability[contradicted] = floor
        return TermEvidence(
            hpo_id, q, False, np.log(probability / background), best_ancestor, contradicted, floored
        )

    def _excluded(self, hpo_id: str, age_days: float | None, sex: str | None) -> TermEvidence:
        ontology = self.hpo.ontology
        q = ontology.index(hpo_id)
        diseases, present = self._implied_max(q, age_days, sex)
        # P(absent | disease) is 1 for every disease with nothing at or below the term, so only the
        # others and the ones annotated as lacking it are computed one by one.
        absent = np.ones(self.n_diseases)
        absent[diseases] = np.maximum(1.0 - present, self.params.excluded_floor)
        explicitly_absent = self._negated_for(ontology.ancestor_indices(q))
        absent[explicitly_absent] = 1.0
        background = float(absent.sum()) / self.n_diseases  # as above
        best_ancestor = np.full(self.n_diseases, -1, dtype=np.int32)
        best_ancestor[diseases[present > 0]] = q
        # Every other disease has P(absent) = 1 (annotated as lacking it or not), hence one shared value.
        shared = np.log(np.ones(1) / background)[0]
        log_lr = np.full(self.n_diseases, shared)
        log_lr[diseases] = np.log(absent[diseases] / background)
        never = np.zeros(self.n_diseases, dtype=bool)
        pertinent = diseases[present > 0]
        if len(diseases) > self._a.impl_indptr[q + 1] - self._a.impl_indptr[q]:
            # Qualified rows were appended (_implied_max): sort, and drop the repeated diseases.
            pertinent = np.sort(pertinent)
            if len(pertinent) > 1:
                pertinent = pertinent[np.concatenate(([True], pertinent[1:] != pertinent[:-1]))]
        pertinent = pertinent.astype(np.int32, copy=False)
        return TermEvidence(
            hpo_id,
            q,
            True,
            log_lr,
            best_ancestor,
            explicitly_absent,
            never,
            diseases,
            float(shared),
            pertinent,
        )

    def pertinence(self, evidence: TermEvidence) -> tuple[float, float]:
        """The log-LR of an excluded finding as a pertinent negative: (for a disease that has the feature,
        for one that does not). P(listed | d) is ``pertinence_ratio`` times higher for the diseases with the
        feature; the LR divides by its mean over diseases, as every other LR of the model does. The ranking
        counts a case's excluded findings as one judgement (docs/engine.md, "Pertinent negatives")."""
        ratio = self.params.pertinence_ratio
        share = 0.0 if evidence.pertinent is None else len(evidence.pertinent) / self.n_diseases
        mean = np.log1p(share * (ratio - 1.0))
        return float(np.log(ratio) - mean), float(-mean)

    # -- explanations -------------------------------------------------------------------------------
    @cached_property
    def _direct_keys(self) -> npt.NDArray[np.int64]:
        """Sorted ``term * n_diseases + row`` of every direct positive annotation."""
        a = self._a
        terms = np.repeat(np.arange(len(a.direct_indptr) - 1, dtype=np.int64), np.diff(a.direct_indptr))
        keys: npt.NDArray[np.int64] = terms * self.n_diseases + a.direct_disease
        return keys

    def match_kinds(self, evidences: Sequence[TermEvidence], rows: npt.NDArray[np.intp]) -> list[list[str]]:
        """How each finding matched each of ``rows`` (for the per-finding explanation), finding by row.

        Observed: exact (annotated at the term), implied (at a descendant), specific (the finding is a more
        specific form of an annotated term), related (a relative), unmatched or contradicted (annotated as
        absent). Excluded: annotated, annotated_absent or not_annotated.
        """
        if not evidences:
            return []
        ancestor = np.array([e.best_ancestor[rows] for e in evidences], dtype=np.int64).reshape(-1, len(rows))
        contradicted = np.array([e.contradicted[rows] for e in evidences]).reshape(-1, len(rows))
        floored = np.array([e.floored[rows] for e in evidences]).reshape(-1, len(rows))
        excluded = np.array([e.excluded for e in evidences])[:, None]
        term = np.array([e.term_index for e in evidences])[:, None]
        keys = np.maximum(ancestor, 0) * self.n_diseases + rows[None, :]
        found = np.minimum(np.searchsorted(self._direct_keys, keys), max(len(self._direct_keys) - 1, 0))
        direct = (ancestor >= 0) & (self._direct_keys[found] == keys) if len(self._direct_keys) else keys < 0
        observed_kind = np.where(
            ancestor == term, np.where(direct, "exact", "implied"), np.where(direct, "specific", "related")
        )
        observed_kind = np.where((ancestor < 0) | floored, "unmatched", observed_kind)
        observed_kind = np.where(contradicted, "contradicted", observed_kind)
        excluded_kind = np.where(
            contradicted, "annotated_absent", np.where(ancestor >= 0, "annotated", "not_annotated")
        )
        kinds: list[list[str]] = np.where(excluded, excluded_kind, observed_kind).tolist()
        return kinds

    def match_kind(self, evidence: TermEvidence, row: int) -> str:
        """How a finding matched one disease (see :meth:`match_kinds`)."""
        return self.match_kinds([evidence], np.array([row], dtype=np.intp))[0][0]
