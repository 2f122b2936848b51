"""The family summary: what the condition is, what it means for the child, what happens next, inheritance.

Plain words, short sentences (a test keeps the Flesch-Kincaid grade at 8 or below). Every sentence is built
from the same sourced facts as the clinician report: the care plan (HSCT decision, tests, red flags) and the
knowledge-base card (inheritance). It never says more than the clinician report does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from marbledx.advice import CarePlan
from marbledx.knowledge import Entity, EntityGroup, Inheritance, KnowledgeBase

__all__ = ["FamilySection", "FamilySummary", "family_summary"]

# What osteopetrosis is, in plain words (reference §0-1: deficient resorption, not excess formation, §7.1
# item 4; marrow, nerve and calcium consequences: Stark 2009, PMCID:PMC2654865; Orphanet ORPHA:667).
_WHAT_OSTEOPETROSIS = [
    "Osteopetrosis is a rare condition of the bones.",
    "The body keeps building new bone and clearing old bone.",
    "In osteopetrosis, the cells that clear old bone do not work well.",
    "So the bones get too thick and hard, but they break more easily.",
]
_WHAT_OSTEOPETROSIS_INFANT = [
    "Thick bone can fill the space inside bones where blood is made.",
    "It can also press on the nerves for sight and hearing.",
]
_OSTEOPETROSIS_SOURCES = ["PMCID:PMC2654865", "ORPHA:667"]

_HSCT_PLAIN = {
    "curative": [
        "A stem cell transplant (a bone marrow transplant) can cure the bone problem in this form.",
        "It gives your child new blood cells that can clear old bone.",
    ],
    "partial": [
        "A stem cell transplant can help the bones in this form, but it does not fix every problem.",
        "The team will talk with you about whether it is right for your child.",
    ],
    "not_curative": [
        "A stem cell transplant does not cure this form.",
        "The team will focus on treating each problem as it comes.",
    ],
    "not_standard": [
        "Most people with this form do not need a stem cell transplant.",
        "They need regular check-ups, and care for breaks, teeth, eyes and hearing.",
    ],
    "not_recommended": [
        "A stem cell transplant does not help the brain and nerve problems of this form.",
        "So the team does not advise it. They will focus on your child's comfort and care.",
    ],
    "unknown": [
        "We do not know yet if a stem cell transplant would help.",
        "This depends on the exact form, so the gene test result matters a lot.",
    ],
}
_URGENT_PLAIN = [
    "Time matters. A transplant works best when it is done early, before the nerves to the eyes are squeezed.",
    "So the team will move fast.",
]

_INHERITANCE_PLAIN = {
    Inheritance.AUTOSOMAL_RECESSIVE: [
        "This form happens when a child gets a changed copy of the same gene from each parent.",
        "Parents who carry one changed copy are healthy. They often do not know they carry it.",
        "When both parents carry it, each pregnancy has a 1 in 4 chance of a child with the condition.",
    ],
    Inheritance.AUTOSOMAL_DOMINANT: [
        "This form happens when a child has one changed copy of the gene.",
        "A parent with the changed copy has a 1 in 2 chance of passing it on in each pregnancy.",
        "Some people with the changed copy have no signs, so a parent may carry it without knowing.",
    ],
    Inheritance.X_LINKED_RECESSIVE: [
        "This form is linked to the X chromosome. It mostly affects boys.",
        "A mother who carries it has a 1 in 2 chance of passing it on in each pregnancy.",
        "Sons who get it will have the condition. Daughters who get it will carry it.",
    ],
}
_INHERITANCE_SOURCES = {
    Inheritance.AUTOSOMAL_RECESSIVE: ["PMCID:PMC2654865", "seed:002_54fb8aa32f4b3b69.txt"],
    Inheritance.AUTOSOMAL_DOMINANT: ["ORPHA:53", "PMCID:PMC2654865", "PMID:12929941"],
    Inheritance.X_LINKED_RECESSIVE: ["PMCID:PMC2654865"],
}
_COUNSELLING_PLAIN = (
    "A genetic counsellor can explain what this means for your family and for future children."
)
_DISCLAIMER_PLAIN = (
    "This summary was made by a computer program to help you talk with your care team. "
    "It does not replace their advice. Please ask them about anything that is not clear."
)


@dataclass(frozen=True)
class FamilySection:
    title: str
    paragraphs: list[str]
    bullets: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FamilySummary:
    """The plain-language summary for the family (``--audience family``)."""

    title: str
    sections: list[FamilySection]
    disclaimer: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def text(self) -> str:
        """All the words of the summary (what the readability test measures)."""
        parts = [self.title]
        for section in self.sections:
            parts.append(section.title)
            parts.extend(section.paragraphs)
            parts.extend(section.bullets)
        parts.append(self.disclaimer)
        return "\n".join(parts)


def _condition_name(plan: CarePlan, entity: Entity | None) -> str:
    if entity is not None and entity.group is EntityGroup.OSTEOPETROSIS and entity.genes:
        genes = " or ".join(entity.gene_symbols[:2])
        short = f", which doctors call {entity.names.short_names[0]}" if entity.names.short_names else ""
        return f"a form of osteopetrosis caused by changes in the {genes} gene{short}"
    if entity is not None:
        return entity.name
    return plan.diagnosis_label or "a rare condition"


def family_summary(plan: CarePlan, kb: KnowledgeBase, *, counselling_given: bool = False) -> FamilySummary:
    """The family summary of a care plan."""
    entity = kb.get(plan.subtype) if plan.subtype else None
    osteopetrosis = entity is not None and entity.group is EntityGroup.OSTEOPETROSIS
    sections: list[FamilySection] = []

    what: list[str] = []
    if plan.certainty == "genotype_supported":
        what.append(f"The most likely cause is {_condition_name(plan, entity)}.")
        what.append("The gene test result fits this.")
    else:
        what.append("The doctors do not know the exact cause yet.")
        what.append(f"The most likely cause on the list is {_condition_name(plan, entity)}.")
    sources: list[str] = []
    if osteopetrosis or any(o.subtype for o in plan.hsct.options):
        what.extend(_WHAT_OSTEOPETROSIS)
        sources.extend(_OSTEOPETROSIS_SOURCES)
        if plan.age_band == "infant":
            what.extend(_WHAT_OSTEOPETROSIS_INFANT)
    sections.append(FamilySection("What the condition is", what, sources=sources))

    meaning = list(_HSCT_PLAIN.get(plan.hsct.decision, _HSCT_PLAIN["unknown"]))
    if plan.hsct.urgency == "urgent":
        meaning.extend(_URGENT_PLAIN)
    sections.append(FamilySection("What it means for your child", meaning, sources=list(plan.hsct.sources)))

    tests = [t.plain for t in plan.tests if t.kind == "workup" and t.plain]
    next_steps = []
    if any(t.kind == "genetic" for t in plan.tests):
        next_steps.append("A gene test, from a blood sample, to find the exact form.")
    if any(t.kind == "confirmation" for t in plan.tests):
        next_steps.append("Gene tests of both parents, to check the result.")
    next_steps.extend(tests)
    sections.append(
        FamilySection(
            "What happens next",
            ["Your child's team will plan some tests:"],
            bullets=next_steps,
            sources=sorted({s for t in plan.tests for s in t.sources}),
        )
    )
    flags = [f.plain for f in plan.red_flags if f.plain and f.kind != "post-hsct-hypercalcaemia"]
    if flags:
        sections.append(
            FamilySection(
                "When to get help fast",
                ["Call your child's team or go to the emergency department if you see:"],
                bullets=flags,
                sources=sorted({s for f in plan.red_flags for s in f.sources}),
            )
        )

    modes = [m for m in (entity.inheritance.modes if entity else []) if m in _INHERITANCE_PLAIN]
    if modes:
        inherit = list(_INHERITANCE_PLAIN[modes[0]])
        if counselling_given:
            inherit.append("The family tree you gave was used to work out the chances for your family.")
        inherit.append(_COUNSELLING_PLAIN)
        sections.append(
            FamilySection("How it runs in families", inherit, sources=list(_INHERITANCE_SOURCES[modes[0]]))
        )
    else:
        sections.append(FamilySection("How it runs in families", [_COUNSELLING_PLAIN]))
    return FamilySummary(
        title="A summary for the family",
        sections=sections,
        disclaimer=_DISCLAIMER_PLAIN,
    )
