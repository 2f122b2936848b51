"""Exact Bayesian pedigree risk: carrier and affected probabilities for every relative and the next child.

The model (documented with its equations in ``docs/counselling.md``):

- one variable per person, the number of disease alleles (autosomal: 0, 1, 2; X-linked: males 0/1
  hemizygous, females 0/1/2; an X-linked person of unknown sex without children has both sexes' states);
- founders: Hardy-Weinberg with allele frequency q, or (X-linked) Haldane's mutation-selection equilibrium
  with mutation rate μ (female carrier prior 4μ, male 3μ); a related couple whose common ancestors are not
  in the file shares one allele identical by descent at the founder level, the relationship spread over
  the founder ancestors of each spouse (each parent equally likely to be the link) rather than put on one;
- transmission: Mendelian, each normal allele mutating to the disease allele with probability μ;
- phenotype: P(affected | disease genotype) = penetrance, P(affected | other genotype) = phenocopy rate;
  with an age-dependent penetrance curve (a step function of age in years), a person of known age and
  status counts with the cumulative penetrance by their age: affected pen(age), unaffected 1 - pen(age);
  people of unknown age, people of unknown status and the next child use the lifetime penetrance (the
  curve's last value);
- genetic test results: exact (no laboratory error);
- inference: exact variable elimination over numpy factor tables, so loops (consanguineous marriages with
  the common ancestors in the pedigree) are exact. The couple's next child is a virtual child in the model;
- scope: only the couple's family, the people linked to the couple through parents and children, is
  computed; the rest of the file (other families) shares no allele by descent with it, so it cannot change
  the result, and is left out and counted in the assumptions.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from marbledx.advice._counsel_text import (
    CounsellingPoint,
    counselling_advice,
    mosaicism_assumption,
    too_young_to_tell,
)
from marbledx.errors import InputError, UnknownEntityError
from marbledx.findings._pedigree import (
    MAX_AGE_YEARS,
    Pedigree,
    PedIndividual,
    TestResult,
    cycle_text,
    read_test_results,
)
from marbledx.knowledge import Entity, EntityGroup, Inheritance, KnowledgeBase

__all__ = [
    "MAX_ELIMINATION_WORK",
    "MAX_PEDIGREE_PEOPLE",
    "PARAMETER_RANGES",
    "SUPPORTED_INHERITANCE",
    "AllelicForm",
    "ChildRisk",
    "DiseaseRisk",
    "FounderPrior",
    "IndividualRisk",
    "ParameterRange",
    "PedigreeRisk",
    "PenetranceBasis",
    "PenetranceCurve",
    "RiskModel",
    "RiskReport",
    "allelic_forms",
    "counselling_report",
    "couple_in_file",
    "first_affected_parents",
    "parse_inheritance",
    "pedigree_risk",
    "resolve_disease",
]

FounderPrior = Literal["hardy_weinberg", "mutation_selection"]
PenetranceBasis = Literal["at_age", "lifetime_no_curve", "lifetime_age_unknown", "lifetime_status_unknown"]
Sex = Literal["female", "male"]
_Table = npt.NDArray[np.float64]

SUPPORTED_INHERITANCE: tuple[Inheritance, ...] = (
    Inheritance.AUTOSOMAL_RECESSIVE,
    Inheritance.AUTOSOMAL_DOMINANT,
    Inheritance.X_LINKED_RECESSIVE,
)
_MODE_WORDS: dict[str, Inheritance] = {
    "ar": Inheritance.AUTOSOMAL_RECESSIVE,
    "autosomal_recessive": Inheritance.AUTOSOMAL_RECESSIVE,
    "ad": Inheritance.AUTOSOMAL_DOMINANT,
    "autosomal_dominant": Inheritance.AUTOSOMAL_DOMINANT,
    "xlr": Inheritance.X_LINKED_RECESSIVE,
    "xl": Inheritance.X_LINKED_RECESSIVE,
    "x_linked_recessive": Inheritance.X_LINKED_RECESSIVE,
}
_MODE_TEXT = {
    Inheritance.AUTOSOMAL_RECESSIVE: "autosomal recessive",
    Inheritance.AUTOSOMAL_DOMINANT: "autosomal dominant",
    Inheritance.X_LINKED_RECESSIVE: "X-linked recessive",
}
DEFAULT_ALLELE_FREQUENCY = 1e-3
DEFAULT_X_MUTATION_RATE = 1e-6
DEFAULT_INBREEDING = 1 / 16

# The size of pedigree the exact calculation takes. Each person's marginal finishes the elimination from that
# person's place in the order (see _all_marginals), so the time grows with the square of the number of people,
# and a pedigree with many loops (marriages between relatives) needs tables of 3^width genotype combinations.
# Unbounded, a cohort PED file of 9,000 people ran for hours and a 96-person pedigree of random matings in a
# closed population took 19 GB of memory; these limits refuse such input in one line instead (a few seconds
# at most on a laptop). A family pedigree for counselling is far smaller.
MAX_PEDIGREE_PEOPLE = 500
MAX_ELIMINATION_WORK = 4e8  # estimated table entries over all the eliminations (about 10 s)
# The largest single table (115 MB): a stated relationship spread over the 14 founders _placements allows
# needs 3^15.
MAX_ELIMINATION_TABLE = 3**15
_STEP_WORK = 2000.0  # the fixed cost of one elimination step, in table entries' worth of time


@dataclass(frozen=True)
class ParameterRange:
    """The allowed values of one model parameter, so that the model and the ``marbledx risk`` flags check the
    same bounds and say them the same way."""

    low: float
    low_inclusive: bool
    high: float
    high_inclusive: bool

    def contains(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        above = value >= self.low if self.low_inclusive else value > self.low
        below = value <= self.high if self.high_inclusive else value < self.high
        return above and below

    def describe(self) -> str:
        """``at least 0 and below 0.5``."""
        low = "at least" if self.low_inclusive else "above"
        high = "at most" if self.high_inclusive else "below"
        return f"{low} {self.low:g} and {high} {self.high:g}"


# The model's parameters. A phenocopy rate of 0.5 or more would make the disease genotype no more likely in an
# affected person than chance; an allele frequency above 0.5 is no longer the minor allele; an inbreeding
# coefficient above 1/4 is closer than the child of first-degree relatives.
PARAMETER_RANGES: dict[str, ParameterRange] = {
    "penetrance": ParameterRange(0.0, False, 1.0, True),
    "allele_frequency": ParameterRange(0.0, False, 0.5, True),
    "mutation_rate": ParameterRange(0.0, True, 0.01, True),
    "phenocopy": ParameterRange(0.0, True, 0.5, False),
    "inbreeding": ParameterRange(0.0, False, 0.25, True),
}


def parse_inheritance(value: str | Inheritance) -> Inheritance:
    """``AR``, ``AD`` or ``XLR`` (or the knowledge-base names such as ``autosomal_recessive``)."""
    if isinstance(value, Inheritance) and value in SUPPORTED_INHERITANCE:
        return value
    found = _MODE_WORDS.get(str(value).strip().lower().replace("-", "_").replace(" ", "_"))
    if found is None:
        msg = f"--inheritance {str(value)!r} is not supported; expected AR (autosomal recessive), AD (autosomal dominant) or XLR (X-linked recessive)"
        raise InputError(msg)
    return found


_CURVE_HELP = "expected AGE:P pairs separated by commas, ages in years from 0, e.g. 0:0.1,10:0.4,20:0.66"


def _years(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class PenetranceCurve:
    """Age-dependent penetrance: the cumulative P(affected by age a | disease genotype), a step function.

    ``points`` are (age in years, penetrance) breakpoints: the first age is 0, ages strictly increase,
    penetrances are in [0, 1] and never decrease (a cumulative probability), and the last one is above 0.
    ``pen(a)`` is the penetrance of the last breakpoint at or below ``a``; it stays at the last value for
    every later age, which is therefore the lifetime penetrance. A step (rather than a line between
    breakpoints) reads a table of "penetrance by age X" literally and never credits a person with a
    penetrance reached only at a later age.
    """

    points: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        _check_curve(self.points, "penetrance curve")

    @classmethod
    def parse(cls, text: str, *, option: str = "--penetrance-by-age") -> PenetranceCurve:
        """Read ``AGE:P,AGE:P,…`` (ages in years), e.g. ``0:0.1,10:0.4,20:0.66``.

        Every problem (syntax, ages not increasing, a penetrance outside [0, 1] or decreasing) is a one-line
        :class:`InputError` naming ``option``.
        """
        label = f"{option} {text!r}"
        items = [item.strip() for item in text.split(",")]
        if not text.strip() or not all(items):
            msg = f"{label}: an empty breakpoint; {_CURVE_HELP}"
            raise InputError(msg)
        points: list[tuple[float, float]] = []
        for item in items:
            parts = [part.strip() for part in item.split(":")]
            if len(parts) != 2:
                msg = f"{label}: {item!r} is not AGE:P; {_CURVE_HELP}"
                raise InputError(msg)
            try:
                age, penetrance = float(parts[0]), float(parts[1])
            except ValueError:
                msg = f"{label}: {item!r} is not two numbers AGE:P; {_CURVE_HELP}"
                raise InputError(msg) from None
            points.append((age, penetrance))
        _check_curve(points, label)
        return cls(tuple(points))

    @property
    def lifetime(self) -> float:
        """The lifetime penetrance: the curve's last value."""
        return self.points[-1][1]

    def at(self, age: float) -> float:
        """The cumulative penetrance by ``age`` years (the last breakpoint at or below it)."""
        value = self.points[0][1]
        for start, penetrance in self.points:
            if start > age:
                break
            value = penetrance
        return value

    @property
    def text(self) -> str:
        """The curve as ``AGE:P`` pairs, e.g. ``0:0.1,10:0.4,20:0.66``."""
        return ",".join(f"{_years(a)}:{p:g}" for a, p in self.points)

    def describe(self) -> str:
        """Readable breakpoints, e.g. ``0.1 from birth, 0.4 from age 10, 0.66 from age 20``."""
        return ", ".join(
            f"{p:g} from birth" if a == 0 else f"{p:g} from age {_years(a)}" for a, p in self.points
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "interpolation": "step",
            "points": [{"age": age, "penetrance": penetrance} for age, penetrance in self.points],
        }


