"""PED (PLINK/LINKAGE pedigree) files: who is whose parent, sex and affection status.

Format (https://www.cog-genomics.org/plink/1.9/formats#fam): whitespace-separated columns family,
individual, father, mother, sex (1 male, 2 female, 0/other unknown), affected (1 unaffected, 2 affected,
0/-9 unknown); ``0`` as a parent means not in the file. Extra columns (genotype or test results) are kept
as raw text for the counselling room. Lines starting with ``#`` are comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from marbledx.errors import InputError
from marbledx.findings._io import read_text_file

__all__ = ["PedIndividual", "Pedigree", "read_ped"]

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
    """The individuals of a PED file, by id."""

    path: str
    individuals: tuple[PedIndividual, ...]

    def get(self, individual_id: str) -> PedIndividual | None:
        return next((p for p in self.individuals if p.id == individual_id), None)

    def parents_of(self, individual_id: str) -> tuple[str | None, str | None]:
        """(father, mother) ids of an individual, ``None`` where unknown."""
        person = self.get(individual_id)
        return (person.father, person.mother) if person else (None, None)

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.individuals]


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
    by_id = {p.id: p for p in people}
    for person in people:
        for role, parent, expected in (
            ("father", person.father, "male"),
            ("mother", person.mother, "female"),
        ):
            if parent is None:
                continue
            if parent == person.id:
                msg = f"{path} line {person.line}: {person.id!r} is given as their own {role}"
                raise InputError(msg)
            record = by_id.get(parent)
            if record is not None and record.sex is not None and record.sex != expected:
                msg = (
                    f"{path} line {person.line}: {role} {parent!r} has sex {record.sex} in line {record.line}"
                )
                raise InputError(msg)
    return Pedigree(str(path), tuple(people))
