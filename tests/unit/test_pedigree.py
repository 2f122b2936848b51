"""PED files and phenopacket ``files`` entries: parsing and one-line errors naming the file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marbledx.errors import InputError
from marbledx.findings import read_case_file, read_ped
from marbledx.findings._pedigree import TestResult, read_test_results
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


# Finding 13 of the counselling review: a test result written after an ``age=`` token was silently dropped.


def test_a_test_result_after_an_age_token_in_column_7_is_read(tmp_path: Path) -> None:
    """``age=3 carrier``: the age moves the test result to column 8 instead of losing it."""
    ped = read_ped(
        _ped(
            tmp_path,
            "F KID DAD MUM 1 2 age=3 carrier\nF DAD 0 0 1 1\nF MUM 0 0 2 1\n"
            "F SIB DAD MUM 2 1 age=10 noncarrier\nF BRO DAD MUM 1 1 age=12\nF SIS2 DAD MUM 2 1 age=1 .\n",
        )
    )
    results = read_test_results(ped)
    assert results == {"KID": TestResult.CARRIER, "SIB": TestResult.NONCARRIER}
    assert [p.age for p in ped.individuals if p.id in {"KID", "SIB"}] == [3.0, 10.0]


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ("F KID 0 0 1 2 . age=3 carrier\n", 9),  # column 7 untested, the test word further right
        ("F KID 0 0 1 2 carrier note noncarrier\n", 9),
        ("F KID 0 0 1 2 age=3 . carrier\n", 9),
    ],
)
def test_a_test_word_where_it_is_not_read_is_an_error_naming_its_column(
    tmp_path: Path, line: str, column: int
) -> None:
    path = _ped(tmp_path, line)
    with pytest.raises(
        InputError, match=rf"line 1 column {column}: test result '\w+' is in a column that is not read"
    ) as info:
        read_test_results(read_ped(path))
    assert "column 7" in str(info.value)


def test_an_unknown_word_after_an_age_token_in_column_7_is_an_error(tmp_path: Path) -> None:
    path = _ped(tmp_path, "F KID 0 0 1 2 age=3 carier\n")
    with pytest.raises(InputError, match=r"line 1 column 8: test result 'carier' is not recognised"):
        read_test_results(read_ped(path))


def test_readers_accept_a_path_given_as_text() -> None:
    # As read_labs_csv, rank and analyze do: a string path is a path.
    from marbledx.findings import read_family_pedigree, read_phenopacket_labs

    examples = Path(__file__).parents[2] / "examples"
    assert len(read_ped(str(examples / "infant-aro.ped")).individuals) == 4
    assert read_phenopacket_labs(str(examples / "infant-aro.json")).age_days is not None
    with pytest.raises(InputError, match="no such file"):
        read_family_pedigree(str(examples / "missing.json"))
