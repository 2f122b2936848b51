"""`marbledx analyze --labs` reads a laboratory's export as `marbledx labs` does (stop 39).

One row marbledx does not interpret (another analyte, a row without a measured value such as "see comment")
refused the whole analysis; `marbledx labs` already skipped such a row with a warning. A censored "<5" was such
a row too; since stop 40 it is read as the bound it is (docs/labs.md, "Censored values").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from marbledx.errors import InputError
from marbledx.findings import Case, Finding
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.report import analyze, render_html

ANEMIA = "HP:0001903"
HIGH_PTH = "HP:0003165"


def _case() -> Case:
    return Case("labs-export", "test", (Finding("HP:0011002"), Finding("HP:0001744")), age_days=240)


def test_an_uninterpreted_row_is_a_warning_and_the_rest_is_read(
    real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    export = tmp_path / "labs.csv"
    export.write_text(
        "analyte,value,unit,low,high\nsodium,138,mmol/L,,\nhaemoglobin,7.1,g/dL,,\nck-bb,see comment,U/L,,\n"
        "pth,>1000,pg/mL,15,65\n",
        encoding="utf-8",
    )
    report = analyze(_case(), hpo=real_hpo, kb=kb, labs=export)
    data = report.to_dict()
    lab = {f["hpo_id"]: f["status"] for f in data["findings"] if f["source"] == "lab"}
    # The censored PTH is read: above 65 pg/mL whatever its value, so high.
    assert lab == {ANEMIA: "observed", HIGH_PTH: "observed"}
    warnings = report.result.warnings
    assert any("line 2" in w and "sodium" in w for w in warnings)
    assert any("line 4" in w and "no measured value" in w for w in warnings)
    assert not any("line 5" in w for w in warnings)
    # The report's rows keep the bound and its direction, never a measured 1000.
    (pth,) = [row for row in data["labs"] if row["analyte"] == "pth"]
    assert (pth["value"], pth["censored"], pth["interpretation"]) == (
        None,
        {"comparator": ">", "bound": 1000.0},
        "high",
    )


def test_an_export_with_no_row_to_interpret_is_still_an_error(
    real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    # A file of nothing marbledx reads is a mistake worth stopping for (the wrong file, perhaps), and says so.
    export = tmp_path / "labs.csv"
    export.write_text("analyte,value,unit\nsodium,138,mmol/L\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no lab values below the header \(1 rows skipped\)"):
        analyze(_case(), hpo=real_hpo, kb=kb, labs=export)


def test_the_clinician_report_shows_a_censored_result_as_its_bound(
    real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    # The value cell showed only the unit for a censored row (its value is null): "> 1000 pg/mL" and "not
    # detected" are what the laboratory reported.
    export = tmp_path / "labs.csv"
    export.write_text(
        "analyte,value,unit,low,high\nhaemoglobin,7.1,g/dL,,\npth,>1000,pg/mL,15,65\nck-bb,not detected,U/L,,\n",
        encoding="utf-8",
    )
    report = analyze(_case(), hpo=real_hpo, kb=kb, labs=export)
    html = render_html(report, hpo=real_hpo, kb=kb)
    assert "<td>&gt; 1000 pg/mL</td>" in html
    assert "<td>not detected</td>" in html
    assert "<td>7.1 g/dL</td>" in html
