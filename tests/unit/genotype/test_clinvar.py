"""ClinvarVcf: allele lookups with and without an index, chromosome naming, genome builds, bad files."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pysam
import pytest

from marbledx.errors import InputError
from marbledx.genotype import ClinvarLookup
from marbledx.genotype._clinvar import ClinvarVcf

from ...conftest import TESTS

FIXTURE = TESTS / "data" / "genotype" / "clinvar-mini.vcf"


def _text(replace: dict[str, str] | None = None, *, chr_prefix: bool = False) -> str:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines(keepends=True)
    out = []
    for line in lines:
        for old, new in (replace or {}).items():
            line = line.replace(old, new)
        if chr_prefix and not line.startswith("#"):
            line = "chr" + line
        out.append(line)
    return "".join(out)


def _plain(folder: Path, text: str | None = None) -> Path:
    path = folder / "clinvar.vcf"
    path.write_text(text if text is not None else _text(), encoding="utf-8")
    return path


def _indexed(folder: Path, text: str | None = None) -> Path:
    plain = _plain(folder, text)
    target = folder / "clinvar.vcf.gz"
    pysam.tabix_compress(str(plain), str(target), force=True)
    pysam.tabix_index(str(target), preset="vcf", force=True)
    plain.unlink()
    return target


@pytest.fixture(params=["plain", "indexed"])
def clinvar(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ClinvarVcf]:
    path = _plain(tmp_path) if request.param == "plain" else _indexed(tmp_path)
    with ClinvarVcf.open(path) as opened:
        yield opened


@pytest.mark.parametrize(
    ("chrom", "pos", "ref", "alt", "expected"),
    [
        ("1", 1000100, "C", "T", "benign"),
        ("11", 68039500, "G", "A", "pathogenic"),
        ("11", 68039500, "G", "C", "uncertain"),
        ("11", 68040500, "CTG", "C", "likely_pathogenic"),
        ("11", 68041200, "A", "G", "conflicting"),
        ("11", 68042000, "T", "C", "likely_pathogenic"),  # Pathogenic/Likely_pathogenic, multi-allelic
        ("11", 68042000, "T", "G", "likely_pathogenic"),
        ("16", 1446000, "G", "A", "likely_benign"),
        ("16", 1447000, "C", "T", "pathogenic"),  # Pathogenic|_risk_factor
        ("16", 1448000, "A", "AT", "other"),  # drug_response
        ("X", 49000000, "C", "T", "likely_benign"),
        ("MT", 8993, "T", "G", "pathogenic"),
    ],
)
def test_significance_of_each_class(clinvar: ClinvarVcf, chrom, pos, ref, alt, expected) -> None:
    assert clinvar.significance(chrom, pos, ref, alt) == expected


def test_unknown_alleles_have_no_significance(clinvar: ClinvarVcf) -> None:
    assert clinvar.significance("11", 68039500, "G", "T") is None  # other allele at a known position
    assert clinvar.significance("11", 68039501, "G", "A") is None  # no record there
    assert clinvar.significance("11", 68040501, "T", "C") is None  # inside the deletion, not its allele
    assert clinvar.significance("22", 100, "A", "G") is None  # chromosome absent from the file
    assert clinvar.significance("11", 0, "A", "G") is None
    assert not clinvar.has_record("11", 68039500, "G", "T")


def test_record_without_clnsig_is_known_but_unclassified(clinvar: ClinvarVcf) -> None:
    assert clinvar.has_record("16", 1449000, "G", "T")
    assert clinvar.significance("16", 1449000, "G", "T") is None


def test_chr_prefix_and_case_do_not_matter(clinvar: ClinvarVcf) -> None:
    assert clinvar.significance("chr11", 68039500, "g", "a") == "pathogenic"
    assert clinvar.significance("chrX", 49000000, "C", "T") == "likely_benign"
    assert clinvar.significance("chrM", 8993, "T", "G") == "pathogenic"
    assert clinvar.significance("M", 8993, "T", "G") == "pathogenic"


@pytest.mark.parametrize("layout", ["plain", "indexed"])
def test_chr_prefixed_clinvar_found_with_bare_names(tmp_path: Path, layout: str) -> None:
    text = _text({"MT\t": "M\t"}, chr_prefix=True)
    path = _plain(tmp_path, text) if layout == "plain" else _indexed(tmp_path, text)
    with ClinvarVcf.open(path) as clinvar:
        assert clinvar.significance("11", 68039500, "G", "A") == "pathogenic"
        assert clinvar.significance("chr16", 1447000, "C", "T") == "pathogenic"
        assert clinvar.significance("MT", 8993, "T", "G") == "pathogenic"


def test_metadata_and_mode(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plain = ClinvarVcf.open(_plain(tmp_path / "a"))
    indexed = ClinvarVcf.open(_indexed(tmp_path / "b"))
    lookup: ClinvarLookup = plain  # the Protocol the VCF reader takes
    assert lookup.build == "GRCh38"
    assert not plain.indexed
    assert indexed.indexed
    for opened in (plain, indexed):
        assert opened.build == "GRCh38"
        assert opened.file_date == "2024-06-03"
        assert "GRCh38" in repr(opened)
    indexed.close()


def test_plain_gzip_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "clinvar.vcf.gz"
    path.write_bytes(gzip.compress(_text().encode()))
    assert "compressed with gzip, not bgzip" in _one_line_error(path)


def test_repeated_indexed_lookups_use_the_cache(tmp_path: Path) -> None:
    clinvar = ClinvarVcf.open(_indexed(tmp_path))
    assert clinvar.significance("11", 68039500, "G", "A") == "pathogenic"
    clinvar.close()
    # The position was cached before closing; a new position needs the file.
    assert clinvar.significance("11", 68039500, "G", "C") == "uncertain"
    with pytest.raises(InputError, match=r"was closed"):
        clinvar.significance("16", 1446000, "G", "A")


def test_build_argument_must_match_the_header(tmp_path: Path) -> None:
    path = _plain(tmp_path)
    assert ClinvarVcf.open(path, build="GRCh38").build == "GRCh38"
    with pytest.raises(
        InputError, match=r"clinvar.vcf: ClinVar file is for GRCh38, but the analysis uses GRCh37"
    ):
        ClinvarVcf.open(path, build="GRCh37")
    with pytest.raises(InputError, match=r"unknown genome build 'hg38'"):
        ClinvarVcf.open(path, build="hg38")  # type: ignore[arg-type]


def test_build_from_argument_when_header_is_silent(tmp_path: Path) -> None:
    path = _plain(tmp_path, _text({"##reference=GRCh38\n": ""}))
    assert ClinvarVcf.open(path, build="GRCh37").build == "GRCh37"
    with pytest.raises(InputError, match=r"does not name the genome build"):
        ClinvarVcf.open(path)


@pytest.mark.parametrize(
    ("header", "build"),
    [
        ("##reference=file:///refs/hg19.fa\n", "GRCh37"),
        ("##reference=GRCh37\n", "GRCh37"),
        ("##assembly=b38\n", "GRCh38"),
        ("##contig=<ID=chr1,length=249250621>\n", "GRCh37"),
        ("##contig=<ID=1,length=248956422>\n", "GRCh38"),
    ],
)
def test_build_read_from_the_header(tmp_path: Path, header: str, build: str) -> None:
    path = _plain(tmp_path, _text({"##reference=GRCh38\n": header}))
    assert ClinvarVcf.open(path).build == build


def _one_line_error(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        ClinvarVcf.open(path)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def test_not_a_vcf(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("this is not a VCF\n")
    assert "not a VCF; expected a ClinVar VCF" in _one_line_error(path)
    html = tmp_path / "clinvar.vcf.gz"
    html.write_text("<html><body>404 Not Found</body></html>")
    assert "not a VCF" in _one_line_error(html)
    empty = tmp_path / "empty.vcf"
    empty.write_text("")
    assert "not a VCF" in _one_line_error(empty)


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in _one_line_error(tmp_path / "absent.vcf.gz")


def test_vcf_without_clnsig(tmp_path: Path) -> None:
    text = _text({"##INFO=<ID=CLNSIG": "##INFO=<ID=OTHER"}).replace("CLNSIG=", "OTHER=")
    message = _one_line_error(_plain(tmp_path, text))
    assert "no INFO CLNSIG field in the header" in message


def test_truncated_bgzip(tmp_path: Path) -> None:
    path = _indexed(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert "truncated or corrupt" in _one_line_error(path)


def test_unreadable_index(tmp_path: Path) -> None:
    path = _indexed(tmp_path)
    Path(f"{path}.tbi").write_text("<html>not an index</html>")
    assert "index clinvar.vcf.gz.tbi cannot be read" in _one_line_error(path)


def test_malformed_record(tmp_path: Path) -> None:
    text = _text() + "16\tnot-a-position\t1\tA\tG\t.\t.\tCLNSIG=Benign\n"
    assert "data record 13 cannot be read" in _one_line_error(_plain(tmp_path, text))


def test_an_xz_compressed_clinvar_file_is_refused_before_htslib(tmp_path: Path) -> None:
    # htslib aborts the whole process on an xz file; the magic bytes are checked first.
    path = tmp_path / "clinvar.vcf.xz"
    path.write_bytes(b"\xfd7zXZ\x00" + bytes(64))
    with pytest.raises(InputError, match=r"clinvar\.vcf\.xz: .*xz"):
        ClinvarVcf.open(path, build="GRCh38")
