"""Gene regions from a BED table: which genes a variant falls in, for VCFs without VEP/SnpEff annotation.

The table is read whole (a genome-wide gene table has about 60,000 lines) and kept per chromosome as
intervals sorted by start with a running maximum of their ends, so an overlap query is one binary search
plus a short walk back, and nested or overlapping genes are all found. Each gene's extent on a chromosome
(its first start to its last end) is kept too, to tell which genes a deletion removes whole.
"""

from __future__ import annotations

import gzip
import re
import zlib
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Final

from marbledx.errors import InputError
from marbledx.genotype._model import GenomeBuild, normalise_chrom

__all__ = ["BUILD_HEADER", "GeneRegions"]

BUILD_HEADER: Final = "#build="
_GZIP_MAGIC: Final = b"\x1f\x8b"
_EXPECTED: Final = "expected chrom, 0-based start, end, gene symbol"
_BUILD_LINE: Final = re.compile(r"#\s*build\s*=\s*(\S+)")


def _check_build(value: object, where: str) -> GenomeBuild:
    if value == "GRCh37":
        return "GRCh37"
    if value == "GRCh38":
        return "GRCh38"
    msg = f"{where}: unknown genome build {value!r}; expected GRCh37 or GRCh38"
    raise InputError(msg)


@dataclass(frozen=True, slots=True)
class _Chromosome:
    starts: list[int]  # 0-based, sorted
    ends: list[int]
    names: list[str]
    reach: list[int]  # reach[i] = max(ends[: i + 1]): how far any interval up to i extends
    # Each gene's extent on the chromosome, 0-based half-open: from its first start to its last end. A gene
    # with several lines (a table with one line per transcript, or a gene listed twice) is whole only as a whole.
    extents: dict[str, tuple[int, int]]

    @classmethod
    def build(cls, intervals: list[tuple[int, int, str]]) -> _Chromosome:
        intervals.sort()
        ends = [end for _, end, _ in intervals]
        extents: dict[str, tuple[int, int]] = {}
        for start, end, name in intervals:
            first, last = extents.get(name, (start, end))
            extents[name] = (min(first, start), max(last, end))
        return cls(
            [s for s, _, _ in intervals],
            ends,
            [n for _, _, n in intervals],
            list(accumulate(ends, max)),
            extents,
        )

    def overlapping(self, start0: int, end0: int) -> list[tuple[int, str]]:
        """(start, name) of the intervals overlapping the 0-based half-open range ``start0``..``end0``."""
        found: list[tuple[int, str]] = []
        # Only intervals starting before end0 can overlap; among those, walk back while some interval at
        # or before i still reaches past start0 (reach is non-decreasing, so earlier ones cannot).
        i = bisect_left(self.starts, end0) - 1
        while i >= 0 and self.reach[i] > start0:
            if self.ends[i] > start0:
                found.append((self.starts[i], self.names[i]))
            i -= 1
        found.reverse()
        return found


def _read_lines(path: Path) -> list[str]:
    # Read whole: a genome-wide table is a few megabytes, and every file handle is closed on return.
    try:
        data = path.read_bytes()
        if data.startswith(_GZIP_MAGIC):
            data = gzip.decompress(data)  # also reads bgzip, a series of gzip members
    except FileNotFoundError as exc:
        msg = f"{path}: no such file; expected a BED gene-region table (plain or .gz)"
        raise InputError(msg) from exc
    except (OSError, EOFError, zlib.error) as exc:
        msg = f"{path}: unreadable or truncated ({exc}); expected a BED gene-region table (plain or .gz)"
        raise InputError(msg) from exc
    # Split on newlines only: str.splitlines also breaks at form feeds etc., which would shift line numbers.
    return [line.rstrip("\r") for line in data.decode("utf-8", errors="replace").split("\n")]


