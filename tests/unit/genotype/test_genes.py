"""GeneRegions: BED reading, overlap queries (nested and overlapping genes), builds and line-numbered errors."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pysam
import pytest

from marbledx.errors import InputError
from marbledx.genotype import GeneLocator
from marbledx.genotype._genes import GeneRegions

BED = """\
track name=genes description="test genes"
browser position chr11:68000000-68100000
#build=GRCh38
# chrom start end name (extra columns follow)
chr11\t68039000\t68050866\tTCIRG1\t0\t+\tprotein_coding
chr11\t68045000\t68046000\tTCIRG1-AS1\t0\t-\tlncRNA
chr11\t68049000\t68060000\tGENEB\t0\t+\tprotein_coding
chr16\t1444000\t1475084\tCLCN7
chr1\t100\t200\tGENEA
chrX\t49922000\t50099235\tCLCN5
chrM\t8526\t9207\tMT-ATP6
"""


def _write(tmp_path: Path, text: str = BED, name: str = "genes.bed") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def regions(tmp_path: Path) -> GeneRegions:
    return GeneRegions.read_bed(_write(tmp_path), build="GRCh38")


def test_protocol_and_properties(regions: GeneRegions) -> None:
    locator: GeneLocator = regions
    assert locator.build == "GRCh38"
    assert regions.genes == {"TCIRG1", "TCIRG1-AS1", "GENEB", "CLCN7", "GENEA", "CLCN5", "MT-ATP6"}
    assert len(regions) == 7
    assert "7 regions" in repr(regions)


def test_bed_start_is_zero_based_and_query_one_based_inclusive(regions: GeneRegions) -> None:
    # BED 100..200 covers 1-based positions 101..200.
    assert regions.genes_at("1", 100, 100) == ()
    assert regions.genes_at("1", 101, 101) == ("GENEA",)
    assert regions.genes_at("1", 200, 200) == ("GENEA",)
    assert regions.genes_at("1", 201, 201) == ()
    assert regions.genes_at("1", 90, 101) == ("GENEA",)  # a deletion reaching into the gene
    assert regions.genes_at("1", 1, 10_000) == ("GENEA",)


def test_nested_and_overlapping_genes(regions: GeneRegions) -> None:
    assert regions.genes_at("11", 68040000, 68040000) == ("TCIRG1",)
    assert regions.genes_at("11", 68045500, 68045500) == ("TCIRG1", "TCIRG1-AS1")  # nested antisense gene
    assert regions.genes_at("11", 68050000, 68050000) == ("TCIRG1", "GENEB")  # overlapping ends
    assert regions.genes_at("11", 68055000, 68055000) == ("GENEB",)  # past TCIRG1, still in GENEB
    assert regions.genes_at("11", 68045500, 68055000) == ("TCIRG1", "TCIRG1-AS1", "GENEB")
    assert regions.genes_at("11", 68070000, 68080000) == ()


def test_chromosome_naming_does_not_matter(regions: GeneRegions) -> None:
    assert regions.genes_at("chr16", 1450000, 1450000) == ("CLCN7",)
    assert regions.genes_at("16", 1450000, 1450000) == ("CLCN7",)
    assert regions.genes_at("X", 50000000, 50000000) == ("CLCN5",)
    assert regions.genes_at("MT", 9000, 9000) == ("MT-ATP6",)
    assert regions.genes_at("chr22", 1, 100) == ()


def test_long_gene_found_behind_many_short_ones(tmp_path: Path) -> None:
    lines = ["1\t0\t1000000\tBIG"] + [f"1\t{i * 1000}\t{i * 1000 + 10}\tS{i}" for i in range(1, 900)]
    regions = GeneRegions.read_bed(_write(tmp_path, "\n".join(lines) + "\n"), build="GRCh37")
    assert regions.genes_at("1", 950_000, 950_000) == ("BIG",)
    assert regions.genes_at("1", 5001, 5001) == ("BIG", "S5")


def test_matches_brute_force_on_random_intervals() -> None:
    rng = random.Random(20240603)
    intervals = []
    for i in range(400):
        start = rng.randrange(0, 100_000)
        intervals.append(("1", start, start + rng.choice([1, 50, 500, 5000, 40_000]), f"G{i}"))
    regions = GeneRegions(intervals, build="GRCh38")
    for _ in range(500):
        start = rng.randrange(1, 150_000)
        end = start + rng.choice([0, 0, 10, 1000])
        expected = {name for _, s, e, name in intervals if s < end and e >= start}
        assert set(regions.genes_at("chr1", start, end)) == expected


def test_duplicate_symbols_reported_once(tmp_path: Path) -> None:
    text = "chrX\t100\t200\tPARGENE\nchrX\t150\t300\tPARGENE\nchrY\t100\t200\tPARGENE\n"
    regions = GeneRegions.read_bed(_write(tmp_path, text), build="GRCh38")
    assert regions.genes_at("X", 160, 170) == ("PARGENE",)
    assert regions.genes == {"PARGENE"}


def test_space_separated_and_crlf_lines(tmp_path: Path) -> None:
    regions = GeneRegions.read_bed(
        _write(tmp_path, "1 100 200 GENEA\r\n1 150 250 GENEC extra\r\n"), build="GRCh37"
    )
    assert regions.genes_at("1", 160, 160) == ("GENEA", "GENEC")


def test_gzip_and_bgzip(tmp_path: Path) -> None:
    gz = tmp_path / "genes.bed.gz"
    gz.write_bytes(gzip.compress(BED.encode()))
    assert GeneRegions.read_bed(gz, build="GRCh38").genes_at("16", 1450000, 1450000) == ("CLCN7",)
    plain = _write(tmp_path)
    bgz = tmp_path / "genes.bgz.bed.gz"
    pysam.tabix_compress(str(plain), str(bgz), force=True)
    assert GeneRegions.read_bed(bgz, build="GRCh38").genes_at("16", 1450000, 1450000) == ("CLCN7",)


def test_build_header_must_match(tmp_path: Path) -> None:
    path = _write(tmp_path)
    with pytest.raises(
        InputError, match=r"genes.bed line 3: gene table is for GRCh38, but the analysis uses GRCh37"
    ):
        GeneRegions.read_bed(path, build="GRCh37")
    without_header = _write(tmp_path, BED.replace("#build=GRCh38\n", ""), "other.bed")
    assert GeneRegions.read_bed(without_header, build="GRCh37").build == "GRCh37"
    with pytest.raises(InputError, match=r"unknown genome build 'hg19'"):
        GeneRegions.read_bed(without_header, build="hg19")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad_line", "line_number"),
    [
        ("chr1\t100\t200", 6),  # too few columns
        ("chr1\tabc\t200\tGENE", 6),  # non-integer start
        ("chr1\t100\t2e5\tGENE", 6),  # non-integer end
        ("chr1\t300\t200\tGENE", 6),  # end before start
        ("chr1\t-5\t200\tGENE", 6),  # negative start
        ("chr1\t100\t200\t", 6),  # empty symbol
    ],
)
def test_bad_lines_named_with_line_number(tmp_path: Path, bad_line: str, line_number: int) -> None:
    lines = BED.splitlines()
    lines.insert(line_number - 1, bad_line)
    path = _write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(InputError) as caught:
        GeneRegions.read_bed(path, build="GRCh38")
    assert str(caught.value) == f"{path} line {line_number}: expected chrom, 0-based start, end, gene symbol"


def test_empty_missing_and_corrupt_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no gene regions"):
        GeneRegions.read_bed(_write(tmp_path, "#build=GRCh38\ntrack name=x\n"), build="GRCh38")
    with pytest.raises(InputError, match=r"absent.bed: no such file"):
        GeneRegions.read_bed(tmp_path / "absent.bed", build="GRCh38")
    truncated = tmp_path / "cut.bed.gz"
    truncated.write_bytes(gzip.compress(BED.encode() * 50)[:200])
    with pytest.raises(InputError, match=r"cut.bed.gz: unreadable or truncated"):
        GeneRegions.read_bed(truncated, build="GRCh38")


def test_query_range_must_be_ordered(regions: GeneRegions) -> None:
    with pytest.raises(ValueError, match=r"end 5 is before start 10"):
        regions.genes_at("1", 10, 5)


def test_constructor_rejects_bad_intervals() -> None:
    with pytest.raises(InputError, match=r"gene region 1:10-5 X"):
        GeneRegions([("1", 10, 5, "X")], build="GRCh38")
