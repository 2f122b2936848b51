"""Case-level evidence beyond single findings: age at onset, sex, and family history (inheritance).

Each is a likelihood ratio per disease, multiplied into the phenotype evidence. The constants are model
assumptions derived from Mendelian transmission (reference section 4.1) and documented in docs/engine.md;
they are deliberately moderate because annotations of onset and inheritance are incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from marbledx.evidence._phenotype import ONSET_LOWER_BOUND_DAYS, PhenotypeModel
from marbledx.findings import Case

__all__ = ["INHERITANCE_TERMS", "ContextModel", "ContextParameters"]

FloatArray = npt.NDArray[np.float64]

INHERITANCE_TERMS = {
    "HP:0000007": "AR",
    "HP:0000006": "AD",
    "HP:0001419": "XLR",
    "HP:0001423": "XLD",
    "HP:0001417": "XL",
    "HP:0001427": "MT",
    "HP:0001450": "YL",
}


@dataclass(frozen=True)
class ContextParameters:
    # A disease whose every annotated onset is later than the patient's age.
    later_disease_onset: float = 0.1
    # X-linked recessive disease in a female (manifesting heterozygotes are uncommon).
    xlr_in_female: float = 0.1
    # Y-linked disease in a female.
    y_linked_in_female: float = 0.001
    # Consanguineous parents: recessive diseases are favoured.
    consanguinity_ar: float = 3.0
    # An affected parent: dominant (and X-linked dominant, mitochondrial) transmission is favoured.
    affected_parent_dominant: float = 5.0
    affected_parent_recessive: float = 0.3
    # An affected sibling with no affected parent: recessive transmission is favoured.
    affected_sibling_recessive: float = 3.0


class ContextModel:
    """Per-disease onset and inheritance, and the LRs they give a case."""

    def __init__(self, model: PhenotypeModel, params: ContextParameters | None = None) -> None:
        self.params = params or ContextParameters()
        ontology, annotations = model.hpo.ontology, model.hpo.annotations
        n = model.n_diseases
        self.n_diseases = n
        row_of_position = np.full(len(annotations), -1, dtype=np.int64)
        for row, disease_id in enumerate(model.disease_ids):
            row_of_position[annotations.disease_position(disease_id)] = row
        rows = row_of_position[annotations.disease_index]
        usable = (rows >= 0) & ~annotations.negated
        terms = annotations.term_index
        # Inheritance (aspect I) per disease, as a boolean column per mode.
        mode_rows: dict[str, npt.NDArray[np.bool_]] = {}
        for term_id, mode in INHERITANCE_TERMS.items():
            flags = np.zeros(n, dtype=bool)
            if term_id in ontology:
                hits = usable & (annotations.aspect == 1) & (terms == ontology.index(term_id))
                flags[rows[hits]] = True
            mode_rows[mode] = flags | mode_rows.get(mode, np.zeros(n, dtype=bool))
        # Earliest annotated onset (aspect C) per disease; NaN when none is annotated.
        earliest = np.full(n, np.inf)
        for term_id, days in ONSET_LOWER_BOUND_DAYS.items():
            if term_id in ontology:
                hits = usable & (annotations.aspect == 2) & (terms == ontology.index(term_id))
                np.minimum.at(earliest, rows[hits], days)
        self.earliest_onset_days = np.where(np.isinf(earliest), np.nan, earliest)
        ar, ad, xlr, xld, mt, yl = (mode_rows[m] for m in ("AR", "AD", "XLR", "XLD", "MT", "YL"))
        self._recessive = ar | xlr
        self._ar = ar
        self._dominant = ad | xld | mt
        self._only_xlr = xlr & ~(ar | ad | xld | mt | yl)
        self._y_linked = yl

    def log_lr(self, case: Case) -> tuple[FloatArray, list[str]]:
        """Sum of the context log-LRs for every disease, and a note per factor that applied."""
        p = self.params
        total = np.zeros(self.n_diseases)
        notes: list[str] = []
        age = case.ranking_age_days
        if age is not None:
            later = self.earliest_onset_days > age  # NaN compares False: no onset annotated
            total[later] += np.log(p.later_disease_onset)
            if case.age_days is not None:
                notes.append(
                    "age: diseases whose annotated onset is later than the patient's age are down-weighted"
                )
            elif case.onset_days is not None and case.onset_days >= age:
                # No age at last encounter: the patient is at least as old as the latest onset given.
                notes.append(
                    "age: no age at last encounter; diseases whose annotated onset is later than the latest "
                    "onset of the patient's findings are down-weighted"
                )
            else:
                # The last encounter is given only as an onset class or a gestational age: its lower bound.
                notes.append(
                    "age: no age at last encounter; diseases whose annotated onset is later than the lower "
                    "bound of the time of the last encounter (an onset class or a gestational age) are "
                    "down-weighted"
                )
        if case.sex == "female":
            total[self._only_xlr] += np.log(p.xlr_in_female)
            total[self._y_linked] += np.log(p.y_linked_in_female)
            notes.append("sex: X-linked recessive disorders are down-weighted in a female")
        family = case.family
        if family.consanguineous:
            total[self._ar] += np.log(p.consanguinity_ar)
            notes.append("family: consanguinity favours autosomal recessive inheritance")
        if family.affected_parent:
            total[self._dominant] += np.log(p.affected_parent_dominant)
            total[self._recessive & ~self._dominant] += np.log(p.affected_parent_recessive)
            notes.append("family: an affected parent favours dominant inheritance")
        elif family.affected_sibling:
            total[self._recessive] += np.log(p.affected_sibling_recessive)
            notes.append("family: an affected sibling with unaffected parents favours recessive inheritance")
        return total, notes
