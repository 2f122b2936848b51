"""Parse the official HPO release files into a :class:`ReleaseIndex`.

- ``hp.obo`` is read with fastobo (the OBO 1.4 parser behind pronto).
- ``phenotype.hpoa`` and ``genes_to_phenotype.txt`` are tab-separated and read with :mod:`csv`; every
  column the ranking needs is kept: frequency (n/m, percentage or frequency term), onset, sex, the NOT
  qualifier, aspect and evidence code.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import fastobo
import numpy as np

from marbledx.errors import OntologyDataError
from marbledx.ontology._index import ReleaseIndex, csr_expand, join_strings

__all__ = [
    "ASPECTS",
    "EVIDENCE",
    "FREQUENCY_TERMS",
    "ONSET_LOWER_BOUND_DAYS",
    "build_index",
    "parse_frequency",
]

ASPECTS = ("P", "I", "C", "M", "H")
EVIDENCE = ("", "IEA", "PCS", "TAS")

# Point estimates for the HPO frequency terms: the midpoint of each range in the term definitions of
# hp.obo (HP:0040280 Obligate 100%, HP:0040281 Very frequent 80-99%, HP:0040282 Frequent 30-79%,
# HP:0040283 Occasional 5-29%, HP:0040284 Very rare 1-4%, HP:0040285 Excluded 0%).
FREQUENCY_TERMS: dict[str, float] = {
    "HP:0040280": 1.0,
    "HP:0040281": 0.895,
    "HP:0040282": 0.545,
    "HP:0040283": 0.17,
    "HP:0040284": 0.025,
    "HP:0040285": 0.0,
}

_HP_ID = re.compile(r"HP:(\d{7})")
_SCOPES = {"EXACT": 0, "BROAD": 1, "NARROW": 2, "RELATED": 3}
_HPOA_COLUMNS = (
    "database_id",
    "disease_name",
    "qualifier",
    "hpo_id",
    "reference",
    "evidence",
    "onset",
    "frequency",
    "sex",
    "modifier",
    "aspect",
    "biocuration",
)
_G2P_COLUMNS = ("ncbi_gene_id", "gene_symbol", "hpo_id", "hpo_name", "frequency", "disease_id")


@dataclass
class _RawTerm:
    num: int
    label: str
    definition: str = ""
    synonyms: list[tuple[str, int]] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    alt_ids: list[int] = field(default_factory=list)
    obsolete: bool = False
    replaced_by: int | None = None
    consider: list[int] = field(default_factory=list)


def _hp_num(curie: str, where: str) -> int:
    match = _HP_ID.fullmatch(curie)
    if match is None:
        msg = f"{where}: {curie!r} is not an HPO id (expected HP:nnnnnnn)"
        raise OntologyDataError(msg)
    return int(match.group(1))


def _read_obo(path: Path) -> tuple[str, list[_RawTerm]]:
    try:
        document = fastobo.load(str(path))
    except (OSError, SyntaxError, ValueError) as exc:
        msg = f"{path}: cannot parse as OBO ({exc})"
        raise OntologyDataError(msg) from exc
    version = ""
    for clause in document.header:
        if type(clause).__name__ == "DataVersionClause":
            version = str(clause.version).removeprefix("hp/releases/")
    terms: list[_RawTerm] = []
    for frame in document:
        if type(frame).__name__ != "TermFrame" or not str(frame.id).startswith("HP:"):
            continue
        where = f"{path.name} [Term] {frame.id}"
        term = _RawTerm(num=_hp_num(str(frame.id), where), label="")
        for clause in frame:
            kind = type(clause).__name__
            if kind == "NameClause":
                term.label = str(clause.name)
            elif kind == "DefClause":
                term.definition = str(clause.definition)
            elif kind == "SynonymClause":
                term.synonyms.append((str(clause.synonym.desc), _SCOPES.get(str(clause.synonym.scope), 3)))
            elif kind == "IsAClause":
                term.parents.append(_hp_num(str(clause.term), where))
            elif kind == "AltIdClause":
                term.alt_ids.append(_hp_num(str(clause.alt_id), where))
            elif kind == "IsObsoleteClause":
                term.obsolete = bool(clause.obsolete)
            elif kind == "ReplacedByClause":
                term.replaced_by = _hp_num(str(clause.term), where)
            elif kind == "ConsiderClause":
                term.consider.append(_hp_num(str(clause.term), where))
        terms.append(term)
    if not terms:
        msg = f"{path}: no HPO terms found; expected an hp.obo release file"
        raise OntologyDataError(msg)
    return version, terms


def parse_frequency(raw: str) -> tuple[int, float, int, int, str]:
    """Parse an HPO frequency field into (kind, point estimate, n, m, frequency term id).

    Kinds: 0 none, 1 ``n/m`` (``0/n`` means absent), 2 percentage, 3 HPO frequency term.
    Raises :class:`ValueError` on anything else.
    """
    text = raw.strip()
    if not text or text == "-":
        return 0, math.nan, -1, -1, ""
    if "/" in text:
        num_text, den_text = text.split("/", 1)
        if not (num_text.strip().isdigit() and den_text.strip().isdigit()):
            msg = f"frequency {text!r} is not n/m with whole numbers n and m"
            raise ValueError(msg)
        numerator, denominator = int(num_text), int(den_text)
        if denominator <= 0 or not 0 <= numerator <= denominator:
            msg = f"frequency {text!r} is not n/m with 0 <= n <= m and m > 0"
            raise ValueError(msg)
        return 1, numerator / denominator, numerator, denominator, ""
    if text.endswith("%"):
        value = float(text[:-1]) / 100.0
        if not 0.0 <= value <= 1.0:
            msg = f"frequency {text!r} is not a percentage between 0% and 100%"
            raise ValueError(msg)
        return 2, value, -1, -1, ""
    if text in FREQUENCY_TERMS:
        return 3, FREQUENCY_TERMS[text], -1, -1, text
    msg = f"frequency {text!r} is not n/m, a percentage or an HPO frequency term"
    raise ValueError(msg)


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str], str]]:
    """Yield (line number, row, version comment) of a tab-separated HPO file with a header line."""
    version = ""
    try:
        stream = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        msg = f"{path}: cannot read ({exc.strerror})"
        raise OntologyDataError(msg) from exc
    with stream:
        header: list[str] | None = None
        for line_number, row in enumerate(csv.reader(stream, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if row[0].startswith("#"):
                if row[0].startswith("#version:"):
                    version = row[0].removeprefix("#version:").strip()
                continue
            if header is None:
                header = row
                missing = [c for c in columns if c not in header]
                if missing:
                    msg = f"{path.name} line {line_number}: header lacks column(s) {missing}; expected {list(columns)}"
                    raise OntologyDataError(msg)
                continue
            if len(row) != len(header):
                msg = f"{path.name} line {line_number}: {len(row)} fields, expected {len(header)}"
                raise OntologyDataError(msg)
            yield line_number, dict(zip(header, row, strict=True)), version
    if header is None:
        msg = f"{path.name}: no header line; expected columns {list(columns)}"
        raise OntologyDataError(msg)


def _closure(parents: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Ancestors of every term, including itself, as CSR arrays. Iterative to avoid deep recursion."""
    n = len(parents)
    closure: list[frozenset[int] | None] = [None] * n
    for start in range(n):
        if closure[start] is not None:
            continue
        stack = [start]
        while stack:
            node = stack[-1]
            pending = [p for p in parents[node] if closure[p] is None]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            if closure[node] is None:
                members: set[int] = {node}
                for parent in parents[node]:
                    members |= closure[parent] or frozenset()
                closure[node] = frozenset(members)
    lengths = [len(c or ()) for c in closure]
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=indptr[1:])
    values = np.fromiter((t for c in closure for t in sorted(c or ())), dtype=np.int32, count=int(indptr[-1]))
    return indptr, values