def _check_curve(points: Sequence[tuple[float, float]], label: str) -> None:
    if not points:
        msg = f"{label}: no breakpoints; {_CURVE_HELP}"
        raise InputError(msg)
    for age, penetrance in points:
        if not (math.isfinite(age) and 0.0 <= age <= MAX_AGE_YEARS):
            msg = f"{label}: age {age!r} is out of range; expected years from 0 to {MAX_AGE_YEARS:g}"
            raise InputError(msg)
        if not (math.isfinite(penetrance) and 0.0 <= penetrance <= 1.0):
            msg = f"{label}: penetrance {penetrance!r} at age {_years(age)} is out of range; expected a probability from 0 to 1"
            raise InputError(msg)
    if points[0][0] != 0.0:
        msg = f"{label}: the first age is {_years(points[0][0])}; expected the curve to start at age 0 (the penetrance from birth), e.g. 0:0,20:0.66"
        raise InputError(msg)
    for (age_a, pen_a), (age_b, pen_b) in itertools.pairwise(points):
        if age_b <= age_a:
            msg = (
                f"{label}: age {_years(age_b)} follows age {_years(age_a)}; expected strictly increasing ages"
            )
            raise InputError(msg)
        if pen_b < pen_a:
            msg = f"{label}: penetrance {pen_b:g} at age {_years(age_b)} is below {pen_a:g} at age {_years(age_a)}; expected a cumulative penetrance that never decreases with age"
            raise InputError(msg)
    if points[-1][1] <= 0.0:
        msg = f"{label}: the last (lifetime) penetrance is 0; expected it above 0"
        raise InputError(msg)


def _phenocopy_too_high(phenocopy: float, penetrance: float) -> bool:
    """Whether a phenocopy rate is at or above the (lifetime) penetrance.

    Status is evidence about the genotype only through the ratio P(affected | disease genotype) /
    P(affected | other genotype). With a phenocopy rate at or above the penetrance, being affected would be no
    evidence for the disease genotype, or evidence against it, and being unaffected evidence for it: every
    update on status would silently run backwards. Below an age curve's early values the same rate is allowed
    on purpose: an affected newborn, for a disease that does not show at birth, is then rightly more likely a
    phenocopy.
    """
    return phenocopy >= penetrance


@dataclass(frozen=True)
class RiskModel:
    """The genetic model of one disease: mode of inheritance and its parameters.

    ``penetrance`` is P(affected | disease genotype), in (0, 1]; ``phenocopy`` is P(affected | any other
    genotype), in [0, 0.5) and below the (lifetime) penetrance, so that being affected is evidence for the
    disease genotype. ``allele_frequency`` (q, in (0, 0.5]) sets
    Hardy-Weinberg founder priors; ``founder_prior="mutation_selection"`` (X-linked only, needs
    ``mutation_rate`` > 0) instead uses Haldane's equilibrium for a disease whose affected males do not
    reproduce. ``mutation_rate`` (μ, in [0, 0.01]) is the probability that a transmitted normal allele becomes
    a disease allele.

    ``penetrance_by_age`` (optional) makes the penetrance depend on age: a person of known age and status
    counts with the curve's value at their age; ``penetrance`` is then the lifetime penetrance and must equal
    the curve's last value.
    """

    inheritance: Inheritance
    penetrance: float = 1.0
    allele_frequency: float = DEFAULT_ALLELE_FREQUENCY
    mutation_rate: float = 0.0
    phenocopy: float = 0.0
    founder_prior: FounderPrior = "hardy_weinberg"
    penetrance_by_age: PenetranceCurve | None = None

    def __post_init__(self) -> None:
        if self.inheritance not in SUPPORTED_INHERITANCE:
            msg = f"inheritance {self.inheritance.value!r} is not supported; expected autosomal_recessive, autosomal_dominant or x_linked_recessive"
            raise InputError(msg)
        checks = (
            ("penetrance", "penetrance", self.penetrance),
            ("allele frequency", "allele_frequency", self.allele_frequency),
            ("mutation rate", "mutation_rate", self.mutation_rate),
            ("phenocopy rate", "phenocopy", self.phenocopy),
        )
        for name, key, value in checks:
            allowed = PARAMETER_RANGES[key]
            if not allowed.contains(value):
                msg = f"{name} {value!r} is out of range; expected a probability {allowed.describe()}"
                raise InputError(msg)
        if self.founder_prior == "mutation_selection":
            if self.inheritance is not Inheritance.X_LINKED_RECESSIVE:
                msg = "founder prior 'mutation_selection' is for X-linked recessive inheritance; expected 'hardy_weinberg'"
                raise InputError(msg)
            if self.mutation_rate <= 0.0:
                msg = "founder prior 'mutation_selection' needs a mutation rate above 0"
                raise InputError(msg)
        curve = self.penetrance_by_age
        if curve is not None and abs(curve.lifetime - self.penetrance) > 1e-12:
            msg = f"penetrance {self.penetrance:g} differs from the lifetime penetrance {curve.lifetime:g} of the age curve (its last value); expected them to agree"
            raise InputError(msg)
        if _phenocopy_too_high(self.phenocopy, self.penetrance):
            msg = f"phenocopy rate {self.phenocopy:g} is not below the penetrance {self.penetrance:g}; expected P(affected | no disease genotype) below P(affected | disease genotype), so that being affected is evidence for the disease genotype"
            raise InputError(msg)

    @property
    def x_linked(self) -> bool:
        return self.inheritance is Inheritance.X_LINKED_RECESSIVE

    @property
    def mode_text(self) -> str:
        return _MODE_TEXT[self.inheritance]

    def is_disease_genotype(self, sex: Sex | None, alleles: int) -> bool:
        """Whether a genotype causes the disease: AR two alleles, AD at least one, XLR hemizygous male or
        homozygous female."""
        if self.inheritance is Inheritance.AUTOSOMAL_DOMINANT:
            return alleles >= 1
        if self.inheritance is Inheritance.AUTOSOMAL_RECESSIVE:
            return alleles == 2
        return alleles == (1 if sex == "male" else 2)

    def is_carrier(self, sex: Sex | None, alleles: int) -> bool:
        """The reported carrier state: AD at least one allele; AR heterozygous; XLR heterozygous female."""
        if self.inheritance is Inheritance.AUTOSOMAL_DOMINANT:
            return alleles >= 1
        if self.inheritance is Inheritance.AUTOSOMAL_RECESSIVE:
            return alleles == 1
        return sex == "female" and alleles == 1

    def p_affected(self, sex: Sex | None, alleles: int) -> float:
        """P(clinically affected | genotype), with the lifetime penetrance."""
        return self.penetrance if self.is_disease_genotype(sex, alleles) else self.phenocopy

    def penetrance_at(self, age: float | None) -> float:
        """P(affected by ``age`` years | disease genotype): the curve at that age, or the lifetime penetrance
        without a curve or when the age is unknown."""
        if self.penetrance_by_age is None or age is None:
            return self.penetrance
        return self.penetrance_by_age.at(age)

    def p_affected_at(self, sex: Sex | None, alleles: int, age: float | None) -> float:
        """P(clinically affected by ``age`` | genotype); the phenocopy rate does not depend on age."""
        return self.penetrance_at(age) if self.is_disease_genotype(sex, alleles) else self.phenocopy


# --------------------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class IndividualRisk:
    """Posterior risk of one person of the pedigree.

    ``genotype_probabilities[k]`` is P(k disease alleles | pedigree); ``affected_probability`` is 1 or 0 for
    a person whose status is given and P(clinically affected | pedigree) otherwise (with the lifetime
    penetrance: whether they are or will be affected). ``age`` is in years; ``penetrance`` is the
    P(affected | disease genotype) used for this person (at their age, or the lifetime value) and
    ``penetrance_basis`` says which. ``father`` and ``mother`` are the parents' ids (``None`` for a founder;
    a parent missing from the file is named ``(father of X)``); they are not part of the JSON output.
    """

    id: str
    sex: Sex | None
    affected: bool | None
    test: TestResult | None
    in_file: bool
    genotype_probabilities: tuple[float, ...]
    carrier_probability: float
    disease_genotype_probability: float
    affected_probability: float
    age: float | None = None
    penetrance: float | None = None
    penetrance_basis: PenetranceBasis | None = None
    father: str | None = None
    mother: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "carrier_probability": self.carrier_probability,
            "affected_probability": self.affected_probability,
            "disease_genotype_probability": self.disease_genotype_probability,
            "genotype_probabilities": {str(k): p for k, p in enumerate(self.genotype_probabilities)},
            "sex": self.sex,
            "status": _status_word(self.affected),
            "test": self.test.value if self.test else None,
            "in_file": self.in_file,
            "age": self.age,
            "penetrance": self.penetrance,
            "penetrance_basis": self.penetrance_basis,
        }


@dataclass(frozen=True)
class ChildRisk:
    """Risk for the couple's next child (of unknown sex: the mean of a son and a daughter where it matters).

    ``genotype_probabilities[k]`` is P(k disease alleles) for autosomal modes (``None`` for X-linked, where
    ``by_sex`` gives the figures): under a dominant mode it separates one copy from two (for CLCN7, two
    copies cause the recessive OPTB4, not ADO2).
    """

    affected_probability: float
    carrier_probability: float
    disease_genotype_probability: float
    by_sex: Mapping[str, Mapping[str, float]] | None = None
    genotype_probabilities: tuple[float, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "affected_probability": self.affected_probability,
            "carrier_probability": self.carrier_probability,
            "disease_genotype_probability": self.disease_genotype_probability,
        }
        if self.genotype_probabilities is not None:
            out["genotype_probabilities"] = {str(k): p for k, p in enumerate(self.genotype_probabilities)}
        if self.by_sex is not None:
            out["by_sex"] = {sex: dict(values) for sex, values in self.by_sex.items()}
        return out


@dataclass(frozen=True)
class PedigreeRisk:
    """Posterior risks for a pedigree under one :class:`RiskModel`.

    ``individuals`` are the couple's family: the people linked to the couple through parents and children.
    ``left_out`` counts the other people of the file, which were not computed (they cannot change these
    risks); ``log_likelihood`` is that of the family's data.
    """

    model: RiskModel
    pedigree: str
    couple: tuple[str, str]
    consanguineous: bool
    consanguinity: Literal["pedigree", "stated", "phenopacket", "none"]
    inbreeding: float | None
    individuals: tuple[IndividualRisk, ...]
    next_child: ChildRisk
    assumptions: tuple[str, ...]
    log_likelihood: float
    left_out: int = 0

    def individual(self, individual_id: str) -> IndividualRisk:
        """The result of one person by id (``KeyError`` if absent)."""
        for person in self.individuals:
            if person.id == individual_id:
                return person
        raise KeyError(individual_id)


# --------------------------------------------------------------------------------------------------------
# The graph of people


@dataclass
class _Node:
    id: str
    sex: Sex | None
    father: int | None = None
    mother: int | None = None
    person: PedIndividual | None = None
    visible: bool = True
    in_file: bool = True
    affected: bool | None = None
    test: TestResult | None = None
    age: float | None = None
    states: tuple[tuple[Sex | None, int], ...] = ()
    children: list[int] = field(default_factory=list)


def _status_word(affected: bool | None) -> str:
    return "unknown" if affected is None else ("affected" if affected else "unaffected")


