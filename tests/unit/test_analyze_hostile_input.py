"""``marbledx analyze`` on hostile or mistaken input (QA review, as for ``rank`` in test_rank_hostile_input.py):
one-line errors with the documented exit status, no report half-written or written over something that is not
a file, control characters escaped."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest

from marbledx.errors import InputError
from marbledx.findings import _io
from marbledx.ontology import Hpo
from marbledx.report import analyze

from ..conftest import TESTS
from .cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)

CASE = TESTS / "data" / "phenopackets" / "infant_aro.json"


def _analyze(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, "analyze", *argv)


# ---- the output --------------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_as_the_output_is_refused_not_replaced(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The report is written to a temporary file that replaces the output path: a pipe, or /dev/null when run
    # as root, became a regular file.
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    code, out, err = _analyze(capsys, str(CASE), "-o", str(pipe))
    assert code == 2
    assert out == ""
    assert err == (
        f"marbledx: error: -o {pipe}: not a regular file (a device, pipe or socket); expected a file name for "
        "the report, or '-' for standard output\n"
    )
    assert pipe.is_fifo()
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_a_symbolic_link_as_the_output_is_refused_not_replaced(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # /dev/stdout is such a link; the link itself was replaced and its target kept the old content.
    target = tmp_path / "target.html"
    target.write_text("previous report", encoding="utf-8")
    link = tmp_path / "link.html"
    link.symlink_to(target)
    code, _, err = _analyze(capsys, str(CASE), "-o", str(link))
    assert code == 2
    assert "link.html: a symbolic link (it would be replaced, and its target left as it is)" in err
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8") == "previous report"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([str(CASE), "-o", ""], "-o is empty; expected a file name for the report (e.g. report.html)"),
        (["", "-o", "r.html"], "CASE is empty; expected the patient's phenopacket (JSON)"),
    ],
    ids=["output", "case"],
)
def test_an_empty_path_is_refused_not_read_as_the_current_folder(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = _analyze(capsys, *argv)
    assert code == 2
    assert out == ""
    assert message in err
    assert "is a folder" not in err


def test_a_full_disk_is_exit_status_74_and_keeps_the_previous_report(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def disk_full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("marbledx.report._render.os.fsync", disk_full)
    report = tmp_path / "r.json"
    report.write_text("previous report", encoding="utf-8")
    code, _, err = _analyze(capsys, str(CASE), "-o", str(report), "--format", "json")
    assert code == 74
    assert err == "marbledx: error: cannot write the output: No space left on device\n"
    assert report.read_text(encoding="utf-8") == "previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


@pytest.mark.parametrize("fmt", ["html", "json"])
@pytest.mark.parametrize("audience", ["clinician", "family"])
def test_every_format_and_audience_on_stdout_and_to_a_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str, audience: str
) -> None:
    code, out, _ = _analyze(capsys, str(CASE), "-o", "-", "--format", fmt, "--audience", audience)
    assert code == 0
    if fmt == "json":
        assert "family_summary" in json.loads(out)
    else:
        assert out.startswith("<!DOCTYPE html>")
    report = tmp_path / f"r.{fmt}"
    code, out, err = _analyze(capsys, str(CASE), "-o", str(report), "--format", fmt, "--audience", audience)
    assert code == 0
    assert out == ""
    assert f"wrote {report} ({audience} {fmt})" in err


# ---- the inputs ------------------------------------------------------------------------------------------------


def _labs_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "labs.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda tmp: ["--labs", str(_labs_csv(tmp, 'analyte,value,unit\nhb,8,"' + "x" * 200_000))],
            "labs.csv, line 2: cannot be read as CSV (field larger than field limit (131072))",
        ),
        (
            lambda tmp: ["--value", "hb=1e400 g/dL"],
            "--value 'hb=1e400 g/dL': '1e400' is too large to be a lab value",
        ),
        (lambda tmp: ["--value", "hb=\u09ea g/dL"], "'\u09ea' is not a number"),
        (lambda tmp: ["--labs", str(tmp)], ": is a folder; expected a file"),
        (
            lambda tmp: ["--ped", str(CASE)],
            "line 1: expected 6 columns (family, individual, father, mother, sex",
        ),
        (lambda tmp: ["--vcf", str(tmp / "missing.vcf")], "missing.vcf: no such file"),
        (lambda tmp: ["--vcf", str(CASE)], "not a VCF/BCF file"),
    ],
    ids=[
        "csv-field",
        "too-large",
        "bengali-digit",
        "labs-folder",
        "ped-not-ped",
        "vcf-missing",
        "vcf-not-vcf",
    ],
)
def test_bad_inputs_are_one_line_errors_and_write_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make: Any, message: str
) -> None:
    report = tmp_path / "r.html"
    code, out, err = _analyze(capsys, str(CASE), "-o", str(report), *make(tmp_path))
    assert code == 2
    assert out == ""
    assert message in err
    assert err.count("\n") == 1
    assert not report.exists()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize("flag", ["CASE", "--labs", "--ped"])
def test_dev_zero_as_an_input_is_read_no_further_than_the_cap(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, flag: str
) -> None:
    monkeypatch.setattr(_io, "MAX_TEXT_BYTES", 1024)
    argv = ["/dev/zero"] if flag == "CASE" else [str(CASE), flag, "/dev/zero"]
    code, _, err = _analyze(capsys, *argv, "-o", str(tmp_path / "r.html"))
    assert code == 2
    assert (
        err
        == "marbledx: error: /dev/zero: larger than 1,024 bytes; expected a phenopacket, pedigree or table file\n"
    )


def test_control_characters_in_warnings_are_escaped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    document: dict[str, Any] = json.loads(CASE.read_text(encoding="utf-8"))
    document["measurements"] = [
        {"assay": {"id": "X:1\x1b[2J", "label": "weight"}, "value": {"quantity": {"value": 8}}}
    ]
    case = tmp_path / "case.json"
    case.write_text(json.dumps(document), encoding="utf-8")
    code, _, err = _analyze(capsys, str(case), "-o", str(tmp_path / "r\x1b[31m.json"), "--format", "json")
    assert code == 0
    assert "\x1b" not in err
    assert "X:1\\x1b[2J is not a lab analyte" in err
    assert "wrote " + str(tmp_path) + "/r\\x1b[31m.json (clinician json)" in err


# ---- the Python API ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lab_values": ["hb=8 g/dL", None]}, "--value None: expected a string ANALYTE=VALUE UNIT"),
        ({"labs": "a\x00.csv"}, r"labs: 'a\x00.csv' contains a NUL character; expected a CSV file path"),
    ],
)
def test_python_api_mistakes_are_named(mini_hpo: Hpo, kwargs: dict[str, Any], message: str) -> None:
    from marbledx.knowledge import load_knowledge_base

    with pytest.raises(InputError) as info:
        analyze(CASE, hpo=mini_hpo, kb=load_knowledge_base(), **kwargs)
    assert message in str(info.value)
