"""Follow-ups of the QA review of ``marbledx labs``/``analyze`` (test_analyze_hostile_input.py,
test_labs_hostile_input.py): escaped error lines, named errors of the analyze API and of the file and
phenopacket readers, and the empty or unused flags of ``marbledx analyze``.

No test writes to a real device: hostile names are files inside ``tmp_path``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from marbledx.errors import InputError
from marbledx.findings import read_case_file, read_ped
from marbledx.findings._io import read_text_file
from marbledx.findings._phenopacket import read_phenopacket_labs
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.report import analyze

from ..conftest import TESTS
from .cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)

CASE = TESTS / "data" / "phenopackets" / "infant_aro.json"
ESCAPE = "\x1b[31m"  # a terminal escape sequence: red text


def _packet(tmp_path: Path, name: str = "case.json", **changes: Any) -> Path:
    document: dict[str, Any] = json.loads(CASE.read_text(encoding="utf-8"))
    subject = changes.pop("subject", {})
    document["subject"].update(subject)
    document.update(changes)
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _haemoglobin(**quantity: Any) -> dict[str, Any]:
    return {
        "assay": {"id": "LOINC:718-7", "label": "Hemoglobin"},
        "value": {"quantity": {"unit": {"id": "UCUM:g/dL", "label": "g/dL"}, "value": 8, **quantity}},
    }


# ---- 1. what the command line prints is escaped ----------------------------------------------------------------


@pytest.mark.parametrize("command", ["analyze", "labs"])
def test_an_error_message_is_escaped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    # The shared handler of every command: here a missing file whose name holds the escape.
    missing = str(tmp_path / f"miss{ESCAPE}.csv")
    argv = (
        [str(CASE), "--labs", missing, "-o", "-"]
        if command == "analyze"
        else ["--age", "P1Y", "--labs", missing]
    )
    code, out, err = run_cli(capsys, command, *argv)
    assert code == 2
    assert out == ""
    assert err == f"marbledx: error: {tmp_path}/miss\\x1b[31m.csv: no such file or folder\n"


def test_ranks_warnings_are_escaped(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    weight = {"assay": {"id": f"X:1{ESCAPE}", "label": "weight"}, "value": {"quantity": {"value": 8}}}
    case = _packet(tmp_path, measurements=[weight])
    code, _, err = run_cli(capsys, "rank", str(case), "--top", "1")
    assert code == 0
    assert "\x1b" not in err
    assert "marbledx: warning: " in err
    assert "X:1\\x1b[31m is not a lab analyte" in err


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_ranks_text_notes_are_escaped(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, err = run_cli(
        capsys, "rank", "--text", f"anaemia, zq{ESCAPE}zq", "--format", fmt, "--top", "1"
    )
    assert code == 0
    assert "\x1b" not in out + err
    assert "text: no HPO term found for 'zq\\x1b" in (out if fmt == "table" else err)


# ---- 3. the analyze API --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "kwargs", "message"),
    [
        (None, {}, "source: expected a phenopacket path (str or Path) or a Case, found NoneType"),
        (CASE, {"labs": 5}, "labs: expected a CSV file path (str or Path), found int"),
        (CASE, {"vcf": 5}, "vcf: expected a VCF/BCF file path (str or Path), found int"),
        (CASE, {"ped": b"family.ped"}, "ped: expected a PED file path (str or Path), found bytes"),
        (
            CASE,
            {"lab_values": "hb=8 g/dL"},
            "lab_values: expected a list of strings ANALYTE=VALUE UNIT such as ['hemoglobin=8 g/dL'], found str",
        ),
    ],
    ids=["source-none", "labs-int", "vcf-int", "ped-bytes", "lab-values-str"],
)
def test_analyze_api_mistakes_are_named(
    mini_hpo: Hpo, kb: KnowledgeBase, source: Any, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError) as info:
        analyze(source, hpo=mini_hpo, kb=kb, **kwargs)
    assert str(info.value) == message


def test_a_long_value_is_quoted_cut_short(mini_hpo: Hpo, kb: KnowledgeBase) -> None:
    text = "hb=" + "9" * 10_000 + " g/dL"
    with pytest.raises(InputError) as info:
        analyze(CASE, hpo=mini_hpo, kb=kb, lab_values=[text])
    message = str(info.value)
    assert message.startswith(f"--value {'hb=' + '9' * 37 + '…'!r}: ")
    assert "is too large to be a lab value" in message
    assert len(message) < 250


# ---- 4. the text files: a NUL in the path, text that is not UTF-8 ------------------------------------------------


@pytest.mark.parametrize(
    ("read", "shown"),
    [
        (lambda ontology: read_case_file(Path("case\x00.json"), ontology), "case\\x00.json"),
        (lambda _ontology: read_ped("family\x00.ped"), "family\\x00.ped"),
    ],
    ids=["phenopacket", "ped"],
)
def test_a_nul_in_a_path_is_a_named_error(mini_hpo: Hpo, read: Any, shown: str) -> None:
    with pytest.raises(InputError) as info:
        read(mini_hpo.ontology)
    assert str(info.value) == (
        f"'{shown}': a path cannot contain a NUL character; expected a phenopacket, pedigree or table file"
    )


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"], ids=["unix", "windows", "old-mac"])
def test_text_that_is_not_utf8_names_its_line(mini_hpo: Hpo, tmp_path: Path, newline: bytes) -> None:
    path = tmp_path / "latin.ped"
    path.write_bytes(
        newline.join([b"# pedigree", b"# made by a clinic", "F1 Jos\u00e9 0 0 1 2".encode("latin-1")])
    )
    with pytest.raises(InputError) as info:
        read_ped(path)
    assert (
        str(info.value) == f"{path}: cannot read (line 3 is not UTF-8 text: byte 0xe9); expected UTF-8 text"
    )


def test_a_utf8_file_with_a_byte_order_mark_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "bom.ped"
    path.write_bytes(b"\xef\xbb\xbfF1 child 0 0 1 2\r\n")
    assert [person.id for person in read_ped(path).individuals] == ["child"]


# ---- 5. phenopacket measurements ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference_range", "missing"),
    [({"low": 10.5}, "'high' is"), ({}, "'low' and 'high' are")],
    ids=["low-only", "neither"],
)
def test_a_reference_range_without_its_high_limit_names_it(
    tmp_path: Path, reference_range: dict[str, Any], missing: str
) -> None:
    path = _packet(tmp_path, measurements=[_haemoglobin(referenceRange=reference_range)])
    with pytest.raises(InputError) as info:
        read_phenopacket_labs(path)
    assert str(info.value) == (
        f"{path}: measurements[0].value.quantity.referenceRange: {missing} missing; expected the laboratory's "
        "interval as 'low' and 'high'"
    )


def test_a_reference_range_without_its_low_limit_names_it(tmp_path: Path) -> None:
    # It was read as 0-13.5, which called haemoglobin 8 g/dL normal: the schema requires both limits, and a
    # 0 lower limit must be written as one.
    path = _packet(tmp_path, measurements=[_haemoglobin(referenceRange={"high": 13.5})])
    with pytest.raises(InputError) as info:
        read_phenopacket_labs(path)
    assert str(info.value) == (
        f"{path}: measurements[0].value.quantity.referenceRange: 'low' is missing; expected the laboratory's "
        "interval as 'low' and 'high' (write \"low\": 0 for an interval from 0)"
    )


def test_a_measurement_centuries_after_birth_names_its_timestamp(tmp_path: Path) -> None:
    path = _packet(
        tmp_path,
        measurements=[{**_haemoglobin(), "timeObserved": {"timestamp": "2999-01-01T00:00:00Z"}}],
        subject={"dateOfBirth": "2024-01-01T00:00:00Z"},
    )
    with pytest.raises(InputError) as info:
        read_phenopacket_labs(path)
    assert str(info.value) == (
        f"{path}: measurements[0].timeObserved.timestamp (age at the test): 356,112 days is not an age; expected "
        "the age in days, from 0 to 130 years (check the date of the test and the date of birth)"
    )


def test_read_phenopacket_labs_names_a_path_that_is_not_one() -> None:
    with pytest.raises(InputError) as info:
        read_phenopacket_labs(None)  # type: ignore[arg-type]
    assert str(info.value) == "path: expected a phenopacket file path (str or Path), found NoneType"


# ---- 6. marbledx analyze: empty paths, VCF options without a VCF --------------------------------------------------


@pytest.mark.parametrize(
    ("command", "flag"),
    [
        (["analyze", str(CASE), "-o", "-", "--format", "json"], flag)
        for flag in ("--vcf", "--ped", "--labs", "--clinvar", "--genes-bed")
    ]
    + [
        (["rank", "--hpo", "HP:0001903", "--vcf", "x.vcf"], "--ped"),
        (["rank", "--hpo", "HP:0001903"], "--vcf"),
        (["labs", "--age", "P1Y"], "--labs"),
        (["risk"], "--ped"),
    ],
)
def test_an_empty_path_flag_is_refused_not_read_as_the_current_folder(
    capsys: pytest.CaptureFixture[str], command: list[str], flag: str
) -> None:
    # Path("") is ".": an unset "$VCF" was read as the current folder ("is a folder").
    code, out, err = run_cli(capsys, *command, flag, "")
    assert code == 2
    assert out == ""
    assert err.startswith(f"marbledx: error: argument {flag}: is empty; expected a file name (see 'marbledx ")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--sample", "child"], "--sample applies only to a VCF"),
        (["--genome", "GRCh38", "--strict"], "--genome, --strict apply only to a VCF"),
        (["--clinvar", "c.vcf.gz", "--genes-bed", "g.bed"], "--clinvar, --genes-bed apply only to a VCF"),
    ],
)
def test_vcf_options_without_a_vcf_are_refused(
    capsys: pytest.CaptureFixture[str], flags: list[str], named: str
) -> None:
    code, out, err = run_cli(capsys, "analyze", str(CASE), *flags, "-o", "-", "--format", "json")
    assert code == 2
    assert out == ""
    assert err == (f"marbledx: error: {named}; give --vcf (or a phenopacket whose 'files' name one)\n")


@pytest.mark.parametrize("how", ["--vcf", "files", "--ped"])
def test_vcf_options_with_a_vcf_and_ped_without_one_are_kept(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, how: str
) -> None:
    # The VCF (or PED) named does not exist: the error is its reader's, so the options were let through.
    missing = tmp_path / ("missing.ped" if how == "--ped" else "missing.vcf")
    case = CASE
    flags = ["--sample", "child"]
    if how == "files":
        case = _packet(tmp_path, files=[{"uri": missing.name, "fileAttributes": {"fileFormat": "vcf"}}])
    elif how == "--vcf":
        flags += ["--vcf", str(missing)]
    else:
        flags = ["--ped", str(missing)]  # analyze reads a PED for the counselling risks too
    code, _, err = run_cli(capsys, "analyze", str(case), *flags, "-o", "-", "--format", "json")
    assert code == 2
    assert "only to a VCF" not in err
    assert "missing." in err
    assert "no such file" in err


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_file_says_so(tmp_path: Path, encoding: str) -> None:
    # Windows editors save "Unicode" as UTF-16 with a byte-order mark; the line-1 byte message did not say what to do.
    path = tmp_path / "case.json"
    data = '{"id": "c1"}'.encode(encoding)
    path.write_bytes(data if data[:2] in (b"\xff\xfe", b"\xfe\xff") else b"\xfe\xff" + data)
    with pytest.raises(InputError) as info:
        read_text_file(path)
    assert (
        str(info.value) == f"{path}: cannot read (UTF-16 text); expected UTF-8 text (save the file as UTF-8)"
    )