def _check_given(pedigree: Pedigree, tests: Mapping[str, TestResult], ages: Mapping[str, float]) -> None:
    """Test results and ages given for people not in the pedigree, and ages out of range, are errors."""
    ids = set(pedigree.ids)
    unknown_tests = sorted(set(tests) - ids)
    if unknown_tests:
        msg = f"{pedigree.path}: test result given for {unknown_tests[0]!r}, who is not in the pedigree"
        raise InputError(msg)
    unknown_ages = sorted(set(ages) - ids)
    if unknown_ages:
        msg = f"{pedigree.path}: age given for {unknown_ages[0]!r}, who is not in the pedigree"
        raise InputError(msg)
    for person_id, age in ages.items():
        if not (math.isfinite(age) and 0.0 <= age <= MAX_AGE_YEARS):
            msg = f"{pedigree.path}: age {age!r} of {person_id!r} is out of range; expected years from 0 to {MAX_AGE_YEARS:g}"
            raise InputError(msg)


def _not_in_file(name: str, path: str) -> str:
    return f"--couple: {name!r} is not in {path}; expected two individual ids from the file, FATHER,MOTHER"


def couple_in_file(pedigree: Pedigree, couple: tuple[str, str]) -> tuple[str, str]:
    """``couple`` with its ids stripped, each checked to be in the pedigree (listed, or named as a parent);
    otherwise a one-line :class:`InputError` naming the file and the id (``--couple: 'X' is not in FILE``).
    ``marbledx analyze`` checks a stated couple with it before it knows whether risks are computed."""
    first, second = (name.strip() for name in couple)
    named = set(pedigree.ids)
    named.update(p for person in pedigree.individuals for p in (person.father, person.mother) if p)
    for name in (first, second):
        if name not in named:
            raise InputError(_not_in_file(name, pedigree.path))
    return first, second


def first_affected_parents(pedigree: Pedigree) -> tuple[str, str] | None:
    """The parents of the first affected person (file order) with both parents given, if any: the default
    couple of :func:`counselling_report` (``marbledx analyze`` asks it before choosing a couple of its own)."""
    for person in pedigree.individuals:
        if person.affected and person.father is not None and person.mother is not None:
            return person.father, person.mother
    return None


def _default_couple(pedigree: Pedigree) -> tuple[str, str]:
    """The default couple (:func:`first_affected_parents`); an error asking for ``--couple`` if none."""
    found = first_affected_parents(pedigree)
    if found is not None:
        return found
    msg = (
        f"{pedigree.path}: no affected individual has both parents in the file; "
        "choose whose next child to compute with --couple FATHER,MOTHER"
    )
    raise InputError(msg)


@dataclass(frozen=True)
class _LeftOut:
    """The people of the file outside the couple's family: how many, and how many of them carry one of the
    family's family ids (relatives listed without a parent-child link, perhaps by mistake)."""

    people: int = 0
    same_family_id: int = 0


def _family_of_question(
    pedigree: Pedigree, couple: tuple[str, str] | None
) -> tuple[Pedigree, _LeftOut] | None:
    """The part of the pedigree the question is about: everyone linked to the couple (``couple``, or the
    default couple) through parents and children, in file order, and a count of the people left out;
    ``None`` when there is no couple (no ``couple`` and no default one: :func:`_choose_couple` says so).

    Under the model, people with no chain of parent-child links between them share no allele identical by
    descent: founders get independent priors from fixed parameters (q, μ), transmission and evidence are
    per family, and a stated relationship of the couple (the spread kinship factor) only involves the
    couple's own founder ancestors. The joint probability is therefore a product over the connected parts,
    and the other parts cancel from every posterior of the couple's part and of their next child. The two
    spouses may be in two parts (a couple with no child in the file yet): the next child links them, so both
    parts are kept. Parents named but not listed link their children like listed ones.
    """
    if couple is None:
        default = first_affected_parents(pedigree)
        if default is None:
            return None
        question: tuple[str, ...] = default
    else:
        question = couple_in_file(pedigree, couple)
    parent_of: dict[str, str] = {}  # union-find over ids, iterative (a long line of descent is no recursion)

    def root(name: str) -> str:
        top = name
        while parent_of.get(top, top) != top:
            top = parent_of[top]
        while name != top:  # path compression
            parent_of[name], name = top, parent_of[name]
        return top

    for person in pedigree.individuals:
        for parent in (person.father, person.mother):
            if parent is not None:
                a, b = root(person.id), root(parent)
                if a != b:
                    parent_of[a] = b
    roots = {root(name) for name in question}
    kept = tuple(person for person in pedigree.individuals if root(person.id) in roots)
    if len(kept) == len(pedigree.individuals):
        return pedigree, _LeftOut()
    families = {person.family for person in kept if person.family}  # a Family file may leave it empty
    kept_ids = {person.id for person in kept}
    same = sum(1 for p in pedigree.individuals if p.id not in kept_ids and p.family in families)
    left = _LeftOut(len(pedigree.individuals) - len(kept), same)
    return replace(pedigree, individuals=kept), left


def _left_out_text(left: _LeftOut, father: str, mother: str) -> str:
    """The assumption that says how many people of the file were left out (a count: no ids of other
    families)."""
    people = "person" if left.people == 1 else "people"
    out = (
        f"Only the family of {father} and {mother} is computed: {left.people:,} other {people} in the file "
        f"{'is' if left.people == 1 else 'are'} not linked to them through parents and children, so under the "
        "model they share no genes by descent with this family and cannot change these risks; they are left "
        "out and not reported."
    )
    if left.same_family_id:
        out += (
            f" {left.same_family_id:,} of them {'has' if left.same_family_id == 1 else 'have'} this family's "
            "family id but no parent-child link to it, so the model treats them as unrelated; give their "
            "parents in the file if they are relatives."
        )
    return out


class _Graph:
    """People as nodes (file order, then parents named but not listed, then placeholders and virtual children)."""

    def __init__(
        self,
        pedigree: Pedigree,
        tests: Mapping[str, TestResult],
        ages: Mapping[str, float] | None = None,
        *,
        left_out: int = 0,
        couple_known: bool = True,
    ) -> None:
        ages = {} if ages is None else ages
        self.pedigree = pedigree
        self.left_out = left_out  # people of the file outside ``pedigree`` (see _family_of_question)
        self.couple_known = couple_known  # False: no couple, so the whole file is checked
        self.nodes: list[_Node] = []
        self.index: dict[str, int] = {}
        self.assumptions: list[str] = []
        for person in pedigree.individuals:
            self._add(
                _Node(
                    person.id,
                    person.sex,
                    person=person,
                    affected=person.affected,
                    test=tests.get(person.id),
                    age=ages.get(person.id),
                )
            )
        _check_given(pedigree, tests, ages)
        absent: list[str] = []
        for person in pedigree.individuals:
            child = self.index[person.id]
            for role, parent_id in (("father", person.father), ("mother", person.mother)):
                sex: Sex = "male" if role == "father" else "female"
                if parent_id is None:
                    continue
                if parent_id not in self.index:
                    self._add(_Node(parent_id, sex, in_file=False))
                    absent.append(parent_id)
                parent = self.index[parent_id]
                self._link(child, parent, role)
        if absent:
            self.assumptions.append(
                f"Parents named but not listed in the file ({', '.join(absent)}) are treated as people of "
                "unknown status and untested, with the sex their role implies."
            )
        placeholders = 0
        for person in pedigree.individuals:
            node = self.nodes[self.index[person.id]]
            if (node.father is None) != (node.mother is None):
                role = "father" if node.father is None else "mother"
                sex_of: Sex = "male" if role == "father" else "female"
                placeholder = self._add(
                    _Node(f"({role} of {person.id})", sex_of, visible=False, in_file=False)
                )
                self._link(self.index[person.id], placeholder, role)
                placeholders += 1
        if placeholders:
            self.assumptions.append(
                "Where only one parent is given, the other is an unknown, unrelated person (one per child)."
            )
        self._check_size(len(absent), placeholders)
        self._check_acyclic()

    def _check_size(self, absent: int, placeholders: int) -> None:
        """Refuse more people than the exact calculation takes (:data:`MAX_PEDIGREE_PEOPLE`)."""
        if len(self.nodes) <= MAX_PEDIGREE_PEOPLE:
            return
        listed = len(self.pedigree.individuals)
        detail = (
            f" ({listed:,} listed, {absent:,} parents named but not listed, {placeholders:,} unknown other "
            "parents of children with one parent given)"
            if absent or placeholders
            else ""
        )
        if self.left_out:
            # Only the couple's family was built (_family_of_question): the family itself is too large.
            where = (
                f"{len(self.nodes):,} people in the couple's family (the people linked to the couple through "
                f"parents and children; the {self.left_out:,} other people in the file are left out)"
            )
            hint = ""
        else:
            where, hint = f"{len(self.nodes):,} people in the pedigree", " (one family, not a cohort file)"
            if not self.couple_known:
                hint += ", or name the couple with --couple FATHER,MOTHER to compute only their family"
        msg = (
            f"{self.pedigree.path}: {where}{detail}; the exact risk calculation takes one family of at most "
            f"{MAX_PEDIGREE_PEOPLE:,} people; expected only the relatives the question needs{hint}"
        )
        raise InputError(msg)

    def _add(self, node: _Node) -> int:
        self.index[node.id] = len(self.nodes)
        self.nodes.append(node)
        return len(self.nodes) - 1

    def where(self, node: _Node) -> str:
        if node.person is not None:
            return self.pedigree.location(node.person)
        return f"{self.pedigree.path} (parent {node.id!r})"

    def _link(self, child: int, parent: int, role: str) -> None:
        node = self.nodes[parent]
        sex: Sex = "male" if role == "father" else "female"
        if node.sex is not None and node.sex != sex:
            msg = f"{self.where(self.nodes[child])}: {role} {node.id!r} has sex {node.sex}"
            raise InputError(msg)
        setattr(self.nodes[child], role, parent)
        node.children.append(child)

    def implied_sexes(self) -> None:
        """Give parents of unknown sex the sex their role implies."""
        for index, node in enumerate(self.nodes):
            if node.sex is not None or not node.children:
                continue
            roles = {
                "male" if self.nodes[c].father == index else "female"
                for c in node.children
                if index in (self.nodes[c].father, self.nodes[c].mother)
            }
            if len(roles) > 1:
                msg = f"{self.where(node)}: {node.id!r} is given both as a father and as a mother"
                raise InputError(msg)
            node.sex = "male" if roles == {"male"} else "female"

    def _check_acyclic(self) -> None:
        state = [0] * len(self.nodes)  # 0 new, 1 on the stack, 2 done
        for start in range(len(self.nodes)):
            if state[start]:
                continue
            stack: list[tuple[int, int]] = [(start, 0)]
            path: list[int] = [start]
            state[start] = 1
            while stack:
                current, position = stack[-1]
                parents = [
                    p for p in (self.nodes[current].father, self.nodes[current].mother) if p is not None
                ]
                if position < len(parents):
                    stack[-1] = (current, position + 1)
                    parent = parents[position]
                    if state[parent] == 1:
                        cycle = [*path[path.index(parent) :], parent]
                        names = cycle_text([self.nodes[i].id for i in cycle])
                        msg = (
                            f"{self.where(self.nodes[parent])}: parentage cycle ({names}, each the child of the "
                            "next); expected a family tree in which nobody is their own ancestor"
                        )
                        raise InputError(msg)
                    if state[parent] == 0:
                        state[parent] = 1
                        stack.append((parent, 0))
                        path.append(parent)
                else:
                    state[current] = 2
                    stack.pop()
                    path.pop()

    def ancestors(self, index: int) -> dict[int, int]:
        """Ancestors of a node (itself included) with their smallest number of generations above it."""
        found = {index: 0}
        frontier = [index]
        while frontier:
            following: list[int] = []
            for current in frontier:
                for parent in (self.nodes[current].father, self.nodes[current].mother):
                    if parent is not None and parent not in found:
                        found[parent] = found[current] + 1
                        following.append(parent)
            frontier = following
        return found

    def founder_routes(self, index: int) -> dict[tuple[int, int], float]:
        """The founder ancestors of a node, each with its number of generations above it, weighted by the
        chance that a line of ancestry chosen by going up to the father or the mother with probability 1/2
        at each generation ends there: ``{(founder, generations): weight}``, the weights summing to 1.

        A founder reached by two lines of different lengths (a loop among one spouse's ancestors) has one
        entry per length. A founder node is its own only route (0 generations, weight 1).
        """
        routes: dict[tuple[int, int], float] = {}
        frontier: dict[int, float] = {index: 1.0}
        depth = 0
        while frontier:
            following: dict[int, float] = {}
            for current, weight in frontier.items():
                node = self.nodes[current]
                if node.father is None or node.mother is None:
                    # Every non-founder has both parents: the graph adds a placeholder for a missing one.
                    routes[(current, depth)] = routes.get((current, depth), 0.0) + weight
                    continue
                for parent in (node.father, node.mother):
                    following[parent] = following.get(parent, 0.0) + weight / 2
            frontier = following
            depth += 1
        return routes


