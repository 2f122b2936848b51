"""Plain-language genetic counselling advice for a family, with a source on every fact.

Sentences are short and family-readable. Facts come from the reference's counselling section (section 4,
and 1D for ADO2 penetrance and its rise with age) with the citations it gives; facts the reference marks [UNVERIFIED] or
[not sourced] are not stated (the advice only says to ask the genetic counsellor about them). Numbers for
this family come from the pedigree calculation, backed by the sources of the mode of inheritance. An
age-dependent penetrance curve is only ever the one the user entered (the knowledge base has none), and the
advice says so. Where the model leaves something out that can make the real chance higher (germline
mosaicism after a parent's negative test; two copies of a gene that cause another subtype), the advice says
so rather than give a bare number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from marbledx.findings._pedigree import TestResult
from marbledx.knowledge import Entity, EntityGroup, Inheritance, Onset

if TYPE_CHECKING:
    from marbledx.advice._risk import AllelicForm, DiseaseRisk, IndividualRisk, PedigreeRisk, PenetranceCurve

__all__ = [
    "SETTLED_GENOTYPE",
    "CounsellingPoint",
    "counselling_advice",
    "couple_settled",
    "format_age",
    "format_probability",
    "mosaicism_assumption",
    "negative_parents",
    "too_young_to_tell",
]

# Citations, in the knowledge base's forms (see docs/knowledge-base.md).
STARK_2009 = "PMCID:PMC2654865"  # Stark & Savarirayan 2009, Orphanet J Rare Dis 4:5, Table 2
ORPHANET_ARO_SEED = "seed:002_54fb8aa32f4b3b69.txt"  # the Orphanet ORPHA:667 page
ORPHANET_ARO = "ORPHA:667"
ORPHANET_ADO2 = "ORPHA:53"
WAGUESPACK_2003 = "PMID:12929941"  # ADO2 penetrance 66% (62 of 94 carriers)
BENICHOU_2000 = "DOI:10.1016/S8756-3282(99)00244-6"  # ADO2 radiological penetrance 90%, rising after age 20
GENEREVIEWS_CLCN7 = "PMID:20301306"  # intrafamilial variability
CLEIREN_2001 = "PMID:11741829"  # CLCN7: dominant-negative ADO2, silent heterozygous null alleles
DE_NOVO_SEED = "seed:004_6d101a54be3f1e60.txt"  # de novo variants occur in ADO
CA2_PRENATAL = "ref:pediatr-neurol-briefs-ca2"
LAD3_PRENATAL = "ref:orphanet-lad3"
# Parental mosaicism: gonadal (germline) mosaicism in a parent is undetectable or barely detectable by routine
# blood tests and explains recurrences of apparent de novo variants (Hum Genomics 2023;17:91); mosaic parents
# also explain unexpected recurrences of X-linked recessive disease (Campbell et al. 2014, Am J Hum Genet).
# Neither gives a figure that fits every family, so no number is stated.
MOSAICISM_2023 = "PMID:37798624"
CAMPBELL_2014 = "DOI:10.1016/j.ajhg.2014.07.003"

# A relative of unknown status is named as possibly affected from this chance of the disease (lower than the
# 5% carrier threshold: missing an affected baby costs more than an extra examination).
AFFECTED_LOW = 0.01
# A couple member's genotype is settled when one genotype has at least this probability (an obligate carrier, a
# tested parent, an affected parent under a dominant mode). Only then is the next child's chance "the same in
# every pregnancy": while a parent may or may not carry the variant, each child's outcome changes the chance for
# the next (a second affected son makes a mother of uncertain status a carrier), so the chances are not
# independent (Bayesian risk calculation; docs/counselling.md, "The advice text").
SETTLED_GENOTYPE = 0.999
# A next child with two copies at least this likely gets the two-copies advice (dominant modes).
TWO_COPIES_LOW = 0.001
# An untested relative is named as a possible carrier from this carrier probability; a member of the couple
# without signs is a "parent without any signs who can still carry the variant" from the same chance. Below
# it (the unrelated partner of an affected adult, whose chance is the population's) the family's variant is
# not theirs to look for, and the advice does not suggest that it might be.
CARRIER_LOW = 0.05
_INFANT_ONSETS = {Onset.CONGENITAL, Onset.NEONATAL, Onset.INFANTILE}
# Test results that show at least one disease allele in the person tested.
_CARRIES_BY_TEST = {
    TestResult.CARRIER,
    TestResult.BIALLELIC,
    TestResult.HEMIZYGOUS,
    TestResult.AFFECTED_GENOTYPE,
    TestResult.POSITIVE,
}
# An unaffected relative younger than this (in years), in a recessive or X-linked form whose signs usually begin in
# the first year, may not show them yet: HPO's infantile onset runs from 28 days to one year (HP:0003593).
INFANT_YEARS = 1.0

DISCLAIMER = (
    "This calculation supports, and does not replace, a genetic counsellor. "
    "The numbers depend on the family details entered and on the assumptions listed."
)


@dataclass(frozen=True)
class CounsellingPoint:
    """One piece of advice: plain sentences and the sources of the facts they state."""

    text: str
    sources: tuple[str, ...] = ()

    def render(self) -> str:
        """The text followed by its sources, e.g. ``… (sources: ORPHA:53; PMID:12929941)``."""
        if not self.sources:
            return self.text
        return f"{self.text} (sources: {'; '.join(self.sources)})"


def format_probability(p: float, *, fraction: bool = True) -> str:
    """A probability as a family-readable percentage, with '1 in N' where it is a simple fraction."""
    if p <= 0.0:
        return "0%"
    if p >= 1.0:
        return "100%"
    if p < 0.001:
        return "less than 0.1%"
    if p > 0.999:
        return "more than 99.9%"
    percent = f"{100 * p:.1f}".removesuffix(".0") + "%"
    one_in = _one_in(p)
    if fraction and one_in is not None:
        return f"{percent} (1 in {one_in})"
    return percent


def simple_fraction(p: float, max_denominator: int) -> Fraction | None:
    """``p`` as the fraction it exactly is, with a denominator of at most ``max_denominator`` (2/3 for
    0.666…); None when it is no such fraction, or outside 0.001 to 0.999."""
    if not 0.001 <= p <= 0.999:
        return None
    simple = Fraction(p).limit_denominator(max_denominator)
    return simple if abs(float(simple) - p) < 1e-9 else None


def _one_in(p: float) -> int | None:
    """N when ``p`` is exactly 1 in N (N at most 64), for "25% (1 in 4)"; None otherwise."""
    simple = simple_fraction(p, 64)
    return simple.denominator if simple is not None and simple.numerator == 1 else None


def _unique(sources: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(sources))


def _with_age(person: IndividualRisk, probability: float, *, fraction: bool = False) -> str:
    """``KID (47.4%, age 5)``; with ``fraction``, ``BABY (25%, or 1 in 4)``: the fraction of
    :func:`format_probability` is in brackets of its own, which would nest inside these."""
    age = f", age {format_age(person.age)}" if person.age is not None else ""
    chance = format_probability(probability, fraction=False)
    one_in = _one_in(probability) if fraction else None
    if one_in is not None:
        chance += f", or 1 in {one_in}"
    return f"{person.id} ({chance}{age})"


def _may_be_affected(risk: PedigreeRisk, *, low: float = AFFECTED_LOW) -> list[IndividualRisk]:
    """Untested people of unknown status (not yet assessed) whose chance of having the disease is not small."""
    return [
        p for p in risk.individuals if p.affected is None and p.test is None and p.affected_probability >= low
    ]


def too_young_to_tell(risk: PedigreeRisk, disease: DiseaseRisk) -> list[IndividualRisk]:
    """Untested relatives recorded as unaffected who are too young for that to mean much: younger than
    :data:`INFANT_YEARS`, in a recessive or X-linked form whose signs usually begin in infancy (its verified
    typical onset is congenital, neonatal or infantile), with no age curve applied to them.

    Without ``--penetrance-by-age`` an unaffected person counts as past the age when signs appear, so a
    5-day-old sibling of a TCIRG1 child recorded as unaffected came out a 2 in 3 carrier with no chance of the
    disease, while in an ARO series ocular signs began at a median of 2 months and the cumulative risk of visual
    or haematological impairment in the first year was about 75% (reference §2.4).
    """
    model = risk.model
    entity = disease.entity
    if model.inheritance is Inheritance.AUTOSOMAL_DOMINANT or entity is None or entity.onset is None:
        return []
    if entity.onset.unverified or not _INFANT_ONSETS & set(entity.onset.typical):
        return []
    return [
        p
        for p in risk.individuals
        if p.affected is False
        and p.test is None
        and p.age is not None
        and p.age < INFANT_YEARS
        and p.penetrance_basis != "at_age"
        and not (model.x_linked and p.sex == "female")
    ]


def _young_point(
    young: Sequence[IndividualRisk], chances: Mapping[str, float], name: str, sources: Sequence[str]
) -> CounsellingPoint:
    """The advice for :func:`too_young_to_tell`: that no signs yet does not rule the disease out, their chance of
    it without counting the record (``chances``, by id, when known), and that they should be examined and tested
    now."""
    one = len(young) == 1
    baby = "the baby" if one else "them"
    listed = ", ".join(
        _with_age(p, chances[p.id], fraction=True)
        if p.id in chances
        else (f"{p.id} (age {format_age(p.age)})" if p.age is not None else p.id)
        for p in young
    )
    whose = "the baby's" if one else "their"
    chance = (
        f" Not counting that record, {whose} chance of having it is: {listed}."
        if all(p.id in chances for p in young)
        else f" {'The baby is' if one else 'They are'}: {listed}."
    )
    return CounsellingPoint(
        f"{'This baby is' if one else 'These babies are'} recorded as having no signs, but signs of {name} can "
        f"begin in the first months of life and may not have shown yet.{chance} The other figures count {baby} as "
        f"unaffected. {'The baby' if one else 'They'} should be examined by a doctor and offered a test for the "
        "family's variants now, without waiting for signs.",
        _unique(sources),
    )


def _tested_not_assessed(risk: PedigreeRisk) -> list[IndividualRisk]:
    """Tested people of unknown status whose result shows (more likely than not) the disease genotype."""
    return [
        p
        for p in risk.individuals
        if p.affected is None and p.test is not None and p.disease_genotype_probability >= 0.5
    ]


def _almost_certain(risk: PedigreeRisk) -> list[IndividualRisk]:
    """Untested people who almost certainly carry the variant and are not known to be affected."""
    return [
        p
        for p in risk.individuals
        if p.test is None and p.affected is not True and p.carrier_probability >= 0.999
    ]


def _relatives(risk: PedigreeRisk, *, low: float = CARRIER_LOW, skip: Sequence[str] = ()) -> list[str]:
    """Untested people (other than those in ``skip``) whose carrier probability is uncertain but not small."""
    model = risk.model
    out = []
    for person in risk.individuals:
        if person.test is not None or person.id in skip:
            continue
        if model.x_linked and person.sex == "male":
            continue
        if person.affected and model.inheritance is not Inheritance.AUTOSOMAL_DOMINANT:
            continue
        if low <= person.carrier_probability < 0.999:
            out.append(_with_age(person, person.carrier_probability))
    return out


def _carries(person: IndividualRisk | None) -> bool:
    """More likely than not to have at least one disease allele (a parent not in the results: no)."""
    return person is not None and 1.0 - person.genotype_probabilities[0] >= 0.5


def _carrier_status_open(risk: PedigreeRisk) -> list[str]:
    """The untested members of the couple whose carrying a disease allele is neither almost certain nor almost
    excluded (see :data:`SETTLED_GENOTYPE`): a sibling of an affected child, a partner from the population."""
    people = {p.id: p for p in risk.individuals}
    out = []
    for pid in risk.couple:
        person = people.get(pid)
        if person is None or person.test is not None:
            continue
        carries = 1.0 - person.genotype_probabilities[0]
        if 1.0 - SETTLED_GENOTYPE < carries < SETTLED_GENOTYPE:
            out.append(pid)
    return out


def _one_in_n(p: float) -> str:
    """``1 in 2,000`` for 0.000508: N to two significant figures, as the derived figures of the assumptions
    (the allele frequency rests on a round incidence and a share range)."""
    n = 1.0 / p
    return f"1 in {round(float(f'{n:.2g}')):,}"


def _population_carriers(risk: PedigreeRisk) -> list[IndividualRisk]:
    """Members of the couple who married into the family: no parents in the file, untested, not affected, and a
    carrier chance below :data:`CARRIER_LOW`, so that it is the population's (the partner of an affected
    child's sibling), not one the family explains."""
    return [
        p
        for p in risk.individuals
        if p.id in risk.couple
        and p.father is None
        and p.mother is None
        and p.test is None
        and p.affected is not True
        and 0.0 < p.carrier_probability < CARRIER_LOW
    ]


