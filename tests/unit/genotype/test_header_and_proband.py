"""VCF headers and the proband: builds the header contradicts, header errors named for what they are, the
proband taken from a PED file, and the VCF's warnings in JSON output and on stderr."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import zipfile
from collections.abc import Callable
from pathlib import Path

import pysam
import pytest

from marbledx.errors import InputError
from marbledx.findings import Case, Finding
from marbledx.findings._case import GenomicFile
from marbledx.genotype import GenotypeOptions, GenotypeReader, VcfReadResult, detect_build, read_vcf
from marbledx.genotype.synthetic import SyntheticVariant, write_vcf
from tests.unit.genotype.text_files import write_text

from ..cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)

# The keys of the JSON ``genotype`` object before it gained ``warnings`` (the output contract).
GENOTYPE_KEYS = {
    "vcf", "sample", "build", "mode", "records", "calls", "genome_wide", "background_rate", "skipped_lines",
}  # fmt: skip


def _one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("marbledx: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _variant(genotypes: dict[str, str] | None = None, **kwargs: object) -> SyntheticVariant:
    return SyntheticVariant(
        "chr11",
        68_040_000,
        "C",
        "T",
        "TCIRG1",
        "stop_gained",
        genotypes or {"P": "0/1"},
        **kwargs,  # type: ignore[arg-type]
    )


def _read(case: Case, **options: object) -> VcfReadResult | None:
    return GenotypeReader(GenotypeOptions(use_installed=False, **options)).read(case)  # type: ignore[arg-type]


def _flag_case() -> Case:
    # A command-line case (--hpo): no subject id and no phenopacket files.
    return Case("case", "(command line)", (Finding("HP:0011002"),))


# -- finding 8: a ##reference line that contradicts the contig lengths ------------------------------------


def _contradicting(tmp_path: Path, name: str = "a.vcf") -> Path:
    # Every contig has its GRCh38 length, but the reference line names an hg19 FASTA.
    return write_vcf(
        tmp_path / name, [_variant()], samples=("P",), build="GRCh38", reference="file:///ref/hg19.fa"
    )


def test_a_reference_line_against_the_contig_lengths_is_refused(tmp_path: Path) -> None:
    path = _contradicting(tmp_path)
    with pytest.raises(InputError) as caught:
        read_vcf(path)
    message = str(caught.value)
    assert "\n" not in message
    assert "##reference" in message
    assert "GRCh37" in message
    assert "contig lengths" in message
    assert "GRCh38" in message
    assert "--genome" in message
    # The two sources disagree, so the header alone names no build.
    with pysam.VariantFile(str(path)) as handle:
        assert detect_build(handle.header) is None


@pytest.mark.parametrize("genome", ["GRCh37", "GRCh38"])
def test_genome_settles_a_contradicting_header(tmp_path: Path, genome: str) -> None:
    assert read_vcf(_contradicting(tmp_path), genome=genome).build == genome  # type: ignore[arg-type]


def test_the_phenopacket_assembly_settles_a_contradicting_header(tmp_path: Path) -> None:
    path = _contradicting(tmp_path)
    case = Case(
        "c",
        "c.json",
        (Finding("HP:0011002"),),
        genomic_files=(GenomicFile(str(path), genome_assembly="GRCh38", sample="P"),),
    )
    result = _read(case)
    assert result is not None
    assert result.build == "GRCh38"


def test_a_contradicting_header_is_refused_before_a_table_is_chosen(tmp_path: Path) -> None:
    # The gene table needs the build before the VCF is read: the conflict is the error, not "build unknown".
    bed = tmp_path / "genes.bed"
    bed.write_text("chr11\t68000000\t68100000\tTCIRG1\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"a\.vcf: the header's ##reference line names GRCh37 but its contig"
    ):
        _read(_flag_case(), vcf=_contradicting(tmp_path), genes_bed=bed)
    result = _read(_flag_case(), vcf=_contradicting(tmp_path), genes_bed=bed, genome="GRCh38")
    assert result is not None
    assert result.build == "GRCh38"


def test_a_contradicting_header_is_one_cli_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _contradicting(tmp_path)
    code, _, err = run_cli(capsys, "rank", "--hpo", "HP:0011002", "--vcf", str(path), "--format", "json")
    assert code != 0
    line = _one_line_error(err)
    assert "##reference" in line
    assert "contig lengths" in line
    code, out, _ = run_cli(
        capsys, "rank", "--hpo", "HP:0011002", "--vcf", str(path), "--genome", "GRCh38", "--format", "json"
    )
    assert code == 0
    assert json.loads(out)[0]["genotype"]["build"] == "GRCh38"


def test_agreeing_reference_and_lengths_still_name_the_build(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "a.vcf", [_variant()], samples=("P",), build="GRCh37", reference="hs37d5.fa")
    assert read_vcf(path).build == "GRCh37"
    with pytest.raises(
        InputError, match=r"the VCF is GRCh37 \(from ##reference\) but --genome GRCh38 was given"
    ):
        read_vcf(path, genome="GRCh38")


# -- finding 11: a build conflict from the phenopacket is blamed on the phenopacket ---------------------


def test_a_phenopacket_build_conflict_names_the_phenopacket(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "b38.vcf", [_variant()], samples=("P",), build="GRCh38")
    case = Case(
        "c",
        "pp.json",
        (Finding("HP:0011002"),),
        genomic_files=(GenomicFile(str(path), genome_assembly="GRCh37", sample="P"),),
    )
    with pytest.raises(InputError) as caught:
        _read(case)
    message = str(caught.value)
    assert "--genome" not in message
    assert "pp.json" in message
    assert "genomeAssembly" in message
    assert "GRCh37" in message
    assert "GRCh38 (from ##reference)" in message


def test_a_phenopacket_build_conflict_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_vcf(tmp_path / "b38.vcf", [_variant()], samples=("P",), build="GRCh38")
    packet = {
        "id": "pp",
        "subject": {"id": "P", "sex": "MALE"},
        "phenotypicFeatures": [{"type": {"id": "HP:0011002", "label": "Osteopetrosis"}}],
        "metaData": {"created": "2026-01-01T00:00:00Z", "phenopacketSchemaVersion": "2.0"},
        "files": [
            {
                "uri": "file:b38.vcf",
                "individualToFileIdentifiers": {"P": "P"},
                "fileAttributes": {"genomeAssembly": "GRCh37"},
            }
        ],
    }
    (tmp_path / "pp.json").write_text(json.dumps(packet), encoding="utf-8")
    code, out, _ = run_cli(capsys, "rank", str(tmp_path / "pp.json"), "--format", "json")
    assert code == 1
    (result,) = json.loads(out)
    assert "--genome" not in result["error"]
    assert "genomeAssembly" in result["error"]


# -- finding 10: the proband from the PED file --------------------------------------------------------------


def _trio(tmp_path: Path) -> Path:
    return write_vcf(
        tmp_path / "trio.vcf",
        [_variant({"P": "0/1", "F": "0/1", "M": "0/0"})],
        samples=("P", "F", "M"),
    )


def _ped(tmp_path: Path, text: str) -> Path:
    ped = tmp_path / "family.ped"
    ped.write_text(text, encoding="utf-8")
    return ped


TRIO_PED = "FAM P F M 1 2\nFAM F 0 0 1 1\nFAM M 0 0 2 1\n"


def test_the_ped_names_the_proband_of_a_command_line_case(tmp_path: Path) -> None:
    result = _read(_flag_case(), vcf=_trio(tmp_path), ped=_ped(tmp_path, TRIO_PED))
    assert result is not None
    assert result.sample == "P"
    assert [c.origin for c in result.calls] == ["paternal"]


def test_the_ped_proband_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vcf, ped = _trio(tmp_path), _ped(tmp_path, TRIO_PED)
    code, out, err = run_cli(
        capsys, "rank", "--hpo", "HP:0011002", "--vcf", str(vcf), "--ped", str(ped), "--format", "json"
    )
    assert code == 0, err
    assert json.loads(out)[0]["genotype"]["sample"] == "P"


@pytest.mark.parametrize(
    "ped",
    [
        # The child is not marked affected.
        "FAM P F M 1 1\nFAM F 0 0 1 1\nFAM M 0 0 2 1\n",
        # The affected individual has no parents in the PED.
        "FAM P 0 0 1 2\nFAM F 0 0 1 1\nFAM M 0 0 2 1\n",
        # The affected child's mother is named but not in the PED.
        "FAM P F M 1 2\nFAM F 0 0 1 1\n",
        # The affected child is not a sample of the VCF.
        "FAM KID F M 1 2\nFAM F 0 0 1 1\nFAM M 0 0 2 1\n",
    ],
)
def test_no_ped_proband_asks_for_sample(tmp_path: Path, ped: str) -> None:
    with pytest.raises(InputError) as caught:
        _read(_flag_case(), vcf=_trio(tmp_path), ped=_ped(tmp_path, ped))
    message = str(caught.value)
    assert "None" not in message
    assert "--sample" in message
    assert "\n" not in message


def test_two_affected_children_ask_for_sample(tmp_path: Path) -> None:
    vcf = write_vcf(
        tmp_path / "sibs.vcf",
        [_variant({"P": "0/1", "S": "0/1", "F": "0/1", "M": "0/0"})],
        samples=("P", "S", "F", "M"),
    )
    ped = _ped(tmp_path, "FAM P F M 1 2\nFAM S F M 2 2\nFAM F 0 0 1 1\nFAM M 0 0 2 1\n")
    with pytest.raises(InputError, match=r"P, S.*--sample"):
        _read(_flag_case(), vcf=vcf, ped=ped)
    # --sample chooses.
    result = _read(_flag_case(), vcf=vcf, ped=ped, sample="S")
    assert result is not None
    assert result.sample == "S"


def test_no_ped_proband_is_one_cli_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vcf, ped = _trio(tmp_path), _ped(tmp_path, "FAM P F M 1 1\nFAM F 0 0 1 1\nFAM M 0 0 2 1\n")
    code, _, err = run_cli(capsys, "rank", "--hpo", "HP:0011002", "--vcf", str(vcf), "--ped", str(ped))
    assert code != 0
    line = _one_line_error(err)
    assert "None" not in line
    assert "--sample" in line


# -- finding 9: the VCF's warnings in JSON and on stderr ----------------------------------------------------


def _warned(tmp_path: Path) -> tuple[Path, Path]:
    """A VCF with a non-numeric REVEL value, a malformed line and no final line end, and a PED whose father
    is not a sample of it."""
    path = write_vcf(
        tmp_path / "w.vcf",
        [_variant({"P": "0/1", "M": "0/0"}, csq_extra={"REVEL": "high"})],
        samples=("P", "M"),
    )
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text
        + "chr11\tnot-a-position\t.\tC\tT\t50\tPASS\t.\tGT\t0/1\t0/0\nchr11\t68040100\t.\tG\tA\t50\tPASS\t.\tGT\t0/1\t0/0",
        encoding="utf-8",
    )
    ped = _ped(tmp_path, "FAM P F M 1 2\nFAM F 0 0 1 1\nFAM M 0 0 2 1\n")
    return path, ped


def _expected_warnings(warnings: list[str]) -> None:
    assert any("father 'F'" in w and "not a sample" in w for w in warnings), warnings
    assert any("non-numeric REVEL" in w for w in warnings), warnings
    assert any("skipped 1 malformed record" in w for w in warnings), warnings
    assert any("may be truncated" in w for w in warnings), warnings


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_vcf_warnings_reach_json_and_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    vcf, ped = _warned(tmp_path)
    code, out, err = run_cli(
        capsys,
        "rank",
        "--hpo",
        "HP:0011002",
        "--vcf",
        str(vcf),
        "--ped",
        str(ped),
        "--sample",
        "P",
        "--format",
        fmt,
    )
    assert code == 0, err
    result = json.loads(out)[0] if fmt == "json" else json.loads(out.splitlines()[0])
    assert set(result) == {"case_id", "input", "genotype", "diagnoses"}
    genotype = result["genotype"]
    assert set(genotype) == GENOTYPE_KEYS | {"warnings"}
    _expected_warnings(genotype["warnings"])
    # The same warnings on stderr, one line each.
    printed = [
        line.removeprefix("marbledx: warning: ")
        for line in err.splitlines()
        if line.startswith("marbledx: warning: ")
    ]
    _expected_warnings(printed)
    assert set(genotype["warnings"]) <= set(printed)


def test_vcf_warnings_reach_stderr_in_table_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vcf, ped = _warned(tmp_path)
    code, _, err = run_cli(
        capsys, "rank", "--hpo", "HP:0011002", "--vcf", str(vcf), "--ped", str(ped), "--sample", "P"
    )
    assert code == 0, err
    _expected_warnings([line for line in err.splitlines() if line.startswith("marbledx: warning: ")])


def test_a_clean_vcf_has_an_empty_warning_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vcf = write_vcf(tmp_path / "c.vcf", [_variant()], samples=("P",))
    code, out, err = run_cli(capsys, "rank", "--hpo", "HP:0011002", "--vcf", str(vcf), "--format", "json")
    assert code == 0
    assert json.loads(out)[0]["genotype"]["warnings"] == []
    assert "warning" not in err


# -- finding 12: header problems named for what they are ---------------------------------------------------

_HEADER = (
    "##fileformat=VCFv4.2\n"
    "##reference=GRCh38\n"
    "##contig=<ID=chr11,length=135086622>\n"
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: Allele|Consequence|SYMBOL">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
)
_RECORD = "chr11\t68040000\t.\tC\tT\t50\tPASS\tCSQ=T|stop_gained|TCIRG1\tGT"


_write = write_text


def _refused(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        read_vcf(path)
    message = str(caught.value)
    assert "\n" not in message
    assert "##fileformat" not in message
    assert "Exec format error" not in message
    return message


@pytest.mark.parametrize("name", ["dup.vcf", "dup.vcf.gz"])
def test_a_duplicate_sample_name_is_named(tmp_path: Path, name: str) -> None:
    text = (
        _HEADER
        + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tP\tQ\tP\n"
        + _RECORD
        + "\t0/1\t0/0\t0/1\n"
    )
    message = _refused(_write(tmp_path / name, text, compress=name.endswith(".gz")))
    assert "'P'" in message
    assert "twice" in message or "duplicate" in message


@pytest.mark.parametrize("name", ["nochrom.vcf", "nochrom.vcf.gz"])
def test_a_missing_chrom_line_is_named(tmp_path: Path, name: str) -> None:
    message = _refused(_write(tmp_path / name, _HEADER + _RECORD + "\t0/1\n", compress=name.endswith(".gz")))
    assert "#CHROM" in message


def test_a_header_without_records_or_chrom_line(tmp_path: Path) -> None:
    assert "#CHROM" in _refused(_write(tmp_path / "meta.vcf", _HEADER))


def test_a_chrom_line_with_spaces_is_named(tmp_path: Path) -> None:
    text = _HEADER + "#CHROM POS ID REF ALT QUAL FILTER INFO FORMAT P\n" + _RECORD + "\t0/1\n"
    message = _refused(_write(tmp_path / "spaces.vcf", text))
    assert "#CHROM" in message
    assert "spaces" in message


def test_an_empty_sample_name_is_named(tmp_path: Path) -> None:
    text = _HEADER + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tP\t\n" + _RECORD + "\t0/1\t0/1\n"
    message = _refused(_write(tmp_path / "empty_name.vcf", text))
    assert "empty sample name" in message


def test_a_binary_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "binary.vcf"
    path.write_bytes(bytes(range(256)) * 10)
    message = _refused(path)
    assert "binary" in message


def _zip(text: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.vcf", text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("pack", "named"),
    [
        # htslib aborts the whole process on a real xz file, so it must never see one.
        (lzma.compress, "xz"),
        (bz2.compress, "bzip2"),
        (_zip, "zip archive"),
        (lambda text: b"\x28\xb5\x2f\xfd" + text, "zstd"),
    ],
)
def test_other_compression_formats_are_named(
    tmp_path: Path, pack: Callable[[bytes], bytes], named: str
) -> None:
    vcf = write_vcf(tmp_path / "a.vcf", [_variant()], samples=("P",))
    path = tmp_path / "a.vcf.packed"
    path.write_bytes(pack(vcf.read_bytes()))
    assert named in _refused(path)
    # The build is peeked at before the read when a gene table is given: the same error, no abort.
    bed = tmp_path / "genes.bed"
    bed.write_text("chr11\t68000000\t68100000\tTCIRG1\n", encoding="utf-8")
    with pytest.raises(InputError, match=named):
        _read(_flag_case(), vcf=path, genes_bed=bed)
    with pytest.raises(InputError, match=named):
        _read(_flag_case(), vcf=path, ped=_ped(tmp_path, TRIO_PED))


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b"")]
)
def test_a_utf16_file_is_named(tmp_path: Path, encoding: str, bom: bytes) -> None:
    text = _HEADER + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tP\n" + _RECORD + "\t0/1\n"
    path = tmp_path / "utf16.vcf"
    path.write_bytes(bom + text.encode(encoding))
    message = _refused(path)
    assert "UTF-16" in message
    assert "UTF-8" in message


def test_a_damaged_compressed_header_is_named(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "a.vcf.gz", [_variant()], samples=("P",))
    data = bytearray(path.read_bytes())
    for offset in range(40, 60):  # inside the deflate data of the first (header) block
        data[offset] ^= 0xA5
    path.write_bytes(bytes(data))
    message = _refused(path)
    assert "damaged" in message


def test_a_bgzipped_utf16_file_is_named(tmp_path: Path) -> None:
    text = _HEADER + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tP\n" + _RECORD + "\t0/1\n"
    plain = tmp_path / "utf16.tmp"
    plain.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    path = tmp_path / "utf16.vcf.gz"
    pysam.tabix_compress(str(plain), str(path), force=True)
    assert "UTF-16" in _refused(path)


def test_a_sample_name_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    text = _HEADER + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tJos\xe9\n" + _RECORD + "\t0/1\n"
    path = tmp_path / "latin1.vcf"
    path.write_bytes(text.encode("latin-1"))
    message = _refused(path)
    assert "UTF-8" in message
    assert "line 6" in message


def test_a_byte_order_mark_is_named(tmp_path: Path) -> None:
    text = _HEADER + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tP\n" + _RECORD + "\t0/1\n"
    path = tmp_path / "bom.vcf"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    message = _refused(path)
    assert "byte-order mark" in message


def test_text_that_is_no_vcf_is_still_not_a_vcf(tmp_path: Path) -> None:
    path = _write(tmp_path / "notes.vcf", "hello\nthis is not a VCF\n")
    with pytest.raises(
        InputError, match=r"notes\.vcf: not a VCF/BCF file \(htslib finds no ##fileformat=VCF header"
    ):
        read_vcf(path)


def test_header_errors_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        _HEADER + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tP\tP\n" + _RECORD + "\t0/1\t0/1\n"
    )
    path = _write(tmp_path / "dup.vcf", text)
    code, _, err = run_cli(capsys, "rank", "--hpo", "HP:0011002", "--vcf", str(path))
    assert code != 0
    assert "'P'" in _one_line_error(err)
    gz = tmp_path / "gz.vcf.gz"
    with gzip.open(gz, "wb") as handle:  # plain gzip keeps its own message
        handle.write(text.encode("utf-8"))
    code, _, err = run_cli(capsys, "rank", "--hpo", "HP:0011002", "--vcf", str(gz))
    assert "bgzip" in _one_line_error(err)