# --------------------------------------------------------------------------------------------------------
# Factors and exact variable elimination

_Factor = tuple[tuple[int, ...], _Table]


def _states(model: RiskModel, sex: Sex | None) -> tuple[tuple[Sex | None, int], ...]:
    if not model.x_linked:
        return ((None, 0), (None, 1), (None, 2))
    male: tuple[tuple[Sex | None, int], ...] = (("male", 0), ("male", 1))
    female: tuple[tuple[Sex | None, int], ...] = (("female", 0), ("female", 1), ("female", 2))
    if sex == "male":
        return male
    if sex == "female":
        return female
    return male + female


def _allele_prior(model: RiskModel, sex: Sex | None) -> dict[tuple[Sex | None, int], float]:
    """Founder genotype probabilities (for one sex, or for a known-sex-less autosomal genotype)."""
    q = model.allele_frequency
    if model.x_linked and model.founder_prior == "mutation_selection":
        mu = model.mutation_rate
        if sex == "male":
            return {("male", 0): 1 - 3 * mu, ("male", 1): 3 * mu}
        # A female's maternal X carries the allele with probability 3μ, her paternal X with μ (first order).
        a, b = 3 * mu, mu
        return {
            ("female", 0): (1 - a) * (1 - b),
            ("female", 1): a * (1 - b) + b * (1 - a),
            ("female", 2): a * b,
        }
    if model.x_linked and sex == "male":
        return {("male", 0): 1 - q, ("male", 1): q}
    hw = {0: (1 - q) ** 2, 1: 2 * q * (1 - q), 2: q * q}
    return {(sex if model.x_linked else None, n): p for n, p in hw.items()}


def _founder_table(model: RiskModel, states: Sequence[tuple[Sex | None, int]]) -> _Table:
    sexes = {s for s, _ in states}
    weight = 1.0 / len(sexes)  # unknown sex (X-linked): each sex with probability 1/2
    table = np.zeros(len(states))
    for i, (sex, n) in enumerate(states):
        table[i] = weight * _allele_prior(model, sex)[(sex, n)]
    return table


def _gamete(model: RiskModel, sex: Sex | None, alleles: int, *, x_from_father: bool = False) -> float:
    """P(a transmitted gamete carries the disease allele)."""
    mu = model.mutation_rate
    share = float(alleles) if x_from_father else alleles / 2
    return share + (1 - share) * mu


def _transmission(
    model: RiskModel,
    child: Sequence[tuple[Sex | None, int]],
    father: Sequence[tuple[Sex | None, int]],
    mother: Sequence[tuple[Sex | None, int]],
) -> _Table:
    table = np.zeros((len(child), len(father), len(mother)))
    sexes = {s for s, _ in child}
    weight = 1.0 / len(sexes)
    for j, (fs, fn) in enumerate(father):
        for k, (ms, mn) in enumerate(mother):
            t_m = _gamete(model, ms, mn)
            for i, (cs, cn) in enumerate(child):
                if model.x_linked and cs == "male":
                    probability = t_m if cn == 1 else 1 - t_m
                else:
                    t_f = _gamete(model, fs, fn, x_from_father=model.x_linked)
                    probability = (
                        (1 - t_f) * (1 - t_m)
                        if cn == 0
                        else (t_f * (1 - t_m) + (1 - t_f) * t_m if cn == 1 else t_f * t_m)
                    )
                table[i, j, k] = weight * probability
    return table


def _kinship_table(
    model: RiskModel, a: Sequence[tuple[Sex | None, int]], b: Sequence[tuple[Sex | None, int]], k1: float
) -> _Table:
    """Joint founder prior of two relatives sharing one allele identical by descent with probability k1."""
    q = model.allele_frequency
    allele = (1 - q, q)
    hw = _founder_table(model, a)[:, None] * _founder_table(model, b)[None, :]
    shared = np.zeros((len(a), len(b)))
    for i, (_, na) in enumerate(a):
        for j, (_, nb) in enumerate(b):
            for ibd in (0, 1):
                ra, rb = na - ibd, nb - ibd
                if ra in (0, 1) and rb in (0, 1):
                    shared[i, j] += allele[ibd] * allele[ra] * allele[rb]
    return (1 - k1) * hw + k1 * shared


@dataclass(frozen=True)
class _Placement:
    """One place for a stated relationship between two spouses whose common ancestors are not in the file:
    their founder ancestors ``x`` and ``y``, ``dx`` and ``dy`` generations above the spouses, sharing one
    allele identical by descent with probability ``k1``; ``weight`` is the chance of this route."""

    x: int
    y: int
    dx: int
    dy: int
    k1: float
    weight: float


# A stated relationship spread over the spouses' founders is one factor over all of them; its table has
# 3^n entries for n founders, so the number is capped (about 4 million entries).
_MAX_SPREAD_TABLE = 3**14


def _spread_kinship_factor(
    model: RiskModel, graph: _Graph, founders: Sequence[int], placements: Sequence[_Placement]
) -> _Table:
    """Joint prior of ``founders`` when the related pair among them is not known: the mixture, over the
    placements, of the pair's kinship prior times the Hardy-Weinberg prior of the other founders.

    The route of an unknown relationship runs through one line of each spouse's ancestry, each parent
    equally likely (``_Graph.founder_routes``); mixing over the routes keeps each spouse's founders
    symmetric instead of putting the whole shared ancestry on one of them.
    """
    axes = {founder: axis for axis, founder in enumerate(founders)}
    cards = [len(graph.nodes[f].states) for f in founders]
    priors = {f: _founder_table(model, graph.nodes[f].states) for f in founders}
    table: _Table = np.zeros(cards)
    for place in placements:
        pair = _kinship_table(model, graph.nodes[place.x].states, graph.nodes[place.y].states, place.k1)
        operands: list[Any] = [pair, [axes[place.x], axes[place.y]]]
        for f in founders:
            if f not in (place.x, place.y):
                operands.extend((priors[f], [axes[f]]))
        table = table + place.weight * np.einsum(*operands, list(range(len(founders))))
    return table


def _evidence(model: RiskModel, graph: _Graph, node: _Node) -> _Table:
    """Likelihood of a person's status and test result for each genotype state."""
    table = np.ones(len(node.states))
    for i, (sex, n) in enumerate(node.states):
        if node.affected is not None:
            p = model.p_affected_at(sex, n, node.age)
            table[i] *= p if node.affected else 1 - p
        if node.test is not None:
            table[i] *= _test_allows(model, graph, node, sex, n)
    return table


def _test_allows(model: RiskModel, graph: _Graph, node: _Node, sex: Sex | None, n: int) -> float:
    test = node.test
    if test is TestResult.NONCARRIER:
        return float(n == 0)
    if test is TestResult.POSITIVE:
        return float(n >= 1)
    if test is TestResult.AFFECTED_GENOTYPE:
        return float(model.is_disease_genotype(sex, n))
    if test is TestResult.HEMIZYGOUS:
        if not model.x_linked or node.sex == "female":
            who = "a female" if node.sex == "female" else "autosomal inheritance"
            msg = f"{graph.where(node)} column 7: test result 'hemizygous' is impossible for {who}; expected carrier, noncarrier or biallelic"
            raise InputError(msg)
        return float(sex == "male" and n == 1)
    if model.x_linked and node.sex == "male":
        msg = f"{graph.where(node)} column 7: a male has one X chromosome, so {test.value if test else ''!r} is impossible under X-linked inheritance; expected hemizygous or noncarrier"
        raise InputError(msg)
    wanted = 1 if test is TestResult.CARRIER else 2
    return float(n == wanted and (not model.x_linked or sex == "female"))


def _elimination_order(
    factors: Sequence[_Factor], n_vars: int, cards: Sequence[int]
) -> tuple[list[int], list[int]]:
    """Greedy min-fill order on the moral graph (ties: smallest clique weight), with the size (number of
    entries) of the table each elimination builds."""
    neighbours: list[set[int]] = [set() for _ in range(n_vars)]
    for scope, _ in factors:
        for v in scope:
            neighbours[v].update(u for u in scope if u != v)
    remaining = set(range(n_vars))
    order: list[int] = []
    weights: list[int] = []
    while remaining:

        def cost(v: int) -> tuple[int, int, int]:
            nb = list(neighbours[v])
            fill = sum(1 for i, a in enumerate(nb) for b in nb[i + 1 :] if b not in neighbours[a])
            weight = math.prod(cards[u] for u in nb) * cards[v]
            return fill, weight, v

        best = min(remaining, key=cost)
        nb = neighbours[best]
        weights.append(math.prod(cards[u] for u in nb) * cards[best])
        for a in nb:
            neighbours[a].update(u for u in nb if u != a)
            neighbours[a].discard(best)
        remaining.discard(best)
        order.append(best)
    return order, weights


