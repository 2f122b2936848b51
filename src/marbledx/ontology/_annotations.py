"""Disease annotations (phenotype.hpoa) and gene-disease links (genes_to_phenotype.txt)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from marbledx.errors import InputError
from marbledx.ontology._index import ReleaseIndex, split_strings
from marbledx.ontology._ontology import Ontology
from marbledx.ontology._parse import ASPECTS, EVIDENCE

__all__ = ["Annotation", "Disease", "DiseaseAnnotations", "Frequency"]


@dataclass(frozen=True)
class Frequency:
    """How often a feature occurs in a disease, as the annotation states it.

    ``value`` is a point estimate in [0, 1]; ``0/n`` and the Excluded term give 0, which means absent.
    """

    kind: Literal["ratio", "percentage", "term"]
    value: float
    numerator: int | None = None
    denominator: int | None = None
    term_id: str | None = None

    @property
    def is_absent(self) -> bool:
        return self.value == 0.0

    def __str__(self) -> str:
        if self.kind == "ratio":
            return f"{self.numerator}/{self.denominator}"
        if self.kind == "percentage":
            return f"{self.value * 100:g}%"
        return self.term_id or ""


@dataclass(frozen=True)
class Annotation:
    """One row of phenotype.hpoa."""

    disease_id: str
    hpo_id: str
    negated: bool
    aspect: str  # P phenotype, I inheritance, C clinical course/onset, M modifier, H history
    frequency: Frequency | None
    onset_id: str | None
    sex: Literal["male", "female"] | None
    evidence: str


@dataclass(frozen=True)
class Disease:
    id: str
    name: str

    @property
    def database(self) -> str:
        return self.id.split(":", 1)[0]


class DiseaseAnnotations:
    """All disease annotations and gene links of one release. Built by :func:`marbledx.ontology.load_hpo`.

    Row-level arrays (``disease_index``, ``term_index``, ``frequency``, …) are exposed read-only for the
    vectorised ranking engine; the methods return typed objects for everything else.
    """

    def __init__(self, index: ReleaseIndex, ontology: Ontology) -> None:
        self._ix = index
        self._ontology = ontology
        self.version: str = index.versions[1]
        ids = split_strings(index.disease_ids, index.n_diseases)
        self._disease_ids = ids
        self._disease_names = split_strings(index.disease_names, len(ids))
        self._disease_pos = {d: i for i, d in enumerate(ids)}
        order = np.argsort(index.ann_disease, kind="stable")
        self._row_order = order
        self._row_indptr = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(np.bincount(index.ann_disease, minlength=len(ids)), out=self._row_indptr[1:])

    # -- arrays for vectorised consumers ------------------------------------------------------------
    @property
    def disease_index(self) -> np.ndarray:
        return _readonly(self._ix.ann_disease)

    @property
    def term_index(self) -> np.ndarray:
        return _readonly(self._ix.ann_term)

    @property
    def negated(self) -> np.ndarray:
        return _readonly(self._ix.ann_not.astype(bool))

    @property
    def aspect(self) -> np.ndarray:
        """Aspect code per row: index into ``('P', 'I', 'C', 'M', 'H')``."""
        return _readonly(self._ix.ann_aspect)

    @property
    def frequency(self) -> np.ndarray:
        """Frequency point estimate per row; NaN when the annotation gives none."""
        return _readonly(self._ix.ann_freq)

    @property
    def frequency_kind(self) -> np.ndarray:
        """0 none, 1 n/m, 2 percentage, 3 frequency term."""
        return _readonly(self._ix.ann_freq_kind)

    @property
    def frequency_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """(n, m) of n/m frequencies per row; -1 where the frequency is not n/m."""
        return _readonly(self._ix.ann_freq_num), _readonly(self._ix.ann_freq_den)

    @property
    def onset_index(self) -> np.ndarray:
        return _readonly(self._ix.ann_onset)

    @property
    def sex(self) -> np.ndarray:
        """0 unspecified, 1 male, 2 female."""
        return _readonly(self._ix.ann_sex)

    # -- diseases ------------------------------------------------------------------------------------
    def __len__(self) -> int:
        """Number of diseases with phenotype annotations or gene links."""
        return len(self._disease_ids)

    def __contains__(self, disease_id: object) -> bool:
        return isinstance(disease_id, str) and disease_id in self._disease_pos

    @property
    def n_annotations(self) -> int:
        return len(self._ix.ann_term)

    def disease_position(self, disease_id: str) -> int:
        try:
            return self._disease_pos[disease_id]
        except KeyError:
            msg = (
                f"disease {disease_id!r} is not in HPO annotation release {self.version}; "
                "expected an id such as OMIM:259700 or ORPHA:667"
            )
            raise InputError(msg) from None

    def disease_at(self, position: int) -> Disease:
        return Disease(self._disease_ids[position], self._disease_names[position])

    def disease(self, disease_id: str) -> Disease:
        return self.disease_at(self.disease_position(disease_id))

    def diseases(self) -> list[Disease]:
        return [Disease(i, n) for i, n in zip(self._disease_ids, self._disease_names, strict=True)]

    def counts_by_database(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for disease_id in self._disease_ids:
            database = disease_id.split(":", 1)[0]
            counts[database] = counts.get(database, 0) + 1
        return counts

    # -- annotation rows -----------------------------------------------------------------------------
    def _row(self, row: int) -> Annotation:
        ix = self._ix
        kind = int(ix.ann_freq_kind[row])
        frequency: Frequency | None = None
        if kind == 1:
            frequency = Frequency(
                "ratio", float(ix.ann_freq[row]), int(ix.ann_freq_num[row]), int(ix.ann_freq_den[row])
            )
        elif kind == 2:
            frequency = Frequency("percentage", float(ix.ann_freq[row]))
        elif kind == 3:
            term_id = self._ontology.id_at(int(ix.ann_freq_term[row]))
            frequency = Frequency("term", float(ix.ann_freq[row]), term_id=term_id)
        onset = int(ix.ann_onset[row])
        sex_code = int(ix.ann_sex[row])
        sex: Literal["male", "female"] | None = (
            "male" if sex_code == 1 else "female" if sex_code == 2 else None
        )
        return Annotation(
            disease_id=self._disease_ids[int(ix.ann_disease[row])],
            hpo_id=self._ontology.id_at(int(ix.ann_term[row])),
            negated=bool(ix.ann_not[row]),
            aspect=ASPECTS[int(ix.ann_aspect[row])],
            frequency=frequency,
            onset_id=self._ontology.id_at(onset) if onset >= 0 else None,
            sex=sex,
            evidence=EVIDENCE[int(ix.ann_evidence[row])],
        )

    def rows_for(self, disease_id: str) -> np.ndarray:
        """Row numbers of a disease's annotations (all aspects)."""
        pos = self.disease_position(disease_id)
        return self._row_order[self._row_indptr[pos] : self._row_indptr[pos + 1]]

    def annotations(self, disease_id: str, *, aspect: str | None = "P") -> list[Annotation]:
        """Annotations of a disease; ``aspect=None`` returns every aspect."""
        rows = [self._row(int(r)) for r in self.rows_for(disease_id)]
        return [a for a in rows if aspect is None or a.aspect == aspect]

    def phenotype_ids(self, disease_id: str, *, include_negated: bool = False) -> list[str]:
        return [a.hpo_id for a in self.annotations(disease_id) if include_negated or not a.negated]

    def inheritance(self, disease_id: str) -> list[str]:
        """HPO mode-of-inheritance term ids annotated to a disease."""
        return [a.hpo_id for a in self.annotations(disease_id, aspect="I") if not a.negated]

    def inheritance_by_disease(self) -> dict[str, list[str]]:
        """Every disease's mode-of-inheritance term ids at once (one pass over the rows, for bulk users)."""
        rows = np.flatnonzero((self._ix.ann_aspect == 1) & (self._ix.ann_not == 0))  # aspect "I"
        out: dict[str, list[str]] = {}
        for row in rows:
            disease_id = self._disease_ids[int(self._ix.ann_disease[row])]
            term = self._ontology.id_at(int(self._ix.ann_term[row]))
            out.setdefault(disease_id, []).append(term)
        return out

    def onsets(self, disease_id: str) -> list[str]:
        """HPO onset term ids annotated to a disease (clinical-course aspect, under Onset HP:0003674)."""
        onset_root = "HP:0003674"
        return [
            a.hpo_id
            for a in self.annotations(disease_id, aspect="C")
            if not a.negated and onset_root in self._ontology.ancestors(a.hpo_id)
        ]

    # -- genes ---------------------------------------------------------------------------------------
    @cached_property
    def _gene_symbols(self) -> list[str]:
        return split_strings(self._ix.gene_symbols, len(self._ix.gene_ncbi))

    @cached_property
    def _links(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        by_gene: dict[str, set[str]] = {}
        by_disease: dict[str, set[str]] = {}
        for g, d in zip(self._ix.link_gene, self._ix.link_disease, strict=True):
            symbol, disease_id = self._gene_symbols[int(g)], self._disease_ids[int(d)]
            by_gene.setdefault(symbol, set()).add(disease_id)
            by_disease.setdefault(disease_id, set()).add(symbol)
        return by_gene, by_disease

    @property
    def n_genes(self) -> int:
        return len(self._ix.gene_ncbi)

    @property
    def n_gene_links(self) -> int:
        return len(self._ix.link_gene)

    def genes_for(self, disease_id: str) -> list[str]:
        """Gene symbols linked to a disease in genes_to_phenotype.txt, sorted."""
        return sorted(self._links[1].get(disease_id, set()))

    def diseases_for_gene(self, symbol: str) -> list[str]:
        return sorted(self._links[0].get(symbol, set()))

    def has_gene_link(self, symbol: str, disease_id: str) -> bool:
        return disease_id in self._links[0].get(symbol, set())

    def ncbi_gene_id(self, symbol: str) -> int | None:
        try:
            return int(self._ix.gene_ncbi[self._gene_symbols.index(symbol)])
        except ValueError:
            return None


def _readonly(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view