def build_index(obo_path: Path, hpoa_path: Path, g2p_path: Path) -> ReleaseIndex:
    """Parse the three release files into a :class:`ReleaseIndex`.

    Raises :class:`OntologyDataError` naming the file and line of the first malformed record.
    """
    ontology_version, raw_terms = _read_obo(obo_path)
    current = sorted((t for t in raw_terms if not t.obsolete), key=lambda t: t.num)
    index_of = {t.num: i for i, t in enumerate(current)}

    retired: dict[int, tuple[int, int]] = {}
    for term in raw_terms:
        if term.obsolete:
            target = index_of.get(term.replaced_by, -1) if term.replaced_by is not None else -1
            retired[term.num] = (target, 1)
        else:
            for alt in term.alt_ids:
                retired.setdefault(alt, (index_of[term.num], 0))

    parents: list[list[int]] = []
    for term in current:
        resolved = [index_of[p] for p in term.parents if p in index_of]
        parents.append(resolved)
    anc_indptr, anc_idx = _closure(parents)
    parent_indptr = np.zeros(len(current) + 1, dtype=np.int32)
    np.cumsum([len(p) for p in parents], out=parent_indptr[1:])
    synonym_counts = [len(t.synonyms) for t in current]
    syn_indptr = np.zeros(len(current) + 1, dtype=np.int32)
    np.cumsum(synonym_counts, out=syn_indptr[1:])

    def term_index(curie: str, where: str) -> int:
        num = _hp_num(curie, where)
        if num in index_of:
            return index_of[num]
        target, _ = retired.get(num, (-1, 1))
        if target < 0:
            msg = f"{where}: {curie} is not a current HPO term of release {ontology_version}"
            raise OntologyDataError(msg)
        return target

    disease_index: dict[str, int] = {}
    disease_names: list[str] = []
    columns: dict[str, list[float | int]] = {
        name: []
        for name in (
            "disease",
            "term",
            "not",
            "aspect",
            "freq",
            "freq_kind",
            "freq_num",
            "freq_den",
            "freq_term",
            "onset",
            "sex",
            "evidence",
        )
    }
    annotation_version = ""
    for line_number, row, version in _rows(hpoa_path, _HPOA_COLUMNS):
        annotation_version = version
        where = f"{hpoa_path.name} line {line_number}"
        disease_id = row["database_id"].strip()
        if disease_id not in disease_index:
            disease_index[disease_id] = len(disease_names)
            disease_names.append(row["disease_name"].strip())
        try:
            kind, value, numerator, denominator, freq_term = parse_frequency(row["frequency"])
        except ValueError as exc:
            msg = f"{where}: {exc}"
            raise OntologyDataError(msg) from None
        aspect = row["aspect"].strip()
        if aspect not in ASPECTS:
            msg = f"{where}: aspect {aspect!r} is not one of {', '.join(ASPECTS)}"
            raise OntologyDataError(msg)
        columns["disease"].append(disease_index[disease_id])
        columns["term"].append(term_index(row["hpo_id"].strip(), where))
        columns["not"].append(1 if row["qualifier"].strip().upper() == "NOT" else 0)
        columns["aspect"].append(ASPECTS.index(aspect))
        columns["freq"].append(value)
        columns["freq_kind"].append(kind)
        columns["freq_num"].append(numerator)
        columns["freq_den"].append(denominator)
        columns["freq_term"].append(term_index(freq_term, where) if freq_term else -1)
        onset = row["onset"].strip()
        columns["onset"].append(term_index(onset, where) if onset else -1)
        columns["sex"].append({"": 0, "MALE": 1, "FEMALE": 2}.get(row["sex"].strip().upper(), 0))
        evidence = row["evidence"].strip()
        columns["evidence"].append(EVIDENCE.index(evidence) if evidence in EVIDENCE else 0)

    gene_index: dict[str, int] = {}
    gene_ncbi: list[int] = []
    links: set[tuple[int, int]] = set()
    for line_number, row, _ in _rows(g2p_path, _G2P_COLUMNS):
        symbol = row["gene_symbol"].strip()
        disease_id = row["disease_id"].strip()
        if not symbol or not disease_id:
            msg = f"{g2p_path.name} line {line_number}: empty gene_symbol or disease_id"
            raise OntologyDataError(msg)
        if symbol not in gene_index:
            gene_index[symbol] = len(gene_ncbi)
            try:
                gene_ncbi.append(int(row["ncbi_gene_id"].removeprefix("NCBIGene:")))
            except ValueError:
                msg = f"{g2p_path.name} line {line_number}: ncbi_gene_id {row['ncbi_gene_id']!r} is not a number"
                raise OntologyDataError(msg) from None
        if disease_id not in disease_index:
            disease_index[disease_id] = len(disease_names)
            disease_names.append("")
        links.add((gene_index[symbol], disease_index[disease_id]))

    ann_disease = np.asarray(columns["disease"], dtype=np.int32)
    ann_term = np.asarray(columns["term"], dtype=np.int32)
    ann_not = np.asarray(columns["not"], dtype=np.int8)
    ann_aspect = np.asarray(columns["aspect"], dtype=np.int8)
    ann_freq = np.asarray(columns["freq"], dtype=np.float64)
    ic = _information_content(
        len(current), anc_indptr, anc_idx, ann_disease, ann_term, ann_not, ann_aspect, ann_freq
    )
    link_pairs = sorted(links)
    return ReleaseIndex(
        meta=join_strings([ontology_version, annotation_version]),
        term_num=np.asarray([t.num for t in current], dtype=np.int32),
        labels=join_strings([t.label for t in current]),
        definitions=join_strings([t.definition for t in current]),
        synonyms=join_strings([s for t in current for s, _ in t.synonyms]),
        syn_indptr=syn_indptr,
        syn_scope=np.asarray([scope for t in current for _, scope in t.synonyms], dtype=np.int8),
        parent_indptr=parent_indptr,
        parent_idx=np.asarray([p for ps in parents for p in ps], dtype=np.int32),
        ancestor_indptr=anc_indptr,
        ancestor_idx=anc_idx,
        ic=ic,
        retired_num=np.asarray(sorted(retired), dtype=np.int32),
        retired_target=np.asarray([retired[k][0] for k in sorted(retired)], dtype=np.int32),
        retired_kind=np.asarray([retired[k][1] for k in sorted(retired)], dtype=np.int8),
        disease_ids=join_strings(list(disease_index)),
        disease_names=join_strings(disease_names),
        ann_disease=ann_disease,
        ann_term=ann_term,
        ann_not=ann_not,
        ann_aspect=ann_aspect,
        ann_freq=ann_freq,
        ann_freq_kind=np.asarray(columns["freq_kind"], dtype=np.int8),
        ann_freq_num=np.asarray(columns["freq_num"], dtype=np.int32),
        ann_freq_den=np.asarray(columns["freq_den"], dtype=np.int32),
        ann_freq_term=np.asarray(columns["freq_term"], dtype=np.int32),
        ann_onset=np.asarray(columns["onset"], dtype=np.int32),
        ann_sex=np.asarray(columns["sex"], dtype=np.int8),
        ann_evidence=np.asarray(columns["evidence"], dtype=np.int8),
        gene_symbols=join_strings(list(gene_index)),
        gene_ncbi=np.asarray(gene_ncbi, dtype=np.int32),
        link_gene=np.asarray([g for g, _ in link_pairs], dtype=np.int32),
        link_disease=np.asarray([d for _, d in link_pairs], dtype=np.int32),
    )