def couple_settled(risk: PedigreeRisk) -> bool:
    """Whether both members of the couple have an almost certain genotype (see :data:`SETTLED_GENOTYPE`)."""
    people = {p.id: p for p in risk.individuals}
    return all(
        pid in people and max(people[pid].genotype_probabilities) >= SETTLED_GENOTYPE for pid in risk.couple
    )


def negative_parents(risk: PedigreeRisk) -> tuple[list[str], bool]:
    """The couple members with a negative test whose child has a variant the other parent does not explain.

    Such a parent may still carry the variant in some eggs or sperm (germline mosaicism), which the model
    leaves out. A child's variant is unexplained by the other parent when the child has two copies (one must
    come from the tested parent's side), or one copy and the other parent more likely than not has none;
    under X-linked inheritance a son's X comes from his mother only, so only a mother counts for sons.
    Returns those parents, and whether the couple's recurrence rests on their negative tests alone: both
    negative (autosomal), or the mother negative (X-linked, for sons); then the chance is not one fixed
    figure per pregnancy and no parent without signs is left to examine.
    """
    model = risk.model
    people = {p.id: p for p in risk.individuals}
    found: list[str] = []
    for parent_id in risk.couple:
        parent = people.get(parent_id)
        if parent is None or parent.test is not TestResult.NONCARRIER:
            continue
        for child in risk.individuals:
            if parent_id not in (child.father, child.mother) or not _carries(child):
                continue
            other_id = child.mother if parent_id == child.father else child.father
            other = people.get(other_id) if other_id is not None else None
            if model.x_linked and child.sex != "female":
                unexplained = parent_id == child.mother
            else:
                two = (
                    child.genotype_probabilities[2] >= 0.5 if len(child.genotype_probabilities) > 2 else False
                )
                unexplained = two or not _carries(other)
            if unexplained:
                found.append(parent_id)
                break
    father, mother = risk.couple
    negative = {p.id for p in risk.individuals if p.id in risk.couple and p.test is TestResult.NONCARRIER}
    rests = (mother in negative) if model.x_linked else (father in negative and mother in negative)
    return found, bool(found) and rests


