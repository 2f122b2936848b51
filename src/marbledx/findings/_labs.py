"""Laboratory values → HPO terms, with age- and sex-specific reference intervals kept as cited data.

The reference intervals, unit conversions and HPO mappings live in ``findings/data/labs.yaml`` and are
validated at load time (:func:`load_lab_table`). The engine here only reads that table:

- :func:`parse_lab_value`, :func:`read_labs_csv` and :func:`make_lab_value` turn user input into validated
  :class:`LabValue` rows (known analyte, accepted unit, a number, a plausible value, an ISO 8601 date);
- :func:`interpret_labs` compares each value with the reporting laboratory's interval when one is given, and
  otherwise with the bundled, cited interval for the patient's age and sex;
- :func:`derive_lab_findings` applies the rules that need several analytes on one date (pancytopenia,
  secondary hyperparathyroidism, …) and :func:`lab_findings` returns the HPO findings of the case;
- :func:`prepare_lab_findings` merges those findings with entered ones against a loaded HPO release.

Nothing here logs: lab values are patient data.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from marbledx._format import age_text, quoted
from marbledx._yaml import read_yaml_document
from marbledx.errors import InputError, KnowledgeBaseError, UnknownTermError
from marbledx.findings._case import MAX_AGE_YEARS, Finding, parse_iso_age
from marbledx.findings._io import check_path, read_text_file
from marbledx.ontology import Ontology

__all__ = [
    "AnalyteSpec",
    "DerivedLabFinding",
    "Interpretation",
    "LabInterpretation",
    "LabReport",
    "LabTable",
    "LabValue",
    "ReferenceInterval",
    "bundled_lab_table",
    "bundled_lab_table_path",
    "derive_lab_findings",
    "interpret_labs",
    "lab_findings",
    "lab_report",
    "load_lab_table",
    "make_lab_value",
    "parse_lab_date",
    "parse_lab_value",
    "prepare_lab_findings",
    "read_labs_csv",
]

Interpretation = Literal["low", "normal", "high", "unknown"]
Sex = Literal["female", "male"]
# A censored result: the laboratory reports a bound, not a measured value ("<5", ">1000", "not detected").
Censored = Literal["<", "<=", ">", ">=", "not detected"]
CENSORED_FORMS: tuple[str, ...] = ("<", "<=", ">", ">=", "not detected")

LABORATORY_SOURCE = "reporting laboratory"
# Comparisons happen after unit conversion; a value equal to a limit must not flip to abnormal because of
# floating-point noise (e.g. 10.5 g/dL against 105 g/L).
_REL_TOL = 1e-9


# --------------------------------------------------------------------------------------------------------
# The table schema (labs.yaml)
# --------------------------------------------------------------------------------------------------------


def _check_source(value: str) -> str:
    if not re.fullmatch(r"ref:[a-z0-9][a-z0-9-]*", value):
        msg = f"{value!r} is not a citation; expected ref:KEY naming an entry of 'references'"
        raise ValueError(msg)
    return value


def _check_age(value: str) -> str:
    try:
        parse_iso_age(value, where="age")
    except InputError as exc:
        raise ValueError(str(exc)) from None
    return value


Source = Annotated[str, AfterValidator(_check_source)]
IsoAge = Annotated[str, AfterValidator(_check_age)]
HpoId = Annotated[str, Field(pattern=r"^HP:\d{7}$")]
NonEmptyText = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    # defer_build: the validators are built when the lab table is first read, not at import. A run without
    # lab values (most of ``marbledx rank``) never builds them, and the table builds one validator for all
    # its models instead of one per model as well (docs/benchmarks.md, stop 27).
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)


class LabReference(_Strict):
    """A bibliography entry cited as ``ref:KEY``; ``short`` is what output rows show."""

    key: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    short: NonEmptyText
    citation: NonEmptyText
    verified: bool
    note: str | None = None


class UnitSpec(_Strict):
    """An accepted unit; ``factor`` converts a value in this unit to the analyte's canonical unit."""

    unit: NonEmptyText
    factor: Annotated[float, Field(gt=0)]
    aliases: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)


class Plausible(_Strict):
    """Data-entry guard in the canonical unit: values outside are refused as impossible."""

    min: float
    max: float
    # Values below this are read but flagged as a likely unit slip (g/L typed for g/dL).
    check_below: float | None = None
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Plausible:
        if not self.min < self.max:
            msg = f"min ({self.min}) must be below max ({self.max})"
            raise ValueError(msg)
        if self.check_below is not None and not self.min < self.check_below < self.max:
            msg = f"check_below ({self.check_below}) must lie between min and max"
            raise ValueError(msg)
        return self


class TermMapping(_Strict):
    """The HPO term a low or high value maps to."""

    hpo_id: HpoId
    label: NonEmptyText
    exclude_when_normal: bool = False
    sources: list[Source] = Field(min_length=1)


class StatedLimits(_Strict):
    """A band's limits as its source also states them in another unit."""

    low: float | None = None
    high: float | None = None
    # The grey zone's upper end too: Gomella states neonatal ionised hypocalcaemia as "< 0.75 to < 1.10
    # mmol/L (3.0-4.4 mg/dL)", and 3.0 mg/dL is 0.7485 mmol/L, so the converted limit would call 3.0 low.
    low_indeterminate_below: float | None = None


class Band(_Strict):
    """Reference limits for an age range (``age_to`` exclusive) and optionally one sex."""

    age_from: IsoAge | None = None
    age_to: IsoAge | None = None
    sex: Sex | None = None
    low: float | None = None
    high: float | None = None
    low_indeterminate_below: float | None = None
    unit: str | None = None
    one_sided_normal: bool = False
    unverified: bool = False
    note: str | None = None
    sources: list[Source] = Field(min_length=1)
    # The same limits as the source states them in another unit (Gomella: "< 2.0 mmol/L (< 8.0 mg/dL)"). A
    # value entered in that unit is compared with them, so that the source's rounding (8.0 mg/dL is 1.996
    # mmol/L) cannot turn a value on the limit abnormal.
    also_stated: dict[str, StatedLimits] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Band:
        limits = self.low is not None or self.high is not None
        if limits and not self.unit:
            msg = "a band with 'low' or 'high' needs the 'unit' they are stated in"
            raise ValueError(msg)
        if not limits and not self.note:
            msg = "a band without limits needs a 'note' saying what to do instead"
            raise ValueError(msg)
        if self.low is not None and self.high is not None and not self.low < self.high:
            msg = f"low ({self.low}) must be below high ({self.high})"
            raise ValueError(msg)
        if self.low_indeterminate_below is not None and (
            self.low is None or not self.low < self.low_indeterminate_below
        ):
            msg = "low_indeterminate_below needs a 'low' limit below it"
            raise ValueError(msg)
        if self.one_sided_normal and (self.low is None) == (self.high is None):
            msg = "one_sided_normal applies only to a band with exactly one of 'low' and 'high'"
            raise ValueError(msg)
        if self.from_days >= self.to_days:
            msg = f"age_from ({self.age_from}) must be below age_to ({self.age_to})"
            raise ValueError(msg)
        return self

    @property
    def from_days(self) -> float:
        return parse_iso_age(self.age_from) if self.age_from else 0.0

    @property
    def to_days(self) -> float:
        return parse_iso_age(self.age_to) if self.age_to else math.inf

    @property
    def age_dependent(self) -> bool:
        return self.age_from is not None or self.age_to is not None

    def covers(self, age_days: float) -> bool:
        return self.from_days <= age_days < self.to_days


class LoincCode(_Strict):
    code: Annotated[str, Field(pattern=r"^\d{1,7}-\d$")]
    display: NonEmptyText


class AnalyteSpec(_Strict):
    """One analyte: names, LOINC codes, units, plausibility bounds, HPO mappings and reference bands."""

    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    name: NonEmptyText
    aliases: list[str] = Field(default_factory=list)
    loinc: list[LoincCode] = Field(default_factory=list)
    unit: NonEmptyText
    units: list[UnitSpec] = Field(min_length=1)
    plausible: Plausible
    low: TermMapping | None = None
    high: TermMapping | None = None
    bands: list[Band] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> AnalyteSpec:
        keys: dict[str, str] = {}
        for spec in self.units:
            for spelling in (spec.unit, *spec.aliases):
                owner = keys.setdefault(_unit_key(spelling), spec.unit)
                if owner != spec.unit:
                    msg = f"unit spelling {spelling!r} is used by both {owner!r} and {spec.unit!r}"
                    raise ValueError(msg)
        canonical = keys.get(_unit_key(self.unit))
        factor = next((u.factor for u in self.units if u.unit == canonical), None)
        if factor != 1.0:
            msg = f"the canonical unit {self.unit!r} must be listed in 'units' with factor 1"
            raise ValueError(msg)
        # An equivalent is an amount of substance times the ion's charge number (Young 1987,
        # DOI:10.7326/0003-4819-106-1-114): mEq/L is mmol/L divided by a whole charge, 1 for bicarbonate and
        # 2 for calcium. A factor of 2 typed for 0.5 would read every calcium four times too high.
        for spec in self.units:
            if not {_unit_key(s) for s in (spec.unit, *spec.aliases)} & set(_EQUIVALENT_UNITS):
                continue
            mmol = next((u for u in self.units if _unit_key(u.unit) == "mmol/l"), None)
            charge = None if mmol is None else mmol.factor / spec.factor
            if charge is None or not any(math.isclose(charge, z, rel_tol=1e-9) for z in (1, 2, 3)):
                msg = (
                    f"unit {spec.unit!r}: an equivalent is mmol/L times the ion's charge, so its factor must be "
                    "the mmol/L factor divided by 1, 2 or 3"
                )
                raise ValueError(msg)
        for index, band in enumerate(self.bands):
            if band.unit is not None and _unit_key(band.unit) not in keys:
                msg = f"bands[{index}].unit {band.unit!r} is not one of the analyte's units"
                raise ValueError(msg)
            for stated_unit, stated in band.also_stated.items():
                if keys.get(_unit_key(stated_unit)) != stated_unit:
                    msg = f"bands[{index}].also_stated: {stated_unit!r} is not one of the analyte's units"
                    raise ValueError(msg)
                if (
                    (stated.low is None) != (band.low is None)
                    or (stated.high is None) != (band.high is None)
                    or (stated.low_indeterminate_below is None) != (band.low_indeterminate_below is None)
                ):
                    msg = (
                        f"bands[{index}].also_stated[{stated_unit!r}] must state the same limits as the band"
                    )
                    raise ValueError(msg)
        for i, first in enumerate(self.bands):
            for j in range(i + 1, len(self.bands)):
                second = self.bands[j]
                sexes_meet = first.sex is None or second.sex is None or first.sex == second.sex
                ages_meet = first.from_days < second.to_days and second.from_days < first.to_days
                if sexes_meet and ages_meet:
                    msg = f"bands[{i}] and bands[{j}] overlap in age and sex; expected one band per patient"
                    raise ValueError(msg)
        return self


class Condition(_Strict):
    """One condition of a derived rule: any of ``analytes`` in ``state`` on the rule's date."""

    analytes: list[str] = Field(min_length=1)
    state: Literal["low", "high", "not_low", "not_high"]


class DerivedRule(_Strict):
    hpo_id: HpoId
    label: NonEmptyText
    rule: NonEmptyText
    all_of: list[Condition] = Field(min_length=2)
    inference: bool = False
    sources: list[Source] = Field(min_length=1)


class CalciumPhosphateProduct(_Strict):
    calcium: NonEmptyText
    phosphate: NonEmptyText
    note: NonEmptyText
    sources: list[Source] = Field(min_length=1)


class _TableData(_Strict):
    version: Literal[1]
    references: list[LabReference] = Field(min_length=1)
    analytes: list[AnalyteSpec] = Field(min_length=1)
    derived: list[DerivedRule] = Field(default_factory=list)
    calcium_phosphate_product: CalciumPhosphateProduct | None = None


# --------------------------------------------------------------------------------------------------------
# Names and units
# --------------------------------------------------------------------------------------------------------


def _name_key(text: str) -> str:
    """Fold an analyte name: accents, case, spaces and punctuation ("CK-BB" = "ck bb" = "ckbb"); keeps '+'."""
    ascii_only = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9+]", "", ascii_only.lower())


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def _unit_key(text: str) -> str:
    """Fold a unit spelling: case, spaces, µ/μ/u, UCUM brackets and annotations, 10^9 = 10*9 = 10⁹ = x10^9."""
    value = text.strip()
    if value.lower().startswith("ucum:"):
        value = value[5:]
    value = re.sub(r"10([⁰¹²³⁴⁵⁶⁷⁸⁹]+)", lambda m: "10*" + m.group(1).translate(_SUPERSCRIPTS), value)
    value = value.translate(_SUPERSCRIPTS).replace("µ", "u").replace("μ", "u").replace("\u00d7", "x")
    value = re.sub(r"\{[^}]*\}", "", value).replace("[", "").replace("]", "")
    value = re.sub(r"\s+", "", value).lower().replace("^", "*")
    # "mc" is a written micro ("mcL", "mcg/L", "mcmol/L"), and "mm^3" is "mm3".
    value = re.sub(r"mc(?=(?:l|g|mol|kat)(?![a-z]))", "u", value).replace("mm*3", "mm3")
    value = re.sub(r"^[x*]?10e(?=\d)", "10*", value)
    return re.sub(r"^[x*](?=10\*)", "", value)


