"""``marbledx data fetch clinvar|genes``: download ClinVar and a gene-region table for the genotype room.

These two functions and ``marbledx data update`` are the only code in marbledx that touches the network,
and only when a user asks. Each download is staged in a temporary folder inside the data folder,
validated completely (a 404, an HTML error page, a truncated or oversized download, a corrupt gzip stops
it), and only then moved into place with a JSON manifest, so a failed fetch leaves the previous installation
untouched. One fetch of a kind runs at a time per data folder; a second one stops at once.

Layout under :func:`~marbledx.ontology.data_dir`::

    clinvar/<build>/clinvar.vcf.gz, clinvar.vcf.gz.tbi, manifest.json
    genes/<build>/genes-<build>.bed.gz, manifest.json

The gene table is made from the GENCODE *basic* annotation: every ``gene`` line with a real symbol, of
every gene type (protein-coding, lncRNA, snRNA, …), because some disease genes are non-coding (RMRP,
RNU4ATAC); the type is kept in column 7 of the BED for callers who want only protein-coding genes. Loci
without a symbol (GENCODE names them by their Ensembl id) are left out: no disease annotation can name them.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import urllib.parse
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Literal, TextIO

import pysam

from marbledx._files import file_sha256
from marbledx.errors import DataError, InputError
from marbledx.genotype._clinvar import ClinvarVcf
from marbledx.genotype._genes import BUILD_HEADER, GeneRegions
from marbledx.genotype._model import GenomeBuild, normalise_chrom
from marbledx.ontology import data_dir
from marbledx.ontology._update import (
    HttpStatusError,
    download,
    exclusive,
    make_folder,
    replace_folder,
    staging_folder,
)

__all__ = [
    "CLINVAR_URL",
    "GENCODE_URL",
    "FetchedFile",
    "clinvar_url",
    "fetch_clinvar",
    "fetch_genes",
    "genes_url",
    "installed_clinvar",
    "installed_genes",
]

# NCBI's official ClinVar VCFs, refreshed weekly: <base>/vcf_GRCh38/clinvar.vcf.gz (+ .tbi).
CLINVAR_URL: Final = "https://ftp.ncbi.nlm.nih.gov/pub/clinvar"
# GENCODE release 46 (Ensembl 112); GRCh37 is GENCODE's own lift-over of the same release.
GENCODE_URL: Final = "https://ftp.ebi.ac.uk/pub/databases/gencode/Gencode_human/release_46"
CLINVAR_URL_ENV: Final = "MARBLEDX_CLINVAR_URL"
GENES_URL_ENV: Final = "MARBLEDX_GENES_URL"

_CLINVAR_PATHS: Final[dict[GenomeBuild, str]] = {
    "GRCh38": "vcf_GRCh38/clinvar.vcf.gz",
    "GRCh37": "vcf_GRCh37/clinvar.vcf.gz",
}
_GENCODE_PATHS: Final[dict[GenomeBuild, str]] = {
    "GRCh38": "gencode.v46.basic.annotation.gtf.gz",
    "GRCh37": "GRCh37_mapping/gencode.v46lift37.basic.annotation.gtf.gz",
}
CLINVAR_FILE: Final = "clinvar.vcf.gz"
MANIFEST_FILE: Final = "manifest.json"

# The largest downloads accepted, so that a server streaming without end cannot fill the disk. In 2025 the
# GRCh38 ClinVar VCF is about 180 MB, its index 1 MB, and the gzipped GENCODE basic GTF about 50 MB (a
# plain-text GTF, which --url may name, about 1.5 GB).
MAX_CLINVAR_BYTES: Final = 4 << 30
MAX_INDEX_BYTES: Final = 256 << 20
MAX_GTF_BYTES: Final = 4 << 30
_FETCH_HINT: Final = "check the network connection or --url"

_GZIP_MAGIC: Final = b"\x1f\x8b"
# The empty block htslib writes at the end of every BGZF file; without it the file was cut short.
_BGZF_EOF: Final = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
_ATTRIBUTE: Final = re.compile(r'(\w+)\s+"([^"]*)"')


@dataclass(frozen=True)
class FetchedFile:
    """What a fetch installed: the file, its index (ClinVar), its manifest and where it came from."""

    kind: Literal["clinvar", "genes"]
    build: GenomeBuild
    path: Path
    manifest: Path
    source_url: str
    sha256: str  # of the downloaded file (for genes: the GTF the table was made from)
    size: int  # bytes downloaded
    records: int  # ClinVar: VCF records; genes: BED regions
    release: str | None  # ClinVar ##fileDate, GENCODE ##date
    index: Path | None = None
    extra: dict[str, object] = field(default_factory=dict)


def _check_build(value: object) -> GenomeBuild:
    if value == "GRCh37":
        return "GRCh37"
    if value == "GRCh38":
        return "GRCh38"
    msg = f"unknown genome build {value!r}; expected GRCh37 or GRCh38"
    raise InputError(msg)


def _resolve(url: str | None, env: str, default: str, relative: str) -> str:
    """``url``, else ``$env``, else ``default``; a folder URL gets the build's file path appended."""
    chosen = (url or os.environ.get(env, "").strip() or default).strip()
    last = urllib.parse.urlsplit(chosen).path.rstrip("/").rsplit("/", 1)[-1]
    if any(marker in last for marker in (".vcf", ".gtf", ".bgz", ".gz")):
        return chosen
    return f"{chosen.rstrip('/')}/{relative}"


