"""The compiled parts of the bulk screen (genotype/_screen.py) against their specifications.

The screen reads numbers, sample subfields and gene names in compiled code. Each reader is checked here against
what it stands for: float() for gnomAD frequencies and scores, the patterns of htslib's sample parsing for the
FORMAT subfields, and Python's own set for the distinct gene names. The strings are random but seeded.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import pytest

from marbledx.genotype import _vcf as vcf_module
from marbledx.genotype import read_vcf
from marbledx.genotype._screen import (
    ScreenLayout,
    _decimal,
    _distinct,
    _float_ok,
    _integer_ok,
    screen_chunk,
)
from tests.unit.genotype.test_vcf_screen import entry, layout, line, n_screened, per_record, same, write

# How htslib parses the sample values of an Integer and a Float FORMAT key (vcf_parse_format; found by
# experiment, htslib 1.24): the specification the compiled readers follow.
INTEGER = re.compile(r"\.|-?[0-9]{1,9}")
FLOAT = re.compile(r"\.|[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]{1,2})?")


def as_array(text: str) -> np.ndarray:
    """The text's bytes followed by a line end, as the screen sees a field inside a line."""
    return np.frombuffer(text.encode() + b"\n", dtype=np.uint8)


def random_numbers(rng: random.Random, n: int) -> list[str]:
    """Strings that look like numbers, and strings that almost do."""
    digits = "0123456789"
    texts = []
    for _ in range(n):
        if rng.random() < 0.6:
            text = rng.choice(["", "", "-", "+"])
            text += "".join(rng.choice(digits) for _ in range(rng.randint(0, 18)))
            text += rng.choice(["", ".", "."])
            text += "".join(rng.choice(digits) for _ in range(rng.randint(0, 18)))
            if rng.random() < 0.3:
                text += rng.choice("eE") + rng.choice(["", "-", "+"]) + str(rng.randint(0, 400))
        else:
            text = "".join(rng.choice("0123456789.eE+-_ ni") for _ in range(rng.randint(1, 12)))
        texts.append(text)
    return texts


