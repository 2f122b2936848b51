"""The family summary: what the condition is, what it means for the child, what happens next, inheritance.

Plain words, short sentences (a test keeps the Flesch-Kincaid grade at 8 or below). Every sentence is built
from the same sourced facts as the clinician report: the care plan (HSCT decision, tests, red flags) and the
knowledge-base card (inheritance). It never says more than the clinician report does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from marbledx.advice import CarePlan, format_probability
from marbledx.knowledge import Entity, EntityGroup, Inheritance, KnowledgeBase
from marbledx.report._inheritance import InheritanceOption, inheritance_options

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
# Each mode as a clause, for naming the modes of several leading options (or of a multi-mode form) at once.
_MODE_CLAUSE = {
    Inheritance.AUTOSOMAL_RECESSIVE: "a child gets a changed copy of the gene from each parent",
    Inheritance.AUTOSOMAL_DOMINANT: "one changed copy of the gene can cause it",
    Inheritance.X_LINKED_RECESSIVE: "the changed gene is on the X chromosome, and it mostly affects boys",
    Inheritance.X_LINKED_DOMINANT: "the changed gene is on the X chromosome",
    Inheritance.SOMATIC: "it is not usually passed on from parents to children",
    Inheritance.NOT_INHERITED: "it is not usually passed on from parents to children",
}
_UNKNOWN_CLAUSE = "how it is passed on is not known"
_SEVERAL_CLAUSE = "it can be passed on in more than one way"
_COUNSELLING_PLAIN = (
    "A genetic counsellor can explain what this means for your family and for future children."
)
_DISCLAIMER_PLAIN = (
    "This summary was made by a computer program to help you talk with your care team. "
    "It does not replace their advice. Please ask them about anything that is not clear."
)
# Below this, a computed chance for the next child is not quoted to the family: the model cannot rule out
# every route (a parent's blood test, for example, does not test every egg or sperm cell).
_LOW_CHANCE = 0.01


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


def _names(names: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _genes(entity: Entity) -> str:
    # Every gene of the card: a shortened list is the outdated-gene-list error (reference §7.2 item 2).
    symbols = entity.gene_symbols
    if len(symbols) == 1:
        return f"the {symbols[0]} gene"
    return f"one of these genes: {', '.join(symbols[:-1])} or {symbols[-1]}"


def _condition_name(plan: CarePlan, entity: Entity | None) -> str:
    if entity is not None and entity.group is EntityGroup.OSTEOPETROSIS and entity.genes:
        short = f", which doctors call {entity.names.short_names[0]}" if entity.names.short_names else ""
        return f"a form of osteopetrosis caused by changes in {_genes(entity)}{short}"
    if entity is not None:
        return entity.name
    return plan.diagnosis_label or "a rare condition"


def _modes(entity: Entity) -> list[Inheritance]:
    """The card's modes of inheritance; none when they are unverified (an unverified mode is never stated)."""
    if entity.inheritance.unverified:
        return []
    return [m for m in entity.inheritance.modes if m is not Inheritance.UNKNOWN]


def _one_copy_forms(entity: Entity, kb: KnowledgeBase) -> list[tuple[str, Entity, list[str]]]:
    """Other forms that one changed copy of this recessive form's genes causes, with the gene and sources.

    CLCN7: biallelic variants cause OPTB4, a heterozygous dominant-negative one ADO2 (reference §4.1, "CLCN7
    dual mode"); PLEKHM1: OPTB6 and ADO3. A carrier parent of such a form may have signs.
    """
    found = []
    for gene in entity.gene_symbols:
        for other in kb.for_gene(gene):
            link = next((g for g in other.genes if g.symbol == gene), None)
            if (
                other.key != entity.key
                and link is not None
                and link.zygosity == "monoallelic"
                and not link.unverified
            ):
                found.append((gene, other, list(link.sources)))
    return found


def _recessive_caveat(entity: Entity, kb: KnowledgeBase) -> tuple[list[str], list[str]]:
    """The sentences that replace "carriers are healthy" when one changed copy of the gene can cause disease."""
    forms = _one_copy_forms(entity, kb)
    if not forms:
        return [], []
    sentences = ["Parents who carry one changed copy often have no signs."]
    for gene, other, _ in forms:
        short = other.names.short_names[0] if other.names.short_names else other.name
        sentences.append(
            f"But some changes in the {gene} gene cause another form, {short}, with only one changed copy. "
            "So a parent may have signs of it."
        )
    sentences.append("Ask the team which kind of change each parent carries.")
    return sentences, [s for _, _, sources in forms for s in sources]