def clinvar_url(build: GenomeBuild, base_url: str | None = None) -> str:
    """The ClinVar VCF URL a fetch uses: ``base_url`` / ``$MARBLEDX_CLINVAR_URL`` / NCBI's official folder.

    A URL naming a file (``….vcf.gz``) is used as is; any other URL is taken as the folder holding
    ``vcf_GRCh38/clinvar.vcf.gz`` and ``vcf_GRCh37/clinvar.vcf.gz``, as on NCBI's server.
    """
    build = _check_build(build)
    return _resolve(base_url, CLINVAR_URL_ENV, CLINVAR_URL, _CLINVAR_PATHS[build])


def genes_url(build: GenomeBuild, url: str | None = None) -> str:
    """The GENCODE GTF URL a fetch uses: ``url`` / ``$MARBLEDX_GENES_URL`` / GENCODE release 46.

    A URL naming a file (``….gtf.gz``) is used as is; any other URL is taken as a GENCODE release folder.
    """
    build = _check_build(build)
    return _resolve(url, GENES_URL_ENV, GENCODE_URL, _GENCODE_PATHS[build])


def installed_clinvar(build: GenomeBuild, root: Path | None = None) -> Path | None:
    """The ClinVar VCF installed by ``marbledx data fetch clinvar`` for ``build``, or ``None``."""
    path = (root or data_dir()) / "clinvar" / _check_build(build) / CLINVAR_FILE
    return path if path.is_file() else None


def installed_genes(build: GenomeBuild, root: Path | None = None) -> Path | None:
    """The gene-region BED installed by ``marbledx data fetch genes`` for ``build``, or ``None``."""
    build = _check_build(build)
    path = (root or data_dir()) / "genes" / build / f"genes-{build}.bed.gz"
    return path if path.is_file() else None


def _download(url: str, target: Path, timeout: float, limit: int) -> tuple[str, int]:
    """Stream ``url`` into ``target``; returns its sha256 and size (see :func:`marbledx.ontology._update.download`)."""
    return download(url, target, timeout=timeout, limit=limit, hint=_FETCH_HINT, mirror="--url")


def _require_gzip(path: Path, url: str, what: str) -> None:
    with path.open("rb") as stream:
        head = stream.read(512)
    if head.startswith(_GZIP_MAGIC):
        return
    if not head:
        msg = f"{url} returned an empty file; expected {what}"
    elif head.lstrip().startswith(b"<"):
        msg = f"{url} returned an HTML page, not {what}; check the URL"
    else:
        msg = f"{url} is not gzip-compressed; expected {what}"
    raise DataError(msg)