# --------------------------------------------------------------------------------------------------------
# The loaded table
# --------------------------------------------------------------------------------------------------------


# Analytes whose mEq/L is refused with the reason, not only with the list of accepted units. (An ion of fixed
# charge has its mEq/L in labs.yaml, as calcium has; the load check of AnalyteSpec keeps its factor whole.)
_NO_EQUIVALENTS: dict[str, str] = {
    "phosphate": (
        "phosphate ions carry one or two charges depending on pH, so mEq/L has no fixed conversion to mmol/L"
    ),
}
_EQUIVALENT_UNITS = ("meq/l", "mval/l")


class LabTable:
    """The validated lab reference table. Build it with :func:`load_lab_table` or :func:`bundled_lab_table`."""

    def __init__(self, data: _TableData, source: str) -> None:
        self.source = source
        self.version = data.version
        self.analytes: tuple[AnalyteSpec, ...] = tuple(data.analytes)
        self.derived: tuple[DerivedRule, ...] = tuple(data.derived)
        self.calcium_phosphate_product = data.calcium_phosphate_product
        self.references: dict[str, LabReference] = {r.key: r for r in data.references}
        self._by_key = {a.key: a for a in self.analytes}
        self._by_name: dict[str, AnalyteSpec] = {}
        self._by_loinc: dict[str, AnalyteSpec] = {}
        self._units: dict[str, dict[str, UnitSpec]] = {}
        self._labels: dict[str, str] = {}
        for analyte in self.analytes:
            for name in (analyte.key, analyte.name, *analyte.aliases):
                self._by_name.setdefault(_name_key(name), analyte)
            for code in analyte.loinc:
                self._by_loinc[code.code] = analyte
            self._units[analyte.key] = {
                _unit_key(spelling): spec for spec in analyte.units for spelling in (spec.unit, *spec.aliases)
            }
            for mapping in (analyte.low, analyte.high):
                if mapping is not None:
                    self._labels.setdefault(mapping.hpo_id, mapping.label)
        for rule in self.derived:
            self._labels.setdefault(rule.hpo_id, rule.label)

    def find(self, name: str) -> AnalyteSpec | None:
        """The analyte called ``name`` (key, name or alias, folded), or None."""
        return self._by_key.get(name) or self._by_name.get(_name_key(name))

    def analyte(self, name: str, *, where: str = "analyte") -> AnalyteSpec:
        """The analyte called ``name``; an unknown name is an :class:`InputError` listing known ones."""
        found = self.find(name) if isinstance(name, str) and name.strip() else None
        if found is None:
            known = ", ".join(
                f"{a.key} ({a.aliases[0]})"
                if a.aliases and _name_key(a.aliases[0]) != _name_key(a.key)
                else a.key
                for a in self.analytes
            )
            msg = f"{where}: unknown analyte {name!r}; expected one of {known}"
            raise InputError(msg)
        return found

    def for_loinc(self, code: str) -> AnalyteSpec | None:
        """The analyte of a LOINC code (``718-7`` or ``LOINC:718-7``), or None when it is not mapped."""
        bare = code.strip()
        if bare.upper().startswith("LOINC:"):
            bare = bare[6:]
        return self._by_loinc.get(bare.strip())

    def unit(self, analyte: AnalyteSpec, unit: str, *, where: str = "unit") -> UnitSpec:
        """The accepted unit spelled ``unit``; anything else is an :class:`InputError` listing accepted units."""
        found = self._units[analyte.key].get(_unit_key(unit)) if isinstance(unit, str) else None
        if found is None:
            accepted = ", ".join(u.unit for u in analyte.units)
            reason = _NO_EQUIVALENTS.get(analyte.key) if isinstance(unit, str) else None
            if reason is not None and _unit_key(unit) in _EQUIVALENT_UNITS:
                msg = f"{where}: {unit!r} is not converted for {analyte.key} ({reason}); expected one of {accepted}"
            elif not isinstance(unit, str) or unit.strip():
                msg = (
                    f"{where}: {unit!r} is not an accepted unit for {analyte.key}; expected one of {accepted}"
                )
            else:
                msg = f"{where}: {analyte.key} needs a unit; expected one of {accepted}"
            raise InputError(msg)
        return found

    def convert(self, analyte: AnalyteSpec, value: float, from_unit: str, to_unit: str) -> float:
        """``value`` in ``from_unit`` expressed in ``to_unit`` (both accepted units of ``analyte``)."""
        source = self.unit(analyte, from_unit)
        target = self.unit(analyte, to_unit)
        return value if source is target else value * source.factor / target.factor

    def citation(self, keys: Iterable[str]) -> str:
        """Short citations of ``ref:KEY`` sources, in order, without repeats."""
        shown = dict.fromkeys(self.references[k.removeprefix("ref:")].short for k in keys)
        return "; ".join(shown)

    def hpo_label(self, hpo_id: str) -> str | None:
        """The label the table uses for an HPO id it maps to (checked against HPO in the integration tests)."""
        return self._labels.get(hpo_id)

    @property
    def hpo_ids(self) -> tuple[str, ...]:
        """Every HPO id the table can produce."""
        return tuple(self._labels)


def _describe_location(loc: Sequence[int | str]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int) and parts:
            parts[-1] = f"{parts[-1]}[{item}]"
        else:
            parts.append(str(item))
    return ".".join(parts) or "(top level)"


def _check_table(name: str, data: _TableData) -> None:
    """Cross-references a single model cannot check; errors name the file, the entry and the field."""
    references = {r.key for r in data.references}
    seen_names: dict[str, str] = {}
    seen_loinc: dict[str, str] = {}
    seen_keys: set[str] = set()

    def check_sources(where: str, sources: Iterable[str]) -> None:
        for index, source in enumerate(sources):
            if source.removeprefix("ref:") not in references:
                msg = f"{name}: {where}, field 'sources[{index}]': citation {source!r} has no entry in 'references'"
                raise KnowledgeBaseError(msg)

    for analyte in data.analytes:
        where = f"analyte {analyte.key!r}"
        if analyte.key in seen_keys:
            msg = f"{name}: {where}, field 'key': duplicate analyte key"
            raise KnowledgeBaseError(msg)
        seen_keys.add(analyte.key)
        for spelling in (analyte.key, analyte.name, *analyte.aliases):
            owner = seen_names.setdefault(_name_key(spelling), analyte.key)
            if owner != analyte.key:
                msg = f"{name}: {where}, field 'aliases': {spelling!r} is also a name of analyte {owner!r}"
                raise KnowledgeBaseError(msg)
        for code in analyte.loinc:
            owner = seen_loinc.setdefault(code.code, analyte.key)
            if owner != analyte.key:
                msg = f"{name}: {where}, field 'loinc': {code.code} is also mapped to analyte {owner!r}"
                raise KnowledgeBaseError(msg)
        for index, spec in enumerate(analyte.units):
            check_sources(f"{where} units[{index}]", spec.sources)
        check_sources(f"{where} plausible", analyte.plausible.sources)
        for side in ("low", "high"):
            mapping = getattr(analyte, side)
            if mapping is not None:
                check_sources(f"{where} {side}", mapping.sources)
        for index, band in enumerate(analyte.bands):
            check_sources(f"{where} bands[{index}]", band.sources)
    for index, rule in enumerate(data.derived):
        where = f"derived[{index}] {rule.hpo_id}"
        check_sources(where, rule.sources)
        for cond_index, condition in enumerate(rule.all_of):
            for analyte_key in condition.analytes:
                if analyte_key not in seen_keys:
                    msg = f"{name}: {where}, field 'all_of[{cond_index}].analytes': unknown analyte {analyte_key!r}"
                    raise KnowledgeBaseError(msg)
    product = data.calcium_phosphate_product
    if product is not None:
        check_sources("calcium_phosphate_product", product.sources)
        for field_name in ("calcium", "phosphate"):
            key = getattr(product, field_name)
            named = next((a for a in data.analytes if a.key == key), None)
            if named is None or not any(_unit_key(u.unit) == "mg/dl" for u in named.units):
                msg = (
                    f"{name}: calcium_phosphate_product, field '{field_name}': {key!r} must be an analyte "
                    "with an mg/dL unit"
                )
                raise KnowledgeBaseError(msg)


def bundled_lab_table_path() -> Path:
    """The ``labs.yaml`` shipped with the package."""
    return Path(str(resources.files("marbledx.findings") / "data" / "labs.yaml"))


def load_lab_table(path: Path | None = None) -> LabTable:
    """Load and validate a lab reference table (default: the bundled ``labs.yaml``).

    Raises :class:`~marbledx.errors.KnowledgeBaseError` whose one-line message names the file, the analyte
    (or rule) and the field of the first problem.
    """
    file = path if path is not None else bundled_lab_table_path()
    document = read_yaml_document(
        file, what="the lab reference table", expected="a YAML mapping with 'references' and 'analytes'"
    )
    if not isinstance(document, dict):
        msg = f"{file.name}: expected a YAML mapping with 'version', 'references' and 'analytes'"
        raise KnowledgeBaseError(msg)
    data = _validate(file.name, document)
    _check_table(file.name, data)
    return LabTable(data, source=str(file))


def _validate(name: str, document: dict[str, Any]) -> _TableData:
    """Validate, naming the analyte (by key) rather than its list position when an analyte is wrong."""
    try:
        return _TableData.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = list(first["loc"])
        label = ""
        if len(loc) >= 2 and loc[0] == "analytes" and isinstance(loc[1], int):
            raw = document.get("analytes")
            item = raw[loc[1]] if isinstance(raw, list) and loc[1] < len(raw) else None
            key = item.get("key") if isinstance(item, dict) else None
            label = f"analyte {key!r}, " if key else f"analytes[{loc[1]}], "
            loc = loc[2:]
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        detail = " ".join(str(first["msg"]).split())
        msg = f"{name}: {label}field '{_describe_location(loc)}': {detail}{more}"
        raise KnowledgeBaseError(msg) from None


@functools.cache
def bundled_lab_table() -> LabTable:
    """The bundled table, loaded and validated once per process (it is read-only)."""
    return load_lab_table()


# --------------------------------------------------------------------------------------------------------
# Lab values
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabValue:
    """One measured value as entered, after validation.

    ``analyte`` is the table key (``haemoglobin``), ``unit`` the accepted spelling of the unit as entered
    (``g/dL``), ``date`` an ISO 8601 date (``YYYY-MM-DD``) or None, ``source`` where the value came from (a
    flag, ``file, line n`` or a phenopacket field). ``low``/``high`` are the reporting laboratory's
    reference limits in ``unit`` when given; ``age_days`` the age at this test when known per value.
    ``limits_unit`` is the unit the input stated for those limits (they are already converted to ``unit``),
    or None when the input gave them without a unit and they are in ``unit`` by assumption only; only then
    does :func:`interpret_labs` check them against the cited interval (docs/labs.md, "A laboratory interval
    in another unit"). ``flag`` is the laboratory's own verdict (``"low"``, ``"high"`` or ``"normal"``, from
    an export's H/L flag); a reading that differs from it is not used. ``remark`` is the laboratory's remark
    that the specimen is unfit (``"haemolysed"``): such a value is shown and not interpreted.

    ``censored`` is set when the laboratory reported a bound, not a measured value: ``"<"``, ``"<="``,
    ``">"`` or ``">="`` with the bound in ``value`` ("<5 U/L" is ``value=5.0, censored="<"``), or ``"not
    detected"`` (below the assay's detection limit, which is not stated; ``value`` is then 0 and means
    nothing). ``value`` is never a measured value then: it is interpreted only where the bound decides the
    reading, and outputs show the bound with its direction (docs/labs.md, "Censored values").
    """

    analyte: str
    value: float
    unit: str
    date: str | None = None
    source: str = "entered"
    age_days: float | None = None
    low: float | None = None
    high: float | None = None
    limits_unit: str | None = None
    flag: Literal["low", "high", "normal"] | None = None
    remark: str | None = None
    censored: Censored | None = None

    @property
    def written(self) -> str:
        """The value as a laboratory writes it: ``"7.2 g/dL"``, ``"< 5 U/L"``, ``"not detected"``."""
        if self.censored == "not detected":
            return "not detected"
        number = f"{_format_number(self.value, 10)} {self.unit}".strip()
        return f"{self.censored} {number}" if self.censored else number


