"""Plain-language genetic counselling advice for a family, with a source on every fact.

Sentences are short and family-readable. Facts come from the reference's counselling section (section 4,
and 1D for ADO2 penetrance and its rise with age) with the citations it gives; facts the reference marks [UNVERIFIED] or
[not sourced] are not stated (the advice only says to ask the genetic counsellor about them). Numbers for
this family come from the pedigree calculation, backed by the sources of the mode of inheritance. An
age-dependent penetrance curve is only ever the one the user entered (the knowledge base has none), and the
advice says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from marbledx.knowledge import EntityGroup, Inheritance

if TYPE_CHECKING:
    from marbledx.advice._risk import DiseaseRisk, PedigreeRisk, PenetranceCurve

__all__ = ["CounsellingPoint", "counselling_advice", "format_probability"]

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
    simple = Fraction(p).limit_denominator(64)
    if fraction and simple.numerator == 1 and abs(float(simple) - p) < 1e-9:
        return f"{percent} (1 in {simple.denominator})"
    return percent


def _unique(sources: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(sources))


def _relatives(risk: PedigreeRisk, *, low: float = 0.05) -> list[str]:
    """Untested people (other than the couple) whose carrier probability is uncertain but not small."""
    model = risk.model
    out = []
    for person in risk.individuals:
        if person.test is not None:
            continue
        if model.x_linked and person.sex == "male":
            continue
        if person.affected and model.inheritance is not Inheritance.AUTOSOMAL_DOMINANT:
            continue
        if low <= person.carrier_probability < 0.999:
            age = f", age {_age_text(person.age)}" if person.age is not None else ""
            out.append(f"{person.id} ({format_probability(person.carrier_probability, fraction=False)}{age})")
    return out


def _age_text(years: float) -> str:
    """An age in years for a sentence: ``34``, ``2.5``, ``0.25``."""
    return f"{years:.2f}".rstrip("0").rstrip(".")


def _curve_sentence(curve: PenetranceCurve) -> str:
    """The entered age curve in words, e.g. ``10% from birth, 40% by age 10 and 66% by age 20``."""
    parts = [
        format_probability(p, fraction=False) + (" from birth" if a == 0 else f" by age {_age_text(a)}")
        for a, p in curve.points
    ]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def counselling_advice(risk: PedigreeRisk, disease: DiseaseRisk) -> list[CounsellingPoint]:
    """Plain-language advice for the family: recurrence risk, carrier testing, prenatal options, caveats."""
    model = risk.model
    mode = model.inheritance
    entity = disease.entity
    key = disease.key
    name = entity.name if entity else f"the disease {disease.disease_id}"
    father, mother = risk.couple
    child = risk.next_child
    mode_sources = list(disease.sources)
    osteopetrosis = entity is not None and entity.group is EntityGroup.OSTEOPETROSIS
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
        text = (
            f"For each pregnancy of {father} and {mother}, the chance that the child inherits the variant is "
            f"{format_probability(child.carrier_probability)}."
        )
        if model.penetrance < 1:
            when = " at some time in life" if model.penetrance_by_age is not None else ""
            text += (
                f" Not everyone with the variant shows the disease, so the chance that the child has signs of "
                f"{name}{when} is {format_probability(child.affected_probability)}."
            )
        sources = [*mode_sources, STARK_2009] if osteopetrosis else list(mode_sources)
        if key == "ADO2":
            sources = [ORPHANET_ADO2, STARK_2009, WAGUESPACK_2003, *mode_sources]
        items.append(CounsellingPoint(text + " The chance is the same in every pregnancy.", _unique(sources)))
    else:
        sources = [*mode_sources, STARK_2009, ORPHANET_ARO_SEED] if osteopetrosis else list(mode_sources)
        healthy = "a healthy carrier" if osteopetrosis and key != "OPTB4" else "a carrier"
        items.append(
            CounsellingPoint(
                f"For each pregnancy of {father} and {mother}, the chance that the child has {name} is "
                f"{format_probability(child.affected_probability)}. The chance that the child is {healthy} "
                f"is {format_probability(child.carrier_probability)}. The chance is the same in every pregnancy.",
                _unique(sources),
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
        elif osteopetrosis:
            items.append(
                CounsellingPoint(
                    "People who carry one variant (carriers) are expected to be healthy.", (STARK_2009,)
                )
            )

    if risk.consanguineous:
        items.append(
            CounsellingPoint(
                f"{father} and {mother} are related. The calculation includes the chance that both carry the "
                "same variant from a shared ancestor.",
            )
        )

    # 2. Relatives who may carry the variant.
    relatives = _relatives(risk)
    if relatives:
        what = "carry the variant" if mode is Inheritance.AUTOSOMAL_DOMINANT else "be carriers"
        items.append(
            CounsellingPoint(
                f"These relatives may {what}: {', '.join(relatives)}. Once the family's variants are known, "
                "a genetic test can show who carries them.",
                _unique(mode_sources),
            )
        )

    # 3. Incomplete penetrance (ADO2 and other dominant forms).
    if mode is Inheritance.AUTOSOMAL_DOMINANT and model.penetrance < 1:
        if key == "ADO2":
            items.append(
                CounsellingPoint(
                    "A parent without any signs can still carry the variant. In a large study, about 2 in 3 "
                    "carriers (62 of 94) had signs of the disease.",
                    (WAGUESPACK_2003, ORPHANET_ADO2),
                )
            )
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
            items.append(
                CounsellingPoint(
                    f"A parent without any signs can still carry the variant: in this calculation "
                    f"{format_probability(model.penetrance)} of carriers show the disease.",
                    _unique(mode_sources),
                )
            )
        curve = model.penetrance_by_age
        if curve is not None and curve.points[0][1] < curve.lifetime:
            items.append(
                CounsellingPoint(
                    "In this calculation the chance that a carrier has signs rises with age: "
                    f"{_curve_sentence(curve)} (the figures entered for this calculation; this tool has no "
                    "sourced age curve). So a younger relative without signs may still develop them.",
                    _unique(mode_sources),
                )
            )
    if mode is Inheritance.AUTOSOMAL_DOMINANT and osteopetrosis:
        text = "The variant can also be new in the child, without coming from either parent."
        if model.mutation_rate == 0:
            text += " The numbers above assume that it was inherited."
        items.append(CounsellingPoint(text, (DE_NOVO_SEED,)))

    # 4. Prenatal and reproductive options.
    if osteopetrosis and mode is Inheritance.AUTOSOMAL_RECESSIVE:
        items.append(
            CounsellingPoint(
                "When both of the family's variants are known, a pregnancy can be tested early, by chorionic "
                "villus sampling at 11 to 13 weeks. An ultrasound scan can show the disease only late in the "
                "second trimester.",
                (ORPHANET_ARO_SEED, ORPHANET_ARO),
            )
        )
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