@contextmanager
def _staging(parent: Path, what: str) -> Iterator[Path]:
    """A staging folder in ``parent``, held under ``parent``'s lock (one ``what`` at a time) and removed at
    the end. Local write failures in it (a full disk) become one-line :class:`DataError` messages."""
    make_folder(parent)
    with exclusive(parent, what):
        staging = staging_folder(parent)
        try:
            yield staging
        except OSError as exc:
            msg = f"cannot write in {parent}: {exc.strerror or exc}; free some space and try again"
            raise DataError(msg) from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # already gone after a successful install


def _install(staging: Path, target: Path) -> None:
    """Swap ``staging`` in as ``target``; the previous folder is kept until the new one is in place."""
    replace_folder(staging, target)


def _write_manifest(path: Path, payload: dict[str, object]) -> None:
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


# --- ClinVar ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _VcfScan:
    records: int
    first: tuple[str, int, str, str]
    last: tuple[str, int, str, str]


def _scan_vcf(path: Path, url: str) -> _VcfScan:
    """Read the whole bgzipped VCF once: proves the gzip stream is complete (CRC) and counts records."""
    with path.open("rb") as stream:
        stream.seek(max(0, path.stat().st_size - len(_BGZF_EOF)))
        if stream.read() != _BGZF_EOF:
            msg = f"{url}: the download is truncated (no BGZF end-of-file block); try again"
            raise DataError(msg)
    records = 0
    first: tuple[str, int, str, str] | None = None
    last: tuple[str, int, str, str] | None = None
    number = 0
    try:
        with gzip.open(path, "rb") as lines:
            for number, raw in enumerate(lines, start=1):
                if number == 1 and not raw.startswith(b"##fileformat=VCF"):
                    msg = f"{url}: not a VCF (no ##fileformat line); expected the ClinVar VCF"
                    raise DataError(msg)
                if raw.startswith(b"#"):
                    continue
                fields = raw.split(b"\t", 5)
                if len(fields) < 5 or not fields[1].isdigit():
                    msg = f"{url} line {number}: expected a VCF record (CHROM, POS, ID, REF, ALT, …)"
                    raise DataError(msg)
                alt = fields[4].split(b",", 1)[0]
                last = (fields[0].decode(), int(fields[1]), fields[3].decode(), alt.decode())
                first = first or last
                records += 1
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        msg = f"{url}: truncated or corrupt after line {number} ({exc}); try again"
        raise DataError(msg) from exc
    if first is None or last is None:
        msg = f"{url}: a VCF without records; expected the ClinVar VCF"
        raise DataError(msg)
    return _VcfScan(records, first, last)


