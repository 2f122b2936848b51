"""The bulk screen (genotype/_screen.py) against adversarial VCF lines.

The screen's claim: a line htslib would refuse is never screened or read as plain, and a screened or plain line
reads exactly as the per-record path (htslib's text of it) reads it. Each test writes odd but plausible lines,
asks htslib (pysam) for its own verdict on each, and compares the screened read with the per-record read.
"""

from __future__ import annotations

import random
from pathlib import Path

import pysam
import pytest

from marbledx.genotype import _vcf as vcf_module
from marbledx.genotype import read_vcf
from marbledx.genotype._screen import ScreenLayout, screen_chunk
from marbledx.genotype._vcf import _quiet_htslib
from tests.unit.genotype.test_vcf_screen import (
    COLUMN,
    HEADER,
    Clinvar,
    entry,
    line,
    n_screened,
    per_record,
    same,
    write,
)
from tests.unit.genotype.text_files import write_text

RARE = entry(af="0.0001")


def htslib_texts(path: Path) -> list[str | None]:
    """htslib's verdict on each record line of ``path``: its text of the record, or None if it refuses it."""
    texts: list[str | None] = []
    with _quiet_htslib():
        vcf = pysam.VariantFile(str(path))
        try:
            while True:
                try:
                    texts.append(str(next(vcf)).rstrip("\n"))
                except StopIteration:
                    break
                except (OSError, ValueError):
                    texts.append(None)
        finally:
            vcf.close()
    return texts


def layout_for(header: list[str]) -> ScreenLayout:
    """The layout read_vcf builds for ``header`` (one of this file's VEP headers)."""
    parsed = pysam.VariantHeader()
    for text in header[1:-1]:
        parsed.add_line(text)
    return ScreenLayout(
        key=b"CSQ",
        n_columns=len(COLUMN),
        gene=COLUMN["SYMBOL"],
        frequency=(COLUMN["gnomADe_AF"],),
        clinvar=(COLUMN["CLIN_SIG"],),
        scores=(COLUMN["REVEL"], COLUMN["CADD_PHRED"]),
        common_af=vcf_module._COMMON_AF,
        formats={name: (str(meta.type), str(meta.number)) for name, meta in parsed.formats.items()},
    )


def taken(lines: list[str], header: list[str] = HEADER) -> tuple[set[int], set[int]]:
    """The indices of the lines the screen screens, and of those it reads as plain (no ClinVar table)."""
    chunk = screen_chunk(("\n".join(lines) + "\n").encode(), layout_for(header))
    return set(chunk.screened.tolist()), set(chunk.plain.tolist())


def _read_fields(text: str) -> tuple[object, ...]:
    """The parts of a record's text the per-record code reads: CHROM, POS, REF, ALT, FILTER, the CSQ value,
    FORMAT, GT and PS."""
    columns = text.split("\t")
    info = columns[7]
    csq = vcf_module._info_value(info, "CSQ")
    return (*(columns[i] for i in (0, 1, 3, 4, 6, 8)), csq, columns[9].split(":")[0],
            vcf_module._phase_set(columns[8], columns[9]))  # fmt: skip


def check_claim(lines: list[str], path: Path, header: list[str] = HEADER) -> tuple[set[int], set[int]]:
    """htslib parses every line the screen takes, and gives a plain line's read fields as written."""
    verdicts = htslib_texts(path)
    assert len(verdicts) == len(lines)
    screened, plain = taken(lines, header)
    for i in sorted(screened | plain):
        assert verdicts[i] is not None, f"htslib refuses a line the screen takes: {lines[i]!r}"
        assert _read_fields(verdicts[i]) == _read_fields(lines[i]), lines[i]
    return screened, plain


def compare(monkeypatch: pytest.MonkeyPatch, path: Path, **kwargs: object) -> None:
    same(read_vcf(path, **kwargs), per_record(monkeypatch, path, **kwargs))  # type: ignore[arg-type]


# -- htslib refuses records with an undeclared INFO key or contig it cannot turn into a header line -----------