def mosaicism_assumption(risk: PedigreeRisk) -> list[str]:
    """The assumption that a negative parental test is taken as no variant in any cell (or nothing)."""
    found, _ = negative_parents(risk)
    if not found:
        return []
    out = [
        f"A negative test in {' and '.join(found)} is taken to mean no variant in any cell: germline "
        "mosaicism (the variant in some of a parent's eggs or sperm but not in the blood) is not included, so "
        "the chance for another child may be higher than shown."
    ]
    if risk.model.inheritance is Inheritance.AUTOSOMAL_RECESSIVE:
        # A limit of the model, not a clinical claim: its only route for a copy a parent does not carry is a new
        # mutation (--mutation-rate); a child with both copies from one parent cannot be represented.
        out.append(
            f"The model can explain the copy that the negative test of {' and '.join(found)} leaves unaccounted "
            "for only as a new mutation (--mutation-rate); other explanations, such as both copies coming from "
            "the other parent (uniparental disomy), are not included."
        )
    return out


def _mosaicism_point(found: Sequence[str]) -> CounsellingPoint:
    who = f"{found[0]}'s test" if len(found) == 1 else f"The tests of {' and '.join(found)}"
    return CounsellingPoint(
        f"{who} did not find the variant. A negative blood test does not rule out that some of a parent's "
        "eggs or sperm carry it (germline mosaicism). This calculation does not include that chance, so the "
        "chance for another child may be higher than shown. Ask your genetic counsellor about it.",
        (MOSAICISM_2023, CAMPBELL_2014),
    )


