"""PED files and phenopacket ``files`` entries: parsing and one-line errors naming the file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marbledx.errors import InputError
from marbledx.findings import read_case_file, read_ped
from marbledx.ontology import Hpo

from ..conftest import TESTS


def _ped(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "family.ped"
    path.write_text(text, encoding="utf-8")
    return path


def test_trio_is_read_with_parents_sex_and_status(tmp_path: Path) -> None:
    ped = read_ped(_ped(tmp_path, "# comment\nF1 KID DAD MUM 2 2 extra\nF1 DAD 0 0 1 1\nF1 MUM 0 0 2 0\n"))
    assert ped.parents_of("KID") == ("DAD", "MUM")
    kid = ped.get("KID")
    assert kid is not None
    assert (kid.sex, kid.affected, kid.extra) == ("female", True, ("extra",))
    mum = ped.get("MUM")
    assert mum is not None
    assert mum.affected is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("F1 KID DAD MUM 2\n", "line 1: expected 6 columns"),
        ("F1 KID 0 0 3 2\n", "line 1: sex '3'"),
        ("F1 KID 0 0 1 5\n", "line 1: affected status '5'"),
        ("F1 KID 0 0 1 2\nF1 KID 0 0 1 2\n", "line 2: individual 'KID' is already defined at line 1"),
        ("F1 KID DAD 0 1 2\nF1 DAD 0 0 2 1\n", "father 'DAD' has sex female"),
        ("F1 KID KID 0 1 2\n", "their own father"),
        ("# only a comment\n", "no individuals"),
    ],
)
def test_bad_ped_lines_name_the_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    path = _ped(tmp_path, text)
    with pytest.raises(InputError, match=expected) as info:
        read_ped(path)
    assert str(path) in str(info.value)


def test_missing_ped_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_ped(tmp_path / "absent.ped")


def test_remote_vcf_uri_in_a_phenopacket_is_refused(tmp_path: Path, mini_hpo: Hpo) -> None:
    packet = json.loads((TESTS / "data" / "phenopackets" / "infant_aro.json").read_text(encoding="utf-8"))
    packet["files"] = [{"uri": "https://example.org/p.vcf.gz"}]
    path = tmp_path / "case.json"
    path.write_text(json.dumps(packet), encoding="utf-8")
    with pytest.raises(InputError, match="not a local file"):
        read_case_file(path, mini_hpo.ontology)


def test_phenopacket_files_are_resolved_next_to_the_phenopacket(tmp_path: Path, mini_hpo: Hpo) -> None:
    packet = json.loads((TESTS / "data" / "phenopackets" / "infant_aro.json").read_text(encoding="utf-8"))
    packet["files"] = [
        {"uri": "file:vcf/p.vcf.gz", "fileAttributes": {"genomeAssembly": "hg38"},
         "individualToFileIdentifiers": {packet["subject"]["id"]: "S1"}},
        {"uri": "notes.txt"},
    ]  # fmt: skip
    path = tmp_path / "case.json"
    path.write_text(json.dumps(packet), encoding="utf-8")
    case = read_case_file(path, mini_hpo.ontology)
    (entry,) = case.genomic_files
    assert entry.path == str(tmp_path / "vcf" / "p.vcf.gz")
    assert (entry.genome_assembly, entry.sample) == ("hg38", "S1")