# htslib adds an undeclared key or contig to the header as "##INFO=<ID=…>" / "##contig=<ID=…>", and refuses the
# record when that line does not parse back to the same name (found by experiment, htslib 1.24).
REFUSED_NAMES = ["A,B", "A<B", "A>B", '"A', "[A", " A", "A "]


@pytest.mark.parametrize("name", REFUSED_NAMES)
def test_a_record_with_an_info_key_htslib_refuses_is_left_to_htslib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    lines = [
        line(100, info=f"{name}=1;CSQ={entry()}"),  # common: would be screened
        line(200, RARE, info=f"DP=3;{name};CSQ={RARE}"),  # rare, a flag: would be read as plain
        line(300),
    ]
    path = write(tmp_path / "k.vcf", lines)
    assert htslib_texts(path)[:2] == [None, None]
    screened, plain = check_claim(lines, path)
    assert (screened, plain) == ({2}, set())
    result = read_vcf(path)
    assert result.skipped_lines == (len(HEADER) + 1, len(HEADER) + 2)
    compare(monkeypatch, path)


@pytest.mark.parametrize("name", REFUSED_NAMES)
def test_a_record_on_a_contig_name_htslib_refuses_is_left_to_htslib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    lines = [line(100, chrom=name), line(200, RARE, chrom=name), line(300)]
    path = write(tmp_path / "c.vcf", lines)
    check_claim(lines, path)
    assert taken(lines) == ({2}, set())
    compare(monkeypatch, path)


