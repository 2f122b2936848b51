"""``marbledx rank`` on hostile or mistaken input (QA review, stop 31): every problem is a one-line error
for its own case, the batch goes on, and nothing reaches the user as a traceback or an internal error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import marbledx
from marbledx.errors import InputError
from marbledx.findings import _io, normalise_findings, read_case_file, read_family_pedigree
from marbledx.findings._io import read_text_file
from marbledx.ontology import Hpo

from ..conftest import TESTS
from .cli_run import mini_release, needs_full_disk, run_cli, run_with_full_disk  # noqa: F401 (mini_release: autouse)

PACKETS = TESTS / "data" / "phenopackets"


def _packet(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((PACKETS / "infant_aro.json").read_text(encoding="utf-8"))
    document.update(changes)
    return document


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_an_integer_of_too_many_digits_is_the_cases_error_and_the_batch_goes_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # json.loads refuses integers of more than 4,300 digits with a ValueError (CPython's conversion limit).
    text = json.dumps(_packet(id="huge")).replace('"id": "huge"', '"id": "huge", "x": ' + "1" * 5000)
    bad = _write(tmp_path / "a_huge.json", text)
    good = tmp_path / "b_good.json"
    good.write_text((PACKETS / "infant_aro.json").read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = run_cli(capsys, "rank", str(bad), str(good), "--format", "jsonl", "--top", "1")
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 2
    assert lines[0]["input"] == str(bad)
    assert (
        lines[0]["error"]
        == f"{bad}: a number has too many digits to be read; expected a GA4GH Phenopacket v2"
    )
    assert lines[1]["diagnoses"]
    assert "internal error" not in err


def test_a_number_beyond_the_float_range_is_the_cases_error(mini_hpo: Hpo, tmp_path: Path) -> None:
    # An integer literal that protobuf must store as a double overflows it (OverflowError in json_format).
    document = _packet(
        measurements=[
            {
                "assay": {"id": "LOINC:718-7", "label": "Hemoglobin [Mass/volume] in Blood"},
                "value": {"quantity": {"unit": {"id": "UCUM:g/dL", "label": "g/dL"}, "value": 0}},
            }
        ]
    )
    text = json.dumps(document).replace('"value": 0}', '"value": 1' + "0" * 309 + "}")
    path = _write(tmp_path / "overflow.json", text)
    with pytest.raises(InputError, match=r"overflow\.json: a number is too large for its field") as info:
        read_case_file(path, mini_hpo.ontology)
    assert "\n" not in str(info.value)


def test_a_family_file_with_an_integer_of_too_many_digits(tmp_path: Path) -> None:
    path = _write(tmp_path / "family.json", '{"pedigree": {"persons": []}, "x": ' + "9" * 5000 + "}")
    with pytest.raises(
        InputError, match="a number has too many digits to be read; expected a GA4GH Phenopacket v2 Family"
    ):
        read_family_pedigree(path)


def test_an_input_larger_than_the_cap_is_refused_not_read_whole(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # /dev/zero or /dev/urandom given by mistake would otherwise fill the memory.
    monkeypatch.setattr(_io, "MAX_TEXT_BYTES", 16)
    path = _write(tmp_path / "big.json", "{" + " " * 32 + "}")
    with pytest.raises(InputError, match=r"big\.json: larger than 16 bytes; expected a phenopacket"):
        read_text_file(path)
    assert read_text_file(_write(tmp_path / "small.json", "{}")) == "{}"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_io, "MAX_TEXT_BYTES", 1024)
    code, out, _ = run_cli(capsys, "rank", "/dev/zero", "--format", "jsonl")
    assert code == 1
    assert (
        json.loads(out)["error"]
        == "/dev/zero: larger than 1,024 bytes; expected a phenopacket, pedigree or table file"
    )


def test_line_ends_are_read_as_text_mode_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "windows.ped"
    path.write_bytes(b"\xef\xbb\xbfa\r\nb\rc\n")
    assert read_text_file(path) == "a\nb\nc\n"


@needs_full_disk
def test_a_full_disk_is_a_one_line_error_not_an_internal_one() -> None:
    done = run_with_full_disk("rank", "--hpo", "HP:0011002", "--format", "jsonl")
    assert done.returncode == 74
    assert done.stderr == "marbledx: error: cannot write the output: No space left on device\n"


def test_lenient_names_the_ids_it_dropped_when_nothing_is_left(mini_hpo: Hpo) -> None:
    raw = [
        ("HP:9999999", False, "entered"),
        ("HP:0000006", False, "entered"),
        ("HP:0001903", True, "entered"),
    ]
    with pytest.raises(InputError) as info:
        normalise_findings(mini_hpo.ontology, raw, where="--hpo", strict=False)
    assert str(info.value).endswith(
        "the case has no observed phenotypic features; expected at least one HPO term "
        "(dropped: HP:9999999 unknown, HP:0000006 not a phenotypic feature)"
    )


def test_control_characters_of_a_case_are_escaped_in_the_table(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _write(tmp_path / "escape.json", json.dumps(_packet(id="a\nb\x1b[31m")))
    code, out, _ = run_cli(capsys, "rank", str(path), "--top", "1")
    assert code == 0
    assert "Case a\\nb\\x1b[31m — " in out
    assert "\x1b" not in out


def test_a_schema_version_with_a_newline_stays_one_line(mini_hpo: Hpo, tmp_path: Path) -> None:
    document = _packet()
    document["metaData"]["phenopacketSchemaVersion"] = "3.0\nx"
    path = _write(tmp_path / "v3.json", json.dumps(document))
    with pytest.raises(InputError, match=r"schema version 3\.0\\nx is not supported") as info:
        read_case_file(path, mini_hpo.ontology)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("source", "kwargs", "message"),
    [
        (
            [str(PACKETS / "infant_aro.json"), None],
            {},
            "source: expected paths (str or Path), found NoneType None",
        ),
        ("a\x00.json", {}, r"source: 'a\x00.json' contains a NUL character; expected a file or folder path"),
        ([Path("b\x00")], {}, r"source: 'b\x00' contains a NUL character"),
        (
            str(PACKETS / "infant_aro.json"),
            {"top": 1.5},
            "top must be a whole number of at least 1, got 1.5",
        ),
    ],
)
def test_python_api_mistakes_are_named(
    mini_hpo: Hpo, source: Any, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError) as info:
        list(marbledx.rank(source, hpo=mini_hpo, **kwargs))
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--ped", "family.ped"], "--ped applies only to a VCF"),
        (["--sample", "child", "--genome", "GRCh38"], "--sample, --genome apply only to a VCF"),
        (["--strict"], "--strict applies only to a VCF"),
    ],
)
def test_vcf_options_without_a_vcf_are_refused_for_a_case_from_flags(
    capsys: pytest.CaptureFixture[str], flags: list[str], named: str
) -> None:
    code, out, err = run_cli(capsys, "rank", "--hpo", "HP:0011002", *flags)
    assert code == 2
    assert out == ""
    assert named in err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        # Arabic-Indic digits: HP:0000365 and P1Y written in them.
        (["--hpo", "HP:\u0660\u0660\u0660\u0660\u0663\u0666\u0665"], "unknown HPO term 'HP:\u0660"),
        (["--hpo", "HP:0011002", "--age", "P\u0661Y"], "--age: 'P\u0661Y' is not an ISO 8601 age"),
    ],
)
def test_digits_of_other_scripts_are_not_ids_or_ages(
    capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    code, _, err = run_cli(capsys, "rank", *flags)
    assert code == 2
    assert message in err
