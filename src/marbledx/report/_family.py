"""The family summary: what the condition is, what it means for the child, what happens next, inheritance.

Plain words, short sentences (a test keeps the Flesch-Kincaid grade at 8 or below). Every sentence is built
from the same sourced facts as the clinician report: the care plan (HSCT decision, tests, red flags) and the
knowledge-base card (inheritance). It never says more than the clinician report does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from marbledx._api import subtype_summary
from marbledx.advice import CARE_PARAMETERS, TWO_COPIES_LOW, CarePlan, allelic_forms, format_probability
from marbledx.advice._counsel_text import DE_NOVO_SEED, MOSAICISM_2023, SETTLED_GENOTYPE, simple_fraction
from marbledx.knowledge import (
    Entity,
    EntityGroup,
    HsctDecision,
    Inheritance,
    KnowledgeBase,
    Neuronopathy,
    OsteoclastStatus,
)
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
# How the form at hand works, by its card's osteoclast status (reference §1A: rich forms have osteoclasts that
# fail, poor forms lack them, PMID:17632511; ADO1 is not an osteoclast defect and had no fractures in 0/10,
# PMID:12579474). A form whose status is unknown or unverified gets no mechanism at all.
_HOW_BY_OSTEOCLASTS = {
    OsteoclastStatus.RICH: _WHAT_OSTEOPETROSIS[1:],
    OsteoclastStatus.POOR: [
        _WHAT_OSTEOPETROSIS[1],
        "In this form, the cells that clear old bone are not made.",
        _WHAT_OSTEOPETROSIS[3],
    ],
    OsteoclastStatus.NOT_OSTEOCLAST_DEFECT: [
        "In this form the bones become thick and dense, but the cells that clear old bone work.",
        "Doctors are not sure it is a true form of osteopetrosis.",
    ],
}
_WHAT_OSTEOPETROSIS_INFANT = [
    "Thick bone can fill the space inside bones where blood is made.",
    "It can also press on the nerves for sight and hearing.",
]
_OSTEOPETROSIS_SOURCES = ["PMCID:PMC2654865", "ORPHA:667"]


# Cards of the osteopetrosis group that are syndromes with dense bone as one feature among others, not forms of
# osteopetrosis: calling them "a form of osteopetrosis" misleads a family about what the child has. Which cards
# these are, and what each mainly is in plain words, is knowledge-base data: the card's ``osteopetrosis_role``
# (role ``syndrome_feature``, its ``plain`` sentences and their sources; reference §1A/§1B and the HPO
# annotation of the card's entry), validated when the knowledge base loads, so a new syndrome card is named
# truthfully without a change here.
def _syndrome_words(entity: Entity) -> tuple[list[str], list[str]]:
    """What a syndrome card mainly is, in plain words, with the sources of its ``osteopetrosis_role``."""
    role = entity.osteopetrosis_role
    if role is None:
        return [], []
    return list(role.plain), list(role.sources)


# What else a form of osteopetrosis does, where its card says more than the bones:
# - CA II deficiency (OPTB3): osteopetrosis with renal tubular acidosis and cerebral calcification, HP:0008341
#   2/2, HP:0002514 2/2 (reference §1A; HPO-hpoa OMIM:259730; ORPHA:2785).
# - Transient infantile osteopetrosis resolves in the first year and needs no treatment (reference §1A,
#   Socialstyrelsen); it is known to be transient only when follow-up X-rays show the bone getting better
#   (reference §3.2: check radiographs again before conditioning).
_ALSO: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "OPTB3": (
        (
            "This form is also called CA II deficiency.",
            "Besides the bones, it affects the kidneys, which makes the blood too acid.",
            "It can also leave small spots of calcium in the brain.",
        ),
        ("HPO-hpoa:OMIM:259730", "ORPHA:2785"),
    ),
    "TIO": (
        (
            "In this form, the dense bones get better by themselves during the first year of life.",
            "X-rays over time show if this is happening.",
        ),
        ("ref:socialstyrelsen-transient", "ref:osteopetrosis-co-uk-types"),
    ),
}
# A form that harms the brain and nerves on its own (primary neurodegeneration, not nerve compression by bone:
# reference §1A "Neuro"), said as far as the card's neuronopathy is known and verified.
_NEURO_PLAIN = {
    Neuronopathy.YES: "This form also affects the brain and nerves.",
    Neuronopathy.SUBSET: "In some children, this form also affects the brain and nerves.",
}
# A different condition from osteopetrosis (the differential of reference §6: Ihde 2011, PMID:22084176;
# Skeletal Radiol 2021, PMID:33040177): many of these come from increased bone formation (§7.1 item 5).
_NOT_OSTEOPETROSIS = (
    "It is a different condition from osteopetrosis, though some of its signs can look alike."
)
_NOT_OSTEOPETROSIS_SOURCES = ["PMID:22084176", "PMID:33040177"]

# What the HSCT decision means, in plain words. "{who}" is "your child" or, for an adult, "you". The summary
# says what the evidence says and never announces the care team's decision or a direction of care (web review
# 4): after "not recommended" or "not curative" it says that the team will talk with the family about the best
# care, because the clinician report gives no more than the decision and its reason.
# "Curative" says what HSCT does to the bone disease, nothing about its risk (reference §1B): graft failure was
# the main cause of death, 5-year survival 62% with a matched sibling and 42% with other donors (Orchard 2015,
# PMID:26012570). The family hears that there is a risk, and who explains it.
_HSCT_RISK = "A transplant is a big treatment with serious risks, and the team will explain them."
_HSCT_RISK_SOURCES = ["PMID:26012570"]
_HSCT_PLAIN = {
    "curative": [
        "A stem cell transplant (a bone marrow transplant) can cure the bone problem in this form.",
        "It gives {who} new blood cells that can clear old bone.",
        _HSCT_RISK,
    ],
    "partial": [
        "A stem cell transplant can help the bones in this form, but it does not fix every problem.",
        _HSCT_RISK,
        "The team will talk with you about whether it is right for {who}.",
    ],
    "not_curative": [
        "A stem cell transplant is not expected to cure this form.",
        "The team will talk with you about the best care for {who}.",
    ],
    "not_standard": [
        "Most people with this form do not need a stem cell transplant.",
        "They need regular check-ups, and care for breaks, teeth, eyes and hearing.",
    ],
    "not_recommended": [
        "What is known about this form does not support a stem cell transplant.",
        "The team will talk with you about the best care for {who}.",
    ],
    "unknown": [
        "We do not know yet if a stem cell transplant would help.",
        "This depends on the {thing}, so the gene test result matters a lot.",
    ],
}
# Why HSCT does not help (or helps only in part), per card, in plain words from the card's cited reason. The
# sentences go after the first sentence of the decision. A card's entry applies only when the plan's decision
# is the card's own (a neuronopathic CLCN7 form is "not recommended" for another reason than its card's).
# - OPTB2 (RANKL): patients could not be cured by HSCT (Sobacchi 2007, PMID:17632511); RANKL is made by
#   mesenchymal/stromal cells (and lymphocytes), not by the osteoclast lineage a graft replaces (reference §1A,
#   Sobacchi & Abinun 2022, DOI:10.1016/j.bone.2022.116541).
# - ADO1 (LRP5): increased bone formation, not an osteoclast defect; "not indicated" is an inference from the
#   mechanism, not a published recommendation (reference §1B; Whyte 1996; PMID:12579474), so it is said as
#   what would be expected.
# - OPTB5 (OSTM1): HCT given before neurological symptoms still did not stop neurological progression (Blood
#   Adv 2017;1(4):279).
# - TIO: resolves by itself in the first year and needs no treatment (reference §1A and §3.2).
# - OPTB3 (CA II): BMT cured the bone disease but not the renal tubular acidosis; reserve for severe cases
#   (McMahon 2001).
_HSCT_WHY: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "OPTB2": (
        (
            "In this form, the cells that clear old bone lack a signal made by other cells in the bone.",
            "A transplant gives new blood cells, but it does not replace the cells that make this signal.",
            "Children with this form have not been cured by a transplant so far.",
        ),
        ("PMID:17632511", "DOI:10.1016/j.bone.2022.116541"),
    ),
    "ADO1": (
        (
            "In this form, the cells that clear old bone work. The body makes too much bone instead.",
            "New blood cells from a transplant would not be expected to change that.",
        ),
        ("DOI:10.1002/jbmr.5650111010", "PMID:12579474"),
    ),
    "OPTB5": (
        ("Even a transplant done before these problems began did not stop them.",),
        ("ref:blood-adv-2017-ostm1",),
    ),
    "TIO": (
        ("This form gets better by itself during the first year of life, and it needs no treatment.",),
        ("ref:socialstyrelsen-transient", "ref:osteopetrosis-co-uk-types"),
    ),
    "OPTB3": (
        (
            "For example, it does not fix the kidney problem that makes the blood too acid.",
            "Doctors keep it for children who are badly affected.",
        ),
        ("ref:mcmahon-2001",),
    ),
    # LAD-III: HSCT corrected the osteopetrosis and is the only curative option; long-term management without
    # HSCT has also been reported (Palagano 2017; Orphanet LAD-III; Saultier 2018, PMID:29472353).
    "LAD3": (
        (
            "It is the only treatment known to cure this condition.",
            "Some children have also been cared for without a transplant for a long time.",
        ),
        ("ref:orphanet-lad3", "PMID:29472353"),
    ),
    # IAO: "consider in selected patients with accumulating complications" (Blood Adv 2019;3(6):862), HCT not
    # the standard of care for the less severe forms (Wu 2017, PMID:28655174).
    "IAO": (
        ("For a few people with many problems from the bones, doctors may think about one.",),
        ("ref:blood-adv-2019-iao", "PMID:28655174"),
    ),
}
# HSCT does not help the primary neurodegeneration of OSTM1 and neuronopathic CLCN7 disease (Blood Adv
# 2017;1(4):279; reference §7.1 item 12).
_HSCT_NOT_FOR_NEURO = (
    "A stem cell transplant is not expected to help the brain and nerve problems of this form."
)
# A curative decision that holds for part of the form only (CLCN7 ARO: curative if non-neuronopathic, not for
# its neuronopathic subset; reference §1B OPTB4; the rule of SubtypeSummary.hsct_qualifier). The retinal and
# neurological work-up tells them apart (the card's reason: "Assess retinal and neurological status").
_HSCT_IF_NOT_NEURO = [
    "This is true when the form does not affect the brain.",
    "When it does, a transplant does not help the brain and nerve problems.",
    "Tests of the eyes and the brain help show which it is.",
]
# The genotype supports the form but the decision waits for other tests (the neurological work-up of a CLCN7
# form that can be neuronopathic): the gene test is no longer what it waits for.
_HSCT_UNKNOWN_SUPPORTED = [
    "We do not know yet if a stem cell transplant would help.",
    "More tests are needed to know this.",
]
# The genotype supports the form, and its card has no verified HSCT decision: there are no data (COMMAD: 2
# patients; BANDDOS; OL-EDA-ID and ADO3 unverified), so no test will settle it.
_HSCT_NO_DATA = [
    "Not enough is known about this form to say if a stem cell transplant would help.",
    "The team will talk with you about the best care for {who}.",
]
# No leading option has an HSCT rule (none is an osteopetrosis form): the transplant question is not raised.
_NO_HSCT_QUESTION = [
    "What this means depends on the exact cause.",
    "{team} can explain it.",
]
# Why timing matters, never a promise of what the team will do (web review 10). The infant window is given only
# to an infant young enough for it: vision is better preserved when HSCT is done before 3 months of age
# (Driessen 2003, DOI:10.1038/sj.bmt.1704194; PMID:9849690). For anyone older the reason is that neurosensory
# deficits are generally not reversible (the same sources), so signs that get worse while the question waits may not come back.
_URGENT_INFANT = [
    "Time matters. A transplant works best when it is done early.",
    "Sight is better kept when it is done in the first three months of life.",
]
_URGENT_OLDER = [
    "Time matters. Some problems, such as loss of sight, can get worse while waiting.",
    "They often do not get better later.",
]
# Sight that is already lost (the care guide's ``lost_ids``, blindness): neurosensory deficits are generally not
# reversible (Eapen 1998, PMID:9849690), so a transplant will not bring it back, and the family is not told that
# sight can still get worse or be kept. HSCT is still done as early as possible (reference §3.2 "Timing"; Driessen
# 2003), because the thick bone also presses on the nerves for hearing (Stark 2009, PMCID:PMC2654865), whose
# loss can still progress and is not reversible either. Said for any age: the infant window is about sight too.
_URGENT_SIGHT_LOST = [
    "A transplant will not bring back sight that is already lost.",
    "But time still matters. Other problems, such as hearing loss, can get worse while waiting.",
    "They often do not get better later.",
]
_URGENT_SIGHT_LOST_SOURCES = ["PMCID:PMC2654865"]
_URGENT_UNDECIDED = "So it matters to get the test results soon."
_URGENT_SOURCES = ["DOI:10.1038/sj.bmt.1704194", "PMID:9849690"]
_INFANT_WINDOW_DAYS = 365.25 / 4  # 3 months

# Red flags in plain words past infancy. The care guide's plain texts are written for infants ("a tense soft
# spot", "does not follow faces or toys"); these give the same flag's signs as an older child or an adult shows
# them, and the flag's sources apply. A flag not listed keeps the care guide's words.
_FLAG_PLAIN_CHILD = {
    "optic-nerve": "Eyes that wander or shake, or your child seems to see less well.",
    "raised-icp": "Bad headaches or being sick a lot.",
}
_FLAG_PLAIN_ADULT = {
    "optic-nerve": "Sight that gets worse or blurred, or eyes that shake.",
    "raised-icp": "Bad headaches or being sick a lot.",
}
# Sight that is already lost (the care guide's ``lost_ids``, blindness): the optic-nerve flag's usual words ("does not
# follow faces or toys", "seems to see less well", "sight that gets worse") describe what the child already has, so a
# family would read a daily fact as an emergency, beside "a transplant will not bring back sight that is already
# lost". What is left of the flag's sign is how the eyes move (nystagmus or squint: Wilson & Vellodi 2000, the flag's
# sources).
_FLAG_PLAIN_SIGHT_LOST = {
    "optic-nerve": "New changes in the eyes, such as eyes that start to wander or shake."
}
# The infant wording (the fontanelle, a baby's visual behaviour) is kept up to 2 years of age.
_YOUNG_CHILD_DAYS = 2 * 365.25
# An adult is addressed as "you" (web review 7): the care plan's adult band, or 18 years of age.
_ADULT_DAYS = 18 * 365.25

# Below this posterior a diagnosis is not even a credible alternative in the care plan, so the summary does not
# call it "the most likely cause" (web review 5): it says the cause is not known yet and what is checked for.
_CREDIBLE = float(CARE_PARAMETERS["credible_probability"])
# Words of raw disease labels that a family text does not repeat: "malignant" is Orphanet's old name for
# infantile ARO, and not all ARO is malignant or infantile (reference §7.5 item 3).
_ALARMING = ("malignant", "lethal", "fatal")

_INHERITANCE_PLAIN = {
    Inheritance.AUTOSOMAL_RECESSIVE: [
        "This form happens when a child gets a changed copy of the same gene from each parent.",
        "Parents who carry one changed copy are expected to be healthy. They often do not know they carry it.",
        "When both parents carry it, each pregnancy has a 1 in 4 chance of a child with the condition.",
    ],
    Inheritance.AUTOSOMAL_DOMINANT: [
        "This form happens when a child has one changed copy of the gene.",
        "A parent with the changed copy has a 1 in 2 chance of passing it on in each pregnancy.",
        "Some people with the changed copy have no signs, so a parent may carry it without knowing.",
        # De novo variants occur in ADO (reference §4.1; seed:004_6d101a54be3f1e60.txt).
        "The changed copy can also be new in a child, without coming from a parent.",
    ],
    Inheritance.X_LINKED_RECESSIVE: [
        "This form is linked to the X chromosome. It mostly affects boys.",
        "A mother who carries it has a 1 in 2 chance of passing it on in each pregnancy.",
        # "Expected": the knowledge base has no penetrance figure for an X-linked form (complete penetrance is
        # an assumption of the risk model, not a sourced fact).
        "Sons who get it are expected to have the condition. Daughters who get it will carry it; ask the team "
        "whether a carrier girl can have signs.",
    ],
}
_INHERITANCE_SOURCES = {
    Inheritance.AUTOSOMAL_RECESSIVE: ["PMCID:PMC2654865", "seed:002_54fb8aa32f4b3b69.txt"],
    Inheritance.AUTOSOMAL_DOMINANT: ["ORPHA:53", "PMCID:PMC2654865", "PMID:12929941", DE_NOVO_SEED],
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
# Genes of a recessive form of the knowledge base that, with one changed copy, cause a dominant condition the
# knowledge base has no card for (HPO gene-disease links with an autosomal dominant mode). Their carriers are
# not said to be healthy: reference §4.1 says "carriers are asymptomatic" for AR osteopetrosis citing Stark 2009,
# which predates BANDDOS and COMMAD.
_OTHER_ONE_COPY: dict[str, tuple[str, tuple[str, ...]]] = {
    # Leukoencephalopathy, diffuse hereditary, with spheroids: autosomal dominant, adult onset.
    "CSF1R": (
        "a different brain disease that starts in adults",
        ("HPO-g2p:OMIM:221820", "HPO-hpoa:OMIM:221820"),
    ),
    # Waardenburg syndrome type 2A and Tietz albinism-deafness syndrome: autosomal dominant.
    "MITF": (
        "a different condition of the hearing and of the colour of the skin, hair and eyes",
        ("HPO-g2p:OMIM:193510", "HPO-hpoa:OMIM:193510", "HPO-g2p:OMIM:103500", "HPO-hpoa:OMIM:103500"),
    ),
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
# Said after the leading option of a diagnosis without genetic support, so that it does not read as a diagnosis.
_STILL_POSSIBLE = "Other causes on the list are still possible."
# A dominant form whose parents may not carry the child's variant (neither is affected, tested or an obligate
# carrier, and the calculation allows no new variants): the figures hold only if it was inherited. De novo
# variants occur in ADO (reference §4.1, seed:004); after an apparently new variant a parent's germline
# mosaicism keeps the chance for another child above zero (Hum Genomics 2023, PMID:37798624).
_MAYBE_NEW = (
    "These chances assume that the changed copy came from one of the parents. It can also be new, without "
    "coming from either parent. Then the chance for another child is lower, though not zero. Gene tests of both "
    "parents can help show which it is."
)
_MAYBE_NEW_SOURCES = [DE_NOVO_SEED, MOSAICISM_2023]
# A relative who may have a form whose transplant is urgent (the knowledge base's HSCT card: OPTB1, OPTB4,
# OPTB7, OPTB8) should be checked soon, as the counselling advice says (Driessen 2003, DOI:10.1038/sj.bmt.1704194;
# PMID:9849690): "ask the team about checking them" alone gives no sense of time.
_CHECK_SOON = (
    "In this form, a transplant works best when it is done early. So please ask the team soon about checking "
    "anyone above who may have the condition."
)
# A confirmed diagnosis with a family tree from which no chances could be worked out (a pedigree the risk model
# cannot use; the clinician report's note names the problem).
_NOT_WORKED_OUT = (
    "The family tree you gave could not be used to work out the chances for your family. "
    "A genetic counsellor can work them out with you."
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


@dataclass(frozen=True)
class _Voice:
    """Who the summary speaks to: the parents of a child, or an adult patient (web review 7)."""

    adult: bool
    young: bool  # an infant or a child under 2: the care guide's infant wording of the red flags fits

    @property
    def who(self) -> str:
        return "you" if self.adult else "your child"

    @property
    def team(self) -> str:
        return "Your care team" if self.adult else "Your child's team"


def _voice(
    plan: CarePlan, age_days: float | None, *, parent: bool = False, stands_out: bool = True
) -> _Voice:
    """``parent``: the patient is one of the couple whose next child the chances are for (an adult asking
    about their own children), so is addressed as "you" whatever the age the case gives.

    Without an age, the care plan's band is the typical onset of its leading subtype (advice/_care.py). That
    says who the patient is only when the leading diagnosis stands out (``stands_out``): a 1% top option with an
    adult onset (OPTB9) turned an infant's summary into one addressed to an adult ("What it means for you",
    "Sight that gets worse or blurred"). Otherwise the summary takes the plan's own default without a subtype, a
    child, in the words that fit a child of any age (not an infant's "soft spot")."""
    band = plan.age_band if age_days is not None or stands_out else None
    adult = parent or band == "adult" or (age_days is not None and age_days >= _ADULT_DAYS)
    young = not adult and (band == "infant" or (age_days is not None and age_days < _YOUNG_CHILD_DAYS))
    return _Voice(adult=adult, young=young)


def _umbrella_forms(disease_id: str | None, kb: KnowledgeBase) -> list[Entity]:
    """The osteopetrosis forms of the knowledge base of which ``disease_id`` is a broader entry (ORPHA:667, the
    ARO umbrella, covers OPTB1, OPTB2, OPTB4 and OPTB8)."""
    if disease_id is None:
        return []
    return [
        e
        for e in kb
        if e.group is EntityGroup.OSTEOPETROSIS
        and any(i.id == disease_id and i.relation == "broader" and not i.unverified for i in e.ids)
    ]


def _is_osteopetrosis(
    disease_id: str | None, label: str | None, entity: Entity | None, kb: KnowledgeBase
) -> bool:
    """An osteopetrosis form: a card of the osteopetrosis group, an umbrella entry over such cards, or a
    disorder outside the knowledge base that its own name calls osteopetrosis."""
    if entity is not None:
        return entity.group is EntityGroup.OSTEOPETROSIS and not _is_syndrome(entity)
    return bool(_umbrella_forms(disease_id, kb)) or "osteopetrosis" in (label or "").lower()


def _is_syndrome(entity: Entity | None) -> bool:
    """A card of the osteopetrosis group that is a syndrome with dense bone, not a form of osteopetrosis."""
    return entity is not None and entity.is_syndrome


def _has_hsct_question(
    disease_id: str | None, label: str | None, entity: Entity | None, kb: KnowledgeBase
) -> bool:
    """Whether the transplant question is raised: an osteopetrosis form, or a card with an HSCT rule."""
    return _is_osteopetrosis(disease_id, label, entity, kb) or (
        entity is not None and entity.hsct is not None
    )


def _plain_label(label: str | None) -> str | None:
    """A disease label fit for a family text, or None: a raw label with an alarming word is not repeated."""
    if not label or any(word in label.lower() for word in _ALARMING):
        return None
    return label


def _condition_name(plan: CarePlan, entity: Entity | None, kb: KnowledgeBase) -> str:
    """The leading diagnosis in plain words: an osteopetrosis form with every gene of its card, a differential
    entity by its card's name, and never a raw label such as "…malignant osteopetrosis" (web review 5)."""
    if entity is not None and entity.group is EntityGroup.OSTEOPETROSIS:
        short = f", which doctors call {entity.names.short_names[0]}" if entity.names.short_names else ""
        # A syndrome with dense bone is not "a form of osteopetrosis" (OL-EDA-ID, LAD-III, COMMAD, BANDDOS).
        what = "a rare condition" if _is_syndrome(entity) else "a form of osteopetrosis"
        genes = f" caused by changes in {_genes(entity)}" if entity.genes else ""
        return f"{what}{genes}{short}"
    if entity is not None:
        return entity.name
    if _is_osteopetrosis(plan.diagnosis_id, plan.diagnosis_label, None, kb):
        return "a form of osteopetrosis"
    return _plain_label(plan.diagnosis_label) or "a rare condition"


def _option_entity(subtype: str | None, disease_id: str, kb: KnowledgeBase) -> Entity | None:
    return kb.get(subtype) if subtype else kb.for_disease_id(disease_id)


def _checked_for(plan: CarePlan, kb: KnowledgeBase) -> tuple[str, bool]:
    """What the doctors are checking for when no cause stands out: the plan's leading options in plain words
    (the osteopetrosis forms together, a differential entity by its card's name), then "other rare causes",
    because a leading posterior this low says the list is far from complete. Also whether osteopetrosis is
    among them."""
    osteopetrosis = syndrome = False
    named: list[str] = []
    for option in plan.hsct.options:
        entity = _option_entity(option.subtype, option.disease_id, kb)
        if _is_osteopetrosis(option.disease_id, option.label, entity, kb):
            osteopetrosis = True
        elif _is_syndrome(entity):
            syndrome = True
        elif entity is not None and entity.name not in named:
            named.append(entity.name)
    things = (["some forms of osteopetrosis"] if osteopetrosis else []) + named
    if syndrome:
        things.append("some rare conditions that can also make bones dense")
    if not things:
        return "The doctors are checking for several rare causes.", False
    return f"The doctors are checking for {_names([*things, 'other rare causes'])}.", osteopetrosis


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
    others = [(gene, *_OTHER_ONE_COPY[gene]) for gene in entity.gene_symbols if gene in _OTHER_ONE_COPY]
    if not forms and not others:
        return [], []
    sentences = ["Parents who carry one changed copy often have no signs."]
    for gene, other, _ in forms:
        short = other.names.short_names[0] if other.names.short_names else other.name
        sentences.append(
            f"But some changes in the {gene} gene cause another form, {short}, with only one changed copy. "
            "So a parent may have signs of it."
        )
    for gene, condition, _ in others:
        sentences.append(
            f"But some changes in the {gene} gene cause {condition}, with only one changed copy."
        )
    sentences.append("Ask the team which kind of change each parent carries.")
    sources = [s for _, _, found in forms for s in found] + [s for _, _, found in others for s in found]
    return sentences, sources


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
        if _is_syndrome(entity):
            text = [t.replace("This form", "This condition") for t in text]
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


def _option_name(option: InheritanceOption, kb: KnowledgeBase) -> str | None:
    """An option's name in a list of modes: the card's short name, or a plain name for a disorder outside the
    knowledge base (None for one whose mode is not known: "other forms" covers it)."""
    if _option_entity(option.subtype, option.disease_id, kb) is not None:
        return option.name
    if _is_osteopetrosis(option.disease_id, option.label, None, kb):
        return "another form of osteopetrosis" if option.modes else None
    return _plain_label(option.label) or ("another condition on the list" if option.modes else None)


def _coded_kind(option: InheritanceOption, kb: KnowledgeBase) -> str | None:
    """ "form" or "condition" when the option's name is a card's short name (OPTB1, LAD3, BOS), which a family
    cannot read unexplained; None for a name in words."""
    entity = _option_entity(option.subtype, option.disease_id, kb)
    if entity is None or option.name not in entity.names.short_names:
        return None
    return "form" if _is_osteopetrosis(option.disease_id, option.label, entity, kb) else "condition"


def _named_options(names: list[tuple[str | None, str]]) -> str:
    """Options named for a family: a short name is said as the name doctors use ("the forms that doctors call
    OPTB2 and OPTB1"), as "What the condition is" says "which doctors call OPTB2"; other names as they are."""
    parts = []
    for kind in ("form", "condition"):
        coded = [name for k, name in names if k == kind]
        if coded:
            parts.append(f"the {kind}{'s' if len(coded) > 1 else ''} that doctors call {_names(coded)}")
    plain = [name for k, name in names if k is None]
    if plain:
        parts.append(_names(plain))
    return ", and in ".join(parts)


def _unconfirmed_section(
    options: list[InheritanceOption],
    pedigree_given: bool,
    kb: KnowledgeBase,
    *,
    stands_out: bool,
    osteopetrosis: bool,
) -> FamilySection:
    """How the leading options run in families, when none is confirmed: their modes, and no chances.

    When no cause stands out (the leading posterior is below the credible level) no mode is named at all: the
    options are too weak to suggest how it runs in this family, so it is left to the genetic counsellor. The
    options are "forms" only when an osteopetrosis form leads (``osteopetrosis``); otherwise "causes".
    """
    if not stands_out:
        text = [
            "The doctors do not know the cause yet. How it runs in families depends on the cause.",
            "So no chances for your family are given yet.",
            "A gene test can help find the cause.",
            "Then a genetic counsellor can tell you how it runs in your family.",
        ]
        if pedigree_given:
            text.append("The family tree you gave will help with that.")
        return FamilySection("How it runs in families", text)
    form = "form" if osteopetrosis else "cause"
    groups: dict[str, list[tuple[str | None, str]]] = {}
    for option in options:
        name = _option_name(option, kb)
        named = (_coded_kind(option, kb), name) if name is not None else None
        if named is not None and named not in groups.get(_clause(option), []):
            groups.setdefault(_clause(option), []).append(named)
    text = [
        f"The doctors do not know the exact {form} yet. How it runs in families depends on the {form}.",
        f"This is how the most likely {form}s on the list are passed on:" if groups else "",
    ]
    text += [f"In {_named_options(names)}, {clause}." for clause, names in groups.items()]
    # The list is not the whole differential: never let one shared mode read as this family's mode.
    text.append(f"Other {form}s may be passed on in other ways. So no chances for your family are given yet.")
    text.append(f"A gene test can show the exact {form}.")
    text.append("Then a genetic counsellor can tell you the chances for your family.")
    if pedigree_given:
        text.append("The family tree you gave will help with that.")
    sources = sorted({s for o in options if _option_name(o, kb) is not None for s in o.sources})
    return FamilySection("How it runs in families", [t for t in text if t], sources=sources)


def _listed(person: Mapping[str, Any]) -> bool:
    """A person the chances section may name: in the file, not known to be affected, not tested."""
    return not (person.get("status") == "affected" or person.get("test") or not person.get("in_file", True))


def _may_have_it(person: Mapping[str, Any]) -> bool:
    """Someone whose status is not known and whose chance of having the condition is worth a word."""
    return (
        person.get("status") == "unknown" and float(person.get("affected_probability") or 0.0) >= _LOW_CHANCE
    )


def _relative_bullets(counselling: Mapping[str, Any]) -> list[str]:
    """Each untested, unaffected or unknown-status person of the pedigree whose chance is worth a word. The
    patient (the counselling's ``proband``) is not one: the summary is about the diagnosis they have."""
    bullets = []
    proband = counselling.get("proband")
    # Under a dominant mode with incomplete penetrance (ADO2) the figure is the chance of signs, as in the first
    # bullet ("The chance that the child has signs"): a carrier without signs also "has" the changed copy.
    having = (
        "having signs of the condition"
        if counselling.get("inheritance") == Inheritance.AUTOSOMAL_DOMINANT.value
        and float(counselling.get("penetrance") or 1.0) < 1.0
        else "having the condition"
    )
    for person in counselling.get("individuals", []):
        if not _listed(person) or (proband is not None and person.get("id") == proband):
            continue
        pid = person["id"]
        affected = float(person.get("affected_probability") or 0.0)
        carrier = float(person.get("carrier_probability") or 0.0)
        parts = []
        if _may_have_it(person):
            # Someone whose status is not known may have the disease itself (a newborn sibling of an infant
            # with ARO): that comes first, because it may need checking now.
            parts.append(
                f"a {_family_chance(affected)} chance of {having}, so ask the team about checking them."
            )
        if carrier >= 0.999:
            parts.append("almost certainly carries a changed copy.")
        elif carrier >= 0.05:
            parts.append(f"a {_family_chance(carrier)} chance of carrying a changed copy.")
        if parts:
            # The pedigree's own ids name the people ("father", "II-3"), so they lead, as labels.
            rest = " ".join(part[0].upper() + part[1:] for part in parts[1:])
            bullets.append(f"{pid}: {parts[0]}" + (f" {rest}" if rest else ""))
    return bullets


def _family_chance(p: float) -> str:
    """A relative's chance for the family, as :func:`format_probability` writes it, with the natural frequency
    when it is a simple fraction (at most twelfths): "66.7% (2 in 3)", as the couple's "25% (1 in 4)". Lay
    readers follow natural frequencies better than percentages (Gigerenzer & Hoffrage 1995,
    DOI:10.1037/0033-295X.102.4.684), and format_probability gives only "1 in N"."""
    percent = format_probability(p, fraction=False)
    simple = simple_fraction(p, 12)
    if simple is not None:
        return f"{percent} ({simple.numerator} in {simple.denominator})"
    return percent


def _two_copies_plain(
    both: float, entity: Entity | None, kb: KnowledgeBase, the_child: str = "the child"
) -> str:
    """A dominant form's chance of a child with two changed copies, and what two copies cause where the
    knowledge base knows it (two CLCN7 variants cause recessive osteopetrosis, OPTB4, not ADO2)."""
    text = f" The chance that {the_child} gets two changed copies, one from each parent, is {format_probability(both)}."
    forms = allelic_forms(kb, entity, Inheritance.AUTOSOMAL_DOMINANT)
    if not forms:
        return text + " Ask your genetic counsellor what two copies would mean."
    genes = " or ".join(dict.fromkeys(form.gene for form in forms))
    names = " or ".join(dict.fromkeys(form.entity.key for form in forms))
    return (
        text + f" Two changed copies of the {genes} gene cause a different form of osteopetrosis ({names}), "
        "which is passed on in a recessive way. Ask your genetic counsellor what it would mean for a child and "
        "about testing in pregnancy."
    )


def _chances_section(
    counselling: Mapping[str, Any], entity: Entity | None = None, kb: KnowledgeBase | None = None
) -> FamilySection:
    """The family's computed chances in plain words (only for a diagnosis the genotype supports).

    ``entity`` and ``kb`` name what two copies of a dominant form's gene cause, when two affected parents make
    that possible. When the patient is one of the couple (an adult asking about their own children), the
    chances are said to them: "for each child you have with …", "your child"."""
    couple = counselling.get("couple") or {}
    who = f"{couple.get('father', 'the father')} and {couple.get('mother', 'the mother')}"
    ours = _proband_of_couple(counselling)
    if ours is not None:
        each = f"For each child you have with {ours[1]},"
        the_child, child_of = "your child", f"a child of yours with {ours[1]}"
    else:
        each = f"For each pregnancy of {who},"
        the_child, child_of = "the child", f"a child of {who}"
    child = counselling["next_child"]
    mode = counselling.get("inheritance")
    by_sex = child.get("by_sex") or {}
    if mode == Inheritance.X_LINKED_RECESSIVE.value and by_sex:
        son = float(by_sex.get("male", {}).get("affected_probability", 0.0))
        daughter = float(by_sex.get("female", {}).get("carrier_probability", 0.0))
        low = max(son, daughter) < _LOW_CHANCE
        first = (
            f"{each} a son has a {format_probability(son)} chance of having the "
            f"condition. A daughter has a {format_probability(daughter)} chance of carrying it."
        )
    elif mode == Inheritance.AUTOSOMAL_DOMINANT.value:
        inherits = float(child["carrier_probability"])
        affected = float(child["affected_probability"])
        low = inherits < _LOW_CHANCE
        genotypes = child.get("genotype_probabilities") or {}
        both = float(genotypes.get("2", 0.0))
        penetrance = float(counselling.get("penetrance") or 1.0)
        two_copies = ""
        if both >= TWO_COPIES_LOW and kb is not None:
            # Two affected parents: one copy and two copies are told apart, as in the counselling advice, and
            # the chance of signs is that of one copy.
            one = float(genotypes.get("1", 0.0))
            none = float(genotypes.get("0", 0.0))
            affected = one * penetrance + none * float(counselling.get("phenocopy_rate") or 0.0)
            first = f"{each} the chance that {the_child} gets one changed copy is {format_probability(one)}."
            with_it, signs = "with one changed copy", "has signs from one copy"
            two_copies = _two_copies_plain(both, entity, kb, the_child)
        else:
            first = (
                f"{each} the chance that {the_child} gets the changed copy is {format_probability(inherits)}."
            )
            with_it, signs = "with it", "has signs"
        if penetrance < 1.0:
            first += (
                f" Not everyone {with_it} has signs. The chance that {the_child} {signs} is "
                f"{format_probability(affected)}."
            )
        first += two_copies
    else:
        affected = float(child["affected_probability"])
        carrier = float(child["carrier_probability"])
        low = affected < _LOW_CHANCE
        if ours is not None:
            first = (
                f"{each} the chance that your child has the condition is {format_probability(affected)}. "
                f"The chance that your child carries one changed copy is {format_probability(carrier)}."
            )
        else:
            first = (
                f"{each} the chance of a child with the condition is {format_probability(affected)}. "
                f"The chance of a child who carries one changed copy is {format_probability(carrier)}."
            )
    sources = [str(s) for s in counselling.get("sources", [])]
    unsettled = _unsettled_parents(counselling)
    if low:
        first = (
            f"The calculation gives a low chance for {child_of}. It cannot rule out every way a gene change "
            "can be passed on, so please ask your genetic counsellor about it."
        )
    elif unsettled:
        # Not "the same in every pregnancy": while a parent may or may not carry it, each child's outcome
        # changes the chance for the next (see SETTLED_GENOTYPE).
        if mode == Inheritance.AUTOSOMAL_DOMINANT.value and _maybe_new(counselling, entity):
            first += " " + _MAYBE_NEW
            sources.extend(_MAYBE_NEW_SOURCES)
        elif ours is not None and unsettled == [ours[0]]:
            first += " This chance can change when more is known, for example from your gene test."
        else:
            tests = "a gene test" if len(unsettled) == 1 else "gene tests"
            named = ["you" if ours is not None and pid == ours[0] else pid for pid in unsettled]
            first += (
                f" This chance can change when more is known, for example from {tests} of {_names(named)}."
            )
    else:
        first += " The chance is the same in every pregnancy."
    bullets = [first, *_relative_bullets(counselling)]
    hsct = entity.hsct if entity is not None else None
    if (
        hsct is not None
        and hsct.urgent
        and not hsct.unverified
        and any(_listed(p) and _may_have_it(p) for p in counselling.get("individuals", []))
    ):
        bullets.append(_CHECK_SOON)
        sources.extend(hsct.sources)
    return FamilySection(
        "The chances for your family",
        [
            "These chances were worked out from the family tree you gave.",
            "A genetic counsellor can go through them with you.",
        ],
        bullets=bullets,
        sources=list(dict.fromkeys(sources)),
    )


def _new_in_child_section(counselling: Mapping[str, Any], voice: _Voice) -> FamilySection:
    """Why no chances are given when neither parent has the child's variant (dominant form): it is probably new
    in the child, and a parent's eggs or sperm may still carry it, for which there is no figure.

    The lowered chance is for another child of the tested parents. An adult patient is told that this is about
    their brothers and sisters, not their own children (who can inherit the variant from them), and to ask the
    counsellor about their own children: the report gives no figure for them here."""
    found = counselling.get("new_in_child") or {}
    parents = f"{found.get('father', 'the father')} and {found.get('mother', 'the mother')}"
    has = "you have" if voice.adult else "your child has"
    another = (
        f"another child of {parents}, a brother or sister of yours,"
        if voice.adult
        else f"another child of {parents}"
    )
    text = [
        f"The gene tests of {parents} did not find the changed copy that {has}.",
        f"So it is probably new in {voice.who}.",
        f"Then the chance for {another} is lower than when a parent has it, but it is not zero.",
        "This is because a blood test cannot check every egg or sperm cell, and some of them may carry it.",
        "There is no exact figure for this, so no chance is given here.",
        "A genetic counsellor can go through it with you.",
    ]
    if voice.adult:
        text.append("Please also ask them about the chances for your own children.")
    # De novo variants occur in ADO (reference §4.1, seed:004), cited for osteopetrosis forms only, as in the
    # clinician report; germline mosaicism: PMID:37798624.
    sources = [str(s) for s in counselling.get("sources", []) if s in (DE_NOVO_SEED, MOSAICISM_2023)]
    return FamilySection("The chances for your family", text, sources=sources)


def _proband_of_couple(counselling: Mapping[str, Any]) -> tuple[str, str] | None:
    """(patient, partner) when the patient (the counselling's ``proband``) is one of the couple whose next
    child the chances are for: an adult asking about their own children."""
    proband = counselling.get("proband")
    couple = counselling.get("couple") or {}
    father, mother = couple.get("father"), couple.get("mother")
    if not proband or proband not in (father, mother):
        return None
    return str(proband), str(mother if proband == father else father)


def _unsettled_parents(counselling: Mapping[str, Any]) -> list[str]:
    """The members of the couple whose genotype is not almost certain (all of them when one is not listed)."""
    couple = counselling.get("couple") or {}
    ids = [str(couple.get("father", "the father")), str(couple.get("mother", "the mother"))]
    people = {str(p.get("id")): p for p in counselling.get("individuals", [])}
    unsettled = []
    for pid in ids:
        probabilities = (people.get(pid) or {}).get("genotype_probabilities") or {}
        if not probabilities or max(float(v) for v in probabilities.values()) < SETTLED_GENOTYPE:
            unsettled.append(pid)
    return unsettled


def _maybe_new(counselling: Mapping[str, Any], entity: Entity | None) -> bool:
    """A dominant osteopetrosis form whose chances assume the variant was inherited though no parent is known
    to carry it (no new variants in the calculation, and neither member of the couple almost surely carries)."""
    if entity is None or entity.group is not EntityGroup.OSTEOPETROSIS or _is_syndrome(entity):
        return False
    if float(counselling.get("mutation_rate") or 0.0) > 0.0:
        return False
    couple = counselling.get("couple") or {}
    ids = {couple.get("father"), couple.get("mother")}
    return not any(
        float(p.get("carrier_probability") or 0.0) >= SETTLED_GENOTYPE
        for p in counselling.get("individuals", [])
        if p.get("id") in ids
    )


def _second_condition(plan: CarePlan, kb: KnowledgeBase) -> tuple[str | None, list[str]]:
    """One plain sentence on the other diagnoses the genotype supports in other genes (the care plan's
    ``other_genotype_supported``), and its sources; (None, []) when there are none.

    No chance and no certainty beyond the clinician report's: the DNA test "points to" it, and the doctors talk
    about it (a second diagnosis needs its own assessment; Posey 2017, DOI:10.1056/NEJMoa1516767). Readings of
    the same gene are one condition said as "A or B".
    """
    others = plan.other_genotype_supported
    if not others:
        return None, []
    by_genes: dict[tuple[str, ...], list[str]] = {}
    for other in others:
        entity = kb.for_disease_id(other.disease_id)
        name = entity.name if entity is not None else _plain_label(other.label)
        names = by_genes.setdefault(tuple(other.genes), [])
        if name is not None and name not in names:
            names.append(name)
    named = [" or ".join(names) for names in by_genes.values() if names]
    # "A second condition" only beside a diagnosis the genotype supports; beside a differential, "another".
    which = "a second" if plan.certainty == "genotype_supported" else "another"
    if len(by_genes) > 1:
        listed = f": {_names(named)}" if len(named) == len(by_genes) else ""
        text = f"The DNA test also points to other conditions{listed}; your doctors will talk with you about them."
    elif named:
        text = f"The DNA test also points to {which} condition, {named[0]}; your doctors will talk with you about it."
    else:
        text = (
            f"The DNA test also points to {which} rare condition; your doctors will talk with you about it."
        )
    return text, sorted({s for o in others for s in o.sources})


def _thing(plan: CarePlan, entity: Entity | None, kb: KnowledgeBase, *, stands_out: bool) -> str:
    """What the tests are to find: "exact form" of a leading osteopetrosis form, else "exact cause", or just
    "cause" when none stands out."""
    if not stands_out:
        return "cause"
    return (
        "exact form"
        if _is_osteopetrosis(plan.diagnosis_id, plan.diagnosis_label, entity, kb)
        else "exact cause"
    )


def _what_section(
    plan: CarePlan, entity: Entity | None, kb: KnowledgeBase, *, stands_out: bool
) -> FamilySection:
    """What the condition is, saying no more about the cause than the evidence does (web review 5).

    Osteopetrosis is explained only when an osteopetrosis form leads and stands out: many sclerosing disorders
    come from increased bone formation, not deficient resorption (reference §7.1 item 5).
    """
    what: list[str] = []
    sources: list[str] = []
    if plan.certainty == "genotype_supported":
        what.append(f"The most likely cause is {_condition_name(plan, entity, kb)}.")
        what.append("The gene test result fits this.")
        checked_osteopetrosis = False
    elif stands_out:
        what.append("The doctors do not know the exact cause yet.")
        what.append(f"The most likely cause on the list is {_condition_name(plan, entity, kb)}.")
        # The leading option of a differential is not a diagnosis (its posterior can be 20%): the family is told
        # that the others on the list are still open, as the clinician report's differential shows them.
        what.append(_STILL_POSSIBLE)
        checked_osteopetrosis = False
    else:
        checked, checked_osteopetrosis = _checked_for(plan, kb)
        what.append("The doctors do not know the cause yet. No one cause on the list stands out.")
        what.append(checked)
        what.append("The tests below can help find it.")
    if stands_out and entity is not None and _is_syndrome(entity):
        # What the syndrome mainly is; its dense bone is one feature, not the osteopetrosis mechanism.
        said, said_sources = _syndrome_words(entity)
        what.extend(said)
        sources.extend(said_sources)
    elif stands_out and entity is not None and entity.group is not EntityGroup.OSTEOPETROSIS:
        what.append(_NOT_OSTEOPETROSIS)
        sources.extend(_NOT_OSTEOPETROSIS_SOURCES)
    if entity is None:
        # An umbrella entry named "a form of osteopetrosis": its link to the forms it covers is the source.
        sources.extend(
            s
            for form in _umbrella_forms(plan.diagnosis_id, kb)
            for i in form.ids
            if i.id == plan.diagnosis_id
            for s in i.sources
        )
    if stands_out and _is_osteopetrosis(plan.diagnosis_id, plan.diagnosis_label, entity, kb):
        what.append(_WHAT_OSTEOPETROSIS[0])
        sources.extend(_OSTEOPETROSIS_SOURCES)
        osteoclasts = entity.osteoclasts if entity is not None else None
        if entity is None:
            # An umbrella entry: the mechanism most forms share (reference §1A), said as such.
            what.extend(
                [
                    "The body keeps building new bone and clearing old bone.",
                    "In most forms, the cells that clear old bone do not work well.",
                    _WHAT_OSTEOPETROSIS[3],
                ]
            )
            how_known = True
        elif (
            osteoclasts is not None
            and not osteoclasts.unverified
            and osteoclasts.status in _HOW_BY_OSTEOCLASTS
        ):
            what.extend(_HOW_BY_OSTEOCLASTS[osteoclasts.status])
            sources.extend(osteoclasts.sources)
            how_known = osteoclasts.status is not OsteoclastStatus.NOT_OSTEOCLAST_DEFECT
        else:
            how_known = False
        if plan.age_band == "infant" and how_known:
            what.extend(_WHAT_OSTEOPETROSIS_INFANT)
        if entity is not None and entity.key in _ALSO:
            also, also_sources = _ALSO[entity.key]
            what.extend(also)
            sources.extend(also_sources)
        neuro = entity.neuronopathic if entity is not None else None
        if neuro is not None and not neuro.unverified and neuro.neuronopathic in _NEURO_PLAIN:
            what.append(_NEURO_PLAIN[neuro.neuronopathic])
            sources.extend(neuro.sources)
    elif checked_osteopetrosis:
        # Forms of osteopetrosis are among those checked, but none stands out: say what the word means, no
        # more (the mechanism is not every sclerosing disorder's, reference §7.1 item 5).
        what.append(_WHAT_OSTEOPETROSIS[0])
        sources.extend(_OSTEOPETROSIS_SOURCES)
    second, second_sources = _second_condition(plan, kb)
    if second is not None:
        what.append(second)
        sources.extend(second_sources)
    return FamilySection("What the condition is", what, sources=list(dict.fromkeys(sources)))


def _neuronopathic(entity: Entity | None) -> bool:
    """The card says the form (or a subset of it) has primary neurodegeneration, and that is verified."""
    neuro = entity.neuronopathic if entity is not None else None
    return (
        neuro is not None
        and not neuro.unverified
        and neuro.neuronopathic in (Neuronopathy.YES, Neuronopathy.SUBSET)
    )


def _with_reason(
    meaning: list[str], plan: CarePlan, entity: Entity | None, voice: _Voice
) -> tuple[list[str], list[str]]:
    """The decision's sentences with why it holds for this form (its card's cited reason), and their sources.

    "Not recommended" is said as the brain and nerve problems a transplant does not help only for a form with
    primary neurodegeneration (OSTM1, neuronopathic CLCN7); transient infantile osteopetrosis is not recommended
    because it gets better by itself. A curative decision that holds for part of the form only says so.
    """
    decision = plan.hsct.decision
    if entity is None or entity.hsct is None or decision == "unknown":
        return meaning, []
    own = not entity.hsct.unverified and entity.hsct.decision.value == decision
    why, sources = _HSCT_WHY.get(entity.key, ((), ())) if own else ((), ())
    out = list(meaning)
    extra: list[str] = []
    if decision == HsctDecision.NOT_RECOMMENDED.value and _neuronopathic(entity):
        out[0] = _HSCT_NOT_FOR_NEURO
        extra = list(entity.neuronopathic.sources) if entity.neuronopathic else []
    if decision == HsctDecision.CURATIVE.value and subtype_summary(entity).hsct_qualifier:
        # After what a transplant does, before its risk: which kind of the form it cures.
        out[2:2] = _HSCT_IF_NOT_NEURO
    # The form's own reason follows the decision's first sentence (for "curative", what a transplant does; for
    # "not standard", the care most people need).
    at = {HsctDecision.CURATIVE.value: 2, HsctDecision.NOT_STANDARD.value: len(out)}.get(decision, 1)
    out[at:at] = list(why)
    return out, [*sources, *extra]


def _sight_lost(plan: CarePlan, kb: KnowledgeBase) -> bool:
    """Whether the plan's urgency rests on a loss that is already complete (blindness): the care plan then gives
    the care guide's ``text_when_lost`` for that sign (its ``lost_ids`` are present), as the clinician report
    shows it."""
    guide = kb.care
    if guide is None:
        return False
    lost = [sign.text_when_lost for sign in guide.hsct_urgency_signs if sign.text_when_lost]
    return any(reason.startswith(text) for text in lost for reason in plan.hsct.urgent_because)


def _sight_gone(plan: CarePlan, kb: KnowledgeBase) -> bool:
    """Whether the patient's sight is already lost: the plan's urgency says so (:func:`_sight_lost`), or a red flag
    shows one of the care guide's ``lost_ids`` (blindness), which the plan marks present whatever its HSCT decision
    (a blind child with RANKL deficiency has no urgency to carry it)."""
    if _sight_lost(plan, kb):
        return True
    guide = kb.care
    lost = {i for sign in guide.hsct_urgency_signs for i in sign.lost_ids} if guide is not None else set()
    # A present finding is written "Label (HP:…)" (the care plan's labels).
    return any(shown.endswith(f"({i})") for flag in plan.red_flags for shown in flag.present for i in lost)


def _meaning_section(
    plan: CarePlan,
    entity: Entity | None,
    kb: KnowledgeBase,
    voice: _Voice,
    age_days: float | None,
    *,
    stands_out: bool,
) -> FamilySection:
    """What the HSCT decision means, and why timing matters when it is urgent (web review 4 and 10)."""
    decision = plan.hsct.decision
    question = (
        decision != "unknown"
        or _has_hsct_question(plan.diagnosis_id, plan.diagnosis_label, entity, kb)
        or any(
            _has_hsct_question(o.disease_id, o.label, _option_entity(o.subtype, o.disease_id, kb), kb)
            for o in plan.hsct.options
        )
    )
    why_sources: list[str] = []
    if not question:
        meaning = (
            # A confirmed diagnosis is not "the exact cause" still to be found.
            [f"{voice.team} can explain what this condition means for {voice.who}."]
            if plan.certainty == "genotype_supported"
            else [s.format(team=voice.team) for s in _NO_HSCT_QUESTION]
        )
    elif decision == "unknown" and plan.certainty == "genotype_supported":
        card = entity.hsct if entity is not None else None
        if card is not None and not card.unverified and card.decision is not HsctDecision.UNKNOWN:
            meaning = list(_HSCT_UNKNOWN_SUPPORTED)
        else:
            # No data on HSCT for this form: no further test will settle it.
            meaning = [s.format(who=voice.who) for s in _HSCT_NO_DATA]
    else:
        meaning = [
            s.format(who=voice.who, thing=_thing(plan, entity, kb, stands_out=stands_out))
            for s in _HSCT_PLAIN.get(decision, _HSCT_PLAIN["unknown"])
        ]
        meaning, why_sources = _with_reason(meaning, plan, entity, voice)
    if _is_syndrome(entity):
        meaning = [m.replace("this form", "this condition") for m in meaning]
    sources = [*plan.hsct.sources, *why_sources]
    if _HSCT_RISK in meaning:
        sources.extend(_HSCT_RISK_SOURCES)
    if plan.hsct.urgency == "urgent":
        # Only a given age puts the child in the window: without one the plan's band is the typical onset of the
        # form, and a family whose child is older would read "the first three months" as a chance already missed.
        window = (
            plan.age_band == "infant"
            and not voice.adult
            and age_days is not None
            and age_days < _INFANT_WINDOW_DAYS
        )
        if _sight_lost(plan, kb):
            meaning.extend(_URGENT_SIGHT_LOST)
            sources.extend(_URGENT_SIGHT_LOST_SOURCES)
        else:
            meaning.extend(_URGENT_INFANT if window else _URGENT_OLDER)
        if decision == "unknown":
            meaning.append(_URGENT_UNDECIDED)
        sources.extend(_URGENT_SOURCES)
    title = "What it means for you" if voice.adult else "What it means for your child"
    return FamilySection(title, meaning, sources=list(dict.fromkeys(sources)))


# The donor search (HLA typing) is planned before the form is known, because the transplant of a curative infantile
# form is urgent (reference §3.2; the care guide's item). Its plain words ("to find a match for a transplant") read
# as a transplant already decided; while the plan's decision is not that a transplant helps, the family is told
# that the test is in case one is needed, as the clinician report's HSCT decision says ("unknown").
_MATCH_FOR = "to find a match for a transplant."
_MATCH_IN_CASE = "to find a match, in case a transplant is needed."
# A curative decision that holds only under a condition (CLCN7 ARO: "if non-neuronopathic", until the ERG and the
# brain MRI decide; reference §1B OPTB4, Blood Adv 2017;1(4):279) is not a transplant decided either: the donor
# search runs while those tests decide, and the family is told so, as the plan says (s40).
_MATCH_IF_TESTS_SHOW = "to find a match, in case the eye and brain tests show that a transplant can help."


def _test_plain(plain: str, plan: CarePlan, kb: KnowledgeBase | None = None) -> str:
    """A test's plain words, with the donor search said as a precaution unless a transplant is the plan's advice
    without a condition still to be met."""
    if not plain.endswith(_MATCH_FOR):
        return plain
    if plan.hsct.decision not in (HsctDecision.CURATIVE.value, HsctDecision.PARTIAL.value):
        return plain.removesuffix(_MATCH_FOR) + _MATCH_IN_CASE
    if plan.hsct.condition is not None:
        workup = kb.care.neuronopathic_workup if kb is not None and kb.care is not None else None
        if workup is not None and plan.hsct.condition == workup.condition:
            return plain.removesuffix(_MATCH_FOR) + _MATCH_IF_TESTS_SHOW
        return plain.removesuffix(_MATCH_FOR) + _MATCH_IN_CASE
    return plain


def family_summary(
    plan: CarePlan,
    kb: KnowledgeBase,
    *,
    options: list[InheritanceOption] | None = None,
    counselling: Mapping[str, Any] | None = None,
    pedigree_given: bool = False,
    age_days: float | None = None,
    parents_tested: bool = False,
) -> FamilySummary:
    """The family summary of a care plan.

    ``options`` are the leading diagnoses with their modes (default: :func:`inheritance_options` from the
    knowledge base alone); ``counselling`` is the report's counselling JSON. The family's chances are shown
    only when the genotype supports the diagnosis and they were computed; otherwise the summary says how the
    leading options are passed on and that the chances wait for the exact form. ``pedigree_given`` says a
    family tree was given, so the summary can say it will be used once the form is known. ``age_days`` is the
    patient's age: an adult (18 or over, or the plan's adult band) is addressed as "you", and the red flags and
    the reason for urgency fit the age. ``parents_tested``: the family tree gives both parents' gene test results,
    so their gene tests are not listed as a step still to come.
    """
    if options is None:
        options = inheritance_options(plan, kb)
    entity = kb.get(plan.subtype) if plan.subtype else None
    # A patient who is one of the couple is a parent asking about their own children: addressed as "you".
    parent = counselling is not None and _proband_of_couple(counselling) is not None
    stands_out = plan.certainty == "genotype_supported" or plan.probability >= _CREDIBLE
    voice = _voice(plan, age_days, parent=parent, stands_out=stands_out)
    sections = [
        _what_section(plan, entity, kb, stands_out=stands_out),
        _meaning_section(plan, entity, kb, voice, age_days, stands_out=stands_out),
    ]

    tests = [_test_plain(t.plain, plan, kb) for t in plan.tests if t.kind == "workup" and t.plain]
    next_steps = []
    confirmed = plan.certainty == "genotype_supported"
    # With a gene result that supports the diagnosis, the gene test is not still "to find" the form: the step
    # is to confirm it (the care plan's confirmation item: a diagnostic laboratory and both parents).
    genetic = [t for t in plan.tests if t.kind == "genetic"]
    if genetic and not confirmed:
        # A gene test item with plain words of its own says them: after a VCF that found no cause, the step is
        # another test for what the first may have missed, not "a gene test to find the form" as if none was done.
        own = next((t.plain for t in genetic if t.plain), None)
        next_steps.append(
            own
            or f"A gene test, from a blood sample, to find the {_thing(plan, entity, kb, stands_out=stands_out)}."
        )
    if any(t.kind == "confirmation" for t in plan.tests):
        if parents_tested:
            # The parents' results are in the family tree: not a test still to come (the clinician report's
            # confirmation item says the same).
            next_steps.append(
                "A second check of the gene result. Both parents have already had gene tests."
                if confirmed
                else "A second check of the gene result, with the gene tests both parents have already had."
            )
        else:
            next_steps.append(
                "A second check of the gene result, and gene tests of both parents."
                if confirmed
                else "Gene tests of both parents, to check the result."
            )
    next_steps.extend(tests)
    sections.append(
        FamilySection(
            "What happens next",
            # The tool suggests; the team decides (no promise of what it will do).
            [f"{voice.team} may plan some of these tests:"],
            bullets=next_steps,
            sources=sorted({s for t in plan.tests for s in t.sources}),
        )
    )
    # The care guide's plain words are an infant's; past infancy the same flags are said as the age shows them.
    by_age = {} if voice.young else _FLAG_PLAIN_ADULT if voice.adult else _FLAG_PLAIN_CHILD
    if _sight_gone(plan, kb):
        by_age = {**by_age, **_FLAG_PLAIN_SIGHT_LOST}
    # A flag of the time after a transplant (the guide's ``after_hsct`` flags: high calcium) is a sign to watch
    # for later, and is left out while no finding shows it; once the plan marks it present (a high calcium,
    # HP:0003072), the family is told its signs like every flag the patient shows (Martinez 2010; the flag's
    # sources).
    after_hsct = {f.key for f in kb.care.red_flags if f.after_hsct} if kb.care is not None else set()
    flags = list(
        dict.fromkeys(
            by_age.get(f.kind, f.plain)
            for f in plan.red_flags
            if f.plain and (f.present or f.kind not in after_hsct)
        )
    )
    if flags:
        sections.append(
            FamilySection(
                "When to get help fast",
                [
                    "Call your care team or go to the emergency department if you have:"
                    if voice.adult
                    else "Call your child's team or go to the emergency department if you see:"
                ],
                bullets=[f for f in flags if f],
                sources=sorted({s for f in plan.red_flags for s in f.sources}),
            )
        )

    if plan.certainty != "genotype_supported":
        osteopetrosis = _is_osteopetrosis(plan.diagnosis_id, plan.diagnosis_label, entity, kb)
        sections.append(
            _unconfirmed_section(
                options, pedigree_given, kb, stands_out=stands_out, osteopetrosis=osteopetrosis
            )
        )
    else:
        sections.append(_inheritance_section(plan, entity, kb, options))
        if counselling is not None and counselling.get("risks_given") and "next_child" in counselling:
            sections.append(_chances_section(counselling, entity, kb))
        elif counselling is not None and counselling.get("new_in_child"):
            sections.append(_new_in_child_section(counselling, voice))
        elif counselling is None and pedigree_given:
            # The family tree was given but no chances could be worked out from it (the clinician report's
            # note says why): the family is told so, not left to wonder where they went.
            sections[-1].paragraphs.append(_NOT_WORKED_OUT)
    return FamilySummary(
        title="A summary for the family",
        sections=sections,
        disclaimer=_DISCLAIMER_PLAIN,
    )