# ASCII digits only, as for ISO 8601 ages and dates: float() also reads other scripts' digits, some of which
# look like other ASCII digits (Bengali four, "\u09ea", looks like an 8).
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _as_float(value: object) -> float | None:
    """``value`` as a float (inf for an int beyond the range of a double), or None when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:  # float() raises it for an int, where a string gives inf
        return math.inf


def _parse_number(text: str | float, *, where: str, what: str) -> float:
    number = _as_float(text)
    if number is not None:
        if math.isnan(number):
            msg = f"{where}: {text!r} is not a number; expected a value such as 8.5"
            raise InputError(msg)
        shown = "a number" if isinstance(text, int) else repr(text)
    else:
        value = str(text).strip()
        if not _NUMBER.fullmatch(value):
            hint = " (use a point, not a comma, for decimals)" if re.fullmatch(r"[+-]?\d+,\d+", value) else ""
            shown = quoted(value) if value else "an empty value"
            msg = f"{where}: {shown} is not a number{hint}; expected {what}"
            raise InputError(msg)
        number = float(value)
        shown = quoted(value)
    if math.isinf(number):  # "1e400", or more digits than a double holds: float() gives inf, not an error
        msg = f"{where}: {shown} is too large to be a lab value; expected {what}"
        raise InputError(msg)
    return number


# No laboratory value of a living patient predates this day.
FIRST_LAB_DATE = dt.date(1900, 1, 1)


_MONTHS = {
    name: index
    for index, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
# A time of day after a date in a laboratory export ("01.03.2024 08:30", "1 Mar 2024 08:30:15"); only the
# date is kept.
_TIME = r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DOTTED_DATE = re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})" + _TIME)
_SLASHED_YMD = re.compile(r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})" + _TIME)
_SLASHED_DATE = re.compile(r"(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})" + _TIME)
_NAMED_DMY = re.compile(r"(?P<d>\d{1,2})[ -](?P<mon>[a-z]+)\.?[ -](?P<y>\d{4})" + _TIME, re.IGNORECASE)
_NAMED_MDY = re.compile(r"(?P<mon>[a-z]+)\.? (?P<d>\d{1,2}),? (?P<y>\d{4})" + _TIME, re.IGNORECASE)


def _export_date(value: str, *, where: str, text: object) -> dt.date | None:
    """A date as laboratory exports write it besides ISO 8601, or None when it is none of these forms.

    ``DD.MM.YYYY`` (the dotted form is day first: DIN 5008, ISO 8601's European use), ``YYYY/MM/DD``, a month
    name (``1 Mar 2024``, ``01-Mar-2024``, ``March 1, 2024``) and ``D/M/YYYY`` or ``M/D/YYYY`` only when the
    numbers tell which is the day; ``03/04/2024`` is 3 April in Europe and March 4 in the USA, and is refused.
    """
    parts: tuple[str, str, str] | None = None
    if match := _DOTTED_DATE.fullmatch(value) or _SLASHED_YMD.fullmatch(value):
        parts = (match["y"], match["m"], match["d"])
    elif match := _NAMED_DMY.fullmatch(value) or _NAMED_MDY.fullmatch(value):
        month = _MONTHS.get(match["mon"].lower())
        if month is None:
            return None
        parts = (match["y"], str(month), match["d"])
    elif match := _SLASHED_DATE.fullmatch(value):
        first, second = int(match["a"]), int(match["b"])
        if first != second and first <= 12 and second <= 12:
            msg = (
                f"{where}: {text!r} is not an ISO 8601 date; expected YYYY-MM-DD such as 2024-03-01, or "
                "DD.MM.YYYY (day/month or month/day is ambiguous here)"
            )
            raise InputError(msg)
        day, month = (first, second) if first > 12 else (second, first)
        parts = (match["y"], str(month), str(day))
    if parts is None:
        return None
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        msg = f"{where}: {text!r} is not a date (no such day); expected YYYY-MM-DD such as 2024-03-01"
        raise InputError(msg) from None


def parse_lab_date(text: str, *, where: str = "date") -> str:
    """A date as ``YYYY-MM-DD``: ISO 8601 (``2024-03-01``, ``2024-03-01T08:30:00Z``, ``2024-03-01 08:30``)
    or a laboratory export's form (``01.03.2024``, ``2024/03/01``, ``1 Mar 2024``, ``13/03/2024``; see
    :func:`_export_date`)."""
    if not isinstance(text, str):
        msg = f"{where}: {text!r} is not an ISO 8601 date; expected a string YYYY-MM-DD such as 2024-03-01"
        raise InputError(msg)
    value = " ".join(text.split())
    try:
        date = dt.date.fromisoformat(value)
    except ValueError:
        try:
            date = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00")).date()
        except ValueError:
            found = _export_date(value, where=where, text=text)
            if found is None:
                msg = (
                    f"{where}: {text!r} is not an ISO 8601 date; expected YYYY-MM-DD such as 2024-03-01 "
                    "(or DD.MM.YYYY, 1 Mar 2024)"
                )
                raise InputError(msg) from None
            date = found
    # A typo (0001-01-01, 9999-12-31, 2204 for 2024) would place the value on a chart decades away and, with a
    # date of birth, pick the reference interval of a wrong age. A day of slack for time zones.
    latest = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    if not FIRST_LAB_DATE <= date <= latest:
        msg = (
            f"{where}: {text!r} is not a plausible date of a test; expected a date from "
            f"{FIRST_LAB_DATE.isoformat()} to today"
        )
        raise InputError(msg)
    return date.isoformat()


def _format_number(value: float, digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits, positional where a lab value can be: "1e+06" for a typed
    1000001 would show the refused value equal to the bound it broke."""
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    if "e" in text and 1e-6 <= abs(value) < 1e15:
        text = format(Decimal(text), "f")
    return text


def _example(analyte: AnalyteSpec, unit: UnitSpec) -> str:
    """A plausible example entry for hints, in ``unit``: the first reference limit, else a mid-range value."""
    canonical = (analyte.plausible.min + analyte.plausible.max) / 2
    for band in analyte.bands:
        stated = band.low if band.low is not None else band.high
        # Any band's limit will do: the example shows the format, it classifies nothing.
        if stated is not None and band.unit is not None:
            factor = next((u.factor for u in analyte.units if u.unit == band.unit), None)
            if factor is not None:
                canonical = stated * factor
                break
    return f"{analyte.key}={float(f'{canonical / unit.factor:.3g}'):g} {unit.unit}".strip()


def _check_plausible(analyte: AnalyteSpec, unit: UnitSpec, value: float, *, where: str) -> None:
    number = _as_float(value)
    if number is None or not math.isfinite(number):
        # A LabValue built directly, not by make_lab_value: NaN passes every comparison as "not abnormal".
        found = type(value).__name__ if number is None else repr(number)
        msg = f"{where}: {found} is not a number; expected a finite {analyte.key} value in {unit.unit}"
        raise InputError(msg)
    value = number
    shown = f"{_format_number(value, 10)} {unit.unit}".strip()  # as typed, not rounded onto the bound
    low = analyte.plausible.min / unit.factor
    high = analyte.plausible.max / unit.factor
    bounds = f"{_format_number(low)}-{_format_number(high)} {unit.unit}".strip()
    if value < 0:
        msg = (
            f"{where}: {analyte.key} {shown} is negative, which is impossible; expected a value from {bounds}"
        )
        raise InputError(msg)
    canonical = value * unit.factor
    if canonical < analyte.plausible.min or canonical > analyte.plausible.max:
        msg = (
            f"{where}: {analyte.key} {shown} is not physiologically possible; expected a value from "
            f"{bounds} (check the value and its unit)"
        )
        raise InputError(msg)


_MAX_AGE_DAYS = MAX_AGE_YEARS * 365.25


def _checked_age_days(days: object, *, where: str) -> float | None:
    """``days`` as an age in days (None when unknown); anything but a number from 0 to 130 years is an
    :class:`InputError`. NaN or a negative age would silently match no age band."""
    if days is None:
        return None
    number = _as_float(days)
    if number is not None and 0 <= number <= _MAX_AGE_DAYS:
        return number
    shown = repr(days) if number is None else f"{number:,.0f} days" if math.isfinite(number) else repr(number)
    msg = (
        f"{where}: {shown} is not an age; expected the age in days, from 0 to {MAX_AGE_YEARS} years "
        "(check the date of the test and the date of birth)"
    )
    raise InputError(msg)


def make_lab_value(
    analyte: str,
    value: str | float,
    unit: str,
    *,
    where: str,
    date: str | None = None,
    age: str | None = None,
    age_days: float | None = None,
    low: str | float | None = None,
    high: str | float | None = None,
    limits_unit: str | None = None,
    flag: Literal["low", "high", "normal"] | None = None,
    remark: str | None = None,
    censored: Censored | None = None,
    table: LabTable | None = None,
) -> LabValue:
    """Validate one value: known analyte, accepted unit, a number, plausible, ISO 8601 date and age.

    ``where`` names the input (a flag, a file and line, a phenopacket field) in the one-line
    :class:`InputError`. ``low``/``high`` are the reporting laboratory's reference limits, in
    ``limits_unit`` when the input states their unit (a phenopacket ``referenceRange.unit``, "(4-11
    x10^9/L)" in words; they are converted to ``unit``), else in ``unit``. ``flag`` and ``remark`` are the
    laboratory's verdict and specimen remark (see :class:`LabValue`). ``censored`` says that ``value`` is a
    bound the laboratory reported ("<", "<=", ">", ">="), or that it reported "not detected" (``value`` and,
    when empty, ``unit`` are then not needed); without it, a value must be a measured number.
    """
    if flag not in (None, "low", "high", "normal"):
        msg = (
            f"{where} (flag): {flag!r} is not a flag marbledx reads; expected 'low', 'high', 'normal' or None"
        )
        raise InputError(msg)
    if censored is not None and censored not in CENSORED_FORMS:
        msg = f"{where} (censored): {censored!r} is not a censored form; expected one of {', '.join(CENSORED_FORMS)} or None"
        raise InputError(msg)
    lab = table or bundled_lab_table()
    spec = lab.analyte(analyte, where=where)
    if censored == "not detected" and isinstance(unit, str) and not unit.strip():
        unit = spec.unit  # "not detected" needs no unit: there is no number to read in one
    unit_spec = lab.unit(spec, unit, where=where)
    floor = analyte_floor(spec, unit_spec)
    if censored == "not detected":
        if floor > 0:
            # pH is never absent: "not detected" there is a slip, and its placeholder 0 would be refused as a
            # value the user never gave.
            msg = f"{where}: 'not detected' is not a result for {spec.key}, which is always present; expected a measured number"
            raise InputError(msg)
        number = 0.0
    else:
        number = _parse_number(value, where=where, what=f"a number such as {_example(spec, unit_spec)}")
        _check_plausible(spec, unit_spec, number, where=where)
    if censored in ("<", "<=") and number <= floor:
        shown = f"{censored}{_format_number(number, 10)} {unit_spec.unit}".strip()
        above = f"above {_format_number(floor, 10)} {unit_spec.unit}".strip()
        also = ", or 'not detected'" if floor <= 0 else ""
        msg = f"{where}: {spec.key} {shown} is below every possible value; expected a bound {above}{also}"
        raise InputError(msg)
    limits_spec = unit_spec if limits_unit is None else lab.unit(spec, limits_unit, where=f"{where} (limits)")
    limits: dict[str, float | None] = {}
    for name, given in (("low", low), ("high", high)):
        if given is None or (isinstance(given, str) and not given.strip()):
            limits[name] = None
            continue
        limit = _parse_number(
            given, where=f"{where} ({name})", what=f"the laboratory's {name} limit in {limits_spec.unit}"
        )
        _check_plausible(spec, limits_spec, limit, where=f"{where} ({name})")
        limits[name] = limit if limits_spec is unit_spec else limit * limits_spec.factor / unit_spec.factor
    if limits["low"] is not None and limits["high"] is not None and not limits["low"] < limits["high"]:
        msg = f"{where}: the laboratory's low limit ({limits['low']:g}) must be below its high limit ({limits['high']:g})"
        raise InputError(msg)
    days = parse_iso_age(age, where=f"{where} (age)") if age else age_days
    days = _checked_age_days(days, where=f"{where} (age at the test)")
    return LabValue(
        analyte=spec.key,
        value=number,
        unit=unit_spec.unit,
        date=parse_lab_date(date, where=f"{where} (date)") if date else None,
        source=where,
        age_days=days,
        low=limits["low"],
        high=limits["high"],
        limits_unit=None if limits_unit is None else limits_spec.unit,
        flag=flag,
        remark=remark,
        censored=censored,
    )


