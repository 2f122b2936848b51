"""Wide laboratory exports: one row per sample, one column per analyte, the unit in the header (s40).

`date,Hb (g/dL),PLT (10^9/L),Ca [mmol/L],ALP U/L` was refused at its first analyte column; each non-empty
cell is now read as a long-form row (the same reader, censored values and flags included).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marbledx.cli import main
from marbledx.errors import InputError
from marbledx.findings import Case, Finding
from marbledx.findings._labs import read_labs_csv
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.report import analyze

ANEMIA = "HP:0001903"
WIDE = "date,Hb (g/dL),PLT (10^9/L),Ca [mmol/L],ALP U/L\n2026-01-03,7.9,45,1.9,820\n"


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "wide.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_of_the_brief_is_read_one_value_per_cell(tmp_path: Path) -> None:
    values = read_labs_csv(_csv(tmp_path, WIDE))
    assert [(v.analyte, v.value, v.unit, v.date) for v in values] == [
        ("haemoglobin", 7.9, "g/dL", "2026-01-03"),
        ("platelets", 45.0, "10^9/L", "2026-01-03"),
        ("calcium", 1.9, "mmol/L", "2026-01-03"),
        ("alp", 820.0, "U/L", "2026-01-03"),
    ]


def test_empty_cells_censored_values_flags_ages_ids_and_decimal_commas(tmp_path: Path) -> None:
    text = (
        "Patient ID;Datum;Age;Hämoglobin (g/dL);PTH [pg/mL];Vitamin D, 25-Hydroxy, Total ng/mL;pH\n"
        "p1;03.01.2026;8 months;7,9 L;>1000;;7,31\n"
        "p1;04.01.2026;P8M;;not detected;12,5 (L);\n"
    )
    values = read_labs_csv(_csv(tmp_path, text))
    rows = [(v.analyte, v.value, v.unit, v.date, v.flag, v.censored) for v in values]
    assert rows == [
        ("haemoglobin", 7.9, "g/dL", "2026-01-03", "low", None),
        ("pth", 1000.0, "pg/mL", "2026-01-03", None, ">"),
        ("ph", 7.31, "pH", "2026-01-03", None, None),
        ("pth", 0.0, "pg/mL", "2026-01-04", None, "not detected"),
        ("vitamin_d", 12.5, "ng/mL", "2026-01-04", "low", None),
    ]
    assert {round(v.age_days or 0) for v in values} == {244}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An unknown column among analytes: named by its column, never dropped.
        ("date,Hb (g/dL),Ferritin (ng/mL)\n2026-01-03,7.9,40\n", "line 1, column 3 ('Ferritin (ng/mL)')"),
        # A header without a unit where the analyte has several units.
        (
            "date,Hb,PLT (10^9/L)\n2026-01-03,7.9,45\n",
            "line 1, column 2 ('Hb'): haemoglobin has several units",
        ),
        # No column gives a unit: not read as wide, and the long form's error says what a wide one needs.
        ("date,Hb\n2026-01-03,7.9\n", "line 1, column 2: 'Hb' is not a known column; expected a header"),
        (
            "date,Hb\n2026-01-03,7.9\n",
            "for a wide export (one column per analyte) give the unit: 'Hb (UNIT)'",
        ),
        # A unit the analyte does not accept.
        ("date,Hb (mg/dL)\n2026-01-03,7.9\n", "line 1, column 2 ('Hb (mg/dL)'): 'mg/dL' is not an accepted"),
        # A long-form column in a wide header.
        (
            "date,Hb (g/dL),flag\n2026-01-03,7.9,L\n",
            "line 1, column 3 ('flag'): not a column of a wide export",
        ),
        # The same analyte and unit twice.
        (
            "date,Hb (g/dL),Hgb g/dL\n2026-01-03,7.9,8\n",
            "column 3 ('Hgb g/dL'): haemoglobin in g/dL appears twice",
        ),
        # A cell's error names its line, its column and the column's header.
        (
            "date,Hb (g/dL),PLT (10^9/L)\n2026-01-03,7.9,x\n",
            "line 2, column 3 (PLT (10^9/L)): 'x' is not a number",
        ),
        ("date,Hb (g/dL)\n2026-01-03,7.9,5\n", "line 2, column 3: unexpected extra field"),
        ("date,Hb (g/dL)\n2026-01-03,\n", "no lab values below the header"),
    ],
)
def test_anything_ambiguous_is_a_one_line_error_naming_file_line_and_column(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = _csv(tmp_path, text)
    with pytest.raises(InputError) as excinfo:
        read_labs_csv(path)
    message = str(excinfo.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expected in message


def test_the_long_form_is_unchanged(tmp_path: Path) -> None:
    # A long-form file (an analyte column) is never read as wide, nor one missing its analyte column.
    values = read_labs_csv(_csv(tmp_path, "analyte,value,unit\nhb,7.9,g/dL\n"))
    assert [(v.analyte, v.value) for v in values] == [("haemoglobin", 7.9)]
    with pytest.raises(InputError, match="lacks column"):
        read_labs_csv(_csv(tmp_path, "value,unit\n7.9,g/dL\n"))


def test_a_cell_without_a_measured_value_is_skipped_with_a_warning_when_lenient(tmp_path: Path) -> None:
    path = _csv(tmp_path, "date,Hb (g/dL),ALP (U/L)\n2026-01-03,hemolysed,820\n")
    with pytest.raises(InputError, match=r"line 2, column 2 \(Hb \(g/dL\)\)"):
        read_labs_csv(path)
    skipped: list[str] = []
    values = read_labs_csv(path, skipped=skipped)
    assert [v.analyte for v in values] == ["alp"]
    assert len(skipped) == 1
    assert "line 2, column 2" in skipped[0]


def test_marbledx_labs_reads_a_wide_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path, WIDE)
    assert main(["labs", "--labs", str(path), "--age", "P8M", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [row["analyte"] for row in data["rows"]] == ["haemoglobin", "platelets", "calcium", "alp"]
    assert [(f["hpo_id"], f["excluded"]) for f in data["findings"]] == [(ANEMIA, False)]


def test_marbledx_labs_refuses_an_ambiguous_wide_export_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(tmp_path, "date,Hb,PLT (10^9/L)\n2026-01-03,7.9,45\n")
    assert main(["labs", "--labs", str(path), "--age", "P8M"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "line 1, column 2" in err
    assert "Traceback" not in err


def test_analyze_reads_a_wide_export(real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path) -> None:
    case = Case("wide", "test", (Finding("HP:0011002"), Finding("HP:0001744")), age_days=240)
    report = analyze(case, hpo=real_hpo, kb=kb, labs=_csv(tmp_path, WIDE))
    data = report.to_dict()
    assert {f["hpo_id"]: f["status"] for f in data["findings"] if f["source"] == "lab"} == {
        ANEMIA: "observed"
    }
    assert [row["analyte"] for row in data["labs"]] == ["haemoglobin", "platelets", "calcium", "alp"]