def _elimination_work(order: Sequence[int], weights: Sequence[int], wanted: set[int]) -> float:
    """The work of :func:`_all_marginals` in table entries: every elimination once, and for each wanted
    variable the eliminations after its place again, each step its table size plus a fixed cost."""
    total = 0.0
    after = 0.0  # the work of the eliminations after the current position
    for position in range(len(order) - 1, -1, -1):
        if order[position] in wanted:
            total += after
        after += weights[position] + _STEP_WORK
    return total + after


def _sum_out(pool: list[_Factor], var: int) -> tuple[list[_Factor], float] | None:
    """Multiply the factors over ``var`` and sum it out; the new factor is rescaled to a maximum of 1.

    Returns the new pool and the log of the scale, or ``None`` when everything is impossible (all zeros).
    """
    bucket = [f for f in pool if var in f[0]]
    if not bucket:
        return pool, 0.0
    rest = [f for f in pool if var not in f[0]]
    scope = sorted({v for s, _ in bucket for v in s} - {var})
    local = {v: i for i, v in enumerate([*scope, var])}
    operands: list[Any] = []
    for s, table in bucket:
        operands.extend((table, [local[v] for v in s]))
    product = np.einsum(*operands, [local[v] for v in scope])
    top = float(np.max(product))
    if not top > 0.0:
        return None
    rest.append((tuple(scope), product / top))
    return rest, math.log(top)


def _all_marginals(
    factors: Sequence[_Factor], order: Sequence[int], wanted: set[int]
) -> dict[int, tuple[_Table, float]]:
    """Unnormalised marginals (and the log of their scale) of the ``wanted`` variables.

    Variable elimination in a fixed order: the eliminations before a wanted variable's position are shared
    by every later query, so each query only finishes the order from its own position. An impossible model
    gives an all-zero marginal.
    """
    pool: list[_Factor] = list(factors)
    prefix_log = 0.0
    results: dict[int, tuple[_Table, float]] = {}
    for position, var in enumerate(order):
        if var in wanted:
            branch: list[_Factor] | None = pool
            log_scale = prefix_log
            for later in order[position + 1 :]:
                assert branch is not None
                step = _sum_out(branch, later)
                if step is None:
                    branch = None
                    break
                branch, added = step
                log_scale += added
            if branch is None:
                results[var] = (np.zeros(1), -math.inf)
            else:
                table: _Table = np.ones(1)
                for _, factor in branch:
                    table = table * factor  # each left factor is over ``var`` or is a scalar
                results[var] = (table, log_scale)
        step = _sum_out(pool, var)
        if step is None:
            return {v: results.get(v, (np.zeros(1), -math.inf)) for v in wanted}
        pool, added = step
        prefix_log += added
    return results


# --------------------------------------------------------------------------------------------------------
# The engine


def _choose_couple(graph: _Graph, couple: tuple[str, str] | None) -> tuple[int, int]:
    pedigree = graph.pedigree
    if couple is None:
        father, mother = _default_couple(pedigree)
        return graph.index[father], graph.index[mother]
    first, second = (c.strip() for c in couple)
    for name in (first, second):
        if name not in graph.index or not graph.nodes[graph.index[name]].visible:
            raise InputError(_not_in_file(name, pedigree.path))
    if first == second:
        msg = f"--couple names {first!r} twice; expected two different people, FATHER,MOTHER"
        raise InputError(msg)
    a, b = graph.index[first], graph.index[second]
    sa, sb = graph.nodes[a].sex, graph.nodes[b].sex
    if sa is not None and sa == sb:
        msg = (
            f"--couple: {first!r} and {second!r} are both {sa}; expected a father and a mother, FATHER,MOTHER"
        )
        raise InputError(msg)
    if sa == "female" or sb == "male":
        a, b = b, a
    return a, b


def _describe_evidence(node: _Node) -> str:
    words = [_status_word(node.affected)]
    if node.age is not None:
        words.append(f"age {_years(node.age)}")
    if node.test is not None:
        words.append(f"tested {node.test.value}")
    return f"{node.id!r} ({', '.join(words)})"


def _inconsistency(model: RiskModel, graph: _Graph) -> str:
    """A short description of the first person (or parent-child trio) whose data cannot fit the model."""
    for node in graph.nodes:
        if not node.visible:
            continue
        if not np.any(_evidence(model, graph, node) > 0):
            return f"{graph.where(node)}: the status and test result of {_describe_evidence(node)} contradict each other"
    for node in graph.nodes:
        if node.father is None or node.mother is None or not node.visible:
            continue
        father, mother = graph.nodes[node.father], graph.nodes[node.mother]
        table = _transmission(model, node.states, father.states, mother.states)
        table = table * _evidence(model, graph, node)[:, None, None]
        table = table * _evidence(model, graph, father)[None, :, None]
        table = table * _evidence(model, graph, mother)[None, None, :]
        if not np.any(table > 0):
            return (
                f"{graph.where(node)}: {_describe_evidence(node)} cannot be a child of "
                f"{_describe_evidence(father)} and {_describe_evidence(mother)}"
            )
    return f"{graph.pedigree.path}: no combination of genotypes fits all the statuses and test results"


def pedigree_risk(
    pedigree: Pedigree,
    model: RiskModel,
    *,
    couple: tuple[str, str] | None = None,
    consanguineous: bool | None = None,
    inbreeding: float = DEFAULT_INBREEDING,
    tests: Mapping[str, TestResult] | None = None,
    ages: Mapping[str, float] | None = None,
) -> PedigreeRisk:
    """Exact posterior carrier and affected probabilities for the couple's family, and their next child.

    ``couple`` is (father, mother); by default the parents of the first affected person with both parents in
    the file. Only the couple's family is computed and reported: the people linked to either spouse through
    parents and children (parents named but not listed included). People of the file outside it (other
    families, or unlinked blocks) share no allele by descent with it under the model, so the family's risks
    are exactly those of the whole file; they are left out, counted in :attr:`PedigreeRisk.left_out` and in
    an assumption (a count, no ids), and the size limits apply to the family alone. Test results and ages
    are still checked against the whole file. ``consanguineous``: ``None`` derives it (a shared ancestor in the pedigree, or the Family file's
    ``consanguinousParents`` for the proband's parents); ``True`` states it, and where the couple's common
    ancestors are not in the file their children get inbreeding coefficient ``inbreeding`` (default 1/16,
    first cousins). ``tests`` defaults to the pedigree's column-7 test results and ``ages`` (years) to the
    pedigree's ages (PED ``age=`` tokens, phenopacket ``timeAtLastEncounter``); ages change the result only
    with ``model.penetrance_by_age``. Every input problem is a one-line :class:`InputError`.
    """
    if not PARAMETER_RANGES["inbreeding"].contains(inbreeding):
        msg = f"inbreeding coefficient {inbreeding!r} is out of range; expected {PARAMETER_RANGES['inbreeding'].describe()} (first cousins 1/16 = 0.0625)"
        raise InputError(msg)
    if ages is None:
        ages = {person.id: person.age for person in pedigree.individuals if person.age is not None}
    if tests is None:
        tests = read_test_results(pedigree)  # the whole file: a bad test word anywhere is an error
    _check_given(pedigree, tests, ages)
    # Only the couple's family is computed: unrelated people (other families of a clinic's file) cannot
    # change its risks, and would only cost time and count against the size limits.
    family = _family_of_question(pedigree, couple)
    # Without a couple the whole file is checked as before; the size message then also suggests --couple.
    pedigree, left = family if family is not None else (pedigree, _LeftOut())
    if left.people:
        ids = set(pedigree.ids)
        tests = {person_id: result for person_id, result in tests.items() if person_id in ids}
        ages = {person_id: age for person_id, age in ages.items() if person_id in ids}
    graph = _Graph(pedigree, tests, ages, left_out=left.people, couple_known=family is not None)
    graph.implied_sexes()
    father_index, mother_index = _choose_couple(graph, couple)
    assumptions = list(graph.assumptions)
    if left.people:
        assumptions.insert(
            0, _left_out_text(left, graph.nodes[father_index].id, graph.nodes[mother_index].id)
        )
    assumptions.extend(_age_assumptions(model, graph))
    roles: tuple[tuple[int, Sex], ...] = ((father_index, "male"), (mother_index, "female"))
    for index, sex in roles:
        if graph.nodes[index].sex is None:
            graph.nodes[index].sex = sex
            if model.x_linked:
                role = "father" if sex == "male" else "mother"
                assumptions.append(
                    f"{graph.nodes[index].id} (sex not given) is taken to be the couple's {role}."
                )
    father_id, mother_id = graph.nodes[father_index].id, graph.nodes[mother_index].id

    # Consanguinity of the couple.
    shared = set(graph.ancestors(father_index)) & set(graph.ancestors(mother_index))
    placements: list[_Placement] = []
    spread_founders: list[int] = []
    applied_f: float | None = None
    how: Literal["pedigree", "stated", "phenopacket", "none"] = "none"
    if shared:
        if consanguineous is False:
            names = ", ".join(sorted(graph.nodes[i].id for i in shared))
            msg = f"{pedigree.path}: the couple {father_id} and {mother_id} share ancestors in the pedigree ({names}); they cannot be declared unrelated"
            raise InputError(msg)
        how = "pedigree"
        assumptions.append(
            f"{father_id} and {mother_id} are related through ancestors in the pedigree; the relationship is computed exactly from it."
        )
    else:
        proband_parents = pedigree.parents_of(pedigree.proband) if pedigree.proband else (None, None)
        if consanguineous:
            how = "stated"
        elif consanguineous is None and pedigree.consanguineous:
            if set(proband_parents) == {father_id, mother_id}:
                how = "phenopacket"
            else:
                assumptions.append(
                    "The Family file's consanguinousParents flag is about the proband's parents, not this couple; it is not applied."
                )
        if how != "none":
            if model.x_linked:
                assumptions.append(
                    "Consanguinity without the common ancestors in the file is not modelled for X-linked "
                    "inheritance (it does not change a son's risk); add the common ancestors for an exact answer."
                )
            else:
                placements = _placements(graph, father_index, mother_index, inbreeding)
                spread_founders = sorted({p.x for p in placements} | {p.y for p in placements})
                applied_f = inbreeding
                assumptions.append(
                    f"{father_id} and {mother_id} are related but their common ancestors are not in the file: "
                    f"their children have inbreeding coefficient F = {inbreeding:g}{_inbreeding_text(inbreeding)}"
                    f"{_placement_text(graph, father_index, mother_index, placements)}."
                )

    # Virtual next child (a son and a daughter when the sex matters).
    virtual: list[tuple[str, int]] = []
    child_sexes: tuple[Sex | None, ...] = ("male", "female") if model.x_linked else (None,)
    for child_sex in child_sexes:
        label = "child" if child_sex is None else ("son" if child_sex == "male" else "daughter")
        node = _Node(
            f"(next {label})",
            child_sex,
            visible=False,
            in_file=False,
        )
        index = graph._add(node)
        node.father, node.mother = father_index, mother_index
        virtual.append(("child" if child_sex is None else child_sex, index))

    for node in graph.nodes:
        node.states = _states(model, node.sex)
    cards = [len(node.states) for node in graph.nodes]

    factors: list[_Factor] = []
    paired = set(spread_founders)
    for index, node in enumerate(graph.nodes):
        if node.father is None:
            if index not in paired:
                factors.append(((index,), _founder_table(model, node.states)))
        else:
            assert node.mother is not None
            factors.append(
                (
                    (index, node.father, node.mother),
                    _transmission(
                        model, node.states, graph.nodes[node.father].states, graph.nodes[node.mother].states
                    ),
                )
            )
        if node.affected is not None or node.test is not None:
            factors.append(((index,), _evidence(model, graph, node)))
    if placements:
        factors.append(
            (tuple(spread_founders), _spread_kinship_factor(model, graph, spread_founders, placements))
        )

    order, weights = _elimination_order(factors, len(graph.nodes), cards)
    wanted = {i for i, node in enumerate(graph.nodes) if node.visible} | {i for _, i in virtual}
    work = _elimination_work(order, weights, wanted)
    if work > MAX_ELIMINATION_WORK or max(weights) > MAX_ELIMINATION_TABLE:
        # Refused before any table is built: the work grows too fast with the loops to be worth starting.
        linked = (
            f" in the file ({len(pedigree.individuals):,} of them linked to the couple)"
            if left.people
            else ""
        )
        msg = (
            f"{pedigree.path}: the pedigree is too interlinked to compute exactly: with "
            f"{len(pedigree.individuals) + left.people:,} people{linked} and their loops (marriages between relatives) it needs "
            f"tables of up to {max(weights):,} genotype combinations (limit {MAX_ELIMINATION_TABLE:,}) and "
            f"about {work:.1e} steps (limit {MAX_ELIMINATION_WORK:.0e}); expected fewer relatives: leave out "
            "those the question does not need"
        )
        raise InputError(msg)
    marginals = _all_marginals(factors, order, wanted)
    posteriors: dict[int, _Table] = {}
    log_likelihood = 0.0
    for index in sorted(wanted):
        table, log_scale = marginals[index]
        total = float(np.sum(table))
        if total <= 0.0 or not math.isfinite(total):
            msg = f"the pedigree is inconsistent with {model.mode_text} inheritance: {_inconsistency(model, graph)}; check the data, or allow new mutations (--mutation-rate) or phenocopies (--phenocopy)"
            raise InputError(msg)
        posteriors[index] = table / total
        log_likelihood = log_scale + math.log(total)

    individuals = []
    for index, node in enumerate(graph.nodes):
        if not node.visible:
            continue
        post = posteriors[index]
        individuals.append(_individual(model, graph, node, post))
    by_sex: dict[str, dict[str, float]] = {}
    for label, index in virtual:
        post = posteriors[index]
        states = graph.nodes[index].states
        by_sex[label] = {
            "affected_probability": _expect(post, states, model.p_affected),
            "carrier_probability": _expect(post, states, lambda s, n: float(model.is_carrier(s, n))),
            "disease_genotype_probability": _expect(
                post, states, lambda s, n: float(model.is_disease_genotype(s, n))
            ),
        }
    keys = ("affected_probability", "carrier_probability", "disease_genotype_probability")
    mean = {key: sum(values[key] for values in by_sex.values()) / len(by_sex) for key in keys}
    child_genotypes: tuple[float, ...] | None = None
    if not model.x_linked:
        (_, child_index), *_ = virtual
        post = posteriors[child_index]
        child_genotypes = tuple(
            float(sum(p for p, (_, n) in zip(post, graph.nodes[child_index].states, strict=True) if n == k))
            for k in range(3)
        )
    next_child = ChildRisk(
        affected_probability=mean["affected_probability"],
        carrier_probability=mean["carrier_probability"],
        disease_genotype_probability=mean["disease_genotype_probability"],
        by_sex=by_sex if model.x_linked else None,
        genotype_probabilities=child_genotypes,
    )
    return PedigreeRisk(
        model=model,
        pedigree=pedigree.path,
        couple=(father_id, mother_id),
        consanguineous=how != "none",
        consanguinity=how,
        inbreeding=applied_f,
        individuals=tuple(individuals),
        next_child=next_child,
        assumptions=tuple(assumptions),
        log_likelihood=log_likelihood,
        left_out=left.people,
    )


