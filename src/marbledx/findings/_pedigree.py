"""Pedigrees: PED (PLINK/LINKAGE) files and GA4GH phenopacket v2 Family pedigrees.

PED format (https://www.cog-genomics.org/plink/1.9/formats#fam): whitespace-separated columns family,
individual, father, mother, sex (1 male, 2 female, 0/other unknown), affected (1 unaffected, 2 affected,
0/-9 unknown); ``0`` as a parent means not in the file. Extra columns are kept as raw text; column 7, when
present, is the individual's genetic test result for the counselling room (:func:`read_test_results`).
Lines starting with ``#`` are comments.

A phenopacket v2 ``Family`` file (or a bare ``Pedigree`` object with ``persons``) gives the same
information in ``pedigree.persons`` (``familyId``, ``individualId``, ``paternalId``, ``maternalId``,
``sex``, ``affectedStatus``); :func:`read_family_pedigree` reads it into the same :class:`Pedigree`, with
the Family's ``consanguinousParents`` flag and proband.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import phenopackets
from google.protobuf import json_format

from marbledx.errors import InputError
from marbledx.findings._io import read_text_file

__all__ = [
    "PedIndividual",
    "Pedigree",
    "TestResult",
    "parse_test_result",
    "read_family_pedigree",
    "read_ped",
    "read_test_results",
]

_SEX = {"1": "male", "2": "female"}
_AFFECTED = {"1": False, "2": True}


@dataclass(frozen=True)
class PedIndividual:
    family: str
    id: str
    father: str | None
    mother: str | None
    sex: Literal["female", "male"] | None
    affected: bool | None
    extra: tuple[str, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Pedigree:
    """The individuals of a PED file (or of a phenopacket Family's pedigree), by id.

    ``consanguineous`` is the Family file's ``consanguinousParents`` flag (the parents of ``proband`` are
    related); PED files carry no such flag. ``source_format`` says how :meth:`location` names a person.
    """

    path: str
    individuals: tuple[PedIndividual, ...]
    consanguineous: bool = False
    proband: str | None = None
    source_format: Literal["ped", "phenopacket"] = "ped"

    def get(self, individual_id: str) -> PedIndividual | None:
        return next((p for p in self.individuals if p.id == individual_id), None)

    def parents_of(self, individual_id: str) -> tuple[str | None, str | None]:
        """(father, mother) ids of an individual, ``None`` where unknown."""
        person = self.get(individual_id)
        return (person.father, person.mother) if person else (None, None)

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.individuals]

    def location(self, person: PedIndividual) -> str:
        """Where ``person`` is defined, for messages: ``FILE line N`` or ``FILE pedigree.persons[i]``."""
        if self.source_format == "phenopacket":
            return f"{self.path} pedigree.persons[{person.line - 1}]"
        return f"{self.path} line {person.line}"


class TestResult(StrEnum):
    """A genetic test result for the family's disease variant(s), from PED column 7.

    The number of disease alleles each result means depends on the inheritance mode only for
    ``AFFECTED_GENOTYPE`` (the genotype that causes the disease) and ``POSITIVE`` (at least one allele).
    """

    __test__ = False  # not a pytest test class despite the name

    NONCARRIER = "noncarrier"  # no disease allele
    CARRIER = "carrier"  # exactly one disease allele (heterozygous)
    BIALLELIC = "biallelic"  # two disease alleles (homozygous or compound heterozygous)
    HEMIZYGOUS = "hemizygous"  # a male with the disease allele on his single X chromosome
    AFFECTED_GENOTYPE = "affected_genotype"  # the disease-causing genotype of the inheritance mode
    POSITIVE = "positive"  # at least one disease allele


_TEST_WORDS: dict[str, TestResult | None] = {
    ".": None,
    "0": None,
    "-": None,
    "-9": None,
    "na": None,
    "unknown": None,
    "untested": None,
    "noncarrier": TestResult.NONCARRIER,
    "non-carrier": TestResult.NONCARRIER,
    "negative": TestResult.NONCARRIER,
    "wildtype": TestResult.NONCARRIER,
    "carrier": TestResult.CARRIER,
    "heterozygous": TestResult.CARRIER,
    "het": TestResult.CARRIER,
    "biallelic": TestResult.BIALLELIC,
    "homozygous": TestResult.BIALLELIC,
    "compound_heterozygous": TestResult.BIALLELIC,
    "hemizygous": TestResult.HEMIZYGOUS,
    "affected_genotype": TestResult.AFFECTED_GENOTYPE,
    "positive": TestResult.POSITIVE,
}
TEST_WORDS_HELP = ", ".join(_TEST_WORDS)


def parse_test_result(word: str, where: str) -> TestResult | None:
    """The test result a word names (case-insensitive); ``None`` for unknown/untested (``.``, ``0``).

    An unrecognised word is an :class:`InputError` naming ``where`` and the allowed words.
    """
    key = word.strip().lower()
    if key not in _TEST_WORDS:
        msg = f"{where}: test result {word!r} is not recognised; expected one of {TEST_WORDS_HELP}"
        raise InputError(msg)
    return _TEST_WORDS[key]


def read_test_results(pedigree: Pedigree) -> dict[str, TestResult]:
    """The test results of a pedigree's individuals (PED column 7), by individual id.

    Individuals without a column 7, or with an unknown/untested word, are left out. Further columns are
    ignored. An unrecognised word is an :class:`InputError` naming the file, the line and the allowed words.
    """
    results: dict[str, TestResult] = {}
    for person in pedigree.individuals:
        if not person.extra:
            continue
        result = parse_test_result(person.extra[0], f"{pedigree.location(person)} column 7")
        if result is not None:
            results[person.id] = result
    return results


def _check_relations(
    path: Path | str, people: Sequence[PedIndividual], where: Callable[[PedIndividual], str]
) -> None:
    by_id = {p.id: p for p in people}
    for person in people:
        for role, parent, expected in (
            ("father", person.father, "male"),
            ("mother", person.mother, "female"),
        ):
            if parent is None:
                continue
            if parent == person.id:
                msg = f"{where(person)}: {person.id!r} is given as their own {role}"
                raise InputError(msg)
            record = by_id.get(parent)
            if record is not None and record.sex is not None and record.sex != expected:
                msg = f"{where(person)}: {role} {parent!r} has sex {record.sex} in {where(record).removeprefix(f'{path} ')}"
                raise InputError(msg)


def read_ped(path: Path) -> Pedigree:
    """Read and check a PED file; every problem is an :class:`InputError` naming the file and line."""
    text = read_text_file(path)
    people: list[PedIndividual] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        columns = line.split()
        if len(columns) < 6:
            msg = (
                f"{path} line {number}: expected 6 columns (family, individual, father, mother, sex, affected), "
                f"found {len(columns)}"
            )
            raise InputError(msg)
        family, individual, father, mother, sex, affected = columns[:6]
        if individual in seen:
            msg = f"{path} line {number}: individual {individual!r} is already defined at line {seen[individual]}"
            raise InputError(msg)
        if sex not in {"0", "1", "2", "-9", "other"}:
            msg = f"{path} line {number}: sex {sex!r} is not 1 (male), 2 (female) or 0 (unknown)"
            raise InputError(msg)
        if affected not in {"0", "1", "2", "-9"}:
            msg = f"{path} line {number}: affected status {affected!r} is not 1 (unaffected), 2 (affected) or 0 (unknown)"
            raise InputError(msg)
        seen[individual] = number
        people.append(
            PedIndividual(
                family=family,
                id=individual,
                father=None if father in {"0", "."} else father,
                mother=None if mother in {"0", "."} else mother,
                sex=_SEX.get(sex),  # type: ignore[arg-type]
                affected=_AFFECTED.get(affected),
                extra=tuple(columns[6:]),
                line=number,
            )
        )
    if not people:
        msg = (
            f"{path}: no individuals; expected PED lines (family, individual, father, mother, sex, affected)"
        )
        raise InputError(msg)
    _check_relations(path, people, lambda person: f"{path} line {person.line}")
    return Pedigree(str(path), tuple(people))


# Phenopacket v2 enums (JSON names): Sex and Pedigree.Person.AffectedStatus.
_PP_SEX: dict[str, Literal["female", "male"] | None] = {
    "UNKNOWN_SEX": None,
    "OTHER_SEX": None,
    "FEMALE": "female",
    "MALE": "male",
}
_PP_AFFECTED: dict[str, bool | None] = {"MISSING": None, "UNAFFECTED": False, "AFFECTED": True}


def _parse_family_json(path: Path) -> tuple[list[Any], bool, str | None]:
    """The persons, the consanguinity flag and the proband id of a Family (or bare Pedigree) JSON file."""
    text = read_text_file(path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"{path}: malformed JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); expected a GA4GH Phenopacket v2 Family"
        raise InputError(msg) from None
    if not isinstance(document, dict):
        msg = (
            f"{path}: expected a JSON object (a GA4GH Phenopacket v2 Family), found {type(document).__name__}"
        )
        raise InputError(msg)
    try:
        if "pedigree" in document:
            family = json_format.ParseDict(document, phenopackets.Family())
            proband = family.proband.subject.id or None
            return list(family.pedigree.persons), bool(family.consanguinous_parents), proband
        if "persons" in document:
            pedigree = json_format.ParseDict(document, phenopackets.Pedigree())
            return list(pedigree.persons), False, None
    except json_format.ParseError as exc:
        detail = " ".join(str(exc).split())
        msg = f"{path}: not a valid GA4GH Phenopacket v2 Family ({detail})"
        raise InputError(msg) from None
    msg = f"{path}: no 'pedigree' in the file; expected a GA4GH Phenopacket v2 Family with pedigree.persons"
    raise InputError(msg)


def read_family_pedigree(path: Path) -> Pedigree:
    """Read the pedigree of a phenopacket v2 Family JSON file (or a bare ``{"persons": [...]}`` Pedigree).

    Parent ids ``""`` or ``"0"`` mean not given. The same checks as :func:`read_ped` apply; errors are
    one-line :class:`InputError` messages naming the file and ``pedigree.persons[i]``.
    """
    persons, consanguineous, proband = _parse_family_json(path)
    sex_names = {int(v): k for k, v in phenopackets.Sex.items()}
    status_names = {int(v): k for k, v in phenopackets.Pedigree.Person.AffectedStatus.items()}
    people: list[PedIndividual] = []
    seen: dict[str, int] = {}
    for index, person in enumerate(persons):
        where = f"{path} pedigree.persons[{index}]"
        individual = str(person.individual_id).strip()
        if not individual or individual == "0":
            msg = f"{where}: no individualId; expected an identifier"
            raise InputError(msg)
        if individual in seen:
            msg = f"{where}: individual {individual!r} is already defined at pedigree.persons[{seen[individual]}]"
            raise InputError(msg)
        seen[individual] = index
        father = str(person.paternal_id).strip()
        mother = str(person.maternal_id).strip()
        people.append(
            PedIndividual(
                family=str(person.family_id),
                id=individual,
                father=None if father in {"", "0", "."} else father,
                mother=None if mother in {"", "0", "."} else mother,
                sex=_PP_SEX.get(sex_names.get(int(person.sex), "")),
                affected=_PP_AFFECTED.get(status_names.get(int(person.affected_status), "")),
                line=index + 1,
            )
        )
    if not people:
        msg = f"{path}: no persons in pedigree.persons; expected the family members"
        raise InputError(msg)
    _check_relations(path, people, lambda p: f"{path} pedigree.persons[{p.line - 1}]")
    return Pedigree(
        str(path),
        tuple(people),
        consanguineous=consanguineous,
        proband=proband if proband in seen else None,
        source_format="phenopacket",
    )
