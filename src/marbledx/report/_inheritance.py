"""How each leading diagnosis is inherited: what a family's chances would follow if that diagnosis were confirmed.

A recurrence risk depends on the mode of inheritance, and the leading options of an unconfirmed diagnosis
often differ in mode (an AD and an AR form of similar probability). So the report gives no family figures
until the genotype supports a diagnosis; it lists these options and their modes instead (reference §0: a
mode of inheritance must fit before it is acted on).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marbledx.advice import CarePlan
from marbledx.knowledge import Inheritance, KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.ranking import CaseResult

__all__ = ["HPO_MODES", "InheritanceOption", "inheritance_options", "mode_text"]

# HPO mode-of-inheritance terms (HP:0000005 branch) that have a knowledge-base equivalent.
HPO_MODES: dict[str, Inheritance] = {
    "HP:0000007": Inheritance.AUTOSOMAL_RECESSIVE,
    "HP:0000006": Inheritance.AUTOSOMAL_DOMINANT,
    "HP:0001419": Inheritance.X_LINKED_RECESSIVE,
    "HP:0001423": Inheritance.X_LINKED_DOMINANT,
    "HP:0001428": Inheritance.SOMATIC,
}


def mode_text(mode: Inheritance | str) -> str:
    """A mode in words for the clinician: ``autosomal recessive``."""
    return str(mode).replace("_", " ")


@dataclass(frozen=True)
class InheritanceOption:
    """One leading diagnosis with its modes of inheritance and their sources.

    ``modes`` is empty when the mode is not known or only unverified (an unverified mode is never stated).
    """

    disease_id: str
    label: str
    subtype: str | None
    name: str  # the short name (OPTB1) where the knowledge base has one, else the label
    probability: float
    modes: tuple[Inheritance, ...]
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "disease_id": self.disease_id,
            "label": self.label,
            "subtype": self.subtype,
            "probability": self.probability,
            "inheritance": [mode.value for mode in self.modes],
            "sources": list(self.sources),
        }


def _hpo_modes(hpo: Hpo, disease_ids: list[str]) -> tuple[tuple[Inheritance, ...], tuple[str, ...]]:
    # The first record of the disorder (OMIM before its Orphanet twin) that has a mode annotation.
    for disease_id in disease_ids:
        if disease_id not in hpo.annotations:
            continue
        terms = hpo.annotations.inheritance(disease_id)
        modes = tuple(dict.fromkeys(HPO_MODES[t] for t in terms if t in HPO_MODES))
        if modes:
            return modes, (f"HPO-hpoa:{disease_id}",)
    return (), ()


def inheritance_options(
    plan: CarePlan, kb: KnowledgeBase, hpo: Hpo | None = None, result: CaseResult | None = None
) -> list[InheritanceOption]:
    """The plan's leading options (the top diagnosis, the credible alternatives and every time-critical form)
    with their modes: from the knowledge-base card, else from the HPO annotation of the disorder's records
    (``hpo`` and ``result``; without them a diagnosis outside the knowledge base has no stated mode)."""
    same_as = {d.disease_id: list(d.same_as) for d in result.diagnoses} if result is not None else {}
    out = []
    for option in plan.hsct.options:
        known: tuple[Inheritance, ...] = ()
        sources: tuple[str, ...] = ()
        entity = kb.get(option.subtype) if option.subtype else kb.for_disease_id(option.disease_id)
        if entity is not None:
            fact = entity.inheritance
            if not fact.unverified:  # an unverified mode is never stated
                known = tuple(m for m in fact.modes if m is not Inheritance.UNKNOWN)
                sources = tuple(fact.sources) if known else ()
            name = entity.names.short_names[0] if entity.names.short_names else entity.name
        else:
            if hpo is not None:
                known, sources = _hpo_modes(hpo, [option.disease_id, *same_as.get(option.disease_id, [])])
            name = option.label
        out.append(
            InheritanceOption(
                disease_id=option.disease_id,
                label=option.label,
                subtype=option.subtype,
                name=name,
                probability=option.probability,
                modes=known,
                sources=sources,
            )
        )
    return out
