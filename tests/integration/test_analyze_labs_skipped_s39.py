"""`marbledx analyze --labs` reads a laboratory's export as `marbledx labs` does (stop 39).

One row marbledx does not interpret (another analyte, a censored "<5", a haemolysed sample) refused the whole
analysis; `marbledx labs` already skipped such a row with a warning.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from marbledx.errors import InputError
from marbledx.findings import Case, Finding
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.report import analyze

ANEMIA = "HP:0001903"


def _case() -> Case:
    return Case("labs-export", "test", (Finding("HP:0011002"), Finding("HP:0001744")), age_days=240)


def test_an_uninterpreted_row_is_a_warning_and_the_rest_is_read(
    real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    export = tmp_path / "labs.csv"
    export.write_text(
        "analyte,value,unit\nsodium,138,mmol/L\nhaemoglobin,7.1,g/dL\nck-bb,<5,U/L\n", encoding="utf-8"
    )
    report = analyze(_case(), hpo=real_hpo, kb=kb, labs=export)
    lab = {f["hpo_id"]: f["status"] for f in report.to_dict()["findings"] if f["source"] == "lab"}
    assert lab == {ANEMIA: "observed"}
    warnings = report.result.warnings
    assert any("line 2" in w and "sodium" in w for w in warnings)
    assert any("line 4" in w for w in warnings)


def test_an_export_with_no_row_to_interpret_is_still_an_error(
    real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    # A file of nothing marbledx reads is a mistake worth stopping for (the wrong file, perhaps), and says so.
    export = tmp_path / "labs.csv"
    export.write_text("analyte,value,unit\nsodium,138,mmol/L\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no lab values below the header \(1 rows skipped\)"):
        analyze(_case(), hpo=real_hpo, kb=kb, labs=export)
