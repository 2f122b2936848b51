"""``marbledx data update``: download the current official HPO release and make it the active one.

Nothing else in marbledx touches the network (besides ``marbledx data fetch``, which uses the download
helpers below). A download is staged in a temporary folder, validated by building its index, and only then
moved into place and activated, so a failed or interrupted update leaves the previous release in use. One
update runs at a time per data folder; a second one stops at once with a one-line error.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from marbledx._files import file_sha256
from marbledx.errors import DataError, DownloadError, InputError, OntologyDataError
from marbledx.ontology._index import ReleaseIndex
from marbledx.ontology._ontology import PHENOTYPIC_ABNORMALITY_ID, ROOT_ID
from marbledx.ontology._parse import build_index
from marbledx.ontology._release import (
    RELEASE_FILES,
    RELEASE_RECORD,
    DirectoryRelease,
    cache_dir,
    current_release_pointer,
    data_dir,
    load_hpo,
)

if sys.platform != "win32":
    import fcntl

__all__ = [
    "MAX_RELEASE_FILE_BYTES",
    "MIN_RATE_BYTES_PER_S",
    "OFFICIAL_RELEASE_URL",
    "RATE_WINDOW_S",
    "VERSION_PATTERN",
    "HttpStatusError",
    "InstalledRelease",
    "activate_release",
    "download",
    "exclusive",
    "installed_releases",
    "make_folder",
    "replace_folder",
    "staging_folder",
    "update_release",
    "write_json_atomically",
]

# The HPO project publishes hp.obo, phenotype.hpoa and genes_to_phenotype.txt as assets of each GitHub
# release; "latest/download" always serves the newest one.
OFFICIAL_RELEASE_URL = "https://github.com/obophenotype/human-phenotype-ontology/releases/latest/download"

# The largest release file accepted. The 2025-01-16 files are 10 MB (hp.obo), 34 MB (phenotype.hpoa) and
# 20 MB (genes_to_phenotype.txt); a server streaming without end must not fill the disk.
MAX_RELEASE_FILE_BYTES: Final = 1 << 30

# --timeout bounds each wait for data, so a server that sends a few bytes every few seconds ("slow drip")
# would never time out and could hold a download for days. A download must therefore bring, on average, at
# least MIN_RATE_BYTES_PER_S over the last window of RATE_WINDOW_S seconds, or of twice --timeout when that
# is longer (so that one wait the user allowed does not by itself fail the window); it is first checked once
# a whole window has passed. 10 kB/s (80 kbit/s) is far below any working connection, and still brings the
# largest file (ClinVar, about 180 MB in 2025) in 5 hours. A download that keeps the rate therefore takes
# at most about size / MIN_RATE_BYTES_PER_S + one window, and its size is capped by the limits.
MIN_RATE_BYTES_PER_S: Final = 10_000
RATE_WINDOW_S: Final = 60.0

# A release version names its folder, so it may hold no path separator and cannot be "." or "..".
VERSION_PATTERN: Final = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}")
# phenotype.hpoa names the ontology release its annotations were made with:
# "#hpo-version: http://purl.obolibrary.org/obo/hp/releases/2025-01-16/hp.json".
_HPOA_ONTOLOGY = re.compile(r"/releases/([^/\s]+)/")

_CHUNK: Final = 1 << 20
_UPDATE_HINT: Final = "check the network connection or --base-url"


@dataclass(frozen=True)
class InstalledRelease:
    version: str
    annotation_version: str
    folder: Path
    base_url: str


class HttpStatusError(DownloadError):
    """The server answered with an HTTP error status (``status``), e.g. 404."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _cannot_write(path: Path, exc: OSError) -> DataError:
    msg = f"cannot write {path}: {exc.strerror or exc}; free some space, or set MARBLEDX_DATA_DIR to a writable folder"
    return DataError(msg)


