"""Read a patient's VCF or BCF into the variant calls of one proband.

htslib (through pysam) opens the file, validates the header and parses every record, so a file that
``bcftools`` accepts is read the same way here. The reader then works from each record's text form
(``str(record)``): one C call that yields every column, which is several times faster than pysam's per-field
accessors, and which makes BCF and VCF input take the same path.

Most alleles of an exome or genome are common, and genotype interpretation never uses a common allele that
has no ClinVar significance (see docs/genotype.md, "Reading speed"). For such an allele the reader only
checks its transcript entry's frequency, ClinVar and score columns, and keeps the raw entry in a tuple; the
:class:`VariantCall` is built from it, identical to the one a full read gives, when ``calls`` is read. Every
count, warning and skipped line is decided during the read, for these alleles as for the others.

For a single-sample text VCF a bulk screen comes first (:mod:`._screen`, :meth:`_Reader._read_screened`): it
finds, with array operations on the decompressed text, the lines whose allele would be set aside, and the
lines of plain form that the per-record code can read from their text; only the other lines go to htslib,
through a temporary file with the same header.

How htslib behaves on bad input (found by experiment with pysam 0.24.1 / htslib 1.24, plain and bgzipped
text alike):

* A line htslib cannot parse (non-numeric or negative POS, fewer than 8 columns or fewer sample columns than
  the header, a GT or PS that is not a number, a blank line, a ``#`` line among the records, a final line
  cut off mid-record) raises ``OSError("truncated file")`` or ``OSError/ValueError("unable to parse…")``
  from ``next()``. The line is consumed and the next ``next()`` reads the following line normally. The
  reader reads the line back to tell why (blank lines are ignored, not reported), skips it and lists it.
* Some damage parses without complaint: a record without FORMAT/sample columns (its samples are absent), a
  GT allele beyond the ALT count (pysam reports it as missing), REF ``.``, QUAL ``abc`` (read as 0), an
  undeclared contig or INFO key (added to the header on the fly). The reader checks what it uses itself.
* A damaged bgzip block (bgzipped VCF or BCF) makes every later ``next()`` fail at the same file offset,
  for ever: the reader stops with :class:`InputError` rather than return the records before it. A file cut
  short is refused at open (no BGZF end-of-file marker). As a safety net the reader also checks that htslib
  stopped at the end of the file. A whole bgzip block cut out of the middle cannot be noticed by anyone.
* A plain-gzip (not bgzip) file cannot be opened by pysam at all; an index that exists but is damaged is
  ignored by htslib without an error, so the reader checks it explicitly.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import errno
import functools
import gc
import gzip
import io
import math
import os
import re
import tempfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Container, Generator, Iterator, Sequence
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

import numpy as np
import numpy.typing as npt
import pysam

from marbledx.errors import InputError
from marbledx.genotype._annotation import (
    MISSING,
    NO_FREQUENCY,
    AlleleAnnotation,
    AnnotationValues,
    InfoFields,
    NumberReader,
    TranscriptField,
)
from marbledx.genotype._interpret import _ZYGOSITY_RANK, MAX_AF_DOMINANT, MAX_AF_RECESSIVE
from marbledx.genotype._model import (
    NUCLEAR_CHROMOSOMES,
    PSEUDOAUTOSOMAL_REGIONS,
    AnnotationMode,
    CallSequence,
    ClinvarLookup,
    ClinvarSignificance,
    GeneLocator,
    GenomeBuild,
    ParentalOrigin,
    VariantCall,
    VcfReadResult,
    Zygosity,
    make_call,
    normalise_chrom,
    placed_in_gene,
    primary_chromosome,
)

if TYPE_CHECKING:
    # Imported where used: the screen brings numba (and its compiled code), which only single-sample text VCFs
    # need (see read_vcf).
    from marbledx.genotype._screen import Classified, ScreenedChunk, ScreenLayout

__all__ = ["detect_build", "read_vcf"]

Sex = Literal["female", "male"]

# Pseudoautosomal regions, 1-based inclusive: the GRC's PAR1 and PAR2 of each build (genotype/_model.py, from
# https://www.ncbi.nlm.nih.gov/grc/human), shared with interpretation.
_PARS = PSEUDOAUTOSOMAL_REGIONS

# Symbolic ALT alleles of a breakend (a junction at POS, not a span): VCF 4.2's <BND>, as GATK-SV writes it with INFO
# CHR2 and END2, and the older <TRA>. Their END, where given, may be a position on another chromosome.
_BREAKEND_SYMBOLS = frozenset({"<BND>", "<TRA>"})
# The mate's position in a breakend ALT (VCF 4.2, section 5.4: t[p[, t]p], ]p]t, [p[t, with p = chrom:pos).
_MATE_POSITION = re.compile(r"[\[\]]([^\[\]]+):(\d+)[\[\]]")
# How far apart (in bases, on each side) two breakend records that name no mate may join the same two places and
# still be one junction event: the two junctions of one reciprocal translocation, which DELLY writes as two records
# with no link between them, or one junction written twice. 1,000 bases is DELLY's own limit for calling two of its
# records the same rearrangement (`delly merge --bp-offset`, default 1000, max. breakpoint offset;
# github.com/dellytools/delly, src/merge.cpp).
_JUNCTION_OFFSET = 1_000

# Words in a ##reference= value that name a build (matched case-insensitively, as substrings, so file names
# such as "hs37d5.fa" or "GRCh38_full_analysis_set.fa" count).
_REFERENCE_WORDS: tuple[tuple[str, GenomeBuild], ...] = (
    ("grch37", "GRCh37"),
    ("hg19", "GRCh37"),
    ("b37", "GRCh37"),
    ("hs37d5", "GRCh37"),
    ("grch38", "GRCh38"),
    ("hg38", "GRCh38"),
)
# Lengths of chromosomes 1 and X, which differ between the builds. GRC assembly sequence reports for
# GRCh37.p13 (GCF_000001405.25) and GRCh38.p14 (GCF_000001405.40).
_CONTIG_LENGTHS: dict[tuple[str, int], GenomeBuild] = {
    ("1", 249250621): "GRCh37",
    ("1", 248956422): "GRCh38",
    ("X", 155270560): "GRCh37",
    ("X", 156040895): "GRCh38",
}

# A file is judged an exome or genome (so a gene without a qualifying variant was looked at, not merely left
# out of a panel) when its records touch this many genes or chromosomes. marbledx's own thresholds: bone and
# osteopetrosis panels hold tens to a few hundred genes on a handful of chromosomes, while an exome touches
# most of the ~19,000 protein-coding genes on every chromosome.
_GENOME_WIDE_GENES = 1000
_GENOME_WIDE_CHROMS = 20

# ALT alleles that are not variants of their own: the spanning-deletion placeholder and gVCF's "any other
# allele". A proband "carrying" one of them carries the overlapping deletion, reported on its own record.
_NOT_VARIANTS = frozenset({"*", "<*>", "<NON_REF>"})

_MAX_LISTED = 12  # sample names listed in an error message
_MAX_LINES = 20  # line numbers listed in a warning

# Chromosomes on which a haploid GT is expected: a male's X and Y, and the mitochondrial genome.
_HAPLOID_CHROMS = frozenset({"X", "Y", "MT"})

# The empty block that ends every BGZF file (SAM/BAM format specification, section 4.1.2).
_BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
_MAX_TAIL = 64 * len(_BGZF_EOF)

# A parsed GT, computed once per distinct GT string: the allele indices (None for "."), whether it is phased,
# the highest allele index, and for each ALT carried (index, zygosity before the X/Y rule, haplotype).
_Carried = tuple[int, Zygosity, int | None]
_Genotype = tuple[tuple[int | None, ...], bool, int, tuple[_Carried, ...]]


# A common allele set aside by the read (see _Reader._records): chrom, pos, ref, alt, GT, zygosity, gene from
# the gene table, chosen CSQ/ANN entry, INFO annotation, haplotype, phase set, origin, line number, and the
# other genes the allele is in (the chosen CSQ/ANN entry of each, or the further genes of the gene table).
_SetAside = tuple[
    str,
    int,
    str,
    str,
    str,
    Zygosity,
    str | None,
    str | None,
    AlleleAnnotation | None,
    int | None,
    int | None,
    ParentalOrigin,
    int | None,
    tuple[str, ...],
]

# A block of decompressed text with the line number of its first line, and what the screen made of it (None
# for the file's last line when it has no line end).
_Block = tuple[bytes, int, "ScreenedChunk | None"]

# Alleles more frequent than this in gnomAD are beyond every rarity limit of genotype interpretation, so when
# they have no ClinVar significance either, no rule counts them, lists them or lets them qualify.
_COMMON_AF = max(MAX_AF_DOMINANT, MAX_AF_RECESSIVE)


class _MalformedError(Exception):
    """A record htslib parsed but that cannot be used; the message is the reason."""


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the read, restoring its state afterwards.

    The read allocates about ten objects per record, none of them in reference cycles (refcounting frees
    them all), while the collector would repeatedly traverse the growing list of calls: pausing it saves
    about a fifth of the read time on an exome.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _quiet_htslib() -> Iterator[None]:
    """Silence htslib's own stderr messages; every problem is reported through our errors and warnings."""
    previous = pysam.get_verbosity()
    pysam.set_verbosity(0)
    try:
        yield
    finally:
        pysam.set_verbosity(previous)


def detect_build(header: pysam.VariantHeader) -> GenomeBuild | None:
    """The genome build a VCF header names: its ``##reference=`` line, else the lengths of contigs 1 and X.

    Returns ``None`` when neither tells, when the contig lengths contradict each other, or when the reference
    line and the contig lengths name different builds (:func:`read_vcf` then needs ``genome``).
    """
    found = _detect_build(header)
    return found[0] if found else None


def _detect_build(header: pysam.VariantHeader) -> tuple[GenomeBuild, str] | None:
    """The build and the source that names it (``##reference`` or ``contig lengths``), or ``None`` when the
    header does not tell or its two sources disagree (:func:`_build_conflict` says how)."""
    reference, lengths = _header_builds(header)
    if reference is not None:
        return None if lengths not in (None, reference) else (reference, "##reference")
    if lengths is not None:
        return lengths, "contig lengths"
    return None


def _header_builds(header: pysam.VariantHeader) -> tuple[GenomeBuild | None, GenomeBuild | None]:
    """The build the first telling ``##reference=`` line names, and the build the lengths of contigs 1 and X
    tell; each ``None`` when absent, or when it names both builds."""
    reference: GenomeBuild | None = None
    for record in header.records:
        if record.key == "reference" and record.value:
            value = record.value.lower()
            named = {build for word, build in _REFERENCE_WORDS if word in value}
            if len(named) == 1:
                reference = named.pop()
                break
    builds: set[GenomeBuild] = set()
    for name, contig in header.contigs.items():
        length = contig.length
        if length is not None and isinstance(name, str):
            build = _CONTIG_LENGTHS.get((normalise_chrom(name), length))
            if build is not None:
                builds.add(build)
    return reference, builds.pop() if len(builds) == 1 else None


def _build_conflict(header: pysam.VariantHeader, where: str) -> str | None:
    """The error for a header whose ``##reference`` line and contig lengths name different builds, or ``None``.

    Such a header cannot be trusted either way (a reference line copied from another pipeline, or contigs
    declared from another FASTA), and the wrong build would look the coordinates up in the wrong ClinVar and
    gene tables: only the user can say which build the coordinates are in.
    """
    reference, lengths = _header_builds(header)
    if reference is None or lengths is None or reference == lengths:
        return None
    return (
        f"{where}: the header's ##reference line names {reference} but its contig lengths are those of "
        f"{lengths}; pass --genome GRCh37|GRCh38 to say which build the coordinates are in"
    )


def _listing(samples: Sequence[str]) -> str:
    shown = ", ".join(samples[:_MAX_LISTED])
    return shown if len(samples) <= _MAX_LISTED else f"{shown}, … ({len(samples)} in all)"


def _is_bgzf(head: bytes) -> bool:
    # A BGZF block is a gzip member with the FEXTRA flag and a "BC" extra subfield (SAM/BAM spec, section 4.1).
    return len(head) >= 14 and head[:2] == b"\x1f\x8b" and bool(head[3] & 4) and head[12:14] == b"BC"


