"""ClinVar significance by exact allele, read from a ClinVar VCF (the official ``clinvar.vcf.gz`` or a subset).

With a tabix/CSI index next to the file, alleles are looked up on demand with ``fetch`` (and each position
is cached), so opening the 3.5 million-record official release is instant. Without an index the whole file
is read into memory on open, which suits small subsets.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Final

import pysam

from marbledx.errors import InputError
from marbledx.genotype._model import (
    ClinvarSignificance,
    GenomeBuild,
    normalise_chrom,
    normalise_clinvar,
)
from marbledx.genotype._vcf import _OTHER_FORMATS

__all__ = ["ClinvarVcf"]

_EXPECTED = "expected a ClinVar VCF (plain or bgzipped) with an INFO CLNSIG field"

# Length of chromosome 1, to tell the build from ##contig lines when no ##reference line names it.
_CHR1_LENGTH: Final[dict[int, GenomeBuild]] = {248956422: "GRCh38", 249250621: "GRCh37"}
_BUILD_WORDS: Final[tuple[tuple[re.Pattern[str], GenomeBuild], ...]] = (
    (re.compile(r"grch38|hg38|hs38|(?<![0-9a-z])b38(?![0-9])"), "GRCh38"),
    (re.compile(r"grch37|hg19|hs37|(?<![0-9a-z])b37(?![0-9])"), "GRCh37"),
)
# Positions kept by an indexed lookup; a whole exome touches far fewer, a web server runs for weeks.
_CACHE_POSITIONS: Final = 200_000

_Alleles = dict[tuple[str, str], ClinvarSignificance | None]


@contextmanager
def _quiet_htslib() -> Iterator[None]:
    """Silence htslib's stderr warnings (e.g. ClinVar has no ##contig lines), which would reach the CLI user."""
    previous = pysam.set_verbosity(0)
    try:
        yield
    finally:
        pysam.set_verbosity(previous)


def _check_build(value: object, where: str) -> GenomeBuild:
    if value == "GRCh37":
        return "GRCh37"
    if value == "GRCh38":
        return "GRCh38"
    msg = f"{where}: unknown genome build {value!r}; expected GRCh37 or GRCh38"
    raise InputError(msg)


def _build_in_text(text: str) -> GenomeBuild | None:
    lowered = text.lower()
    found = {build for pattern, build in _BUILD_WORDS if pattern.search(lowered)}
    return found.pop() if len(found) == 1 else None


def _header_build(header: pysam.VariantHeader) -> GenomeBuild | None:
    """The build a VCF header names: ``##reference``/``##assembly``, else the length of chromosome 1."""
    for record in header.records:
        if record.key in {"reference", "assembly"} and record.value:
            build = _build_in_text(record.value)
            if build is not None:
                return build
    for name, contig in header.contigs.items():
        if normalise_chrom(str(name)) == "1" and contig.length in _CHR1_LENGTH:
            return _CHR1_LENGTH[contig.length]
    return None


def _header_value(header: pysam.VariantHeader, key: str) -> str | None:
    for record in header.records:
        if record.key == key and record.value:
            return str(record.value)
    return None


def _clnsig(record: pysam.VariantRecord) -> ClinvarSignificance | None:
    if "CLNSIG" not in record.info:
        return None
    value = record.info["CLNSIG"]
    # CLNSIG has Number=. so pysam splits it at commas; put the commas back for normalise_clinvar.
    text = ",".join(str(v) for v in value) if isinstance(value, tuple) else str(value)
    return normalise_clinvar(text)


def _alleles_of(
    records: Iterable[pysam.VariantRecord], pos: int | None = None
) -> Iterator[tuple[str, int, str, str, ClinvarSignificance | None]]:
    for record in records:
        if pos is not None and record.pos != pos:
            continue  # fetch also returns longer alleles that start earlier and overlap the position
        significance = _clnsig(record)
        ref = (record.ref or "").upper()
        for alt in record.alts or ():
            yield normalise_chrom(record.chrom), record.pos, ref, alt.upper(), significance