def fetch_clinvar(
    build: GenomeBuild = "GRCh38",
    *,
    base_url: str | None = None,
    root: Path | None = None,
    timeout: float = 120.0,
) -> FetchedFile:
    """Download ClinVar's VCF and index for ``build``, validate them and install them under the data folder.

    ``base_url`` (else ``$MARBLEDX_CLINVAR_URL``, else NCBI) is a ClinVar folder or the VCF's own URL,
    see :func:`clinvar_url`; the index is fetched from the VCF's URL + ``.tbi`` and built locally when the
    server has none. ``root`` replaces :func:`~marbledx.ontology.data_dir`. Raises :class:`DownloadError`
    when the transfer fails and :class:`DataError` when the file is not a complete ClinVar VCF of this
    build; the previous installation is then kept.
    """
    build = _check_build(build)
    url = clinvar_url(build, base_url)
    parent = (root or data_dir()) / "clinvar"
    with _staging(parent, "'marbledx data fetch clinvar'") as staging:
        vcf = staging / CLINVAR_FILE
        sha256, size = _download(url, vcf, timeout, MAX_CLINVAR_BYTES)
        _require_gzip(vcf, url, "a bgzipped ClinVar VCF")
        scan = _scan_vcf(vcf, url)
        index = staging / f"{CLINVAR_FILE}.tbi"
        index_url: str | None = f"{url}.tbi"
        try:
            _download(f"{url}.tbi", index, timeout, MAX_INDEX_BYTES)
            _require_gzip(index, f"{url}.tbi", "a tabix index")
        except HttpStatusError as exc:
            if exc.status != 404:
                raise
            index_url = None  # a mirror without the index: make it here (the official file is sorted)
            index.unlink(missing_ok=True)
            try:
                pysam.tabix_index(str(vcf), preset="vcf", force=True)
            except (OSError, ValueError) as exc:
                msg = f"{url}: cannot index the downloaded VCF ({exc}); expected a sorted bgzipped VCF"
                raise DataError(msg) from exc
        try:
            with ClinvarVcf.open(vcf, build=build) as clinvar:
                usable = clinvar.indexed and all(
                    clinvar.has_record(*allele) for allele in (scan.first, scan.last)
                )
                file_date = clinvar.file_date
        except InputError as exc:
            msg = f"the file downloaded from {url} is not a usable ClinVar VCF: {exc}"
            raise DataError(msg) from exc
        if not usable:
            msg = f"{url}.tbi does not index the downloaded ClinVar VCF; try again"
            raise DataError(msg)
        fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
        _write_manifest(
            staging / MANIFEST_FILE,
            {
                "kind": "clinvar",
                "build": build,
                "file": CLINVAR_FILE,
                "source_url": url,
                "index_url": index_url,
                "sha256": sha256,
                "size": size,
                "fetched_at": fetched_at,
                "file_date": file_date,
                "records": scan.records,
            },
        )
        target = parent / build
        _install(staging, target)
    return FetchedFile(
        kind="clinvar",
        build=build,
        path=target / CLINVAR_FILE,
        manifest=target / MANIFEST_FILE,
        source_url=url,
        sha256=sha256,
        size=size,
        records=scan.records,
        release=file_date,
        index=target / f"{CLINVAR_FILE}.tbi",
        extra={"index_url": index_url, "fetched_at": fetched_at},
    )


# --- Gene regions ----------------------------------------------------------------------------------

# (chrom, 0-based start, end, symbol, strand, gene type, gene id)
_Gene = tuple[str, int, int, str, str, str, str]


@dataclass(frozen=True)
class _GtfScan:
    genes: list[_Gene]
    date: str | None
    description: str | None


def _open_text(path: Path) -> TextIO:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def _parse_gtf(path: Path, url: str, build: GenomeBuild) -> _GtfScan:
    """Read every line of a (gzipped) GENCODE/Ensembl GTF and keep its named ``gene`` lines."""
    genes: list[_Gene] = []
    header: dict[str, str] = {}
    number = 0
    try:
        with _open_text(path) as lines:
            for number, line in enumerate(lines, start=1):
                if line.startswith("#"):
                    key, _, value = line.lstrip("#").partition(":")
                    header.setdefault(key.strip(), value.strip())
                    continue
                if not line.strip():
                    continue
                fields = line.rstrip("\n").split("\t")
                if len(fields) != 9 or not fields[3].isdigit() or not fields[4].isdigit():
                    msg = f"{url} line {number}: expected 9 tab-separated GTF columns (seqname, …, start, end, …, attributes)"
                    raise DataError(msg)
                if fields[2] != "gene":
                    continue
                attributes = dict(reversed(_ATTRIBUTE.findall(fields[8])))  # first value wins
                gene_id = attributes.get("gene_id", "")
                name = attributes.get("gene_name", "")
                if not name or name in {gene_id, gene_id.split(".", 1)[0]}:
                    continue  # unnamed locus
                gene_type = attributes.get("gene_type") or attributes.get("gene_biotype") or "."
                start, end = int(fields[3]), int(fields[4])
                genes.append((fields[0], start - 1, end, name, fields[6], gene_type, gene_id or "."))
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        msg = f"{url}: truncated or corrupt after line {number} ({exc}); try again"
        raise DataError(msg) from exc
    if not genes:
        msg = f"{url}: no named gene lines; expected a GENCODE GTF (feature 'gene', attribute gene_name)"
        raise DataError(msg)
    description = header.get("description")
    if description:
        other = "GRCh37" if build == "GRCh38" else "GRCh38"
        if other in description and build not in description:
            msg = f"{url} is a {other} annotation ({description}); expected {build}"
            raise DataError(msg)
    return _GtfScan(genes, header.get("date"), description)