def _open(path: Path, where: str) -> pysam.VariantFile:
    if not path.exists():
        msg = f"{where}: no such file"
        raise InputError(msg)
    if path.is_dir():
        msg = f"{where}: is a folder; expected a VCF or BCF file"
        raise InputError(msg)
    if not path.is_file():
        # The file is read more than once (header line count, explanations of rejected lines).
        msg = f"{where}: not a regular file (a pipe or device); save the VCF to a file first"
        raise InputError(msg)
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError as exc:
        msg = f"{where}: cannot be read ({exc.strerror or exc})"
        raise InputError(msg) from None
    if not head:
        msg = f"{where}: not a VCF/BCF file (the file is empty)"
        raise InputError(msg)
    if head[:2] == b"\x1f\x8b" and not _is_bgzf(head):
        msg = f"{where}: compressed with plain gzip, which htslib cannot read as VCF; recompress it with `bgzip` (or decompress it)"
        raise InputError(msg)
    # Checked before htslib sees the file: an xz-compressed file aborts the whole process inside htslib
    # (pysam 0.24.1 / htslib 1.24), and the others get only "Exec format error".
    for magic, what in _OTHER_FORMATS:
        if head.startswith(magic):
            msg = f"{where}: {what}"
            raise InputError(msg)
    # htslib says only that a header is invalid (ValueError) or that it does not recognise the format (OSError
    # ENOEXEC, "Exec format error"); its reason goes to the silenced stderr. So the file's first bytes and
    # header lines are read here to name the problem (_header_problem), with htslib's verdict as the fallback.
    try:
        vcf = pysam.VariantFile(str(path), "r")
    except ValueError as exc:
        problem = _header_problem(path)
        if problem is not None:
            msg = f"{where}: {problem}"
        elif "valid header" in str(exc):
            # htslib recognised a VCF (##fileformat=VCF or BCF magic) but could not parse its header.
            msg = f"{where}: htslib cannot parse the VCF header; check its ## lines and the #CHROM line (`bcftools view -h` names the fault)"
        else:
            inside = "bgzip-compressed, but " if head[:2] == b"\x1f\x8b" else ""
            msg = (
                f"{where}: not a VCF/BCF file ({inside}htslib finds no ##fileformat=VCF header or BCF magic)"
            )
        raise InputError(msg) from None
    except NotImplementedError as exc:
        msg = f"{where}: cannot be read as VCF/BCF ({exc})"
        raise InputError(msg) from None
    except OSError as exc:
        if "EOF marker" in str(exc):
            msg = f"{where}: the compressed file is truncated (no BGZF end-of-file marker); copy or export it again"
        elif exc.errno == errno.ENOEXEC:
            problem = _header_problem(path)
            msg = f"{where}: {problem or 'not a VCF/BCF file (htslib does not recognise its format)'}"
        else:
            msg = f"{where}: cannot be read ({exc.strerror or exc})"
        raise InputError(msg) from None
    try:
        # pysam decodes header text as UTF-8 only when it is used (sample names, INFO descriptions), which
        # would fail later with a UnicodeDecodeError: check the whole header now.
        str(vcf.header)
    except UnicodeDecodeError:
        _close(vcf)
        problem = _header_problem(path) or "the header is not UTF-8 text; save the file as UTF-8 text"
        msg = f"{where}: {problem}"
        raise InputError(msg) from None
    return vcf


# The columns every #CHROM line starts with (VCF 4.2 specification, section 1.5).
_FIXED_COLUMNS = ("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")
_HEAD_BYTES = 4096  # the start of a file checked for text
_TEXT_BYTES = b"\t\n\r" + bytes(range(32, 256))  # tab, line ends, printable ASCII and UTF-8 bytes
# Magic numbers of archive and compression formats htslib does not read, with what to do about each.
_OTHER_FORMATS: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip archive, not a VCF/BCF file; unzip it and give the VCF inside"),
    (b"BZh", "compressed with bzip2, which htslib cannot read as VCF; decompress it or use bgzip"),
    (b"\xfd7zXZ\x00", "compressed with xz, which htslib cannot read as VCF; decompress it or use bgzip"),
    (b"(\xb5/\xfd", "compressed with zstd, which htslib cannot read as VCF; decompress it or use bgzip"),
)
_SAVE_UTF8 = "save it as UTF-8 text (in a text editor: Save As, encoding UTF-8)"


def _header_problem(path: Path) -> str | None:
    """What is wrong with the start of a file htslib refused, read from its bytes; ``None`` when not found.

    Finds text in another encoding (UTF-16, a byte-order mark, non-UTF-8 bytes in the header), binary data,
    and a missing or malformed ``#CHROM`` line (spaces for tabs, an empty or duplicate sample name), and
    compressed data that cannot be decompressed. A file whose first line is not ``##fileformat=VCF`` gives
    ``None``: htslib's own verdict (not a VCF) is right.
    """
    compressed = False
    try:
        with path.open("rb") as raw:
            compressed = raw.read(2) == b"\x1f\x8b"
        with _open_raw(path) as handle:
            head = handle.read(_HEAD_BYTES)
            if head.startswith(b"BCF"):
                return None  # binary by design; a BCF's header problems are htslib's to tell
            problem = _not_text(head)
            if problem is not None:
                return problem
            handle.seek(0)
            return _header_lines_problem(handle)
    except (OSError, EOFError, zlib.error) as exc:
        # htslib, too, reads a header it cannot decompress as an invalid header.
        if compressed:
            return f"the compressed data is damaged ({exc}); copy or export the file again"
        return None


def _not_text(head: bytes) -> str | None:
    """Why the first bytes of a (decompressed) file are not VCF text, or ``None``."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "the file starts with a byte-order mark (BOM), which htslib does not accept; save it as UTF-8 text without a BOM"
    # UTF-16 with a byte-order mark, or without one: "##" is then "#\0#\0" (little-endian) or "\0#\0#".
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"#\x00#\x00", b"\x00#\x00#")):
        return f"the file is UTF-16 text, which htslib cannot read; {_SAVE_UTF8}"
    for magic, what in _OTHER_FORMATS:
        if head.startswith(magic):
            return what
    # Text holds no control bytes other than tab, line feed and carriage return.
    if head.translate(None, _TEXT_BYTES):
        return "not a VCF/BCF file (it holds binary data, not text); export the variants as VCF text or BCF"
    return None


def _header_lines_problem(lines: Iterator[bytes]) -> str | None:
    """The first problem of a text VCF's header lines that makes htslib refuse it, or ``None``."""
    number = 0
    for number, raw in enumerate(lines, start=1):
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            byte = raw[exc.start]
            return f"line {number} of the header is not UTF-8 text (byte 0x{byte:02x}); {_SAVE_UTF8}"
        if number == 1 and not line.startswith("##fileformat=VCF"):
            return None
        if line.startswith("#CHROM"):
            return _chrom_line_problem(line, number)
        if not line.startswith("#"):
            return f"the header has no #CHROM line (the tab-separated line naming the columns and samples) before the first record at line {number}"
    if number == 0:
        return None
    return "the header has no #CHROM line (the tab-separated line naming the columns and samples) at its end"


def _chrom_line_problem(line: str, number: int) -> str | None:
    """What htslib finds wrong with the ``#CHROM`` line (line ``number``), or ``None``."""
    where = f"the #CHROM line (line {number})"
    columns = line.split("\t")
    if len(columns) < len(_FIXED_COLUMNS):
        if len(line.split()) >= len(_FIXED_COLUMNS):
            return f"{where} separates its columns with spaces instead of tabs"
        return f"{where} has {len(columns)} tab-separated columns; it needs {' '.join(_FIXED_COLUMNS)}, then FORMAT and the sample names"
    if tuple(columns[: len(_FIXED_COLUMNS)]) != _FIXED_COLUMNS:
        return f"{where} does not start with the columns {' '.join(_FIXED_COLUMNS)} (tab-separated)"
    if len(columns) > len(_FIXED_COLUMNS) and columns[8] != "FORMAT":
        return f"{where} has {columns[8][:20]!r} as its 9th column; expected FORMAT, then the sample names"
    if len(columns) == 9:
        return f"{where} has a FORMAT column but no sample names"
    seen: dict[str, int] = {}
    for column, name in enumerate(columns[9:], start=10):
        if not name.strip():
            return f"{where} has an empty sample name in column {column} (a stray tab at the line's end?)"
        if name in seen:
            return f"the sample name {name!r} appears twice in {where}, in columns {seen[name]} and {column}; sample names must be unique"
        seen[name] = column
    return None


def _check_indexes(path: Path, vcf: pysam.VariantFile) -> None:
    """An index beside a compressed VCF/BCF that htslib cannot load means a damaged or foreign file."""
    if vcf.compression != "BGZF":
        return
    for suffix in (".tbi", ".csi"):
        index = Path(f"{path}{suffix}")
        if not index.is_file():
            continue
        try:
            probe = pysam.VariantFile(str(path), "r", index_filename=str(index))
        except (OSError, ValueError):
            loaded = False
        else:
            loaded = probe.index is not None
            _close(probe)
        if not loaded:
            msg = (
                f"{index}: the index file cannot be read (damaged, or not a tabix/CSI index of {path.name}); "
                f"re-create it with `tabix -p vcf` or `bcftools index`, or delete it"
            )
            raise InputError(msg)


def _close(vcf: pysam.VariantFile) -> None:
    # After a damaged bgzip block htslib also fails to close the file; the read has already been reported.
    with contextlib.suppress(OSError):
        vcf.close()


def _open_raw(path: Path) -> io.BufferedIOBase:
    """The file's text lines, line ends kept (pysam's BGZFile strips them, hiding blank and cut-off lines).

    BGZF is a series of gzip members, so the standard gzip module reads it.
    """
    with path.open("rb") as handle:
        compressed = handle.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if compressed else path.open("rb")


def _count_header_lines(path: Path) -> int:
    count = 0
    with _open_raw(path) as handle:
        for line in handle:
            if not line.startswith(b"#"):
                break
            count += 1
    return count


class _UnreadableError(Exception):
    """The file's bytes cannot be read back (a damaged bgzip block)."""


class _RawLines:
    """Forward-only access to the text lines of a (bgzipped) VCF, used only to explain a rejected record."""

    def __init__(self, path: Path) -> None:
        self._handle = _open_raw(path)
        self._number = 0

    def get(self, number: int) -> str | None:
        """Line ``number`` (1-based) with its line end, or ``None`` past the end of the file."""
        line = b""
        while self._number < number:
            try:
                line = self._handle.readline()
            except (OSError, EOFError, zlib.error) as exc:
                raise _UnreadableError(str(exc) or type(exc).__name__) from None
            if not line:
                return None
            self._number += 1
        return line.decode("utf-8", errors="replace")

    def close(self) -> None:
        with contextlib.suppress(OSError, EOFError, zlib.error):
            self._handle.close()


def _diagnose(raw: str | None, n_samples: int) -> str | None:
    """Why htslib rejected a text line, or ``None`` when the line is blank (not a record at all)."""
    if raw is None:
        return "the line could not be read back"
    text = raw.rstrip("\r\n")
    if not text.strip():
        return None
    cut = "" if raw.endswith("\n") else "incomplete last line, the file may be truncated; "
    if text.startswith("#"):
        return f"{cut}a header or comment line among the records"
    columns = text.split("\t")
    expected = 9 + n_samples if n_samples else 8
    if len(columns) < 8 and len(text.split()) >= 8:
        return f"{cut}columns separated by spaces instead of tabs"
    if len(columns) < expected:
        return f"{cut}{len(columns)} tab-separated columns, {expected} expected"
    if not columns[1].isdigit():
        return f"{cut}POS {columns[1][:20]!r} is not a position"
    return f"{cut}htslib cannot parse it; check its values against the header definitions"


def _parse_gt(text: str) -> _Genotype | None:
    """A GT value parsed, or ``None`` when it is not a genotype (``0/1``, ``1|0``, ``1``, ``./.``)."""
    phased = "|" in text
    alleles: list[int | None] = []
    for token in text.replace("|", "/").split("/"):
        if token == ".":
            alleles.append(None)
        elif token.isdigit():
            alleles.append(int(token))
        else:
            return None
    carried: list[_Carried] = []
    for allele in sorted({a for a in alleles if a}):
        zygosity: Zygosity
        haplotype: int | None = None
        if len(alleles) == 1:
            zygosity = "hemizygous"
        elif all(a == allele for a in alleles):
            zygosity = "homozygous"
        else:
            zygosity = "heterozygous"
            if phased and len(alleles) == 2:
                haplotype = alleles.index(allele)
        carried.append((allele, zygosity, haplotype))
    return tuple(alleles), phased, max((a for a in alleles if a), default=0), tuple(carried)


def _info_value(info: str, key: str) -> str | None:
    """The raw value of INFO ``key`` in an INFO column's text."""
    prefix = key + "="
    if info.startswith(prefix):
        start = len(prefix)
    else:
        found = info.find(";" + prefix)
        if found < 0:
            return None
        start = found + len(prefix) + 1
    end = info.find(";", start)
    return info[start:] if end < 0 else info[start:end]


def _resolve_build(
    header: pysam.VariantHeader, genome: GenomeBuild | None, where: str, genome_source: str | None = None
) -> GenomeBuild:
    """The build of the file: the header's, which must agree with ``genome`` when both are known.

    ``genome_source`` names where ``genome`` came from for the error message (default: ``--genome``). A
    header that contradicts itself is refused unless ``genome`` settles it.
    """
    conflict = _build_conflict(header, where)
    if conflict is not None:
        if genome is None:
            raise InputError(conflict)
        return genome
    detected = _detect_build(header)
    if detected is None:
        if genome is None:
            msg = f"{where}: the genome build cannot be told from the header (no ##reference line or known contig lengths); pass --genome GRCh37|GRCh38"
            raise InputError(msg)
        return genome
    build, source = detected
    if genome is not None and genome != build:
        given = f"--genome {genome} was given" if genome_source is None else f"{genome_source} says {genome}"
        msg = f"{where}: the VCF is {build} (from {source}) but {given}"
        raise InputError(msg)
    return build


def _choose_samples(
    samples: list[str], sample: str | None, father: str | None, mother: str | None, where: str
) -> tuple[str, list[str]]:
    """The proband's name and the sample names to read (proband, then the parents that were named)."""
    if not samples:
        msg = f"{where}: the VCF has no sample columns (a sites-only VCF); genotypes are needed"
        raise InputError(msg)
    if sample is None:
        if len(samples) > 1:
            msg = f"{where}: the VCF has {len(samples)} samples ({_listing(samples)}); pass --sample NAME to choose the proband"
            raise InputError(msg)
        sample = samples[0]
    wanted = [sample]
    for role, name in (("sample", sample), ("father", father), ("mother", mother)):
        if name is None:
            continue
        if name not in samples:
            msg = f"{where}: {role} {name!r} is not a sample of the VCF; samples: {_listing(samples)}"
            raise InputError(msg)
        if role != "sample":
            if name == sample:
                msg = f"{where}: {role} {name!r} is the proband's own sample"
                raise InputError(msg)
            wanted.append(name)
    return sample, wanted


