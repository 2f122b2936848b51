"""Pedigrees: PED (PLINK/LINKAGE) files and GA4GH phenopacket v2 Family pedigrees.

PED format (https://www.cog-genomics.org/plink/1.9/formats#fam): whitespace-separated columns family,
individual, father, mother, sex (1 male, 2 female, 0/other unknown), affected (1 unaffected, 2 affected,
0/-9 unknown); ``0`` as a parent means not in the file. Extra columns are kept as raw text; column 7, when
present, is the individual's genetic test result for the counselling room (:func:`read_test_results`). An
``age=`` token in any extra column (column 7 or later) is the individual's age: years (``age=34``,
``age=2.5``) or an ISO 8601 duration (``age=P34Y``, ``age=P2Y6M``); ``age=.``, ``age=na`` or
``age=unknown`` mean not known (:func:`parse_age_token`). When column 7 is an ``age=`` token, the test result
(if any) is in column 8. Other extra columns are ignored, except that a test word in one of them is an error
(it would otherwise be lost silently). Lines starting with ``#`` are comments.

A phenopacket v2 ``Family`` file (or a bare ``Pedigree`` object with ``persons``) gives the same
information in ``pedigree.persons`` (``familyId``, ``individualId``, ``paternalId``, ``maternalId``,
``sex``, ``affectedStatus``); :func:`read_family_pedigree` reads it into the same :class:`Pedigree`, with
the Family's ``consanguinousParents`` flag and proband. A person's age comes from the Family's proband or
relatives phenopacket whose ``subject.id`` is that person and whose ``subject.timeAtLastEncounter`` is an
``age`` (``iso8601duration``); other time forms (age ranges, gestational ages, timestamps) are not read.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import phenopackets
from google.protobuf import json_format

from marbledx._format import quoted
from marbledx.errors import InputError
from marbledx.findings._case import parse_iso_age
from marbledx.findings._io import parse_json_object, read_text_file

__all__ = [
    "MAX_PED_PEOPLE",
    "PedIndividual",
    "Pedigree",
    "TestResult",
    "is_age_token",
    "parse_age_token",
    "parse_test_result",
    "read_family_pedigree",
    "read_ped",
    "read_test_results",
]

_SEX = {"1": "male", "2": "female"}
_AFFECTED = {"1": False, "2": True}
# The codes a PED line may hold in its sex and affected columns (PLINK: 0 and -9 are unknown; PLINK 2 and R's
# write.table also write NA for a missing value); the registry's upload check uses the same sets, so it accepts
# exactly what this reader accepts.
PED_SEX_CODES: frozenset[str] = frozenset({"0", "1", "2", "-9", "NA", "other"})
PED_AFFECTED_CODES: frozenset[str] = frozenset({"0", "1", "2", "-9", "NA"})
_DAYS_PER_YEAR = 365.25  # the year of parse_iso_age (marbledx.findings._case)
MAX_AGE_YEARS = 130.0
_YEARS = re.compile(r"\d+(?:\.\d+)?")
_AGE_UNKNOWN = {".", "na", "unknown"}
_AGE_HELP = "expected years (age=34, age=2.5) or an ISO 8601 duration (age=P34Y, age=P2Y6M)"
# The longest id (family, individual, parent) read; the registry keeps sample names to the same length. A longer
# "id" is a damaged line (a genotype block, a pasted paragraph), not a person.
MAX_ID_LENGTH = 255
# The most people one pedigree file (PED, or a Family's pedigree.persons) may hold. Counselling computes one
# family of at most advice._risk.MAX_PEDIGREE_PEOPLE, so a clinic's file of many families is fine; reading and
# linking 100,000 people takes about a second, while the 64 MiB a file may have held 3.8 million (30 s, 2 GB).
MAX_PED_PEOPLE = 100_000
# Parent ids that mean "not given" (PLINK: 0; some tools write ".", and files written from R or with PLINK's
# missing code -9 hold NA or -9); no individual may carry one as an id. Read as an id instead, "NA" or "-9" named
# as the father of two children made them half-siblings through an invented person.
_NO_PARENT = frozenset({"0", ".", "-9", "NA"})
_COLUMN_NAMES = {1: "family", 2: "individual", 3: "father", 4: "mother", 5: "sex", 6: "affected"}
_PED_COLUMNS = "family, individual, father, mother, sex, affected"
_CYCLE_SHOWN = 8  # people of a parentage cycle a message names


def cycle_text(ids: Sequence[str]) -> str:
    """``A -> B -> A`` for a parentage cycle (each the child of the next); a long one is cut in the middle."""
    if len(ids) <= _CYCLE_SHOWN:
        return " -> ".join(ids)
    head, tail = ids[: _CYCLE_SHOWN // 2], ids[-(_CYCLE_SHOWN // 2) :]
    return f"{' -> '.join(head)} -> … -> {' -> '.join(tail)}; {len(ids) - 1} people"


def _bad_character(text: str) -> int | None:
    """The index of the first character of ``text`` that is not printable text, a space or a tab: a control
    character (NUL included), an invisible format character (zero-width space, a byte-order mark inside the
    file) or a space other than the ASCII one (no-break space, line separator). ``None`` if there is none.

    Such a character inside an id makes two spellings of one person that look the same (a parent then silently
    becomes "not in the file"), and Python's ``str.split`` would take the Unicode spaces for column breaks
    that PLINK does not see.
    """
    if text.replace("\t", " ").isprintable():  # the common case, at C speed
        return None
    return next(i for i, char in enumerate(text) if char != "\t" and not char.isprintable())


def _character_name(char: str) -> str:
    name = "NUL" if char == "\x00" else unicodedata.name(char, "a control character")
    return f"U+{ord(char):04X} ({name})"


@dataclass(frozen=True)
class PedIndividual:
    """One person of a pedigree. ``age`` is in years (``None`` when not known); ``line`` is the PED line
    number (or, for a phenopacket Family, the 1-based index in ``pedigree.persons``)."""

    family: str
    id: str
    father: str | None
    mother: str | None
    sex: Literal["female", "male"] | None
    affected: bool | None
    extra: tuple[str, ...] = ()
    line: int = 0
    age: float | None = None


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
        msg = f"{where}: test result {quoted(word)} is not recognised; expected one of {TEST_WORDS_HELP}"
        raise InputError(msg)
    return _TEST_WORDS[key]


def is_age_token(column: str) -> bool:
    """Whether a PED extra column is an ``age=`` token (the key is case-insensitive)."""
    return column[:4].lower() == "age="


def parse_age_token(token: str, where: str) -> float | None:
    """The age in years of an ``age=`` token: ``age=34``, ``age=2.5`` (years) or an ISO 8601 duration
    (``age=P34Y``, ``age=P2Y6M``, ``age=P3M``); ``None`` for ``age=.``, ``age=na`` or ``age=unknown``.

    Anything else, or an age above 130 years, is a one-line :class:`InputError` naming ``where``.
    """
    value = token[4:].strip() if is_age_token(token) else token.strip()
    if value.lower() in _AGE_UNKNOWN:
        return None
    if value[:1] in {"P", "p"}:
        # parse_iso_age names ``where`` for a malformed duration or one above 130 years.
        return parse_iso_age(value, where=where) / _DAYS_PER_YEAR
    years = float(value) if _YEARS.fullmatch(value) else math.nan
    if not math.isfinite(years):
        msg = f"{where}: {quoted(token)} is not an age; {_AGE_HELP}"
        raise InputError(msg)
    if years > MAX_AGE_YEARS:
        msg = f"{where}: {quoted(token)} is older than {MAX_AGE_YEARS:g} years; {_AGE_HELP}"
        raise InputError(msg)
    return years


def _ped_age(columns: Sequence[str], path: Path, number: int) -> float | None:
    """The age of a PED line from the ``age=`` token among its extra columns (7 and later), if any."""
    found: tuple[int, float | None] | None = None
    for column_number, column in enumerate(columns[6:], start=7):
        if not is_age_token(column):
            continue
        if found is not None:
            msg = f"{path} line {number} column {column_number}: a second age token {quoted(column)} (the first is in column {found[0]}); expected one age= token per line"
            raise InputError(msg)
        found = (column_number, parse_age_token(column, f"{path} line {number} column {column_number}"))
    return found[1] if found else None


def _test_column(extra: Sequence[str]) -> int | None:
    """The index in ``extra`` (column 7 is 0) of the test-result column: column 7, or column 8 when column 7
    is an ``age=`` token (a counsellor writing ``age=3 carrier`` means the test); ``None`` when absent."""
    if not extra:
        return None
    if not is_age_token(extra[0]):
        return 0
    return 1 if len(extra) > 1 and not is_age_token(extra[1]) else None


def read_test_results(pedigree: Pedigree) -> dict[str, TestResult]:
    """The test results of a pedigree's individuals (PED column 7, or 8 after an ``age=`` token), by id.

    Individuals without a test column, or with an unknown/untested word in it, are left out. When column 7
    is an ``age=`` token, column 8 is the test column, so ``age=3 carrier`` keeps its test result. Other
    extra columns are not read (an ``age=`` token among them is the age, read by :func:`read_ped`), but a
    test word in one of them (``. age=3 carrier``) is an :class:`InputError` naming its column, because
    ignoring a genetic test result silently would change the carrier figures. An unrecognised word in the
    test column is an :class:`InputError` naming the file, the line, the column and the allowed words.
    """
    results: dict[str, TestResult] = {}
    for person in pedigree.individuals:
        column = _test_column(person.extra)
        if column is not None:
            where = f"{pedigree.location(person)} column {column + 7}"
            result = parse_test_result(person.extra[column], where)
            if result is not None:
                results[person.id] = result
        for index, word in enumerate(person.extra):
            if index == column or is_age_token(word) or _TEST_WORDS.get(word.strip().lower()) is None:
                continue
            expected = "column 7, or column 8 when column 7 is an age= token"
            msg = f"{pedigree.location(person)} column {index + 7}: test result {quoted(word)} is in a column that is not read; expected it in {expected}"
            raise InputError(msg)
    return results


def _check_cycles(people: Sequence[PedIndividual], where: Callable[[PedIndividual], str]) -> None:
    """Refuse a parentage cycle (someone their own ancestor: a parent listed as the child's child).

    Iterative, so that a long line of descent cannot exhaust Python's recursion limit, and linear in the
    number of people.
    """
    by_id = {p.id: p for p in people}
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in people:
        if start.id in state:
            continue
        path: list[str] = [start.id]
        stack: list[tuple[str, list[str]]] = [(start.id, _parents_in_file(start, by_id))]
        state[start.id] = 1
        while stack:
            current, parents = stack[-1]
            if not parents:
                state[current] = 2
                stack.pop()
                path.pop()
                continue
            parent = parents.pop()
            if state.get(parent) == 1:
                cycle = [*path[path.index(parent) :], parent]
                msg = (
                    f"{where(by_id[parent])}: parentage cycle ({cycle_text(cycle)}, each the child of the "
                    "next); expected a family tree in which nobody is their own ancestor"
                )
                raise InputError(msg)
            if parent not in state:
                state[parent] = 1
                path.append(parent)
                stack.append((parent, _parents_in_file(by_id[parent], by_id)))


def _parents_in_file(person: PedIndividual, by_id: Mapping[str, PedIndividual]) -> list[str]:
    # Reversed, so that popping from the end visits the father first (the order of the messages of old).
    return [p for p in (person.mother, person.father) if p is not None and p in by_id]


def _check_relations(
    path: Path | str, people: Sequence[PedIndividual], where: Callable[[PedIndividual], str]
) -> None:
    """The checks between lines: nobody their own parent, a parent's sex and family agree with their role,
    no parentage cycle. Each problem is an :class:`InputError` naming the line (or ``pedigree.persons[i]``)
    and the line it conflicts with. (A parent of unknown sex named both as a father and as a mother is refused
    by the risk engine, which gives parents their roles' sex.)"""
    by_id = {p.id: p for p in people}
    for person in people:
        for role, parent, expected in (
            ("father", person.father, "male"),
            ("mother", person.mother, "female"),
        ):
            if parent is None:
                continue
            if parent == person.id:
                msg = f"{where(person)}: {quoted(person.id)} is given as their own {role}"
                raise InputError(msg)
            record = by_id.get(parent)
            if record is not None and record.sex is not None and record.sex != expected:
                msg = f"{where(person)}: {role} {quoted(parent)} has sex {record.sex} in {where(record).removeprefix(f'{path} ')}"
                raise InputError(msg)
            if record is not None and person.family and record.family and record.family != person.family:
                # PLINK reads a parent id within the child's family, so such a line names another person.
                msg = (
                    f"{where(person)}: {role} {quoted(parent)} is in family {quoted(record.family)} "
                    f"({where(record).removeprefix(f'{path} ')}), not in the child's family "
                    f"{quoted(person.family)}; expected parents in the same family as the child"
                )
                raise InputError(msg)
    _check_cycles(people, where)


def ped_rows(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """The whitespace-separated columns of each PED line with its 1-based number; blank and ``#`` lines
    are skipped. The registry's upload check reads PED lines through this too."""
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield number, line.split()


def _check_characters(path: Path, number: int, line: str) -> None:
    """Refuse a control, invisible or non-ASCII space character in a PED line, naming its column."""
    index = _bad_character(line)
    if index is None:
        return
    before = line[:index]  # printable text, spaces and tabs only: split() here is PLINK's split
    starts_column = not before or before[-1] in " \t"
    column = len(before.split()) + (1 if starts_column else 0)
    start = max(before.rfind(" "), before.rfind("\t")) + 1
    end = min((i for i in (line.find(" ", index), line.find("\t", index)) if i >= 0), default=len(line))
    msg = (
        f"{path} line {number} column {column} ({_COLUMN_NAMES.get(column, 'an extra column')}): character "
        f"{_character_name(line[index])} in {quoted(line[start:end])}; expected printable text with columns "
        "separated by spaces or tabs"
    )
    raise InputError(msg)


def _looks_like_header(columns: Sequence[str]) -> bool:
    """Whether a first PED line is a column header (``FID IID PAT MAT SEX PHENOTYPE``) rather than a person:
    words, not codes, in both the sex and the affected column."""
    return all(
        columns[i] not in codes and any(char.isalpha() for char in columns[i])
        for i, codes in ((4, PED_SEX_CODES), (5, PED_AFFECTED_CODES))
    )


def _check_ids(path: Path, number: int, columns: Sequence[str]) -> None:
    """The family, individual and parent ids of a line: not too long, and no individual called ``0``."""
    for column in range(4):
        value = columns[column]
        if len(value) > MAX_ID_LENGTH:
            msg = (
                f"{path} line {number} column {column + 1} ({_COLUMN_NAMES[column + 1]}): an id of "
                f"{len(value):,} characters ({quoted(value)}); expected at most {MAX_ID_LENGTH}"
            )
            raise InputError(msg)
    if columns[1] in _NO_PARENT:
        msg = (
            f"{path} line {number} column 2 (individual): {quoted(columns[1])} is the code for a parent not "
            "given (0, ., -9 or NA); expected another id for this person"
        )
        raise InputError(msg)


def read_ped(path: str | Path, *, max_individuals: int | None = MAX_PED_PEOPLE) -> Pedigree:
    """Read and check a PED file; every problem is an :class:`InputError` naming the file and line.

    An ``age=`` token in the extra columns sets :attr:`PedIndividual.age` (see :func:`parse_age_token`).
    ``max_individuals`` (default :data:`MAX_PED_PEOPLE`; ``None`` for no limit) stops at the first line beyond
    that many people, so that a cohort file is refused without reading all of it. Lines are numbered as an editor shows them (only
    a line feed, carriage return or both end a line); a control or invisible character, or a space other than
    the ASCII space or tab, is an error naming its line and column.
    """
    path = Path(path)
    text = read_text_file(path)  # line ends are \n only, byte-order mark dropped
    people: list[PedIndividual] = []
    seen: dict[str, int] = {}
    families: dict[str, str] = {}
    # Split on line feeds only: str.splitlines also breaks at form feeds, U+2028 and others, which would
    # renumber the lines an editor shows; such characters are refused below instead.
    lines = text.split("\n")
    for number, columns in ped_rows(lines):
        _check_characters(path, number, lines[number - 1])
        if len(columns) < 6:
            msg = f"{path} line {number}: expected 6 columns ({_PED_COLUMNS}), found {len(columns)}"
            raise InputError(msg)
        family, individual, father, mother, sex, affected = columns[:6]
        if not people and _looks_like_header(columns):
            msg = (
                f"{path} line {number}: {quoted(' '.join(columns[:6]))} looks like a column header, not a "
                f"person; expected a header line to start with '#', or no header (columns: {_PED_COLUMNS})"
            )
            raise InputError(msg)
        _check_ids(path, number, columns)
        if max_individuals is not None and len(people) >= max_individuals:
            msg = f"{path} line {number}: more than {max_individuals:,} individuals; expected at most {max_individuals:,} in one PED file"
            raise InputError(msg)
        if individual in seen:
            elsewhere = (
                ""
                if families[individual] == family
                else f" (family {quoted(families[individual])}); expected ids unique across the file, also between families"
            )
            msg = f"{path} line {number}: individual {quoted(individual)} is already defined at line {seen[individual]}{elsewhere}"
            raise InputError(msg)
        if sex not in PED_SEX_CODES:
            # One column later the line would be valid: most likely an id (or name) written with a space.
            shifted = len(columns) > 6 and columns[5] in PED_SEX_CODES and columns[6] in PED_AFFECTED_CODES
            hint = (
                "; an id with a space in it? Columns are separated by spaces or tabs, so ids cannot contain them"
                if shifted
                else ""
            )
            msg = f"{path} line {number}: sex {quoted(sex)} is not 1 (male), 2 (female) or 0 (unknown){hint}"
            raise InputError(msg)
        if affected not in PED_AFFECTED_CODES:
            msg = (
                f"{path} line {number}: affected status {quoted(affected)} is not 1 (unaffected), 2 (affected) "
                "or 0/-9 (unknown); a quantitative phenotype is not read"
            )
            raise InputError(msg)
        seen[individual] = number
        families[individual] = family
        people.append(
            PedIndividual(
                family=family,
                id=individual,
                father=None if father in _NO_PARENT else father,
                mother=None if mother in _NO_PARENT else mother,
                sex=_SEX.get(sex),  # type: ignore[arg-type]
                affected=_AFFECTED.get(affected),
                extra=tuple(columns[6:]),
                line=number,
                age=_ped_age(columns, path, number),
            )
        )
    if not people:
        msg = f"{path}: no individuals; expected PED lines ({_PED_COLUMNS})"
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


def _family_ages(path: Path, family: Any) -> dict[str, float]:
    """Ages (years) by subject id from a Family's proband and relatives ``subject.timeAtLastEncounter``.

    Only the ``age`` form of the time element is read. The same subject given two different ages is an
    :class:`InputError`.
    """
    packets: list[tuple[str, Any]] = []
    if family.HasField("proband"):
        packets.append(("proband", family.proband))
    packets.extend((f"relatives[{i}]", packet) for i, packet in enumerate(family.relatives))
    ages: dict[str, float] = {}
    first: dict[str, str] = {}
    for label, packet in packets:
        subject = packet.subject
        subject_id = str(subject.id).strip()
        if not subject_id or not subject.HasField("time_at_last_encounter"):
            continue
        time = subject.time_at_last_encounter
        if time.WhichOneof("element") != "age":
            continue
        where = f"{path} {label}.subject.timeAtLastEncounter.age"
        text = str(time.age.iso8601duration)
        years = parse_iso_age(text, where=where) / _DAYS_PER_YEAR  # at most 130 years
        if subject_id in ages and abs(ages[subject_id] - years) > 1e-9:
            msg = f"{where}: subject {subject_id!r} has a different age in {first[subject_id]}; expected one age per person"
            raise InputError(msg)
        ages.setdefault(subject_id, years)
        first.setdefault(subject_id, f"{label}.subject.timeAtLastEncounter")
    return ages


def _parse_family_json(path: Path) -> tuple[list[Any], bool, str | None, dict[str, float]]:
    """The persons, the consanguinity flag, the proband id and the subjects' ages (years) of a Family (or
    bare Pedigree) JSON file."""
    document = parse_json_object(
        path,
        read_text_file(path),
        expected="a GA4GH Phenopacket v2 Family",
        list_limits={"pedigree.persons": MAX_PED_PEOPLE, "persons": MAX_PED_PEOPLE},
    )
    try:
        if "pedigree" in document:
            family = json_format.ParseDict(document, phenopackets.Family())
            proband = family.proband.subject.id or None
            ages = _family_ages(path, family)
            return list(family.pedigree.persons), bool(family.consanguinous_parents), proband, ages
        if "persons" in document:
            pedigree = json_format.ParseDict(document, phenopackets.Pedigree())
            return list(pedigree.persons), False, None, {}
    except json_format.ParseError as exc:
        detail = " ".join(str(exc).split())
        msg = f"{path}: not a valid GA4GH Phenopacket v2 Family ({detail})"
        raise InputError(msg) from None
    except OverflowError:  # protobuf's double conversion of an integer beyond the float range
        msg = f"{path}: a number is too large for its field; expected a GA4GH Phenopacket v2 Family"
        raise InputError(msg) from None
    except RecursionError:
        msg = f"{path}: JSON nested too deeply; expected a GA4GH Phenopacket v2 Family"
        raise InputError(msg) from None
    msg = f"{path}: no 'pedigree' in the file; expected a GA4GH Phenopacket v2 Family with pedigree.persons"
    raise InputError(msg)


def _person_id(value: str, where: str) -> str:
    """An id of a phenopacket pedigree person, stripped; a control or invisible character, or an id longer
    than :data:`MAX_ID_LENGTH`, is an :class:`InputError` naming ``where`` (``pedigree.persons[i].field``)."""
    value = value.strip(" \t")
    index = _bad_character(value)
    if index is not None:
        msg = (
            f"{where}: character {_character_name(value[index])} in {quoted(value)}; expected printable text"
        )
        raise InputError(msg)
    if len(value) > MAX_ID_LENGTH:
        msg = (
            f"{where}: an id of {len(value):,} characters ({quoted(value)}); expected at most {MAX_ID_LENGTH}"
        )
        raise InputError(msg)
    return value


def read_family_pedigree(path: str | Path) -> Pedigree:
    """Read the pedigree of a phenopacket v2 Family JSON file (or a bare ``{"persons": [...]}`` Pedigree).

    Parent ids ``""``, ``"0"`` or ``"."`` mean not given. The same checks as :func:`read_ped` apply; errors
    are one-line :class:`InputError` messages naming the file and ``pedigree.persons[i]``. Ages come from the
    Family's proband and relatives phenopackets (``subject.timeAtLastEncounter.age``) matched by subject id;
    a bare Pedigree has no ages. A Family that declares ``consanguinousParents`` must have its proband in
    ``pedigree.persons`` (the flag is about the proband's parents).
    """
    path = Path(path)
    persons, consanguineous, proband, ages = _parse_family_json(path)
    sex_names = {int(v): k for k, v in phenopackets.Sex.items()}
    status_names = {int(v): k for k, v in phenopackets.Pedigree.Person.AffectedStatus.items()}
    people: list[PedIndividual] = []
    seen: dict[str, int] = {}
    for index, person in enumerate(persons):
        where = f"{path} pedigree.persons[{index}]"
        family, individual, father, mother = (
            _person_id(str(value), f"{where}.{name}")
            for name, value in (
                ("familyId", person.family_id),
                ("individualId", person.individual_id),
                ("paternalId", person.paternal_id),
                ("maternalId", person.maternal_id),
            )
        )
        if not individual or individual in _NO_PARENT:
            msg = f"{where}: no individualId; expected an identifier"
            raise InputError(msg)
        if individual in seen:
            msg = f"{where}: individual {quoted(individual)} is already defined at pedigree.persons[{seen[individual]}]"
            raise InputError(msg)
        seen[individual] = index
        people.append(
            PedIndividual(
                family=family,
                id=individual,
                father=None if father in {"", *_NO_PARENT} else father,
                mother=None if mother in {"", *_NO_PARENT} else mother,
                sex=_PP_SEX.get(sex_names.get(int(person.sex), "")),
                affected=_PP_AFFECTED.get(status_names.get(int(person.affected_status), "")),
                line=index + 1,
                age=ages.get(individual),
            )
        )
    if not people:
        msg = f"{path}: no persons in pedigree.persons; expected the family members"
        raise InputError(msg)
    _check_relations(path, people, lambda p: f"{path} pedigree.persons[{p.line - 1}]")
    if consanguineous and proband not in seen:
        # The flag says the proband's parents are related; without the proband it would silently be lost.
        named = f"{quoted(proband)} is not" if proband else "no proband.subject.id is"
        msg = (
            f"{path}: consanguinousParents is true but {named} in pedigree.persons; expected the proband "
            "(whose parents are related) among the persons"
        )
        raise InputError(msg)
    return Pedigree(
        str(path),
        tuple(people),
        consanguineous=consanguineous,
        proband=proband if proband in seen else None,
        source_format="phenopacket",
    )
