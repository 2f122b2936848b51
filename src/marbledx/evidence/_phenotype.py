"""Phenotype likelihood ratios for every annotated disease (the LIRICAL paradigm, PMID:32755546).

For each observed finding q and disease d the model estimates P(q | d) from the HPO annotation
frequencies, with ontology-aware partial credit, and divides it by the background P(q) over all diseases.
Excluded findings use P(absent | d) = 1 - P(q or a descendant | d). The equations and the reasoning behind
every constant are in docs/engine.md; the constants live in :class:`PhenotypeParameters`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from marbledx.ontology import PHENOTYPIC_ABNORMALITY_ID, Hpo
from marbledx.ontology._index import csr_expand

__all__ = [
    "ONSET_LOWER_BOUND_DAYS",
    "PhenotypeModel",
    "PhenotypeParameters",
    "TermEvidence",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]

# Lower bound, in days, of each HPO onset class (term definitions in hp.obo, Onset HP:0003674 subtree).
ONSET_LOWER_BOUND_DAYS: dict[str, float] = {
    "HP:0030674": 0.0,  # Antenatal onset
    "HP:0011460": 0.0,  # Embryonal onset
    "HP:0011461": 0.0,  # Fetal onset
    "HP:0034199": 0.0,  # Late first trimester onset
    "HP:0034198": 0.0,  # Second trimester onset
    "HP:0034197": 0.0,  # Third trimester onset
    "HP:0003577": 0.0,  # Congenital onset
    "HP:0003623": 0.0,  # Neonatal onset (first 28 days)
    "HP:0003593": 28.0,  # Infantile onset (28 days to 1 year)
    "HP:0011463": 365.25,  # Childhood onset (1 to 5 years)
    "HP:0410280": 365.25,  # Pediatric onset (childhood and juvenile)
    "HP:0003621": 5 * 365.25,  # Juvenile onset (5 to 15 years)
    "HP:0003581": 16 * 365.25,  # Adult onset (16 years or later)
    "HP:0011462": 16 * 365.25,  # Young adult onset (16 to 40 years)
    "HP:0025708": 16 * 365.25,  # Early young adult onset (16 to 19 years)
    "HP:0025709": 19 * 365.25,  # Intermediate young adult onset (19 to 25 years)
    "HP:0025710": 25 * 365.25,  # Late young adult onset (25 to 40 years)
    "HP:0003596": 40 * 365.25,  # Middle age onset (40 to 60 years)
    "HP:0003584": 60 * 365.25,  # Late onset (60 years or later)
}

# Ancestors that carry no phenotypic information: partial credit through them would reward any disease.
_UNINFORMATIVE = ("HP:0000001", "HP:0000118", "HP:0012823", "HP:0031797", "HP:0000005", "HP:0040279")


@dataclass(frozen=True)
class PhenotypeParameters:
    """Model constants (justified in docs/engine.md; none is fitted to a single case)."""

    # P(feature | disease) for annotations that give no frequency: the midpoint of the HPO "Frequent"
    # class (30-79%), i.e. a characteristic but not universal feature.
    missing_frequency: float = 0.545
    # Share of findings a disease does not explain (annotation gaps, coincidental findings, coding error):
    # P(q | d) is never below noise x background P(q).
    noise: float = 0.05
    # P(absent | d) is never below this, even for an obligate feature (a missed or mis-recorded finding).
    excluded_floor: float = 0.05
    # Additive smoothing of the disease counts D(t) in the specificity ratio D(q)/D(a).
    smoothing: float = 1.0
    # Multiplier on the frequency of a feature whose annotated onset is later than the patient's age.
    later_onset_factor: float = 0.1
    # Partial credit for a finding that is only a relative (sibling or cousin) of an annotated feature:
    # the chance that a clinician records a neighbouring term for the same feature.
    related_factor: float = 0.1


MatchKind = Literal["exact", "implied", "specific", "related", "unmatched", "contradicted"]


@dataclass(frozen=True)
class TermEvidence:
    """Per-disease evidence for one finding of one case (vectors over the model's diseases)."""

    hpo_id: str
    excluded: bool
    log_lr: FloatArray
    best_ancestor: IntArray  # term index that gave the best partial credit (-1: none)
    contradicted: npt.NDArray[np.bool_]  # observed: annotated as absent; excluded: annotated as absent
    floored: npt.NDArray[np.bool_]  # observed: no annotation explains it better than noise


class PhenotypeModel:
    """Precomputed annotation matrices for one HPO release; evaluates cases against all diseases.

    Diseases are the OMIM and Orphanet entries with at least one phenotype annotation.
    """

    def __init__(self, hpo: Hpo, params: PhenotypeParameters | None = None) -> None:
        self.params = params or PhenotypeParameters()
        self.hpo = hpo
        ontology, annotations = hpo.ontology, hpo.annotations
        n_terms = len(ontology)
        self._n_terms = n_terms
        p = self.params

        aspect_p = annotations.aspect == 0
        prefixes = np.array(
            [annotations.disease_at(i).id.startswith(("OMIM:", "ORPHA:")) for i in range(len(annotations))]
        )
        use = aspect_p & prefixes[annotations.disease_index]
        disease_rows = np.unique(annotations.disease_index[use])
        self.disease_positions = disease_rows.astype(np.int32)  # positions in DiseaseAnnotations
        self.disease_ids = [annotations.disease_at(int(i)).id for i in disease_rows]
        self.disease_labels = [annotations.disease_at(int(i)).name for i in disease_rows]
        self._row_of = {d: i for i, d in enumerate(self.disease_ids)}
        n_d = len(disease_rows)
        self.n_diseases = n_d
        model_index = np.full(len(annotations), -1, dtype=np.int64)
        model_index[disease_rows] = np.arange(n_d)

        d = model_index[annotations.disease_index[use]]
        t = annotations.term_index[use].astype(np.int32)
        freq = annotations.frequency[use].astype(np.float64)
        negated = annotations.negated[use] | (freq == 0.0)
        # n/m values count patients in (often small) published series, not population frequencies
        # (reference section 0): shrink them with Laplace's rule of succession, (n + 1) / (m + 2).
        numerator, denominator = (x[use] for x in annotations.frequency_counts)
        ratio = (annotations.frequency_kind[use] == 1) & (numerator > 0)
        freq = np.where(ratio, (numerator + 1.0) / (denominator + 2.0), freq)
        freq = np.where(np.isnan(freq), p.missing_frequency, freq)
        onset_index = annotations.onset_index[use]
        sex = annotations.sex[use]

        onset_days = np.full(len(t), -1.0)
        for term_id, days in ONSET_LOWER_BOUND_DAYS.items():
            if term_id in ontology:
                onset_days[onset_index == ontology.index(term_id)] = days
        conditional = ~negated & ((onset_days > 0) | (sex > 0))
        base = ~negated & ~conditional

        # Base rows: log(1 - f) summed per (ancestor term, disease) = log P(no feature at or below term).
        capped = np.minimum(freq, 1.0 - 1e-9)
        owner, anc = csr_expand(*ontology.ancestor_csr, t[base])
        keys = anc.astype(np.int64) * n_d + d[base][owner]
        unique_keys, inverse = np.unique(keys, return_inverse=True)
        self._impl_log = np.bincount(inverse, weights=np.log1p(-capped[base][owner])).astype(np.float64)
        # The most frequent single feature at or below the term: P(term present) if the disease's features
        # there are fully correlated (used for excluded findings, where noisy-OR overstates).
        self._impl_max = np.zeros(len(unique_keys))
        np.maximum.at(self._impl_max, inverse, capped[base][owner])
        self._impl_disease = (unique_keys % n_d).astype(np.int32)
        self._impl_indptr = _indptr(unique_keys // n_d, n_terms)

        # Conditional rows (onset or sex qualifiers) expanded the same way but kept separate.
        owner_c, anc_c = csr_expand(*ontology.ancestor_csr, t[conditional])
        order = np.argsort(anc_c, kind="stable")
        self._cond_indptr = _indptr(anc_c[order], n_terms)
        self._cond_disease = d[conditional][owner_c][order].astype(np.int32)
        self._cond_freq = capped[conditional][owner_c][order]
        self._cond_onset = onset_days[conditional][owner_c][order]
        self._cond_sex = sex[conditional][owner_c][order].astype(np.int8)

        # Explicit absence (NOT rows and 0/n): direct terms only, grouped by term.
        order_n = np.argsort(t[negated], kind="stable")
        self._not_indptr = _indptr(t[negated][order_n], n_terms)
        self._not_disease = d[negated][order_n].astype(np.int32)

        # Direct annotations (not expanded to ancestors), for "more specific than annotated" credit.
        positive = ~negated
        direct_keys = t[positive].astype(np.int64) * n_d + d[positive]
        unique_direct, inverse_direct = np.unique(direct_keys, return_inverse=True)
        self._direct_log = np.bincount(inverse_direct, weights=np.log1p(-capped[positive])).astype(np.float64)
        self._direct_disease = (unique_direct % n_d).astype(np.int32)
        self._direct_indptr = _indptr(unique_direct // n_d, n_terms)

        # Direct (non-negated) annotations, for explanations.
        self._direct = set((d[~negated].astype(np.int64) * n_terms + t[~negated]).tolist())

        # D(t): diseases with a positive annotation at or below t, for the specificity ratio.
        counts = np.bincount(unique_keys // n_d, minlength=n_terms).astype(np.float64)
        if len(anc_c):
            cond_keys = np.unique(anc_c.astype(np.int64) * n_d + d[conditional][owner_c])
            extra = np.setdiff1d(cond_keys, unique_keys, assume_unique=True)
            counts += np.bincount(extra // n_d, minlength=n_terms)
        self._disease_count = counts
        self._uninformative = {ontology.index(x) for x in _UNINFORMATIVE if x in ontology}
        # The organ-system categories directly below "Phenotypic abnormality" match almost any disease, so
        # they give no partial credit (a finding that is itself such a category still matches exactly).
        self._no_partial = set(self._uninformative)
        if PHENOTYPIC_ABNORMALITY_ID in ontology:
            organs = ontology.child_indices(ontology.index(PHENOTYPIC_ABNORMALITY_ID))
            self._no_partial |= {int(c) for c in organs}

    # -- probabilities --------------------------------------------------------------------------------
    def _conditional(self, term: int, age_days: float | None, sex: str | None) -> tuple[IntArray, FloatArray]:
        """Diseases and effective frequencies of onset- or sex-qualified annotations at or below ``term``."""
        cs, ce = self._cond_indptr[term], self._cond_indptr[term + 1]
        f = self._cond_freq[cs:ce].copy()
        if ce > cs:
            if age_days is not None:
                f[self._cond_onset[cs:ce] > age_days] *= self.params.later_onset_factor
            if sex is not None:
                code = 1 if sex == "male" else 2
                row_sex = self._cond_sex[cs:ce]
                f[(row_sex > 0) & (row_sex != code)] = 0.0
        return self._cond_disease[cs:ce], f

    def _implied(self, term: int, age_days: float | None, sex: str | None) -> FloatArray:
        """P(disease shows ``term`` or a descendant), features independent (noisy-OR), for every disease."""
        log_absent = np.zeros(self.n_diseases)
        start, end = self._impl_indptr[term], self._impl_indptr[term + 1]
        log_absent[self._impl_disease[start:end]] = self._impl_log[start:end]
        diseases, f = self._conditional(term, age_days, sex)
        if len(f):
            np.add.at(log_absent, diseases, np.log1p(-f))
        return -np.expm1(log_absent)

    def _implied_max(self, term: int, age_days: float | None, sex: str | None) -> FloatArray:
        """P(disease shows ``term`` or a descendant), features fully correlated (max), for every disease."""
        present = np.zeros(self.n_diseases)
        start, end = self._impl_indptr[term], self._impl_indptr[term + 1]
        present[self._impl_disease[start:end]] = self._impl_max[start:end]
        diseases, f = self._conditional(term, age_days, sex)
        if len(f):
            np.maximum.at(present, diseases, f)
        return present

    def _direct_probability(self, term: int) -> FloatArray:
        """P(disease shows exactly ``term``) from its direct annotations (qualifiers ignored)."""
        log_absent = np.zeros(self.n_diseases)
        start, end = self._direct_indptr[term], self._direct_indptr[term + 1]
        log_absent[self._direct_disease[start:end]] = self._direct_log[start:end]
        return -np.expm1(log_absent)

    def _negated_for(self, terms: npt.NDArray[np.int32]) -> npt.NDArray[np.bool_]:
        mask = np.zeros(self.n_diseases, dtype=bool)
        for term in terms:
            start, end = self._not_indptr[term], self._not_indptr[term + 1]
            mask[self._not_disease[start:end]] = True
        return mask

    def observed(self, hpo_id: str, age_days: float | None = None, sex: str | None = None) -> TermEvidence:
        ontology = self.hpo.ontology
        q = ontology.index(hpo_id)
        ancestors = ontology.ancestor_indices(q)
        smoothing = self.params.smoothing
        best = np.zeros(self.n_diseases)
        best_ancestor = np.full(self.n_diseases, -1, dtype=np.int32)
        for a in ancestors:
            a = int(a)
            if a in self._uninformative or (a != q and a in self._no_partial):
                continue
            if a == q:
                candidate = self._implied(a, age_days, sex)
            else:
                share = (self._disease_count[q] + smoothing) / (self._disease_count[a] + smoothing)
                # A disease annotated exactly at ``a`` (the finding is a more specific form of it) gets the
                # full share; one annotated only elsewhere below ``a`` (a relative) gets related_factor of it.
                direct = self._direct_probability(a)
                related = self._implied(a, age_days, sex) * self.params.related_factor
                candidate = np.maximum(direct, related) * share
            better = candidate > best
            best[better] = candidate[better]
            best_ancestor[better] = a
        background = float(best.mean())
        contradicted = self._negated_for(ancestors)
        if background <= 0.0:
            # No disease has anything near this finding: it cannot discriminate.
            nothing = np.ones(self.n_diseases, dtype=bool)
            return TermEvidence(
                hpo_id, False, np.zeros(self.n_diseases), best_ancestor, contradicted, nothing
            )
        floor = self.params.noise * background
        floored = best < floor
        probability = np.maximum(best, floor)
        probability[contradicted] = floor
        return TermEvidence(
            hpo_id, False, np.log(probability / background), best_ancestor, contradicted, floored
        )

    def excluded(self, hpo_id: str, age_days: float | None = None, sex: str | None = None) -> TermEvidence:
        ontology = self.hpo.ontology
        q = ontology.index(hpo_id)
        present = self._implied_max(q, age_days, sex)
        absent = np.maximum(1.0 - present, self.params.excluded_floor)
        explicitly_absent = self._negated_for(ontology.ancestor_indices(q))
        absent[explicitly_absent] = 1.0
        background = float(absent.mean())
        best_ancestor = np.where(present > 0, q, -1).astype(np.int32)
        never = np.zeros(self.n_diseases, dtype=bool)
        return TermEvidence(
            hpo_id, True, np.log(absent / background), best_ancestor, explicitly_absent, never
        )

    # -- explanations -------------------------------------------------------------------------------
    def match_kind(self, evidence: TermEvidence, row: int) -> str:
        """How a finding matched one disease (for the per-finding explanation)."""
        q = self.hpo.ontology.index(evidence.hpo_id)
        if evidence.excluded:
            if evidence.contradicted[row]:
                return "annotated_absent"
            return "annotated" if evidence.best_ancestor[row] >= 0 else "not_annotated"
        if evidence.contradicted[row]:
            return "contradicted"
        a = int(evidence.best_ancestor[row])
        if a < 0 or evidence.floored[row]:
            return "unmatched"
        if a == q:
            return "exact" if (row * self._n_terms + q) in self._direct else "implied"
        if (row * self._n_terms + a) in self._direct:
            return "specific"
        return "related"

    def row(self, disease_id: str) -> int:
        return self._row_of[disease_id]


def _indptr(sorted_terms: npt.NDArray[np.int64] | IntArray, n_terms: int) -> npt.NDArray[np.int64]:
    indptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(np.bincount(sorted_terms.astype(np.int64), minlength=n_terms), out=indptr[1:])
    return indptr