def _infantile_aro(entity: Entity | None) -> bool:
    """Whether the entity is one of the infantile ARO subtypes of Orphanet's ARO entry (ORPHA:667)."""
    if entity is None or ORPHANET_ARO not in entity.disease_ids:
        return False
    onset = entity.onset
    return onset is not None and not onset.unverified and bool(_INFANT_ONSETS & set(onset.typical))


def _age_text(years: float) -> str:
    """An age in years for a sentence: ``34``, ``2.5``, ``0.25``."""
    return f"{years:.2f}".rstrip("0").rstrip(".")


def format_age(years: float) -> str:
    """A person's age for the advice and the ``marbledx risk`` table (one formatter, so that the two agree):
    ``34``, ``2.5`` (years), and under 2 years in months, weeks or days (``2 months``, ``3 weeks``,
    ``5 days``), never a fraction of a year (``0.17``, ``0.01``)."""
    if years >= 2:
        return _age_text(years)
    days = years * 365.25
    if days < 14:
        count, unit = round(days), "day"
    elif days < 45:
        count, unit = round(days / 7), "week"
    else:
        count, unit = round(days / (365.25 / 12)), "month"
    return f"{count} {unit}{'' if count == 1 else 's'}"


def _curve_sentence(curve: PenetranceCurve) -> str:
    """The entered age curve in words, e.g. ``10% from birth, 40% by age 10 and 66% by age 20``."""
    parts = [
        format_probability(p, fraction=False) + (" from birth" if a == 0 else f" by age {_age_text(a)}")
        for a, p in curve.points
    ]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _two_copies_point(
    name: str, key: str | None, forms: Sequence[AllelicForm], both: float
) -> CounsellingPoint:
    """The chance of two copies under a dominant mode, and what two copies mean where the knowledge base
    knows it (two CLCN7 variants cause OPTB4, not ADO2)."""
    text = (
        f"The chance that the child inherits two copies of the variant, one from each parent, is "
        f"{format_probability(both)}."
    )
    if not forms:
        return CounsellingPoint(
            text + " This calculation counts a child with two copies like a child with one. Ask your genetic "
            "counsellor what two copies would mean."
        )
    sources: list[str] = []
    names = []
    for form in forms:
        names.append(f"{form.entity.name} ({form.entity.key})")
        sources.extend(form.sources)
    genes = " or ".join(dict.fromkeys(form.gene for form in forms))
    what = names[0] if len(names) == 1 else " or ".join(names)
    text += (
        f" Two changed copies of {genes} do not cause {key or name}: they cause a different, recessive form, "
        f"{what}."
    )
    infant = [form.entity for form in forms if _infantile_aro(form.entity)]
    if infant:
        text += " It can start in the first months of life and is often severe."
        for entity in infant:
            assert entity.onset is not None  # _infantile_aro checked it
            sources.extend([*entity.onset.sources, ORPHANET_ARO])
    return CounsellingPoint(
        text + " Ask your genetic counsellor about testing in pregnancy.", _unique(sources)
    )


