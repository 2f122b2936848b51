"""The benchmark's reading of each case's diagnosis (benchmarks/_store.py, stop 39).

`bench_ranking.py` and the baseline took it as ``interpretations[0].diagnosis.disease.id`` and stopped with a
KeyError at the first case without an interpretation, so a folder of published patients in another shape
(``diseases`` only, a Family file, one broken file) could not be benchmarked at all.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

_STORE = Path(__file__).resolve().parents[2] / "benchmarks" / "_store.py"


@pytest.fixture(scope="module")
def store() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_store_s39", _STORE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(folder: Path, name: str, document: Any) -> Path:
    path = folder / name
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


def _diagnosis(disease: str) -> dict[str, Any]:
    return {"diagnosis": {"disease": {"id": disease, "label": "x"}}}


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"id": "a", "interpretations": [_diagnosis("OMIM:259700")]}, "OMIM:259700"),
        # An interpretation without a diagnosis is passed over for the next one.
        ({"id": "a", "interpretations": [{"id": "i"}, _diagnosis("OMIM:166600")]}, "OMIM:166600"),
        # No interpretation: the first disease that is not excluded.
        (
            {
                "id": "a",
                "diseases": [
                    {"term": {"id": "OMIM:611490"}, "excluded": True},
                    {"term": {"id": "OMIM:259710"}},
                ],
            },
            "OMIM:259710",
        ),
        (
            {"proband": {"id": "p", "interpretations": [_diagnosis("ORPHA:210110")]}, "pedigree": {}},
            "ORPHA:210110",
        ),
        ({"id": "a", "phenotypicFeatures": []}, None),
        ({"id": "a", "interpretations": "not a list", "diseases": [None, {"term": 7}]}, None),
        ([1, 2], None),
        ('{"id": ', None),
    ],
)
def test_diagnosis_of(store: ModuleType, tmp_path: Path, document: Any, expected: str | None) -> None:
    disease, _ = store.diagnosis_of(_write(tmp_path, "case.json", document))
    assert disease == expected


def test_an_unreadable_file_has_no_diagnosis(store: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "latin1.json").write_bytes(b'{"id": "caf\xe9"}')
    assert store.diagnosis_of(tmp_path / "latin1.json") == (None, None)
    assert store.diagnosis_of(tmp_path / "missing.json") == (None, None)
