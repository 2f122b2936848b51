"""The typed Python API under the CLI: plain functions returning plain, JSON-ready objects."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from marbledx.knowledge import Entity, KnowledgeBase
from marbledx.ontology import Hpo, TermMatch

__all__ = [
    "DataInfo",
    "SubtypeSummary",
    "data_info",
    "search_terms",
    "subtype_card",
    "subtype_summaries",
    "subtype_summary",
]


@dataclass(frozen=True)
class SubtypeSummary:
    """One row of ``marbledx subtypes`` (a stable JSON contract)."""

    id: str | None  # exact OMIM id, else exact Orphanet id; None when the entity has neither
    key: str
    name: str
    short_names: list[str]
    omim: list[str]
    orphanet: list[str]
    genes: list[str]
    inheritance: list[str]
    onset: list[str]
    osteoclasts: str | None
    neuronopathic: str | None
    hsct_decision: str | None
    hsct_urgent: bool
    sources: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def hsct_qualifier(self) -> str:
        """The limit of a curative decision that holds for part of the subtype only: CLCN7 ARO is curative if
        non-neuronopathic, not for its neuronopathic subset (reference §1B OPTB4)."""
        if self.hsct_decision == "curative" and self.neuronopathic == "subset":
            return "if non-neuronopathic"
        return ""


def subtype_summary(entity: Entity) -> SubtypeSummary:
    """The summary row of one knowledge-base entity."""
    verified = [x for x in entity.ids if not x.unverified]
    return SubtypeSummary(
        id=entity.primary_id,
        key=entity.key,
        name=entity.name,
        short_names=list(entity.names.short_names),
        omim=[x.id for x in verified if x.id.startswith("OMIM:")],
        orphanet=[x.id for x in verified if x.id.startswith("ORPHA:")],
        genes=entity.gene_symbols,
        inheritance=[m.value for m in entity.inheritance.modes],
        onset=[o.value for o in entity.onset.typical] if entity.onset else [],
        osteoclasts=entity.osteoclasts.status.value if entity.osteoclasts else None,
        neuronopathic=entity.neuronopathic.neuronopathic.value if entity.neuronopathic else None,
        hsct_decision=entity.hsct.decision.value if entity.hsct else None,
        hsct_urgent=bool(entity.hsct and entity.hsct.urgent),
        sources=sorted(entity.all_sources()),
    )


def subtype_summaries(kb: KnowledgeBase, *, include_differential: bool = False) -> list[SubtypeSummary]:
    """Summaries of every osteopetrosis subtype (and, optionally, the differential entities)."""
    entities = kb.entities if include_differential else kb.subtypes
    return [subtype_summary(e) for e in entities]


def subtype_card(kb: KnowledgeBase, query: str) -> dict[str, Any]:
    """The full knowledge-base card of one entity, found by id, short name, name or synonym."""
    entity = kb.get(query)
    card: dict[str, Any] = {"id": entity.primary_id}
    card.update(entity.model_dump(mode="json"))
    card["bibliography"] = {
        key[4:]: kb.references[key[4:]].model_dump(mode="json")
        for key in sorted(entity.all_sources())
        if key.startswith("ref:") and key[4:] in kb.references
    }
    return card


def search_terms(hpo: Hpo, query: str, *, limit: int = 10) -> list[TermMatch]:
    """HPO terms matching an id (obsolete ids resolve to their replacement), a label or words."""
    return hpo.ontology.search(query, limit=limit)


@dataclass(frozen=True)
class DataInfo:
    """What ``marbledx data info`` reports."""

    hpo_version: str
    annotation_version: str
    source: str
    cache_file: str | None
    terms: int
    diseases: dict[str, int]
    annotations: int
    genes: int
    gene_disease_links: int
    knowledge_base: str
    knowledge_entities: int
    knowledge_subtypes: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def data_info(hpo: Hpo, kb: KnowledgeBase) -> DataInfo:
    return DataInfo(
        hpo_version=hpo.version,
        annotation_version=hpo.annotations.version,
        source=hpo.source,
        cache_file=str(hpo.cache_path) if hpo.cache_path else None,
        terms=len(hpo.ontology),
        diseases=hpo.annotations.counts_by_database(),
        annotations=hpo.annotations.n_annotations,
        genes=hpo.annotations.n_genes,
        gene_disease_links=hpo.annotations.n_gene_links,
        knowledge_base=kb.source,
        knowledge_entities=len(kb),
        knowledge_subtypes=len(kb.subtypes),
    )