def analyte_floor(analyte: AnalyteSpec, unit: UnitSpec) -> float:
    """The lowest possible value of ``analyte`` in ``unit`` (its plausibility minimum, 0 for most)."""
    return analyte.plausible.min / unit.factor


# A censored result as laboratories write it: a comparator and its bound ("<5", "< 0.5", ">1000", "≥ 3000",
# "=>", as some exports write >=), or words that the analyte was not detected. "ND"/"n.d." is not read: it
# also means "not done".
_CENSORED_VALUE = re.compile(
    r"\s*(?P<cmp><=|>=|=<|=>|<|>|\u2264|\u2265|\u2266|\u2267)\s*(?P<number>[0-9][0-9.,]*|\.[0-9]+)(?P<rest>.*)",
    re.DOTALL,
)
_COMPARATORS: dict[str, Censored] = {
    "<": "<",
    "<=": "<=",
    "=<": "<=",
    "\u2264": "<=",
    "\u2266": "<=",
    ">": ">",
    ">=": ">=",
    "=>": ">=",
    "\u2265": ">=",
    "\u2267": ">=",
}
_NOT_DETECTED = re.compile(
    r"\s*(?:not\s+detect(?:ed|able)|undetect(?:ed|able)|non[-\s]?detect(?:ed|able)"
    r"|below\s+(?:the\s+)?(?:(?:limit\s+of\s+)?detection(?:\s+limit)?|lod|detectable\s+limits?)"
    r"|<\s*lod|bdl)(?P<rest>\s.*|)",
    re.IGNORECASE | re.DOTALL,
)


def split_censored(text: str) -> tuple[Censored, str, str] | None:
    """A censored result at the start of ``text``: (form, the bound as written, the rest), or None.

    ``"<5 U/L"`` gives ``("<", "5", " U/L")``, ``"≥ 3000"`` ``(">=", "3000", "")`` and ``"not detected"``
    ``("not detected", "", "")``.
    """
    match = _CENSORED_VALUE.match(text)
    if match is not None:
        return _COMPARATORS[match["cmp"]], match["number"], match["rest"]
    words = _NOT_DETECTED.match(text)
    if words is not None:
        return "not detected", "", words["rest"]
    return None


_VALUE_TEXT = re.compile(r"\s*(?P<name>[^=]+?)\s*=\s*(?P<rest>.*)", re.DOTALL)
_OPTION = re.compile(r"(?:^|\s)(?P<key>date|low|high|age)=(?P<value>\S*)", re.IGNORECASE)
_LEADING_NUMBER = re.compile(r"\s*(?P<number>" + _NUMBER.pattern + r")(?=$|[\s/a-zA-Zµμ%\[{^*\u00d7x])")


def parse_lab_value(text: str, *, where: str = "--value", table: LabTable | None = None) -> LabValue:
    """Parse ``ANALYTE=VALUE UNIT [date=YYYY-MM-DD] [low=X] [high=Y] [age=P6M]`` (``hemoglobin=8 g/dL``).

    ``low``/``high`` are the reporting laboratory's limits in the same unit; ``age`` the age at this test.
    """
    if not isinstance(text, str):
        msg = f"{where}: expected a string ANALYTE=VALUE UNIT such as 'hemoglobin=8 g/dL', found {type(text).__name__}"
        raise InputError(msg)
    match = _VALUE_TEXT.fullmatch(text)
    if match is None:
        msg = f"{where}: {text!r} is not a lab value; expected ANALYTE=VALUE UNIT such as 'hemoglobin=8 g/dL'"
        raise InputError(msg)
    rest = match.group("rest")
    options: dict[str, str] = {}
    for option in _OPTION.finditer(rest):
        key = option.group("key").lower()
        if key in options:
            # "low=9 low=12" is a typo for high=: the second would silently replace the first.
            msg = f"{where}: {key}= is given twice; expected each of date=, low=, high= and age= at most once"
            raise InputError(msg)
        options[key] = option.group("value")
    rest = _OPTION.sub(" ", rest).strip()
    name = match.group("name")
    if name[-1:] in ("<", ">") and rest[:1] not in ("<", ">"):
        # "pth>=1000 pg/mL": the "=" of ">=" was taken for the one after the analyte.
        name, rest = name[:-1].rstrip(), f"{name[-1]}={rest}"
    lab = table or bundled_lab_table()
    spec = lab.analyte(name, where=where)
    censored = split_censored(rest)
    if censored is not None:
        form, bound, unit_text = censored
        if form != "not detected" and _LEADING_NUMBER.match(bound + unit_text) is None:
            msg = f"{where}: {quoted(rest)} is not a bound followed by a unit; expected for example '{spec.key}=<5 {spec.unit}'"
            raise InputError(msg)
        return make_lab_value(
            spec.key,
            bound,
            unit_text.strip(),
            where=where,
            date=options.get("date"),
            age=options.get("age"),
            low=options.get("low"),
            high=options.get("high"),
            censored=form,
            table=lab,
        )
    number = _LEADING_NUMBER.match(rest)
    if number is None:
        token = rest.split()[0] if rest.split() else ""
        canonical = next(u for u in spec.units if u.unit == spec.unit)
        example = f"ANALYTE=VALUE UNIT such as '{_example(spec, canonical)}'"
        _parse_number(token, where=where, what=example)
        msg = f"{where}: {token!r} is not a number followed by a unit; expected {example}"
        raise InputError(msg)
    return make_lab_value(
        spec.key,
        number.group("number"),
        rest[number.end() :].strip(),
        where=where,
        date=options.get("date"),
        age=options.get("age"),
        low=options.get("low"),
        high=options.get("high"),
        table=lab,
    )


_CSV_REQUIRED = ("analyte", "value", "unit")
_CSV_OPTIONAL = ("date", "low", "high", "age")
# Further columns of laboratory exports that marbledx reads: the laboratory's H/L flag, its reference range in
# one cell ("2.2-2.6", "< 5"), a comment (a haemolysed specimen) and the date of birth (the age at each test).
_CSV_EXTRA = ("flag", "range", "comment", "birth date")
# Other names exports give these columns, folded by _column_key.
_CSV_SYNONYMS: dict[str, tuple[str, ...]] = {
    # Epic ("Component", "Units"), Cerner ("Result Name", "Result Units") and German LIS exports ("Parameter",
    # "Ergebnis", "Einheit", "Referenzbereich") name the columns so.
    "analyte": (
        "test",
        "test name",
        "analyte name",
        "parameter",
        "component",
        "component name",
        "result name",
        "observation",
        "lab test",
        "untersuchung",
        "analyt",
    ),
    "value": ("result", "result value", "value result", "ergebnis", "wert", "messwert", "befund"),
    "unit": ("units", "result unit", "result units", "uom", "unit of measure", "einheit", "einheiten"),
    "date": (
        "collection date",
        "collected",
        "date collected",
        "sample date",
        "specimen date",
        "test date",
        "date of test",
        "date time",
        "datetime",
        "collected date time",
        "collection date time",
        "specimen collected",
        "result date",
        "datum",
        "abnahmedatum",
        "entnahmedatum",
    ),
    "low": ("ref low", "reference low", "lower limit", "low limit", "lower reference limit"),
    "high": ("ref high", "reference high", "upper limit", "high limit", "upper reference limit"),
    "age": ("age at test", "age at the test"),
    "flag": (
        "flags",
        "abnormal flag",
        "abnormal flags",
        "abn flag",
        "interpretation",
        "normal abnormal flag",
        "abnormal indicator",
        "result flag",
        "kennzeichen",
    ),
    "range": (
        "reference range",
        "referenzbereich",
        "normbereich",
        "normalbereich",
        "referenzwerte",
        "ref range",
        "reference interval",
        "ref interval",
        "normal range",
        "reference",
        "ref",
    ),
    "comment": ("comments", "remark", "remarks", "note", "notes"),
    "birth date": ("date of birth", "dob", "birthdate"),
}
# Columns that say who or which sample a value belongs to, not anything marbledx reads: ignored. Any other
# unknown column is an error, so that a misnamed limit column ("lower") is never silently dropped.
_CSV_IGNORED = frozenset(
    {
        "patient",
        "patient id",
        "patient name",
        "name",
        "id",
        "mrn",
        "sample",
        "sample id",
        "specimen",
        "specimen id",
        "specimen type",
        "material",
        "accession",
        "loinc",
        "loinc code",
        "code",
        "test code",
        "status",
        "method",
        "laboratory",
        "lab",
        "department",
        "order",
        "order id",
        "sex",
        "gender",
        "time",
        "collection time",
    }
)
_CSV_COLUMNS = {
    name: canonical
    for canonical in (*_CSV_REQUIRED, *_CSV_OPTIONAL, *_CSV_EXTRA)
    for name in (canonical, *_CSV_SYNONYMS.get(canonical, ()))
}


def _column_key(name: str) -> str:
    """A header cell folded: case, and '_', '-', '/', '.' and runs of spaces as one space ("Ref_Low")."""
    return " ".join(re.sub(r"[_\-/.]", " ", name.lower()).split())


# A laboratory's flag: in its own column or after the value ("7.2 (L)", "7.2 L", "7.2*"). LL/HH are critical
# values; "A" (abnormal) and "*" give no direction and are not read as one.
_FLAG_WORDS: dict[str, Literal["low", "high", "normal"] | None] = {
    "l": "low",
    "ll": "low",
    "low": "low",
    "\u2193": "low",
    "h": "high",
    "hh": "high",
    "high": "high",
    "\u2191": "high",
    "n": "normal",
    "normal": "normal",
    "": None,
    "-": None,
    "a": None,
    "abnormal": None,
    "*": None,
    "!": None,
    "!!": None,
    "c": None,
}
_VALUE_FLAG = re.compile(
    r"(?P<number>.*?[0-9.,])\s*(?:\(\s*(?P<bracketed>[a-z\u2191\u2193*!]+)\s*\)"
    r"|(?P<bare>(?:ll|hh|l|h|[\u2191\u2193])[!*]*|[*!]+))?",
    re.IGNORECASE,
)
# A reference range cell: "2.10-2.60", "(2.1 - 2.6)", "[10.5-13.5]", "< 5", and a unit after it ("2.10-2.60
# mmol/L"), which is converted when it differs from the value's.
_RANGE = re.compile(
    r"\s*(?P<open>[(\[])?\s*(?:(?P<low>[0-9.,]+)\s*(?:-|\u2013|\u2014|to)\s*(?P<high>[0-9.,]+)"
    r"|(?:<=?|\u2264)\s*(?P<upper>[0-9.,]+)|(?:>=?|\u2265)\s*(?P<lower>[0-9.,]+))"
    r"\s*(?P<unit>[^()\[\]]*?)\s*(?P<close>[)\]])?\s*",
    re.IGNORECASE,
)
# A comment that the specimen is unfit for the value ("haemolysed", "hemolyzed", "clotted").
_UNFIT_SPECIMEN = re.compile(r"h(?:ae|e|\u00e4)moly(?:[sz]|ti)|clotted", re.IGNORECASE)
# A digit, a comma, a digit, other than a thousands separator ("1,200"): a decimal comma.
_DECIMAL_COMMA = re.compile(r"\d,\d")
_THOUSANDS = re.compile(r"[<>\u2264\u2265=\s]*[1-9]\d{0,2}(?:,\d{3})+")
_AGE_WORDS = re.compile(
    r"(?P<number>\d+(?:[.,]\d+)?)\s*-?\s*(?P<unit>years?|yrs?|months?|mos?|weeks?|wks?|days?)\b",
    re.IGNORECASE,
)
_AGE_UNITS = {"y": "Y", "m": "M", "w": "W", "d": "D"}


def _csv_age(text: str, *, where: str) -> float:
    """An age cell: an ISO 8601 duration (``P8M``) or words ("8 months", "2 years 3 months", "6 wks old")."""
    if text[:1] in ("P", "p"):
        return parse_iso_age(text, where=where)
    rest = re.sub(r"\b(?:and|old)\b|,(?!\d)", " ", text, flags=re.IGNORECASE)
    parts = list(_AGE_WORDS.finditer(rest))
    if parts and not _AGE_WORDS.sub("", rest).strip():
        # One ISO duration per part, so that the month and year lengths are parse_iso_age's.
        return sum(
            parse_iso_age(f"P{m['number']}{_AGE_UNITS[m['unit'][0].lower()]}", where=where) for m in parts
        )
    try:
        return parse_iso_age(text, where=where)
    except InputError as exc:
        msg = f"{exc} (or words such as '8 months')"
        raise InputError(msg) from None