def _information_content(
    n_terms: int,
    anc_indptr: np.ndarray,
    anc_idx: np.ndarray,
    ann_disease: np.ndarray,
    ann_term: np.ndarray,
    ann_not: np.ndarray,
    ann_aspect: np.ndarray,
    ann_freq: np.ndarray,
) -> np.ndarray:
    """Annotation-based information content, IC(t) = -ln(D(t) / D).

    D(t) counts diseases annotated with t or any descendant (phenotype aspect, not NOT, frequency not 0),
    D all diseases with such an annotation (Resnik 1995; Köhler et al. 2009, PMID:19800049). Terms no
    disease uses get the maximum, -ln(1/D).
    """
    positive = (ann_aspect == 0) & (ann_not == 0) & ~(ann_freq == 0.0)
    pairs = np.unique(ann_disease[positive].astype(np.int64) * n_terms + ann_term[positive])
    diseases = (pairs // n_terms).astype(np.int32)
    terms = (pairs % n_terms).astype(np.int32)
    owner, ancestors = csr_expand(anc_indptr, anc_idx, terms)
    expanded = np.unique(diseases[owner].astype(np.int64) * n_terms + ancestors)
    counts = np.bincount((expanded % n_terms).astype(np.int64), minlength=n_terms)
    total = max(len(np.unique(diseases)), 1)
    with np.errstate(divide="ignore"):
        ic = -np.log(np.where(counts > 0, counts, 1) / total)
    ic[counts == 0] = math.log(total)
    return ic.astype(np.float64)


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
