"""A first pass over the text of a VCF that finds, with array operations, the records needing no per-record work.

Most records of an exome or genome carry a common allele without any ClinVar significance, which genotype
interpretation never uses (docs/genotype.md, "Reading speed"). The reader sets such alleles aside; this pass
finds their records in bulk, on the decompressed bytes, so that neither htslib nor Python touches them one by
one. A line is *screened* (taken by this pass) only when its text shows all of this:

* it is a plain record line: printable ASCII, exactly one tab between each of the 10 columns of a
  single-sample file, CHROM made of letters, digits and ``_.-:*``, POS a number without leading zero;
* REF and ALT are one allele each, made of the bases A, C, G, T, N (no multi-allelic, symbolic or ``*`` ALT);
* FILTER is ``PASS`` or ``.``; QUAL is not empty;
* INFO names the annotation key (``CSQ=`` or ``ANN=``) exactly once, and every entry of its value has exactly
  the header's number of columns; no INFO key holds a space or any of ``,<>"[``. (htslib adds an undeclared
  contig or INFO key to the header, and refuses the record when the name does not make a header line.)
* every entry is common and unclassified, as :meth:`TranscriptField.common_frequency` judges one: no value in
  any ClinVar column, plain numbers (or nothing) in the frequency and score columns, and a gnomAD frequency
  above ``common_af``. Whichever entry or entries the reader would choose, the allele is therefore set aside;
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
from itertools import repeat

import numpy as np
import numpy.typing as npt

__all__ = ["ScreenLayout", "ScreenedChunk", "screen_chunk"]

_Bytes = npt.NDArray[np.uint8]
_Ints = npt.NDArray[np.int64]
_Bools = npt.NDArray[np.bool_]

_TAB, _NEWLINE, _SEMICOLON, _PIPE, _COMMA = 9, 10, 59, 124, 44


def _table(characters: bytes) -> _Bools:
    table = np.zeros(256, dtype=np.bool_)
    table[list(characters)] = True
    return table


_BASES = _table(b"ACGTNacgtn")
_DIGITS = _table(b"0123456789")
_ALNUM = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# A contig or INFO key that the header does not declare is added to it by htslib, which refuses the record when
# the name would not make a header line: one with ",", "<" or ">", one that starts with '"' or "[", or starts or
# ends with a space (found by experiment, htslib 1.24). Names of these characters alone are safe in either role.
_CHROM_CHARS = _table(_ALNUM + b"_.-:*")
# The bytes htslib may refuse in an INFO key (in any position, to be safe). A comma is checked apart: the
# annotation value holds many, so a line with any comma in INFO outside that value is left to htslib.
_KEY_ODD = b'<>"[ '

# Widths beyond which a field is left to the per-record path (they are rare, and arrays stay small).
_MAX_CHROM = 32
_MAX_POS = 9  # below 10**9: htslib's 32-bit position limit is far away
_MAX_ALLELE = 16
_MAX_FORMAT = 64
_MAX_GENE = 40
_MAX_NUMBER = 24
_PAD = 64  # zero bytes after a chunk's text, so that every gather stays inside the array

# A GT that carries the (single) ALT on a diploid genotype.
_CARRIED_GT = rb"(?:0[/|]1|1[/|][01])"
# Sample values as htslib parses them (vcf_parse_format): an Integer is digits with an optional minus sign, a
# Float is a decimal number; "." is missing. Anything else (htslib refuses "5.5" for an Integer and "x" for a
# Float) is left to the per-record path.
_INTEGER = rb"(?:\.|-?[0-9]{1,9})"
_FLOAT = rb"(?:\.|[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]{1,2})?)"
_STRING = rb"[^:]*"
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
    _patterns: dict[bytes, re.Pattern[bytes] | None] = field(default_factory=dict, repr=False)

    def sample_pattern(self, fmt: bytes) -> re.Pattern[bytes] | None:
        """The pattern a screened sample column of this FORMAT must match, or ``None`` if none may be."""
        if fmt in self._patterns:
            return self._patterns[fmt]
        pattern = self._patterns[fmt] = self._build_pattern(fmt)
        return pattern

    def _build_pattern(self, fmt: bytes) -> re.Pattern[bytes] | None:
        keys = fmt.split(b":")
        if keys[0] != b"GT" or len(set(keys)) != len(keys):
            return None
        values: list[bytes] = []
        for key in keys[1:]:
            if _KEY.fullmatch(key) is None:
                return None
            declared = self.formats.get(key.decode("ascii"))
            if declared is None:
                return None
            kind, number = declared
            if key == b"PS" and kind != "Integer":
                # The reader reads PS from the text, and htslib rewrites a Float ("5.0" as "5", "1e3" as
                # "1000"): a line of plain form would not read as htslib's text of it.
                return None
            if kind == "Integer":
                value = _INTEGER
            elif kind == "Float":
                value = _FLOAT
            elif kind in {"String", "Character"}:
                values.append(_STRING)  # commas included: a list of strings is one string to the pattern
                continue
            else:
                return None  # a Flag in FORMAT is not valid VCF
            values.append(value if number == "1" else value + rb"(?:," + value + rb")*")
        # Trailing subfields may be left out (VCF 4.2, 1.6.2), but there may be no more than FORMAT names.
        tail = b""
        for value in reversed(values):
            tail = rb"(?::" + value + tail + rb")?"
        return re.compile(_CARRIED_GT + tail)


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


def _gather(a: _Bytes, starts: _Ints, width: int) -> _Bytes:
    """The ``width`` bytes from each start, as an (n, width) array (``a`` ends with :data:`_PAD` zeros).

    Rows of a strided view: one index per row instead of one per byte.
    """
    windows = np.lib.stride_tricks.sliding_window_view(a, width)
    return windows[starts]


def _spans_in(a: _Bytes, starts: _Ints, lengths: _Ints, width: int, table: _Bools) -> _Bools:
    """Whether every byte of each span (no longer than ``width``) is in ``table``."""
    if len(starts) == 0:
        return np.zeros(0, dtype=np.bool_)
    width = max(min(width, int(lengths.max())), 1)  # no wider than the longest span
    inside = np.arange(width) < lengths[:, None]
    result: _Bools = np.all(table[_gather(a, starts, width)] | ~inside, axis=1)
    return result


def _fixed(a: _Bytes, starts: _Ints, lengths: _Ints, width: int) -> npt.NDArray[np.bytes_]:
    """Each span (no longer than ``width``) as a fixed-width bytes value (NUL-padded, which numpy strips)."""
    if len(starts):
        width = max(min(width, int(lengths.max())), 1)  # no wider than the longest span
    block = _gather(a, starts, width)
    block[np.arange(width) >= lengths[:, None]] = 0
    return block.view(f"S{width}").ravel()


def _missing(a: _Bytes, starts: _Ints, lengths: _Ints) -> _Bools:
    """Whether each span is one of the missing values "", "." and "-" (annotation.MISSING)."""
    first = a[starts]
    result: _Bools = (lengths == 0) | ((lengths == 1) & ((first == ord(".")) | (first == ord("-"))))
    return result


def _texts(a: _Bytes, starts: _Ints, lengths: _Ints) -> list[bytes]:
    """Each span (no longer than :data:`_MAX_NUMBER`) as bytes."""
    texts: list[bytes] = _fixed(a, starts, lengths, _MAX_NUMBER).tolist()
    return texts


def _numbers(a: _Bytes, starts: _Ints, lengths: _Ints) -> npt.NDArray[np.float64]:
    """Each span read with float(), as :meth:`TranscriptField.common_frequency` reads it; NaN when float()
    refuses it, or it is empty or longer than :data:`_MAX_NUMBER`."""
    values = np.full(len(starts), np.nan)
    short = np.flatnonzero((lengths > 0) & (lengths <= _MAX_NUMBER))
    if len(short):
        texts = _texts(a, starts[short], lengths[short])
        try:
            values[short] = list(map(float, texts))  # float() on each, in C
        except ValueError:  # a malformed number among them ("1.2.3"): read one by one
            values[short] = [_float(text) for text in texts]
    return values


def _are_numbers(a: _Bytes, starts: _Ints, lengths: _Ints) -> _Bools:
    """Whether float() reads each span as a number (not NaN), without reading the values.

    Plain decimals (digits with at most one point, as VEP writes scores) are recognised with array operations;
    anything else (an exponent, a sign, "nan", "1.2.3") is tried with float() itself.
    """
    result = np.zeros(len(starts), dtype=np.bool_)
    short = np.flatnonzero((lengths > 0) & (lengths <= _MAX_NUMBER))
    if len(short) == 0:
        return result
    width = int(lengths[short].max())
    block = _gather(a, starts[short], width)
    inside = np.arange(width) < lengths[short][:, None]
    digit = (block >= ord("0")) & (block <= ord("9")) & inside
    point = (block == ord(".")) & inside
    plain = np.all(digit | point | ~inside, axis=1) & (point.sum(axis=1) <= 1) & digit.any(axis=1)
    result[short[plain]] = True
    others = short[~plain]
    if len(others):
        result[others] = ~np.isnan(_numbers(a, starts[others], lengths[others]))
    return result


def _float(text: bytes) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")


def _info_keys_plain(
    text: _Bytes, before: _Ints, after: _Ints, semicolons: _Ints, ends: _Ints, row_of_line: _Ints
) -> _Bools:
    """Whether no key of each row's INFO (between the tabs ``before`` and ``after``) holds a byte of
    :data:`_KEY_ODD` (``semicolons``: every ";" in ``text``; ``row_of_line``: each line's row, or -1).

    A key starts INFO or follows a ";", and ends at the first "=" (or ";", or the end of INFO). Only the odd
    bytes are looked at, so the check costs little on ordinary text.
    """
    marked = text == _KEY_ODD[0]
    for byte in _KEY_ODD[1:]:
        marked |= text == byte
    odd = np.flatnonzero(marked)
    result: _Bools = np.ones(len(before), dtype=np.bool_)
    rows = row_of_line[np.searchsorted(ends, odd)]
    inside = rows >= 0
    odd, rows = odd[inside], rows[inside]
    inside = (odd > before[rows]) & (odd < after[rows])
    odd, rows = odd[inside], rows[inside]
    if len(odd) == 0:
        return result
    # The key an odd byte would be in starts after the last ";" or tab before it; it is in that key unless an
    # "=" comes between. (-1 stands for "none before".)
    last_semicolon = np.append(-1, semicolons)[np.searchsorted(semicolons, odd)]
    key_start = np.maximum(last_semicolon, before[rows])
    equals = np.flatnonzero(text == ord("="))
    last_equals = np.append(-1, equals)[np.searchsorted(equals, odd)]
    result[rows[last_equals < key_start]] = False
    return result


def _key_positions(a: _Bytes, key: bytes) -> _Ints:
    """Where ``key`` + "=" starts an INFO item (after a tab or a semicolon)."""
    pattern = key + b"="
    candidates = np.flatnonzero(a[: max(len(a) - len(pattern), 0)] == pattern[0])
    candidates = candidates[candidates > 0]
    for offset, byte in enumerate(pattern[1:], start=1):
        candidates = candidates[a[candidates + offset] == byte]
    before = a[candidates - 1]
    found: _Ints = candidates[(before == _TAB) | (before == _SEMICOLON)]
    return found


def screen_chunk(data: bytes, layout: ScreenLayout, classified: Classified | None = None) -> ScreenedChunk:
    """Screen a block of whole record lines of a single-sample VCF (each ending with "\\n").

    ``classified`` tells which alleles the ClinVar table classifies: their lines are left to the per-record path.
    """
    a: _Bytes = np.zeros(len(data) + _PAD, dtype=np.uint8)
    a[: len(data)] = np.frombuffer(data, dtype=np.uint8)
    # One pass for every byte that is not printable ASCII: tabs, line ends, and anything odd.
    text = a[: len(data)]
    # (Most files are plain ASCII: the second test runs only when a byte above it is present.)
    special = np.flatnonzero((text < 32) | (text > 126)) if text.max() > 126 else np.flatnonzero(text < 32)
    kind = a[special]
    ends: _Ints = special[kind == _NEWLINE]
    tabs: _Ints = special[kind == _TAB]
    odd = special[(kind != _TAB) & (kind != _NEWLINE)]
    n_lines = len(ends)
    starts: _Ints = np.zeros(n_lines, dtype=np.int64)
    starts[1:] = ends[:-1] + 1
    ok: _Bools = ends > starts
    if len(odd):
        ok[np.searchsorted(ends, odd)] = False
    n_tabs = 9  # CHROM … FORMAT, one sample
    tab_end = np.searchsorted(tabs, ends)
    ok &= np.diff(tab_end, prepend=0) == n_tabs

    rows = np.flatnonzero(ok)
    t = tabs[(tab_end[rows] - n_tabs)[:, None] + np.arange(n_tabs)]
    s = starts[rows]
    # Field j spans [begin(j), t[:, j]); begin(0) is the line start, begin(j) = t[:, j - 1] + 1.
    chrom_len = t[:, 0] - s
    pos_start, pos_len = t[:, 0] + 1, t[:, 1] - t[:, 0] - 1
    ref_start, ref_len = t[:, 2] + 1, t[:, 3] - t[:, 2] - 1
    alt_start, alt_len = t[:, 3] + 1, t[:, 4] - t[:, 3] - 1
    filter_start, filter_len = t[:, 5] + 1, t[:, 6] - t[:, 5] - 1
    good = (chrom_len > 0) & (chrom_len <= _MAX_CHROM)
    good &= _spans_in(a, s, np.minimum(chrom_len, _MAX_CHROM), _MAX_CHROM, _CHROM_CHARS)  # not "#" either
    good &= (pos_len > 0) & (pos_len <= _MAX_POS) & (a[pos_start] != ord("0"))
    good &= _spans_in(a, pos_start, np.minimum(pos_len, _MAX_POS), _MAX_POS, _DIGITS)
    good &= (ref_len > 0) & (ref_len <= _MAX_ALLELE) & (alt_len > 0) & (alt_len <= _MAX_ALLELE)
    good &= _spans_in(a, ref_start, np.minimum(ref_len, _MAX_ALLELE), _MAX_ALLELE, _BASES)
    good &= _spans_in(a, alt_start, np.minimum(alt_len, _MAX_ALLELE), _MAX_ALLELE, _BASES)
    good &= t[:, 5] - t[:, 4] > 1  # QUAL
    f = filter_start
    good &= ((filter_len == 1) & (a[f] == ord("."))) | (
        (filter_len == 4)
        & (a[f] == ord("P"))
        & (a[f + 1] == ord("A"))
        & (a[f + 2] == ord("S"))
        & (a[f + 3] == ord("S"))
    )

    # The annotation value: exactly one "KEY=" item inside INFO, up to the next ";" or the end of INFO.
    row_of_line = np.full(n_lines, -1, dtype=np.int64)
    row_of_line[rows] = np.arange(len(rows))
    keys = _key_positions(a, layout.key)
    key_rows = row_of_line[np.searchsorted(ends, keys)]
    inside = key_rows >= 0
    keys, key_rows = keys[inside], key_rows[inside]
    inside = (keys > t[key_rows, 6]) & (keys < t[key_rows, 7])
    keys, key_rows = keys[inside], key_rows[inside]
    good &= np.bincount(key_rows, minlength=len(rows)) == 1
    value_start = np.zeros(len(rows), dtype=np.int64)
    value_start[key_rows] = keys + len(layout.key) + 1
    semicolons = np.flatnonzero(text == _SEMICOLON)
    following = np.searchsorted(semicolons, value_start)
    next_semicolon = np.append(semicolons, len(a))[following]
    value_end = np.minimum(next_semicolon, t[:, 7])
    good &= value_end > value_start
    good &= _info_keys_plain(text, t[:, 6], t[:, 7], semicolons, ends, row_of_line)
    if layout.formats.get("GT", ("String", "1"))[0] != "String":
        good[:] = False  # htslib refuses every record when the header declares GT a Flag, Integer or Float

    # FORMAT and the sample column, one FORMAT at a time (a file has a handful).
    format_start, format_len = t[:, 7] + 1, t[:, 8] - t[:, 7] - 1
    good &= (format_len > 0) & (format_len <= _MAX_FORMAT)
    candidates = np.flatnonzero(good)
    if len(candidates):
        formats = _fixed(a, format_start[candidates], format_len[candidates], _MAX_FORMAT)
        sample_start = t[candidates, 8] + 1
        sample_end = ends[rows[candidates]]
        matched = np.zeros(len(candidates), dtype=np.bool_)
        remaining = np.ones(len(candidates), dtype=np.bool_)
        while remaining.any():
            first = int(np.argmax(remaining))
            fmt = formats[first]
            members = remaining & (formats == fmt)
            remaining &= ~members
            where = np.flatnonzero(members)
            if fmt == b"GT":
                # The commonest FORMAT, checked without a pattern: a GT of three bytes that carries the ALT.
                start = sample_start[where]
                first, phase, second = a[start], a[start + 1], a[start + 2]
                matched[where] = (
                    (sample_end[where] - start == 3)
                    & ((first == ord("0")) | (first == ord("1")))
                    & ((phase == ord("/")) | (phase == ord("|")))
                    & ((second == ord("0")) | (second == ord("1")))
                    & ((first == ord("1")) | (second == ord("1")))
                )
                continue
            pattern = layout.sample_pattern(bytes(fmt))
            if pattern is None:
                continue
            found = map(
                pattern.fullmatch,
                repeat(data),
                sample_start[where].tolist(),
                sample_end[where].tolist(),
            )
            matched[where] = [m is not None for m in found]
        good[candidates] = matched

    # The entries of the annotation value: separators "|" and "," in order; every entry must have exactly
    # n_columns - 1 "|", so a line of E entries has E * n_columns - 1 separators, every n_columns-th a ",".
    separators = _Separators(a)
    # A comma in INFO outside the annotation value may be in a key, which htslib refuses (see _KEY_ODD).
    good &= separators.commas(t[:, 6] + 1, t[:, 7]) == separators.commas(value_start, value_end)
    well_formed = good.copy()
    candidates = np.flatnonzero(good)
    gene_rows = gene_begin = gene_len = np.zeros(0, dtype=np.int64)
    if len(candidates):
        common, owner, gene_begin, gene_len = _entries_common(
            a, separators, value_start[candidates], value_end[candidates], layout
        )
        good[candidates] = common
        gene_rows = candidates[owner]
    if classified is not None:
        # Alleles the ClinVar table classifies are read in full (see _Reader._records): one lookup each.
        for row in np.flatnonzero(good).tolist():
            begin = int(s[row])
            fields = data[begin : int(t[row, 4])].split(b"\t")
            if classified(fields[0].decode(), int(fields[1]), fields[3].decode(), fields[4].decode()):
                good[row] = False

    screened_rows = np.flatnonzero(good)
    screened = rows[screened_rows]
    plain = rows[well_formed & ~good]
    slow_mask = np.ones(n_lines, dtype=np.bool_)
    slow_mask[screened] = False
    slow_mask[plain] = False
    kept = good[gene_rows]
    genes: set[bytes] = set(_fixed(a, gene_begin[kept], gene_len[kept], _MAX_GENE).tolist())
    # Records come sorted by chromosome: only the values where CHROM changes need reading.
    names = _fixed(a, s[screened_rows], chrom_len[screened_rows], _MAX_CHROM)
    changes = np.flatnonzero(names[1:] != names[:-1]) + 1
    chroms = (
        {text.decode("ascii") for text in set(names[np.append(0, changes)].tolist())} if len(names) else set()
    )
    return ScreenedChunk(screened, plain, np.flatnonzero(slow_mask), starts, ends, genes, chroms)


class _Separators:
    """Every "|" and "," of a block, in order, with a running count of the commas."""

    def __init__(self, a: _Bytes) -> None:
        self.at: _Ints = np.flatnonzero((a == _PIPE) | (a == _COMMA))  # the padding has none
        self.is_comma: _Bools = a[self.at] == _COMMA
        self.commas_before = np.zeros(len(self.at) + 1, dtype=np.int64)
        np.cumsum(self.is_comma, out=self.commas_before[1:])

    def commas(self, starts: _Ints, ends: _Ints) -> _Ints:
        """The number of commas in each span [starts, ends)."""
        counts: _Ints = (
            self.commas_before[np.searchsorted(self.at, ends)]
            - self.commas_before[np.searchsorted(self.at, starts)]
        )
        return counts


def _entries_common(
    a: _Bytes, found: _Separators, value_start: _Ints, value_end: _Ints, layout: ScreenLayout
) -> tuple[_Bools, _Ints, _Ints, _Ints]:
    """For each annotation value, whether every entry is common and unclassified; and for each entry, the value
    it belongs to and where its gene column is."""
    n_columns = layout.n_columns
    separators, is_comma, commas_before = found.at, found.is_comma, found.commas_before
    low = np.searchsorted(separators, value_start)
    high = np.searchsorted(separators, value_end)
    n_entries = commas_before[high] - commas_before[low] + 1
    shaped = high - low == n_entries * n_columns - 1
    n_entries = np.where(shaped, n_entries, 0)
    # One row per entry of a well-shaped value.
    owner = np.repeat(np.arange(len(value_start)), n_entries)
    first_entry = np.zeros(len(value_start) + 1, dtype=np.int64)
    np.cumsum(n_entries, out=first_entry[1:])
    k = np.arange(len(owner)) - first_entry[owner]
    base = low[owner] + k * n_columns  # index (in separators) of the entry's first "|"
    last = k == n_entries[owner] - 1
    entry_ok = np.ones(len(owner), dtype=np.bool_)
    entry_ok[~last] = is_comma[base[~last] + n_columns - 1]
    padded = np.append(separators, 0)
    entry_start = np.where(k == 0, value_start[owner], padded[np.maximum(base - 1, 0)] + 1)
    entry_end = np.where(last, value_end[owner], padded[np.minimum(base + n_columns - 1, len(separators))])

    def column(j: int) -> tuple[_Ints, _Ints]:
        begin = entry_start if j == 0 else separators[base + j - 1] + 1
        end = entry_end if j == n_columns - 1 else separators[base + j]
        return begin, end - begin

    gene_begin, gene_len = column(layout.gene) if len(owner) else (owner, owner)
    if len(owner):
        for j in layout.clinvar:
            begin, length = column(j)
            entry_ok &= _missing(a, begin, length)
        for j in layout.scores:
            begin, length = column(j)
            entry_ok &= _missing(a, begin, length) | _are_numbers(a, begin, length)
        common = np.zeros(len(owner), dtype=np.bool_)
        for j in layout.frequency:
            begin, length = column(j)
            values = _numbers(a, begin, length)
            entry_ok &= _missing(a, begin, length) | ~np.isnan(values)
            # The highest frequency is above the limit when any one is (NaN compares False).
            common |= values > layout.common_af
        entry_ok &= common
        entry_ok &= gene_len <= _MAX_GENE
    bad_entries = np.bincount(owner[~entry_ok], minlength=len(value_start))
    common = shaped & (bad_entries == 0) & (n_entries > 0)
    return common, owner, gene_begin, gene_len