def _csv_number(text: str, *, decimal_comma: bool, where: str) -> str:
    """A number cell with the file's decimal mark made a point; a number it makes ambiguous is an error."""
    if not decimal_comma:
        return text
    if "," in text and "." in text:
        msg = f"{where}: {quoted(text)} has both a comma and a point; expected a number such as 7,2 without a thousands separator"
        raise InputError(msg)
    if re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", text.strip()):
        # The file writes decimals with a comma, so a point here may be a thousands separator.
        msg = (
            f"{where}: {quoted(text)} is ambiguous in a file that writes decimals with a comma (a thousands "
            "separator or a decimal point); expected the number without a thousands separator"
        )
        raise InputError(msg)
    return text.replace(",", ".")


def _csv_flag(text: str, *, where: str) -> Literal["low", "high", "normal"] | None:
    key = text.strip().lower()
    # A critical or abnormal mark with the direction ("L!", "H*", "!H", "LL!"): the mark adds no direction.
    marked = re.fullmatch(r"[!*]*\s*(ll|hh|l|h|low|high|[\u2191\u2193])\s*[!*]*", key)
    if marked is not None:
        key = marked.group(1)
    if key not in _FLAG_WORDS:
        msg = f"{where}: {quoted(text)} is not a laboratory flag; expected L, H, LL, HH, N or an empty cell"
        raise InputError(msg)
    return _FLAG_WORDS[key]