def _transfer_error(url: str, exc: BaseException, timeout: float, hint: str) -> DownloadError:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        msg = f"download of {url} failed: timed out, no data for {timeout:g} s (--timeout); try again later or allow more time"
    elif isinstance(reason, http.client.HTTPException):
        kind = type(reason).__name__
        detail = str(reason)
        shown = detail if detail.startswith(kind) else f"{kind}: {detail}" if detail else kind
        msg = f"download of {url} failed: the server's answer broke off or is not HTTP ({shown}); try again"
    else:
        msg = f"download of {url} failed: {getattr(reason, 'strerror', None) or reason}; {hint}"
    return DownloadError(msg)


def download(
    url: str,
    target: Path,
    *,
    timeout: float,
    limit: int,
    hint: str = _UPDATE_HINT,
    mirror: str = "--base-url",
) -> tuple[str, int]:
    """Stream ``url`` into the new file ``target``; returns its SHA-256 and size in bytes.

    ``timeout`` applies to every network operation (connecting, each read). Once the body has run for a
    window of ``max(RATE_WINDOW_S, 2 * timeout)`` seconds, it must average at least
    ``MIN_RATE_BYTES_PER_S`` over the last window. Raises :class:`HttpStatusError` for an HTTP error status,
    :class:`DownloadError` when the transfer fails (no connection, a timeout, a body that comes too slowly,
    a redirect loop, a body shorter than its ``Content-Length`` or longer than ``limit`` bytes) and
    :class:`DataError` when ``target`` cannot be written (a full disk). ``hint`` ends network messages;
    ``mirror`` is the option that names another server, suggested when the body comes too slowly.
    """
    if not (isinstance(timeout, int | float) and math.isfinite(timeout) and timeout > 0):
        msg = f"timeout {timeout!r}: expected a positive number of seconds (--timeout)"
        raise InputError(msg)
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "marbledx (reference data download)"})
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if 300 <= exc.code < 400:  # urllib gives up after 10 redirects or on a loop
            msg = f"download of {url} failed: too many redirects (HTTP {exc.code}, a redirect loop); {hint}"
        else:
            msg = f"download of {url} failed: HTTP {exc.code} {exc.reason}"
        raise HttpStatusError(msg, exc.code) from exc
    except (OSError, http.client.HTTPException) as exc:  # URLError and TimeoutError are OSErrors
        raise _transfer_error(url, exc, timeout, hint) from exc
    except ValueError as exc:  # urllib's "unknown url type"
        msg = f"{url!r} is not a URL that can be downloaded ({exc}); expected http://, https:// or ftp://"
        raise DownloadError(msg) from exc
    with response:
        length = response.headers.get("Content-Length")
        expected = int(length) if length is not None and length.strip().isdigit() else None
        if expected is not None and expected > limit:
            msg = f"download of {url} refused: {expected:,} bytes, more than the {limit:,} expected at most; {hint}"
            raise DownloadError(msg)
        if expected is not None and expected > _free_space(target.parent):
            msg = f"cannot download {url}: {expected:,} bytes, but only {_free_space(target.parent):,} free in {target.parent}"
            raise DataError(msg)
        pace = _Pace(url, expected, timeout=timeout, mirror=mirror, start=time.monotonic())
        return _stream(response, url, target, expected, pace, timeout=timeout, limit=limit, hint=hint)


