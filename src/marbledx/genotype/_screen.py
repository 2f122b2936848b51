"""A first pass over the text of a VCF that finds, in compiled code, the records needing no per-record work.

Most records of an exome or genome carry a common allele without any ClinVar significance, which genotype
interpretation never uses (docs/genotype.md, "Reading speed"). The reader sets such alleles aside; this pass
finds their records in bulk, on the decompressed bytes, so that neither htslib nor Python touches them one by
one. It is one pass over each line, compiled to machine code by numba (kept on disk between runs). A line is
*screened* (taken by this pass) only when its text shows all of this:

* it is a plain record line: printable ASCII, exactly one tab between each of the 10 columns of a
  single-sample file, CHROM made of letters, digits and ``_.-:*``, POS a number without leading zero;
* REF and ALT are one allele each, made of the bases A, C, G, T, N (no multi-allelic, symbolic or ``*`` ALT);
* FILTER is ``PASS`` or ``.``; QUAL is not empty;
* INFO names the annotation key (``CSQ=`` or ``ANN=``) exactly once, and every entry of its value has exactly
  the header's number of columns; no INFO key holds a space or any of ``,<>"[``. (htslib adds an undeclared
  contig or INFO key to the header, and refuses the record when the name does not make a header line.)
* every entry is common and unclassified, as :meth:`TranscriptField.common_frequency` judges one: no value in
  any ClinVar column, decimal numbers (or nothing) in the frequency and score columns, and a gnomAD frequency
  above ``common_af`` (read exactly as float() reads it, or the line is left). Whichever entry or entries the
  reader would choose, the allele is therefore set aside. With VEP's MANE columns it is enough that every MANE
  entry is so and every gene the entries name has one, since the reader chooses a MANE entry in each gene
  (:meth:`TranscriptField.choose_by_gene`);
* the header declares GT a String (htslib refuses every record otherwise), and PS, if the FORMAT has it, an
  Integer (htslib writes a Float PS differently from its text, and the reader takes PS from the text);
* FORMAT starts with GT, names each key once, and names only keys the header declares as Integer, Float, String
  or Character; the sample column matches those types the way htslib parses them (integers, decimal numbers,
  ``.``; no more subfields than keys), and its GT carries the ALT on a diploid genotype (``0/1``, ``1/1``,
  ``0|1``, ``1|0``, ``1|1``, ``1/0``).

Every other line (rare, classified, multi-allelic, filtered, uncalled, haploid, multi-sample, odd in any way) is
left to htslib and the reader's per-record path, which decide about it exactly as they do without this pass.
The checks are deliberately stricter than htslib: a line htslib would accept may be left to it, but a line
htslib would refuse is never screened (tests/unit/genotype/test_vcf_screen.py and
test_vcf_screen_adversarial.py write such lines).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["ScreenLayout", "ScreenedChunk", "screen_chunk"]

_Bytes = npt.NDArray[np.uint8]
_Ints = npt.NDArray[np.int64]
_Bools = npt.NDArray[np.bool_]
_Function = TypeVar("_Function", bound=Callable[..., Any])


def _compiled(function: _Function) -> _Function:
    """``function`` compiled to machine code by numba, the compiled code kept on disk between runs.

    numba refuses to cache when it finds no writable folder (next to this file, or the user's cache folder);
    the function is then compiled once per process instead.
    """
    try:
        return cast("_Function", numba.njit(cache=True, nogil=True)(function))
    except RuntimeError:
        return cast("_Function", numba.njit(nogil=True)(function))


_TAB, _NEWLINE, _SEMICOLON, _PIPE, _COMMA, _EQUALS, _COLON = 9, 10, 59, 124, 44, 61, 58
_DOT, _DASH, _PLUS, _ZERO, _NINE = 46, 45, 43, 48, 57


def _table(characters: bytes) -> _Bools:
    table = np.zeros(256, dtype=np.bool_)
    table[list(characters)] = True
    return table


_BASES = _table(b"ACGTNacgtn")
_ALNUM = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# A contig or INFO key that the header does not declare is added to it by htslib, which refuses the record when
# the name would not make a header line: one with ",", "<" or ">", one that starts with '"' or "[", or starts or
# ends with a space (found by experiment, htslib 1.24). Names of these characters alone are safe in either role.
_CHROM_CHARS = _table(_ALNUM + b"_.-:*")
_DIGITS = _table(b"0123456789")
_PRINTABLE = _table(bytes(range(32, 127)))
# The bytes that end a field of the annotation value, or make the line odd: what an entry's field runs up to.
_FIELD_STOP = ~_table(bytes(range(32, 127))) | _table(b"|,;")
# The bytes htslib may refuse in an INFO key (in any position, to be safe). A comma is checked apart: the
# annotation value holds many, so a line with any comma in INFO outside that value is left to htslib.
_KEY_ODD = _table(b'<>"[ ')

# Widths beyond which a field is left to the per-record path (they are rare).
_MAX_CHROM = 32
_MAX_POS = 9  # below 10**9: htslib's 32-bit position limit is far away
_MAX_ALLELE = 16
_MAX_FORMAT = 64
_MAX_GENE = 40
_MAX_NUMBER = 24
_MAX_SIGNIFICANT = 15  # decimal digits that a float64 holds exactly (below 2**53)

# The roles of an annotation column, as bits of ScreenLayout.roles.
_GENE, _CLINVAR, _SCORE, _FREQUENCY, _MANE = 1, 2, 4, 8, 16
# What the screen makes of a line.
_SLOW, _PLAIN, _COMMON, _NEW_FORMAT = 0, 1, 2, 3
# The value of a sample subfield after GT, as its FORMAT key is declared: a code of the sample program.
_STRING, _INTEGER, _FLOAT, _LIST = 0, 1, 2, 4  # _LIST is added to Integer or Float when Number is not 1
_PASSING = 3  # FORMAT FT: PASS, "." or empty
# Powers of ten that a float64 holds exactly.
_POWERS = np.array([10.0**k for k in range(23)])

_KEY = re.compile(rb"[A-Za-z_][A-Za-z0-9_.]*")


@dataclass
class ScreenLayout:
    """What the screen needs to know of the header: the annotation field's layout and the FORMAT types."""

    key: bytes  # b"CSQ" or b"ANN"
    n_columns: int  # columns of one entry in the header's layout
    gene: int
    frequency: tuple[int, ...]  # gnomAD frequency columns
    clinvar: tuple[int, ...]
    scores: tuple[int, ...]  # REVEL and CADD columns
    common_af: float
    formats: Mapping[str, tuple[str, str]]  # FORMAT key -> (Type, Number) as the header declares them
    mane: tuple[int, ...] = ()  # VEP's MANE columns, by which the reader chooses an entry first
    # The FORMATs met so far, as the arrays _screen_lines reads them (see _FormatTable).
    _known: _FormatTable = field(init=False, repr=False)
    roles: npt.NDArray[np.int8] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._known = _FormatTable()
        roles = np.zeros(self.n_columns, dtype=np.int8)
        for columns, role in (
            ((self.gene,), _GENE),
            (self.clinvar, _CLINVAR),
            (self.scores, _SCORE),
            (self.frequency, _FREQUENCY),
            (self.mane, _MANE),
        ):
            for column in columns:
                roles[column] |= role
        self.roles = roles

    def sample_program(self, fmt: bytes) -> tuple[int, ...] | None:
        """How a screened sample column of this FORMAT is checked: one code per key after GT; ``None`` if no
        line of this FORMAT may be screened."""
        keys = fmt.split(b":")
        if keys[0] != b"GT" or len(set(keys)) != len(keys):
            return None
        program: list[int] = []
        for key in keys[1:]:
            if _KEY.fullmatch(key) is None:
                return None
            declared = self.formats.get(key.decode("ascii"))
            if declared is None:
                return None
            kind, number = declared
            if key == b"FT":
                # The proband's genotype filter: a failing FT rejects the call (docs/genotype.md, "FILTER"), so a
                # common line is screened only when its FT passes (PASS, "." or left out); otherwise it is read
                # by the per-record code.
                program.append(_PASSING)
                continue
            if key == b"PS" and kind != "Integer":
                # The reader reads PS from the text, and htslib rewrites a Float ("5.0" as "5", "1e3" as
                # "1000"): a line of plain form would not read as htslib's text of it.
                return None
            if kind in {"String", "Character"}:
                program.append(_STRING)  # commas included: a list of strings is one string to the check
            elif kind in {"Integer", "Float"}:
                code = _INTEGER if kind == "Integer" else _FLOAT
                program.append(code if number == "1" else code + _LIST)
            else:
                return None  # a Flag in FORMAT is not valid VCF
        return tuple(program)

    def known_formats(self) -> _FormatTable:
        """The FORMATs met so far (see :meth:`learn`)."""
        return self._known

    def learn(self, fmt: bytes) -> None:
        """Add a FORMAT to :meth:`known_formats`."""
        if fmt not in self._known.texts:
            self._known.add(fmt, self.sample_program(fmt))


class _FormatTable:
    """FORMAT texts with their sample programs, in flat arrays for compiled code."""

    def __init__(self) -> None:
        self.texts: list[bytes] = []
        self.text_bytes: _Bytes = np.zeros(0, dtype=np.uint8)
        self.text_bounds: _Ints = np.zeros(1, dtype=np.int64)
        self.valid: _Bools = np.zeros(0, dtype=np.bool_)
        self.codes: npt.NDArray[np.int8] = np.zeros(0, dtype=np.int8)
        self.code_bounds: _Ints = np.zeros(1, dtype=np.int64)

    def add(self, fmt: bytes, program: tuple[int, ...] | None) -> None:
        self.texts.append(fmt)
        self.text_bytes = np.append(self.text_bytes, np.frombuffer(fmt, dtype=np.uint8))
        self.text_bounds = np.append(self.text_bounds, len(self.text_bytes))
        self.valid = np.append(self.valid, program is not None)
        self.codes = np.append(self.codes, np.array(program or (), dtype=np.int8))
        self.code_bounds = np.append(self.code_bounds, len(self.codes))


@dataclass
class ScreenedChunk:
    """The outcome of :func:`screen_chunk` for one block of whole lines."""

    screened: _Ints  # indices (0-based, within the chunk) of the screened lines
    # Indices of the lines that pass every check of the form of a line but are not screened (rare, classified,
    # or their annotation is not all common): htslib would read each of them, and read it as it is written.
    plain: _Ints
    slow: _Ints  # indices of the other lines
    starts: _Ints  # each line's first byte
    ends: _Ints  # each line's line end ("\n")
    genes: set[bytes]  # every gene column value of the screened lines' entries (missing values included)
    chroms: set[str]  # the CHROM values of the screened lines


# Whether the ClinVar table classifies an allele: (CHROM as written, POS, REF, ALT).
Classified = Callable[[str, int, str, str], bool]
# Where the reader places a line's allele (see screen_chunk): whether every line of a CHROM (as written) is placed
# in the genes its entries name, and, for a CHROM where that depends on the line, whether a line with these gene
# values is.
Placement = tuple[Callable[[str], bool], Callable[[str, list[str]], bool]]


def screen_chunk(
    data: bytes,
    layout: ScreenLayout,
    classified: Classified | None = None,
    placement: Placement | None = None,
) -> ScreenedChunk:
    """Screen a block of whole record lines of a single-sample VCF (each ending with "\\n").

    ``classified`` tells which alleles the ClinVar table classifies: their lines are left to the per-record path.
    ``placement`` tells on which lines the reader places the allele in the genes the entries name. The reader
    places no allele of a contig outside the primary assembly in a gene (on the mitochondrial genome, only in a
    mitochondrial gene; genotype/_vcf.py, ``_unplaced``), and such a line tests none of its genes: its
    genes and CHROM are left out of ``ScreenedChunk.genes`` and ``chroms``, though the line is screened.
    """
    a: _Bytes = np.frombuffer(data, dtype=np.uint8)
    ends: _Ints = np.flatnonzero(a == _NEWLINE)
    gt_is_string = layout.formats.get("GT", ("String", "1"))[0] == "String"
    while True:
        known = layout.known_formats()
        outcome, chrom_ends, format_spans, gene_lines, gene_spans = _screen_lines(
            a,
            ends,
            np.frombuffer(layout.key, dtype=np.uint8),
            layout.roles,
            layout.common_af,
            # htslib refuses every record when the header declares GT a Flag, Integer or Float.
            gt_is_string,
            known.text_bytes,
            known.text_bounds,
            known.valid,
            known.codes,
            known.code_bounds,
        )
        new = np.flatnonzero(outcome == _NEW_FORMAT)
        if len(new) == 0:
            break
        # A FORMAT not met before (in the first block, or rarely later): learn it and screen the block again.
        for fmt in dict.fromkeys(data[begin:end] for begin, end in format_spans[new].tolist()):
            layout.learn(fmt)
    starts: _Ints = np.zeros(len(ends), dtype=np.int64)
    starts[1:] = ends[:-1] + 1
    good: _Bools = outcome == _COMMON
    if classified is not None:
        # Alleles the ClinVar table classifies are read in full (see _Reader._records): one lookup each.
        for row in np.flatnonzero(good).tolist():
            fields = data[int(starts[row]) : int(ends[row])].split(b"\t", 5)
            if classified(fields[0].decode(), int(fields[1]), fields[3].decode(), fields[4].decode()):
                good[row] = False
    screened = np.flatnonzero(good)
    plain = np.flatnonzero((outcome == _PLAIN) | ((outcome == _COMMON) & ~good))
    slow = np.flatnonzero(outcome == _SLOW)
    placed = (
        good
        if placement is None
        else _placed(data, starts, chrom_ends, good, gene_lines, gene_spans, placement)
    )
    kept = gene_spans[placed[gene_lines]]
    genes = {data[begin:end] for begin, end in kept[_distinct(a, kept)].tolist()}
    placed_lines = np.flatnonzero(placed)
    chrom_spans = np.stack([starts[placed_lines], chrom_ends[placed_lines]], axis=1)
    chroms = {
        data[begin:end].decode("ascii") for begin, end in chrom_spans[_distinct(a, chrom_spans)].tolist()
    }
    return ScreenedChunk(screened, plain, slow, starts, ends, genes, chroms)


def _placed(
    data: bytes,
    starts: _Ints,
    chrom_ends: _Ints,
    good: _Bools,
    gene_lines: _Ints,
    gene_spans: _Ints,
    placement: Placement,
) -> _Bools:
    """Which of the screened lines (``good``) the reader places in the genes their entries name (see
    :func:`screen_chunk`). The CHROMs are judged once each; lines on the few others one by one, with their genes."""
    rows = np.flatnonzero(good)
    if not len(rows):
        return good
    spans = np.stack([starts[rows], chrom_ends[rows]], axis=1)
    distinct = spans[_distinct(np.frombuffer(data, dtype=np.uint8), spans)].tolist()
    on_primary, placed_in = placement
    other = {data[begin:end] for begin, end in distinct if not on_primary(data[begin:end].decode("ascii"))}
    if not other:
        return good
    placed = good.copy()
    judged: dict[int, bytes] = {}
    for row, (begin, end) in zip(rows.tolist(), spans.tolist(), strict=True):
        if data[begin:end] in other:
            judged[row] = data[begin:end]
    genes: dict[int, list[str]] = {row: [] for row in judged}
    among = np.isin(gene_lines, np.fromiter(judged, dtype=np.int64, count=len(judged)))
    for row, (begin, end) in zip(gene_lines[among].tolist(), gene_spans[among].tolist(), strict=True):
        genes[row].append(data[begin:end].decode("ascii"))
    for row, chrom in judged.items():
        placed[row] = placed_in(chrom.decode("ascii"), genes[row])
    return placed


# -- compiled code ------------------------------------------------------------------------------------------
# Every function below reads the bytes ``a`` of a block only inside the spans it is given, which lie inside
# the block: numba does not check indices.


@_compiled
def _same_text(a: _Bytes, begin: int, end: int, other: int, other_end: int) -> bool:
    if end - begin != other_end - other:
        return False
    for k in range(end - begin):  # noqa: SIM110 (numba compiles the loop; all() over a generator it does not)
        if a[begin + k] != a[other + k]:
            return False
    return True


@_compiled
def _distinct(a: _Bytes, spans: _Ints) -> _Ints:
    """The rows of ``spans`` (begin, end) whose text no earlier row has: a hash table with open addressing,
    texts compared in full (so two texts that share a hash are both kept)."""
    size = 16
    while size < 2 * len(spans):
        size *= 2
    slots = np.full(size, -1, dtype=np.int64)
    rows = np.empty(len(spans), dtype=np.int64)
    n = 0
    for row in range(len(spans)):
        begin, end = spans[row, 0], spans[row, 1]
        digest = 0
        for p in range(begin, end):
            digest = digest * 31 + a[p]  # wraps around on overflow, as C does
        slot = digest & (size - 1)
        while True:
            other = slots[slot]
            if other < 0:
                slots[slot] = row
                rows[n] = row
                n += 1
                break
            if _same_text(a, begin, end, spans[other, 0], spans[other, 1]):
                break
            slot = (slot + 1) & (size - 1)
    return rows[:n]


@_compiled
def _field_end(a: _Bytes, p: int, table: _Bools) -> int:
    """The tab that ends the field starting at ``p``, or -1 if a byte outside ``table`` comes first (the line
    end does: every line of a block ends with "\\n")."""
    while True:
        byte = a[p]
        if byte == _TAB:
            return p
        if not table[byte]:
            return -1
        p += 1


@_compiled
def _fixed_columns(a: _Bytes, line: int, tabs: _Ints) -> bool:
    """CHROM, POS, ID, REF, ALT, QUAL and FILTER of the line that starts at ``line``, as the module docstring
    says; their tabs go to ``tabs[0:7]``."""
    begin = line
    for column in range(7):
        table = _PRINTABLE
        if column == 0:
            table = _CHROM_CHARS
        elif column == 1:
            table = _DIGITS
        elif column == 3 or column == 4:
            table = _BASES
        end = _field_end(a, begin, table)
        if end < 0:
            return False
        tabs[column] = end
        begin = end + 1
    chrom_len = tabs[0] - line
    if chrom_len < 1 or chrom_len > _MAX_CHROM:
        return False
    pos, pos_len = tabs[0] + 1, tabs[1] - tabs[0] - 1
    if pos_len < 1 or pos_len > _MAX_POS or a[pos] == _ZERO:
        return False
    for column in (3, 4):  # REF, ALT
        length = tabs[column] - tabs[column - 1] - 1
        if length < 1 or length > _MAX_ALLELE:
            return False
    if tabs[5] - tabs[4] <= 1:  # an empty QUAL
        return False
    begin, length = tabs[5] + 1, tabs[6] - tabs[5] - 1
    if length == 1:
        return bool(a[begin] == _DOT)
    return bool(
        length == 4 and a[begin] == 80 and a[begin + 1] == 65 and a[begin + 2] == 83 and a[begin + 3] == 83
    )  # "PASS"


@_compiled
def _info(
    a: _Bytes,
    p: int,
    end: int,
    key: _Bytes,
    roles: npt.NDArray[np.int8],
    common_af: float,
    genes: _Ints,
    n_genes: int,
    with_mane: bool,
) -> tuple[int, int]:
    """Read the INFO column that starts at ``p``, on a line that ends at ``end``: the tab that ends it, or -1
    if it is not of the form the module docstring says (the annotation key exactly once with a value that is
    not empty, no comma outside that value, no byte of _KEY_ODD in a key; a key runs from INFO's start or a
    ";" to the first "=").

    With it, what :func:`_entries` makes of the annotation value: the new number of gene rows in ``genes``, or
    -1 if the allele would not be set aside (-2 if ``genes`` has no room left).
    """
    n_key = len(key)
    found = 0
    written = -1
    while True:  # one item of INFO per round
        match = p + n_key < end and a[p + n_key] == _EQUALS
        for k in range(n_key):
            if not match:
                break
            match = a[p + k] == key[k]
        byte = a[p]
        while byte != _TAB and byte != _SEMICOLON and byte != _EQUALS:
            if byte < 32 or byte > 126 or byte == _COMMA or _KEY_ODD[byte]:
                return -1, -1
            p += 1
            byte = a[p]
        if byte == _EQUALS:
            p += 1
            if match:
                found += 1
                value = p
                p, written = _entries(a, p, roles, common_af, genes, n_genes, with_mane)
                if p <= value:  # not of plain form, or empty
                    return -1, -1
            else:
                byte = a[p]
                while byte != _TAB and byte != _SEMICOLON:
                    if byte < 32 or byte > 126 or byte == _COMMA:
                        return -1, -1
                    p += 1
                    byte = a[p]
        if a[p] == _TAB:
            return (p, written) if found == 1 else (-1, -1)
        p += 1  # past the ";"


@_compiled
def _find_format(a: _Bytes, begin: int, end: int, text_bytes: _Bytes, text_bounds: _Ints) -> int:
    """The index of the FORMAT [begin, end) among the known ones, or -1."""
    for index in range(len(text_bounds) - 1):
        known, known_end = text_bounds[index], text_bounds[index + 1]
        if known_end - known != end - begin:
            continue
        same = True
        for k in range(end - begin):
            if a[begin + k] != text_bytes[known + k]:
                same = False
                break
        if same:
            return index
    return -1


@_compiled
def _all_digits(a: _Bytes, begin: int, end: int) -> bool:
    for p in range(begin, end):  # noqa: SIM110 (numba compiles the loop; all() over a generator it does not)
        if a[p] < _ZERO or a[p] > _NINE:
            return False
    return True


@_compiled
def _integer_ok(a: _Bytes, begin: int, end: int) -> bool:
    """An Integer as htslib parses it: "." or -?[0-9]{1,9}."""
    if end - begin == 1 and a[begin] == _DOT:
        return True
    if begin < end and a[begin] == _DASH:
        begin += 1
    return 1 <= end - begin <= 9 and _all_digits(a, begin, end)


@_compiled
def _digits_from(a: _Bytes, p: int, end: int) -> int:
    """The end of the run of digits that starts at ``p``."""
    while p < end and _ZERO <= a[p] <= _NINE:
        p += 1
    return p


@_compiled
def _float_ok(a: _Bytes, begin: int, end: int) -> bool:
    """A Float as htslib parses it: "." or [-+]?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][-+]?[0-9]{1,2})?."""
    if end - begin == 1 and a[begin] == _DOT:
        return True
    p = begin
    if p < end and (a[p] == _DASH or a[p] == _PLUS):
        p += 1
    digits = _digits_from(a, p, end)
    if digits > p:
        p = digits
        if p < end and a[p] == _DOT:
            p = _digits_from(a, p + 1, end)
    elif p < end and a[p] == _DOT:
        p = _digits_from(a, p + 1, end)
        if p == digits + 1:  # "." with no digit after it
            return False
    else:
        return False
    if p < end and (a[p] == 101 or a[p] == 69):  # e, E
        p += 1
        if p < end and (a[p] == _DASH or a[p] == _PLUS):
            p += 1
        exponent = _digits_from(a, p, end)
        if not 1 <= exponent - p <= 2:
            return False
        p = exponent
    return p == end


@_compiled
def _value_ok(a: _Bytes, begin: int, end: int, code: int) -> bool:
    """A sample subfield [begin, end) of the kind ``code``."""
    kind = code & 3
    if kind == _STRING:
        return True
    if kind == _PASSING:
        return True  # any string is of its form; whether it passes is _genotype_passes's question
    if code & _LIST == 0:
        return _integer_ok(a, begin, end) if kind == _INTEGER else _float_ok(a, begin, end)
    item = begin
    for p in range(begin, end + 1):
        if p == end or a[p] == _COMMA:
            if not (_integer_ok(a, item, p) if kind == _INTEGER else _float_ok(a, item, p)):
                return False
            item = p + 1
    return True


@_compiled
def _sample_ok(a: _Bytes, begin: int, end: int, codes: npt.NDArray[np.int8], first: int, last: int) -> bool:
    """The sample column [begin, end): a GT that carries the ALT on a diploid genotype (0/1, 1/1, 0|1, 1|0,
    1|1, 1/0), then at most as many subfields as ``codes[first:last]``, each of its kind."""
    if end - begin < 3:
        return False
    for p in range(begin, end):
        if not _PRINTABLE[a[p]]:  # a tab (a column too many) or an odd byte
            return False
    allele_1, phase, allele_2 = a[begin], a[begin + 1], a[begin + 2]
    if not (allele_1 == _ZERO or allele_1 == _ZERO + 1) or not (allele_2 == _ZERO or allele_2 == _ZERO + 1):
        return False
    if phase != 47 and phase != _PIPE:  # "/" or "|"
        return False
    if allele_1 != _ZERO + 1 and allele_2 != _ZERO + 1:
        return False
    if end - begin == 3:
        return True
    if a[begin + 3] != _COLON:
        return False
    field = begin + 4
    index = first
    for p in range(begin + 4, end + 1):
        if p == end or a[p] == _COLON:
            if index == last or not _value_ok(a, field, p, codes[index]):
                return False
            index += 1
            field = p + 1
    return True


@_compiled
def _genotype_passes(
    a: _Bytes, begin: int, end: int, codes: npt.NDArray[np.int8], first: int, last: int
) -> bool:
    """Whether the sample column [begin, end), of a form :func:`_sample_ok` accepted, has no FORMAT FT (code
    ``_PASSING``) that fails: its FT is PASS, "." or empty, or left out."""
    field = begin + 4
    index = first
    for p in range(begin + 4, end + 1):
        if p == end or a[p] == _COLON:
            if index < last and codes[index] == _PASSING:
                length = p - field
                missing = length == 0 or (length == 1 and a[field] == _DOT)
                # "PASS" (P, A, S, S) is the only other passing value.
                passed = (
                    length == 4
                    and a[field] == 80
                    and a[field + 1] == 65
                    and a[field + 2] == 83
                    and a[field + 3] == 83
                )
                if not (missing or passed):
                    return False
            index += 1
            field = p + 1
    return True


@_compiled
def _is_missing(a: _Bytes, begin: int, end: int) -> bool:
    """ "", "." or "-" (annotation.MISSING)."""
    return end == begin or (end - begin == 1 and (a[begin] == _DOT or a[begin] == _DASH))


@_compiled
def _decimal(a: _Bytes, begin: int, end: int) -> tuple[bool, bool, float]:
    """Whether [begin, end) is a decimal number float() reads (an optional sign, digits with at most one point,
    an optional exponent; no longer than _MAX_NUMBER), whether the value below is exactly float()'s, and the
    value.

    The value is exact when the digits make an integer below 10**15 and the power of ten is at most 22: both
    are then exact as float64, and one multiplication or division rounds correctly, as float() does (Clinger,
    "How to read floating point numbers accurately", PLDI 1990, doi:10.1145/93542.93557). Other forms float()
    reads ("inf", "1_0", " 1") are not numbers here: their lines are left to the per-record path.
    """
    if end - begin > _MAX_NUMBER:
        return False, False, 0.0
    p = begin
    negative = p < end and a[p] == _DASH
    if p < end and (a[p] == _DASH or a[p] == _PLUS):
        p += 1
    mantissa = 0
    significant = digits = scale = 0
    point = False
    exact = True
    while p < end:
        byte = a[p]
        if _ZERO <= byte <= _NINE:
            digits += 1
            if mantissa == 0 and byte == _ZERO:
                if point:
                    scale -= 1
            elif significant < _MAX_SIGNIFICANT:
                mantissa = mantissa * 10 + (byte - _ZERO)
                significant += 1
                if point:
                    scale -= 1
            else:
                exact = False
                if not point:
                    scale += 1
        elif byte == _DOT and not point:
            point = True
        else:
            break
        p += 1
    if digits == 0:
        return False, False, 0.0
    if p < end and (a[p] == 101 or a[p] == 69):  # e, E
        p += 1
        sign = 1
        if p < end and (a[p] == _DASH or a[p] == _PLUS):
            sign = -1 if a[p] == _DASH else 1
            p += 1
        exponent_begin = p
        exponent = 0
        while p < end and _ZERO <= a[p] <= _NINE:
            if exponent < 100_000:
                exponent = exponent * 10 + (a[p] - _ZERO)
            p += 1
        if p == exponent_begin:
            return False, False, 0.0
        scale += sign * exponent
    if p != end:
        return False, False, 0.0
    if mantissa == 0:
        return True, True, 0.0
    if not exact or scale > 22 or scale < -22:
        return True, False, 0.0
    value = mantissa * _POWERS[scale] if scale >= 0 else mantissa / _POWERS[-scale]
    return True, True, -value if negative else value


@_compiled
def _entries(
    a: _Bytes,
    p: int,
    roles: npt.NDArray[np.int8],
    common_af: float,
    genes: _Ints,
    n_genes: int,
    with_mane: bool,
) -> tuple[int, int]:
    """Read the annotation value that starts at ``p``: where it ends (the ";" or tab after it), or -1 if a byte
    in it is not printable ASCII; and whether the reader would set the allele aside whichever entry it chose.

    Every entry must have the layout's number of columns and a gene value no longer than _MAX_GENE. An entry
    is *common* when it has no ClinVar value, decimal numbers (or nothing) as scores and frequencies, and a
    frequency above ``common_af``. The allele is set aside when every entry is common or, with MANE columns
    (``with_mane``), when every MANE entry is common, there is one, and every gene the entries name has one:
    the reader then chooses a MANE entry in each gene (:meth:`TranscriptField.choose_by_gene`), whatever the
    other entries hold. If so, the entries' gene spans (and whether the entry is a MANE one) are written to
    ``genes`` from row ``n_genes`` on and the new number of rows is returned with the end; otherwise -1 (-2 if
    ``genes`` has no room)."""
    n_columns = len(roles)
    first = n_genes
    all_common = True  # every entry so far
    mane_common = True  # every MANE entry so far
    any_mane = False
    common = is_mane = False  # of the current entry
    plain = True  # the current entry's ClinVar, score and frequency columns are as a common entry's
    column = 0
    field = p
    byte = a[p]
    while True:
        while not _FIELD_STOP[byte]:
            p += 1
            byte = a[p]
        if byte != _PIPE and byte != _COMMA and byte != _SEMICOLON and byte != _TAB:
            return -1, -1  # not printable ASCII
        # The field [field, p) is column ``column`` of the current entry.
        if column == n_columns:
            return _value_end(a, p), -1
        role = roles[column]
        if role != 0:
            missing = _is_missing(a, field, p)
            if role & _MANE and not missing:
                is_mane = True
            if role & _CLINVAR and not missing:
                plain = False
            if role & (_SCORE | _FREQUENCY) and not missing and plain:
                number, exact, value = _decimal(a, field, p)
                if not number or (role & _FREQUENCY and not exact):
                    plain = False
                elif role & _FREQUENCY and value > common_af:
                    common = True
            if role & _GENE:
                if p - field > _MAX_GENE:
                    return _value_end(a, p), -1
                if n_genes == len(genes):
                    return _value_end(a, p), -2
                genes[n_genes, 0] = field
                genes[n_genes, 1] = p
                genes[n_genes, 2] = 0
                n_genes += 1
        column += 1
        if byte != _PIPE:  # the entry ends
            if column != n_columns:
                return _value_end(a, p), -1
            common = common and plain
            all_common = all_common and common
            if is_mane:
                any_mane = True
                mane_common = mane_common and common
                genes[n_genes - 1, 2] = 1  # the gene row of this entry
            if not all_common and not (with_mane and mane_common):
                return _value_end(a, p), -1
            if byte != _COMMA:
                break
            column = 0
            common = is_mane = False
            plain = True
        p += 1
        field = p
        byte = a[p]
    if all_common or (any_mane and _every_gene_has_mane(a, genes, first, n_genes)):
        return p, n_genes
    return p, -1


@_compiled
def _every_gene_has_mane(a: _Bytes, genes: _Ints, first: int, last: int) -> bool:
    """Whether each gene named by the entries in rows [first, last) of ``genes`` has a MANE entry there
    (entries without a gene name make no choice of their own)."""
    for row in range(first, last):
        begin, end = genes[row, 0], genes[row, 1]
        if genes[row, 2] or _is_missing(a, begin, end):
            continue
        found = False
        for other in range(first, last):
            if genes[other, 2] and _same_text(a, begin, end, genes[other, 0], genes[other, 1]):
                found = True
                break
        if not found:
            return False
    return True


@_compiled
def _value_end(a: _Bytes, p: int) -> int:
    """The ";" or tab that ends the annotation value around ``p``, or -1 if a byte before it is not printable
    ASCII."""
    byte = a[p]
    while byte != _SEMICOLON and byte != _TAB:
        if byte < 32 or byte > 126:
            return -1
        p += 1
        byte = a[p]
    return p


@_compiled
def _screen_lines(
    a: _Bytes,
    ends: _Ints,
    key: _Bytes,
    roles: npt.NDArray[np.int8],
    common_af: float,
    gt_is_string: bool,
    text_bytes: _Bytes,
    text_bounds: _Ints,
    valid: _Bools,
    codes: npt.NDArray[np.int8],
    code_bounds: _Ints,
) -> tuple[npt.NDArray[np.int8], _Ints, _Ints, _Ints, _Ints]:
    """What the screen makes of each line (_SLOW, _PLAIN, _COMMON, _NEW_FORMAT); where each line's CHROM ends;
    the FORMAT span of each _NEW_FORMAT line; and the line and span of each gene value of the _COMMON lines."""
    n_lines = len(ends)
    outcome = np.zeros(n_lines, dtype=np.int8)
    chrom_ends = np.zeros(n_lines, dtype=np.int64)
    format_spans = np.zeros((n_lines, 2), dtype=np.int64)
    genes = np.empty((max(16, 2 * n_lines), 3), dtype=np.int64)  # begin, end, whether a MANE entry
    with_mane = False
    for role in roles:
        with_mane = with_mane or role & _MANE != 0
    gene_lines = np.empty(len(genes), dtype=np.int64)
    n_genes = 0
    tabs = np.empty(9, dtype=np.int64)
    line = 0
    index = 0
    while index < n_lines:
        begin = line
        end = ends[index]
        if end == begin or not gt_is_string or not _fixed_columns(a, begin, tabs):
            line = end + 1
            index += 1
            continue
        info_end, written = _info(a, tabs[6] + 1, end, key, roles, common_af, genes, n_genes, with_mane)
        if written == -2:  # room for the gene values of this line, then read it again
            grown = np.empty((2 * len(genes), 3), dtype=np.int64)
            grown[:n_genes] = genes[:n_genes]
            genes = grown
            grown_lines = np.empty(len(genes), dtype=np.int64)
            grown_lines[:n_genes] = gene_lines[:n_genes]
            gene_lines = grown_lines
            continue
        line = end + 1
        index += 1
        if info_end < 0:
            continue
        format_end = _field_end(a, info_end + 1, _PRINTABLE)
        if format_end < 0 or not 1 <= format_end - info_end - 1 <= _MAX_FORMAT:
            continue
        chrom_ends[index - 1] = tabs[0]
        known = _find_format(a, info_end + 1, format_end, text_bytes, text_bounds)
        if known < 0:
            outcome[index - 1] = _NEW_FORMAT
            format_spans[index - 1, 0] = info_end + 1
            format_spans[index - 1, 1] = format_end
            continue
        sample = format_end + 1
        if not valid[known] or not _sample_ok(
            a, sample, end, codes, code_bounds[known], code_bounds[known + 1]
        ):
            continue
        outcome[index - 1] = _PLAIN
        # A call whose FORMAT FT failed is rejected, whatever its frequency: the per-record code reads it from the
        # text (docs/genotype.md, "FILTER").
        if written >= 0 and _genotype_passes(
            a, sample, end, codes, code_bounds[known], code_bounds[known + 1]
        ):
            outcome[index - 1] = _COMMON
            gene_lines[n_genes:written] = index - 1
            n_genes = written
    return outcome, chrom_ends, format_spans, gene_lines[:n_genes], genes[:n_genes, :2].copy()