def test_every_single_odd_character_in_keys_and_contigs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every printable character, alone and at the start, middle and end of an undeclared INFO key (with a value
    and as a flag) and of an undeclared contig: whatever htslib refuses, the screen leaves alone."""
    characters = [chr(c) for c in range(32, 127) if chr(c) not in ";=#"]
    names = [form.format(c) for c in characters for form in ("{}", "{}A", "A{}A", "A{}")]
    lines = []
    for i, name in enumerate(names):
        lines.append(line(1000 + i, info=f"{name}=1;CSQ={entry()}"))
        lines.append(line(1000 + i, RARE, info=f"{name};CSQ={RARE}"))
        lines.append(line(1000 + i, chrom=name))
    path = write(tmp_path / "all.vcf", lines)
    refused = {i for i, text in enumerate(htslib_texts(path)) if text is None}
    screened, plain = check_claim(lines, path)
    assert refused  # htslib does refuse some of them
    assert len(screened) > len(lines) // 3  # and the screen takes most of the others
    assert len(plain) > len(lines) // 6
    compare(monkeypatch, path)


# -- the header's types for GT and PS --------------------------------------------------------------------------


def _header_with(old: str, new: str) -> list[str]:
    header = [text.replace(old, new) for text in HEADER]
    assert header != HEADER
    return header


@pytest.mark.parametrize("kind", ["Float", "Character"])
def test_ps_declared_other_than_integer_is_read_as_htslib_writes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    # htslib writes a Float PS "5.0" as "5" and "1e3" as "1000", and the reader takes PS from the text.
    header = _header_with("ID=PS,Number=1,Type=Integer", f"ID=PS,Number=1,Type={kind}")
    lines = [
        line(100, RARE, fmt="GT:PS", sample="0|1:5.0"),
        line(200, RARE, fmt="GT:PS", sample="1|0:1e3"),
        line(300, fmt="GT:PS", sample="0|1:7.0"),
        line(400, RARE, fmt="GT:PS", sample="1|0:8"),
        line(500, fmt="GT:PS", sample="1|0:8"),
    ]
    path = write_text(tmp_path / "ps.vcf", "\n".join(header + lines) + "\n")
    check_claim(lines, path, header)
    result = read_vcf(path)
    compare(monkeypatch, path)
    phase_sets = [call.phase_set for call in result.calls]
    assert phase_sets == ([5, 1000, 7, 8, 8] if kind == "Float" else [0, 0, 0, 8, 8])


@pytest.mark.parametrize("kind", ["Number=1,Type=Integer", "Number=1,Type=Float", "Number=0,Type=Flag"])
def test_gt_declared_other_than_string_is_left_to_htslib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    header = _header_with("ID=GT,Number=1,Type=String", f"ID=GT,{kind}")
    lines = [line(100), line(200, RARE), line(300, fmt="GT:DP", sample="1|0:5")]
    path = write_text(tmp_path / "gt.vcf", "\n".join(header + lines) + "\n")
    assert htslib_texts(path) == [None, None, None]
    assert taken(lines, header) == (set(), set())
    assert len(read_vcf(path).skipped_lines) == 3
    compare(monkeypatch, path)


# -- odd but accepted content: the same read -------------------------------------------------------------------

H2 = [
    *HEADER[:-1],
    '##INFO=<ID=FL,Number=0,Type=Flag,Description="A flag">',
    '##INFO=<ID=XF,Number=1,Type=Float,Description="A float">',
    '##FORMAT=<ID=FF,Number=1,Type=Float,Description="A float">',
    '##FORMAT=<ID=CH,Number=1,Type=Character,Description="A character">',
    '##FORMAT=<ID=SS,Number=.,Type=String,Description="Strings">',
    HEADER[-1],
]


def odd_lines() -> list[str]:
    """Lines of odd but valid-looking content, common and rare alike."""
    e = entry()
    lines: list[str] = []
    for frequency in ("1e-2", ".5", "5.", "+0.1", "0x1", "1_0", " 0.3", "0.3 ", "Infinity", "-inf", "1e400",
                      "0.0050000000000000001", "5e-3", "0.3&0.2", "%2E3", "", ".", "-", "NaN", "0.3.", "0,3"):  # fmt: skip
        lines.append(line(100 + len(lines), entry(af=frequency)))
        lines.append(line(100 + len(lines), entry(REVEL=frequency)))
        lines.append(line(100 + len(lines), entry(CADD_PHRED=frequency, af="0.0001")))
    for columns in (
        {"CLIN_SIG": " "},
        {"CLIN_SIG": "-"},
        {"CLIN_SIG": "."},
        {"SYMBOL": ""},
        {"SYMBOL": "-"},
        {"SYMBOL": "A%3BB"},
        {"SYMBOL": "TCIRG1&CLCN7"},
        {"Consequence": "missense_variant&splice_region_variant"},
        {"HGVSc": "ENST1.1:c.1A>G", "HGVSp": "ENSP1.1:p.Met1%3D"},
        {"Allele": "-"},
    ):
        lines.append(line(300 + len(lines), entry(**columns)))
        lines.append(line(300 + len(lines), entry(af="0.0001", **columns)))
    lines += [
        line(500, entry(), entry("CLCN7", af="0.0001")),  # one gene rare
        line(501, entry(), entry("", af="0.0001")),  # an entry without gene
        line(502, entry(), entry()[:-3]),  # an entry short of columns
        line(503, entry() + "|extra"),  # an entry with a column too many
        line(504, info=f"CSQ={e},"),  # an empty entry after a comma
        line(505, info=f"CSQ=,{e}"),
        line(506, info=f"CSQ={e};"),  # a trailing semicolon
        line(507, info=f";CSQ={e}"),
        line(508, info=f"DP=3;;CSQ={e}"),
        line(509, info=f".;CSQ={e}"),
        line(510, info=f"=5;CSQ={e}"),  # an empty key, which htslib drops
        line(511, info=f"=CSQ=x;CSQ={e}"),
        line(512, info=f"FL=1;CSQ={e}"),  # a flag with a value
        line(513, info=f"XF=abc;DP=1.5;CSQ={e}"),  # numbers htslib rewrites as missing
        line(514, info=f"DP=99999999999;CSQ={e}"),
        line(515, info=f"CSQ;CSQ={e}"),  # the key as a flag, then with its value
        line(516, info=f"CSQ={e};CSQ"),
        line(517, info=f"csq=x;CSQ={e}"),
        line(518, info=f"XCSQ=CSQ=x;CSQ={RARE}"),
        line(519, info=f"DP=1;DP=2;CSQ={e}"),  # a key twice
        line(520, info=f"NEW=a b<c>,d;CSQ={e}"),  # an undeclared key, its value odd
        line(521, info=f"A B=1;CSQ={e}"),  # a space inside a key: htslib accepts it, the screen does not
        line(522, info=f"1X=2;CSQ={RARE}"),
        line(523, info=f"CSQ ={e}"),
        line(524, info=f"DP=3;CSQ={e};END=1"),
        line(525, info=f"XCSQ=a,b;CSQ={e}"),
    ]
    for qual in (
        ".",
        "abc",
        "1e999",
        "nan",
        "-5",
        "+0.1",
        "0x1",
        " 5",
        "Infinity",
        "5.",
        ".5",
        "1_0",
        ",",
        "<x>",
    ):
        lines.append(line(600 + len(lines), qual=qual))
    for ident in ("", "rs1;rs1", "rs1,rs2", "a b", "<x>", "rs1;CSQ=x"):
        lines.append(line(700 + len(lines)).replace("\t.\t", f"\t{ident}\t", 1))
    for ref, alt in (("c", "t"), ("C", "t"), ("N", "T"), ("C", "N"), ("C", "C"), ("n", "n"), ("A" * 16, "A"),
                     ("A" * 17, "A"), ("C", "*"), ("C", "."), ("C", "<*>"), ("C", "T,"), ("C", "U")):  # fmt: skip
        lines.append(line(800 + len(lines), ref=ref, alt=alt))
        lines.append(line(800 + len(lines), RARE, ref=ref, alt=alt))
    for pos in ("1", "999999999", "248956423", "1000000000", "00100", "0", "+5", "1e3", " 7", "-1"):
        lines.append(line(1).replace("\t1\t", f"\t{pos}\t", 1))
    for chrom in ("chr1", "MT", "chrM", "M", "Y", "chrUn_KI270302v1", "HLA-A*01:01", "*", "c:1", "chr<1>"):
        lines.append(line(900 + len(lines), chrom=chrom, sample="1/1"))
        lines.append(line(900 + len(lines), RARE, chrom=chrom, sample="1|1"))
    for fmt, sample in (
        ("GT:FF", "0/1:1e-2"),
        ("GT:FF", "0/1:+0.1"),
        ("GT:FF", "0/1:.5"),
        ("GT:FF", "0/1:5."),
        ("GT:FF", "0/1:1e99"),
        ("GT:FF", "0/1:-."),
        ("GT:FF", "0/1:1e"),
        ("GT:FF", "0/1:Infinity"),
        ("GT:FF", "0/1:0x1"),
        ("GT:FF", "0/1:1_0"),
        ("GT:FF", "0/1: 0.3"),
        ("GT:CH", "0/1:abc"),
        ("GT:SS:DP", "0/1::5"),
        ("GT:SS", "0/1:a,,b"),
        ("GT:DP", "0/1:-0"),
        ("GT:DP", "0/1:007"),
        ("GT:DP", "0/1:999999999"),
        ("GT:DP", "0/1:2147483648"),
        ("GT:DP", "0/1:-2147483648"),
        ("GT:DP", "0/1:1,2"),
        ("GT:DP", "0/1:+1"),
        ("GT:AD", "0/1:.,."),
        ("GT:AD", "0/1:1,2,3"),
        ("GT:PS", "0|1:007"),
        ("GT:PS", "1|0:-5"),
        ("GT:PS", "1|0:-0"),
        ("GT:PS", "1|1:99"),
        ("GT:PS", "1|0"),
        ("GT:PS", "1|0:."),
        ("GT:PS", "1|0:1.5"),
        ("GT:PS:DP", "1|0:.:"),
        ("GT:PS", "0/1:5"),
        ("GT", "1|0"),
        ("GT", "0|1|1"),
        ("GT", "1/."),
        ("GT", "./1"),
        ("GT", "1"),
        ("GT", "0/1/1"),
        ("GT", "01/1"),
        ("GT", "0/2"),
        ("GT:GT", "0/1:0/1"),
        ("GT:DP:DP", "0/1:1:2"),
        ("GT:", "0/1:"),
        ("DP:GT", "3:0/1"),
    ):
        lines.append(line(1000 + len(lines), fmt=fmt, sample=sample))
        lines.append(line(1000 + len(lines), RARE, fmt=fmt, sample=sample))
    lines += [
        line(2000),  # an allele twice, common and rare
        line(2000),
        line(2001, RARE),
        line(2001, RARE),
        line(2001, RARE, sample="1/1"),
        line(2001, RARE, info=f"DP=3;A B=1;CSQ={RARE}"),  # the repeat left to htslib
        line(4200, chrom="chr3"),  # common, classified by the ClinVar table
        line(4200, chrom="3", sample="1|0"),
        line(2002, filt="LowQual"),
        line(2003, filt="PASS;LowQual"),
        line(2004, filt="pass"),
    ]
    return lines


@pytest.mark.parametrize(("compress", "chunk_bytes"), [(False, 4 << 20), (False, 333), (True, 1000)])
def test_odd_but_accepted_content_reads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compress: bool, chunk_bytes: int
) -> None:
    monkeypatch.setattr(vcf_module, "_CHUNK_BYTES", chunk_bytes)  # small blocks: lines straddle them
    lines = odd_lines()
    text = "\n".join(H2 + lines) + "\n"
    plain_path = write_text(tmp_path / "odd.vcf", text)
    screened, plain = check_claim(lines, plain_path, H2)
    path = write_text(tmp_path / "odd.vcf.gz", text, compress=True) if compress else plain_path
    kwargs: dict[str, object] = {"clinvar": Clinvar(), "sex": "male"}
    result = read_vcf(path, **kwargs)  # type: ignore[arg-type]
    # The file does exercise the screen (the ClinVar table takes chr3:4200 out of the screened lines).
    assert n_screened(result) == len(screened) - 2 > 90
    assert len(plain) > 50
    assert result.skipped_lines
    same(result, per_record(monkeypatch, path, **kwargs))


def test_windows_line_ends_mixed_in_and_a_blank_body(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = [line(100), line(200, RARE), line(300), line(400, RARE), line(500)]
    text = (
        "\n".join(HEADER)
        + "\n"
        + "\n".join(body[:2])
        + "\n"
        + "\r\n".join(body[2:4])
        + "\r\n"
        + body[4]
        + "\n"
    )
    path = tmp_path / "w.vcf"
    path.write_bytes(text.encode())
    result = read_vcf(path)
    assert result.n_records == 5
    assert n_screened(result) == 2
    compare(monkeypatch, path)
    empty = write(tmp_path / "e.vcf", [])
    assert read_vcf(empty).n_records == 0
    compare(monkeypatch, empty)
    bom = write(tmp_path / "b.vcf", ["\ufeff" + line(100), line(200)])  # a byte-order mark mid-file
    assert n_screened(read_vcf(bom)) == 1
    compare(monkeypatch, bom)


# -- random damage -------------------------------------------------------------------------------------------


def damaged_lines(seed: int, n: int) -> list[str]:
    """``n`` lines, each a good line with one to three random bytes inserted, replaced or deleted (most of them
    near the start, where CHROM, POS, REF, ALT and the first INFO keys are)."""
    rng = random.Random(seed)
    alphabet = [chr(c) for c in range(32, 127)] + list("\t\t\t;;==,,||::/01.")
    good = [
        line(100),
        line(200, RARE),
        line(300, fmt="GT:AD:DP:GQ:PS", sample="0|1:3,4:7:20:55"),
        line(400, entry(), entry("CLCN7", af="0.2")),
        line(500, RARE, info=f"DP=3;AC=1,2;XCSQ=a b;FL;CSQ={RARE}"),
    ]
    lines = []
    for _ in range(n):
        text = list(rng.choice(good))
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(text)) if rng.random() < 0.4 else rng.randrange(70)
            roll = rng.random()
            if roll < 0.4:
                text.insert(at, rng.choice(alphabet))
            elif roll < 0.7:
                text[at] = rng.choice(alphabet)
            else:
                del text[at]
        lines.append("".join(text))
    return lines


@pytest.mark.parametrize("seed", [1, 2])
def test_randomly_damaged_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    lines = damaged_lines(seed, 1500)
    path = write_text(tmp_path / "d.vcf", "\n".join(H2 + lines) + "\n")
    screened, plain = check_claim(lines, path, H2)
    assert len(screened) > 300
    assert len(plain) > 100
    compare(monkeypatch, path)
