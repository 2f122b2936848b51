"""`marbledx analyze` says on its summary line when the HSCT decision holds only under a work-up not yet known
(CLCN7 ARO before ERG and brain MRI; reference §1B OPTB4), as the report does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.care_diagnoses import analyze_confirms

from .cli_run import run_cli


@pytest.mark.integration
@pytest.mark.parametrize(
    ("disease_id", "subtype", "condition"),
    [("OMIM:611490", "OPTB4", True), ("OMIM:259700", "OPTB1", False)],
)
def test_the_summary_line_gives_the_condition(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    disease_id: str,
    subtype: str,
    condition: bool,
) -> None:
    analyze_confirms(monkeypatch, disease_id, subtype)
    out = tmp_path / "r.json"
    code, _, err = run_cli(
        capsys,
        "analyze",
        "--hpo",
        "HP:0011002,HP:0001903",
        "--age",
        "P2M",
        "--format",
        "json",
        "-o",
        str(out),
    )
    assert code == 0, err
    line = err.strip().splitlines()[-1]
    assert "HSCT decision curative" in line
    assert ("curative if non-neuronopathic (not yet known" in line) is condition
    assert line.endswith("(urgent)")
