"""Lab values in ``marbledx analyze``: read leniently as ``rank`` reads them, and ``--no-exclusions``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from marbledx.cli import main
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.report import analyze, render_html

ANEMIA = "HP:0001903"
_META = {
    "created": "2026-01-01T00:00:00Z",
    "createdBy": "test",
    "phenopacketSchemaVersion": "2.0",
    "resources": [
        {
            "id": "hp",
            "name": "human phenotype ontology",
            "url": "http://purl.obolibrary.org/obo/hp.owl",
            "version": "hp/releases/2025-01-16",
            "namespacePrefix": "HP",
            "iriPrefix": "http://purl.obolibrary.org/obo/HP_",
        }
    ],
}


def _haemoglobin(value: float) -> dict[str, Any]:
    return {
        "assay": {"id": "LOINC:718-7", "label": "Hemoglobin"},
        "value": {"quantity": {"unit": {"id": "UCUM:g/dL", "label": "g/dL"}, "value": value}},
    }


def _phenopacket(
    tmp_path: Path, *, age: str | None = "P8M", sex: str | None = "FEMALE", hb: float | None = None
) -> Path:
    subject: dict[str, Any] = {"id": "p1"}
    if age is not None:
        subject["timeAtLastEncounter"] = {"age": {"iso8601duration": age}}
    if sex is not None:
        subject["sex"] = sex
    packet: dict[str, Any] = {
        "id": "lab-case",
        "subject": subject,
        "phenotypicFeatures": [
            {"type": {"id": "HP:0011002"}},
            {"type": {"id": "HP:0001744"}},
            {"type": {"id": "HP:0000639"}},
        ],
        "metaData": _META,
    }
    if hb is not None:
        packet["measurements"] = [_haemoglobin(hb)]
    path = tmp_path / "case.json"
    path.write_text(json.dumps(packet), encoding="utf-8")
    return path


def _lab_findings(data: dict[str, Any]) -> dict[str, str]:
    return {f["hpo_id"]: f["status"] for f in data["findings"] if f["source"] == "lab"}


def test_no_exclusions_keeps_a_normal_haemoglobin_from_excluding_anaemia(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # labs review 5: a transfused infant's normal haemoglobin must not rule out anaemia.
    case = _phenopacket(tmp_path)
    args = ["analyze", str(case), "--value", "hb=11.5 g/dL", "--format", "json", "-o", "-"]
    assert main(args) == 0
    assert _lab_findings(json.loads(capsys.readouterr().out)) == {ANEMIA: "excluded"}
    assert main([*args, "--no-exclusions"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert ANEMIA not in _lab_findings(data)
    assert [row["interpretation"] for row in data["labs"]] == ["normal"]  # still shown, only not excluding


def test_no_exclusions_also_covers_the_phenopackets_measurements(
    real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    case = _phenopacket(tmp_path, hb=11.5)
    assert _lab_findings(analyze(case, hpo=real_hpo, kb=kb).to_dict()) == {ANEMIA: "excluded"}
    report = analyze(case, hpo=real_hpo, kb=kb, exclusions=False)
    assert ANEMIA not in _lab_findings(report.to_dict())
    assert not any("lab values exclude" in w for w in report.result.warnings)


def test_a_low_value_from_any_source_outweighs_a_normal_one(
    real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    # All values are interpreted together: the case is anaemic when any haemoglobin is low (docs/labs.md).
    case = _phenopacket(tmp_path, hb=11.5)
    report = analyze(case, hpo=real_hpo, kb=kb, lab_values=["hb=8 g/dL"])
    assert _lab_findings(report.to_dict()) == {ANEMIA: "observed"}
    assert not any("keeping the entered finding" in w for w in report.result.warnings)


@pytest.mark.parametrize(
    ("age", "sex", "extra", "needs"),
    [
        (None, "MALE", [], "age"),  # the phenopacket's measurement, no age
        ("P30Y", None, ["--value", "hb=10 g/dL"], "sex"),  # an adult's --value, no sex
        (None, "MALE", ["--value", "hb=10 g/dL"], "age"),
    ],
)
def test_a_value_whose_interval_needs_an_unknown_age_or_sex_is_a_warning(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    age: str | None,
    sex: str | None,
    extra: list[str],
    needs: str,
) -> None:
    # labs review 6: analyze reads lab values leniently, as rank does, and names no flag it lacks.
    case = _phenopacket(tmp_path, age=age, sex=sex, hb=None if extra else 7.5)
    assert main(["analyze", str(case), *extra, "--format", "json", "-o", "-"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert [row["interpretation"] for row in data["labs"]] == ["unknown"]
    assert any(f"depends on {needs}" in w for w in data["warnings"])
    assert f"depends on {needs}" in captured.err
    assert "--age" not in captured.err
    assert "--sex" not in captured.err
    assert len(data["warnings"]) == len(set(data["warnings"]))  # each warning once


def test_the_clinician_report_shows_why_a_value_was_not_interpreted(
    real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    report = analyze(_phenopacket(tmp_path, age=None, hb=7.5), hpo=real_hpo, kb=kb)
    html = render_html(report, hpo=real_hpo, kb=kb)
    assert "Not interpreted: the reference interval depends on age" in html
    assert "Warning:" in html
