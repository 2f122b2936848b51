"""A phenopacket's ``referenceRange`` with a limit left out, a quantity without its ``value``, and the one rule
for a NUL in an input path.

Protobuf (proto3) keeps no presence for a number, so the parsed message reads a left-out ``low`` or ``value``
as 0. The reader looks at the JSON as written instead: a range needs both limits (phenopacket-schema v2,
ReferenceRange), a measurement needs its value, and a written 0 is read as written. No test writes to a
device: every file is inside ``tmp_path``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from marbledx.errors import InputError
from marbledx.findings import interpret_labs, read_case_file
from marbledx.findings._io import check_path, read_text_file
from marbledx.findings._labs import read_labs_csv
from marbledx.findings._phenopacket import read_phenopacket_labs
from marbledx.ontology import Hpo

from ..conftest import TESTS

CASE = TESTS / "data" / "phenopackets" / "infant_aro.json"
FAMILY = TESTS / "data" / "phenopackets" / "family.json"
WHERE = "measurements[0].value.quantity.referenceRange"
EXPECTED = "expected the laboratory's interval as 'low' and 'high'"


def _measurement(assay: dict[str, str], unit: str, value: float, **quantity: Any) -> dict[str, Any]:
    return {
        "assay": assay,
        "value": {"quantity": {"unit": {"id": f"UCUM:{unit}"}, "value": value, **quantity}},
    }


def _haemoglobin(reference_range: dict[str, Any]) -> dict[str, Any]:
    return _measurement(
        {"id": "LOINC:718-7", "label": "Hemoglobin"}, "g/dL", 8, referenceRange=reference_range
    )


def _packet(tmp_path: Path, *measurements: dict[str, Any], source: Path = CASE) -> Path:
    document: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    packet = document.get("proband", document)
    packet["measurements"] = list(measurements)
    path = tmp_path / "case.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# ---- 1. a range without its low limit is refused, as one without its high limit is ---------------------------


@pytest.mark.parametrize(
    "reference_range",
    [{"high": 13.5}, {"low": None, "high": 13.5}],
    ids=["left-out", "null"],
)
def test_a_reference_range_without_its_low_limit_is_refused(
    tmp_path: Path, reference_range: dict[str, Any]
) -> None:
    # It was read as 0-13.5: haemoglobin 8 g/dL at one year was then "normal" and excluded anaemia.
    path = _packet(tmp_path, _haemoglobin(reference_range))
    with pytest.raises(InputError) as info:
        read_phenopacket_labs(path)
    assert str(info.value) == (
        f"{path}: {WHERE}: 'low' is missing; {EXPECTED} (write \"low\": 0 for an interval from 0)"
    )


@pytest.mark.parametrize(
    ("reference_range", "missing"),
    [({"low": 10.5}, "'high' is"), ({"high": 13.5}, "'low' is"), ({}, "'low' and 'high' are")],
    ids=["low-only", "high-only", "neither"],
)
def test_a_one_sided_range_is_refused_either_way(
    tmp_path: Path, reference_range: dict[str, Any], missing: str
) -> None:
    path = _packet(tmp_path, _haemoglobin(reference_range))
    with pytest.raises(InputError, match=f"^{re.escape(f'{path}: {WHERE}: {missing} missing; {EXPECTED}')}"):
        read_phenopacket_labs(path)


def test_a_range_without_its_low_limit_is_refused_in_a_family_file(tmp_path: Path) -> None:
    # The Family's proband is its own JSON object: its measurements are looked up there.
    path = _packet(tmp_path, _haemoglobin({"high": 13.5}), source=FAMILY)
    with pytest.raises(InputError, match=re.escape(f"{WHERE}: 'low' is missing")):
        read_phenopacket_labs(path)


def test_a_range_without_its_low_limit_is_refused_for_a_ranked_case(tmp_path: Path, mini_hpo: Hpo) -> None:
    path = _packet(tmp_path, _haemoglobin({"high": 13.5}))
    with pytest.raises(InputError, match=re.escape(f"{WHERE}: 'low' is missing")):
        read_case_file(path, mini_hpo.ontology)


def test_a_range_without_its_low_limit_is_skipped_when_lenient(tmp_path: Path) -> None:
    path = _packet(tmp_path, _haemoglobin({"high": 13.5}))
    read = read_phenopacket_labs(path, strict=False)
    assert read.labs == ()
    assert read.warnings == (
        f"{path}: {WHERE}: 'low' is missing; {EXPECTED} (write \"low\": 0 for an interval from 0) (skipped)",
    )


def test_a_written_high_limit_of_zero_is_read_as_written(tmp_path: Path) -> None:
    # A written 0 is a limit, not a left-out one: this is the laboratory's own mistake, and said so.
    path = _packet(tmp_path, _haemoglobin({"low": 10.5, "high": 0}))
    with pytest.raises(InputError) as info:
        read_phenopacket_labs(path)
    assert str(info.value) == (
        f"{path}: measurements[0].value.quantity: the laboratory's low limit (10.5) must be below its high "
        "limit (0)"
    )


# ---- 2. a written "low": 0 is a lower limit -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["referenceRange", "reference_range"])
def test_a_written_low_limit_of_zero_is_read(tmp_path: Path, name: str) -> None:
    # CK-BB 0-5 U/L (any detectable CK-BB is high; Whyte 1996, DOI:10.1002/jbmr.5650111010); protobuf's
    # parser takes the field by its JSON name or its proto name.
    ck_bb = _measurement({"label": "CK-BB"}, "U/L", 7, **{name: {"low": 0, "high": 5}})
    path = _packet(tmp_path, ck_bb)
    (value,) = read_phenopacket_labs(path).labs
    assert (value.low, value.high) == (0.0, 5.0)
    (row,) = interpret_labs([value], age_days=365, sex="female")
    assert row.interval is not None
    assert row.interval.laboratory
    assert (row.interval.low, row.interval.high) == (0.0, 5.0)
    assert row.interpretation == "high"


def test_a_two_sided_range_in_another_unit_still_converts(tmp_path: Path) -> None:
    haemoglobin = _haemoglobin({"unit": {"id": "UCUM:g/L"}, "low": 0, "high": 135})
    (value,) = read_phenopacket_labs(_packet(tmp_path, haemoglobin)).labs
    assert (value.low, value.high) == (0.0, pytest.approx(13.5))


def test_each_measurement_is_checked_against_its_own_range(tmp_path: Path) -> None:
    path = _packet(
        tmp_path,
        _haemoglobin({"low": 0, "high": 13.5}),  # written in full
        _haemoglobin({"high": 13.5}),  # the second one leaves out its low limit
    )
    with pytest.raises(
        InputError, match=r"measurements\[1\]\.value\.quantity\.referenceRange: 'low' is missing"
    ):
        read_phenopacket_labs(path)


# ---- 3. a quantity without its value is refused, not read as 0 -------------------------------------------------

VALUE_MISSING = (
    "measurements[0].value.quantity.value is missing; expected the measured haemoglobin value, a number in g/dL "
    '(write "value": 0 for a measured 0)'
)


def _haemoglobin_without_value(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "assay": {"id": "LOINC:718-7", "label": "Hemoglobin"},
        "value": {"quantity": {"unit": {"id": "UCUM:g/dL"}, **value}},
    }


@pytest.mark.parametrize("value", [{}, {"value": None}], ids=["left-out", "null"])
def test_a_quantity_without_its_value_is_refused(tmp_path: Path, value: dict[str, Any]) -> None:
    # It was read as haemoglobin 0 g/dL, far below any interval: anaemia, counted in the ranking.
    path = _packet(tmp_path, _haemoglobin_without_value(value))
    with pytest.raises(InputError) as info:
        read_phenopacket_labs(path)
    assert str(info.value) == f"{path}: {VALUE_MISSING}"


def test_a_quantity_without_its_value_is_refused_for_a_ranked_case(tmp_path: Path, mini_hpo: Hpo) -> None:
    path = _packet(tmp_path, _haemoglobin_without_value({}), source=FAMILY)
    with pytest.raises(InputError, match=re.escape(f"{path}: {VALUE_MISSING}")):
        read_case_file(path, mini_hpo.ontology)


def test_a_quantity_without_its_value_is_skipped_when_lenient(tmp_path: Path, mini_hpo: Hpo) -> None:
    # The other measurements are still read; the case keeps no anaemia term from the missing value.
    path = _packet(tmp_path, _haemoglobin_without_value({}), _haemoglobin({"low": 10.5, "high": 13.5}))
    read = read_phenopacket_labs(path, strict=False)
    assert [(value.analyte, value.value, value.source) for value in read.labs] == [
        ("haemoglobin", 8.0, f"{path}: measurements[1].value.quantity")
    ]
    assert f"{path}: {VALUE_MISSING} (skipped)" in read.warnings
    case = read_case_file(_packet(tmp_path, _haemoglobin_without_value({})), mini_hpo.ontology, strict=False)
    assert f"{path}: {VALUE_MISSING} (skipped)" in case.warnings
    assert case.labs == ()


@pytest.mark.parametrize("written", [0, 0.0, "0"], ids=["int", "float", "string"])
def test_a_written_value_of_zero_is_read(tmp_path: Path, written: float | str) -> None:
    # Undetectable CK-BB is the normal finding (0-5 U/L; Whyte 1996, DOI:10.1002/jbmr.5650111010).
    ck_bb = _measurement({"label": "CK-BB"}, "U/L", 0, referenceRange={"low": 0, "high": 5})
    ck_bb["value"]["quantity"]["value"] = written
    (value,) = read_phenopacket_labs(_packet(tmp_path, ck_bb)).labs
    assert value.value == 0.0
    (row,) = interpret_labs([value], age_days=365, sex="female")
    assert row.interpretation == "normal"


def test_a_complex_value_is_skipped_not_read_as_zero(tmp_path: Path) -> None:
    # marbledx reads only value.quantity; a complexValue (typed quantities, as a blood pressure) is named.
    complex_value = {
        "assay": {"id": "LOINC:718-7", "label": "Hemoglobin"},
        "complexValue": {"typedQuantities": [{"type": {"id": "NCIT:C0", "label": "x"}, "quantity": {}}]},
    }
    path = _packet(tmp_path, complex_value)
    read = read_phenopacket_labs(path)
    assert read.labs == ()
    assert f"{path}: measurements[0].value: haemoglobin has no value.quantity; skipped" in read.warnings


# ---- 4. one rule for a NUL character in an input path ---------------------------------------------------------


def test_the_shared_path_check_keeps_each_readers_words() -> None:
    with pytest.raises(InputError) as generic:
        check_path("case\x00.json")
    assert str(generic.value) == (
        "'case\\x00.json': a path cannot contain a NUL character; expected a phenopacket, pedigree or table file"
    )
    with pytest.raises(InputError) as named:
        check_path(Path("a\x00.csv"), argument="labs", expected="a CSV file path")
    assert str(named.value) == r"labs: 'a\x00.csv' contains a NUL character; expected a CSV file path"
    assert check_path("labs.csv") == Path("labs.csv")


@pytest.mark.parametrize("path", ["a\x00.csv", Path("a\x00.csv")], ids=["str", "Path"])
def test_the_labs_reader_uses_the_shared_rule(path: str | Path) -> None:
    with pytest.raises(InputError) as labs:
        read_labs_csv(path)
    assert str(labs.value) == r"labs: 'a\x00.csv' contains a NUL character; expected a CSV file path"
    with pytest.raises(InputError) as text:
        read_text_file(Path(path))
    assert str(text.value).endswith(
        "a path cannot contain a NUL character; expected a phenopacket, pedigree or table file"
    )