# Wright's inbreeding coefficient of the children of a couple related through one line of descent, for naming
# a stated F: F = sum over the common ancestors of (1/2)^(n1 + n2 + 1), with n1 and n2 the generations from each
# spouse up to that ancestor (Wright's path rule, derived: two common grandparents at 2 + 2 give 2 * (1/2)^5 =
# 1/16 for first cousins; one common parent at 1 + 1 gives 1/8 for half-siblings).
_RELATIONSHIPS: dict[float, str] = {
    1 / 8: "uncle and niece, aunt and nephew, or half-siblings",
    1 / 16: "first cousins",
    1 / 32: "first cousins once removed",
    1 / 64: "second cousins",
}


def _inbreeding_text(inbreeding: float) -> str:
    """What a stated F means, for the assumptions: the relationship it is the F of, whether it is the default,
    and the model's limit (one line of descent: a couple related twice over, such as double first cousins,
    needs the common ancestors drawn for exact figures of the relatives, though the child's F is right)."""
    named = next((name for f, name in _RELATIONSHIPS.items() if math.isclose(f, inbreeding)), None)
    text = f", as for {named}" if named else ""
    if math.isclose(inbreeding, DEFAULT_INBREEDING):
        text += (
            ": the default when the relationship is not given (--inbreeding 0.125 for an uncle and niece, "
            "0.015625 for second cousins)"
        )
    return (
        f"{text}. The relationship is modelled through one line of descent: for a couple related in more than "
        "one way, such as double first cousins, a child's chance follows from F alone, but the other figures "
        "are exact only with the common ancestors drawn in the file"
    )


def _placements(graph: _Graph, father: int, mother: int, inbreeding: float) -> list[_Placement]:
    """Every route of a stated relationship between the couple: a founder ancestor of each spouse, with the
    kinship F * 2^(dx + dy) between them (each generation up doubles a kinship), weighted by the chance of
    that pair of lines of ancestry.

    A route whose kinship would exceed 1/4 cannot be the link (two founders unrelated in the file are at
    most as close as parent and child, and the common ancestors would otherwise be in the file), so it is
    left out and the other routes' weights are renormalised; when no route is left the error asks for the
    common ancestors to be drawn.
    """
    routes = [
        (x, dx, wx, y, dy, wy)
        for (x, dx), wx in graph.founder_routes(father).items()
        for (y, dy), wy in graph.founder_routes(mother).items()
    ]
    possible = [r for r in routes if inbreeding * 2.0 ** (r[1] + r[4]) <= 0.25]
    if not possible:
        nearest = min(dx + dy for _, dx, _, _, dy, _ in routes)
        msg = (
            f"inbreeding coefficient {inbreeding:g} is too large for a couple {nearest} generation(s) "
            "below the founders of the file; add the couple's common ancestors to the pedigree"
        )
        raise InputError(msg)
    founders = {r[0] for r in possible} | {r[3] for r in possible}
    if 3 ** len(founders) > _MAX_SPREAD_TABLE:
        msg = (
            f"the couple have {len(founders)} founder ancestors in the file, too many to spread a stated "
            "relationship over; add the couple's common ancestors to the pedigree"
        )
        raise InputError(msg)
    total = sum(wx * wy for _, _, wx, _, _, wy in possible)
    return [
        _Placement(x, y, dx, dy, 4 * inbreeding * 2.0 ** (dx + dy), wx * wy / total)
        for x, dx, wx, y, dy, wy in possible
    ]


def _placement_text(graph: _Graph, father: int, mother: int, placements: Sequence[_Placement]) -> str:
    """How the stated relationship enters the model, for the assumptions ('' for two founder spouses)."""
    if len(placements) == 1:
        place = placements[0]
        if place.dx + place.dy == 0:
            return ""
        return (
            f" (as a kinship of {place.k1 / 4:g} between the founders {graph.nodes[place.x].id} and "
            f"{graph.nodes[place.y].id})"
        )

    def names(index: int, side: set[int]) -> str:
        if side == {index}:
            return f"{graph.nodes[index].id} (a founder)"
        people = [graph.nodes[i].id for i in sorted(side)]
        plural = "s" if len(people) > 1 else ""
        return f"{graph.nodes[index].id}'s founder ancestor{plural} {', '.join(people)}"

    return (
        "; the route of the relationship is not known, so it is spread over "
        f"{names(father, {p.x for p in placements})} and {names(mother, {p.y for p in placements})}, "
        "each parent equally likely to be the link, rather than put on one of them"
    )


def _age_assumptions(model: RiskModel, graph: _Graph) -> list[str]:
    """What the ages in the pedigree do (nothing without a curve) and who counts with the lifetime value."""
    people = [node for node in graph.nodes if node.visible and node.in_file]
    aged = [node.id for node in people if node.age is not None]
    if model.penetrance_by_age is None:
        if not aged:
            return []
        return [
            f"Ages are given ({', '.join(aged)}) but no age-dependent penetrance (--penetrance-by-age): "
            f"everyone counts with the single penetrance {model.penetrance:g} whatever their age, so a young "
            "unaffected person counts as if past the age when signs appear."
        ]
    out = []
    unknown = [node.id for node in people if node.affected is not None and node.age is None]
    if unknown:
        out.append(
            f"No age for {', '.join(unknown)}: they count with the lifetime penetrance {model.penetrance:g}."
        )
    return out


def _penetrance_used(model: RiskModel, node: _Node) -> tuple[float, PenetranceBasis]:
    if node.affected is None:
        return model.penetrance, "lifetime_status_unknown"
    if model.penetrance_by_age is None:
        return model.penetrance, "lifetime_no_curve"
    if node.age is None:
        return model.penetrance, "lifetime_age_unknown"
    return model.penetrance_at(node.age), "at_age"


def _expect(post: _Table, states: Sequence[tuple[Sex | None, int]], value: Any) -> float:
    return float(sum(p * value(s, n) for p, (s, n) in zip(post, states, strict=True)))


