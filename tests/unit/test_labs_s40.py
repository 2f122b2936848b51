"""Lab values, stop 40: calcium in mEq/L, censored results ("<5", ">1000", "not detected"), and exports as
Epic, Cerner, German LIS systems and LIS printouts write them (probes under /tmp/s40/h2)."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest
import yaml

from marbledx.cli._labs_cmd import configure, render_lab_report, run
from marbledx.errors import InputError, KnowledgeBaseError
from marbledx.findings import TextParser
from marbledx.findings._labs import (
    bundled_lab_table,
    bundled_lab_table_path,
    interpret_labs,
    lab_findings,
    lab_report,
    load_lab_table,
    make_lab_value,
    parse_lab_value,
    read_labs_csv,
)
from marbledx.findings._text_labs import find_lab_mentions

MONTH = 365.25 / 12
INFANT = 8 * MONTH
HYPOCALCEMIA = "HP:0002901"
ANEMIA = "HP:0001903"
HIGH_PTH = "HP:0003165"
SECONDARY_HPT = "HP:0000867"


def _csv(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _one(text: str, *, age: float = INFANT, sex: str = "female") -> tuple[str, str | None, str | None]:
    (row,) = interpret_labs([parse_lab_value(text)], age_days=age, sex=sex, strict=False)
    return row.interpretation, row.hpo_id, row.note


# --------------------------------------------------------------------------------------------------------
# 1. Calcium in mEq/L (was refused: "'mEq/L' is not an accepted unit for calcium")
# --------------------------------------------------------------------------------------------------------


def test_calcium_in_meq_per_litre_is_converted_as_a_divalent_ion() -> None:
    table = bundled_lab_table()
    for key in ("calcium", "ionised_calcium"):
        spec = table.analyte(key)
        # Ca2+ carries two charges: 1 mEq/L is 0.5 mmol/L, never 1 mmol/L.
        assert table.convert(spec, 1.0, "mEq/L", "mmol/L") == pytest.approx(0.5)
        assert table.convert(spec, 2.5, "mmol/L", "meq/l") == pytest.approx(5.0)
        assert table.unit(spec, "mval/L").unit == "mEq/L"
    # Bicarbonate is monovalent and keeps 1 mEq/L = 1 mmol/L.
    bicarbonate = table.analyte("bicarbonate")
    assert table.convert(bicarbonate, 24.0, "mEq/L", "mmol/L") == pytest.approx(24.0)
    assert "Young 1987" in table.citation(table.unit(table.analyte("calcium"), "mEq/L").sources)


def test_a_total_calcium_in_meq_is_read_against_the_laboratory_interval_in_meq() -> None:
    assert _one("ca=3.4 mEq/L low=4.2 high=5.2")[:2] == ("low", HYPOCALCEMIA)
    assert _one("ca=4.6 mEq/L low=4.2 high=5.2")[0] == "normal"


def test_an_ionised_calcium_in_meq_is_read_against_the_cited_neonatal_band() -> None:
    # 1.2 mEq/L is 0.6 mmol/L: below 0.75 mmol/L, low by every definition (Gomella). Read as mmol/L it
    # would have been 1.2 mmol/L, normal.
    assert _one("ica=1.2 mEq/L", age=10)[:2] == ("low", HYPOCALCEMIA)
    # 1.8 mEq/L is 0.9 mmol/L: in the 0.75-1.10 grey zone.
    assert _one("ica=1.8 mEq/L", age=10)[0] == "unknown"


def test_phosphate_in_meq_is_refused_with_the_reason() -> None:
    with pytest.raises(InputError, match=r"'mEq/L' is not converted for phosphate \(phosphate ions carry"):
        parse_lab_value("phosphate=2 mEq/L")


def test_a_cerner_export_of_calcium_in_meq_is_read(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Result Name\tResult Value\tResult Units\tReference Range\tNormal/Abnormal Flag\tCollected Date/Time\n"
        "Calcium Ionized\t2.1\tmEq/L\t2.24-2.64\tL\t2024-03-14 08:12\n"
        "Calcium Total\t3.6\tmEq/L\t4.3-5.3\tL\t2024-03-14 08:12\n",
        "cerner.tsv",
    )
    values = read_labs_csv(path)
    assert [(v.analyte, v.unit, v.flag, v.date) for v in values] == [
        ("ionised_calcium", "mEq/L", "low", "2024-03-14"),
        ("calcium", "mEq/L", "low", "2024-03-14"),
    ]
    rows = interpret_labs(values, age_days=INFANT, sex="female")
    assert [r.interpretation for r in rows] == ["low", "low"]


# --------------------------------------------------------------------------------------------------------
# 2. Censored results (were refused or skipped: "marbledx does not read censored values")
# --------------------------------------------------------------------------------------------------------


def test_a_bound_beyond_the_limit_decides_the_reading() -> None:
    assert _one("pth=>1000 pg/mL low=15 high=65")[:2] == ("high", HIGH_PTH)
    assert _one("hb=<50 g/L")[:2] == ("low", ANEMIA)  # below the WHO 2024 cut-off of 105 g/L
    assert _one("calcium=<=1.5 mmol/L low=2.1 high=2.6")[:2] == ("low", HYPOCALCEMIA)
    # "pth>=1000": the "=" of ">=" is not the one after the analyte.
    assert _one("pth>=1000 pg/mL low=15 high=65")[:2] == ("high", HIGH_PTH)


def test_a_bound_that_does_not_decide_is_undetermined_not_normal() -> None:
    reading, term, note = _one("ck_bb=<5 U/L high=4")
    assert (reading, term) == ("unknown", None)
    assert note is not None
    assert note.startswith("Undetermined: the laboratory reports < 5 U/L")
    # Not low, but the upper side is left open: not called normal, and so excludes no anaemia.
    (row,) = interpret_labs(
        [parse_lab_value("hb=>=12.5 g/dL low=11.5 high=15.5")], age_days=INFANT, sex="female"
    )
    assert (row.interpretation, row.excluded, row.below) == ("unknown", False, False)
    assert _one("pth=<20 pg/mL low=15 high=65")[0] == "unknown"


def test_not_detected_is_normal_only_where_detection_is_the_finding() -> None:
    # CK-BB: any detectable value counts as raised (Whyte 1996), so "not detected" is normal.
    reading, term, _ = _one("ck_bb=not detected")
    assert (reading, term) == ("normal", None)
    # PTH: without the detection limit nothing says whether it lies below 15 pg/mL.
    reading, _, note = _one("pth=not detected low=15 high=65")
    assert reading == "unknown"
    assert note is not None
    assert "without its detection limit" in note


def test_json_keeps_the_bound_and_its_direction_never_a_measured_value() -> None:
    report = lab_report(
        [parse_lab_value("pth=>1000 pg/mL low=15 high=65"), parse_lab_value("ck_bb=not detected")],
        age_days=INFANT,
        sex="female",
    )
    first, second = report.to_dict()["rows"]
    assert first["value"] is None
    assert first["censored"] == {"comparator": ">", "bound": 1000.0}
    assert second["value"] is None
    assert second["censored"] == {"comparator": "<", "bound": None}
    measured = lab_report([parse_lab_value("hb=8 g/dL")], age_days=INFANT, sex="female").to_dict()
    assert measured["rows"][0]["value"] == 8.0
    assert measured["rows"][0]["censored"] is None
    # The table shows the direction too.
    text = render_lab_report(report)
    assert "> 1000 pg/mL" in text
    assert "not detected" in text
    assert " 1000 pg/mL  " not in text.replace("> 1000 pg/mL", "")


def test_a_censored_calcium_gives_no_calcium_phosphate_product() -> None:
    values = [
        parse_lab_value("ca=<1.5 mmol/L low=2.1 high=2.6 date=2024-03-01"),
        parse_lab_value("phosphate=1.0 mmol/L low=1.3 high=2.1 date=2024-03-01"),
    ]
    assert lab_report(values, age_days=INFANT, sex="female").notes == ()


def test_a_censored_csv_export_is_read_with_its_bounds(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "analyte,value,unit,reference range,flag,date\n"
        "ck-bb,<5,U/L,< 4,,2024-03-01\n"
        "ck-bb,below detection,U/L,,,2024-03-01\n"
        "pth,> 1000,pg/mL,15-65,H,2024-03-01\n"
        'hb,"<50",g/L,,L,2024-03-01\n'
        "ca,\u2264 1.6,mmol/L,2.1-2.6,L,2024-03-01\n",
    )
    values = read_labs_csv(path)  # strict: no longer an error
    assert [(v.analyte, v.censored, v.value) for v in values] == [
        ("ck_bb", "<", 5.0),
        ("ck_bb", "not detected", 0.0),
        ("pth", ">", 1000.0),
        ("haemoglobin", "<", 50.0),
        ("calcium", "<=", 1.6),
    ]
    rows = interpret_labs(values, age_days=INFANT, sex="female")
    assert [r.interpretation for r in rows] == ["unknown", "normal", "high", "low", "low"]
    assert {f.hpo_id for f in lab_findings(rows)} >= {HIGH_PTH, ANEMIA, HYPOCALCEMIA, SECONDARY_HPT}


def test_a_censored_value_with_a_decimal_comma(tmp_path: Path) -> None:
    path = _csv(tmp_path, "Test;Result;Unit;Ref Range\nPTH;< 0,5;pmol/L;1,6-6,9\nCa;1,61;mmol/L;2,10-2,60\n")
    first, _ = read_labs_csv(path)
    assert (first.censored, first.value) == ("<", 0.5)


def test_impossible_bounds_are_refused() -> None:
    with pytest.raises(InputError, match=r"calcium <0 mmol/L is below every possible value"):
        parse_lab_value("ca=<0 mmol/L")
    # A bound is checked like a value.
    with pytest.raises(InputError, match=r"tracp5b 3000 U/L is not physiologically possible"):
        parse_lab_value("tracp5b=\u2265 3000 U/L")


def test_make_lab_value_still_refuses_a_bound_without_censored() -> None:
    # The web API and registry store measured numbers only: "<5" there stays an error.
    with pytest.raises(InputError, match=r"'<5' is not a number"):
        make_lab_value("ck_bb", "<5", "U/L", where="lab value")


def test_a_censored_value_in_words_is_read_as_its_bound() -> None:
    table = bundled_lab_table()
    (mention,) = find_lab_mentions("PTH >1000 pg/mL (15-65)", table)
    assert (mention.problem, mention.censored, mention.number) == (None, ">", "1000")
    (estimate,) = find_lab_mentions("Hb about 7 g/dL", table)
    assert estimate.problem is not None
    assert "estimate" in estimate.problem
    (words,) = find_lab_mentions("Hb below 7 g/dL", table)
    assert words.problem is not None  # words give thresholds in prose: not read


# --------------------------------------------------------------------------------------------------------
# 3. Exports and printouts as they come
# --------------------------------------------------------------------------------------------------------


EPIC = (
    "Component,Value,Units,Ref Range,Flag,Collected\n"
    "Hemoglobin,7.9,g/dL,10.5-13.5,L,03/14/2024 08:12\n"
    "Platelets,38,K/uL,150-450,L,03/14/2024 08:12\n"
    "Calcium,7.1,mg/dL,8.8-10.8,L,03/14/2024 08:12\n"
    "PTH Intact,>1000,pg/mL,15-65,H,03/14/2024 08:12\n"
)


def test_an_epic_export_is_read(tmp_path: Path) -> None:
    # Was refused at 'Component', then at 'Units'.
    values = read_labs_csv(_csv(tmp_path, EPIC))
    rows = interpret_labs(values, age_days=INFANT, sex="female")
    assert [(r.value.analyte, r.interpretation) for r in rows] == [
        ("haemoglobin", "low"),
        ("platelets", "low"),
        ("calcium", "low"),
        ("pth", "high"),
    ]
    assert SECONDARY_HPT in {f.hpo_id for f in lab_findings(rows)}


@pytest.mark.parametrize(
    ("cell", "low", "high", "unit"),
    [
        ("(1.10 - 1.35)", 1.10, 1.35, "mmol/L"),
        ("[1.10-1.35]", 1.10, 1.35, "mmol/L"),
        ("1.10-1.35 mmol/L", 1.10, 1.35, "mmol/L"),
        # A range written in another unit than the value is converted: 4.4-5.4 mg/dL is 1.098-1.347 mmol/L.
        ("4.4-5.4 mg/dL", 4.4 * 0.2495, 5.4 * 0.2495, "mmol/L"),
    ],
)
def test_reference_range_cells_with_brackets_or_a_unit(
    tmp_path: Path, cell: str, low: float, high: float, unit: str
) -> None:
    path = _csv(tmp_path, f'analyte,value,unit,reference range\nica,0.92,mmol/L,"{cell}"\n')
    (value,) = read_labs_csv(path)
    assert (value.low, value.high, value.unit) == (pytest.approx(low), pytest.approx(high), unit)


def test_a_range_in_the_value_unit_keeps_its_limits_exact(tmp_path: Path) -> None:
    (value,) = read_labs_csv(
        _csv(tmp_path, "analyte,value,unit,reference range\npth,45,pmol/L,1.6-6.9 pmol/L\n")
    )
    assert (value.low, value.high) == (1.6, 6.9)


def test_an_unbalanced_or_foreign_range_is_still_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"is not a reference range"):
        read_labs_csv(_csv(tmp_path, 'analyte,value,unit,reference range\nica,0.92,mmol/L,"(1.10-1.35"\n'))
    with pytest.raises(InputError, match=r"\(range\) \(unit\): 'g/dL' is not an accepted unit for ionised"):
        read_labs_csv(_csv(tmp_path, "analyte,value,unit,reference range\nica,0.92,mmol/L,1.1-1.3 g/dL\n"))


def test_flags_with_critical_marks(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Test;Result;Unit;Ref Range;Flag\nHb;7,1;g/dL;10,5-13,5;L!\nCa;1,61;mmol/L;2,10-2,60;LL\n"
        "PTH;912;pg/mL;15-65;*H\nALP;1500 H!;U/L;150-420;\nCK-BB;12 !;U/L;< 1;\n",
    )
    assert [v.flag for v in read_labs_csv(path)] == ["low", "low", "high", "high", None]


def test_the_unit_in_the_value_cell(tmp_path: Path) -> None:
    path = _csv(tmp_path, "analyte,value,reference range\nhb,7.2 g/dL,10.5-13.5\npth,> 65 pmol/L,1.6-6.9\n")
    first, second = read_labs_csv(path)
    assert (first.value, first.unit) == (7.2, "g/dL")
    assert (second.censored, second.value, second.unit) == (">", 65.0, "pmol/L")
    # No unit in any value cell: the header's missing unit column is the error, as before.
    with pytest.raises(InputError, match=r"line 1: the header lacks column\(s\) unit"):
        read_labs_csv(_csv(tmp_path, "analyte,value\nhb,7.2\n", "nounit.csv"))
    # A unit in some cells but not in this row's: the row says so.
    mixed = "analyte,value\nhb,7.2 g/dL\nhb,7.4\n"
    with pytest.raises(InputError, match=r"line 3, column 2 \(value\): haemoglobin needs a unit"):
        read_labs_csv(_csv(tmp_path, mixed, "mixed.csv"))


def test_a_german_lis_export_header(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Parameter;Ergebnis;Einheit;Referenzbereich;Datum\nCalcium;1,62;mmol/l;2,10 - 2,60;14.03.2024\n",
    )
    (value,) = read_labs_csv(path)
    assert (value.analyte, value.value, value.low, value.high, value.date) == (
        "calcium",
        1.62,
        2.1,
        2.6,
        "2024-03-14",
    )


LIS_PRINTOUT = (
    "HAEMATOLOGY                         Result     Units        Ref range\n"
    "Haemoglobin                          72   L    g/L          105-135\n"
    "Platelets                            45   L    x10^9/L      150-450\n"
    "Calcium                            1.65   L    mmol/L       2.10-2.60\n"
    "PTH                                 >1000  H   pg/mL        15-65\n"
)


def test_a_lis_printout_reads_the_flag_column_and_the_range_column() -> None:
    mentions = find_lab_mentions(LIS_PRINTOUT, bundled_lab_table())
    assert [(m.analyte.key if m.analyte else None, m.low, m.high, m.flag, m.censored) for m in mentions] == [
        ("haemoglobin", 105.0, 135.0, "low", None),
        ("platelets", 150.0, 450.0, "low", None),
        ("calcium", 2.1, 2.6, "low", None),
        ("pth", 15.0, 65.0, "high", ">"),
    ]
    assert all(m.problem is None for m in mentions)


def test_a_range_after_a_value_in_prose_is_not_a_range_column() -> None:
    (mention,) = find_lab_mentions("Hb 7 g/dL 3-4 times this year", bundled_lab_table())
    assert (mention.low, mention.high) == (None, None)


def test_the_interval_after_the_flag_in_words() -> None:
    (mention,) = find_lab_mentions("Hb: 6.9 g/dL (L) [10.5-13.5]", bundled_lab_table())
    assert (mention.flag, mention.low, mention.high) == ("low", 10.5, 13.5)


def test_marbledx_labs_shows_a_censored_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    configure(parser)
    args = parser.parse_args(
        ["--age", "P8M", "--sex", "female", "--labs", str(_csv(tmp_path, EPIC)), "--format", "json"]
    )
    assert run(args) == 0
    rows = json.load(io.StringIO(capsys.readouterr().out))["rows"]
    pth = rows[-1]
    assert (pth["value"], pth["censored"], pth["interpretation"]) == (
        None,
        {"comparator": ">", "bound": 1000.0},
        "high",
    )


# --------------------------------------------------------------------------------------------------------
# 4. Review of the above (s40, h2b)
# --------------------------------------------------------------------------------------------------------


def _table_document() -> dict[str, object]:
    document = yaml.safe_load(bundled_lab_table_path().read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _calcium_units(document: dict[str, object]) -> list[dict[str, object]]:
    analytes = document["analytes"]
    assert isinstance(analytes, list)
    (calcium,) = [a for a in analytes if a["key"] == "calcium"]
    units = calcium["units"]
    assert isinstance(units, list)
    return units


def test_calcium_meq_is_data_in_the_table_not_added_by_code(tmp_path: Path) -> None:
    # The bundled labs.yaml states it, with its source ...
    (meq,) = [u for u in _calcium_units(_table_document()) if u["unit"] == "mEq/L"]
    assert (meq["factor"], meq["sources"]) == (0.5, ["ref:equivalents"])
    # ... and a table without it does not accept the unit (it was added in code to any table).
    document = _table_document()
    units = _calcium_units(document)
    units[:] = [u for u in units if u["unit"] != "mEq/L"]  # the anchor: total and ionised calcium both
    path = tmp_path / "labs.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    table = load_lab_table(path)
    with pytest.raises(InputError, match=r"'mEq/L' is not an accepted unit for calcium"):
        table.unit(table.analyte("calcium"), "mEq/L")


def test_an_meq_factor_that_is_not_a_whole_charge_is_refused_at_load(tmp_path: Path) -> None:
    # 2 typed for 0.5 would read every calcium in mEq/L four times too high.
    document = _table_document()
    (meq,) = [u for u in _calcium_units(document) if u["unit"] == "mEq/L"]
    meq["factor"] = 2.0
    path = tmp_path / "labs.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    with pytest.raises(
        KnowledgeBaseError, match=r"analyte 'calcium'.*an equivalent is mmol/L times the ion's charge"
    ):
        load_lab_table(path)


@pytest.mark.parametrize(
    ("name", "analyte"),
    [
        ("Hämoglobin", "haemoglobin"),
        ("HAEMOGLOBIN", "haemoglobin"),
        ("Thrombozyten", "platelets"),
        ("Leukozyten", "wbc"),
        ("Alkalische Phosphatase", "alp"),
        ("Calcium ionisiert", "ionised_calcium"),
        ("Phosphat", "phosphate"),
        ("Parathormon intakt", "pth"),
        ("Kreatinin", "creatinine"),
        ("VITAMIN D 25-HYDROXY", "vitamin_d"),
        ("Vitamin D, 25-Hydroxy, Total", "vitamin_d"),
        ("25-OH-Vitamin D3", "vitamin_d"),
        ("NEUTROPHILS ABS", "anc"),
        ("Immunglobulin G", "igg"),
    ],
)
def test_export_names_of_the_analytes(name: str, analyte: str) -> None:
    found = bundled_lab_table().find(name)
    assert found is not None
    assert found.key == analyte


def test_a_german_export_with_german_analyte_names(tmp_path: Path) -> None:
    # Probe p03: Hämoglobin, Thrombozyten and Alkalische Phosphatase were skipped as unknown analytes.
    path = _csv(
        tmp_path,
        "Parameter;Ergebnis;Einheit;Referenzbereich;Flag;Datum\n"
        "H\u00e4moglobin;6,8;g/dl;10,5 - 13,5;L;14.03.2024\n"
        "Thrombozyten;42;/nl;150 - 450;L;14.03.2024\n"
        "Alkalische Phosphatase;12,5;\u00b5kat/l;< 7,5;H;14.03.2024\n",
    )
    skipped: list[str] = []
    values = read_labs_csv(path, skipped=skipped)
    assert skipped == []
    assert [(v.analyte, v.value, v.unit) for v in values] == [
        ("haemoglobin", 6.8, "g/dL"),
        ("platelets", 42.0, "10^9/L"),
        ("alp", 12.5, "ukat/L"),
    ]
    rows = interpret_labs(values, age_days=INFANT, sex="female")
    assert [r.interpretation for r in rows] == ["low", "low", "high"]


def test_a_german_name_in_words() -> None:
    (mention,) = find_lab_mentions("H\u00e4moglobin 6.8 g/dL", bundled_lab_table())
    assert mention.analyte is not None
    assert (mention.analyte.key, mention.number, mention.problem) == ("haemoglobin", "6.8", None)


@pytest.mark.parametrize(
    "text",
    [
        "3-year-old with splenomegaly. Hb < 7 g/dL",
        "3-year-old with splenomegaly. Transfuse when Hb < 7 g/dL.",
        "3-year-old with splenomegaly. Transfusion for Hb < 7 g/dL.",
        "3-year-old with splenomegaly. Anaemia was defined as Hb < 10 g/dL in that study.",
    ],
)
def test_a_bound_in_prose_without_the_laboratorys_interval_or_flag_is_not_read(
    parser: TextParser, text: str
) -> None:
    # A threshold in prose gave Anemia observed: "<" in notes is a threshold as often as a result.
    parsed = parser.parse(text, labs=True, age_days=3 * 365.25)
    assert ANEMIA not in {m.hpo_id for m in parsed.mappings if m.lab is not None}
    (lab,) = parsed.labs
    assert (lab.value, lab.reading) == (None, None)
    assert lab.note is not None
    assert "makes it a limit or an estimate" in lab.note
    assert "with the laboratory's interval or flag" in lab.note


@pytest.mark.parametrize(
    "result", ["Hb < 7 g/dL (11.5-15.5)", "Hb < 7 g/dL (L)", "Hb  <7   L   g/dL   11.5-15.5"]
)
def test_a_bound_with_the_laboratorys_interval_or_flag_is_a_result(parser: TextParser, result: str) -> None:
    parsed = parser.parse(f"3-year-old with splenomegaly.\n{result}\n", labs=True, age_days=3 * 365.25)
    (lab,) = parsed.labs
    assert lab.value is not None
    assert lab.value.censored == "<"
    assert lab.reading is not None
    assert (lab.reading.interpretation, lab.reading.hpo_id) == ("low", ANEMIA)


def test_not_detected_for_an_analyte_that_is_always_present() -> None:
    # Was "ph 0 pH is not physiologically possible": the placeholder of "not detected" shown as a value.
    with pytest.raises(
        InputError, match=r"'not detected' is not a result for ph, which is always present"
    ) as info:
        parse_lab_value("ph=not detected")
    assert " 0 " not in str(info.value)
    # A "<" bound at a floor above 0 names that floor, not 0.
    with pytest.raises(
        InputError, match=r"ph <6\.5 pH is below every possible value; expected a bound above 6\.5 pH$"
    ):
        parse_lab_value("ph=<6.5")


def test_a_bound_across_the_neonatal_grey_zone_is_undetermined_not_low_by_some_definitions() -> None:
    # Ionised calcium in a neonate: 0.75-1.10 mmol/L is low by some definitions only (Gomella). "> 0.8" allows
    # 0.9 and 1.2 alike, so it was wrongly called "Low by some published definitions only".
    reading, term, note = _one("ica=>0.8 mmol/L", age=10)
    assert (reading, term) == ("unknown", None)
    assert note is not None
    assert note.startswith("Undetermined: the laboratory reports > 0.8 mmol/L")
    assert "Low by some published definitions only" not in note
    # A measured 0.8 keeps its note.
    measured = _one("ica=0.8 mmol/L", age=10)[2]
    assert measured is not None
    assert measured.startswith("Low by some published definitions only")