def _free_space(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return sys.maxsize  # unknown: let the writes tell


class _Pace:
    """Stops a body that keeps coming but too slowly: less than ``MIN_RATE_BYTES_PER_S`` on average over the
    last window (see ``RATE_WINDOW_S``), checked once a whole window has passed since ``start``."""

    def __init__(self, url: str, expected: int | None, *, timeout: float, mirror: str, start: float) -> None:
        self.url = url
        self.expected = expected
        self.mirror = mirror
        self.window = max(RATE_WINDOW_S, 2 * timeout)
        self.floor = MIN_RATE_BYTES_PER_S
        # (time, bytes received by then): a few marks per window, however many reads there are.
        self.marks: deque[tuple[float, int]] = deque([(start, 0)])

    def check(self, size: int, now: float) -> None:
        """``size`` bytes have arrived by ``now``; raise :class:`DownloadError` if the last window was too slow."""
        marks = self.marks
        if now - marks[-1][0] >= self.window / 32:
            marks.append((now, size))
        while len(marks) > 1 and marks[1][0] <= now - self.window:
            marks.popleft()
        since, then = marks[0]  # the last mark at least one window ago, or the start
        span = now - since
        if span < self.window:
            return  # the first window: connections start slowly
        recent = size - then
        if recent >= self.floor * span:
            return
        received = f"{size:,} of {self.expected:,}" if self.expected is not None else f"{size:,}"
        msg = (
            f"download of {self.url} stopped: too slow, {recent:,} bytes in the last {self.window:g} s, "
            f"less than {self.floor:,} bytes/s ({received} bytes received); "
            f"try again later, or use {self.mirror} to download from a mirror"
        )
        raise DownloadError(msg)


def _stream(
    response: http.client.HTTPResponse,
    url: str,
    target: Path,
    expected: int | None,
    pace: _Pace,
    *,
    timeout: float,
    limit: int,
    hint: str,
) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    try:
        out = target.open("xb")
    except OSError as exc:
        raise _cannot_write(target, exc) from exc
    with out:
        while True:
            try:
                # read1, not read: read waits for a whole chunk, which a server sending a byte at a time
                # never completes, so the pace could not be checked in between.
                chunk = response.read1(_CHUNK)
            except (OSError, http.client.HTTPException) as exc:
                raise _transfer_error(url, exc, timeout, hint) from exc
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                msg = f"download of {url} stopped: more than the {limit:,} bytes expected at most; {hint}"
                raise DownloadError(msg)
            pace.check(size, time.monotonic())
            digest.update(chunk)
            try:
                out.write(chunk)
            except OSError as exc:
                raise _cannot_write(target, exc) from exc
        try:
            out.flush()
        except OSError as exc:
            raise _cannot_write(target, exc) from exc
    # urllib returns a short body without complaint when the connection drops early.
    if expected is not None and size != expected:
        msg = f"download of {url} failed: received {size} of {expected} bytes (the connection broke off); try again"
        raise DownloadError(msg)
    return digest.hexdigest(), size


def make_folder(folder: Path) -> Path:
    """Create ``folder`` (and its parents) or raise a one-line :class:`DataError`."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"cannot create the data folder {folder}: {exc.strerror or exc}; set MARBLEDX_DATA_DIR to a writable folder"
        raise DataError(msg) from exc
    if not folder.is_dir():
        msg = f"{folder} is a file; expected a folder (the data folder, MARBLEDX_DATA_DIR)"
        raise DataError(msg)
    return folder


@contextlib.contextmanager
def exclusive(folder: Path, what: str) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` while ``what`` runs; fail at once if another process holds it.

    The lock is on the folder itself (POSIX ``flock``), so no lock file is left behind and a killed process
    releases it. Leftovers of an interrupted run in ``folder`` are tidied once the lock is held.
    """
    if sys.platform == "win32":  # no flock: updates are not guarded against each other
        _tidy(folder)
        yield
        return
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise _cannot_write(folder, exc) from exc
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            msg = f"another {what} is running in {folder}; wait for it to finish, then try again"
            raise DataError(msg) from None
        except OSError:
            pass  # a file system without locks (some network mounts): go on unguarded
        _tidy(folder)
        yield
    finally:
        os.close(handle)


def staging_folder(parent: Path) -> Path:
    """A new ``.staging-*`` folder in ``parent``, or a one-line :class:`DataError`."""
    try:
        return Path(tempfile.mkdtemp(dir=parent, prefix=".staging-"))
    except OSError as exc:
        raise _cannot_write(parent, exc) from exc


def _tidy(folder: Path) -> None:
    """Remove what an interrupted (killed) run left in ``folder``: staging folders, and the copy of a folder
    that was being replaced, which goes back in place if the replacement never arrived."""
    for leftover in sorted(folder.glob(".old-*")):
        name = leftover.name.removeprefix(".old-").rsplit("-", 1)[0]
        original = folder / name
        if name and not original.exists() and leftover.is_dir():
            with contextlib.suppress(OSError):
                leftover.replace(original)
                continue
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in folder.glob(".staging-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def replace_folder(staging: Path, target: Path) -> None:
    """Put ``staging`` in place of ``target``. The previous ``target`` is kept aside until the new one is in
    place (and put back by :func:`exclusive` if the process dies in between)."""
    if target.exists() and not target.is_dir():
        msg = f"{target} is a file; expected the folder of an installation (remove the file, then try again)"
        raise DataError(msg)
    old: Path | None = None
    try:
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".old-{target.name}-"))
            target.replace(old)  # replaces the empty placeholder folder just made
        staging.replace(target)
    except OSError as exc:
        if old is not None and not target.exists():
            with contextlib.suppress(OSError):
                old.replace(target)
        msg = f"cannot install {target}: {exc.strerror or exc}"
        raise DataError(msg) from exc
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_json_atomically(path: Path, payload: dict[str, object]) -> None:
    """Write ``path`` whole or not at all; a failure is a one-line :class:`DataError` and leaves no temp file."""
    make_folder(path.parent)
    tmp: Path | None = None
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        tmp = Path(name)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(payload, stream, indent=2)
        tmp.replace(path)
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise _cannot_write(path, exc) from exc