def _individual(model: RiskModel, graph: _Graph, node: _Node, post: _Table) -> IndividualRisk:
    most = max(n for _, n in node.states)
    genotypes = [0.0] * (most + 1)
    for p, (_, n) in zip(post, node.states, strict=True):
        genotypes[n] += float(p)
    if node.affected is None:
        affected = _expect(post, node.states, model.p_affected)
    else:
        affected = 1.0 if node.affected else 0.0
    penetrance, basis = _penetrance_used(model, node)
    return IndividualRisk(
        id=node.id,
        sex=node.sex,
        affected=node.affected,
        test=node.test,
        in_file=node.in_file,
        genotype_probabilities=tuple(genotypes),
        carrier_probability=_expect(post, node.states, lambda s, n: float(model.is_carrier(s, n))),
        disease_genotype_probability=_expect(
            post, node.states, lambda s, n: float(model.is_disease_genotype(s, n))
        ),
        affected_probability=affected,
        age=node.age,
        penetrance=penetrance,
        penetrance_basis=basis,
        father=None if node.father is None else graph.nodes[node.father].id,
        mother=None if node.mother is None else graph.nodes[node.mother].id,
    )


# --------------------------------------------------------------------------------------------------------
# Disease parameters from the knowledge base, and the full counselling report


@dataclass(frozen=True)
class AllelicForm:
    """Another osteopetrosis subtype caused by the same gene with a different number of copies: one copy of
    the gene of a recessive subtype causing a dominant one (PLEKHM1: OPTB6 and ADO3), or two copies of the
    gene of a dominant subtype causing a recessive one (CLCN7: ADO2 and OPTB4). ``sources`` are that
    subtype's sources for its gene link."""

    gene: str
    entity: Entity
    sources: tuple[str, ...]


@dataclass(frozen=True)
class DiseaseRisk:
    """A disease resolved for counselling: its id, mode, parameters and where each value came from.

    ``allelic_forms`` (from the knowledge base): under a recessive model, the dominant subtypes one copy of
    its gene can cause; under a dominant model, the recessive subtypes two copies can cause. The advice
    uses them not to call carriers healthy, and to separate two copies from one.
    """

    disease_id: str
    name: str | None
    key: str | None
    model: RiskModel
    penetrance_basis: str
    allele_frequency_basis: str
    sources: tuple[str, ...]
    entity: Entity | None = None
    allelic_forms: tuple[AllelicForm, ...] = ()
    # The allele frequency as the assumptions write it: a figure derived from the knowledge base to the two
    # significant figures its sources support (the model and the JSON keep the full value); None: as given.
    allele_frequency_text: str | None = None


# A figure derived from sourced ones (an incidence times a share, a square root) is shown to two significant
# figures: the incidences are round figures ("about 1 in 250,000", reference §1B) and the shares ranges, so
# more digits ("0.00152578", "I = 2.328e-06") would claim a precision no source has.
DERIVED_DIGITS = 2


def significant(value: float, digits: int = DERIVED_DIGITS) -> str:
    """``value`` to ``digits`` significant figures, for text: ``0.0015``, ``2.8e-05``, ``0.58``."""
    return f"{value:.{digits}g}"


def _one_in(rate: float, *, about: bool) -> str:
    """A rate per person as the sources write it: ``1 in 250,000``; ``about``: 1 in N with N rounded to
    :data:`DERIVED_DIGITS` significant figures (``1 in 430,000`` for 2.328e-06)."""
    n = 1 / rate
    return f"1 in {round(float(significant(n)) if about else n):,}"


def _stated_rate(rate: float) -> str:
    """A knowledge-base incidence as its source states it: ``1 in 250,000`` for 4e-06 when it is exactly one in
    a whole number, else the stored figure (``5e-05``)."""
    n = 1 / rate
    return _one_in(rate, about=False) if abs(n - round(n)) < 1e-6 * n else f"{rate:g}"


def _frequency_from_kb(
    entity: Entity | None, mode: Inheritance, penetrance: float
) -> tuple[float, str] | None:
    """The founder allele frequency from the knowledge-base incidence (else prevalence) I, and its basis.

    Where the entry also gives the subtype's share of its group (``share: {group: ARO, low, high}``), the
    figure is the group's (all ARO, all ADO), so the subtype's own incidence is I times the share (the
    middle of its range, as the ranking prior uses): TCIRG1 is about half of ARO, CLCN7 about 75% of ADO.
    """
    fact = entity.prevalence if entity is not None else None
    if fact is None or fact.unverified:
        return None
    figure, label = (
        (fact.birth_incidence, "birth incidence") if fact.birth_incidence else (fact.prevalence, "prevalence")
    )
    if not figure:
        return None

    def frequency(incidence: float) -> tuple[float, str]:
        affected = min(incidence / penetrance, 0.25)
        if mode is Inheritance.AUTOSOMAL_RECESSIVE:
            return math.sqrt(affected), "q = sqrt(I / penetrance)"
        if mode is Inheritance.AUTOSOMAL_DOMINANT:
            return 1 - math.sqrt(1 - affected), "I / penetrance = 1 - (1 - q)^2"
        return min(2 * affected, 0.5), "q = 2 I / penetrance"

    # The stated figures (the incidence, the share) are written as the sources give them, and what is derived
    # from them (I times a share, q) to two significant figures (DERIVED_DIGITS).
    sources = ", ".join(fact.sources)
    share = fact.share
    if share is None:
        q, formula = frequency(figure)
        return q, f"from the knowledge-base {label} I = {_stated_rate(figure)} ({sources}), {formula}"
    middle = (share.low + share.high) / 2
    q, formula = frequency(figure * middle)
    part = (
        f"{share.low:g}"
        if share.low == share.high
        else f"{share.low:g} to {share.high:g} (middle {significant(middle)}; q from "
        f"{significant(frequency(figure * share.low)[0])} to {significant(frequency(figure * share.high)[0])})"
    )
    return q, (
        f"from the knowledge base: the {label} of all {share.group}, {_stated_rate(figure)}, times this "
        f"subtype's share of {share.group}, {part}, gives I ≈ {_one_in(figure * middle, about=True)} ({sources}); "
        f"{formula}"
    )


def allelic_forms(kb: KnowledgeBase, entity: Entity | None, mode: Inheritance) -> tuple[AllelicForm, ...]:
    """The osteopetrosis subtypes that the entity's genes cause with the other number of copies.

    Recessive model: subtypes with a dominant mode whose link to the same gene is monoallelic (one copy is
    enough). Dominant model: purely recessive subtypes whose link to the same gene is biallelic. Unverified
    facts are not used.
    """
    if entity is None or mode not in (Inheritance.AUTOSOMAL_RECESSIVE, Inheritance.AUTOSOMAL_DOMINANT):
        return ()
    recessive = mode is Inheritance.AUTOSOMAL_RECESSIVE
    # The entity's own links that act in this mode (IAO's TCIRG1 link is biallelic only: not a dominant one).
    own = (
        {"biallelic", "biallelic_or_monoallelic"}
        if recessive
        else {"monoallelic", "biallelic_or_monoallelic"}
    )
    zygosities = {"monoallelic", "biallelic_or_monoallelic"} if recessive else {"biallelic"}
    found: list[AllelicForm] = []
    for link in entity.genes:
        if link.unverified or link.zygosity not in own:
            continue
        for other in kb.for_gene(link.symbol):
            if other.key == entity.key or other.group is not EntityGroup.OSTEOPETROSIS:
                continue
            if other.inheritance.unverified:
                continue
            modes = set(other.inheritance.modes)
            wanted = (
                Inheritance.AUTOSOMAL_DOMINANT in modes
                if recessive
                else modes == {Inheritance.AUTOSOMAL_RECESSIVE}
            )
            for other_link in other.genes:
                if (
                    wanted
                    and other_link.symbol == link.symbol
                    and not other_link.unverified
                    and other_link.zygosity in zygosities
                ):
                    found.append(AllelicForm(link.symbol, other, tuple(other_link.sources)))
    return tuple(found)


def _entity_of_gene(kb: KnowledgeBase, query: str) -> Entity | None:
    """The one knowledge-base entity a gene symbol causes; a gene of several is an error naming them.

    A gene does not fix the mode: CLCN7 causes dominant ADO2 and recessive OPTB4, whose risks differ.
    """
    entities = kb.for_gene(query.upper())
    if len(entities) > 1:
        named = ", ".join(
            f"{e.key} ({', '.join(m.value.replace('_', ' ') for m in e.inheritance.modes) or 'mode unknown'})"
            for e in entities
        )
        msg = f"--disease {query!r} is a gene of several entities: {named}; expected one of them"
        raise InputError(msg)
    return entities[0] if entities else None


def _check_phenocopy(
    phenocopy: float, pen: float, curve: PenetranceCurve | None, *, stated: bool, basis: str
) -> None:
    """The phenocopy rate against the penetrance, in the words of the ``marbledx risk`` flags (one line)."""
    allowed = PARAMETER_RANGES["phenocopy"]
    if not allowed.contains(phenocopy):
        msg = f"--phenocopy {phenocopy:g} is out of range; expected a number {allowed.describe()}"
        raise InputError(msg)
    if not _phenocopy_too_high(phenocopy, pen):
        return
    if curve is not None:
        msg = f"--phenocopy {phenocopy:g} is not below {pen:g}, the lifetime penetrance (last value) of --penetrance-by-age {curve.text!r}; expected a phenocopy rate below the penetrance, so that being affected is evidence for the disease genotype"
    else:
        # A penetrance the user did not give (knowledge base or default) is named with where it came from.
        named = (
            f"--penetrance {pen:g}" if stated else f"the penetrance {pen:g} ({basis}; --penetrance sets it)"
        )
        msg = f"--phenocopy {phenocopy:g} is not below {named}; expected a phenocopy rate below the penetrance, so that being affected is evidence for the disease genotype"
    raise InputError(msg)