def float_or_none(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return None if value != value else value  # NaN is not a number to the screen either


def test_decimals_read_as_float_reads_them() -> None:
    rng = random.Random(20261122)
    exact = 0
    for text in [*random_numbers(rng, 40_000), "0.005", "0.0050000000000000001", "5e-3", "0.5e-2", "1e-400"]:
        number, is_exact, value = _decimal(as_array(text), 0, len(text))
        expected = float_or_none(text)
        if number:  # the screen never takes for a number what float() refuses
            assert expected is not None, text
            assert len(text) <= 24, text
            if is_exact:  # and a value it calls exact is float()'s to the last bit
                assert value == expected, text
                exact += 1
    assert exact > 5_000  # the fuzz does reach the exact path


@pytest.mark.parametrize(
    ("text", "value"), [("0.3", 0.3), ("1e-01", 0.1), ("-0.25", -0.25), ("+5.", 5.0), (".5", 0.5), ("0", 0.0)]
)
def test_plain_decimals_are_exact(text: str, value: float) -> None:
    assert _decimal(as_array(text), 0, len(text)) == (True, True, value)


@pytest.mark.parametrize(
    "text", ["inf", "nan", " 0.3", "0.3 ", "1_0", "0x1", "1.2.3", ".", "", "e5", "1e", "-"]
)
def test_other_forms_are_not_numbers(text: str) -> None:
    # float() reads some of these ("inf", " 0.3", "1_0"); their lines are left to the per-record path, which
    # reads them with float() itself.
    assert not _decimal(as_array(text), 0, len(text))[0]


@pytest.mark.parametrize("text", ["0.50000000000000000001", "1e-400", "3e300", "123456789012345678"])
def test_numbers_beyond_the_exact_range_are_not_exact(text: str) -> None:
    assert _decimal(as_array(text), 0, len(text))[:2] == (True, False)


def test_sample_values_follow_htslib() -> None:
    rng = random.Random(7)
    texts = [
        *random_numbers(rng, 20_000),
        "1234567890",
        "123456789",
        "-123456789",
        "1e123",
        "1e12",
        "-.",
        "+",
    ]
    for text in texts:
        array = as_array(text)
        assert _integer_ok(array, 0, len(text)) == bool(INTEGER.fullmatch(text)), text
        assert _float_ok(array, 0, len(text)) == bool(FLOAT.fullmatch(text)), text


def test_distinct_keeps_each_text_once_even_when_hashes_collide() -> None:
    # "Aa" and "BB" share the screen's hash (h * 31 + byte): both must be kept.
    words = ["Aa", "BB", "Aa", "", "TCIRG1", "BB", "", "CLCN7", "TCIRG1"]
    text = "".join(words).encode()
    array = np.frombuffer(text + b"\n", dtype=np.uint8)
    bounds = np.cumsum([0, *map(len, words)])
    spans = np.stack([bounds[:-1], bounds[1:]], axis=1).astype(np.int64)
    rows = _distinct(array, spans)
    assert [words[row] for row in rows.tolist()] == ["Aa", "BB", "", "TCIRG1", "CLCN7"]


def test_distinct_matches_a_python_set_on_many_names() -> None:
    rng = random.Random(3)
    words = ["".join(rng.choice("AB") for _ in range(rng.randint(0, 6))) for _ in range(5_000)]
    text = "".join(words).encode()
    bounds = np.cumsum([0, *map(len, words)])
    spans = np.stack([bounds[:-1], bounds[1:]], axis=1).astype(np.int64)
    rows = _distinct(np.frombuffer(text + b"\n", dtype=np.uint8), spans).tolist()
    assert len(rows) == len(set(words))
    assert {words[row] for row in rows} == set(words)


def test_a_line_with_more_entries_than_room_keeps_every_gene() -> None:
    # The gene rows start with room for two per line; a line of 40 entries is read again with more room.
    genes = [f"G{i}" for i in range(40)]
    data = (line(100, *(entry(gene, af="0.3") for gene in genes)) + "\n").encode()
    chunk = screen_chunk(data, layout())
    assert chunk.screened.tolist() == [0]
    assert chunk.genes == {gene.encode() for gene in genes}


def test_formats_are_learned_once_and_kept_between_blocks() -> None:
    screen: ScreenLayout = layout()
    first = (line(100, fmt="GT:DP", sample="0/1:5") + "\n" + line(200) + "\n").encode()
    assert screen_chunk(first, screen).screened.tolist() == [0, 1]
    assert screen.known_formats().texts == [b"GT:DP", b"GT"]
    second = (
        line(300, fmt="GT:DP", sample="0/1:x") + "\n" + line(400, fmt="GT:GQ", sample="1/1:7") + "\n"
    ).encode()
    chunk = screen_chunk(second, screen)
    assert chunk.screened.tolist() == [1]
    assert chunk.slow.tolist() == [0]  # htslib refuses "x" for an Integer
    assert screen.known_formats().texts == [b"GT:DP", b"GT", b"GT:GQ"]


# -- the MANE rule: an allele set aside because the entry the reader chooses in each gene is common ---------------

MANE = "NM_000001.1"


def mane_entry(gene: str = "TCIRG1", af: str = "0.3", **columns: str) -> str:
    return entry(gene, af=af, MANE_SELECT=MANE, **columns)


def other_entry(gene: str = "TCIRG1", af: str = "", **columns: str) -> str:
    """An entry of a transcript that is neither MANE nor (unless ``columns`` say so) canonical, by default
    without a frequency."""
    values = {"CANONICAL": "", "Feature": f"ENST9{len(gene)}", "Consequence": "intron_variant"} | columns
    return entry(gene, af=af, **values)


def mane_lines() -> tuple[list[str], list[str]]:
    """Lines the reader sets aside because of the MANE rule, and lines it must read in full."""
    set_aside = [
        line(100, mane_entry(), other_entry()),  # the other entry has no frequency
        line(200, other_entry(af="0.0001"), mane_entry()),  # the other entry is rare, and comes first
        line(300, mane_entry(), other_entry(CLIN_SIG="benign")),  # the other entry has a ClinVar value
        line(400, mane_entry("A"), other_entry("A"), mane_entry("B"), other_entry("B", af="x")),
        line(500, mane_entry(), other_entry(""), other_entry("-", af="0.0001")),  # no gene: no choice
        line(600, mane_entry(), mane_entry(af="0.2", Feature="ENST7")),  # two MANE entries, both common
    ]
    read_in_full = [
        line(1100, mane_entry(af="0.0001"), other_entry(af="0.3")),  # the MANE entry is rare
        line(1200, mane_entry(CLIN_SIG="benign"), other_entry(af="0.3")),  # the MANE entry is classified
        line(1300, mane_entry("A"), other_entry("B", af="0.0001")),  # gene B has no MANE entry
        line(1400, other_entry(af="0.0001"), other_entry(af="0.3")),  # no MANE entry at all
        line(1500, mane_entry(), mane_entry(af="0.0001", Feature="ENST7")),  # a rare MANE entry
        line(1600, mane_entry(af="")),  # the MANE entry has no frequency
        line(1700, mane_entry(af="0.3", REVEL="high"), other_entry()),  # a score that is not a number
    ]
    return set_aside, read_in_full


@pytest.mark.parametrize("chunk_bytes", [4 << 20, 900])
def test_the_mane_rule_sets_aside_what_the_per_record_read_sets_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_bytes: int
) -> None:
    monkeypatch.setattr(vcf_module, "_CHUNK_BYTES", chunk_bytes)
    set_aside, read_in_full = mane_lines()
    path = write(tmp_path / "mane.vcf", set_aside + read_in_full)
    screened = read_vcf(path)
    assert n_screened(screened) == len(set_aside)
    same(screened, per_record(monkeypatch, path))


