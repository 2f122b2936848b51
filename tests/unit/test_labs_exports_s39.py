"""Lab values as real laboratories export them (s39).

European LIS exports (BOM, semicolons, quoted fields, decimal commas, DD.MM.YYYY dates, a reference-range
column, an H/L flag column, patient-id columns), US conventional units, flags after the value ("7.2 (L)"),
censored values ("<5"), remarks ("hemolysed"), ages in words and dates of birth; LOINC codes beyond one per
analyte in phenopackets; and a haemolysed specimen in plain words.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from marbledx.cli._labs_cmd import configure, run
from marbledx.errors import InputError
from marbledx.findings import read_phenopacket_labs
from marbledx.findings._labs import (
    bundled_lab_table,
    interpret_labs,
    lab_findings,
    make_lab_value,
    parse_lab_date,
    parse_lab_value,
    read_labs_csv,
)
from marbledx.findings._text_labs import find_lab_mentions

MONTH = 365.25 / 12
YEAR = 365.25


def _csv(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


EUROPEAN = (
    "\ufeff"
    '"Patient ID";"Test";"Result";"Unit";"Reference range";"Flag";"Collection date"\n'
    '"123";"Hb";"7,2";"g/dL";"10,5 - 13,5";"L";"01.03.2024 08:30"\n'
    '"123";"PLT";"45";"G/L";"150-450";"L";"01.03.2024 08:30"\n'
    '"123";"Ca";"1,70";"mmol/L";"2,20-2,70";"L";"01.03.2024 08:30"\n'
    '"123";"PTH";"45,3";"pmol/L";"1,6-6,9";"H";"01.03.2024 08:30"\n'
)


def test_a_european_lis_export_is_read_with_its_decimal_commas_range_flags_and_dates(tmp_path: Path) -> None:
    # Was refused at the first unknown column ('patient id'), then at every decimal comma.
    values = read_labs_csv(_csv(tmp_path, EUROPEAN))
    assert [(v.analyte, v.value, v.unit, v.low, v.high, v.flag, v.date) for v in values] == [
        ("haemoglobin", 7.2, "g/dL", 10.5, 13.5, "low", "2024-03-01"),
        ("platelets", 45.0, "10^9/L", 150.0, 450.0, "low", "2024-03-01"),
        ("calcium", 1.7, "mmol/L", 2.2, 2.7, "low", "2024-03-01"),
        ("pth", 45.3, "pmol/L", 1.6, 6.9, "high", "2024-03-01"),
    ]
    rows = interpret_labs(values, age_days=8 * MONTH, sex="female")
    assert [r.interpretation for r in rows] == ["low", "low", "low", "high"]
    ids = [f.hpo_id for f in lab_findings(rows)]
    assert "HP:0001873" in ids  # thrombocytopenia from the laboratory's own interval
    assert "HP:0000867" in ids  # PTH high with low calcium on the same date


def test_a_decimal_comma_is_read_only_where_commas_do_not_separate_fields(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"column 2 \(value\): '7,2' is not a number \(use a point"):
        read_labs_csv(_csv(tmp_path, 'analyte,value,unit\nhb,"7,2",g/dL\n'))
    # "1,200" alone may be a thousands separator: not read as 1.2.
    with pytest.raises(InputError, match=r"'1,200' is not a number"):
        read_labs_csv(_csv(tmp_path, "analyte;value;unit\nalp;1,200;U/L\n"))
    # In a file that writes decimals with a comma, "1.200" may be a thousands separator too.
    with pytest.raises(
        InputError, match=r"'1\.200' is ambiguous in a file that writes decimals with a comma"
    ):
        read_labs_csv(_csv(tmp_path, "analyte;value;unit\nhb;7,2;g/dL\nalp;1.200;U/L\n"))


def test_a_flag_that_disagrees_with_the_reading_withholds_it() -> None:
    # WHO 2024: 110 g/L at 24-59 months, so 11.0 g/dL is normal and excluded anaemia; the laboratory flags it
    # low against its own interval, which reference §5 prefers.
    value = make_lab_value("hb", 11.0, "g/dL", where="x", flag="low")
    (row,) = interpret_labs([value], age_days=3 * YEAR, sex=None)
    assert row.interpretation == "unknown"
    assert row.hpo_id is None
    assert not row.excluded
    assert row.note is not None
    assert row.note.startswith("Not interpreted: the laboratory flags it L (low)")
    assert lab_findings([row]) == []
    agreeing = make_lab_value("hb", 9.0, "g/dL", where="x", flag="low")
    (row,) = interpret_labs([agreeing], age_days=3 * YEAR, sex=None)
    assert (row.interpretation, row.hpo_id) == ("low", "HP:0001903")


def test_a_flag_after_the_value_is_read(tmp_path: Path) -> None:
    path = _csv(tmp_path, "analyte,value,unit\nhb,7.2 (L),g/dL\nhb,11.0 H,g/dL\nhb,9.0*,g/dL\n")
    assert [(v.value, v.flag) for v in read_labs_csv(path)] == [(7.2, "low"), (11.0, "high"), (9.0, None)]
    with pytest.raises(
        InputError, match=r"column 4 \(flag\): the flag 'H' differs from the one after the value"
    ):
        read_labs_csv(_csv(tmp_path, "analyte,value,unit,flag\nhb,7.2 (L),g/dL,H\n"))


def test_a_haemolysed_specimen_is_shown_and_not_interpreted(tmp_path: Path) -> None:
    path = _csv(tmp_path, "analyte,value,unit,low,high,comment\nldh,1200,U/L,100,400,sample hemolysed\n")
    (value,) = read_labs_csv(path)
    (row,) = interpret_labs([value], age_days=30 * YEAR, sex="male")
    # Was "high" -> HP:0025435: haemolysis releases LDH from red cells.
    assert row.interpretation == "unknown"
    assert row.hpo_id is None
    assert row.note is not None
    assert "remarks 'sample hemolysed'" in row.note


def test_rows_without_a_measured_value_or_of_other_analytes(tmp_path: Path) -> None:
    # "ND" is not read as "not detected": it also means "not done" (s40), so it is a row without a value.
    text = (
        "analyte,value,unit\nhb,7.2,g/dL\nsodium,138,mmol/L\nck-bb,ND,U/L\nldh,hemolysed,U/L\nplt,,10^9/L\n"
    )
    path = _csv(tmp_path, text)
    # By default (marbledx analyze) each is an error naming the line, as before.
    with pytest.raises(InputError, match=r"unknown analyte 'sodium'"):
        read_labs_csv(path)
    with pytest.raises(InputError, match=r"line 2, column 2 \(value\): 'ND' is not a number"):
        read_labs_csv(_csv(tmp_path, "analyte,value,unit\nck-bb,ND,U/L\n", "nd.csv"))
    skipped: list[str] = []
    values = read_labs_csv(path, skipped=skipped)
    assert [v.analyte for v in values] == ["haemoglobin"]
    assert len(skipped) == 4
    assert skipped[0].endswith("line 3: 'sodium' is not a lab analyte marbledx interprets; skipped")
    assert "ck_bb: no measured value ('ND')" in skipped[1]
    assert "no measured value ('hemolysed')" in skipped[2]
    assert skipped[3].endswith("platelets: no measured value; skipped")


def test_a_censored_row_is_read_as_its_bound_not_skipped(tmp_path: Path) -> None:
    # Was an error ("'<5' is a limit (a censored value)") or, leniently, a skipped row; since s40 it is the
    # bound it is, interpreted only where the bound decides (docs/labs.md, "Censored values").
    skipped: list[str] = []
    (value,) = read_labs_csv(_csv(tmp_path, "analyte,value,unit\nck-bb,<5,U/L\n"), skipped=skipped)
    assert (value.analyte, value.censored, value.value, skipped) == ("ck_bb", "<", 5.0, [])
    # Any detectable CK-BB counts as raised (Whyte 1996): "< 5" may be detectable or not, so it is undetermined.
    (row,) = interpret_labs([value], age_days=8 * MONTH, sex="female")
    assert (row.interpretation, row.hpo_id) == ("unknown", None)


def test_unknown_columns_are_still_refused_but_patient_columns_are_ignored(tmp_path: Path) -> None:
    # A misnamed limit column must not be dropped silently.
    with pytest.raises(InputError, match=r"column 4: 'lower' is not a known column"):
        read_labs_csv(_csv(tmp_path, "analyte,value,unit,lower\nhb,8,g/dL,10\n"))
    path = _csv(tmp_path, "MRN,Analyte,Value,Unit,Ref_Low,Ref_High,Specimen,\n1,hb,8,g/dL,11,14,blood,\n")
    (value,) = read_labs_csv(path)
    assert (value.low, value.high) == (11.0, 14.0)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("01.03.2024", "2024-03-01"),
        ("1.3.2024 08:30", "2024-03-01"),
        ("2024/03/01", "2024-03-01"),
        ("1 Mar 2024", "2024-03-01"),
        ("01-Mar-2024", "2024-03-01"),
        ("March 1, 2024", "2024-03-01"),
        ("13/03/2024", "2024-03-13"),
        ("03/13/2024", "2024-03-13"),
        ("2024-03-01 08:30", "2024-03-01"),
    ],
)
def test_export_dates(text: str, iso: str) -> None:
    assert parse_lab_date(text) == iso


def test_an_ambiguous_or_impossible_date_is_refused() -> None:
    with pytest.raises(InputError, match=r"'03/04/2024' is not an ISO 8601 date.*ambiguous"):
        parse_lab_date("03/04/2024")
    with pytest.raises(InputError, match=r"'31\.02\.2024' is not a date \(no such day\)"):
        parse_lab_date("31.02.2024")


def test_ages_in_words_and_a_date_of_birth_choose_the_band(tmp_path: Path) -> None:
    text = (
        "analyte,value,unit,date,age,date of birth\n"
        "hb,10.8,g/dL,2024-03-01,8 months,\n"
        "hb,10.8,g/dL,2024-03-01,,2021-03-01\n"
        "hb,10.8,g/dL,2024-03-01,2 years 6 months,\n"
    )
    values = read_labs_csv(_csv(tmp_path, text))
    assert values[0].age_days == pytest.approx(8 * MONTH)
    assert values[1].age_days == 1096  # three years: 110 g/L (WHO 2024)
    rows = interpret_labs(values, age_days=None, sex=None)
    assert [r.interpretation for r in rows] == ["normal", "low", "low"]  # 105 g/L at 8 months
    with pytest.raises(InputError, match=r"'8M' is not an ISO 8601 age.*or words such as '8 months'"):
        read_labs_csv(_csv(tmp_path, "analyte,value,unit,age\nhb,8,g/dL,8M\n"))


@pytest.mark.parametrize(
    ("code", "analyte"),
    [
        ("20509-6", "haemoglobin"),
        ("59260-0", "haemoglobin"),
        ("26464-8", "wbc"),
        ("26499-4", "anc"),
        ("1995-0", "ionised_calcium"),
        ("17864-0", "ionised_calcium"),
        ("14866-8", "pth"),
        ("1989-3", "vitamin_d"),
        ("62292-8", "vitamin_d"),
    ],
)
def test_more_loinc_codes_per_analyte(code: str, analyte: str) -> None:
    found = bundled_lab_table().for_loinc(f"LOINC:{code}")
    assert found is not None
    assert found.key == analyte


def test_corrected_calcium_and_arterial_ph_stay_unmapped() -> None:
    table = bundled_lab_table()
    assert table.for_loinc("LOINC:29265-6") is None  # calcium corrected for albumin
    assert table.for_loinc("LOINC:2744-1") is None  # pH of arterial blood


def test_a_phenopacket_pth_in_pmol_per_litre_by_its_moles_code(tmp_path: Path) -> None:
    packet = {
        "id": "p",
        "subject": {"id": "p", "sex": "FEMALE", "timeAtLastEncounter": {"age": {"iso8601duration": "P8M"}}},
        "measurements": [
            {
                "assay": {
                    "id": "LOINC:14866-8",
                    "label": "Parathyrin.intact [Moles/volume] in Serum or Plasma",
                },
                "value": {
                    "quantity": {
                        "unit": {"id": "UCUM:pmol/L", "label": "pmol/L"},
                        "value": 45,
                        "referenceRange": {
                            "unit": {"id": "UCUM:pg/mL", "label": "pg/mL"},
                            "low": 15,
                            "high": 65,
                        },
                    }
                },
            }
        ],
    }
    path = tmp_path / "case.json"
    path.write_text(json.dumps(packet), encoding="utf-8")
    labs = read_phenopacket_labs(path)
    assert labs.warnings == ()  # was "not a lab analyte marbledx interprets; skipped"
    (value,) = labs.labs
    assert value.analyte == "pth"
    assert value.high == pytest.approx(65 / 9.43)
    (row,) = interpret_labs(labs.labs, age_days=labs.age_days, sex=labs.sex)
    assert (row.interpretation, row.hpo_id) == ("high", "HP:0003165")


@pytest.mark.parametrize("unit", ["/nL", "Gpt/L", "giga/L", "x10^3/mcL", "thou/mm^3", "K/mm3"])
def test_count_unit_spellings(unit: str) -> None:
    value = parse_lab_value(f"wbc=2.1 {unit} low=4 high=11")
    assert value.unit == "10^9/L"


def test_micro_written_mc() -> None:
    value = parse_lab_value("creatinine=60 mcmol/L")
    assert value.unit == "umol/L"


def test_a_haemolysed_value_in_words_is_not_read() -> None:
    table = bundled_lab_table()
    (mention,) = find_lab_mentions("LDH 1200 U/L (ref 100-400) H, sample haemolysed", table)
    assert mention.problem is not None
    assert mention.problem.startswith("the laboratory remarks the specimen haemolysed")
    # "haemolysis" alone may be the patient's: the value is read.
    (mention,) = find_lab_mentions("Hb 7.2 g/dL, haemolysis on film", table)
    assert mention.problem is None


def test_marbledx_labs_skips_other_rows_of_an_export_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser(prog="marbledx labs")
    configure(parser)
    path = _csv(tmp_path, EUROPEAN + '"123";"Natrium";"138";"mmol/L";"135-145";"";"01.03.2024"\n')
    args = parser.parse_args(["--labs", str(path), "--age", "P8M", "--sex", "female", "--format", "json"])
    assert run(args) == 0  # was exit status 2 at the first unknown column, then at 'Natrium'
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)["rows"]) == 4
    assert "line 6: 'Natrium' is not a lab analyte marbledx interprets; skipped" in captured.err