def resolve_disease(
    kb: KnowledgeBase,
    query: str,
    *,
    inheritance: str | Inheritance | None = None,
    penetrance: float | None = None,
    allele_frequency: float | None = None,
    mutation_rate: float | None = None,
    phenocopy: float = 0.0,
    penetrance_by_age: PenetranceCurve | str | None = None,
) -> DiseaseRisk:
    """The :class:`RiskModel` of a disease named by OMIM/ORPHA id or knowledge-base short name.

    The mode of inheritance and the default penetrance come from the knowledge base; a disease not in it
    needs ``inheritance`` (AR, AD or XLR). Defaults: allele frequency from the knowledge-base birth incidence
    (or prevalence) where it has one, else 1e-3; mutation rate 0 (autosomal) or 1e-6 (X-linked, whose
    founders are then at Haldane's mutation-selection equilibrium unless an allele frequency is given).
    ``penetrance_by_age`` (a :class:`PenetranceCurve` or its ``AGE:P,…`` text) makes the penetrance depend on
    age; its last value is then the lifetime penetrance (a ``penetrance`` given as well must agree). The
    knowledge base has no age curve, so none is ever assumed. A ``phenocopy`` rate at or above the (lifetime)
    penetrance is an :class:`InputError` naming the flags: status would then count against the disease
    genotype.
    """
    query = query.strip()
    if not query:
        msg = "--disease is empty; expected an OMIM/ORPHA id or a short name such as ADO2 or OPTB1"
        raise InputError(msg)
    stated = parse_inheritance(inheritance) if inheritance is not None else None
    sources: tuple[str, ...] = ()
    try:
        entity: Entity | None = kb.get(query)
    except UnknownEntityError:
        entity = _entity_of_gene(kb, query)
    if entity is None:
        if stated is None:
            msg = f"--disease {query!r} is not in the knowledge base; give --inheritance AR, AD or XLR to state its mode of inheritance (see 'marbledx subtypes')"
            raise InputError(msg)
        mode = stated
    else:
        fact = entity.inheritance
        known = [] if fact.unverified else list(fact.modes)
        supported = [m for m in known if m in SUPPORTED_INHERITANCE]
        label = f"{entity.key} ({entity.name})"
        if stated is not None:
            if known and Inheritance.UNKNOWN not in known and stated not in known:
                modes = " or ".join(m.value.replace("_", " ") for m in known)
                msg = f"--inheritance {stated.value.replace('_', ' ')} contradicts the knowledge base: {label} is {modes}"
                raise InputError(msg)
            mode = stated
        elif len(supported) == 1:
            mode = supported[0]
        elif len(supported) > 1:
            words = " or ".join(m.value.replace("_", " ") for m in supported)
            msg = f"{label} is reported as {words}; choose one with --inheritance AR|AD|XLR"
            raise InputError(msg)
        else:
            modes = ", ".join(m.value for m in known) or "unverified"
            msg = f"{label} has no Mendelian mode of inheritance in the knowledge base ({modes}); a recurrence risk cannot be computed (give --inheritance AR|AD|XLR to state one)"
            raise InputError(msg)
        sources = tuple(fact.sources) if not fact.unverified else ()
    kb_penetrance = (
        entity.inheritance.penetrance
        if entity is not None and not entity.inheritance.unverified and entity.inheritance.penetrance
        else None
    )
    curve = (
        PenetranceCurve.parse(penetrance_by_age) if isinstance(penetrance_by_age, str) else penetrance_by_age
    )
    if curve is not None:
        if penetrance is not None and abs(penetrance - curve.lifetime) > 1e-12:
            msg = f"--penetrance {penetrance:g} differs from the last (lifetime) value {curve.lifetime:g} of --penetrance-by-age; give one of them, or make them agree"
            raise InputError(msg)
        pen, pen_basis = curve.lifetime, "the last value of the age curve, as given"
        if kb_penetrance is not None and mode is Inheritance.AUTOSOMAL_DOMINANT and kb_penetrance != pen:
            pen_basis += f" (the knowledge base gives {kb_penetrance:g})"
    elif penetrance is not None:
        pen, pen_basis = penetrance, "as given"
    elif kb_penetrance is not None and mode is Inheritance.AUTOSOMAL_DOMINANT:
        pen = kb_penetrance
        pen_basis = f"from the knowledge base ({', '.join(entity.inheritance.sources) if entity else ''})"
    else:
        pen, pen_basis = 1.0, "assumed complete: the knowledge base gives no figure"
    if not PARAMETER_RANGES["penetrance"].contains(pen):
        msg = f"--penetrance {pen:g} is out of range; expected a probability {PARAMETER_RANGES['penetrance'].describe()}"
        raise InputError(msg)
    x_linked = mode is Inheritance.X_LINKED_RECESSIVE
    mu = mutation_rate if mutation_rate is not None else (DEFAULT_X_MUTATION_RATE if x_linked else 0.0)
    founder: FounderPrior = "hardy_weinberg"
    q_text: str | None = None
    if allele_frequency is not None:
        q, q_basis = allele_frequency, "as given"
    elif x_linked and mu > 0:
        q, founder = DEFAULT_ALLELE_FREQUENCY, "mutation_selection"
        q_basis = "not used: founders at Haldane's mutation-selection equilibrium (female carrier prior 4μ, male 3μ)"
    else:
        derived = _frequency_from_kb(entity, mode, pen)
        where = f"for {entity.key}" if entity is not None else "for this disease"
        q_text = significant(derived[0]) if derived else None
        q, q_basis = (
            derived
            if derived
            else (
                DEFAULT_ALLELE_FREQUENCY,
                f"a default value, not a sourced figure: the knowledge base has no incidence {where}; it sets "
                "the carrier chance of people who marry into the family (about 1 in 500), so give "
                "--allele-frequency when a better figure is known",
            )
        )
    _check_phenocopy(phenocopy, pen, curve, stated=penetrance is not None, basis=pen_basis)
    model = RiskModel(
        inheritance=mode,
        penetrance=pen,
        allele_frequency=q,
        mutation_rate=mu,
        phenocopy=phenocopy,
        founder_prior=founder,
        penetrance_by_age=curve,
    )
    return DiseaseRisk(
        disease_id=(entity.primary_id or entity.key) if entity else query,
        name=entity.name if entity else None,
        key=entity.key if entity else None,
        model=model,
        penetrance_basis=pen_basis,
        allele_frequency_basis=q_basis,
        sources=sources,
        entity=entity,
        allelic_forms=allelic_forms(kb, entity, mode),
        allele_frequency_text=q_text,
    )


@dataclass(frozen=True)
class RiskReport:
    """The ``marbledx risk`` result: the disease, the pedigree risks, plain-language advice and sources."""

    disease: DiseaseRisk
    risk: PedigreeRisk
    advice: tuple[CounsellingPoint, ...]
    assumptions: tuple[str, ...]

    @property
    def sources(self) -> list[str]:
        found = set(self.disease.sources)
        for item in self.advice:
            found.update(item.sources)
        return sorted(found)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``marbledx risk --format json``."""
        model = self.risk.model
        return {
            "disease_id": self.disease.disease_id,
            "disease_name": self.disease.name,
            "inheritance": model.inheritance.value,
            "individuals": [p.to_dict() for p in self.risk.individuals],
            "next_child": self.risk.next_child.to_dict(),
            "penetrance": model.penetrance,
            "penetrance_by_age": model.penetrance_by_age.to_dict() if model.penetrance_by_age else None,
            "allele_frequency": None
            if model.founder_prior == "mutation_selection"
            else model.allele_frequency,
            "mutation_rate": model.mutation_rate,
            "phenocopy_rate": model.phenocopy,
            "founder_prior": model.founder_prior,
            "couple": {
                "father": self.risk.couple[0],
                "mother": self.risk.couple[1],
                "consanguineous": self.risk.consanguineous,
                "consanguinity": self.risk.consanguinity,
                "inbreeding_coefficient": self.risk.inbreeding,
            },
            "pedigree": self.risk.pedigree,
            "people_left_out": self.risk.left_out,
            "advice": [item.render() for item in self.advice],
            "assumptions": list(self.assumptions),
            "sources": self.sources,
        }


def _model_assumptions(disease: DiseaseRisk) -> list[str]:
    model = disease.model
    lifetime = " (lifetime)" if model.penetrance_by_age is not None else ""
    out = [
        f"Inheritance {model.mode_text}; penetrance{lifetime} {model.penetrance:g}, {disease.penetrance_basis}."
    ]
    if model.founder_prior == "mutation_selection":
        out.append(
            f"Founders at Haldane's mutation-selection equilibrium with mutation rate {model.mutation_rate:g} "
            "(assumes affected males do not have children)."
        )
    else:
        out.append(
            f"Disease allele frequency {disease.allele_frequency_text or f'{model.allele_frequency:g}'} "
            f"({disease.allele_frequency_basis}); Hardy-Weinberg founders."
        )
    if model.mutation_rate > 0:
        out.append(f"New mutations at rate {model.mutation_rate:g} per transmitted allele.")
    else:
        out.append("No new (de novo) mutations are modelled; give --mutation-rate to allow them.")
    if model.phenocopy > 0:
        out.append(
            f"Phenocopy rate {model.phenocopy:g}: people without the disease genotype may look affected."
        )
    out.append("Genetic test results are taken as correct.")
    curve = model.penetrance_by_age
    if curve is not None:
        out.append(
            f"Penetrance depends on age, as given (a step function: {curve.describe()}). A person of known age "
            "counts with the penetrance reached by that age: affected with that chance, unaffected with one "
            "minus it. People of unknown age or unknown status, and the next child, count with the lifetime "
            f"penetrance {curve.lifetime:g}."
        )
    elif model.inheritance is Inheritance.AUTOSOMAL_DOMINANT and model.penetrance < 1:
        out.append(
            "Penetrance does not depend on age here: an unaffected young carrier may still develop signs later."
        )
    if model.x_linked:
        out.append("Carrier females are taken to be unaffected (manifesting heterozygotes are not modelled).")
    return out


def counselling_report(
    pedigree: Pedigree,
    disease: DiseaseRisk,
    *,
    couple: tuple[str, str] | None = None,
    consanguineous: bool | None = None,
    inbreeding: float = DEFAULT_INBREEDING,
    tests: Mapping[str, TestResult] | None = None,
    ages: Mapping[str, float] | None = None,
) -> RiskReport:
    """Risks for a pedigree plus plain-language advice with sources, as ``marbledx risk`` shows them."""
    risk = pedigree_risk(
        pedigree,
        disease.model,
        couple=couple,
        consanguineous=consanguineous,
        inbreeding=inbreeding,
        tests=tests,
        ages=ages,
    )
    # A baby recorded as unaffected in a form that can start in infancy may not show signs yet: the advice gives
    # their chance with the status left unknown (docs/counselling.md, "The advice text").
    young = {p.id for p in too_young_to_tell(risk, disease)}
    young_chances: dict[str, float] = {}
    if young:
        unknown = replace(
            pedigree,
            individuals=tuple(
                replace(p, affected=None) if p.id in young else p for p in pedigree.individuals
            ),
        )
        again = pedigree_risk(
            unknown,
            disease.model,
            couple=risk.couple,
            consanguineous=consanguineous,
            inbreeding=inbreeding,
            tests=tests,
            ages=ages,
        )
        young_chances = {p.id: p.affected_probability for p in again.individuals if p.id in young}
    advice = counselling_advice(risk, disease, young_chances)
    assumptions = (*_model_assumptions(disease), *risk.assumptions, *mosaicism_assumption(risk))
    return RiskReport(disease=disease, risk=risk, advice=tuple(advice), assumptions=assumptions)