class GeneRegions:
    """Gene symbols by genomic region; implements :class:`~marbledx.genotype.GeneLocator`.

    Build one with :meth:`read_bed` (or from ``(chrom, start0, end, symbol)`` tuples). Chromosome names
    are compared without the ``chr`` prefix.
    """

    def __init__(self, intervals: Iterable[tuple[str, int, int, str]], *, build: GenomeBuild) -> None:
        """Index BED-style intervals: chrom, 0-based start, end (exclusive), gene symbol."""
        self._build = _check_build(build, "gene regions")
        grouped: dict[str, list[tuple[int, int, str]]] = {}
        for chrom, start, end, name in intervals:
            if start < 0 or end < start:
                msg = f"gene region {chrom}:{start}-{end} {name}: {_EXPECTED}, with 0 <= start <= end"
                raise InputError(msg)
            # A zero-length region (an insertion point) is taken to mark the base after it.
            grouped.setdefault(normalise_chrom(chrom), []).append((start, max(end, start + 1), name))
        self._chromosomes = {chrom: _Chromosome.build(items) for chrom, items in grouped.items()}
        self._genes = frozenset(name for items in grouped.values() for _, _, name in items)
        self._size = sum(len(items) for items in grouped.values())
        self._declared = True

    @classmethod
    def read_bed(cls, path: Path, *, build: GenomeBuild) -> GeneRegions:
        """Read a BED file (plain or gzip/bgzip): chrom, 0-based start, end, gene symbol; extra columns ignored.

        ``#`` comments and ``track``/``browser`` lines are skipped. A ``#build=GRCh38`` header line (as
        written by ``marbledx data fetch genes``) must agree with ``build``. Malformed lines and empty
        tables are an :class:`InputError` naming the file and line.
        """
        path = Path(path)
        wanted = _check_build(build, str(path))
        intervals: list[tuple[str, int, int, str]] = []
        declared_build = False
        for number, text in enumerate(_read_lines(path), start=1):
            if not text.strip() or text.startswith(("track", "browser")):
                continue
            if text.startswith("#"):
                declared = _BUILD_LINE.fullmatch(text.strip())
                if declared and declared.group(1) != wanted:
                    msg = f"{path} line {number}: gene table is for {declared.group(1)}, but the analysis uses {wanted}; expected a {wanted} table"
                    raise InputError(msg)
                declared_build = declared_build or declared is not None
                continue
            fields = text.split("\t") if "\t" in text else text.split()
            try:
                chrom, start, end, name = fields[0].strip(), int(fields[1]), int(fields[2]), fields[3].strip()
            except (IndexError, ValueError):
                chrom, start, end, name = "", 0, -1, ""
            if not chrom or not name or start < 0 or end < start:
                msg = f"{path} line {number}: {_EXPECTED}"
                raise InputError(msg)
            intervals.append((chrom, start, end, name))
        if not intervals:
            msg = f"{path}: no gene regions; {_EXPECTED} on each line"
            raise InputError(msg)
        table = cls(intervals, build=wanted)
        table._declared = declared_build
        return table

    @property
    def build_declared(self) -> bool:
        """Whether the table's own file says its build (a ``#build=`` line), rather than taking the VCF's.

        A table built from tuples was given its build by the caller, and counts as declared."""
        return self._declared

    @property
    def build(self) -> GenomeBuild:
        """Genome build of the coordinates."""
        return self._build

    @property
    def genes(self) -> frozenset[str]:
        """Every gene symbol in the table."""
        return self._genes

    def __len__(self) -> int:
        return self._size

    def genes_at(self, chrom: str, start: int, end: int) -> tuple[str, ...]:
        """Gene symbols overlapping 1-based inclusive ``start``..``end`` on ``chrom`` (any chr-prefix form).

        Symbols come once each, in order of their region's start along the chromosome.
        """
        if end < start:
            msg = f"genes_at: end {end} is before start {start}; expected a 1-based inclusive range"
            raise ValueError(msg)
        chromosome = self._chromosomes.get(normalise_chrom(chrom))
        if chromosome is None:
            return ()
        names = (name for _, name in chromosome.overlapping(start - 1, end))
        return tuple(dict.fromkeys(names))

    def genes_within(self, chrom: str, start: int, end: int) -> tuple[str, ...]:
        """Gene symbols whose whole region on ``chrom`` lies inside 1-based inclusive ``start``..``end``.

        A gene with several regions on the chromosome counts only when all of them are inside. Symbols come
        once each, in order of their region's start, as from :meth:`genes_at` (of which they are a subset).
        """
        if end < start:
            msg = f"genes_within: end {end} is before start {start}; expected a 1-based inclusive range"
            raise ValueError(msg)
        chromosome = self._chromosomes.get(normalise_chrom(chrom))
        if chromosome is None:
            return ()
        extents = chromosome.extents
        names: dict[str, None] = {}
        for _, name in chromosome.overlapping(start - 1, end):
            first, last = extents[name]
            if first >= start - 1 and last <= end:
                names[name] = None
        return tuple(names)

    def __repr__(self) -> str:
        return f"GeneRegions({self._size} regions, {len(self._genes)} genes, build={self._build!r})"
