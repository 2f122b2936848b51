"""read_vcf's bulk screen (genotype/_screen.py): whole lines of common, unclassified alleles found with arrays.

Every test compares the screened read with the per-record read of the same file (the screen switched off) and
with the full read (nothing set aside): calls, counts, warnings, skipped lines and errors must be the same. The
files mix lines the screen must take with lines it must leave alone, among them lines htslib refuses.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pysam
import pytest

from marbledx.errors import InputError
from marbledx.genotype import ClinvarSignificance, GenomeBuild, VcfReadResult, read_vcf
from marbledx.genotype import _vcf as vcf_module
from marbledx.genotype._screen import ScreenLayout, screen_chunk
from marbledx.genotype.synthetic import CONTIG_LENGTHS, VEP_FIELDS
from tests.unit.genotype.text_files import write_text

COLUMN = {name: i for i, name in enumerate(VEP_FIELDS)}
HEADER = [
    "##fileformat=VCFv4.2",
    "##reference=GRCh38",
    *(f"##contig=<ID={c},length={n}>" for c, n in CONTIG_LENGTHS["GRCh38"].items()),
    '##FILTER=<ID=PASS,Description="All filters passed">',
    '##FILTER=<ID=LowQual,Description="Low quality">',
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">',
    '##INFO=<ID=XCSQ,Number=1,Type=String,Description="Not the annotation">',
    f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: {"|".join(VEP_FIELDS)}">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
    '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">',
    '##FORMAT=<ID=VAF,Number=A,Type=Float,Description="Allele fraction">',
    '##FORMAT=<ID=PL,Number=G,Type=Integer,Description="Likelihoods">',
    '##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">',
    '##FORMAT=<ID=FT,Number=1,Type=String,Description="Sample filter">',
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tPROBAND",
]


def entry(gene: str = "TCIRG1", af: str = "0.3", **columns: str) -> str:
    """One CSQ entry; ``columns`` override any column by name."""
    values = dict.fromkeys(VEP_FIELDS, "")
    values |= {"Allele": "T", "Consequence": "missense_variant", "IMPACT": "MODERATE", "SYMBOL": gene}
    values |= {"Feature": f"ENST{abs(hash(gene)) % 10**8:08d}", "CANONICAL": "YES", "gnomADe_AF": af}
    values |= {"REVEL": "0.25"}
    values |= columns
    return "|".join(values[name] for name in VEP_FIELDS)


def line(
    pos: int,
    *entries: str,
    chrom: str = "1",
    ref: str = "C",
    alt: str = "T",
    filt: str = "PASS",
    info: str | None = None,
    fmt: str = "GT",
    sample: str = "0/1",
    qual: str = "50",
) -> str:
    csq = ",".join(entries or (entry(),))
    return "\t".join([chrom, str(pos), ".", ref, alt, qual, filt, info or f"DP=30;CSQ={csq}", fmt, sample])


def mixed_lines() -> tuple[list[str], int]:
    """Record lines of every kind, and how many of them the screen should take."""
    screened = [
        line(100),
        line(200, sample="1/1"),
        line(300, sample="0|1", fmt="GT:PS"),  # phase set read when the call is built
        line(400, entry(af="0.006"), entry("OTHER", af="0.7", CANONICAL="")),  # two genes, both common
        line(500, fmt="GT:AD:DP:GQ:PL", sample="0/1:12,15:27:99:300,0,400"),
        line(600, fmt="GT:AD:DP:GQ:VAF:FT", sample="1/0:3,4:7:20:0.57:PASS"),
        line(700, fmt="GT:AD:DP", sample="0/1:5,6"),  # a trailing subfield left out
        line(800, ref="CAG", alt="C", info="XCSQ=CSQ=x;CSQ=" + entry(Allele="-")),
        line(900, chrom="X", sample="1/1"),  # hemizygous in a male, outside the PAR
        line(1000, chrom="X", sample="1/1"),
        line(1100, entry(af="1e-01", REVEL="", CADD_PHRED="23.5")),
        line(1300, qual="."),
        line(1400, filt="."),
        line(1500),
        line(1600, entry("TCIRG1", af="0.3"), entry("TCIRG1", af="0.2", Feature="ENST9")),
    ]
    left = [
        line(2000, entry(af="0.001")),  # rare
        line(2100, entry(af="0.005")),  # at the limit: not above it
        line(2200, entry(af="0.3", CLIN_SIG="benign")),  # classified
        line(2300, entry(af="0.3"), entry("OTHER", af="0.0001")),  # one entry rare
        line(2400, entry(af="")),  # no frequency
        line(2500, entry(af="0.3&0.2")),  # not a number
        line(2600, entry(af="nan")),
        # float() reads these, so the per-record path sets them aside; the screen reads only decimals and takes
        # a frequency only where its value is exactly float()'s.
        line(1200, entry(af="inf")),
        line(1210, entry(af=" 0.3")),
        line(1220, entry(af="0.3_0")),
        line(1230, entry(af="0.50000000000000000001")),
        line(1240, entry(af="3e-400")),
        line(2700, entry(REVEL="high")),  # a score that is not a number: counted in a warning
        line(2800, entry(af="0.3", CLIN_SIG="")[:-5]),  # an entry short of columns
        line(2900, alt="T,G", sample="1/2"),  # multi-allelic
        line(3000, alt="<DEL>"),
        line(3100, filt="LowQual"),
        line(3200, sample="0/0"),
        line(3300, sample="./."),
        line(3400, sample="1"),  # haploid on an autosome
        line(3500, fmt="DP:GT", sample="9:0/1"),  # GT not first
        line(3600, fmt="GT:ZZ", sample="0/1:1"),  # an undeclared FORMAT key
        line(3700, info="DP=30"),  # no annotation
        line(3800, info=f"CSQ={entry()};CSQ={entry()}"),  # the key twice
        line(3900, chrom="1", ref="N" * 20, alt="C"),  # longer than the screen's arrays
        line(4000, entry(gene="GÈNE")),  # not ASCII
        line(2000, entry(gene="GÈNE", af="0.001")),  # the rare allele again (a repeat), left to htslib
        line(4200, chrom="3"),  # common, but classified by the ClinVar table
    ]
    refused = [
        line(5000, fmt="GT:DP", sample="0/1:5.5"),  # htslib: Integer with a point
        line(5100, fmt="GT:GQ", sample="0/1:x"),
        line(5200, fmt="GT:DP:GQ:VAF", sample="0/1:5:6:x"),  # a Float that is not a number
        line(5300, sample="0/1:5"),  # more subfields than FORMAT keys
        "1\tabc\t.\tC\tT\t50\tPASS\tCSQ=" + entry() + "\tGT\t0/1",  # POS not a number
        "1 700 . C T 50 PASS DP=1 GT 0/1",  # spaces
        "",  # blank: ignored, not reported
        "1\t6000\t.\tC\tT\t50\tPASS\tCSQ=" + entry() + "\tGT",  # no sample column
    ]
    return screened + left + refused, len(screened)


def write(path: Path, lines: list[str], *, end: str = "\n") -> Path:
    return write_text(path, "\n".join(HEADER + lines) + end, compress=path.suffix == ".gz")


class Clinvar:
    """A ClinVar table that classifies the common allele at chr3:4200."""

    build: GenomeBuild = "GRCh38"

    def significance(self, chrom: str, pos: int, ref: str, alt: str) -> ClinvarSignificance | None:
        return "likely_pathogenic" if (chrom, pos, ref, alt) == ("3", 4200, "C", "T") else None


def per_record(monkeypatch: pytest.MonkeyPatch, path: Path, **kwargs: object) -> VcfReadResult:
    with monkeypatch.context() as patch:
        patch.setattr(vcf_module, "_SCREEN", False)
        return read_vcf(path, **kwargs)  # type: ignore[arg-type]


def full(monkeypatch: pytest.MonkeyPatch, path: Path, **kwargs: object) -> VcfReadResult:
    with monkeypatch.context() as patch:
        patch.setattr(vcf_module, "_COMMON_AF", math.inf)
        return read_vcf(path, **kwargs)  # type: ignore[arg-type]


def n_screened(result: VcfReadResult) -> int:
    return sum(type(item) is int for item in result.calls._items)  # type: ignore[attr-defined]


def same(screened: VcfReadResult, other: VcfReadResult, *, set_aside_alike: bool = True) -> None:
    """The same read; ``set_aside_alike``: the same alleles were set aside (not so against the full read)."""
    for field in (
        "n_records",
        "covered_genes",
        "genome_wide",
        "skipped_lines",
        "warnings",
        "mode",
        "filtered_calls",
        "frequency_annotated",
    ):
        assert getattr(screened, field) == getattr(other, field), field
    if set_aside_alike:
        assert tuple(screened.calls_to_interpret) == tuple(other.calls_to_interpret)
    assert list(screened.calls) == list(other.calls)
    assert screened == other


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("chunk_bytes", [4 << 20, 700])
def test_screened_read_equals_the_per_record_and_full_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compress: bool, chunk_bytes: int
) -> None:
    monkeypatch.setattr(vcf_module, "_CHUNK_BYTES", chunk_bytes)  # 700 bytes: a few lines per block
    lines, expected = mixed_lines()
    path = write(tmp_path / ("m.vcf.gz" if compress else "m.vcf"), lines)
    kwargs: dict[str, object] = {"sex": "male", "clinvar": Clinvar()}
    screened = read_vcf(path, **kwargs)  # type: ignore[arg-type]
    assert n_screened(screened) == expected
    same(screened, per_record(monkeypatch, path, **kwargs))
    same(screened, full(monkeypatch, path, **kwargs), set_aside_alike=False)
    # What the comparison relies on: the odd lines really were odd to the reader (the blank line is ignored).
    first = len(HEADER) + 1
    refused = range(len(lines) - 8, len(lines))
    assert screened.skipped_lines == tuple(first + i for i in refused if lines[i])
    assert any("non-numeric REVEL" in w for w in screened.warnings)
    assert any("repeat an allele" in w for w in screened.warnings)
    assert any("haploid GT" in w for w in screened.warnings)
    at = {(c.chrom, c.pos): c for c in screened.calls}
    assert at["X", 900].zygosity == "hemizygous"
    assert (at["1", 300].haplotype, at["1", 300].phase_set) == (1, 0)
    assert at["3", 4200].clinvar == "likely_pathogenic"
    assert at["1", 400].other_genes  # the allele is in OTHER too
    assert at["1", 800].ref == "CAG"


def test_lines_htslib_refuses_are_never_screened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines, _ = mixed_lines()
    refused = lines[-8:]
    path = write(tmp_path / "r.vcf", [line(100), *refused])
    result = read_vcf(path)
    first = len(HEADER) + 2
    blank = first + 6
    assert result.skipped_lines == tuple(n for n in range(first, first + 8) if n != blank)
    assert n_screened(result) == 1
    same(result, per_record(monkeypatch, path))
    with pytest.raises(InputError, match=f"line {first}: malformed VCF record"):
        read_vcf(path, strict=True)


def test_a_cut_off_last_line_is_left_to_htslib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "c.vcf", [line(100), line(200)[:30]], end="")
    result = read_vcf(path)
    same(result, per_record(monkeypatch, path))
    assert result.skipped_lines == (len(HEADER) + 2,)
    assert any("no line end" in w for w in result.warnings)
    path = write(tmp_path / "d.vcf", [line(100), line(200)], end="")  # whole, only the line end missing
    same(read_vcf(path), per_record(monkeypatch, path))


def test_crlf_lines_are_left_to_htslib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "w.vcf"
    path.write_bytes(("\r\n".join([*HEADER, line(100), line(200)]) + "\r\n").encode())
    result = read_vcf(path)
    assert n_screened(result) == 0
    assert result.n_records == 2
    same(result, per_record(monkeypatch, path))


def test_a_damaged_block_names_the_line_where_reading_stops(tmp_path: Path) -> None:
    lines = [line(1000 + i, entry(f"G{i // 50}")) for i in range(6000)]
    path = write(tmp_path / "big.vcf.gz", lines)
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 200):
        data[i] ^= 0x55
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"damaged at or after line (\d+) ") as caught:
        read_vcf(path)
    reached = int(caught.value.args[0].split("after line ")[1].split()[0])
    # The damage is in the middle of the compressed file, so reading stops near the middle of the lines.
    assert len(HEADER) + len(lines) // 4 < reached < len(HEADER) + 3 * len(lines) // 4


def test_genome_wide_file_screens_most_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    lines = []
    common = 0
    for i in range(3000):
        chrom = str(1 + i % 22)
        af = "0.25" if rng.random() < 0.85 else "0.0001"
        common += af == "0.25"
        lines.append(
            line(10_000 + i, entry(f"G{i % 1500}", af=af), chrom=chrom, sample=rng.choice(["0/1", "1/1"]))
        )
    lines.sort(key=lambda text: (int(text.split("\t")[0]), int(text.split("\t")[1])))
    path = write(tmp_path / "g.vcf.gz", lines)
    result = read_vcf(path)
    assert result.genome_wide
    assert n_screened(result) == common
    same(result, per_record(monkeypatch, path))


# -- the screen on its own ----------------------------------------------------------------------------------------


def layout() -> ScreenLayout:
    header = pysam.VariantHeader()
    for text in HEADER[1:-1]:
        header.add_line(text)
    formats = {name: (str(meta.type), str(meta.number)) for name, meta in header.formats.items()}
    return ScreenLayout(
        key=b"CSQ",
        n_columns=len(VEP_FIELDS),
        gene=COLUMN["SYMBOL"],
        frequency=(COLUMN["gnomADe_AF"],),
        clinvar=(COLUMN["CLIN_SIG"],),
        scores=(COLUMN["REVEL"], COLUMN["CADD_PHRED"]),
        common_af=0.005,
        formats=formats,
    )


def test_sample_columns_follow_the_header_types() -> None:
    screen = layout()

    def taken(sample: str) -> bool:
        data = (line(100, fmt="GT:AD:DP:VAF:FT", sample=sample) + "\n").encode()
        chunk = screen_chunk(data, screen)
        return len(chunk.screened) + len(chunk.plain) == 1

    for good in (
        "0/1",
        "1|0:3,4",
        "1/1:.,4:7:0.5:PASS",
        "0/1:3,4:-1:1e-3:x,y",
        "0/1:3:4:.5e+2:",
        "1|1:.:.:-.5",
    ):
        assert taken(good), good
    for bad in (
        "0/0",
        "./.",
        "1",
        "0/2",
        "0/1:3.5",
        "0/1:3,4:7:abc",
        "0/1:1:2:0.5:F:extra",
        "0/1:3,,4",
        "0/1:3:1234567890",
        "0/1:3:4:1e123",
        "0/1:3:4:.e1",
        "0/1:",
    ):
        assert not taken(bad), bad
    assert screen.sample_program(b"DP:GT") is None
    assert screen.sample_program(b"GT:ZZ") is None
    assert screen.sample_program(b"GT:DP:DP") is None


def test_screen_chunk_sorts_every_line_once() -> None:
    lines, expected = mixed_lines()
    data = ("\n".join(lines) + "\n").encode()
    chunk = screen_chunk(data, layout())
    everything = np.sort(np.concatenate([chunk.screened, chunk.plain, chunk.slow]))
    assert everything.tolist() == list(range(len(lines)))
    # Without the ClinVar table chr3:4200 is screened too.
    assert len(chunk.screened) == expected + 1
    assert {b"TCIRG1", b"OTHER"} <= chunk.genes
    assert chunk.chroms == {"1", "X", "3"}
    classified = screen_chunk(data, layout(), lambda chrom, pos, ref, alt: pos == 4200)
    assert len(classified.screened) == expected


@pytest.mark.parametrize("kind", ["Integer", "Float", "Flag"])
def test_an_annotation_field_declared_as_numbers_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    # htslib turns such a field's values into "." and every allele would lose its gene, screened or not.
    number = "0" if kind == "Flag" else "."
    header = [
        text.replace(
            'Number=.,Type=String,Description="Consequence',
            f'Number={number},Type={kind},Description="Consequence',
        )
        for text in HEADER
    ]
    path = tmp_path / "t.vcf"
    path.write_text("\n".join([*header, line(100)]) + "\n", encoding="utf-8")
    for read in (read_vcf, lambda p: per_record(monkeypatch, p)):
        with pytest.raises(InputError, match=f"declares Type={kind}; its entries are text"):
            read(path)


# -- a damaged block ---------------------------------------------------------------------------------------------


def test_a_damaged_block_stops_a_screened_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines, _ = mixed_lines()
    # Many blocks of the reader (made small), so that the damage is met after some were screened.
    monkeypatch.setattr(vcf_module, "_CHUNK_BYTES", 1 << 12)
    packed = write_text(tmp_path / "a.vcf.gz", "\n".join(HEADER + lines * 400) + "\n", compress=True)
    data = bytearray(packed.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)  # zeros inside a deflate stream
    packed.write_bytes(bytes(data))
    with pytest.raises(InputError, match="damaged at or after line"):
        read_vcf(packed)