def read_labs_csv(
    path: str | Path, *, table: LabTable | None = None, skipped: list[str] | None = None
) -> list[LabValue]:
    """Read a CSV of lab values with a header row: ``analyte,value,unit`` and optional ``date,low,high,age``.

    Laboratory exports are read as they come: commas, semicolons or tabs separate fields (taken from the
    header line), and with semicolons or tabs a decimal comma ("7,2") is read. A ``flag`` column (H/L) or a
    flag after the value ("7.2 (L)"), a ``reference range`` column ("2.2-2.6"), a ``comment`` (a haemolysed
    specimen is not interpreted) and a ``date of birth`` (the age at each test) are read, other names of the
    columns are accepted (``result``, ``ref low``, …) and columns naming the patient or the sample are
    ignored. Dates may be ISO 8601, ``DD.MM.YYYY`` or ``1 Mar 2024`` (:func:`parse_lab_date`); ages ISO 8601
    or words ("8 months"). Blank lines and lines starting with ``#`` are skipped. Errors name the file, the
    line and the column. A wide export, one column per analyte with its unit in the header ("date,Hb
    (g/dL),PLT (10^9/L)"), is read one value per non-empty cell.

    A row of an analyte marbledx does not interpret (sodium), or without a measured value (empty,
    "hemolysed", a censored "<5"), is an error; with ``skipped`` given, it is left out and described there
    instead (``marbledx labs`` prints these as warnings).
    """
    if not isinstance(path, str | Path):
        msg = f"labs: expected a CSV file path (str or Path), found {type(path).__name__}"
        raise InputError(msg)
    # The shared rule of every input file, in this reader's words (its argument is ``labs``).
    file = check_path(path, argument="labs", expected="a CSV file path")
    lab = table or bundled_lab_table()
    text = read_text_file(file).lstrip("\ufeff")
    lines = text.splitlines()
    header_index = next(
        (i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")), None
    )
    if header_index is None:
        msg = f"{file}: no lab values; expected a header row 'analyte,value,unit,date' and one row per value"
        raise InputError(msg)
    header_line = lines[header_index]
    delimiter = max((",", ";", "\t"), key=header_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:  # a field beyond csv's size limit (128 KiB), e.g. an unclosed quote
        msg = f"{file}, line {reader.line_num}: cannot be read as CSV ({exc}); expected one lab value per row"
        raise InputError(msg) from None
    rows = [
        (line, row)
        for line, row in rows
        if any(cell.strip() for cell in row) and not row[0].lstrip().startswith("#")
    ]
    if not rows:
        msg = f"{file}: no header row; expected 'analyte,value,unit,date'"
        raise InputError(msg)
    # Without a unit column, the units must follow the numbers in the value cells ("7.2 g/dL").
    units_in_values = any(
        re.search(r"[0-9]\s*[^\s\d.,<>=()*!]", row[index])
        for _, row in rows[1:]
        for index in [_value_column(rows[0][1])]
        if index is not None and index < len(row)
    )
    wide = _wide_header(file, *rows[0], lab)
    if wide is not None:
        return _read_wide(file, rows, wide, lab, delimiter=delimiter, skipped=skipped)
    columns = _csv_header(file, *rows[0], units_in_values=units_in_values, lab=lab)
    numbers = [columns[name] for name in ("value", "low", "high", "range") if name in columns]
    # A decimal comma is read only where commas do not separate the fields, and only when the file shows
    # one that cannot be a thousands separator ("7,2", not "1,200").
    decimal_comma = delimiter != "," and any(
        _DECIMAL_COMMA.search(row[i]) and not _THOUSANDS.fullmatch(row[i])
        for _, row in rows[1:]
        for i in numbers
        if i < len(row)
    )
    values: list[LabValue] = []
    dropped = 0
    for line, row in rows[1:]:
        value = _csv_row(
            file,
            line,
            row,
            columns,
            lab,
            width=len(rows[0][1]),
            decimal_comma=decimal_comma,
            lenient=skipped is not None,
        )
        if isinstance(value, str):
            assert skipped is not None  # only a lenient reading skips a row
            skipped.append(value)
            dropped += 1
        else:
            values.append(value)
    if not values:
        also = f" ({dropped} rows skipped)" if dropped else ""
        msg = f"{file}: no lab values below the header{also}; expected one row per value"
        raise InputError(msg)
    return values


def _csv_row(
    file: Path,
    line: int,
    row: list[str],
    columns: dict[str, int],
    lab: LabTable,
    *,
    width: int,
    decimal_comma: bool,
    lenient: bool,
    labels: dict[str, str] | None = None,
) -> LabValue | str:
    """One data row as a :class:`LabValue`, or (``lenient``) why it is skipped.

    ``labels`` names columns in errors otherwise than by their role (a wide export's "Hb (g/dL)").
    """
    if len(row) > width and any(cell.strip() for cell in row[width:]):
        msg = f"{file}, line {line}, column {width + 1}: unexpected extra field; expected {width} columns as in the header"
        raise InputError(msg)
    cells = {name: (row[index].strip() if index < len(row) else "") for name, index in columns.items()}

    def where(name: str) -> str:
        label = (labels or {}).get(name, name)
        return f"{file}, line {line}, column {columns[name] + 1} ({label})"

    if not cells["analyte"]:
        msg = f"{where('analyte')}: empty analyte; expected a name such as hemoglobin"
        raise InputError(msg)
    if lenient and lab.find(cells["analyte"]) is None:
        return f"{file}, line {line}: {quoted(cells['analyte'])} is not a lab analyte marbledx interprets; skipped"
    spec = lab.analyte(cells["analyte"], where=where("analyte"))
    written = cells["value"]
    flagged = _VALUE_FLAG.fullmatch(written)
    inline_flag = None
    if flagged is not None and (flagged["bracketed"] or flagged["bare"]):
        inline_flag = _csv_flag(flagged["bracketed"] or flagged["bare"], where=where("value"))
        written = flagged["number"].strip()
    unit_cell = cells.get("unit", "")
    if not unit_cell:
        # The unit in the value's cell ("7.2 g/dL", "> 1000 pg/mL"), as exports without a unit column write it.
        split = re.fullmatch(r"(?P<number>.*?[0-9.,])\s*(?P<unit>[^\s\d.,].*)", written)
        if split is not None:
            try:
                unit_cell = lab.unit(spec, split["unit"]).unit
                written = split["number"]
            except InputError:
                pass  # not a unit: the number's own error below says what the cell holds
    # A censored result ("<5", "> 1000", "not detected") is read as the bound it is (docs/labs.md, "Censored
    # values"), never as a measured number.
    censored = split_censored(written)
    form: Censored | None = None
    if censored is not None and not censored[2].strip():
        form, written = censored[0], censored[1]
    elif not re.search(r"\d", written):
        what = f"no measured value ({quoted(written)})" if written else "no measured value"
        if lenient:
            return f"{where('value')}: {spec.key}: {what}; skipped"
        # Otherwise the number's own error below says what the cell holds.
    if form == "not detected" and not unit_cell:
        unit_cell = spec.unit
    unit = lab.unit(spec, unit_cell, where=where("unit") if "unit" in columns else where("value"))
    if form == "not detected":
        number = 0.0
    else:
        number = _parse_number(
            _csv_number(written, decimal_comma=decimal_comma, where=where("value")),
            where=where("value"),
            what=f"a number in {unit.unit}".rstrip(),
        )
        _check_plausible(spec, unit, number, where=where("value"))
    limits: dict[str, float | None] = {"low": None, "high": None}
    for name in ("low", "high"):
        if cells.get(name):
            limit = _parse_number(
                _csv_number(cells[name], decimal_comma=decimal_comma, where=where(name)),
                where=where(name),
                what=f"the laboratory's {name} limit in {unit.unit}",
            )
            _check_plausible(spec, unit, limit, where=where(name))
            limits[name] = limit
    if cells.get("range"):
        if limits["low"] is not None or limits["high"] is not None:
            msg = f"{where('range')}: the row gives both a reference range and low/high limits; expected one of them"
            raise InputError(msg)
        interval = _RANGE.fullmatch(cells["range"])
        if interval is None or bool(interval["open"]) != bool(interval["close"]):
            msg = f"{where('range')}: {quoted(cells['range'])} is not a reference range; expected LOW-HIGH such as 2.2-2.6, or < 5"
            raise InputError(msg)
        range_unit = unit
        if interval["unit"]:
            range_unit = lab.unit(spec, interval["unit"], where=f"{where('range')} (unit)")
        for name, group in (
            ("low", interval["low"] or interval["lower"]),
            ("high", interval["high"] or interval["upper"]),
        ):
            if group:
                limit = _parse_number(
                    _csv_number(group, decimal_comma=decimal_comma, where=where("range")),
                    where=where("range"),
                    what=f"the laboratory's {name} limit in {range_unit.unit}",
                )
                _check_plausible(spec, range_unit, limit, where=where("range"))
                # A range in another unit than the value's ("8.5-10.5 mg/dL" by a value in mmol/L) is converted.
                limits[name] = limit if range_unit is unit else limit * range_unit.factor / unit.factor
    flag = _csv_flag(cells["flag"], where=where("flag")) if cells.get("flag") else None
    if inline_flag is not None and flag is not None and inline_flag != flag:
        msg = f"{where('flag')}: the flag {quoted(cells['flag'])} differs from the one after the value ({quoted(cells['value'])}); expected one flag"
        raise InputError(msg)
    flag = flag or inline_flag
    comment = cells.get("comment", "")
    remark = " ".join(comment.split())[:60] if _UNFIT_SPECIMEN.search(comment) else None
    date = parse_lab_date(cells["date"], where=where("date")) if cells.get("date") else None
    age_days = _csv_age(cells["age"], where=where("age")) if cells.get("age") else None
    if cells.get("birth date"):
        born = dt.date.fromisoformat(parse_lab_date(cells["birth date"], where=where("birth date")))
        if date is None:
            msg = f"{where('birth date')}: a date of birth needs the date of the test; expected a date column"
            raise InputError(msg)
        days = (dt.date.fromisoformat(date) - born).days
        if days < 0:
            msg = f"{where('date')}: {date} is before the date of birth ({born.isoformat()}); correct one of them"
            raise InputError(msg)
        if age_days is None:
            age_days = float(days)
    return make_lab_value(
        spec.key,
        number,
        unit.unit,
        where=f"{file}, line {line}",
        date=date,
        age_days=age_days,
        low=limits["low"],
        high=limits["high"],
        flag=flag,
        remark=remark,
        censored=form,
        table=lab,
    )


# A wide export's analyte column: the unit in brackets or parentheses ("Hb (g/dL)", "Ca [mmol/L]").
_WIDE_BRACKETED = re.compile(r"(?P<name>.*?\S)\s*(?:\((?P<paren>[^()]*)\)|\[(?P<square>[^\[\]]*)\])\s*")
# Columns of a wide export other than the analytes': the row's date and age, as in the long form.
_WIDE_ROW_COLUMNS = ("date", "age", "birth date")


@dataclass(frozen=True)
class _WideColumn:
    """One analyte column of a wide export: its index, analyte key, unit and header as written."""

    index: int
    analyte: str
    unit: str
    header: str


@dataclass(frozen=True)
class _WideHeader:
    """A wide export's header: the row columns (date, age, date of birth) and the analyte columns."""

    line: int
    columns: dict[str, int]
    analytes: tuple[_WideColumn, ...]


def _wide_analyte(cell: str, lab: LabTable) -> tuple[AnalyteSpec, str | None] | None:
    """The analyte a wide header cell names and the unit it gives (None: no unit), or None."""
    text = cell.strip()
    bracketed = _WIDE_BRACKETED.fullmatch(text)
    if bracketed is not None:
        spec = lab.find(bracketed["name"])
        if spec is not None:
            return spec, (bracketed["paren"] if bracketed["paren"] is not None else bracketed["square"]) or ""
    spec = lab.find(text)
    if spec is not None:
        return spec, None
    # The unit after a space ("ALP U/L", "Vitamin D, 25-Hydroxy, Total ng/mL"): the longest name that is an
    # analyte and is followed by one of its units.
    for match in reversed(list(re.finditer(r"\s+", text))):
        spec = lab.find(text[: match.start()])
        if spec is not None:
            unit = text[match.end() :]
            try:
                lab.unit(spec, unit)
            except InputError:
                continue
            return spec, unit
    return None


def _wide_header(file: Path, line: int, row: list[str], lab: LabTable) -> _WideHeader | None:
    """A wide export's header (one column per analyte, the unit in the header), or None for the long form.

    The form is wide when the header has no analyte column and names an analyte with its unit; then every other
    column must
    be the date, the age, the date of birth, a column naming the patient or the sample, or an analyte with its
    unit. Anything else is an error naming the column.
    """
    keys = [_column_key(cell) for cell in row]
    if any(_CSV_COLUMNS.get(key) == "analyte" for key in keys):
        return None
    # A named unit makes the form wide: a long-form file without its header row ("hb,8,g/dL") is not one.
    if not any(
        found is not None and found[1] is not None
        for cell in row
        if _CSV_COLUMNS.get(_column_key(cell)) is None
        for found in [_wide_analyte(cell, lab)]
    ):
        return None
    columns: dict[str, int] = {}
    analytes: list[_WideColumn] = []
    seen: dict[tuple[str, str], int] = {}
    for index, (cell, key) in enumerate(zip(row, keys, strict=True)):
        if not key or key in _CSV_IGNORED:
            continue  # an unnamed column, or one naming the patient or the sample
        where = f"{file}, line {line}, column {index + 1} ({quoted(cell.strip())})"
        name = _CSV_COLUMNS.get(key)
        if name in _WIDE_ROW_COLUMNS:
            if name in columns:
                msg = f"{where}: column {name!r} appears twice in the header"
                raise InputError(msg)
            columns[name] = index
            continue
        found = _wide_analyte(cell, lab) if name is None else None
        if found is None:
            msg = (
                f"{where}: not a column of a wide export; expected an analyte with its unit such as "
                "'Hb (g/dL)', or a date, age or patient id column (one column per analyte), or the long form "
                "analyte,value,unit"
            )
            raise InputError(msg)
        spec, written_unit = found
        if written_unit is None:
            if len(spec.units) > 1:
                accepted = ", ".join(u.unit for u in spec.units)
                msg = (
                    f"{where}: {spec.key} has several units ({accepted}); expected the unit in the header, "
                    f"such as '{cell.strip()} ({spec.unit})'"
                )
                raise InputError(msg)
            written_unit = spec.units[0].unit
        unit = lab.unit(spec, written_unit, where=where)
        if (spec.key, unit.unit) in seen:
            msg = f"{where}: {spec.key} in {unit.unit} appears twice in the header (column {seen[spec.key, unit.unit] + 1})"
            raise InputError(msg)
        seen[spec.key, unit.unit] = index
        analytes.append(_WideColumn(index, spec.key, unit.unit, cell.strip()))
    return _WideHeader(line, columns, tuple(analytes))


def _read_wide(
    file: Path,
    rows: list[tuple[int, list[str]]],
    header: _WideHeader,
    lab: LabTable,
    *,
    delimiter: str,
    skipped: list[str] | None,
) -> list[LabValue]:
    """The values of a wide export, each non-empty analyte cell read as a long-form row by :func:`_csv_row`."""
    width = len(rows[0][1])
    decimal_comma = delimiter != "," and any(
        _DECIMAL_COMMA.search(row[c.index]) and not _THOUSANDS.fullmatch(row[c.index])
        for _, row in rows[1:]
        for c in header.analytes
        if c.index < len(row)
    )
    values: list[LabValue] = []
    dropped = 0
    for line, row in rows[1:]:
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            msg = f"{file}, line {line}, column {width + 1}: unexpected extra field; expected {width} columns as in the header"
            raise InputError(msg)
        cells = row[:width] + [""] * (width - len(row))
        for column in header.analytes:
            if not cells[column.index].strip():
                continue  # an empty cell: no value of this analyte in this sample
            # The long form's row: the analyte and unit come from the header, after the row's own cells, so
            # that errors name the cell's real column.
            columns = {**header.columns, "value": column.index, "analyte": width, "unit": width + 1}
            value = _csv_row(
                file,
                line,
                [*cells, column.analyte, column.unit],
                columns,
                lab,
                width=width + 2,
                decimal_comma=decimal_comma,
                lenient=skipped is not None,
                labels={"value": column.header},
            )
            if isinstance(value, str):
                assert skipped is not None  # only a lenient reading skips a cell
                skipped.append(value)
                dropped += 1
            else:
                values.append(value)
    if not values:
        also = f" ({dropped} cells skipped)" if dropped else ""
        msg = f"{file}: no lab values below the header{also}; expected a value in at least one analyte column"
        raise InputError(msg)
    return values


def _value_column(header: list[str]) -> int | None:
    """The index of the value column of a header row, or None."""
    return next((i for i, cell in enumerate(header) if _CSV_COLUMNS.get(_column_key(cell)) == "value"), None)


def _csv_header(
    file: Path, line: int, row: list[str], *, units_in_values: bool = False, lab: LabTable | None = None
) -> dict[str, int]:
    columns: dict[str, int] = {}
    expected = ", ".join((*_CSV_REQUIRED, *_CSV_OPTIONAL, *_CSV_EXTRA))
    for index, cell in enumerate(row):
        key = _column_key(cell)
        if not key or key in _CSV_IGNORED:
            continue  # an unnamed column (a trailing delimiter), or one naming the patient or the sample
        name = _CSV_COLUMNS.get(key)
        if name is None:
            msg = (
                f"{file}, line {line}, column {index + 1}: {cell.strip()!r} is not a known column; "
                f"expected a header row with {expected} (analyte, value and unit required); rename or "
                "delete the column"
            )
            if lab is not None and lab.find(cell) is not None:
                # An analyte's name: perhaps a wide export whose header lacks the unit (docs/labs.md).
                msg += (
                    f", or for a wide export (one column per analyte) give the unit: '{cell.strip()} (UNIT)'"
                )
            raise InputError(msg)
        if name in columns:
            msg = f"{file}, line {line}, column {index + 1}: column {name!r} appears twice in the header"
            raise InputError(msg)
        columns[name] = index
    # The unit may instead follow the number in the value's cells ("7.2 g/dL"); a row without one is refused.
    missing = [
        name for name in _CSV_REQUIRED if name not in columns and not (name == "unit" and units_in_values)
    ]
    if missing:
        msg = f"{file}, line {line}: the header lacks column(s) {', '.join(missing)}; expected a header row with {expected}"
        raise InputError(msg)
    return columns


# --------------------------------------------------------------------------------------------------------
# Interpretation
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceInterval:
    """The interval a value was compared with, expressed in the value's unit.

    ``low``/``high`` are None for a side the interval does not bound; values in
    ``[low, indeterminate_below)`` are low by some published definitions only.
    """

    low: float | None
    high: float | None
    unit: str
    source: str
    sources: tuple[str, ...] = ()
    laboratory: bool = False
    indeterminate_below: float | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "low": self.low,
            "high": self.high,
            "unit": self.unit,
            "source": self.source,
            "laboratory": self.laboratory,
        }
        if self.indeterminate_below is not None:
            data["indeterminate_below"] = self.indeterminate_below
        return data


@dataclass(frozen=True)
class LabInterpretation:
    """One interpreted value: its interval, ``low``/``normal``/``high``/``unknown`` and its HPO term.

    ``hpo_id`` is the observed term of a low or high value, or, with ``excluded=True``, the term a normal
    value rules out (only analytes whose cut-off *defines* the term do this: haemoglobin → Anemia). ``below``
    and ``above`` record each side's comparison (None: not assessed) for the derived rules. ``needs`` is
    ``"age"`` or ``"sex"`` when the value could not be interpreted without it.
    """

    value: LabValue
    name: str
    interval: ReferenceInterval | None
    interpretation: Interpretation
    hpo_id: str | None = None
    hpo_label: str | None = None
    excluded: bool = False
    source: str = ""
    note: str | None = None
    below: bool | None = None
    above: bool | None = None
    age_days: float | None = None
    needs: str | None = None

    def to_dict(self) -> dict[str, Any]:
        censored = self.value.censored
        return {
            "analyte": self.value.analyte,
            "name": self.name,
            # A censored result has no measured value: its bound is under "censored", never here.
            "value": None if censored else self.value.value,
            "censored": None
            if censored is None
            else {
                "comparator": "<" if censored == "not detected" else censored,
                "bound": None if censored == "not detected" else self.value.value,
            },
            "unit": self.value.unit,
            "date": self.value.date,
            "age_days": None if self.age_days is None else round(self.age_days, 1),
            "reference_interval": None if self.interval is None else self.interval.to_dict(),
            "interpretation": self.interpretation,
            "hpo_id": self.hpo_id,
            "hpo_label": self.hpo_label,
            "excluded": self.excluded,
            "source": self.source,
            "note": self.note,
            "input": self.value.source,
        }


def _lt(value: float, limit: float) -> bool:
    return value < limit and not math.isclose(value, limit, rel_tol=_REL_TOL, abs_tol=1e-12)


def _gt(value: float, limit: float) -> bool:
    return value > limit and not math.isclose(value, limit, rel_tol=_REL_TOL, abs_tol=1e-12)


def _sides(
    value: float, censored: Censored | None, low: float | None, high: float | None
) -> tuple[bool | None, bool | None]:
    """(below ``low``, above ``high``) for a value, or for a censored result's bound in the same unit.

    None: the side has no limit, or the bound does not decide it. A bound decides a side only when every value
    it allows lies on one side of the limit: "<50 g/L" is below 105 g/L, "> 1000 pg/mL" above 65 pg/mL, but
    "< 5 U/L" against an upper limit of 4 is undecided. "not detected" is below any upper limit (an assay's
    detection limit lies below its upper reference limit) and decides the lower side only for a limit of 0.
    """
    if censored is None:
        return (None if low is None else _lt(value, low)), (None if high is None else _gt(value, high))
    below: bool | None = None
    above: bool | None = None
    if censored == "not detected":
        below = False if low is not None and low <= 0 else None
        above = None if high is None else False
    elif censored in ("<", "<="):
        if low is not None and (_lt(value, low) if censored == "<=" else not _gt(value, low)):
            below = True  # every value allowed (< or <= the bound) lies below the limit
        if high is not None and not _gt(value, high):
            above = False
    else:
        if high is not None and (_gt(value, high) if censored == ">=" else not _lt(value, high)):
            above = True
        if low is not None and not _lt(value, low):
            below = False
    return below, above


def _undecided(below: bool | None, above: bool | None, low: float | None, high: float | None) -> bool:
    """Whether a censored result leaves a side with a limit undecided while it is abnormal on neither."""
    if below or above:
        return False
    return (low is not None and below is None) or (high is not None and above is None)


def _select_band(
    analyte: AnalyteSpec, age_days: float | None, sex: str | None
) -> tuple[Band | None, str | None]:
    """The band for this patient, or (None, "age"/"sex") when that is needed to choose."""
    if age_days is None:
        if any(band.age_dependent for band in analyte.bands):
            return None, "age"
        candidates = list(analyte.bands)
    else:
        candidates = [band for band in analyte.bands if band.covers(age_days)]
    if any(band.sex is not None for band in candidates):
        if sex is None:
            return None, "sex"
        candidates = [band for band in candidates if band.sex in (None, sex)]
    return (candidates[0] if candidates else None), None


def _classify(below: bool | None, above: bool | None, one_sided_normal: bool) -> Interpretation:
    if below:
        return "low"
    if above:
        return "high"
    if below is False and above is False:
        return "normal"
    if one_sided_normal and (below is False or above is False):
        return "normal"
    return "unknown"


def _display(value: float, converted: bool) -> float:
    # Limits shown in another unit than they were stated in are rounded to 4 significant digits; limits shown
    # in their own unit lose only the noise of the round trip through the canonical unit (3.0 mg/dL, not
    # 2.9999999999999996).
    return float(f"{value:.4g}") if converted else float(f"{value:.12g}")


def _needs_message(value: LabValue, analyte: AnalyteSpec, needs: str) -> str:
    if needs == "age":
        return (
            f"{value.source}: the {analyte.key} reference interval depends on age; give the age at the test "
            "with --age (an ISO 8601 duration such as P6M)"
        )
    return (
        f"{value.source}: the {analyte.key} reference interval at this age depends on sex; give --sex female "
        "or --sex male"
    )


def _side_is_read(analyte: AnalyteSpec, side: str, table: LabTable) -> bool:
    """Whether a value beyond ``side`` ("low"/"high") of ``analyte`` means something here: it maps to an HPO
    term, or a derived rule reads that side (low bicarbonate in metabolic acidosis)."""
    if (analyte.low if side == "low" else analyte.high) is not None:
        return True
    states = {side, f"not_{side}"}
    return any(
        analyte.key in condition.analytes and condition.state in states
        for rule in table.derived
        for condition in rule.all_of
    )


def _open_side_note(interval: ReferenceInterval, limit: str) -> str:
    if interval.laboratory:
        return f"the laboratory's interval has no {limit} limit; give both of its limits."
    return f"no verified {limit} limit."


# How far a laboratory's interval may lie from the cited one before its unit is questioned: a factor of 3
# between their geometric midpoints (between the limits both have). Real variation of one analyte's limit at
# one age is well below it in the cited sources: the WHO 2024 haemoglobin cut-offs span 105-130 g/L (1.24x);
# the preterm nadir of 7-8 g/dL lies 1.4x below the 6-23-month cut-off (CDT Pediatrics); preterm
# hypocalcaemia is < 1.75 against < 2.0 mmol/L at term (Gomella, 1.14x); a normal ANC may be about 0.8 in
# children of African ancestry against 1.5 x 10^9/L (5-Minute Pediatric Consult, 1.9x, the widest), all in
# reference §5. The factor must also stay below the smallest ratio between two units of an analyte with a
# cited interval, or no slip would show: mg/dL to mmol/L for calcium, 4.0 (reference §5, 1 mg/dL = 0.2495
# mmol/L). Units closer than 3x (haemoglobin g/dL and mmol/L, 1.6x) are not told apart (docs/labs.md).
_INTERVAL_AGREEMENT = 3.0


def _limits_text(low: float | None, high: float | None, unit: str) -> str:
    """An interval as a note shows it: "150-450 10^9/L", "lower limit 105 g/L", "upper limit 11 mg/dL"."""
    if low is not None and high is not None:
        text = f"{_format_number(low)}-{_format_number(high)}"
    elif low is not None:
        text = f"lower limit {_format_number(low)}"
    else:
        text = f"upper limit {_format_number(high or 0.0)}"
    return f"{text} {unit}".strip()


def _midpoint_ratio(
    low: float | None, high: float | None, cited_low: float | None, cited_high: float | None
) -> float | None:
    """The ratio of the geometric midpoints of two intervals over the limits both have (the geometric mean
    of those limits' ratios; the ratio of the one shared limit for a one-sided interval), or None when they
    share no limit above 0 ("0-5" against "> 150" says nothing about a unit)."""
    logs = [
        math.log(mine / cited)
        for mine, cited in ((low, cited_low), (high, cited_high))
        if mine is not None and cited is not None and mine > 0 and cited > 0
    ]
    return math.exp(sum(logs) / len(logs)) if logs else None


def _agrees(ratio: float) -> bool:
    return max(ratio, 1 / ratio) <= _INTERVAL_AGREEMENT * (1 + _REL_TOL)


def _interval_unit_check(
    value: LabValue, analyte: AnalyteSpec, unit: UnitSpec, table: LabTable, age: float | None, sex: str | None
) -> tuple[str | None, bool]:
    """Whether the laboratory's limits, taken in the value's unit, fit the cited interval: (note, use_cited).

    Limits given without their unit are in the value's unit by assumption only. Written in another unit they
    misread the value: platelets 45000 /uL against "150-450" (x 10^9/L) read high in an infant with severe
    thrombocytopenia. The value itself is never looked at: a truly abnormal value lies far from a correct
    interval, so its distance says nothing about the interval's unit. Instead the interval is compared with
    the cited one for this age and sex (:data:`_INTERVAL_AGREEMENT`):

    - it agrees, or nothing can be compared (no cited band with limits, its age or sex unknown, no shared
      limit above 0, limits of a stated unit): (None, False), the laboratory's interval is used as before;
    - it disagrees, but agrees read in another unit of the analyte: the note says so and use_cited is True,
      the value is read against the cited interval instead (not the guessed conversion). An unverified cited
      interval only serves to see the slip here (at a factor of 3 its exact value does not matter); it never
      classifies a value, so such a value is not interpreted;
    - it agrees in no unit: the note says so, and the laboratory's interval is still used (reference §5).
    """
    if value.limits_unit is not None:
        return None, False
    band, needs = _select_band(analyte, age, sex)
    if needs is not None or band is None or band.unit is None or (band.low is None and band.high is None):
        return None, False
    band_factor = table.unit(analyte, band.unit).factor
    cited_low = None if band.low is None else band.low * band_factor
    cited_high = None if band.high is None else band.high * band_factor

    def ratio_in(spec: UnitSpec) -> float | None:
        low = None if value.low is None else value.low * spec.factor
        high = None if value.high is None else value.high * spec.factor
        return _midpoint_ratio(low, high, cited_low, cited_high)

    as_written = ratio_in(unit)
    if as_written is None or _agrees(as_written):
        return None, False
    fitting: list[tuple[float, str]] = []
    for other in analyte.units:
        if math.isclose(other.factor, unit.factor, rel_tol=1e-6):
            continue  # the same reading (/uL and 10^6/L, mmol/L and mEq/L)
        ratio = ratio_in(other)
        if ratio is not None and _agrees(ratio) and other.unit not in (u for _, u in fitting):
            fitting.append((abs(math.log(ratio)), other.unit))
    limits = _limits_text(value.low, value.high, "")
    cited = _limits_text(band.low, band.high, band.unit)
    unverified = ", unverified" if band.unverified else ""
    cited = f"{cited}, {table.citation(band.sources)}{unverified}"
    times = f"{_format_number(as_written, 2)} times"
    if not fitting:
        return (
            f"Check the laboratory's interval: the {analyte.key} limits {limits} {unit.unit} are {times} the "
            f"cited interval ({cited}), more than {_INTERVAL_AGREEMENT:g}x from it in every unit of "
            f"{analyte.key}; the laboratory's interval is used (reference §5).",
            False,
        )
    first, *others = [u for _, u in sorted(fitting)]
    seeming = f"{first} (or {' or '.join(others)})" if others else first
    used = (
        "The cited interval is unverified, so the value is not interpreted"
        if band.unverified
        else "The value is read against the cited interval instead"
    )
    return (
        f"Laboratory interval not used: the {analyte.key} limits {limits}, taken in {unit.unit} like the value, "
        f"are {times} the cited interval ({cited}); they seem to be in {seeming}, where they fit it. {used}; "
        "check the unit of the laboratory's limits.",
        True,
    )


def _censored_note(value: LabValue, interpretation: Interpretation, undecided: bool) -> str | None:
    """What a censored result is, for its row: the bound is shown, and never read as a measured value."""
    if value.censored is None or undecided:
        return None  # an undecided one says so in its own note
    decides = "; the bound decides the reading" if interpretation != "unknown" else ""
    return f"Reported as {value.written}: a bound, not a measured value{decides}."


def _withheld(row: LabInterpretation, note: str) -> LabInterpretation:
    """``row`` not interpreted: no term, no side for the derived rules, ``note`` first."""
    return dataclasses.replace(
        row,
        interpretation="unknown",
        hpo_id=None,
        hpo_label=None,
        excluded=False,
        below=None,
        above=None,
        note=" ".join(n for n in (note, row.note) if n),
    )


def _interpret_one(
    value: LabValue, table: LabTable, age_days: float | None, sex: str | None, strict: bool
) -> LabInterpretation:
    """:func:`_interpret_value`, then the laboratory's own flag and specimen remark (see :class:`LabValue`)."""
    row = _interpret_value(value, table, age_days, sex, strict)
    if value.remark is not None:
        # A haemolysed or clotted specimen misstates the value (haemolysis releases LDH, potassium and
        # phosphate from red cells); the laboratory's remark says the value is not to be read.
        return _withheld(
            row,
            f"Not interpreted: the laboratory remarks {quoted(value.remark)} on this specimen, so the value "
            "may be wrong; repeat the test.",
        )
    if value.flag is None:
        return row
    flag = {"low": "L (low)", "high": "H (high)", "normal": "N (normal)"}[value.flag]
    if row.interpretation == "unknown":
        return dataclasses.replace(
            row,
            note=" ".join(
                n for n in (row.note, f"The laboratory flags it {flag}; give its interval (low/high).") if n
            ),
        )
    if row.interpretation != value.flag:
        # The flag is the reporting laboratory's verdict from its own interval, which reference §5 prefers;
        # a reading against another interval that disagrees with it is not used (as in plain words).
        reading = (
            "the laboratory's interval" if row.interval and row.interval.laboratory else "the cited interval"
        )
        return _withheld(
            row,
            f"Not interpreted: the laboratory flags it {flag}, but against {reading} it reads "
            f"{row.interpretation}; give the laboratory's interval (low/high) with the value.",
        )
    return row


def _interpret_value(
    value: LabValue, table: LabTable, age_days: float | None, sex: str | None, strict: bool
) -> LabInterpretation:
    analyte = table.analyte(value.analyte, where=value.source)
    unit = table.unit(analyte, value.unit, where=value.source)
    # Checked again, as the analyte and unit are: a LabValue may be built directly, not by make_lab_value.
    # "not detected" holds no number (its placeholder 0 is never shown or checked as one).
    measured = None if value.censored == "not detected" else value.value
    for name, number in (("value", measured), ("low", value.low), ("high", value.high)):
        if number is not None:
            _check_plausible(analyte, unit, number, where=f"{value.source} ({name})")
    own_age = _checked_age_days(value.age_days, where=f"{value.source} (age at the test)")
    age = own_age if own_age is not None else age_days
    canonical = value.value * unit.factor
    notes: list[str] = []
    check_below = analyte.plausible.check_below
    if check_below is not None and canonical < check_below and value.censored is None:
        notes.append(
            f"Check the value and its unit: {_format_number(value.value)} {unit.unit} is below "
            f"{check_below / unit.factor:.3g} {unit.unit}, which is rarely seen; g/L typed for g/dL, "
            "or mg/dL for mmol/L, gives such values."
        )
    indeterminate = False
    sources: list[str] = []
    laboratory = value.low is not None or value.high is not None
    unit_note, use_cited = (
        _interval_unit_check(value, analyte, unit, table, age, sex) if laboratory else (None, False)
    )
    if laboratory and not use_cited:
        # Reference §5: always prefer the reporting laboratory's age-, sex- and assay-specific interval.
        interval = ReferenceInterval(value.low, value.high, unit.unit, LABORATORY_SOURCE, laboratory=True)
        below, above = _sides(value.value, value.censored, value.low, value.high)
        undecided = value.censored is not None and _undecided(below, above, value.low, value.high)
        # A laboratory's "< 5" means normal below 5 (CK-BB), but only where nothing is read from the side it
        # leaves open: a haemoglobin of 5 g/dL against "< 13.5" is not normal, it is not assessed.
        open_side = "low" if value.low is None else "high" if value.high is None else None
        one_sided_normal = open_side is None or not _side_is_read(analyte, open_side, table)
    else:
        band, needs = _select_band(analyte, age, sex)
        if needs is not None:
            if strict:
                raise InputError(_needs_message(value, analyte, needs))
            return LabInterpretation(
                value,
                analyte.name,
                None,
                "unknown",
                note=f"Not interpreted: the reference interval depends on {needs}, which is not known.",
                age_days=age,
                needs=needs,
            )
        if band is None:
            return LabInterpretation(
                value,
                analyte.name,
                None,
                "unknown",
                note=f"No reference interval at age {age_text(age or 0.0)}; give the laboratory's interval.",
                age_days=age,
            )
        sources = list(band.sources)
        if band.unverified or (band.low is None and band.high is None):
            note = band.note or "No verified reference interval; give the laboratory's interval."
            if band.unverified:
                note += " The unverified interval is not used."
            if unit_note is not None:  # the laboratory's limits seemed to be in another unit
                note = f"{unit_note} {note}"
            return LabInterpretation(
                value,
                analyte.name,
                None,
                "unknown",
                source=table.citation(sources),
                note=note,
                age_days=age,
            )
        assert band.unit is not None  # checked by the Band model
        band_unit = table.unit(analyte, band.unit)
        stated = band.also_stated.get(unit.unit)
        converted = band_unit is not unit and stated is None

        def limit(value: float | None, factor: float = band_unit.factor) -> float | None:
            return None if value is None else value * factor

        if stated is not None:
            low, high = limit(stated.low, unit.factor), limit(stated.high, unit.factor)
            grey = limit(stated.low_indeterminate_below, unit.factor)
        else:
            low, high = limit(band.low), limit(band.high)
            grey = limit(band.low_indeterminate_below)
        below, above = _sides(canonical, value.censored, low, high)
        undecided = value.censored is not None and _undecided(below, above, low, high)
        # A bound decides the grey zone only when every value it allows lies at or above its end ("> 1.2").
        if grey is not None and below is False:
            in_grey = value.censored not in (None, ">", ">=") or _lt(canonical, grey)
            if in_grey:
                below, indeterminate = None, True
        interval = ReferenceInterval(
            low=None if low is None else _display(low / unit.factor, converted),
            high=None if high is None else _display(high / unit.factor, converted),
            unit=unit.unit,
            source=table.citation(sources),
            sources=tuple(sources),
            indeterminate_below=None if grey is None else _display(grey / unit.factor, converted),
        )
        one_sided_normal = band.one_sided_normal
        if band.note:
            notes.append(band.note)
    interpretation = _classify(below, above, one_sided_normal and not indeterminate)
    if undecided and interpretation == "normal":
        interpretation = "unknown"  # one side passed, the other is left open by the bound
    if undecided and interpretation == "unknown":
        limits = _limits_text(interval.low, interval.high, interval.unit)
        notes.insert(
            0,
            f"Undetermined: the laboratory reports not detected without its detection limit, which "
            f"decides nothing against the interval ({limits}); give the limit ('<X') or the measured value."
            if value.censored == "not detected"
            else f"Undetermined: the laboratory reports {value.written}, and the interval ({limits}) lies "
            "within what that allows; give the measured value.",
        )
    elif interpretation == "unknown":
        if indeterminate and value.censored is not None and interval.indeterminate_below is not None:
            # "> 0.8 mmol/L" in the 0.75-1.10 grey zone: not "low by some definitions", as a measured 0.8 would
            # be, since the bound allows values above the zone too.
            zone = _limits_text(interval.low, interval.indeterminate_below, interval.unit)
            notes.insert(
                0,
                f"Undetermined: the laboratory reports {value.written}, which allows values in the range that is "
                f"low by some published definitions only ({zone}) and above it; give the measured value.",
            )
        elif indeterminate:
            notes.insert(0, "Low by some published definitions only.")
        elif below is False and above is None:
            notes.insert(0, f"Not low; {_open_side_note(interval, 'upper')}")
        elif above is False and below is None:
            notes.insert(0, f"Not high; {_open_side_note(interval, 'lower')}")
    mapping = analyte.low if interpretation == "low" else analyte.high if interpretation == "high" else None
    excluded = False
    low_term = analyte.low
    # Only a cut-off that defines its term lets a normal value exclude it (haemoglobin -> Anemia).
    if (
        mapping is None
        and interpretation == "normal"
        and below is False
        and low_term is not None
        and low_term.exclude_when_normal
    ):
        mapping, excluded = low_term, True
    if interpretation in ("low", "high") and mapping is None:
        notes.insert(0, f"No HPO term is mapped for a {interpretation} {analyte.key} in the reference.")
    if mapping is not None:
        sources = [*mapping.sources, *sources]
    return LabInterpretation(
        value=value,
        name=analyte.name,
        interval=interval,
        interpretation=interpretation,
        hpo_id=None if mapping is None else mapping.hpo_id,
        hpo_label=None if mapping is None else mapping.label,
        excluded=excluded,
        source="; ".join(
            s for s in (table.citation(sources), interval.source if interval.laboratory else "") if s
        ),
        # The unit check's note comes first: it says which interval was used; then what a censored result is.
        note=" ".join(
            n
            for n in (unit_note, _censored_note(value, interpretation, undecided or indeterminate), *notes)
            if n
        )
        or None,
        below=below,
        above=above,
        age_days=age,
    )


def interpret_labs(
    values: Iterable[LabValue],
    *,
    age_days: float | None,
    sex: str | None,
    table: LabTable | None = None,
    strict: bool = True,
) -> list[LabInterpretation]:
    """Interpret each value against the laboratory's interval when given, else the bundled cited interval.

    ``age_days``/``sex`` describe the patient at the tests; a value's own ``age_days`` wins over
    ``age_days``. When an interval depends on an unknown age or sex, ``strict`` raises an
    :class:`InputError` saying ``--age``/``--sex`` is needed; otherwise the row is ``unknown`` with
    ``needs`` set.
    """
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        msg = f"values: expected LabValue objects, found {type(values).__name__}"
        raise InputError(msg)
    values = list(values)
    # Indices, not the items: a None among the values must be named too.
    wrong = next((i for i, v in enumerate(values) if not isinstance(v, LabValue)), None)
    if wrong is not None:
        msg = (
            f"values[{wrong}]: expected a LabValue (make_lab_value, parse_lab_value), "
            f"found {type(values[wrong]).__name__}"
        )
        raise InputError(msg)
    age_days = _checked_age_days(age_days, where="age_days")
    if sex not in (None, "female", "male"):
        # Any other spelling ("F") would silently match only the bands for both sexes.
        msg = f"sex: {sex!r} is not a sex marbledx reads; expected 'female', 'male' or None"
        raise InputError(msg)
    lab = table or bundled_lab_table()
    return [_interpret_one(value, lab, age_days, sex, strict) for value in values]


@dataclass(frozen=True)
class DerivedLabFinding:
    """A finding that needs several analytes measured on the same date (e.g. pancytopenia)."""

    hpo_id: str
    hpo_label: str
    date: str | None
    rule: str
    based_on: tuple[str, ...]
    source: str
    inference: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "hpo_id": self.hpo_id,
            "hpo_label": self.hpo_label,
            "date": self.date,
            "rule": self.rule,
            "based_on": list(self.based_on),
            "source": self.source,
            "inference": self.inference,
        }


