"""The compact, cacheable index of one HPO release.

Parsing the official files takes seconds (hp.obo alone is 10 MB); the index holds the same content as flat
numpy arrays and UTF-8 blobs so that a warm load is a single ``np.load`` of an uncompressed ``.npz`` file.
Nothing here is pickled, so a cache file can never execute code.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from marbledx.errors import OntologyDataError

__all__ = [
    "INDEX_FORMAT",
    "ReleaseIndex",
    "count_strings",
    "csr_expand",
    "join_strings",
    "save_npz_atomically",
    "split_strings",
]

# Bump when the layout or the derivations (IC, frequency point estimates) change; old caches are then rebuilt.
INDEX_FORMAT = 3

IntArray = npt.NDArray[np.int32]
Int8Array = npt.NDArray[np.int8]
FloatArray = npt.NDArray[np.float64]
BytesArray = npt.NDArray[np.uint8]

_SEPARATOR = "\x1f"  # ASCII unit separator: never occurs in HPO labels, synonyms or definitions


def join_strings(items: list[str]) -> BytesArray:
    """Pack strings into one UTF-8 byte array (see :func:`split_strings`)."""
    if any(_SEPARATOR in s for s in items):
        msg = "a string contains the index separator character U+001F"
        raise OntologyDataError(msg)
    return np.frombuffer(_SEPARATOR.join(items).encode("utf-8"), dtype=np.uint8).copy()


def count_strings(blob: BytesArray) -> int:
    """How many strings :func:`join_strings` packed into ``blob``."""
    return 0 if blob.size == 0 else int(np.count_nonzero(blob == ord(_SEPARATOR))) + 1


def split_strings(blob: BytesArray, count: int) -> list[str]:
    """Unpack strings packed by :func:`join_strings`; ``count`` guards against a corrupt blob."""
    if count == 0:
        return []
    items = blob.tobytes().decode("utf-8").split(_SEPARATOR)
    if len(items) != count:
        msg = f"corrupt string table: expected {count} strings, found {len(items)}"
        raise OntologyDataError(msg)
    return items


def csr_expand(indptr: IntArray, values: IntArray, rows: IntArray) -> tuple[IntArray, IntArray]:
    """For each row in ``rows`` list its CSR values; return (row position repeated, value) pairs."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    total = int(lengths.sum())
    owner = np.repeat(np.arange(len(rows), dtype=np.int32), lengths)
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    positions = np.repeat(starts, lengths) + offsets
    return owner, values[positions].astype(np.int32, copy=False)


def save_npz_atomically(path: Path, arrays: dict[str, Any]) -> None:
    """Write ``arrays`` to ``path`` (numpy's ``.npz``) through a temporary file renamed into place, so that a
    reader never sees a half-written cache file; the folder is made if missing, and the temporary file is
    removed when writing fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **arrays)
        Path(tmp_name).replace(path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class ReleaseIndex:
    """Flat arrays describing terms, graph, annotations and gene links of one HPO release.

    Term arrays are indexed by term index (position in ``term_num``, which is sorted). Strings are packed
    blobs; see :func:`split_strings`. ``-1`` marks "none" in index columns.
    """

    # release metadata: [ontology version, annotation version]
    meta: BytesArray
    # terms (current, non-obsolete), sorted by numeric id
    term_num: IntArray
    labels: BytesArray
    definitions: BytesArray
    synonyms: BytesArray
    syn_indptr: IntArray
    syn_scope: Int8Array  # 0 exact, 1 broad, 2 narrow, 3 related
    parent_indptr: IntArray
    parent_idx: IntArray
    ancestor_indptr: IntArray  # transitive closure, including the term itself
    ancestor_idx: IntArray
    ic: FloatArray
    # identifiers that are not current terms: alt ids and obsolete ids, with their replacement (-1: none)
    retired_num: IntArray
    retired_target: IntArray
    retired_kind: Int8Array  # 0 alternative id, 1 obsolete
    # diseases
    disease_ids: BytesArray
    disease_names: BytesArray
    # annotation rows
    ann_disease: IntArray
    ann_term: IntArray
    ann_not: Int8Array
    ann_aspect: Int8Array  # see ASPECTS in _annotations
    ann_freq: FloatArray  # point estimate in [0, 1]; NaN when no frequency is given
    ann_freq_kind: Int8Array  # 0 none, 1 n/m, 2 percentage, 3 frequency term
    ann_freq_num: IntArray  # n of n/m, else -1
    ann_freq_den: IntArray  # m of n/m, else -1
    ann_freq_term: IntArray
    ann_onset: IntArray
    ann_sex: Int8Array  # 0 unspecified, 1 male, 2 female
    ann_evidence: Int8Array  # see EVIDENCE in _annotations
    # genes and gene-disease links
    gene_symbols: BytesArray
    gene_ncbi: IntArray
    link_gene: IntArray
    link_disease: IntArray

    @property
    def versions(self) -> tuple[str, str]:
        ontology_version, annotation_version = split_strings(self.meta, 2)
        return ontology_version, annotation_version

    @property
    def n_terms(self) -> int:
        return len(self.term_num)

    @property
    def n_diseases(self) -> int:
        return count_strings(self.disease_ids)

    def save(self, path: Path) -> None:
        """Write atomically: a reader never sees a half-written cache file."""
        save_npz_atomically(path, {f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def load(cls, path: Path) -> ReleaseIndex:
        """Read a cache written by :meth:`save`; raise :class:`OntologyDataError` if it is unusable."""
        try:
            with np.load(path, allow_pickle=False) as archive:
                arrays: dict[str, Any] = {f.name: archive[f.name] for f in fields(cls)}
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            msg = f"{path}: unreadable HPO index cache ({exc}); delete it to rebuild"
            raise OntologyDataError(msg) from exc
        return cls(**arrays)
