"""``marbledx data update``: download the current official HPO release and make it the active one.

Nothing else in marbledx touches the network. A download is staged in a temporary folder, validated by
building its index, and only then moved into place and activated, so a failed or interrupted update
leaves the previous release in use.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from marbledx.errors import DownloadError, OntologyDataError
from marbledx.ontology._index import ReleaseIndex
from marbledx.ontology._parse import build_index
from marbledx.ontology._release import (
    RELEASE_FILES,
    DirectoryRelease,
    cache_dir,
    current_release_pointer,
    data_dir,
)

__all__ = ["OFFICIAL_RELEASE_URL", "InstalledRelease", "activate_release", "update_release"]

# The HPO project publishes hp.obo, phenotype.hpoa and genes_to_phenotype.txt as assets of each GitHub
# release; "latest/download" always serves the newest one.
OFFICIAL_RELEASE_URL = "https://github.com/obophenotype/human-phenotype-ontology/releases/latest/download"

_CHUNK = 1 << 20


@dataclass(frozen=True)
class InstalledRelease:
    version: str
    annotation_version: str
    folder: Path
    base_url: str


def _download(url: str, target: Path, timeout: float) -> str:
    digest = hashlib.sha256()
    request = urllib.request.Request(url, headers={"User-Agent": "marbledx (HPO release update)"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, target.open("wb") as out:
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
    except urllib.error.HTTPError as exc:
        msg = f"download of {url} failed: HTTP {exc.code} {exc.reason}"
        raise DownloadError(msg) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        msg = f"download of {url} failed: {reason}; check the network connection or --base-url"
        raise DownloadError(msg) from exc
    return digest.hexdigest()


def _write_json_atomically(path: Path, payload: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(payload, stream, indent=2)
    Path(tmp).replace(path)


def activate_release(folder: Path | None, root: Path | None = None) -> None:
    """Make ``folder`` the default release, or go back to the bundled one when ``folder`` is ``None``."""
    pointer = current_release_pointer(root)
    if folder is None:
        pointer.unlink(missing_ok=True)
        return
    DirectoryRelease(folder).files()  # refuse to activate an incomplete folder
    _write_json_atomically(pointer, {"folder": str(folder.resolve())})


def update_release(
    base_url: str = OFFICIAL_RELEASE_URL,
    *,
    root: Path | None = None,
    timeout: float = 120.0,
    activate: bool = True,
) -> InstalledRelease:
    """Download the release files from ``base_url``, validate them, install and (by default) activate them.

    Raises :class:`DownloadError` when a file cannot be fetched and :class:`OntologyDataError` when the
    downloaded files are not a valid release; in both cases nothing is installed.
    """
    hpo_root = (root or data_dir()) / "hpo"
    hpo_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=hpo_root, prefix=".staging-"))
    try:
        checksums = {
            name: _download(f"{base_url.rstrip('/')}/{name}", staging / name, timeout)
            for name in RELEASE_FILES
        }
        try:
            source_files = DirectoryRelease(staging).files()
            index: ReleaseIndex = build_index(
                source_files.obo, source_files.hpoa, source_files.genes_to_phenotype
            )
        except OntologyDataError as exc:
            msg = f"downloaded files from {base_url} are not a valid HPO release: {exc}"
            raise OntologyDataError(msg) from exc
        version, annotation_version = index.versions
        if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z._-]*", version):
            msg = f"downloaded hp.obo from {base_url} has no usable data-version header (found {version!r})"
            raise OntologyDataError(msg)
        _write_json_atomically(
            staging / "release.json",
            {
                "version": version,
                "annotation_version": annotation_version,
                "downloaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "base_url": base_url,
                "sha256": checksums,
            },
        )
        target = hpo_root / version
        if target.exists():
            shutil.rmtree(target)
        staging.replace(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    # Warm the index cache for the new files so the first analysis is fast.
    installed = DirectoryRelease(target).files()
    with contextlib.suppress(OSError):  # the cache is an optimisation; load_hpo rebuilds it when needed
        index.save(cache_dir() / f"hpo-index-{installed.fingerprint()}.npz")
    if activate:
        activate_release(target, root)
    return InstalledRelease(version, annotation_version, target, base_url)
