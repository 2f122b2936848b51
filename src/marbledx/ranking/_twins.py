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
  records both have genes but share none is kept apart.

docs/engine.md, "One disorder, one diagnosis", has the measured effect and a checked sample of pairs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from marbledx._text import normalise_texts
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import DiseaseAnnotations

__all__ = ["name_keys", "same_disorder_groups", "same_name_pairs"]

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


def same_disorder_groups(
    kb: KnowledgeBase, annotations: DiseaseAnnotations, disease_ids: Sequence[str]
) -> list[list[str]]:
    """Groups of two or more ranked records of one disorder (knowledge-base entities and same-name pairs),
    merged where they share a record; each group sorted, groups in order of their first record."""
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
    for pair in same_name_pairs(annotations, disease_ids):
        join(pair)
    members: dict[str, list[str]] = defaultdict(list)
    for disease_id in {*parent, *parent.values()}:
        members[root(disease_id)].append(disease_id)
    return sorted(sorted(group) for group in members.values() if len(group) > 1)