def counselling_advice(
    risk: PedigreeRisk, disease: DiseaseRisk, young_chances: Mapping[str, float] | None = None
) -> list[CounsellingPoint]:
    """Plain-language advice for the family: recurrence risk, who may have the disease or carry it,
    prenatal options, and the caveats of the model.

    ``young_chances``: for the babies of :func:`too_young_to_tell`, by id, their chance of the disease computed
    with their status left unknown (:func:`marbledx.advice.counselling_report` computes it)."""
    model = risk.model
    mode = model.inheritance
    entity = disease.entity
    key = disease.key
    name = entity.name if entity else f"the disease {disease.disease_id}"
    father, mother = risk.couple
    child = risk.next_child
    mode_sources = list(disease.sources)
    osteopetrosis = entity is not None and entity.group is EntityGroup.OSTEOPETROSIS
    negative, all_negative = negative_parents(risk)
    # When the chance rests on the parents' negative tests it is only the new-mutation rate, with germline
    # mosaicism left out, so it is not presented as one fixed chance for every pregnancy; nor is it while a
    # parent's genotype is uncertain (two unaffected, untested parents of an ADO2 child; the mother of an
    # isolated X-linked case), because each child's outcome then changes the chance for the next.
    same = "" if all_negative or not couple_settled(risk) else " The chance is the same in every pregnancy."
    items: list[CounsellingPoint] = []

    # 1. The next child.
    if mode is Inheritance.X_LINKED_RECESSIVE:
        son = (child.by_sex or {}).get("male", {})
        daughter = (child.by_sex or {}).get("female", {})
        items.append(
            CounsellingPoint(
                f"For each pregnancy of {father} and {mother}, a son has a {format_probability(son.get('affected_probability', 0.0))} "
                f"chance of having {name}. A daughter has a {format_probability(daughter.get('carrier_probability', 0.0))} "
                f"chance of being a carrier. Over all pregnancies, {format_probability(child.affected_probability)} of "
                "children are expected to be affected.",
                _unique(mode_sources),
            )
        )
        if osteopetrosis:
            items.append(
                CounsellingPoint(
                    "When a mother carries the variant, each son has a 50% chance of being affected and each "
                    "daughter a 50% chance of being a carrier.",
                    (STARK_2009,),
                )
            )
    elif mode is Inheritance.AUTOSOMAL_DOMINANT:
        genotypes = child.genotype_probabilities or (
            1.0 - child.carrier_probability,
            child.carrier_probability,
            0.0,
        )
        both = genotypes[2]
        forms = disease.allelic_forms
        split = both >= TWO_COPIES_LOW and bool(forms)
        if split:
            # Two copies are another disease (CLCN7: OPTB4), so one copy is given on its own, with the
            # chance of signs of this disease from one copy only.
            one = genotypes[1]
            signs = one * model.penetrance + genotypes[0] * model.phenocopy
            text = (
                f"For each pregnancy of {father} and {mother}, the chance that the child inherits one copy of "
                f"the variant is {format_probability(one)}."
            )
        else:
            signs = child.affected_probability
            text = (
                f"For each pregnancy of {father} and {mother}, the chance that the child inherits the variant "
                f"is {format_probability(child.carrier_probability)}."
            )
        if model.penetrance < 1:
            when = " at some time in life" if model.penetrance_by_age is not None else ""
            copy = " with one copy" if split else " with the variant"
            text += (
                f" Not everyone{copy} shows the disease, so the chance that the child has signs of "
                f"{name}{when} is {format_probability(signs)}."
            )
        sources = [*mode_sources, STARK_2009] if osteopetrosis else list(mode_sources)
        if key == "ADO2":
            sources = [ORPHANET_ADO2, STARK_2009, WAGUESPACK_2003, *mode_sources]
        items.append(CounsellingPoint(text + same, _unique(sources)))
        if both >= TWO_COPIES_LOW:
            items.append(_two_copies_point(name, key, forms, both))
    else:
        dominant_too = entity is not None and Inheritance.AUTOSOMAL_DOMINANT in entity.inheritance.modes
        # Carriers are healthy only where one copy of the gene causes nothing: not for CLCN7 (ADO2),
        # PLEKHM1 (ADO3), or a subtype that is itself dominant in some families (IAO).
        healthy_carriers = osteopetrosis and not disease.allelic_forms and not dominant_too
        sources = [*mode_sources, STARK_2009, ORPHANET_ARO_SEED] if osteopetrosis else list(mode_sources)
        healthy = "a healthy carrier" if healthy_carriers else "a carrier"
        affected = format_probability(child.affected_probability)
        if 0.0 < child.affected_probability < 0.001 and model.mutation_rate == 0 and not negative:
            # "Less than 0.1%" alone hid what a counsellor is asked for here: an affected child's sibling and a
            # partner from the population (about 1 in 2,000 for TCIRG1), or a related couple (1 in 10,000 for
            # first cousins against 1 in 5,200 for an uncle and niece). The figure rests on the population
            # allele frequency (stated below and in the assumptions), not on a new-mutation rate.
            affected += f" (about {_one_in_n(child.affected_probability)})"
        items.append(
            CounsellingPoint(
                f"For each pregnancy of {father} and {mother}, the chance that the child has {name} is "
                f"{affected}. The chance that the child is {healthy} "
                f"is {format_probability(child.carrier_probability)}.{same}",
                _unique(sources),
            )
        )
        population = _population_carriers(risk)
        if population:
            q_sources = (
                tuple(entity.prevalence.sources)
                if disease.allele_frequency_text is not None and entity is not None and entity.prevalence
                else ()
            )
            basis = (
                "how often the disease occurs"
                if q_sources
                else "the disease allele frequency used in this calculation (see the assumptions)"
            )
            who = (
                population[0].id
                if len(population) == 1
                else f"each of {' and '.join(p.id for p in population)}"
            )
            listed = ", ".join(
                f"{p.id} ({format_probability(p.carrier_probability, fraction=False)}, about "
                f"{_one_in_n(p.carrier_probability)})"
                for p in population
            )
            items.append(
                CounsellingPoint(
                    f"Nothing in the family tree changes the chance that {who} carries a variant, so it is "
                    "that of anyone in "
                    f"the population, worked out from {basis}: {listed}. A genetic test can look for a variant.",
                    q_sources,
                )
            )
        if key == "OPTB4":
            items.append(
                CounsellingPoint(
                    "CLCN7 variants act in two ways. Parents who carry one variant that switches the gene off "
                    "are expected to be healthy. A parent with a variant that disturbs the channel "
                    "(dominant-negative) may have the dominant form, ADO2. Ask which kind each parent carries.",
                    (CLEIREN_2001,),
                )
            )
        elif osteopetrosis and (disease.allelic_forms or dominant_too):
            text = ""
            caveat_sources: list[str] = []
            if dominant_too and entity is not None:
                text += (
                    f"{entity.key} is passed on in a dominant way in some families and in a recessive way in "
                    "others; this calculation assumes the recessive way. "
                )
                caveat_sources.extend(entity.inheritance.sources)
            if disease.allelic_forms:
                genes = " or ".join(dict.fromkeys(form.gene for form in disease.allelic_forms))
                keys = " or ".join(dict.fromkeys(form.entity.key for form in disease.allelic_forms))
                text += (
                    f"One changed copy of the {genes} gene can itself cause a dominant form of "
                    f"osteopetrosis ({keys}). "
                )
                for form in disease.allelic_forms:
                    caveat_sources.extend(form.sources)
            text += "So a parent who carries one variant is not always healthy. Ask which kind each parent carries."
            items.append(CounsellingPoint(text, _unique(caveat_sources)))
        elif osteopetrosis:
            items.append(
                CounsellingPoint(
                    "People who carry one variant (carriers) are expected to be healthy.", (STARK_2009,)
                )
            )
    if negative:
        items.append(_mosaicism_point(negative))

    if risk.consanguineous:
        items.append(
            CounsellingPoint(
                f"{father} and {mother} are related. The calculation includes the chance that both carry the "
                "same variant from a shared ancestor.",
            )
        )

    # 2. Relatives who may have the disease, who almost certainly carry it, and who may carry it.
    unassessed = _may_be_affected(risk)
    if unassessed:
        disease_words = f"signs of {name}" if mode is Inheritance.AUTOSOMAL_DOMINANT else name
        who = (
            "This family member has not been assessed yet and may have"
            if len(unassessed) == 1
            else "These family members have not been assessed yet and may have"
        )
        listed = ", ".join(_with_age(p, p.affected_probability, fraction=True) for p in unassessed)
        # Several recessive and X-linked forms start in infancy, where waiting can cost sight; a dominant form
        # (ADO2) may show no signs at all, so an examination and the test are what tell.
        action = (
            "They should be examined by a doctor, and a test for the family's variant can show whether they "
            "carry it."
            if mode is Inheritance.AUTOSOMAL_DOMINANT
            else "They should be examined by a doctor and offered a test for the family's variants now, "
            "without waiting for signs."
        )
        items.append(CounsellingPoint(f"{who} {disease_words}: {listed}. {action}", _unique(mode_sources)))
    tested = _tested_not_assessed(risk)
    if tested:
        items.append(
            CounsellingPoint(
                f"The test results of these family members show the genotype that causes {name}, but they have "
                f"not been assessed yet: {', '.join(p.id for p in tested)}. They should be examined by a doctor "
                "now.",
                _unique(mode_sources),
            )
        )
    young = too_young_to_tell(risk, disease)
    if young:
        onset_sources = list(entity.onset.sources) if entity is not None and entity.onset is not None else []
        items.append(_young_point(young, young_chances or {}, name, [*mode_sources, *onset_sources]))
    hsct = entity.hsct if entity is not None else None
    if (unassessed or tested or young) and hsct is not None and hsct.urgent and not hsct.unverified:
        items.append(
            CounsellingPoint(
                "In this form of osteopetrosis, a stem-cell transplant works best when it is done early, so a "
                "baby who may have it should be checked straight away.",
                _unique(hsct.sources),
            )
        )
    certain = _almost_certain(risk)
    if certain:
        listed = ", ".join(p.id for p in certain)
        if mode is Inheritance.AUTOSOMAL_DOMINANT:
            quiet = all(p.affected is False for p in certain)
            text = (
                f"These relatives almost certainly carry the variant{', although they have no signs' if quiet else ''}: "
                f"{listed}."
            )
            sources = [*mode_sources, STARK_2009] if osteopetrosis else list(mode_sources)
            if key == "ADO2":
                sources = [ORPHANET_ADO2, STARK_2009, *mode_sources]
            if model.mutation_rate == 0:
                # Nobody untested and not affected is "almost certain" by their own signs: only through an
                # affected or tested descendant, with no new variants in the model. A variant new in that
                # descendant would leave them without it, so the certainty is the model's, not the family's.
                text += (
                    " This assumes that the variant of their affected relatives was inherited, not new in them "
                    "(this calculation leaves new variants out); a genetic test can tell."
                )
                if osteopetrosis:
                    sources.append(DE_NOVO_SEED)
                text += " If they carry it, each of their children has a 50% chance of inheriting it."
            else:
                text += " Each of their children has a 50% chance of inheriting it."
        else:
            text = f"These relatives almost certainly carry one variant: {listed}."
            sources = list(mode_sources)
        items.append(CounsellingPoint(text, _unique(sources)))
    # Under a recessive mode, someone who may have the disease is named there, not as a possible carrier.
    skip = [p.id for p in (*unassessed, *young)] if mode is not Inheritance.AUTOSOMAL_DOMINANT else []
    relatives = _relatives(risk, skip=skip)
    if relatives:
        what = "carry the variant" if mode is Inheritance.AUTOSOMAL_DOMINANT else "be carriers"
        items.append(
            CounsellingPoint(
                f"These relatives may {what}: {', '.join(relatives)}. Once the family's variants are known, "
                "a genetic test can show who carries them.",
                _unique(mode_sources),
            )
        )

    # 3. Incomplete penetrance (ADO2 and other dominant forms). "A parent without any signs can still carry
    # the variant" is said only of a member of the couple without signs who may well carry it: not of the
    # unrelated partner of an affected adult (the proband and partner of 'marbledx analyze'), whose chance
    # is the population's, and for whom X-rays would look for nothing the family explains.
    quiet_parent = any(
        p.id in risk.couple and p.affected is not True and p.carrier_probability >= CARRIER_LOW
        for p in risk.individuals
    )
    if mode is Inheritance.AUTOSOMAL_DOMINANT and model.penetrance < 1:
        if key == "ADO2":
            # With both parents tested negative, "a parent without signs can still carry it" is not this
            # family's question; the share of carriers with signs still is (for the child).
            lead = (
                "Not everyone who carries the variant has signs."
                if all_negative or not quiet_parent
                else "A parent without any signs can still carry the variant."
            )
            items.append(
                CounsellingPoint(
                    f"{lead} In a large study, about 2 in 3 carriers (62 of 94) had signs of the disease.",
                    (WAGUESPACK_2003,),  # 62/94 is Waguespack's figure (reference §1D), not Orphanet's
                )
            )
            # Nothing to find out when both parents tested negative, or both are known to be affected, or the
            # only parent without signs is unlikely to carry the variant.
            if not all_negative and quiet_parent:
                items.append(
                    CounsellingPoint(
                        "X-rays of the parents' skeleton help to find out whether a parent is affected.",
                        (ORPHANET_ADO2,),
                    )
                )
            items.append(
                CounsellingPoint(
                    "Signs can differ a lot between members of the same family.", (GENEREVIEWS_CLCN7,)
                )
            )
            items.append(
                CounsellingPoint(
                    "Signs can appear later in life: in one study, the share of people with the variant who "
                    "had bone changes on X-rays rose after age 20. So a younger relative without signs may "
                    "still develop them.",
                    (BENICHOU_2000,),
                )
            )
        else:
            lead = (
                "Not everyone who carries the variant shows the disease"
                if all_negative or not quiet_parent
                else "A parent without any signs can still carry the variant"
            )
            items.append(
                CounsellingPoint(
                    f"{lead}: in this calculation {format_probability(model.penetrance)} of carriers show "
                    "the disease.",
                    _unique(mode_sources),
                )
            )
        curve = model.penetrance_by_age
        if curve is not None and curve.points[0][1] < curve.lifetime:
            # The curve is the user's input, not a published one, so no literature is cited for it.
            items.append(
                CounsellingPoint(
                    "In this calculation the chance that a carrier has signs rises with age: "
                    f"{_curve_sentence(curve)} (the figures entered for this calculation; this tool has no "
                    "sourced age curve). So a younger relative without signs may still develop them."
                )
            )
    if mode is Inheritance.AUTOSOMAL_DOMINANT and osteopetrosis:
        text = "The variant can also be new in the child, without coming from either parent."
        # "Assume that it was inherited" matters while no member of the couple is known to carry it; when one
        # almost surely does by their own signs or test (an affected adult and their partner), the next child's
        # figure does not rest on where the family's variant came from. A parent without signs or a test who
        # "must" carry it only because the other parent tested negative (μ = 0) is no such parent: with new
        # variants allowed, the child's variant may be new and that parent may carry nothing.
        carrier_parent = any(
            p.id in risk.couple
            and p.carrier_probability >= SETTLED_GENOTYPE
            and (p.affected is True or p.test in _CARRIES_BY_TEST)
            for p in risk.individuals
        )
        if model.mutation_rate == 0 and not carrier_parent:
            text += " The numbers above assume that it was inherited."
        items.append(CounsellingPoint(text, (DE_NOVO_SEED,)))

    # 4. Prenatal and reproductive options.
    if osteopetrosis and mode is Inheritance.AUTOSOMAL_RECESSIVE:
        # Prenatal diagnosis needs the familial variants known (reference §4.3, seed:002): it is offered as such
        # only to a couple who both carry one, by test or as parents of an affected child. A member of the couple
        # who may or may not carry a variant (an affected child's sibling, 2 in 3; a partner from the general
        # population) has to be tested first, or the test would look for nothing.
        unknown = _carrier_status_open(risk)
        if unknown:
            text = (
                f"A pregnancy can be tested for the disease only when both parents' variants are known. First, "
                f"a genetic test of {' and '.join(unknown)} can look for a variant. If both parents carry one, "
                "a pregnancy can be tested early, by chorionic villus sampling at 11 to 13 weeks."
            )
        else:
            text = (
                "When both of the family's variants are known, a pregnancy can be tested early, by chorionic "
                "villus sampling at 11 to 13 weeks."
            )
        # The ultrasound sentence comes from Orphanet's page on infantile ARO (ORPHA:667): it is not stated
        # for intermediate or adult-onset forms, where nothing says a scan can show the disease at all.
        if _infantile_aro(entity):
            text += " An ultrasound scan can show the disease only late in the second trimester."
        items.append(CounsellingPoint(text, (ORPHANET_ARO_SEED, ORPHANET_ARO)))
    if key == "OPTB3":
        items.append(
            CounsellingPoint(
                "For CA II deficiency, a pregnancy can be tested by reading the CA2 gene or by testing for the "
                "family's known variant.",
                (CA2_PRENATAL,),
            )
        )
    if key == "LAD3":
        items.append(
            CounsellingPoint(
                "For LAD-III, the diagnosis can be confirmed before birth on chorionic villus cells.",
                (LAD3_PRENATAL,),
            )
        )
    items.append(
        CounsellingPoint(
            "Ask your genetic counsellor about testing in pregnancy and other options, such as amniocentesis "
            "or preimplantation genetic testing (testing embryos during IVF) when the family's variants are "
            "known. This tool has no checked source on these options, so it gives no details."
        )
    )
    items.append(CounsellingPoint(DISCLAIMER))
    return items