def installed_releases(root: Path | None = None) -> list[str]:
    """Versions installed by ``marbledx data update`` under ``root`` (default :func:`data_dir`), sorted."""
    folder = (root or data_dir()) / "hpo"
    if not folder.is_dir():
        return []
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.is_dir() and VERSION_PATTERN.fullmatch(p.name) and (p / RELEASE_RECORD).is_file()
    )


def activate_release(folder: Path | None, root: Path | None = None) -> None:
    """Make ``folder`` the default release, or go back to the bundled one when ``folder`` is ``None``.

    The folder is checked first: all three files present, unchanged since ``data update`` installed them
    (when it did), and loadable. Raises :class:`OntologyDataError` otherwise; the active release is kept.
    """
    pointer = current_release_pointer(root)
    if folder is None:
        try:
            pointer.unlink(missing_ok=True)
        except OSError as exc:
            raise _cannot_write(pointer.parent, exc) from exc
        return
    release = DirectoryRelease(folder)
    release.verify()
    load_hpo(release)  # parses (or finds in the cache) every file: refuse what cannot be used
    _point_to(folder, root)


def _point_to(folder: Path, root: Path | None) -> None:
    write_json_atomically(current_release_pointer(root), {"folder": str(folder.resolve())})


def _hpoa_ontology_release(path: Path) -> str | None:
    """The hp.obo release named by phenotype.hpoa's ``#hpo-version`` header line, if it has one."""
    with path.open(encoding="utf-8", errors="replace") as stream:
        for line in stream:
            if not line.startswith("#"):
                return None
            if line.startswith("#hpo-version:"):
                found = _HPOA_ONTOLOGY.search(line)
                return found.group(1) if found else None
    return None


def _screen(staging: Path, base_url: str) -> None:
    """Catch what a mirror or proxy serves instead of a release file before parsing it."""
    for name in RELEASE_FILES:
        with (staging / name).open("rb") as stream:
            head = stream.read(512)
        url = f"{base_url}/{name}"
        if not head.strip():
            msg = f"{url} is empty; expected the HPO release file {name}"
            raise OntologyDataError(msg)
        if head.lstrip().startswith(b"<"):
            msg = f"{url} returned an HTML page, not the HPO release file {name}; check --base-url"
            raise OntologyDataError(msg)


