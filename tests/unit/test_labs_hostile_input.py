"""``marbledx labs`` and the lab functions on hostile or mistaken input (QA review, as for ``rank`` in
test_rank_hostile_input.py): one-line errors naming the input and what is expected, no traceback, no value
read wrongly, control characters escaped."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

from marbledx.cli import main
from marbledx.errors import InputError
from marbledx.findings import TextParser, _io
from marbledx.findings._labs import (
    LabValue,
    interpret_labs,
    lab_report,
    make_lab_value,
    parse_lab_value,
    read_labs_csv,
)
from marbledx.findings._phenopacket import read_phenopacket_labs

from ..conftest import TESTS
from .cli_run import mini_release, needs_full_disk, run_cli, run_with_full_disk  # noqa: F401 (mini_release: autouse)

EXAMPLE = TESTS.parent / "examples" / "infant-aro.json"
BENGALI_FOUR = "\u09ea"  # a digit four that looks like an ASCII 8


def _csv(tmp_path: Path, text: str, name: str = "labs.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _haemoglobin(value: Any = 8, **extra: Any) -> dict[str, Any]:
    measurement: dict[str, Any] = {
        "assay": {"id": "LOINC:718-7", "label": "Hemoglobin"},
        "value": {"quantity": {"unit": {"id": "UCUM:g/dL", "label": "g/dL"}, "value": value}},
    }
    measurement.update(extra)
    return measurement


def _packet(
    tmp_path: Path, measurements: list[dict[str, Any]], name: str = "case.json", **subject: Any
) -> Path:
    document: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document["subject"].update(subject)
    document["measurements"] = measurements
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# ---- numbers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["1e400", "9" * 10_000])
def test_a_number_beyond_the_float_range_is_too_large_not_inf(number: str) -> None:
    with pytest.raises(InputError) as info:
        make_lab_value("hb", number, "g/dL", where="x")
    message = str(info.value)
    assert "is too large to be a lab value; expected a number such as" in message
    assert "inf" not in message
    assert len(message) < 200  # a 10,000-digit number is quoted cut short


def test_an_integer_beyond_the_float_range_is_an_input_error_not_an_overflow() -> None:
    with pytest.raises(InputError, match=r"x: a number is too large to be a lab value"):
        make_lab_value("hb", 10**400, "g/dL", where="x")
    with pytest.raises(InputError, match=r"x \(low\): a number is too large to be a lab value"):
        make_lab_value("hb", 8, "g/dL", where="x", low=10**400)


def test_a_csv_value_beyond_the_float_range_names_the_line_and_column(tmp_path: Path) -> None:
    path = _csv(tmp_path, "analyte,value,unit\nhb," + "1" * 10_000 + ",g/dL\n")
    with pytest.raises(InputError, match=r"labs\.csv, line 2, column 2 \(value\): '1{40}…' is too large"):
        read_labs_csv(path)


@pytest.mark.parametrize(
    "text",
    [f"hb={BENGALI_FOUR} g/dL", "hb=\u0661\u0662 g/dL", "hb=\uff18 g/dL"],
    ids=["bengali", "arabic", "fullwidth"],
)
def test_digits_of_other_scripts_are_not_read_as_numbers(text: str) -> None:
    # float() reads them, and the Bengali four looks like an 8: ASCII digits only, as for ages and dates.
    with pytest.raises(InputError, match=r"is not a number; expected ANALYTE=VALUE UNIT"):
        parse_lab_value(text)
    with pytest.raises(InputError, match=r"is not a number"):
        make_lab_value("hb", BENGALI_FOUR, "g/dL", where="x")


def test_digits_of_other_scripts_in_plain_words_are_not_read(parser: TextParser) -> None:
    parsed = parser.parse("anaemia, Hb \u0667.\u0662 g/dL", labs=True, age_days=240)
    (lab,) = parsed.labs
    assert (
        lab.note
        == "not read: '\u0667.\u0662' is not a number; expected a number such as haemoglobin=10.5 g/dL"
    )


def test_a_lab_value_built_directly_with_nan_is_refused_not_read_as_normal() -> None:
    # NaN fails every comparison, so it read as "normal" haemoglobin and excluded anaemia.
    with pytest.raises(InputError, match=r"x \(value\): nan is not a number; expected a finite haemoglobin"):
        interpret_labs([LabValue("haemoglobin", math.nan, "g/dL", source="x")], age_days=400, sex=None)
    with pytest.raises(InputError, match=r"x \(value\): inf is not a number"):  # not an OverflowError
        interpret_labs([LabValue("haemoglobin", 10**400, "g/dL", source="x")], age_days=400, sex=None)
    with pytest.raises(InputError, match=r"x \(low\): nan is not a number"):
        interpret_labs([LabValue("haemoglobin", 8, "g/dL", source="x", low=math.nan)], age_days=400, sex=None)


# ---- the --value text --------------------------------------------------------------------------------------


def test_an_option_given_twice_is_refused() -> None:
    # "low=9 low=12" is a typo for high=12; the second low used to replace the first silently.
    with pytest.raises(
        InputError, match=r"--value: low= is given twice; expected each of date=, low=, high="
    ):
        parse_lab_value("hb=8 g/dL low=9 low=12")


def test_an_empty_age_is_refused_not_taken_for_no_age(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "labs", "--age", "", "--value", "ph=7.3")
    assert code == 2
    assert out == ""
    assert (
        err
        == "marbledx: error: --age: '' is not an ISO 8601 age; expected a duration such as P8M, P2Y6M or P10D\n"
    )


# ---- files ---------------------------------------------------------------------------------------------------


def test_a_csv_field_beyond_the_csv_limit_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # An unclosed quote makes the rest of the file one field; csv refuses one over 128 KiB with csv.Error.
    path = _csv(tmp_path, 'analyte,value,unit\nhb,8,"' + "x" * 200_000 + "\n")
    code, out, err = run_cli(capsys, "labs", "--age", "P1Y", "--labs", str(path))
    assert code == 2
    assert out == ""
    assert err == (
        f"marbledx: error: {path}, line 2: cannot be read as CSV (field larger than field limit (131072)); "
        "expected one lab value per row\n"
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.csv", "missing.csv: no such file or folder"),
        (lambda tmp: tmp, ": is a folder; expected a file"),
        (lambda tmp: _latin1(tmp), "latin.csv: cannot read ("),
    ],
    ids=["missing", "folder", "not-utf8"],
)
def test_files_that_cannot_be_read_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make: Any, message: str
) -> None:
    code, out, err = run_cli(capsys, "labs", "--age", "P1Y", "--labs", str(make(tmp_path)))
    assert code == 2
    assert out == ""
    assert message in err
    assert err.count("\n") == 1


def _latin1(tmp_path: Path) -> Path:
    path = tmp_path / "latin.csv"
    path.write_bytes("analyte,value,unit\nh\u00e9moglobine,8,g/dL\n".encode("latin-1"))
    return path


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_as_the_csv_is_read_no_further_than_the_cap(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_io, "MAX_TEXT_BYTES", 1024)
    code, _, err = run_cli(capsys, "labs", "--age", "P1Y", "--labs", "/dev/zero")
    assert code == 2
    assert (
        err
        == "marbledx: error: /dev/zero: larger than 1,024 bytes; expected a phenopacket, pedigree or table file\n"
    )


def test_a_measurement_centuries_after_the_date_of_birth_is_refused(tmp_path: Path) -> None:
    # The age at the test comes from timeObserved minus dateOfBirth; 975 years chose the adult band.
    path = _packet(
        tmp_path,
        [_haemoglobin(timeObserved={"timestamp": "2999-01-01T00:00:00Z"})],
        dateOfBirth="2024-01-01T00:00:00Z",
    )
    with pytest.raises(InputError) as info:
        read_phenopacket_labs(path)
    assert str(info.value) == (
        f"{path}: measurements[0].timeObserved.timestamp (age at the test): 356,112 days is not an age; expected the age "
        "in days, from 0 to 130 years (check the date of the test and the date of birth)"
    )


# ---- output ----------------------------------------------------------------------------------------------------


def test_control_characters_in_warnings_and_notes_are_escaped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv_path = _csv(tmp_path, "analyte,value,unit\nph,7.3,\n", name="e\x1b[31m.csv")
    weight = {"assay": {"id": "X:1\x1b[2J", "label": "weight"}, "value": {"quantity": {"value": 8}}}
    packet = _packet(tmp_path, [weight, _haemoglobin()])
    code, out, err = run_cli(capsys, "labs", str(packet), "--labs", str(csv_path))
    assert code == 0
    assert "\x1b" not in out + err
    assert "X:1\\x1b[2J is not a lab analyte" in err
    assert (
        "ph (" + str(tmp_path) + "/e\\x1b[31m.csv, line 2): The reference gives no venous-pH interval" in out
    )


def test_json_is_valid_where_stdout_takes_ascii_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # The sources hold "§"; the stream's own escape (\xa7) made the JSON invalid.
    buffer = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(buffer, encoding="ascii"))
    assert main(["labs", "--age", "P1Y", "--value", "hb=8 g/dL", "--format", "json"]) == 0
    sys.stdout.flush()
    data = json.loads(buffer.getvalue().decode("ascii"))
    assert data["rows"][0]["source"].startswith("osteopetrosis reference \u00a75")


@needs_full_disk
def test_a_full_disk_is_exit_status_74() -> None:
    done = run_with_full_disk("labs", "--age", "P1Y", "--value", "hb=8 g/dL")
    assert done.returncode == 74
    assert done.stderr == "marbledx: error: cannot write the output: No space left on device\n"


# ---- the Python API --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: parse_lab_value(None),
            "--value: expected a string ANALYTE=VALUE UNIT such as 'hemoglobin=8 g/dL', found NoneType",
        ),
        (lambda: read_labs_csv(None), "labs: expected a CSV file path (str or Path), found NoneType"),
        (lambda: read_labs_csv(b"labs.csv"), "labs: expected a CSV file path (str or Path), found bytes"),
        (
            lambda: read_labs_csv("a\x00.csv"),
            r"labs: 'a\x00.csv' contains a NUL character; expected a CSV file path",
        ),
        (
            lambda: make_lab_value(None, 8, "g/dL", where="x"),
            "x: unknown analyte None; expected one of haemoglobin",
        ),
        (lambda: make_lab_value("hb", 8, None, where="x"), "x: None is not an accepted unit for haemoglobin"),
        (
            lambda: make_lab_value("hb", 8, "g/dL", where="x", date=20240301),
            "x (date): 20240301 is not an ISO 8601 date",
        ),
        (
            lambda: make_lab_value("hb", 8, "g/dL", where="x", age_days=-5),
            "x (age at the test): -5 days is not an age; expected the age in days, from 0 to 130 years",
        ),
        (
            lambda: make_lab_value("hb", 8, "g/dL", where="x", age_days=math.nan),
            "x (age at the test): nan is not an age",
        ),
        (
            lambda: interpret_labs(None, age_days=None, sex=None),
            "values: expected LabValue objects, found NoneType",
        ),
        (lambda: interpret_labs([None], age_days=None, sex=None), "values[0]: expected a LabValue"),
        (lambda: lab_report([], age_days="P6M", sex=None), "age_days: 'P6M' is not an age"),
        (lambda: lab_report([], age_days=math.inf, sex=None), "age_days: inf is not an age"),
        (lambda: lab_report([], age_days=10**400, sex=None), "age_days: inf is not an age"),
        # "F" matched only the bands for both sexes: an adult woman's haemoglobin became "unknown".
        (
            lambda: interpret_labs([], age_days=8000, sex="F"),
            "sex: 'F' is not a sex marbledx reads; expected 'female', 'male' or None",
        ),
    ],
)
def test_python_api_mistakes_are_named(call: Any, message: str) -> None:
    with pytest.raises(InputError) as info:
        call()
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_a_long_value_is_quoted_back_cut_short(capsys: pytest.CaptureFixture[str]) -> None:
    # The flag's text was echoed whole before the error: 10,000 digits made a one-line error a page long.
    code, _, err = run_cli(capsys, "labs", "--age", "P1Y", "--value", "hb=" + "9" * 10_000 + " g/dL")
    assert code == 2
    assert err.count("\n") == 1
    assert len(err) < 300
    assert err.startswith("marbledx: error: --value 'hb=999")


@pytest.mark.parametrize("date", ["0001-01-01", "1899-12-31", "9999-12-31", "2204-03-01"])
def test_an_implausible_date_of_a_test_is_refused(date: str) -> None:
    # Read before as a real date: the value sat on a chart centuries away, and with a date of birth a wrong
    # age's reference interval was chosen.
    with pytest.raises(
        InputError, match=r"is not a plausible date of a test; expected a date from 1900-01-01"
    ):
        parse_lab_value(f"hb=8 g/dL date={date}")


def test_todays_date_of_a_test_is_read() -> None:
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert parse_lab_value(f"hb=8 g/dL date={today}").date == today