_STATES: dict[str, Callable[[LabInterpretation], bool]] = {
    "low": lambda row: row.below is True,
    "high": lambda row: row.above is True,
    # A value below the low limit is also "not high", even when the interval has no high limit.
    "not_high": lambda row: row.above is False or row.below is True,
    "not_low": lambda row: row.below is False or row.above is True,
}


def _by_date(rows: Iterable[LabInterpretation]) -> dict[str | None, list[LabInterpretation]]:
    groups: dict[str | None, list[LabInterpretation]] = {}
    for row in rows:
        groups.setdefault(row.value.date, []).append(row)
    return groups


def derive_lab_findings(
    interpretations: Iterable[LabInterpretation], *, table: LabTable | None = None
) -> list[DerivedLabFinding]:
    """Apply the table's multi-analyte rules per date; undated values count as one date of their own."""
    lab = table or bundled_lab_table()
    found: list[DerivedLabFinding] = []
    for day, rows in _by_date(interpretations).items():
        for rule in lab.derived:
            matched: list[str] = []
            for condition in rule.all_of:
                hit = next(
                    (
                        r
                        for r in rows
                        if r.value.analyte in condition.analytes and _STATES[condition.state](r)
                    ),
                    None,
                )
                if hit is None:
                    break
                matched.append(hit.value.analyte)
            else:
                found.append(
                    DerivedLabFinding(
                        hpo_id=rule.hpo_id,
                        hpo_label=rule.label,
                        date=day,
                        rule=rule.rule,
                        based_on=tuple(dict.fromkeys(matched)),
                        source=lab.citation(rule.sources),
                        inference=rule.inference,
                    )
                )
    return found


