"""Helpers the benchmarks share for a folder or a .tar.gz of phenopackets (such as phenopacket-store).

The store is split into halves A and B by a hash of the file name, so the split does not depend on the order
or the folder the cases are read from. Half A is where parameters were examined; half B is held out.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path
from typing import Any


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


def diagnosis_of(path: str | Path) -> tuple[str | None, dict[str, Any] | None]:
    """The case's diagnosis, the one its ranking is scored against, and the phenopacket as read.

    The diagnosis is that of the first interpretation that gives one (phenopacket-store's form); failing that,
    the first disease of ``diseases`` that is not excluded. A Family file is read through its ``proband``. A
    file that cannot be read as a JSON object, or gives neither, has no diagnosis (None): such a case is
    ranked, and timed, but left out of the accuracy figures, as no rank can be scored for it.
    """
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None, None
    if not isinstance(document, dict):
        return None, None
    packet = document.get("proband") if isinstance(document.get("proband"), dict) else document
    for interpretation in _objects(packet.get("interpretations")):
        disease = _objects([interpretation.get("diagnosis")])
        term = _objects([disease[0].get("disease")]) if disease else []
        if term and isinstance(term[0].get("id"), str) and term[0]["id"]:
            return term[0]["id"], packet
    for disease in _objects(packet.get("diseases")):
        term = _objects([disease.get("term")])
        if term and not disease.get("excluded") and isinstance(term[0].get("id"), str) and term[0]["id"]:
            return term[0]["id"], packet
    return None, packet


def _objects(value: object) -> list[dict[str, Any]]:
    """The JSON objects of a list (anything else in it, or a value that is no list, is left out)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
