"""Which OMIM and Orphanet records of one HPO release describe the same disorder.

The engine ranks every annotated record of both databases, so one disorder often appears twice: OMIM's
entry and Orphanet's. Ranked apart, the two split the probability and push other diagnoses down, and
the sparser annotation of one twin hides the richer annotation of the other. Records are treated as one
disorder when

- the knowledge base lists them as ``exact`` ids of one entity (curated, with sources), or
- the release names them alike: exactly one OMIM and exactly one Orphanet record carry the same name
  (the ``disease_name`` column of phenotype.hpoa, which each database supplies) as a set of words, after
  case, accent and punctuation folding, with Roman numerals read as numbers and a few words that the two
  databases use interchangeably left out (``_FILLER_WORD``). OMIM writes "Porphyria, acute intermittent" and
  "Spinocerebellar ataxia 26" where Orphanet writes "Acute intermittent porphyria" and "Spinocerebellar
  ataxia type 26". Their HPO gene links (genes_to_phenotype.txt) must not contradict it: a pair whose
  records both have genes but share none is kept apart, or
- they are **the only records of their gene**: the release links a gene to exactly one OMIM and exactly one
  Orphanet record, and links each of them to that gene alone ("Xia-Gibbs syndrome" and "AHDC1-related
  intellectual disability-obstructive sleep apnea-mild dysmorphism syndrome"). Records named as chromosomal
  rearrangements, ids the knowledge base relates to an entity other than as ``exact``, and the pairs that a
  reading of every pair found to be different disorders (``_NOT_ONE_DISORDER``) are left out.

docs/engine.md, "One disorder, one diagnosis", has the measured effect and a checked sample of pairs.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from marbledx._text import normalise_texts
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import DiseaseAnnotations, Hpo, cache_dir, load_cache, store_cache

__all__ = [
    "cached_same_name_pairs",
    "name_keys",
    "same_disorder_groups",
    "same_gene_pairs",
    "same_name_pairs",
]

_log = logging.getLogger(__name__)

# Bumped whenever name_keys or same_name_pairs would give other pairs for the same release: it keys the cache.
NAME_PAIRS_FORMAT = 1

# Roman numerals of disease types ("type VI", "Biemond syndrome II"); "x" is left alone, since it is
# nearly always "X-linked".
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9"}
_ROMAN |= {"xi": "11", "xii": "12", "xiii": "13", "xiv": "14", "xv": "15"}
_ROMAN_WORD = re.compile(r"\b(?:" + "|".join(sorted(_ROMAN, key=len, reverse=True)) + r")\b")
# Words the two databases add or leave out for the same disorder ("Aniridia and absent patella" and
# "Aniridia-absent patella syndrome"; "Behcet syndrome" and "Behçet disease").
_FILLER_WORD = re.compile(r"\b(?:a|an|and|disease|due|form|in|of|syndrome|the|to|type|with)\b")


def name_keys(normalised: list[str]) -> list[str]:
    """The words of normalised one-line disease names that identify them: sorted, Roman numerals as
    numbers, without filler words ("porphyria acute intermittent" and "acute intermittent porphyria"
    agree). One regular-expression pass over all names."""
    blob = _ROMAN_WORD.sub(lambda m: _ROMAN[m.group()], _FILLER_WORD.sub(" ", "\n".join(normalised)))
    return [" ".join(sorted(line.split())) for line in blob.split("\n")]


def same_name_pairs(annotations: DiseaseAnnotations, disease_ids: Iterable[str]) -> list[tuple[str, str]]:
    """(OMIM id, Orphanet id) of records named alike in the release (:func:`name_keys`), with no conflicting
    genes."""
    names = {d.id: d.name for d in annotations.diseases() if "\n" not in d.name}
    records = [d for d in disease_ids if d.partition(":")[0] in ("OMIM", "ORPHA") and d in names]
    by_name: dict[str, list[str]] = {}
    keys = name_keys(normalise_texts([names[d] for d in records]))
    for disease_id, name in zip(records, keys, strict=True):
        by_name.setdefault(name, []).append(disease_id)
    pairs = []
    for name, named in by_name.items():
        # Exactly one record of each database: unnamed records, and names that several records of one
        # database share, are ambiguous.
        if not name or len(named) != 2:
            continue
        omim, orpha = sorted(named)
        if not (omim.startswith("OMIM:") and orpha.startswith("ORPHA:")):
            continue
        omim_genes, orpha_genes = set(annotations.genes_for(omim)), set(annotations.genes_for(orpha))
        if omim_genes and orpha_genes and not omim_genes & orpha_genes:
            continue  # named alike, but each database links the disorder to other genes
        pairs.append((omim, orpha))
    pairs.sort()
    return pairs


def cached_same_name_pairs(
    hpo: Hpo, disease_ids: Sequence[str], cache: Path | bool = True
) -> list[tuple[str, str]]:
    """:func:`same_name_pairs` of the release, kept on disk beside the engine cache (``cache=False``: not).

    Folding some 12,000 names costs about a sixth of a second, on every run of ``marbledx rank``; the pairs
    depend only on the release (its fingerprint), the ranked records and this code (``NAME_PAIRS_FORMAT``).
    """
    folder = cache_dir() if cache is True else (cache or None)
    if folder is None or not hpo.fingerprint:
        return same_name_pairs(hpo.annotations, disease_ids)
    identity = "\n".join([f"{NAME_PAIRS_FORMAT}|{hpo.fingerprint}", *disease_ids])
    path = folder / f"twins-{hashlib.sha256(identity.encode()).hexdigest()[:16]}.npz"
    cached = load_cache(
        path,
        lambda archive: list(zip(archive["omim"].tolist(), archive["orpha"].tolist(), strict=True)),
        what="same-disorder cache",
        log=_log,
    )
    if cached is not None:
        return cached
    pairs = same_name_pairs(hpo.annotations, disease_ids)
    omim, orpha = ([pair[k] for pair in pairs] for k in (0, 1))
    arrays = {"omim": np.array(omim, dtype=str), "orpha": np.array(orpha, dtype=str)}
    store_cache(path, arrays, what="same-disorder cache", log=_log)
    return pairs


# A record named as a chromosomal rearrangement is linked to the gene that carries most of its phenotype,
# but it is not that gene's single-gene disorder: "21q22.11q22.12 microdeletion syndrome" (KIF15) is not
# Braddock-Carey syndrome 2.
_REARRANGEMENT = re.compile(r"deletion|duplication|trisomy|monosomy|\b\d{1,2}[pq]\d", re.IGNORECASE)

# Pairs that the gene rule finds in HPO 2025-01-16 but whose OMIM and Orphanet entries describe different
# disorders, or one a broader or narrower entity than the other. All 370 pairs the rule adds to the
# same-name pairs were read (docs/engine.md, "The only two records of a gene"); the source of each decision is
# the two entries themselves.
_NOT_ONE_DISORDER = frozenset(
    {
        ("OMIM:160900", "ORPHA:589821"),  # myotonic dystrophy 1; its congenital-onset form only (narrower)
        ("OMIM:176100", "ORPHA:95159"),  # porphyria cutanea tarda; hepatoerythropoietic porphyria (biallelic)
        ("OMIM:234810", "ORPHA:199241"),  # pulmonary veno-occlusive disease 2; capillary hemangiomatosis
        ("OMIM:606893", "ORPHA:3019"),  # primary intraosseous vascular malformation; Ramon syndrome
        ("OMIM:608180", "ORPHA:404451"),  # synpolydactyly 2 (dominant); recessive FBLN1 syndrome
        ("OMIM:612290", "ORPHA:83463"),  # microtia-deafness-cleft palate; microtia (broader)
        ("OMIM:614420", "ORPHA:36412"),  # lupus 16; hypocomplementemic urticarial vasculitis
        ("OMIM:617114", "ORPHA:496689"),  # myofibrillar myopathy 7; spastic paraplegia syndrome
        ("OMIM:618612", "ORPHA:93110"),  # lower urinary tract obstruction; urethral valve
        ("OMIM:619840", "ORPHA:250972"),  # macrothrombocytopenia 2; polymicrogyria
        ("OMIM:620106", "ORPHA:171612"),  # spastic paraplegia 88; spastic paraplegia 37
    }
)


def same_gene_pairs(
    kb: KnowledgeBase, annotations: DiseaseAnnotations, disease_ids: Iterable[str]
) -> list[tuple[str, str]]:
    """(OMIM id, Orphanet id) of the only two records of a gene, each linked to that gene alone.

    Left out: records named as chromosomal rearrangements, ids that the knowledge base relates to an
    entity other than as ``exact``, pairs that the knowledge base does not list as exact ids of one entity
    while it curates either record, and the reviewed pairs of ``_NOT_ONE_DISORDER``.
    """
    entity_of: dict[str, int] = {}
    not_exact: set[str] = set()
    for number, entity in enumerate(kb.entities):
        entity_of.update((disease_id, number) for disease_id in entity.exact_ids)
        not_exact.update(x.id for x in entity.ids if x.relation != "exact")
    by_gene: dict[str, list[str]] = defaultdict(list)
    genes_of: dict[str, list[str]] = {}
    for disease_id in disease_ids:
        if disease_id.partition(":")[0] not in ("OMIM", "ORPHA"):
            continue
        genes_of[disease_id] = annotations.genes_for(disease_id)
        for gene in genes_of[disease_id]:
            by_gene[gene].append(disease_id)
    pairs = []
    for gene, records in by_gene.items():
        if len(records) != 2:
            continue
        pair = (min(records), max(records))  # "OMIM:…" sorts before "ORPHA:…"
        if not (pair[0].startswith("OMIM:") and pair[1].startswith("ORPHA:")):
            continue
        if pair in _NOT_ONE_DISORDER or any(genes_of[r] != [gene] or r in not_exact for r in pair):
            continue
        first, second = entity_of.get(pair[0]), entity_of.get(pair[1])
        if (first is None) != (second is None) or first != second:
            # The knowledge base curates these records: only its own ids join them. Raine syndrome's
            # Orphanet id, for one, is unverified in the reference, and an unverified mapping must not
            # decide what is shown.
            continue
        if not any(_REARRANGEMENT.search(annotations.disease(r).name) for r in pair):
            pairs.append(pair)
    pairs.sort()
    return pairs


def same_disorder_groups(
    kb: KnowledgeBase,
    annotations: DiseaseAnnotations,
    disease_ids: Sequence[str],
    name_pairs: Iterable[tuple[str, str]] | None = None,
) -> list[list[str]]:
    """Groups of two or more ranked records of one disorder (knowledge-base entities, same-name pairs and
    same-gene pairs), merged where they share a record; each group sorted, groups in order of their first
    record. ``name_pairs``: the same-name pairs if already known (:func:`cached_same_name_pairs`)."""
    ranked = set(disease_ids)
    parent: dict[str, str] = {}

    def root(disease_id: str) -> str:
        while parent.get(disease_id, disease_id) != disease_id:
            disease_id = parent[disease_id]
        return disease_id

    def join(records: Sequence[str]) -> None:
        first = root(records[0])
        for other in records[1:]:
            top = root(other)
            if top != first:
                parent[top] = first

    for entity in kb.entities:
        exact = sorted(set(entity.exact_ids) & ranked)
        if len(exact) > 1:
            join(exact)
    for pair in same_name_pairs(annotations, disease_ids) if name_pairs is None else name_pairs:
        join(pair)
    for pair in same_gene_pairs(kb, annotations, disease_ids):
        join(pair)
    members: dict[str, list[str]] = defaultdict(list)
    for disease_id in {*parent, *parent.values()}:
        members[root(disease_id)].append(disease_id)
    return sorted(sorted(group) for group in members.values() if len(group) > 1)
