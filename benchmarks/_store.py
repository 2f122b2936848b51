"""Helpers the benchmarks share for a folder or a .tar.gz of phenopackets (such as phenopacket-store).

The store is split into halves A and B by a hash of the file name, so the split does not depend on the order
or the folder the cases are read from. Half A is where parameters were examined; half B is held out.
"""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path


def half(path: str | Path) -> str:
    """ "A" or "B": the half of the store a case file belongs to."""
    return "A" if hashlib.sha1(Path(path).name.encode()).digest()[0] % 2 == 0 else "B"


def collect(path: Path, scratch: Path) -> list[str]:
    """Every phenopacket JSON under ``path``, unpacking a .tar.gz into ``scratch`` first; sorted."""
    if path.suffix == ".gz":
        with tarfile.open(path) as archive:
            archive.extractall(scratch, filter="data")
        path = scratch
    return sorted(str(p) for p in path.rglob("*.json") if p.is_file())


def sample(paths: list[str], size: int | None) -> list[str]:
    """All ``paths``, or a fixed sample of ``size`` of them picked by a hash of the file name; sorted."""
    if size is None or size >= len(paths):
        return paths
    return sorted(sorted(paths, key=lambda p: hashlib.sha1(Path(p).name.encode()).hexdigest())[:size])
