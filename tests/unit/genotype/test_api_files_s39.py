"""The Python API reads the VCF a phenopacket names in ``files``, as ``marbledx rank`` does (stop 39).

``marbledx.rank(path)`` ranked such a case from its findings alone unless ``genotype=GenotypeOptions()`` was
passed, so the API and the CLI gave different diagnoses for one file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import marbledx
from marbledx.genotype.synthetic import write_vcf
from marbledx.ontology import Hpo

from ...conftest import TESTS
from ..cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)
from .test_rank_vcf import _variants

PACKETS = TESTS / "data" / "phenopackets"


def _case_with_vcf(tmp_path: Path) -> Path:
    write_vcf(tmp_path / "family.vcf.gz", _variants("S-CHILD", "S-DAD"), samples=("S-DAD", "S-CHILD"))
    packet = json.loads((PACKETS / "adult_ado.json").read_text(encoding="utf-8"))
    packet["files"] = [
        {
            "uri": "file:family.vcf.gz",
            "individualToFileIdentifiers": {packet["subject"]["id"]: "S-CHILD"},
            "fileAttributes": {"genomeAssembly": "GRCh38", "fileFormat": "vcf"},
        }
    ]
    path = tmp_path / "case.json"
    path.write_text(json.dumps(packet), encoding="utf-8")
    return path


def test_the_api_reads_the_phenopackets_vcf_as_the_cli_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mini_hpo: Hpo
) -> None:
    path = _case_with_vcf(tmp_path)
    code, out, _ = run_cli(capsys, "rank", str(path), "--format", "jsonl", "--top", "5")
    assert code == 0
    cli = json.loads(out)
    (api,) = marbledx.rank(path, hpo=mini_hpo, top=5)
    assert api.genotype is not None
    assert api.to_dict() == cli
    assert cli["diagnoses"][0]["genotype_lr"] > 10


def test_a_case_without_files_has_no_genotype(mini_hpo: Hpo) -> None:
    (api,) = marbledx.rank(PACKETS / "adult_ado.json", hpo=mini_hpo, top=3)
    assert api.genotype is None
    assert api.error is None