def _inheritance_section(
    plan: CarePlan, entity: Entity | None, kb: KnowledgeBase, options: list[InheritanceOption]
) -> FamilySection:
    """How the confirmed diagnosis runs in families: its mode, or each of its modes when it has several."""
    top = next((o for o in options if o.disease_id == plan.diagnosis_id), None)
    modes = _modes(entity) if entity is not None else list(top.modes) if top is not None else []
    sources = list(entity.inheritance.sources) if entity is not None else list(top.sources) if top else []
    osteopetrosis = entity is not None and entity.group is EntityGroup.OSTEOPETROSIS
    if len(modes) > 1:
        # IAO is AR or AD (reference §1A): which one applies depends on the family's variant, so neither is
        # stated as this family's mode.
        text = ["This form can be passed on in more than one way."]
        text += [f"In some families, {_MODE_CLAUSE[m]}." for m in modes if m in _MODE_CLAUSE]
        text.append("Which way it is depends on the gene change.")
        text.append("A genetic counsellor can tell you which way it is in your family.")
        return FamilySection("How it runs in families", text, sources=list(dict.fromkeys(sources)))
    if modes and osteopetrosis and modes[0] in _INHERITANCE_PLAIN:
        text = list(_INHERITANCE_PLAIN[modes[0]])
        sources = list(_INHERITANCE_SOURCES[modes[0]])
        if modes[0] is Inheritance.AUTOSOMAL_RECESSIVE and entity is not None:
            caveat, caveat_sources = _recessive_caveat(entity, kb)
            if caveat:
                text[1:2] = caveat
                sources += caveat_sources
    elif modes and modes[0] in _MODE_CLAUSE:
        clause = _MODE_CLAUSE[modes[0]]
        text = [f"In this condition, {clause}."]
    else:
        return FamilySection("How it runs in families", [_COUNSELLING_PLAIN])
    text.append(_COUNSELLING_PLAIN)
    return FamilySection("How it runs in families", text, sources=list(dict.fromkeys(sources)))


def _clause(option: InheritanceOption) -> str:
    if len(option.modes) > 1:
        return _SEVERAL_CLAUSE
    if option.modes and option.modes[0] in _MODE_CLAUSE:
        return _MODE_CLAUSE[option.modes[0]]
    return _UNKNOWN_CLAUSE


def _unconfirmed_section(options: list[InheritanceOption], pedigree_given: bool) -> FamilySection:
    """How the leading options run in families, when none is confirmed: their modes, and no chances."""
    groups: dict[str, list[str]] = {}
    for option in options:
        groups.setdefault(_clause(option), []).append(option.name)
    text = [
        "The doctors do not know the exact form yet. How it runs in families depends on the form.",
        "This is how the most likely forms on the list are passed on:" if options else "",
    ]
    text += [f"In {_names(names)}, {clause}." for clause, names in groups.items()]
    # The list is not the whole differential: never let one shared mode read as this family's mode.
    text.append("Other forms may be passed on in other ways. So no chances for your family are given yet.")
    text.append("A gene test can show the exact form.")
    text.append("Then a genetic counsellor can tell you the chances for your family.")
    if pedigree_given:
        text.append("The family tree you gave will help with that.")
    sources = sorted({s for o in options for s in o.sources})
    return FamilySection("How it runs in families", [t for t in text if t], sources=sources)


