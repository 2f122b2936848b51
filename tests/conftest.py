"""Shared fixtures. Every test runs with private data and cache folders, never the user's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from marbledx.knowledge import KnowledgeBase, load_knowledge_base
from marbledx.ontology import BundledRelease, Hpo, load_hpo

TESTS = Path(__file__).parent
MINI_RELEASE = TESTS / "data" / "hpo-mini"
SHARED = TESTS.parent.parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The session's cache folder, set before any fixture runs: module- and session-scoped fixtures are
    built before the per-test environment below, and must not touch the user's own folders either."""
    folder = tmp_path_factory.mktemp("marbledx-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MARBLEDX_CACHE_DIR", str(folder))
        patch.setenv("MARBLEDX_DATA_DIR", str(tmp_path_factory.mktemp("marbledx-data")))
        yield folder


@pytest.fixture(autouse=True)
def isolated_data_dirs(tmp_path: Path, session_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARBLEDX_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MARBLEDX_CACHE_DIR", str(session_cache))
    monkeypatch.delenv("MARBLEDX_HPO", raising=False)
    monkeypatch.delenv("MARBLEDX_DEBUG", raising=False)


def copy_release(target: Path) -> Path:
    """A writable copy of the fixture release files in ``target`` (created)."""
    target.mkdir(parents=True)
    for item in MINI_RELEASE.iterdir():
        (target / item.name).write_bytes(item.read_bytes())
    return target


@pytest.fixture
def release_copy(tmp_path: Path) -> Path:
    return copy_release(tmp_path / "release")


@pytest.fixture(scope="session")
def mini_hpo() -> Hpo:
    """The tiny hand-written release in tests/data/hpo-mini (26 terms, 4 diseases)."""
    return load_hpo(MINI_RELEASE, cache=False)


@pytest.fixture(scope="session")
def real_hpo(session_cache: Path) -> Hpo:
    """The bundled official HPO 2025-01-16 release (built once per test session)."""
    return load_hpo(BundledRelease(), cache=session_cache)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge_base()