def test_random_entries_read_alike_with_and_without_the_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lines of 1-4 entries with random genes, MANE flags, frequencies and ClinVar values: the screened read
    # must set aside exactly the alleles the per-record read sets aside.
    rng = random.Random(11)
    lines = []
    for pos in range(100, 100 + 400):
        entries = []
        for _ in range(rng.randint(1, 4)):
            gene = rng.choice(["A", "A", "B", "", "-"])
            af = rng.choice(["0.3", "0.3", "0.0001", "", "x", "0.005", "0.0051"])
            columns = {"CLIN_SIG": rng.choice(["", "", "", "benign"]), "CANONICAL": rng.choice(["", "YES"])}
            maker = mane_entry if rng.random() < 0.5 else other_entry
            entries.append(maker(gene, af=af, **columns))
        lines.append(line(pos, *entries))
    path = write(tmp_path / "random.vcf", lines)
    screened = read_vcf(path)
    assert 50 < n_screened(screened) < 350  # the test does exercise both outcomes
    same(screened, per_record(monkeypatch, path))


def test_without_a_writable_cache_folder_the_code_is_compiled_per_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # numba refuses cache=True when it finds no writable folder ("no locator available"); the screen must still
    # be compiled, only not kept on disk.
    import numba

    from marbledx.genotype import _screen

    real = numba.njit
    asked: list[bool] = []

    def njit(*functions: object, **options: object) -> object:
        if functions:  # numba's own use of njit while it first initialises, when this test runs alone
            return real(*functions, **options)
        asked.append(bool(options.get("cache")))
        if options.get("cache"):
            msg = "cannot cache function 'add_one': no locator available for file 'x.py'"
            raise RuntimeError(msg)
        return real(**options)

    monkeypatch.setattr(numba, "njit", njit)

    def add_one(x: int) -> int:
        return x + 1

    compiled = _screen._compiled(add_one)
    assert asked == [True, False]
    assert compiled(41) == 42
    assert compiled.signatures  # compiled by numba, not the plain function