def _chrom_order(name: str) -> tuple[int, int, str]:
    bare = normalise_chrom(name)
    if bare.isdigit():
        return (0, int(bare), "")
    return (1, {"X": 0, "Y": 1, "MT": 2}.get(bare, 3), bare)


def _write_bed(target: Path, genes: list[_Gene], build: GenomeBuild, url: str) -> None:
    plain = target.with_suffix("")  # genes-<build>.bed
    genes.sort(key=lambda g: (_chrom_order(g[0]), g[1], g[2], g[3]))
    with plain.open("w", encoding="utf-8") as out:
        out.write(f"{BUILD_HEADER}{build}\n")
        out.write(f"#source={url}\n")
        out.write("#chrom\tstart\tend\tgene_name\tscore\tstrand\tgene_type\tgene_id\n")
        for chrom, start, end, name, strand, gene_type, gene_id in genes:
            out.write(f"{chrom}\t{start}\t{end}\t{name}\t0\t{strand}\t{gene_type}\t{gene_id}\n")
    # bgzip (not plain gzip) so the table can be tabix-indexed or read by htslib tools as well.
    pysam.tabix_compress(str(plain), str(target), force=True)
    plain.unlink()


def fetch_genes(
    build: GenomeBuild = "GRCh38",
    *,
    url: str | None = None,
    root: Path | None = None,
    timeout: float = 120.0,
) -> FetchedFile:
    """Download the GENCODE basic GTF for ``build``, turn its genes into a BED table and install it.

    ``url`` (else ``$MARBLEDX_GENES_URL``, else GENCODE release 46) is a GTF URL or a GENCODE release
    folder, see :func:`genes_url`. The result is ``genes/<build>/genes-<build>.bed.gz`` (bgzipped, sorted,
    with a ``#build=`` header; columns chrom, start, end, gene_name, score, strand, gene_type, gene_id)
    plus a manifest; the GTF itself is not kept. Raises :class:`DownloadError` when the transfer fails and
    :class:`DataError` when the file is not a complete GTF of this build; the previous table is then kept.
    """
    build = _check_build(build)
    source = genes_url(build, url)
    parent = (root or data_dir()) / "genes"
    name = f"genes-{build}.bed.gz"
    with _staging(parent, "'marbledx data fetch genes'") as staging:
        suffix = ".gtf" if source.endswith(".gtf") else ".gtf.gz"
        gtf = staging / f"download{suffix}"
        sha256, size = _download(source, gtf, timeout, MAX_GTF_BYTES)
        if suffix == ".gtf.gz":
            _require_gzip(gtf, source, "a gzipped GTF")
        scan = _parse_gtf(gtf, source, build)
        gtf.unlink()
        bed = staging / name
        _write_bed(bed, scan.genes, build, source)
        try:
            regions = GeneRegions.read_bed(bed, build=build)
        except (
            InputError
        ) as exc:  # a bug here rather than bad input, but never install a table we cannot read
            msg = f"the gene table made from {source} cannot be read back: {exc}"
            raise DataError(msg) from exc
        fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
        _write_manifest(
            staging / MANIFEST_FILE,
            {
                "kind": "genes",
                "build": build,
                "file": name,
                "source_url": source,
                "sha256": sha256,
                "size": size,
                "fetched_at": fetched_at,
                "gencode_date": scan.date,
                "gencode_description": scan.description,
                "gene_types": "all named genes (gene type in column 7)",
                "regions": len(regions),
                "genes": len(regions.genes),
                "file_sha256": file_sha256(bed),
            },
        )
        target = parent / build
        _install(staging, target)
    return FetchedFile(
        kind="genes",
        build=build,
        path=target / name,
        manifest=target / MANIFEST_FILE,
        source_url=source,
        sha256=sha256,
        size=size,
        records=len(regions),
        release=scan.date,
        extra={"genes": len(regions.genes), "fetched_at": fetched_at},
    )