def _validate(staging: Path, base_url: str) -> ReleaseIndex:
    _screen(staging, base_url)
    try:
        source_files = DirectoryRelease(staging).files()
        index = build_index(source_files.obo, source_files.hpoa, source_files.genes_to_phenotype)
    except OntologyDataError as exc:
        # Name the URL, not the staging folder, which is deleted before the user reads the message.
        detail = str(exc).replace(f"{staging}{os.sep}", f"{base_url}/")
        msg = f"downloaded files from {base_url} are not a valid HPO release: {detail}"
        raise OntologyDataError(msg) from exc
    version, _ = index.versions
    if not VERSION_PATTERN.fullmatch(version) or version in {".", ".."}:
        msg = (
            f"{base_url}/hp.obo has no usable data-version header (found {version!r}); "
            "expected a release name such as hp/releases/2025-01-16"
        )
        raise OntologyDataError(msg)
    # A file can parse and still be hollow: a mirror's placeholder, or a release cut down to nothing.
    present = set(index.term_num.tolist())
    for curie, label in ((ROOT_ID, "All"), (PHENOTYPIC_ABNORMALITY_ID, "Phenotypic abnormality")):
        if int(curie.removeprefix("HP:")) not in present:
            msg = f"{base_url}/hp.obo has no current term {curie} ({label}); expected the whole HPO"
            raise OntologyDataError(msg)
    if len(index.ann_disease) == 0:
        msg = f"{base_url}/phenotype.hpoa has no annotation rows; expected the HPO disease annotations"
        raise OntologyDataError(msg)
    if len(index.link_gene) == 0:
        msg = f"{base_url}/genes_to_phenotype.txt has no rows; expected the HPO gene-disease links"
        raise OntologyDataError(msg)
    made_for = _hpoa_ontology_release(staging / "phenotype.hpoa")
    if made_for is not None and made_for != version:
        msg = (
            f"{base_url}/phenotype.hpoa was made for HPO release {made_for}, but {base_url}/hp.obo is release "
            f"{version}; the server mixes two releases"
        )
        raise OntologyDataError(msg)
    return index


def _same_files(folder: Path, checksums: dict[str, str]) -> bool:
    """Whether ``folder`` already holds exactly these files (so a re-download changes nothing)."""
    for name, expected in checksums.items():
        try:
            if file_sha256(folder / name) != expected:
                return False
        except OSError:
            return False
    return True


def update_release(
    base_url: str = OFFICIAL_RELEASE_URL,
    *,
    root: Path | None = None,
    timeout: float = 120.0,
    activate: bool = True,
) -> InstalledRelease:
    """Download the release files from ``base_url``, validate them, install and (by default) activate them.

    Raises :class:`DownloadError` when a file cannot be fetched, :class:`OntologyDataError` when the
    downloaded files are not a valid release and :class:`DataError` when the data folder cannot be written
    or another update is running; in every case nothing is installed and the active release stays.
    """
    base_url = base_url.strip().rstrip("/")
    hpo_root = make_folder((root or data_dir()) / "hpo")
    with exclusive(hpo_root, "'marbledx data update'"):
        staging = staging_folder(hpo_root)
        try:
            checksums = {
                name: download(
                    f"{base_url}/{name}", staging / name, timeout=timeout, limit=MAX_RELEASE_FILE_BYTES
                )[0]
                for name in RELEASE_FILES
            }
            index = _validate(staging, base_url)
            version, annotation_version = index.versions
            record: dict[str, object] = {
                "version": version,
                "annotation_version": annotation_version,
                "downloaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "base_url": base_url,
                "sha256": checksums,
            }
            target = hpo_root / version
            if target.is_dir() and _same_files(target, checksums):
                # The same release again: keep the installed folder (it may be the active one) as it is.
                write_json_atomically(target / RELEASE_RECORD, record)
            else:
                write_json_atomically(staging / RELEASE_RECORD, record)
                replace_folder(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # already gone after a replacement
        # Warm the index cache for the new files so the first analysis is fast.
        installed = DirectoryRelease(target).files()
        with contextlib.suppress(OSError):  # the cache is an optimisation; load_hpo rebuilds it when needed
            index.save(cache_dir() / f"hpo-index-{installed.fingerprint()}.npz")
        if activate:
            _point_to(target, root)
    return InstalledRelease(version, annotation_version, target, base_url)