class _Reader:
    """State of one read. The per-record work is in :meth:`_records`, kept in one function for speed."""

    def __init__(
        self,
        path: Path,
        vcf: pysam.VariantFile,
        *,
        build: GenomeBuild,
        sex: Sex | None,
        transcripts: TranscriptField | None,
        info_fields: InfoFields,
        gene_locator: GeneLocator | None,
        clinvar: ClinvarLookup | None,
        columns: tuple[int, int | None, int | None],
        file_samples: int,
        strict: bool,
    ) -> None:
        self.path = path
        self.where = str(path)
        self.vcf = vcf
        self.build: GenomeBuild = build
        self.sex = sex
        self.transcripts = transcripts
        self.info_fields = info_fields
        self.gene_locator = gene_locator
        self.clinvar = clinvar
        self.columns = columns
        self.strict = strict
        self.text = vcf.format == "VCF"
        self.n_samples = len(vcf.header.samples)  # the samples read (after subset_samples)
        self.file_samples = file_samples  # the samples each text line holds
        self.header_lines = _count_header_lines(path) if self.text else 0
        # Every carried allele in file order: a VariantCall, a _SetAside tuple for a common allele, or the
        # number of a line the screen took (see _ScreenedLines).
        self.calls: list[VariantCall | _SetAside | int] = []
        self.eager: list[VariantCall] = []  # the calls built during the read
        self.covered: set[str] = set()
        self.covered_bytes: set[bytes] = set()  # genes of screened lines, decoded once at the end
        self.chroms: set[str] = set()
        self.n_records = 0
        self.skipped: list[int] = []
        # Alleles carried in records whose FILTER is neither PASS nor "." (never evidence), and their number
        # by FILTER value.
        self.filtered: list[VariantCall] = []
        self.filter_values: Counter[str] = Counter()
        # Lines (VCF) or records (BCF) with no genotype for the proband, and with a haploid GT on an autosome.
        self.uncalled: list[int] = []
        self.haploid: list[int] = []
        # Lines (VCF) or records (BCF) of <CNV> alleles whose GT and FORMAT CN give different zygosities.
        self.copy_number_disputes: list[int] = []
        # (line or record, chromosome, position) of each heterozygous call on a male's X or Y outside the PARs,
        # among the calls built in full (docs/genotype.md, "A male's X and Y").
        self.male_heterozygous: list[tuple[int, str, int]] = []
        # The first malformed record skipped (in file order) and why, for the warning.
        self.first_skip: tuple[int, str] | None = None
        # Every allele built in full, with where it was read (in the order read, which the screened path does
        # not keep: see repeats()), by its identity (VariantCall.key: a symbolic breakend's includes its other
        # side, so two junctions at one position to different places are not repeats of one allele).
        self.built_alleles: list[tuple[int, str]] = []
        # (line or record, CHROM as written, POS, ALT carried, genes named) of each carried allele on a contig
        # outside the primary assembly, or on the mitochondrial genome annotated with a nuclear gene: not placed
        # in any gene (docs/genotype.md, "Contigs outside the primary assembly").
        self.unplaced: list[tuple[int, str, int, str, tuple[str, ...]]] = []
        self._raw: _RawLines | None = None
        # Alleles more frequent than this (and unclassified) are set aside; infinity turns that off.
        self.common_af = _COMMON_AF
        # The lines the screen took, kept to build their calls on demand (see _read_screened).
        self.screened = _ScreenedLines(self)
        # Breakend records that name no mate, indexed by (chromosome, other chromosome, position // offset):
        # (position, other position, event) for each side, to link the junctions of one event (_junction_event).
        self.junctions: dict[tuple[str, str, int], list[tuple[int, int, str]]] = defaultdict(list)

    def _junction_event(self, record_id: str, chrom: str, pos: int, partner: tuple[str, int]) -> str:
        """The event of a breakend record that names no mate and no event, joining ``chrom``:``pos`` to ``partner``.

        DELLY writes each junction of a translocation as one record of its own (ID ``BND…``, INFO ``CHR2`` and
        ``POS2``, no mate), so a reciprocal translocation, whose two junctions break the same two places, is two
        unlinked records at neighbouring positions (``BND00018142`` and ``BND00018143``). Both are one event on
        one haplotype: counted as two alleles, they made a compound heterozygote of one translocation. So a record
        whose two sides each lie within :data:`_JUNCTION_OFFSET` bases of an earlier such record's two sides (in
        either order) joins that record's event; so do the two mates of a pair whose ``MATEID`` a later tool
        dropped, which name each other's positions exactly.
        """
        other_chrom, other_pos = partner
        offset = _JUNCTION_OFFSET
        junctions = self.junctions
        near = (
            known
            for bin_ in (pos // offset - 1, pos // offset, pos // offset + 1)
            for first, second, known in junctions.get((chrom, other_chrom, bin_), ())
            if abs(first - pos) <= offset and abs(second - other_pos) <= offset
        )
        event = next(near, None) or f"JUNCTION={chrom}:{pos}" + ("" if record_id == "." else f":{record_id}")
        junctions[(chrom, other_chrom, pos // offset)].append((pos, other_pos, event))
        junctions[(other_chrom, chrom, other_pos // offset)].append((other_pos, pos, event))
        return event

    def read(self, layout: ScreenLayout | None = None) -> None:
        """Read every record; with ``layout``, screen the text in bulk first (see :mod:`._screen`)."""
        try:
            if layout is None:
                self._records(self._parsed(self.vcf, self.path, None))
            else:
                self._read_screened(layout)
        finally:
            if self._raw is not None:
                self._raw.close()

    def _read_screened(self, layout: ScreenLayout) -> None:
        """Screen the text in bulk (:func:`screen_chunk`); hand the lines it leaves to htslib and :meth:`_records`.

        The lines left are written, under the file's own header, to a temporary VCF that htslib parses as it
        would have parsed them in place; their line numbers are mapped back to the user's file. The screened
        lines count as records, their genes as covered and their chromosomes as seen; each becomes a number in
        ``calls`` that :meth:`_ScreenedLines.call` turns into its call, built by :meth:`_records` itself.
        """
        from marbledx.genotype._screen import screen_chunk  # see the imports above

        clinvar = self.clinvar
        classified: Classified | None = None
        if clinvar is not None:

            def classified(chrom: str, pos: int, ref: str, alt: str) -> bool:
                return clinvar.significance(normalise_chrom(chrom), pos, ref, alt) is not None

        screened = self.screened
        rest_numbers: list[int] = []
        with tempfile.TemporaryDirectory(prefix="marbledx-") as scratch:
            rest_path = Path(scratch) / "rest.vcf"
            with rest_path.open("wb") as rest:
                chunks = _text_chunks(self.path, self.where, self.header_lines)
                try:
                    rest.write(next(chunks))  # the header
                    first_number = self.header_lines + 1
                    # (A worker thread screening block i + 1 while this one reads block i was tried, and one
                    # decompressing ahead: the threads contend for the interpreter lock and the read was no
                    # faster.)
                    for data in chunks:
                        if data.endswith(b"\n"):
                            chunk = screen_chunk(data, layout, classified, _PLACEMENT)
                            self._take((data, first_number, chunk), rest, rest_numbers)
                            first_number += len(chunk.ends)
                        else:  # the file's last line, cut off: htslib judges it
                            self._take((data, first_number, None), rest, rest_numbers)
                finally:
                    chunks.close()
            if rest_numbers:
                vcf = pysam.VariantFile(str(rest_path), "r")
                try:
                    self._records(self._parsed(vcf, rest_path, rest_numbers))
                finally:
                    _close(vcf)
                    if self._raw is not None:  # it reads the temporary file, which is about to go
                        self._raw.close()
                        self._raw = None
        self.covered.update(gene.decode("ascii") for gene in self.covered_bytes)
        self.n_records += len(screened)
        # The lines were read out of file order (plain ones block by block, the others at the end): put the
        # calls and every list of line numbers back in file order.
        self.calls = screened.merge(self.calls)
        self.eager.sort(key=attrgetter("line"))
        for numbers in (self.skipped, self.uncalled, self.haploid, self.copy_number_disputes):
            numbers.sort()
        self.male_heterozygous.sort()
        self.unplaced.sort()

    def repeats(self) -> list[tuple[int, int]]:
        """(where, where first read) of each allele built in full that an earlier record already had."""
        first_seen: dict[str, int] = {}
        pairs: list[tuple[int, int]] = []
        for where, allele in sorted(self.built_alleles, key=itemgetter(0)):
            first = first_seen.setdefault(allele, where)
            if first != where:
                pairs.append((where, first))
        return pairs

    def _take(self, block: _Block, rest: io.BufferedWriter, rest_numbers: list[int]) -> None:
        """Read a screened block's plain lines, write its other lines to ``rest``, keep its screened lines."""
        data, first_number, chunk = block
        if chunk is None:  # the last line of the file, cut off
            rest.write(data)
            rest_numbers.append(first_number)
            return
        if len(chunk.plain):
            # Lines of plain form need no parse by htslib: their text is what htslib would give.
            plain = chunk.plain
            self._records(_lines_of(data, chunk.starts[plain], chunk.ends[plain], plain + first_number))
        slow = chunk.slow
        if len(slow):
            starts, ends = chunk.starts[slow].tolist(), chunk.ends[slow].tolist()
            rest.write(b"".join(data[start : end + 1] for start, end in zip(starts, ends, strict=True)))
            rest_numbers.extend((slow + first_number).tolist())
        taken = chunk.screened
        if len(taken):
            self.screened.add(data, chunk.starts[taken], chunk.ends[taken], taken + first_number)
            self.covered_bytes.update(chunk.genes)
            self.chroms.update(normalise_chrom(chrom) for chrom in chunk.chroms)

    def _skip(self, number: int, reason: str) -> None:
        """Skip line (VCF) or record (BCF) ``number``; in strict mode stop instead."""
        if self.strict:
            kind, unit = ("VCF", "line") if self.text else ("BCF", "record")
            msg = f"{self.where} {unit} {number}: malformed {kind} record ({reason})"
            raise InputError(msg)
        self.skipped.append(number)
        # The screened read meets the lines out of file order (see _read_screened): keep the lowest.
        if self.first_skip is None or number < self.first_skip[0]:
            self.first_skip = (number, reason)

    def _damaged(self, number: int, reason: object) -> InputError:
        unit = "line" if self.text else "record"
        msg = f"{self.where}: the file is damaged at or after {unit} {number} ({reason}) and htslib cannot read on; export or compress it again"
        return InputError(msg)

    def _rejected(self, path: Path, attempt: int, exc: Exception, numbers: Sequence[int] | None) -> None:
        """htslib refused record ``attempt`` of ``path``: skip it, unless its line is merely blank.

        ``numbers`` maps the records of ``path`` (the lines the screen left, see :meth:`_read_screened`) to
        their line numbers in the user's file.
        """
        if not self.text:
            self._skip(attempt, f"htslib: {exc}")
            return
        number = self.header_lines + attempt
        if self._raw is None:
            self._raw = _RawLines(path)
        try:
            raw = self._raw.get(number)
        except _UnreadableError as problem:
            raise self._damaged(number, problem) from None
        reason = _diagnose(raw, self.file_samples)
        if reason is not None:
            self._skip(number if numbers is None else numbers[attempt - 1], reason)

    def _check_read_to_end(self, vcf: pysam.VariantFile, path: Path) -> None:
        """htslib ended the records: make sure it reached the end of the file and did not give up early."""
        stopped = _stopped_early(vcf, path)
        if stopped is not None:
            size = path.stat().st_size
            msg = f"{self.where}: htslib stopped reading at byte {stopped} of {size}; the file is damaged, export or compress it again"
            raise InputError(msg)

    def _parsed(
        self, vcf: pysam.VariantFile, path: Path, numbers: Sequence[int] | None
    ) -> Iterator[tuple[int, int | None, str]]:
        """(where, line number, text) of each record htslib parses from ``vcf``; it skips the others.

        ``where`` is the line number of a text VCF (mapped through ``numbers`` when given), else the BCF
        record number; the line number is ``None`` for BCF.
        """
        next_record = vcf.__next__
        text = self.text
        header_lines = self.header_lines
        attempts = 0
        last_error_offset: int | None = None
        while True:
            try:
                record = next_record()
            except StopIteration:
                self._check_read_to_end(vcf, path)
                return
            except (OSError, ValueError) as exc:
                attempts += 1
                # After a parse error htslib has consumed the line and moves on; after damage to the
                # compressed stream it fails again at the same offset, for ever.
                offset = _tell(vcf)
                if offset is not None and offset == last_error_offset:
                    raise self._damaged(header_lines + attempts if text else attempts, exc) from None
                last_error_offset = offset
                self._rejected(path, attempts, exc, numbers)
                continue
            attempts += 1
            if not text:
                yield attempts, None, str(record)
            elif numbers is None:
                yield header_lines + attempts, header_lines + attempts, str(record)
            else:
                number = numbers[attempts - 1]
                yield number, number, str(record)

    def _records(self, source: Iterator[tuple[int, int | None, str]]) -> None:
        """Read the records of ``source`` ((where, line number, text) each, as :meth:`_parsed` gives them)."""
        # One long loop on purpose: a helper call per record costs measurable throughput, so the work every
        # record needs is inline and only the work of rare records is in helpers.
        transcripts = self.transcripts
        key = transcripts.key if transcripts is not None else ""
        prefix = key + "="
        gene_column = transcripts.gene_column if transcripts is not None else 0
        gene_of = itemgetter(gene_column)  # set(map(gene_of, …)) runs in C, unlike a set comprehension
        needed = transcripts.columns_needed if transcripts is not None else 0
        info_fields = self.info_fields
        info_present = info_fields.present
        locator = self.gene_locator if transcripts is None else None
        # Which genes of the table a deletion removes whole (GeneRegions.genes_within); a GeneLocator without
        # the method leaves every table allele of unknown consequence.
        genes_within: Callable[[str, int, int], tuple[str, ...]] | None = getattr(
            locator, "genes_within", None
        )
        clinvar = self.clinvar
        covered = self.covered
        chroms = self.chroms
        calls = self.calls
        eager = self.eager
        filtered = self.filtered
        filter_values = self.filter_values
        uncalled = self.uncalled
        haploid = self.haploid
        copy_number_disputes = self.copy_number_disputes
        sex = self.sex
        built_alleles = self.built_alleles
        proband_col, father_col, mother_col = self.columns
        with_parents = father_col is not None or mother_col is not None
        min_columns = 9 + self.n_samples
        male = self.sex == "male"
        pars = _PARS[self.build]
        common_af = self.common_af
        chrom_names: dict[str, str] = {}
        gts: dict[str, _Genotype | None] = {}
        no_parents: tuple[frozenset[int | None] | None, frozenset[int | None] | None] = (None, None)
        raw_chrom = chrom = last_chrom = ""
        nuclear = True  # whether chrom is a nuclear chromosome of the primary assembly
        raw_entries: list[str] = []
        n_records = 0

        for where, line_number, record_text in source:
            try:
                columns = record_text.rstrip("\n").split("\t")
                if len(columns) < min_columns:
                    msg = f"{len(columns)} columns, {min_columns} expected (sample values missing)"
                    raise _MalformedError(msg)
                if columns[0] != raw_chrom:
                    raw_chrom = columns[0]
                    chrom = chrom_names.get(raw_chrom) or chrom_names.setdefault(
                        raw_chrom, normalise_chrom(raw_chrom)
                    )
                    nuclear = chrom in NUCLEAR_CHROMOSOMES
                pos = int(columns[1])
                ref = columns[3]
                if ref in {".", ""}:
                    msg = "REF is missing"
                    raise _MalformedError(msg)
                alt_text = columns[4]
                alts = alt_text.split(",") if alt_text != "." else []
                info = columns[7]
                # A breakend (VCF 4.2, section 5.4): ALT in breakend notation (N]chr2:500]), <BND> or <TRA>. Its
                # records are linked into one event, and a record that names no mate is a whole junction, whose
                # other side (partner) is a place it disrupts too; rare records, so the work is in helpers.
                breakend = (
                    "[" in alt_text
                    or "]" in alt_text
                    or ("<" in alt_text and ("<BND>" in alt_text or "<TRA>" in alt_text))
                )
                partner = _partner(info, chrom, alt_text) if breakend else None
                partner_genes: tuple[str, ...] = ()

                value = ""
                several = False
                entries: list[list[str]] | None = None
                genes: tuple[str, ...] = ()
                if transcripts is not None:
                    # The CSQ/ANN value, as _info_value(info, key) finds it: partition is the cheapest search,
                    # and the first "CSQ=" is the key unless it ends another key ("XCSQ=").
                    head, found, value = info.partition(prefix)
                    if found and head and head[-1] != ";":
                        value = _info_value(info, key) or ""
                    elif ";" in value:
                        value = value.partition(";")[0]
                    # As transcripts.entries(value), inlined.
                    several = "," in value
                    if several:
                        raw_entries = value.split(",")
                        entries = []
                        for entry in raw_entries:
                            parts = entry.split("|")
                            if len(parts) < needed:
                                transcripts.pad(parts)
                            entries.append(parts)
                    elif value:
                        parts = value.split("|")
                        if len(parts) < needed:
                            transcripts.pad(parts)
                        entries = [parts]
                elif locator is not None:
                    end = pos + len(ref) - 1
                    if "<" in alt_text and not _junction(alt_text, info, chrom):
                        # A symbolic allele (<DEL>, <DUP>, …) spans to INFO END, not to the end of REF (one base). A
                        # breakend does not: it is a junction at POS (see _junction).
                        end = _symbolic_end(info, pos, end)
                    genes = locator.genes_at(chrom, pos, end)
                    if partner is not None and not _names_mate(info) and primary_chromosome(partner[0]):
                        # A junction written as one record (DELLY, GATK-SV): no mate record places its other side,
                        # so the record does, or a gene broken there would count no allele at all. (Not where
                        # that side is on a contig outside the primary assembly, which places no gene's allele.)
                        partner_genes = tuple(
                            g
                            for g in locator.genes_at(partner[0], partner[1], partner[1])
                            if g not in genes and placed_in_gene(partner[0], g)
                        )

                fmt = columns[8]
                gt_text = ""
                genotype: _Genotype | None = None
                parents = no_parents
                gt_at = 0  # the position of GT among the FORMAT keys
                if fmt == "GT":
                    gt_text = columns[proband_col]
                elif fmt.startswith("GT:"):
                    gt_text = columns[proband_col].partition(":")[0]
                else:
                    # The VCF specification puts GT first, but htslib accepts it anywhere (DP:GT); such a GT is
                    # read, not ignored. A FORMAT without GT leaves the record without a genotype.
                    gt_at = _gt_position(fmt)
                    if gt_at < 0:
                        fmt = ""
                    else:
                        gt_text = _subfield(columns[proband_col], gt_at)
                if fmt:
                    genotype = gts.get(gt_text)
                    if genotype is None or genotype[2] > len(alts):
                        genotype = _genotype(gts, gt_text, len(alts))
                    if genotype[3] and with_parents:
                        parents = (
                            _parent_alleles(gts, columns, father_col, len(alts), gt_at),
                            _parent_alleles(gts, columns, mother_col, len(alts), gt_at),
                        )
                # A <CNV> allele with the proband's FORMAT CN below the normal number is a copy-number loss
                # (docs/genotype.md, "Copy-number losses"). Rare records, so the work is in a helper.
                loss: _Loss | None = None
                if alt_text == "<CNV>":
                    loss = _copy_number_loss(columns[8], columns[proband_col], chrom, pos, sex, pars)
                    if loss is not None and (genotype is None or not genotype[3]):
                        if genotype is not None and 0 in genotype[0]:
                            # GT calls a reference copy and not the allele (0/0, 0/., 0): it disputes the loss.
                            # Neither is trusted over the other, so the lower reading wins: no allele.
                            copy_number_disputes.append(where)
                            loss = None
                        else:
                            # No GT, or none called (".", "./."), as callers often write for copy-number
                            # records (VCF 4.3, "Encoding Structural Variants", its <DUP> examples): the
                            # zygosity is the one the copy number implies.
                            genotype = _copy_number_genotype(loss[0])
                            gt_text = gt_text or "."  # no GT in FORMAT: the call shows VCF's missing value
                elif (
                    genotype is not None
                    and len(genotype[0]) == 1
                    and len(genotype[3]) == 1
                    and alts[genotype[3][0][0] - 1] == "<DEL>"
                ):
                    # A haploid GT naming a <DEL> with a copy number: GATK's gCNV writes every segment so
                    # (ALT <DEL>,<DUP>, GT 0, 1 or 2 for the allele, FORMAT CN the copy number), whatever the
                    # ploidy. Its GT then says which allele, not how many copies: CN does (see "Copy-number
                    # losses" in docs/genotype.md). Read as a haploid call, a homozygous deletion of TCIRG1
                    # (CN 0) was one allele, carrier status.
                    loss = _copy_number_loss(columns[8], columns[proband_col], chrom, pos, sex, pars)
                    if loss is not None:
                        allele_index = genotype[3][0][0]
                        genotype = ((allele_index,), False, allele_index, ((allele_index, loss[0], None),))
            except _MalformedError as problem:
                self._skip(where, str(problem))
                continue

            n_records += 1
            # A contig outside the primary assembly (alt, decoy, unplaced, HLA), or the mitochondrial genome annotated
            # with a nuclear gene: the genes its annotation names (else None). Its alleles are in no gene, and it
            # tests none (docs/genotype.md, "Contigs outside the primary assembly"). Rare records: a helper.
            unplaced = None if nuclear else _unplaced(chrom, entries, gene_column, genes + partner_genes)
            if genotype is None or (not genotype[3] and 0 not in genotype[0]):
                # No genotype for the proband here (no GT, or "./."): the site was not called in this person, so
                # it shows nothing about the genes it is in. Counting them as looked at would lower their
                # diseases as if the test had found nothing there (docs/genotype.md, "Input").
                uncalled.append(where)
                continue
            several_genes = False  # whether the entries name more than one gene
            if entries is not None:
                if several:
                    record_genes = set(map(gene_of, entries))
                    if unplaced is None:
                        covered.update(record_genes)
                    n_genes = len(record_genes)
                    if n_genes > 1:  # not counting the missing values (MISSING), without a new set
                        n_genes -= ("" in record_genes) + ("." in record_genes) + ("-" in record_genes)
                        several_genes = n_genes > 1
                elif unplaced is None:
                    covered.add(entries[0][gene_column])
            elif (genes or partner_genes) and unplaced is None:
                covered.update(genes)
                covered.update(partner_genes)
            if chrom != last_chrom and unplaced is None:
                chroms.add(chrom)
                last_chrom = chrom
            if not genotype[3]:
                continue
            alleles, phased, _, carried = genotype
            # FILTER other than PASS or ".": the caller's own filters rejected the record (LowQual, a VQSR
            # tranche, …). Its alleles are never evidence: they are built in full (never set aside) into
            # filtered_calls, not calls, and counted for one warning. The record itself was read like any other
            # (its genes stay covered).
            filter_text = columns[6]
            rejected = filter_text != "PASS" and filter_text != "."
            if not rejected and ":FT" in fmt:
                # FORMAT FT, the sample's own genotype filter ("sample genotype filter indicating if this genotype
                # was called", VCF 4.2, section 1.4.2): Strelka2, DELLY and GATK's VariantFiltration write it, and
                # in a multi-sample file FILTER can be PASS while the proband's genotype failed. Such a call is
                # rejected like one whose FILTER failed (rare records, so the work is in a helper).
                sample_filter = _sample_filter(fmt, columns[proband_col])
                if sample_filter is not None:
                    rejected = True
                    filter_text = f"FT {sample_filter}"
            phase_set = _phase_set(fmt, columns[proband_col]) if phased and len(alleles) == 2 else None
            if not phased and ":PGT" in fmt and len(carried) == 1 and carried[0][1] == "heterozygous":
                # GATK's read-backed (physical) phasing kept in PGT/PID beside an unphased GT (rare records:
                # the work is in a helper).
                physical = _physical_phase(fmt, columns[proband_col], alleles, carried[0][0])
                if physical is not None:
                    carried, phase_set = physical
            for allele, zygosity, haplotype in carried:
                alt = alts[allele - 1]
                if alt in _NOT_VARIANTS:
                    continue
                if male and zygosity == "homozygous" and chrom in pars and not _in_par(pars[chrom], pos):
                    # A male has one X and one Y outside the PARs; callers write such calls as diploid 1/1.
                    zygosity = "hemizygous"
                elif zygosity == "hemizygous" and chrom not in _HAPLOID_CHROMS:
                    # A haploid GT on an autosome is a caller's ploidy setting, not proof that the other copy is
                    # lost: interpretation counts it as one allele, and a warning names the lines.
                    haploid.append(where)
                elif zygosity == "hemizygous" and sex == "female" and chrom != "MT":
                    # So is a haploid GT on a female's X (a pipeline run with a male's ploidy, or a sample
                    # mix-up): she has two X chromosomes, and the call shows one allele, not both copies. Read
                    # as hemizygous, interpretation counted it twice, a homozygous genotype for X-linked
                    # recessive disease. It is one allele of two copies (heterozygous), and the warning names it.
                    zygosity = "heterozygous"
                    haploid.append(where)
                disputed = False
                if loss is not None and zygosity != loss[0]:
                    # GT and CN disagree on the number of copies lost (0/1 with CN 0, 1/1 with CN 1). Neither
                    # is trusted over the other: the lower zygosity is read, as for an allele that two records
                    # give different genotypes, and the genotype note asks for confirmation.
                    disputed = True
                    copy_number_disputes.append(where)
                    if _ZYGOSITY_RANK[loss[0]] < _ZYGOSITY_RANK[zygosity]:
                        zygosity = loss[0]
                # A heterozygous call where a male has one copy (X or Y outside the PARs) cannot be what it says:
                # the reader names it in a warning, and interpretation does not take it for his single copy
                # (docs/genotype.md, "A male's X and Y").
                male_heterozygous = (
                    male and zygosity == "heterozygous" and chrom in pars and not _in_par(pars[chrom], pos)
                )
                mate_id: str | None = None
                event: str | None = None
                if breakend:
                    mate_id, event = _breakend_link(columns[2], info)
                    if event is None and mate_id is None and partner is not None:
                        event = self._junction_event(columns[2], chrom, pos, partner)
                origin: ParentalOrigin = _origin(allele, *parents) if with_parents else "unknown"

                # The fast path (docs/genotype.md, "Reading speed"): an allele more common in gnomAD than any
                # rarity limit, without any ClinVar significance, cannot matter to interpretation. It is set
                # aside as a tuple, and its VariantCall built only if someone reads it.
                chosen: int | None = None
                chosen_parts: list[str] | None = None
                further: list[int] | None = None  # the chosen entries of the allele's other genes
                frequency: float | None = NO_FREQUENCY
                # Gene-table mode: the genes a deletion allele removes whole, whose consequence is then known
                # (transcript_ablation). Such an allele is never set aside (the set-aside tuple has no room
                # for a consequence); whole-gene deletions are few.
                ablated: tuple[str, ...] = ()
                if genes and genes_within is not None and (alt.startswith("<") or len(alt) < len(ref)):
                    ablated = _ablated_genes(
                        genes_within, genes, chrom, pos, ref, alt, allele, len(alts), info, loss is not None
                    )
                if entries is not None:
                    if several_genes:
                        # One choice per gene (docs/genotype.md, "Annotation"), the first as choose_index's.
                        choices = transcripts.choose_by_gene(entries, ref, alts, allele - 1)  # type: ignore[union-attr]
                        if choices:
                            chosen = choices[0]
                            if len(choices) > 1:
                                further = choices[1:]
                    elif several or len(alts) > 1:
                        chosen = transcripts.choose_index(entries, ref, alts, allele - 1)  # type: ignore[union-attr]
                    else:
                        chosen = 0
                    if chosen is not None:
                        chosen_parts = entries[chosen]
                        frequency = transcripts.common_frequency(chosen_parts)  # type: ignore[union-attr]
                        if further is not None:
                            # Set aside only when common and unclassified in the entry of every gene.
                            for j in further:
                                if frequency is None:
                                    break
                                other = transcripts.common_frequency(entries[j])  # type: ignore[union-attr]
                                if other is None or other < frequency:
                                    frequency = other
                info_annotation: AlleleAnnotation | None = None
                if info_present:
                    info_annotation = info_fields.annotation(info, allele - 1)
                    if info_annotation is not None and frequency is not None:
                        if info_annotation.clinvar is not None:
                            frequency = None
                        elif info_annotation.gnomad_af is not None and info_annotation.gnomad_af > frequency:
                            frequency = info_annotation.gnomad_af
                if unplaced is not None:
                    # In no gene: the allele is read without its annotation (the screen's build of a common one does
                    # the same), and named in the warning unless it is common and unclassified.
                    if frequency is None or frequency <= _UNNAMED_AF:
                        self.unplaced.append((where, columns[0], pos, alt, unplaced))
                    chosen = chosen_parts = further = info_annotation = None
                    genes = partner_genes = ablated = ()
                looked_up = False
                table_significance: ClinvarSignificance | None = None
                # Never set aside: a whole-gene deletion (its consequence), a copy-number loss (its CN) or a breakend
                # (its mate and event), which the set-aside tuple has no room for.
                if (
                    frequency is not None
                    and frequency > common_af
                    and not rejected
                    and not ablated
                    and loss is None
                    and not breakend
                ):
                    if clinvar is not None:
                        table_significance = clinvar.significance(chrom, pos, ref, alt)
                        looked_up = True
                    if table_significance is None:
                        calls.append(
                            (
                                chrom,
                                pos,
                                ref,
                                alt,
                                gt_text,
                                zygosity,
                                (genes[0] if genes else None) if locator is not None else None,
                                None if chosen is None else raw_entries[chosen] if several else value,
                                info_annotation,
                                haplotype,
                                None if haplotype is None else phase_set,
                                origin,
                                line_number,
                                tuple(map(raw_entries.__getitem__, further))
                                if further is not None
                                else genes[1:],
                            )
                        )
                        continue

                # The full path.
                values: AnnotationValues | None = None
                if chosen_parts is not None:
                    values = transcripts.values(chosen_parts)  # type: ignore[union-attr]
                if info_annotation is not None:
                    values = _merge(values, info_annotation)
                gene, consequence, hgvs_c, hgvs_p, transcript, gnomad_af, annotated, revel, cadd = (
                    _NO_VALUES if values is None else values
                )
                if ablated and genes[0] in ablated:
                    consequence = _TRANSCRIPT_ABLATION  # inferred from the span; no HGVS or transcript
                significance: ClinvarSignificance | None
                if annotated is not None:
                    significance = annotated
                else:
                    if clinvar is not None and not looked_up:
                        table_significance = clinvar.significance(chrom, pos, ref, alt)
                        looked_up = True
                    significance = table_significance
                call = make_call(
                    chrom,
                    pos,
                    ref,
                    alt,
                    gt_text,
                    zygosity,
                    gene if locator is None else (genes[0] if genes else None),
                    consequence,
                    hgvs_c,
                    hgvs_p,
                    transcript,
                    gnomad_af,
                    significance,
                    revel,
                    cadd,
                    haplotype,
                    None if haplotype is None else phase_set,
                    origin,
                    line_number,
                    (),
                    None if loss is None else loss[1],
                    disputed,
                    mate_id,
                    event,
                    None if partner is None else f"{partner[0]}:{partner[1]}",
                    _symbolic_deletion_end(info, pos, alt, allele, len(alts), loss is not None)
                    if alt.startswith("<")
                    else None,
                )
                if further is not None or len(genes) > 1:
                    # The allele is in several genes: it is assessed in each (docs/genotype.md, "Annotation").
                    if clinvar is not None and not looked_up:
                        table_significance = clinvar.significance(chrom, pos, ref, alt)
                    call = _with_other_genes(
                        call,
                        transcripts,
                        [raw_entries[j] for j in further] if further is not None else genes[1:],
                        info_annotation,
                        table_significance,
                        None,
                        ablated,
                    )
                if partner_genes:
                    call = _with_partner_genes(call, partner_genes, partner)  # type: ignore[arg-type]
                # The same allele in two records (a merge or concatenation of overlapping files) would be read
                # as two alleles, or with two genotypes: say where (only for alleles built in full, the ones
                # interpretation reads, so the check costs nothing on the common alleles set aside).
                built_alleles.append((where, call.key))
                if rejected:
                    filtered.append(call)
                    filter_values[filter_text] += 1
                    continue
                if male_heterozygous:
                    self.male_heterozygous.append((where, chrom, pos))
                calls.append(call)
                eager.append(call)
        self.n_records += n_records


_NO_VALUES: AnnotationValues = (None, None, None, None, None, None, None, None, None)


def _unplaced(
    chrom: str, entries: list[list[str]] | None, gene_column: int, table_genes: tuple[str, ...]
) -> tuple[str, ...] | None:
    """The genes named by a record on ``chrom`` (normalised; not a nuclear chromosome of the primary assembly), its
    CSQ/ANN entries' or else the gene table's, when the record is placed in no gene; ``None`` when it is placed as
    usual: only a record of the mitochondrial genome whose genes are all mitochondrial.

    A diagnostic laboratory reports a gene's alleles on the primary assembly (:func:`placed_in_gene`): a call on an
    alt, decoy, unplaced or HLA contig, even one that VEP or the gene table puts in TCIRG1, is not an allele of
    TCIRG1 until it is lifted over to chromosome 11 and confirmed there. Counted beside chromosome 11's alleles, it
    made a false second allele (a compound heterozygote, OPTB1 LR in the hundreds).
    """
    if entries is not None:
        named = tuple(dict.fromkeys(e[gene_column] for e in entries if e[gene_column] not in MISSING))
    else:
        named = table_genes
    if chrom == "MT" and all(placed_in_gene(chrom, gene) for gene in named):
        return None
    return named


def _on_primary(chrom: str) -> bool:
    """Whether ``chrom`` (as written) is a nuclear chromosome of the primary assembly, where every allele is placed
    in the genes its annotation names."""
    return normalise_chrom(chrom) in NUCLEAR_CHROMOSOMES


def _placed_in(chrom: str, genes: Sequence[str]) -> bool:
    """Whether a record on ``chrom`` (as written, not a nuclear chromosome of the primary assembly) whose entries name
    ``genes`` is placed in them: only a record of the mitochondrial genome whose genes are all mitochondrial."""
    bare = normalise_chrom(chrom)
    return bare == "MT" and all(placed_in_gene(bare, gene) for gene in genes if gene not in MISSING)


# How the bulk screen tells the lines whose genes the reader counts as tested (see _unplaced).
_PLACEMENT = (_on_primary, _placed_in)

# Alleles more common than this without a ClinVar value are not named in the warning about contigs outside the
# primary assembly: no rule would count them on any contig. (Bound here, not read from _COMMON_AF when used, so
# that a read that sets no allele aside names the same ones.)
_UNNAMED_AF = _COMMON_AF

# Numbers read again when a set-aside allele is built; they were checked (and found clean) during the read.
_SILENT = NumberReader()


# Whether text VCFs are screened in bulk before the per-record read (tests switch it off to compare).
_SCREEN = True

# The bulk screen has a fixed cost: loading numba and the screen's compiled code takes about 0.35 s with numba's
# cache filled, and compiling it (the first read on a machine, or every read where no cache folder is writable)
# about 12 s. It saves 3.5-8 µs per record (docs/genotype.md, "Reading speed"), so it pays only from some
# 45,000-100,000 records, and a gene panel, an example or a test file is read record by record without loading
# numba. The file's size on disk stands for its records: from 1 MiB compressed (about 40,000 records of one CSQ
# entry each, 17,000 of 1-4 entries) or 6 MiB as text, so that every exome-sized file is screened.
# Tests set these to 0 to screen every file.
_SCREEN_MIN_BYTES_TEXT = 6 << 20
_SCREEN_MIN_BYTES_COMPRESSED = 1 << 20

# Decompressed text is screened in blocks of about this size: large enough that the per-block work of numpy is
# negligible, small enough that its temporary arrays stay in the processor's caches and memory stays low.
_CHUNK_BYTES = 4 << 20


def _text_chunks(path: Path, where: str, header_lines: int) -> Generator[bytes, None, None]:
    """The text of a (bgzipped) VCF: first its ``header_lines`` header lines, then blocks of whole lines. Only
    the file's last line can lack its line end. (The reader numbers the lines: the screen counts them anyway.)"""
    with path.open("rb") as handle:
        compressed = handle.read(2) == b"\x1f\x8b"
    source = _decompressing(path) if compressed else path.open("rb")
    pending = b""
    try:
        header = b""
        while header_lines:
            block = _read_block(source, path, where)
            if not block:
                break
            pending += block
            end = -1
            for _ in range(header_lines):
                end = pending.find(b"\n", end + 1)
                if end < 0:
                    break
            if end >= 0:
                header, pending = pending[: end + 1], pending[end + 1 :]
                break
        yield header
        while True:
            block = _read_block(source, path, where)
            data = pending + block
            cut = data.rfind(b"\n") + 1
            if cut:
                yield data[:cut]
            pending = data[cut:]
            if not block:
                break
        if pending:
            yield pending
    finally:
        with contextlib.suppress(OSError):
            source.close()


def _decompressing(path: Path) -> io.BufferedIOBase:
    """The decompressed text of a bgzipped file, read with ISA-L's inflate (python-isal).

    BGZF is a series of gzip members (SAM/BAM format specification, section 4.1), which a gzip reader reads
    in turn; ISA-L inflates them in about 40% of the time zlib (htslib's inflate) takes, and checks each
    member's CRC32. Only the bulk screen's read uses it; htslib still parses every record it reads.
    """
    from isal import igzip  # imported on first use, as the screen is (see the imports above)

    opener = cast("Callable[[Path, str], io.BufferedIOBase]", igzip.open)  # its stub leaves it untyped
    return opener(path, "rb")


def _decompression_errors() -> tuple[type[Exception], ...]:
    """What a damaged bgzipped file raises while it is decompressed (by :func:`_decompressing`)."""
    from isal import igzip_lib

    isal_error = cast("type[Exception]", igzip_lib.IsalError)  # its stub declares an instance, not the class
    return OSError, EOFError, zlib.error, isal_error


def _read_block(source: io.BufferedIOBase, path: Path, where: str) -> bytes:
    """The next block of decompressed text; a damaged file stops the read with the line where damage starts."""
    try:
        block: bytes = source.read(_CHUNK_BYTES)
    except _decompression_errors() as exc:
        line = _first_damaged_line(path)
        msg = f"{where}: the file is damaged at or after line {line} ({exc}) and it cannot be decompressed past there; export or compress it again"
        raise InputError(msg) from None
    return block


def _first_damaged_line(path: Path) -> int:
    """The number of the line in which a damaged bgzipped file can no longer be read (read again, 64 KiB at a
    time: a BGZF block holds at most that much text)."""
    lines = 0
    source = _decompressing(path)
    try:
        while block := source.read(1 << 16):
            lines += block.count(b"\n")
    except _decompression_errors():
        pass
    finally:
        with contextlib.suppress(OSError):
            source.close()
    return lines + 1


class _ScreenedLines:
    """The lines the screen took (see :meth:`_Reader._read_screened`), kept as text until a call is wanted.

    Line ``index`` (0-based, in file order) stands in ``calls`` as the number ``index``; :meth:`call` builds its
    call with the reader's own per-record code, on a copy of the reader that sets nothing aside.
    """

    def __init__(self, reader: _Reader) -> None:
        self._reader = reader
        self._texts: list[bytes] = []
        self._starts: list[npt.NDArray[np.int64]] = []
        self._ends: list[npt.NDArray[np.int64]] = []
        self._numbers: list[npt.NDArray[np.int64]] = []
        self._first = [0]  # the index of each block's first line, and the count after the last
        self._builder: _Reader | None = None
        self._built: dict[int, list[VariantCall]] = {}

    def __len__(self) -> int:
        return self._first[-1]

    def add(
        self,
        text: bytes,
        starts: npt.NDArray[np.int64],
        ends: npt.NDArray[np.int64],
        numbers: npt.NDArray[np.int64],
    ) -> None:
        """Keep lines [starts, ends) of ``text``, with their line numbers."""
        self._texts.append(text)
        self._starts.append(starts)
        self._ends.append(ends)
        self._numbers.append(numbers)
        self._first.append(self._first[-1] + len(starts))

    def merge(self, calls: list[VariantCall | _SetAside | int]) -> list[VariantCall | _SetAside | int]:
        """``calls`` (of the other lines, in file order) and the screened lines' numbers, in file order."""
        # Before the merge ``calls`` holds only calls and set-aside tuples (line number at 12), never numbers.
        lines = [item.line if isinstance(item, VariantCall) else item[12] for item in calls]  # type: ignore[index]
        keys = np.concatenate([np.array(lines, dtype=np.int64), *self._numbers])
        pool: list[VariantCall | _SetAside | int] = [*calls, *range(len(self))]
        if len(pool) < 2:
            return pool
        return list(itemgetter(*np.argsort(keys, kind="stable").tolist())(pool))

    def call(self, index: int) -> VariantCall:
        """The call of screened line ``index``: the one allele its GT carries.

        The calls of the line's whole block are built at once (running the per-record code once per block,
        not once per call) and kept.
        """
        block = bisect.bisect_right(self._first, index) - 1
        built = self._built.get(block)
        if built is None:
            built = self._built[block] = self._build_block(block)
        return built[index - self._first[block]]

    def _build_block(self, block: int) -> list[VariantCall]:
        lines = _lines_of(self._texts[block], self._starts[block], self._ends[block], self._numbers[block])
        builder = self._builder if self._builder is not None else self._new_builder()
        builder._records(lines)
        built = builder.eager[:]
        builder.calls.clear()
        builder.eager.clear()
        if len(built) != len(self._starts[block]):  # each screened line carries exactly one allele
            msg = f"{self._reader.where}: internal error rebuilding screened calls"
            raise AssertionError(msg)
        return built

    def _new_builder(self) -> _Reader:
        builder = copy.copy(self._reader)
        builder.common_af = math.inf
        builder.calls, builder.eager, builder.filtered = [], [], []
        builder.covered, builder.chroms = set(), set()
        builder.filter_values = Counter()
        builder.uncalled, builder.haploid, builder.skipped = [], [], []
        builder.copy_number_disputes = []
        builder.male_heterozygous = []
        builder.built_alleles = []
        builder.unplaced = []
        self._builder = builder
        return builder


def _lines_of(
    text: bytes, starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64], numbers: npt.NDArray[np.int64]
) -> Iterator[tuple[int, int | None, str]]:
    """Lines [starts, ends) of ``text``, numbered ``numbers``, as :meth:`_Reader._records` takes them."""
    for start, end, number in zip(starts.tolist(), ends.tolist(), numbers.tolist(), strict=True):
        yield number, number, text[start:end].decode("ascii")


def _build_item(
    transcripts: TranscriptField | None, table_gene: bool, screened: _ScreenedLines, item: _SetAside | int
) -> VariantCall:
    """The call of an item of ``calls`` that the read did not build: a set-aside allele or a screened line."""
    if type(item) is int:
        return screened.call(item)
    return _build_call(transcripts, table_gene, item)  # type: ignore[arg-type]


def _build_call(transcripts: TranscriptField | None, table_gene: bool, item: _SetAside) -> VariantCall:
    """The call of an allele the read set aside: the call the full path builds, field for field."""
    (
        chrom,
        pos,
        ref,
        alt,
        gt_text,
        zygosity,
        gene_in_table,
        entry,
        info_annotation,
        haplotype,
        phase_set,
        origin,
        line_number,
        further,
    ) = item
    values: AnnotationValues | None = None
    if entry is not None and transcripts is not None:
        values = transcripts.values(transcripts.split(entry), _SILENT)
    if info_annotation is not None:
        values = _merge(values, info_annotation)
    gene, consequence, hgvs_c, hgvs_p, transcript, gnomad_af, _, revel, cadd = (
        _NO_VALUES if values is None else values
    )
    call = make_call(
        chrom,
        pos,
        ref,
        alt,
        gt_text,
        zygosity,
        gene_in_table if table_gene else gene,
        consequence,
        hgvs_c,
        hgvs_p,
        transcript,
        gnomad_af,
        None,
        revel,
        cadd,
        haplotype,
        phase_set,
        origin,
        line_number,
    )
    if further:
        # Set aside, so no gene's entry has a ClinVar value, and neither has INFO or the ClinVar table.
        call = _with_other_genes(call, transcripts, further, info_annotation, None, _SILENT)
    return call


def _with_other_genes(
    call: VariantCall,
    transcripts: TranscriptField | None,
    further: Sequence[str],
    info_annotation: AlleleAnnotation | None,
    table_significance: ClinvarSignificance | None,
    numbers: NumberReader | None,
    ablated: Container[str] = (),
) -> VariantCall:
    """``call`` with its ``other_genes``: the same allele in each further gene it is in.

    ``further`` holds the chosen CSQ/ANN entry (its text) of each further gene, or, with a gene table
    (``transcripts`` ``None``), the further genes' symbols. An entry is read as the allele's own entry is:
    completed by the INFO values, ClinVar from the entry, else INFO, else ``table_significance`` (the ClinVar
    table's value for the allele); ``numbers`` counts non-numeric values (``None``: the field's own reader).
    A gene-table call differs only in its gene and in its consequence: ``transcript_ablation`` in the genes
    of ``ablated`` (those the deletion removes whole), else unknown.
    """
    views: list[VariantCall] = []
    for item in further:
        if transcripts is None:
            # Each gene its own consequence: the deletion may remove one gene whole and another in part.
            consequence = _TRANSCRIPT_ABLATION if item in ablated else None
            view = make_call(
                call.chrom, call.pos, call.ref, call.alt, call.genotype, call.zygosity, item, consequence,
                call.hgvs_c, call.hgvs_p, call.transcript, call.gnomad_af, call.clinvar, call.revel,
                call.cadd_phred, call.haplotype, call.phase_set, call.origin, call.line, (),
                call.copy_number, call.copy_number_disputed, call.mate_id, call.breakend_event, call.partner, call.end,
            )  # fmt: skip
            views.append(view)
            continue
        values = _merge(transcripts.values(transcripts.split(item), numbers), info_annotation)
        gene, consequence, hgvs_c, hgvs_p, transcript, gnomad_af, annotated, revel, cadd = (
            _NO_VALUES if values is None else values
        )
        significance = annotated if annotated is not None else table_significance
        view = make_call(
            call.chrom, call.pos, call.ref, call.alt, call.genotype, call.zygosity, gene, consequence, hgvs_c,
            hgvs_p, transcript, gnomad_af, significance, revel, cadd, call.haplotype, call.phase_set,
            call.origin, call.line, (), call.copy_number, call.copy_number_disputed, call.mate_id,
            call.breakend_event, call.partner, call.end,
        )  # fmt: skip
        views.append(view)
    # make_call, not dataclasses.replace, which costs several times as much.
    return make_call(
        call.chrom, call.pos, call.ref, call.alt, call.genotype, call.zygosity, call.gene, call.consequence,
        call.hgvs_c, call.hgvs_p, call.transcript, call.gnomad_af, call.clinvar, call.revel, call.cadd_phred,
        call.haplotype, call.phase_set, call.origin, call.line, tuple(views), call.copy_number,
        call.copy_number_disputed, call.mate_id, call.breakend_event, call.partner, call.end,
    )  # fmt: skip


def _stopped_early(vcf: pysam.VariantFile, path: Path) -> int | None:
    """The file offset where htslib stopped reading, if that is not the end of the file; else ``None``."""
    offset = _tell(vcf)
    if offset is None:
        return None
    if vcf.compression == "BGZF":
        # A BGZF virtual offset holds the compressed block's file offset in its upper 48 bits. Only empty
        # end-of-file blocks may remain after the last block read.
        start = offset >> 16
        with path.open("rb") as handle:
            handle.seek(start)
            tail = handle.read(_MAX_TAIL + 1)
        eof_blocks, rest = divmod(len(tail), len(_BGZF_EOF))
        return None if rest == 0 and tail == _BGZF_EOF * eof_blocks else start
    return None if offset >= path.stat().st_size else offset


def _tell(vcf: pysam.VariantFile) -> int | None:
    try:
        return vcf.tell()
    except (OSError, ValueError, NotImplementedError):
        return None


def _genotype(cache: dict[str, _Genotype | None], text: str, n_alts: int) -> _Genotype:
    if text in cache:
        parsed = cache[text]
    else:
        parsed = cache[text] = _parse_gt(text)
    if parsed is None:
        msg = f"GT {text[:20]!r} is not a genotype"
        raise _MalformedError(msg)
    if parsed[2] > n_alts:
        msg = f"GT {text[:20]!r} names an allele beyond the {n_alts} ALT allele(s)"
        raise _MalformedError(msg)
    return parsed


def _parent_alleles(
    cache: dict[str, _Genotype | None], columns: list[str], column: int | None, n_alts: int, gt_at: int
) -> frozenset[int | None] | None:
    """The alleles of a parent's GT (``None`` for a missing one), as a set: :func:`_origin` looks each of the
    child's alleles up in it, and a polyploid GT of thousands of alleles made a tuple's look-ups quadratic."""
    if column is None:
        return None
    return frozenset(_genotype(cache, _subfield(columns[column], gt_at), n_alts)[0])


def _gt_position(fmt: str) -> int:
    """The position of GT among a FORMAT column's keys, or -1 when the record gives no genotype."""
    keys = fmt.split(":")
    return keys.index("GT") if "GT" in keys else -1


def _subfield(sample: str, index: int) -> str:
    """Subfield ``index`` of a sample column; a trailing subfield left out reads as missing (VCF 4.2, 1.6.2)."""
    if index == 0:
        return sample.partition(":")[0]
    values = sample.split(":")
    return values[index] if index < len(values) else "."


def _origin(
    allele: int, father: frozenset[int | None] | None, mother: frozenset[int | None] | None
) -> ParentalOrigin:
    from_father = father is not None and allele in father
    from_mother = mother is not None and allele in mother
    if from_father and from_mother:
        return "both"
    if from_father:
        return "paternal"
    if from_mother:
        return "maternal"
    # De novo only when both parents were genotyped at this site and neither carries the allele.
    if father is not None and mother is not None and None not in father and None not in mother:
        return "de_novo"
    return "unknown"


def _phase_set(fmt: str, field: str) -> int:
    keys = fmt.split(":")
    if "PS" not in keys:
        return 0
    values = field.split(":")
    index = keys.index("PS")
    value = values[index] if index < len(values) else "."
    return int(value) if value.isdigit() else 0


def _physical_phase(
    fmt: str, sample: str, alleles: tuple[int | None, ...], allele: int
) -> tuple[tuple[_Carried, ...], int] | None:
    """The haplotype and phase set that GATK's physical phasing gives a heterozygous allele of an unphased GT.

    HaplotypeCaller phases nearby alleles from the reads that span them and writes the result in FORMAT PGT
    ("physical phasing haplotype information, describing how the alternate alleles are phased in relation to
    one another", ``0|1`` or ``1|0``) and PID ("physical phasing ID information, where each unique ID within
    a given sample connects records within a phasing group"; both from GATK's VCF header). GATK 3 and
    GenotypeGVCFs leave GT itself unphased (``0/1``). Two alleles with one PID and the same PGT are in cis; left
    unread, they were taken for a compound heterozygote. PID is the first variant of the group
    (``68042300_C_T``), so its position is the phase set, as in the PS that newer GATK versions write beside a
    phased GT. ``None`` when PGT or PID is missing or unreadable.
    """
    keys = fmt.split(":")
    if "PID" not in keys or len(alleles) != 2:
        return None
    values = sample.split(":")
    pgt_at, pid_at = keys.index("PGT"), keys.index("PID")
    if max(pgt_at, pid_at) >= len(values):
        return None
    pgt, pid = values[pgt_at], values[pid_at]
    position = pid.partition("_")[0]
    if pgt not in {"0|1", "1|0"} or not position.isdigit() or set(alleles) != {0, allele}:
        return None
    # PGT writes the allele as 1 in a biallelic record; the haplotype of the ALT is where PGT puts its 1.
    return ((allele, "heterozygous", pgt.index("1") // 2),), int(position)


def _junction(alt_text: str, info: str, chrom: str) -> bool:
    """Whether a symbolic record is a junction at POS, whose INFO END is not the end of a span on its chromosome.

    A breakend joins two positions; the bases between them are not changed by it (VCF 4.2, section 5.4). GATK-SV
    writes a breakend as one ``<BND>`` record with the other side in INFO ``CHR2`` and ``END2``; svtk, whose
    format GATK-SV took over, puts "the position on CHR2 in translocations" in ``END`` (svtk's standardize
    module). Read as a span, such an END placed the allele in every gene of the table between POS and a position
    on another chromosome. So ``<BND>`` and ``<TRA>`` records, and any record whose ``CHR2`` names another
    chromosome, are located at POS.
    """
    if any(symbol in alt_text for symbol in _BREAKEND_SYMBOLS):
        return True
    other = _info_value(info, "CHR2")
    return other is not None and other not in {"", "."} and normalise_chrom(other) != chrom


def _breakend_link(record_id: str, info: str) -> tuple[str | None, str | None]:
    """The mate a breakend record names (INFO ``MATEID``, else GRIDSS's ``PARID``), as written, and the name of the
    event it belongs to by those links (``None``: the record names no mate and no event).

    A rearrangement's junction is written as two breakend records, one at each side, each naming the other's
    position in its ALT and its ID in ``MATEID`` (VCF 4.2, section 5.4). Both mates describe one junction on one
    haplotype: one allele, not two. The event is, in this order: INFO ``EVENT`` ("ID of event associated to
    breakend", VCF 4.2), which also joins the records of a larger rearrangement (Manta gives the two junctions of
    an inversion one EVENT, GRIDSS both mates of a pair); else the record's ID and its mate's (Manta, GRIDSS,
    LUMPY, SvABA and GATK's SV pipeline write ``MATEID``; older GRIDSS releases write the partner breakend's ID in
    ``PARID``). A record that names neither is a whole junction on its own, as DELLY and GATK-SV write one; the
    reader links such records by their positions (:meth:`_Reader._junction_event`).
    """
    mate = _info_value(info, "MATEID")
    if mate in {"", "."}:
        mate = None
    if mate is None:
        mate = _info_value(info, "PARID")
        if mate in {"", "."}:
            mate = None
    event = _info_value(info, "EVENT")
    if event is not None and event not in {"", "."}:
        return mate, f"EVENT={event}"
    if mate is not None and record_id != ".":
        return mate, "MATEID=" + ",".join(sorted({record_id, *mate.split(",")}))
    return mate, None


def _partner(info: str, chrom: str, alt_text: str) -> tuple[str, int] | None:
    """The other side (chromosome normalised, position) of a breakend record's junction, where the record gives it.

    DELLY writes a translocation's junction as one record with the other side in INFO ``CHR2`` and ``POS2`` (and
    ``END`` one base after POS; DELLY's VCF header: "Genomic position for CHR2 in case of an inter-chromosomal
    translocation"), GATK-SV in ``CHR2`` and ``END2``, and svtk's older form in ``CHR2`` and ``END``. The VCF's own
    notation puts it in the ALT (``N]chr2:500]``, VCF 4.2, section 5.4), as DELLY also does. ``CHR2`` without a
    position, a single breakend (``N.``) or a ``<BND>`` without ``CHR2`` give none.
    """
    chrom2 = _info_value(info, "CHR2")
    if chrom2 is not None and chrom2 not in {"", "."}:
        for key in ("POS2", "END2"):
            text = _info_value(info, key)
            if text is not None and text.isdigit():
                return normalise_chrom(chrom2), int(text)
        if normalise_chrom(chrom2) != chrom and any(symbol in alt_text for symbol in _BREAKEND_SYMBOLS):
            text = _info_value(info, "END")
            if text is not None and text.isdigit():
                return normalise_chrom(chrom2), int(text)
    found = _MATE_POSITION.search(alt_text)
    if found is not None:
        return normalise_chrom(found[1]), int(found[2])
    return None


def _sample_filter(fmt: str, sample: str) -> str | None:
    """The proband's FORMAT ``FT`` when it says the genotype failed a filter (not ``PASS``, ``.`` or empty)."""
    keys = fmt.split(":")
    if "FT" not in keys:
        return None
    value = _subfield(sample, keys.index("FT"))
    return None if value in {"", ".", "PASS"} else value


def _names_mate(info: str) -> bool:
    """Whether a breakend record names a mate record (INFO ``MATEID``, or GRIDSS's ``PARID``)."""
    return any(_info_value(info, key) not in {None, "", "."} for key in ("MATEID", "PARID"))


def _with_partner_genes(call: VariantCall, genes: Sequence[str], partner: tuple[str, int]) -> VariantCall:
    """``call`` with a view in each of ``genes``, the genes at the other side (``partner``) of its junction.

    The view stands at the other side (its ``chrom`` and ``pos``), with the record's own position as its
    ``partner``, so that messages and the checks by position (a male's X outside the PARs) see where the junction
    breaks that gene. Its consequence is unknown, as for any allele located by the gene table.
    """
    here = f"{call.chrom}:{call.pos}"
    views: list[VariantCall] = []
    for gene in genes:
        view = make_call(
            partner[0], partner[1], call.ref, call.alt, call.genotype, call.zygosity, gene, None, None, None, None,
            call.gnomad_af, call.clinvar, call.revel, call.cadd_phred, call.haplotype, call.phase_set, call.origin,
            call.line, (), call.copy_number, call.copy_number_disputed, call.mate_id, call.breakend_event, here, call.end,
        )  # fmt: skip
        views.append(view)
    return make_call(
        call.chrom, call.pos, call.ref, call.alt, call.genotype, call.zygosity, call.gene, call.consequence,
        call.hgvs_c, call.hgvs_p, call.transcript, call.gnomad_af, call.clinvar, call.revel, call.cadd_phred,
        call.haplotype, call.phase_set, call.origin, call.line, (*call.other_genes, *views), call.copy_number,
        call.copy_number_disputed, call.mate_id, call.breakend_event, call.partner, call.end,
    )  # fmt: skip


def _symbolic_end(info: str, pos: int, end: int) -> int:
    """The last position a symbolic allele's record spans: INFO END, else POS + |SVLEN| (VCF 4.2, 1.4.5).

    SVLEN has one value per ALT (VCF 4.2, "INFO keys used for structural variants": "SVLEN=-100,-110 for a
    deletion with two distinct alt alleles"), so the record spans to the longest of them.
    """
    text = _info_value(info, "END")
    if text is not None and text.isdigit() and int(text) >= pos:
        return int(text)
    text = _info_value(info, "SVLEN")
    if text is not None:
        for value in text.split(","):
            length = value.lstrip("-")
            if length.isdigit():
                end = max(end, pos + int(length))
    return end


# A copy-number loss read from a <CNV> allele's FORMAT CN: the zygosity it implies, and the copy number.
_Loss = tuple[Zygosity, int]


def _copy_number_loss(
    fmt: str, sample: str, chrom: str, pos: int, sex: Sex | None, pars: dict[str, tuple[tuple[int, int], ...]]
) -> _Loss | None:
    """The loss that the proband's FORMAT ``CN`` shows for a ``<CNV>`` allele: its zygosity and the copy number.

    CN is the total copy number over the allele's region (VCF 4.4, "FORMAT keys used for structural variants";
    VCF 4.3 declares it an Integer, 4.4 a Float). ``<CNV>`` is a copy-number variable region that may be a
    loss or a gain (VCF 4.4, "Alternative allele field format"), so only the copy number says which. Below
    the normal two copies it is a loss: CN 0 of both copies (homozygous), CN 1 of one (heterozygous). On X
    and Y outside the PARs a male has one copy, so CN 0 is his hemizygous loss and CN 1 his normal state. When
    the sex is not given, CN 0 on X is read as a homozygous loss (a male's 1/1 on X is read so too, and
    interpretation counts it once for X-linked disease), and CN 1, normal for a male, is not read. On Y only a
    male's CN 0 is a loss; the mitochondrial genome has many copies and is not read. A loss over the whole
    region of a gene is a whole-gene deletion, a null allele (complete overlap of a gene, section 2A of the
    ClinGen CNV guideline, Riggs et al. 2020, PMID:31690835; see :func:`_ablated_genes`).

    ``None`` when FORMAT has no CN, or CN is missing, not a whole number (a mosaic or an estimate), 2 or more (the
    normal number or a gain), or not a loss on this chromosome.
    """
    keys = fmt.split(":")
    if "CN" not in keys:
        return None
    try:
        value = float(_subfield(sample, keys.index("CN")))
    except ValueError:
        return None
    if not (value.is_integer() and 0 <= value < 2):
        return None
    copies = int(value)
    if chrom == "Y":
        outside = not _in_par(pars["Y"], pos)
        return ("hemizygous", 0) if sex == "male" and copies == 0 and outside else None
    if chrom == "X" and sex != "female" and not _in_par(pars["X"], pos):
        if copies == 1:
            return None
        return ("hemizygous" if sex == "male" else "homozygous", 0)
    if chrom == "MT":
        return None
    return ("homozygous", 0) if copies == 0 else ("heterozygous", 1)


def _copy_number_genotype(zygosity: Zygosity) -> _Genotype:
    """The genotype of a record without a called GT whose ``<CNV>`` allele a copy number shows lost: the allele
    carried with ``zygosity``, unphased, with the GT's alleles unknown."""
    return (None, None), False, 1, ((1, zygosity, None),)


# The Sequence Ontology term (SO:0001893) that VEP writes for a deletion of a whole transcript. Interpretation
# classes it null (the PVS1 list of Richards et al. 2015, PMID:25741868), as for a VEP-annotated one.
_TRANSCRIPT_ABLATION = "transcript_ablation"
# Bases a plain REF or ALT is written in (VCF 4.2, section 1.4.1).
_BASES = frozenset("ACGTNacgtn")


def _ablated_genes(
    genes_within: Callable[[str, int, int], tuple[str, ...]],
    genes: tuple[str, ...],
    chrom: str,
    pos: int,
    ref: str,
    alt: str,
    allele: int,
    n_alts: int,
    info: str,
    loss: bool = False,
) -> tuple[str, ...]:
    """The genes of the table (among the record's ``genes``) that deletion allele ``alt`` removes whole.

    ``loss`` says that ``alt`` is a ``<CNV>`` allele read as a copy-number loss (:func:`_copy_number_loss`),
    which deletes its span like a ``<DEL>``.

    A deletion of a whole gene is a null allele by definition: transcript ablation, on the PVS1 list of
    Richards et al. 2015 (PMID:25741868), and complete overlap of a gene, section 2A of the ClinGen CNV
    guideline (Riggs et al. 2020, PMID:31690835). A deletion that overlaps a gene in part stays of unknown
    consequence: without exon coordinates the table cannot tell whether it removes coding sequence.
    """
    span = _deleted_span(info, pos, ref, alt, allele, n_alts, loss)
    if span is None:
        return ()
    return tuple(gene for gene in genes_within(chrom, *span) if gene in genes)


def _deleted_span(
    info: str, pos: int, ref: str, alt: str, allele: int, n_alts: int, loss: bool = False
) -> tuple[int, int] | None:
    """The 1-based inclusive span of the bases deletion allele ``alt`` surely removes; ``None`` if not a deletion.

    Deletions are a symbolic ``<DEL>`` or ``<DEL:…>`` other than ``<DEL:ME…>`` (a mobile element that the
    sample lacks; VCF 4.2, "Alternative allele field format"), a ``<CN0>`` (an allele of copy number 0), a
    ``<CNV>`` that the proband's copy number shows to be a loss (``loss``; see :func:`_copy_number_loss`),
    or a plain REF/ALT allele shorter than REF.
    """
    if alt.startswith("<"):
        if not (
            alt in {"<DEL>", "<CN0>"}
            or (alt.startswith("<DEL:") and not alt.startswith("<DEL:ME"))
            or (loss and alt == "<CNV>")
        ):
            return None
        # POS is the padding base before the event, so the deletion is POS + 1 .. END, or POS + 1 .. POS + |SVLEN|
        # (VCF 4.2, "INFO keys used for structural variants", and its example deletion: POS 321682, END 321887,
        # SVLEN -205).
        end = _deleted_end(info, pos, allele, n_alts)
        if end is None:
            return None
        # An imprecise call gives its breakpoints' confidence intervals (CIPOS, CIEND; VCF 4.2, same section): keep
        # only the bases deleted wherever in them the breakpoints are, so a gene at the edge is not taken whole.
        start = pos + 1 + max(0, _interval(info, "CIPOS")[1])
        end += min(0, _interval(info, "CIEND")[0])
    elif len(alt) < len(ref) and _BASES.issuperset(alt) and _BASES.issuperset(ref):
        # The bases of REF that ALT does not keep: REF without the prefix and suffix it shares with ALT.
        shorter = len(alt)
        prefix = 0
        while prefix < shorter and ref[prefix].upper() == alt[prefix].upper():
            prefix += 1
        suffix = 0
        while suffix < shorter - prefix and ref[-1 - suffix].upper() == alt[-1 - suffix].upper():
            suffix += 1
        start, end = pos + prefix, pos + len(ref) - 1 - suffix
    else:
        return None
    return (start, end) if start <= end else None


def _symbolic_deletion_end(info: str, pos: int, alt: str, allele: int, n_alts: int, loss: bool) -> int | None:
    """The last base symbolic allele ``alt`` deletes, as written (INFO END, else POS + |SVLEN|), without the
    confidence intervals; ``None`` when ``alt`` is not a symbolic deletion (see :func:`_deleted_span`)."""
    if (
        alt in {"<DEL>", "<CN0>"}
        or (alt.startswith("<DEL:") and not alt.startswith("<DEL:ME"))
        or (loss and alt == "<CNV>")
    ):
        return _deleted_end(info, pos, allele, n_alts)
    return None


def _deleted_end(info: str, pos: int, allele: int, n_alts: int) -> int | None:
    """The last base a symbolic deletion removes: INFO END, else POS + |SVLEN| of this ALT (``None``: neither)."""
    text = _info_value(info, "END")
    if text is not None and text.isdigit() and int(text) > pos:
        return int(text)
    text = _info_value(info, "SVLEN")
    if text is None:
        return None
    lengths = text.split(",")
    if len(lengths) != n_alts:  # one value per ALT, or it is not clear which is this ALT's
        return None
    length = lengths[allele - 1].lstrip("-")
    return pos + int(length) if length.isdigit() and int(length) > 0 else None


def _interval(info: str, key: str) -> tuple[int, int]:
    """A confidence interval (CIPOS, CIEND: two integers around 0); (0, 0) when absent or unreadable."""
    text = _info_value(info, key)
    if text is not None:
        parts = text.split(",")
        if len(parts) == 2:
            try:
                return int(parts[0]), int(parts[1])
            except ValueError:
                pass
    return 0, 0


def _in_par(regions: tuple[tuple[int, int], ...], pos: int) -> bool:
    return any(start <= pos <= end for start, end in regions)


def _merge(first: AnnotationValues | None, second: AlleleAnnotation | None) -> AnnotationValues | None:
    """Transcript annotation completed by INFO values; a frequency takes the larger of the two."""
    if second is None:
        return first
    if first is None:
        return tuple(second)  # type: ignore[return-value]
    gene, consequence, hgvs_c, hgvs_p, transcript, gnomad, clinvar, revel, cadd = first
    if second.gnomad_af is not None and (gnomad is None or second.gnomad_af > gnomad):
        gnomad = second.gnomad_af
    return (
        gene,
        consequence,
        hgvs_c,
        hgvs_p,
        transcript,
        gnomad,
        clinvar if clinvar is not None else second.clinvar,
        revel if revel is not None else second.revel,
        cadd if cadd is not None else second.cadd_phred,
    )


def _lines(numbers: Sequence[int]) -> str:
    """Line or record numbers for a warning: the first few, then an ellipsis."""
    shown = ", ".join(str(n) for n in numbers[:_MAX_LINES])
    return shown + (", …" if len(numbers) > _MAX_LINES else "")


def _last_line_unterminated(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            handle.seek(0, 2)
            if handle.tell() == 0:
                return False
            handle.seek(-1, 2)
            return handle.read(1) != b"\n"
    except OSError:
        return False


def read_vcf(
    path: str | os.PathLike[str],
    *,
    sample: str | None = None,
    genome: GenomeBuild | None = None,
    sex: Sex | None = None,
    gene_locator: GeneLocator | None = None,
    clinvar: ClinvarLookup | None = None,
    father: str | None = None,
    mother: str | None = None,
    strict: bool = False,
    genome_source: str | None = None,
) -> VcfReadResult:
    """Read the alternate alleles ``sample`` carries from a VCF or BCF (plain or bgzipped).

    ``sample`` may be left out for a single-sample file. The genome build comes from the header (its
    ``##reference=`` line, else the lengths of chromosomes 1 and X) and must agree with ``genome`` when both
    are known; ``genome`` is used when the header does not tell, and settles a header whose reference line
    and contig lengths disagree (refused without it). ``genome_source`` names where ``genome`` came from in
    a mismatch error (default ``--genome``). ``sex="male"`` makes a homozygous-alt call
    on X or Y outside the pseudoautosomal regions hemizygous, and names each heterozygous call there in a
    warning (it cannot be his single copy). ``father``/``mother`` name parental samples in the same file and fill
    each call's ``origin``. A breakend call carries its INFO ``MATEID`` and the event its records share
    (:func:`_breakend_link`), and is located at its position alone (:func:`_junction`).

    Genes, consequences and HGVS come from the VEP ``CSQ`` or SnpEff ``ANN`` field; a file with neither needs
    ``gene_locator``. ``clinvar`` fills the ClinVar significance of calls the file gives none. ``chrom`` of
    each call is normalised (``chr1`` → ``1``, see :func:`normalise_chrom`). An allele whose entries name
    several genes (or that overlaps several genes of the table) is one call, with the same allele in each
    further gene, on that gene's own chosen transcript, in ``VariantCall.other_genes``.

    The alleles of records whose FILTER is neither ``PASS`` nor ``.`` are not in ``calls`` but in
    ``filtered_calls``, and one warning counts them: they are never evidence.

    GT is read wherever FORMAT puts it. A record that gives the proband no genotype (no GT, ``.`` or ``./.``)
    is no evidence and does not make its genes covered; a haploid GT on an autosome is one allele; both are
    named, with their line numbers, in a warning, as are repeated alleles, an empty body and a file with
    both ``CSQ`` and ``ANN``. A ``<CNV>`` allele with the proband's FORMAT ``CN`` below 2 is a copy-number
    loss, with the zygosity CN implies when GT calls nothing, else the lower of the two (see
    :func:`_copy_number_loss`); records whose GT and CN disagree are named in a warning.

    Records htslib rejects, and records the reader cannot use (no sample columns, REF missing, a GT naming a
    non-existent allele), are skipped and listed in ``skipped_lines`` (line numbers of a text VCF, record
    numbers of a BCF) with a warning, and a second warning says what is wrong with the first of them; with
    ``strict=True`` the first one raises :class:`InputError`. A file
    htslib cannot read to its end (a damaged bgzip block) raises :class:`InputError` in either mode. Every
    other problem with the file or the arguments raises :class:`InputError` with a one-line message.
    """
    path = Path(path)
    where = str(path)
    with _quiet_htslib(), _no_cyclic_gc():
        vcf = _open(path, where)
        plain_text = vcf.format == "VCF" and vcf.compression == "NONE"
        try:
            _check_indexes(path, vcf)
            header = vcf.header
            build = _resolve_build(header, genome, where, genome_source)
            samples = list(header.samples)
            proband, wanted = _choose_samples(samples, sample, father, mother, where)
            if "GT" not in header.formats:
                msg = f"{where}: no GT field; genotypes are needed"
                raise InputError(msg)
            # htslib cannot read a GT declared other than String (VCF 4.2, section 1.4.2, makes it a String): it
            # refuses a record with GT 0/1, and reads a haploid 1 as missing, so every record would be skipped or
            # read as uncalled. A warning names the cause. GATK's gCNV (PostprocessGermlineCNVCalls) writes such a
            # header: ##FORMAT=<ID=GT,Number=1,Type=Integer,…>.
            gt_type = str(header.formats["GT"].type)
            numbers = NumberReader()
            transcripts = TranscriptField.from_header(header, numbers, where=where)
            mode: AnnotationMode
            if transcripts is not None:
                mode = transcripts.style
            elif gene_locator is not None:
                mode = "gene-table"
                if gene_locator.build != build:
                    msg = f"{where}: the VCF is {build} but the gene table is {gene_locator.build}; use a gene table for {build}"
                    raise InputError(msg)
            else:
                msg = f"{where}: the VCF has no VEP CSQ or SnpEff ANN annotation; annotate it, or pass --genes-bed FILE (or run `marbledx data fetch genes`) so genes can be located"
                raise InputError(msg)
            if clinvar is not None and clinvar.build != build:
                msg = f"{where}: the VCF is {build} but the ClinVar data is {clinvar.build}; use ClinVar for {build}"
                raise InputError(msg)
            info_fields = InfoFields.from_header(header, numbers)
            # VEP's CSQ is read when both are present (TranscriptField.from_header); the user is told.
            both_annotations = transcripts is not None and transcripts.key == "CSQ" and "ANN" in header.info
            if len(samples) > len(wanted):
                # htslib then parses only these samples' columns: a large saving on cohort VCFs.
                vcf.subset_samples(wanted)
            order = list(vcf.header.samples)
            columns = (
                9 + order.index(proband),
                9 + order.index(father) if father is not None else None,
                9 + order.index(mother) if mother is not None else None,
            )
            reader = _Reader(
                path,
                vcf,
                build=build,
                sex=sex,
                transcripts=transcripts,
                info_fields=info_fields,
                gene_locator=gene_locator,
                clinvar=clinvar,
                columns=columns,
                file_samples=len(samples),
                strict=strict,
            )
            layout: ScreenLayout | None = None
            if (
                _SCREEN
                and path.stat().st_size
                >= (_SCREEN_MIN_BYTES_TEXT if vcf.compression == "NONE" else _SCREEN_MIN_BYTES_COMPRESSED)
                and reader.text
                and transcripts is not None
                and transcripts.has_frequency
                and not info_fields.present
                and len(samples) == 1
            ):
                # The bulk screen (docs/genotype.md, "Reading speed"): for large single-sample text VCFs whose
                # frequencies are in the CSQ/ANN entries. INFO frequency or ClinVar keys, and the other samples'
                # columns, would need checks of their own, so such files take the per-record path throughout.
                from marbledx.genotype._screen import ScreenLayout  # see the imports above

                n_columns, gene, frequency, clinvar_columns, scores, mane = transcripts.screen_columns()
                layout = ScreenLayout(
                    key=transcripts.key.encode("ascii"),
                    n_columns=n_columns,
                    gene=gene,
                    frequency=frequency,
                    clinvar=clinvar_columns,
                    scores=scores,
                    common_af=_COMMON_AF,
                    mane=mane,
                    formats={
                        name: (str(meta.type), str(meta.number)) for name, meta in header.formats.items()
                    },
                )
            reader.read(layout)
        finally:
            _close(vcf)

    warnings: list[str] = []
    unit = "line(s)" if reader.text else "record(s)"
    if gt_type != "String":
        warnings.append(
            f"{where}: the header declares FORMAT GT as Type={gt_type}, so htslib cannot read any genotype (each "
            "record is skipped, or read as giving no genotype); declare it Type=String, as the VCF specification "
            'requires (##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">, with `bcftools reheader -h`)'
        )
    if reader.skipped:
        warnings.append(
            f"{where}: skipped {len(reader.skipped)} malformed record(s) at {unit} {_lines(reader.skipped)}"
        )
    if reader.n_records == 0:
        usable = "usable " if reader.skipped else ""
        warnings.append(f"{where}: the VCF has no {usable}variant records, so it gives no genotype evidence")
    if both_annotations:
        warnings.append(
            f"{where}: the VCF has both VEP CSQ and SnpEff ANN annotation; CSQ is read, ANN is not"
        )
    if reader.uncalled:
        warnings.append(
            f"{where}: {len(reader.uncalled)} record(s) give no genotype for {proband} (no GT, or GT '.' or "
            f"'./.') at {unit} {_lines(reader.uncalled)}; they are not evidence, and their genes are not "
            "counted as tested"
        )
    if reader.haploid:
        warnings.append(
            f"{where}: {len(reader.haploid)} call(s) of {proband} have a haploid GT on an autosome"
            f"{' or on the X or Y of a female' if sex == 'female' else ''} at {unit} "
            f"{_lines(reader.haploid)}; each is counted as one allele, not as a loss of both copies"
        )
    if reader.male_heterozygous:
        # Outside the PARs a male has one X and one Y, so a heterozygous call there is not what it says. The few
        # males with incontinentia pigmenti (an IKBKG disease hemizygous males do not survive) have had a 47,XXY
        # karyotype or somatic mosaicism (GeneReviews, Incontinentia Pigmenti,
        # https://www.ncbi.nlm.nih.gov/books/NBK1472/), and reads of a similar sequence elsewhere can make such a
        # call: IKBKG's pseudogene IKBKGP1 (ΔNEMO) lies in a 35.5-kb duplication next to it and has misled its
        # diagnosis (Bardaro et al. 2003, DOI:10.1002/humu.10150). Interpretation does not take such a call for
        # his single copy (docs/genotype.md, "A male's X and Y").
        found = reader.male_heterozygous
        shown = ", ".join(f"{chrom}:{pos} ({unit[:-3]} {line})" for line, chrom, pos in found[:_MAX_LINES])
        more = ", …" if len(found) > _MAX_LINES else ""
        warnings.append(
            f"{where}: {len(found)} heterozygous call(s) of {proband}, a male, on X or Y outside the "
            f"pseudoautosomal regions, where he has one copy: {shown}{more}. Each may be mosaicism, an extra X "
            "(such as 47,XXY), a mapping artefact from a similar sequence elsewhere (IKBKG has a pseudogene, "
            "IKBKGP1) or a contaminated sample, so it is not counted as his single copy, and a gene where it would "
            "complete a fitting genotype is counted neither for nor against its diseases; confirm it by another "
            "method"
        )
    if reader.unplaced:
        # Records naming a gene first: they are the ones that would have counted as its alleles.
        off_primary = sorted(reader.unplaced, key=lambda item: (not item[4], item[0]))
        word = unit[:-3]
        shown = ", ".join(
            f"{raw}:{pos} {alt}" + (f" in {'/'.join(genes)}" if genes else "") + f" ({word} {line})"
            for line, raw, pos, alt, genes in off_primary[:_MAX_LINES]
        )
        more = ", …" if len(off_primary) > _MAX_LINES else ""
        warnings.append(
            f"{where}: {len(off_primary)} call(s) of {proband} on contigs outside the primary assembly's chromosomes (alt, "
            "decoy, unplaced or HLA contigs, or the mitochondrial genome annotated with a nuclear gene) are not "
            f"counted as alleles of any gene: {shown}{more}. A gene's alleles are reported on the primary assembly; "
            "lift such a call over to its chromosome (or realign to the primary assembly) and confirm it there"
        )
    repeated = reader.repeats()
    if repeated:
        word = unit[:-3]
        pairs = [f"{word} {line} repeats {word} {first}" for line, first in repeated]
        shown = ", ".join(pairs[:_MAX_LINES]) + (", …" if len(pairs) > _MAX_LINES else "")
        warnings.append(
            f"{where}: {len(pairs)} record(s) repeat an allele of an earlier record ({shown}); an "
            "allele is not counted twice towards a genotype, repeats with different genotypes count once, "
            "at the lower zygosity, and repeats with different phases count once, unphased: check the file "
            "for merged or duplicated calls"
        )
    if reader.copy_number_disputes:
        warnings.append(
            f"{where}: {len(reader.copy_number_disputes)} <CNV> record(s) give {proband} a GT that disagrees with "
            f"the copy number (FORMAT CN) at {unit} {_lines(reader.copy_number_disputes)}; each is counted at the "
            "lower zygosity (not at all when GT does not carry the allele): confirm the copy number by another method"
        )
    if plain_text and _last_line_unterminated(path):
        warnings.append(f"{where}: the last line has no line end; the file may be truncated")
    if reader.first_skip is not None:
        # Why the first skipped record was malformed, as --strict would stop on it, so that the skipped lines
        # can be fixed without a second run. (A warning of its own: the one above lists the lines.)
        number, reason = reader.first_skip
        warnings.append(f"{where}: the first malformed record skipped, at {unit[:-3]} {number}: {reason}")
    warnings.extend(numbers.warnings(where))
    if reader.filtered:
        counts = reader.filter_values.most_common()
        shown = ", ".join(f"{value}: {count}" for value, count in counts[:5])
        more = ", …" if len(counts) > 5 else ""
        warnings.append(
            f"{where}: {len(reader.filtered)} call(s) not used as evidence, because the VCF's own filters "
            f"rejected them (FILTER {shown}{more}); only calls whose FILTER (and the proband's FORMAT FT, where given) is PASS or '.' count, and a gene "
            "where a rejected call would complete a fitting genotype is not counted against its diseases either"
        )
    covered = frozenset(reader.covered - MISSING)
    frequency_annotated = (transcripts is not None and transcripts.has_frequency) or info_fields.has_frequency
    return VcfReadResult(
        path=where,
        build=build,
        sample=proband,
        mode=mode,
        calls=CallSequence(
            reader.calls,
            functools.partial(_build_item, transcripts, mode == "gene-table", reader.screened),
            reader.eager,
        ),
        n_records=reader.n_records,
        covered_genes=covered,
        genome_wide=len(covered) >= _GENOME_WIDE_GENES or len(reader.chroms) >= _GENOME_WIDE_CHROMS,
        skipped_lines=tuple(reader.skipped),
        warnings=tuple(warnings),
        frequency_annotated=frequency_annotated,
        filtered_calls=tuple(reader.filtered),
    )