class ClinvarVcf:
    """A ClinVar VCF opened for allele lookups; implements :class:`~marbledx.genotype.ClinvarLookup`.

    Use :meth:`open`. Chromosome names are compared without the ``chr`` prefix, so a ``chr1`` VCF can be
    looked up in ClinVar's ``1`` release. Alleles must match exactly (same position and REF/ALT
    representation; ClinVar's are left-aligned and parsimonious, as ``bcftools norm`` writes them).
    Lookups are thread-safe. Close the object (or use it as a context manager) to release the file.
    """

    def __init__(
        self,
        path: Path,
        build: GenomeBuild,
        *,
        file_date: str | None,
        handle: pysam.VariantFile | None,
        contigs: dict[str, str],
        table: dict[tuple[str, int, str, str], ClinvarSignificance | None] | None,
    ) -> None:
        """Not for direct use: :meth:`open` reads the header and chooses indexed or in-memory lookups."""
        self.path = path
        self._build: GenomeBuild = build
        self.file_date = file_date
        self._handle = handle
        self._contigs = contigs
        self._table = table
        self._cache: dict[tuple[str, int], _Alleles] = {}
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path, *, build: GenomeBuild | None = None) -> ClinvarVcf:
        """Open a ClinVar VCF (plain or bgzipped; a ``.tbi``/``.csi`` index next to it is used if present).

        The build comes from the header (``##reference=GRCh38``) or, when the header does not name it, from
        ``build``; a header naming a different build than ``build`` is an :class:`InputError`, as is a file
        that is not a VCF or has no INFO ``CLNSIG`` field.
        """
        path = Path(path)
        wanted = None if build is None else _check_build(build, str(path))
        if not path.is_file():
            msg = f"{path}: no such file; {_EXPECTED}"
            raise InputError(msg)
        try:
            with path.open("rb") as raw:
                head = raw.read(64)
        except OSError as exc:
            msg = f"{path}: cannot be read ({exc.strerror or exc})"
            raise InputError(msg) from None
        # Before htslib sees it: an xz file aborts the whole process inside htslib (see _vcf._OTHER_FORMATS).
        for magic, what in _OTHER_FORMATS:
            if head.startswith(magic):
                msg = f"{path}: {what}; {_EXPECTED}"
                raise InputError(msg)
        with _quiet_htslib():
            try:
                handle = pysam.VariantFile(str(path))
            except NotImplementedError as exc:  # htslib reads plain gzip only through a stream it cannot seek
                msg = f"{path}: compressed with gzip, not bgzip; {_EXPECTED} (recompress it with 'bgzip')"
                raise InputError(msg) from exc
            except (ValueError, OSError) as exc:
                detail = "truncated or corrupt" if "truncat" in str(exc).lower() else "not a VCF"
                msg = f"{path}: {detail}; {_EXPECTED}"
                raise InputError(msg) from exc
        try:
            header = handle.header
            if "CLNSIG" not in header.info:
                msg = f"{path}: no INFO CLNSIG field in the header; {_EXPECTED}"
                raise InputError(msg)
            found = _header_build(header)
            if found is not None and wanted is not None and found != wanted:
                msg = f"{path}: ClinVar file is for {found}, but the analysis uses {wanted}; expected a {wanted} ClinVar VCF"
                raise InputError(msg)
            chosen = found or wanted
            if chosen is None:
                msg = f"{path}: the header does not name the genome build (no ##reference=GRCh37/GRCh38); give the build explicitly"
                raise InputError(msg)
            file_date = _header_value(header, "fileDate")
            index = handle.index
            if index is not None:
                _check_index_age(path)
                # Map bare names to the file's own spelling, so chr1 and 1 both find the records.
                names = [str(name) for name in index] + [str(name) for name in header.contigs]
                contigs = {normalise_chrom(name): name for name in reversed(names)}
                return cls(path, chosen, file_date=file_date, handle=handle, contigs=contigs, table=None)
            broken = [p for p in (Path(f"{path}.tbi"), Path(f"{path}.csi")) if p.is_file()]
            if broken:
                # htslib ignores an unreadable index; loading a whole-release file into memory instead
                # would silently take gigabytes, so say what is wrong.
                msg = f"{path}: the index {broken[0].name} cannot be read; expected a tabix index made for this bgzipped file (tabix -p vcf)"
                raise InputError(msg)
            table = _load_all(handle, path)
        except BaseException:
            handle.close()
            raise
        handle.close()
        return cls(path, chosen, file_date=file_date, handle=None, contigs={}, table=table)

    @property
    def build(self) -> GenomeBuild:
        """Genome build of the ClinVar file."""
        return self._build

    @property
    def indexed(self) -> bool:
        """Whether lookups go through the tabix/CSI index (``False``: the file was loaded into memory)."""
        return self._table is None

    def significance(self, chrom: str, pos: int, ref: str, alt: str) -> ClinvarSignificance | None:
        """The normalised CLNSIG of this exact allele, or ``None`` when ClinVar has no record of it."""
        return self._lookup(chrom, pos, ref, alt)[1]

    def has_record(self, chrom: str, pos: int, ref: str, alt: str) -> bool:
        """Whether ClinVar has a record of this exact allele (with or without a germline classification)."""
        return self._lookup(chrom, pos, ref, alt)[0]

    def _lookup(self, chrom: str, pos: int, ref: str, alt: str) -> tuple[bool, ClinvarSignificance | None]:
        bare = normalise_chrom(chrom)
        allele = (ref.upper(), alt.upper())
        if self._table is not None:
            key = (bare, pos, *allele)
            return key in self._table, self._table.get(key)
        alleles = self._alleles_at(bare, pos)
        return allele in alleles, alleles.get(allele)

    def _alleles_at(self, bare: str, pos: int) -> _Alleles:
        with self._lock:
            cached = self._cache.get((bare, pos))
            if cached is not None:
                return cached
            alleles: _Alleles = {}
            contig = self._contigs.get(bare)
            if contig is not None and pos >= 1:
                if self._handle is None:
                    msg = f"{self.path}: the ClinVar file was closed; open it again"
                    raise InputError(msg)
                try:
                    with _quiet_htslib():
                        records = self._handle.fetch(contig, pos - 1, pos)
                        alleles = {(r, a): s for _, _, r, a, s in _alleles_of(records, pos)}
                except (ValueError, OSError) as exc:
                    msg = f"{self.path}: cannot read records at {contig}:{pos} ({exc}); {_EXPECTED} and a matching index"
                    raise InputError(msg) from exc
            if len(self._cache) >= _CACHE_POSITIONS:
                # Drop the oldest position (dicts keep insertion order).
                del self._cache[next(iter(self._cache))]
            self._cache[(bare, pos)] = alleles
            return alleles

    def close(self) -> None:
        """Release the file handle of an indexed file (lookups afterwards raise :class:`InputError`)."""
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None

    def __enter__(self) -> ClinvarVcf:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "indexed" if self.indexed else "in memory"
        return f"ClinvarVcf({str(self.path)!r}, build={self._build!r}, {mode})"