def lab_findings(
    interpretations: Iterable[LabInterpretation], *, exclusions: bool = True, table: LabTable | None = None
) -> list[Finding]:
    """The case's HPO findings from interpreted values: observed terms of abnormal values, derived terms,
    then (with ``exclusions``) terms a normal value rules out when no value of the case shows them.

    Every finding has ``source="lab"``; ids are the table's (resolve them with :func:`prepare_lab_findings`).
    """
    rows = list(interpretations)
    observed: dict[str, None] = {}
    for row in rows:
        if row.hpo_id and not row.excluded and row.interpretation in ("low", "high"):
            observed.setdefault(row.hpo_id)
    for derived in derive_lab_findings(rows, table=table):
        observed.setdefault(derived.hpo_id)
    excluded: dict[str, None] = {}
    if exclusions:
        for row in rows:
            if row.hpo_id and row.excluded and row.hpo_id not in observed:
                excluded.setdefault(row.hpo_id)
    return [Finding(hpo_id, False, "lab") for hpo_id in observed] + [
        Finding(hpo_id, True, "lab") for hpo_id in excluded
    ]


def _calcium_phosphate_notes(rows: Sequence[LabInterpretation], table: LabTable) -> list[str]:
    product = table.calcium_phosphate_product
    if product is None:
        return []
    notes = []
    for day, group in _by_date(rows).items():
        calcium = next((r for r in group if r.value.analyte == product.calcium), None)
        phosphate = next((r for r in group if r.value.analyte == product.phosphate), None)
        if calcium is None or phosphate is None:
            continue
        if calcium.value.censored or phosphate.value.censored:
            continue  # a bound is not a measured value: no product
        ca = table.convert(table.analyte(product.calcium), calcium.value.value, calcium.value.unit, "mg/dL")
        po4 = table.convert(
            table.analyte(product.phosphate), phosphate.value.value, phosphate.value.unit, "mg/dL"
        )
        when = day or "undated values"
        notes.append(
            f"{when}: Ca x P product {ca * po4:.0f} (mg/dL)^2. {product.note} [{table.citation(product.sources)}]"
        )
    return notes


@dataclass(frozen=True)
class LabReport:
    """Everything ``marbledx labs`` shows: rows, derived findings, the case's HPO findings and notes."""

    rows: tuple[LabInterpretation, ...]
    derived: tuple[DerivedLabFinding, ...]
    findings: tuple[Finding, ...]
    labels: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    age_days: float | None = None
    sex: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "age_days": None if self.age_days is None else round(self.age_days, 1),
            "sex": self.sex,
            "rows": [row.to_dict() for row in self.rows],
            "derived": [item.to_dict() for item in self.derived],
            "findings": [
                {
                    "hpo_id": f.hpo_id,
                    "hpo_label": self.labels.get(f.hpo_id),
                    "excluded": f.excluded,
                    "source": f.source,
                }
                for f in self.findings
            ],
            "notes": list(self.notes),
        }


def lab_report(
    values: Iterable[LabValue],
    *,
    age_days: float | None,
    sex: str | None,
    table: LabTable | None = None,
    exclusions: bool = True,
    strict: bool = True,
) -> LabReport:
    """Interpret ``values`` and collect rows, derived findings, HPO findings and notes in one report."""
    lab = table or bundled_lab_table()
    rows = interpret_labs(values, age_days=age_days, sex=sex, table=lab, strict=strict)
    derived = derive_lab_findings(rows, table=lab)
    findings = lab_findings(rows, exclusions=exclusions, table=lab)
    labels = {f.hpo_id: lab.hpo_label(f.hpo_id) or f.hpo_id for f in findings}
    return LabReport(
        rows=tuple(rows),
        derived=tuple(derived),
        findings=tuple(findings),
        labels=labels,
        notes=tuple(_calcium_phosphate_notes(rows, lab)),
        age_days=age_days,
        sex=sex,
    )


def prepare_lab_findings(
    ontology: Ontology,
    lab: Iterable[Finding],
    entered: Iterable[tuple[str, bool, str]],
    *,
    where: str,
) -> tuple[list[tuple[str, bool, str]], list[str]]:
    """Lab findings as ``(id, excluded, "lab")`` triples to add to the entered ones before
    :func:`~marbledx.findings.normalise_findings`.

    Ids are resolved against ``ontology``; an id the release lacks is dropped with a warning. A term the
    entered findings already hold is not repeated, and when the lab values disagree with the entered state
    (observed vs excluded) the entered finding wins, with a warning.
    """
    state: dict[str, bool] = {}
    for term, excluded, _ in entered:
        try:
            state.setdefault(ontology.resolve(term.strip()), excluded)
        except UnknownTermError:
            continue  # normalise_findings reports it
    triples: list[tuple[str, bool, str]] = []
    warnings: list[str] = []
    for finding in lab:
        try:
            current = ontology.resolve(finding.hpo_id)
        except UnknownTermError:
            warnings.append(f"{where}: lab finding {finding.hpo_id} is not in this HPO release; dropped")
            continue
        if current in state:
            if state[current] != finding.excluded:
                lab_state = "exclude" if finding.excluded else "show"
                entered_state = "excluded" if state[current] else "observed"
                warnings.append(
                    f"{where}: the lab values {lab_state} {current} ({ontology.label(current)}) but it is entered "
                    f"as {entered_state}; keeping the entered finding"
                )
            continue
        state[current] = finding.excluded
        triples.append((current, finding.excluded, "lab"))
    return triples, warnings