def _relative_bullets(counselling: Mapping[str, Any]) -> list[str]:
    """Each untested, unaffected or unknown-status person of the pedigree whose chance is worth a word."""
    bullets = []
    for person in counselling.get("individuals", []):
        if person.get("status") == "affected" or person.get("test") or not person.get("in_file", True):
            continue
        pid = person["id"]
        affected = float(person.get("affected_probability") or 0.0)
        carrier = float(person.get("carrier_probability") or 0.0)
        parts = []
        if person.get("status") == "unknown" and affected >= _LOW_CHANCE:
            # Someone whose status is not known may have the disease itself (a newborn sibling of an infant
            # with ARO): that comes first, because it may need checking now.
            parts.append(
                f"a {format_probability(affected, fraction=False)} chance of having the condition, so ask the "
                "team about checking them."
            )
        if carrier >= 0.999:
            parts.append("almost certainly carries a changed copy.")
        elif carrier >= 0.05:
            parts.append(
                f"a {format_probability(carrier, fraction=False)} chance of carrying a changed copy."
            )
        if parts:
            # The pedigree's own ids name the people ("father", "II-3"), so they lead, as labels.
            rest = " ".join(part[0].upper() + part[1:] for part in parts[1:])
            bullets.append(f"{pid}: {parts[0]}" + (f" {rest}" if rest else ""))
    return bullets


def _chances_section(counselling: Mapping[str, Any]) -> FamilySection:
    """The family's computed chances in plain words (only for a diagnosis the genotype supports)."""
    couple = counselling.get("couple") or {}
    who = f"{couple.get('father', 'the father')} and {couple.get('mother', 'the mother')}"
    child = counselling["next_child"]
    mode = counselling.get("inheritance")
    by_sex = child.get("by_sex") or {}
    if mode == Inheritance.X_LINKED_RECESSIVE.value and by_sex:
        son = float(by_sex.get("male", {}).get("affected_probability", 0.0))
        daughter = float(by_sex.get("female", {}).get("carrier_probability", 0.0))
        low = max(son, daughter) < _LOW_CHANCE
        first = (
            f"For each pregnancy of {who}, a son has a {format_probability(son)} chance of having the "
            f"condition. A daughter has a {format_probability(daughter)} chance of carrying it."
        )
    elif mode == Inheritance.AUTOSOMAL_DOMINANT.value:
        inherits = float(child["carrier_probability"])
        affected = float(child["affected_probability"])
        low = inherits < _LOW_CHANCE
        first = (
            f"For each pregnancy of {who}, the chance that the child gets the changed copy is "
            f"{format_probability(inherits)}."
        )
        if float(counselling.get("penetrance") or 1.0) < 1.0:
            first += (
                " Not everyone with it has signs. The chance that the child has signs is "
                f"{format_probability(affected)}."
            )
    else:
        affected = float(child["affected_probability"])
        carrier = float(child["carrier_probability"])
        low = affected < _LOW_CHANCE
        first = (
            f"For each pregnancy of {who}, the chance of a child with the condition is "
            f"{format_probability(affected)}. The chance of a child who carries one changed copy is "
            f"{format_probability(carrier)}."
        )
    if low:
        first = (
            f"The calculation gives a low chance for a child of {who}. It cannot rule out every way a gene change "
            "can be passed on, so please ask your genetic counsellor about it."
        )
    else:
        first += " The chance is the same in every pregnancy."
    return FamilySection(
        "The chances for your family",
        [
            "These chances were worked out from the family tree you gave.",
            "A genetic counsellor can go through them with you.",
        ],
        bullets=[first, *_relative_bullets(counselling)],
        sources=[str(s) for s in counselling.get("sources", [])],
    )


def family_summary(
    plan: CarePlan,
    kb: KnowledgeBase,
    *,
    options: list[InheritanceOption] | None = None,
    counselling: Mapping[str, Any] | None = None,
    pedigree_given: bool = False,
) -> FamilySummary:
    """The family summary of a care plan.

    ``options`` are the leading diagnoses with their modes (default: :func:`inheritance_options` from the
    knowledge base alone); ``counselling`` is the report's counselling JSON. The family's chances are shown
    only when the genotype supports the diagnosis and they were computed; otherwise the summary says how the
    leading options are passed on and that the chances wait for the exact form. ``pedigree_given`` says a
    family tree was given, so the summary can say it will be used once the form is known.
    """
    if options is None:
        options = inheritance_options(plan, kb)
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

    if plan.certainty != "genotype_supported":
        sections.append(_unconfirmed_section(options, pedigree_given))
    else:
        sections.append(_inheritance_section(plan, entity, kb, options))
        if counselling is not None and counselling.get("risks_given") and "next_child" in counselling:
            sections.append(_chances_section(counselling))
    return FamilySummary(
        title="A summary for the family",
        sections=sections,
        disclaimer=_DISCLAIMER_PLAIN,
    )
