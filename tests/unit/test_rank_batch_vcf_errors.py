"""``marbledx rank`` batches with VCFs: a case whose VCF cannot be read (missing, not a VCF, the wrong build) is
reported exactly like a case whose phenopacket cannot be read, in every format, and the batch goes on.

Regression guard for review note "jsonl batch VCF errors only in the jsonl line": both kinds of error are the
case's own entry on stdout (a `{"case_id", "input", "error"}` object, or the table's ``Case … — input`` block
with an ``error:`` line), neither is repeated on stderr, and the exit status is 1 (docs/engine.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from marbledx.cli import main
from marbledx.genotype.synthetic import SyntheticVariant, write_vcf

from ..conftest import MINI_RELEASE, TESTS

PACKETS = TESTS / "data" / "phenopackets"


@pytest.fixture(autouse=True)
def mini_release(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))


def _packet_with_vcf(folder: Path, case_id: str, uri: str) -> Path:
    packet = json.loads((PACKETS / "adult_ado.json").read_text(encoding="utf-8"))
    packet["id"] = case_id
    packet["files"] = [{"uri": uri, "fileAttributes": {"genomeAssembly": "GRCh38"}}]
    path = folder / f"{case_id}.json"
    path.write_text(json.dumps(packet), encoding="utf-8")
    return path


def _bad_vcf(folder: Path, kind: str) -> tuple[str, str]:
    """A VCF fault of ``kind``: the file name for the phenopacket's ``files`` and a fragment of its error."""
    if kind == "missing":
        return "absent.vcf", "absent.vcf: no such file"
    if kind == "not-a-vcf":
        (folder / "notes.vcf").write_text("these are clinic notes, not variants\n", encoding="utf-8")
        return "notes.vcf", "notes.vcf: not a VCF/BCF file"
    variant = SyntheticVariant("chr11", 68_040_000, "C", "T", "TCIRG1", "stop_gained", {"PROBAND": "0/1"})
    write_vcf(folder / "b37.vcf", [variant], build="GRCh37")
    return "b37.vcf", "the VCF is GRCh37 (from ##reference) but the phenopacket"


def _entries(fmt: str, out: str) -> list[dict[str, Any]]:
    """The per-case entries of stdout: JSON objects, or ``{"title", "error"}`` from the table's blocks."""
    if fmt == "jsonl":
        return [json.loads(line) for line in out.splitlines()]
    if fmt == "json":
        document = json.loads(out)
        assert isinstance(document, list)
        return document
    entries: list[dict[str, Any]] = []
    for line in out.splitlines():
        if line.startswith("Case "):
            entries.append({"title": line, "error": None})
        elif line.startswith("  error: ") and entries[-1]["error"] is None:
            entries[-1]["error"] = line.removeprefix("  error: ")
    return entries


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl"])
@pytest.mark.parametrize("kind", ["missing", "not-a-vcf", "build-mismatch"])
def test_a_vcf_error_is_reported_like_a_phenopacket_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str, kind: str
) -> None:
    uri, reason = _bad_vcf(tmp_path, kind)
    bad_vcf = _packet_with_vcf(tmp_path, "vcf-case", uri)
    bad_packet = tmp_path / "broken.json"
    bad_packet.write_text((PACKETS / "malformed.json").read_text(encoding="utf-8"), encoding="utf-8")
    good = PACKETS / "infant_aro.json"

    code = main(["rank", str(bad_vcf), str(bad_packet), str(good), "--format", fmt, "--top", "1"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in err
    vcf_entry, packet_entry, good_entry = _entries(fmt, out)

    if fmt == "table":
        # Which case failed, from which file, and why: the same block for either kind of error.
        assert vcf_entry["title"] == f"Case vcf-case — {bad_vcf}"
        assert packet_entry["title"] == f"Case ? — {bad_packet}"
        assert good_entry["title"] == f"Case infant-aro — {good}"
        assert good_entry["error"] is None
    else:
        # The jsonl/json contract: exactly these keys for a case that cannot be read.
        assert vcf_entry == {"case_id": "vcf-case", "input": str(bad_vcf), "error": vcf_entry["error"]}
        assert set(packet_entry) == {"case_id", "input", "error"}
        assert packet_entry["input"] == str(bad_packet)
        assert good_entry["case_id"] == "infant-aro"
        assert good_entry["diagnoses"]
    assert reason in vcf_entry["error"]
    assert "\n" not in vcf_entry["error"]
    assert "malformed JSON" in packet_entry["error"]
    # stderr treats the two alike: a phenopacket's read error is not repeated there, nor is a VCF's.
    assert (reason in err) == ("malformed JSON" in err)
