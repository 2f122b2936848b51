"""``marbledx labs`` through its own argparse parser (``configure`` then ``run``)."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest

from marbledx.cli._labs_cmd import configure, run
from marbledx.errors import InputError

from ..conftest import TESTS

LABS = TESTS / "data" / "labs"
ROW_KEYS = {
    "analyte",
    "value",
    "unit",
    "reference_interval",
    "interpretation",
    "hpo_id",
    "hpo_label",
    "date",
    "source",
}


def labs(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="marbledx labs")
    configure(parser)
    return run(parser.parse_args(list(argv)))


def labs_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert labs(*argv, "--format", "json") == 0
    return json.loads(capsys.readouterr().out)


def test_contract_example_json(capsys: pytest.CaptureFixture[str]) -> None:
    data = labs_json(capsys, "--age", "P6M", "--sex", "female", "--value", "hemoglobin=8 g/dL")
    (row,) = data["rows"]
    assert set(row) >= ROW_KEYS
    assert row["analyte"] == "haemoglobin"
    assert (row["value"], row["unit"]) == (8.0, "g/dL")
    assert row["reference_interval"]["low"] == 10.5
    assert row["reference_interval"]["unit"] == "g/dL"
    assert "WHO 2024" in row["reference_interval"]["source"]
    assert (row["interpretation"], row["hpo_id"], row["hpo_label"]) == ("low", "HP:0001903", "Anemia")
    assert data["findings"] == [
        {"hpo_id": "HP:0001903", "hpo_label": "Anemia", "excluded": False, "source": "lab"}
    ]
    assert data["sex"] == "female"


def test_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert labs("--age", "P6M", "--value", "hb=8 g/dL", "--value", "ck-bb=4 U/L") == 0
    out = capsys.readouterr().out
    assert out.startswith("Lab values (6 months, sex not given)")
    assert "haemoglobin  8 g/dL" in out
    assert ">= 10.5 g/dL" in out
    assert "HP:0001903 Anemia" in out
    assert "HP:0032233 Increased circulating creatine kinase BB isoform" in out
    assert "HPO terms observed: HP:0001903 Anemia; HP:0032233" in out


def test_normal_value_is_shown_as_excluded_unless_disabled(capsys: pytest.CaptureFixture[str]) -> None:
    labs("--age", "P2Y", "--value", "hb=12.5 g/dL")
    out = capsys.readouterr().out
    assert "NOT HP:0001903 Anemia" in out
    assert "(not used)" not in out
    labs("--age", "P2Y", "--value", "hb=12.5 g/dL", "--no-exclusions")
    assert "NOT HP:0001903 Anemia (not used)" in capsys.readouterr().out
    data = labs_json(capsys, "--age", "P2Y", "--value", "hb=12.5 g/dL", "--no-exclusions")
    assert data["rows"][0]["excluded"] is True
    assert data["findings"] == []


def test_csv_input_derives_pancytopenia(capsys: pytest.CaptureFixture[str]) -> None:
    data = labs_json(capsys, "--age", "P1Y", "--labs", str(LABS / "labs.csv"))
    assert [r["analyte"] for r in data["rows"]] == ["haemoglobin", "platelets", "wbc", "calcium", "pth"]
    assert {d["hpo_id"] for d in data["derived"]} == {"HP:0001876", "HP:0000867"}
    assert all(r["date"] == "2024-03-01" for r in data["rows"])
    assert data["rows"][1]["reference_interval"]["laboratory"] is True


def test_phenopacket_input_takes_age_and_sex_from_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert labs(str(LABS / "case_measurements.json"), "--format", "json") == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["sex"] == "female"
    assert data["rows"][0]["interpretation"] == "low"
    assert data["rows"][0]["age_days"] == pytest.approx(213.4, abs=0.1)  # from the measurement timestamp
    assert "HP:0001876" in [f["hpo_id"] for f in data["findings"]]
    assert "warning: " in captured.err
    assert "measurements[4].assay: LOINC:29463-7 is not a lab analyte" in captured.err


def test_age_flag_overrides_the_phenopacket(capsys: pytest.CaptureFixture[str]) -> None:
    data = labs_json(capsys, str(LABS / "case_measurements.json"), "--age", "P2M", "--sex", "male")
    assert data["sex"] == "male"
    assert data["rows"][0]["interpretation"] == "unknown"  # no WHO cut-off under 6 months
    assert data["rows"][0]["age_days"] == pytest.approx(2 * 365.25 / 12, abs=0.1)


def test_all_inputs_combine(capsys: pytest.CaptureFixture[str]) -> None:
    data = labs_json(
        capsys,
        str(LABS / "measurements_only.json"),
        "--labs",
        str(LABS / "labs.csv"),
        "--value",
        "igg=2 g/L low=3 high=9",
    )
    assert len(data["rows"]) == 3 + 5 + 1
    assert data["rows"][-1]["hpo_id"] == "HP:0004315"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), r"nothing to interpret; expected --value 'hemoglobin=8 g/dL', --labs FILE.csv or a phenopacket"),
        (
            ("--value", "hb=8 g/dL"),
            r"--value 'hb=8 g/dL': the haemoglobin reference interval depends on age; .*--age",
        ),
        (("--age", "P20Y", "--value", "hb=12.5 g/dL"), r"depends on sex; give --sex female or --sex male"),
        (("--age", "6 months", "--value", "hb=8 g/dL"), r"--age: '6 months' is not an ISO 8601 age"),
        (
            ("--age", "P1Y", "--value", "sodium=140 mmol/L"),
            r"--value 'sodium=140 mmol/L': unknown analyte 'sodium'",
        ),
        (
            ("--age", "P1Y", "--value", "hb=8 mg/dL"),
            r"'mg/dL' is not an accepted unit for haemoglobin; expected one of g/L",
        ),
        (
            ("--age", "P1Y", "--value", "ph=9"),
            r"ph 9 pH is not physiologically possible; expected a value from 6.5-8 pH",
        ),
        ((str(LABS / "bad_unit.json"),), r"bad_unit.json: measurements\[0\]\.value\.quantity\.unit: 'mg/dL'"),
        (("--labs", str(LABS / "missing.csv")), r"missing.csv: no such file"),
    ],
)
def test_errors_are_input_errors_naming_where(argv: tuple[str, ...], message: str) -> None:
    with pytest.raises(InputError, match=message):
        labs(*argv)


def test_cell_counts_are_never_shown_in_scientific_notation(capsys: pytest.CaptureFixture[str]) -> None:
    assert labs("--age", "P2D", "--value", "plt=150000 /uL", "--value", "wbc=12500 /uL") == 0
    out = capsys.readouterr().out
    assert "150000 /uL" in out
    assert "12500 /uL" in out
    assert "e+0" not in out