def _check_index_age(path: Path) -> None:
    """Refuse an index older than its ClinVar file: one left from an earlier release.

    Lookups go through the index, and htslib reads a stale one without an error (only a warning, silenced
    here), so records the old release did not have at those offsets are silently not found. The test is
    htslib's own (whole seconds of the modification times), so a file and index written together pass.
    """
    modified = int(path.stat().st_mtime)
    for index in (Path(f"{path}.tbi"), Path(f"{path}.csi")):
        if index.is_file() and int(index.stat().st_mtime) < modified:
            msg = (
                f"{index}: the index is older than {path.name}, so it may index an earlier release and lookups "
                "through it would miss records; re-create it with `tabix -f -p vcf` (or delete it)"
            )
            raise InputError(msg)


def _load_all(
    handle: pysam.VariantFile, path: Path
) -> dict[tuple[str, int, str, str], ClinvarSignificance | None]:
    table: dict[tuple[str, int, str, str], ClinvarSignificance | None] = {}
    count = 0
    iterator = iter(handle)
    with _quiet_htslib():
        while True:
            try:
                record = next(iterator)
            except StopIteration:
                break
            except (ValueError, OSError) as exc:
                msg = f"{path}: data record {count + 1} cannot be read ({exc}); {_EXPECTED}"
                raise InputError(msg) from exc
            count += 1
            for chrom, pos, ref, alt, significance in _alleles_of([record]):
                table[(chrom, pos, ref, alt)] = significance
    return table
