"""Backup and restore: consistent snapshot, portable archive, refusal to overwrite, no half-restores."""

from __future__ import annotations

import json
import sqlite3
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from marbledx.registry import BACKUP_FORMAT, Registry, RegistryError, head_revision

from .helpers import PASSWORD, VCF, rewrite, snapshot


@pytest.fixture
def target(tmp_path: Path, cheap_hasher: PasswordHasher) -> Iterator[Registry]:
    with Registry.open(
        f"sqlite:///{tmp_path / 'target.sqlite3'}",
        uploads_dir=tmp_path / "target-uploads",
        password_hasher=cheap_hasher,
    ) as registry:
        yield registry


def _state(registry: Registry) -> tuple[dict[str, int], list[str]]:
    files = sorted(p.name for p in registry.uploads_dir.iterdir()) if registry.uploads_dir.exists() else []
    return registry.counts(), files


def test_backup_archive_layout(source: tuple[Registry, dict[str, Any]], tmp_path: Path) -> None:
    registry, made = source
    out = tmp_path / "backup.tar.gz"
    manifest = registry.backup(out)
    assert out.stat().st_mode & 0o077 == 0
    assert manifest["format"] == BACKUP_FORMAT
    assert manifest["schema_revision"] == head_revision()
    assert manifest["source_dialect"] == "sqlite"
    backed_up = {name: n for name, n in registry.counts().items() if name != "login_sessions"}
    assert manifest["tables"] == backed_up
    assert manifest["uploads"] == {"files": 1, "bytes": len(VCF), "problems": []}
    with tarfile.open(out, "r:gz") as tar:
        names = tar.getnames()
        assert names[0] == "manifest.json"
        assert f"uploads/{made['upload'].stored_name}" in names
        assert "registry.sqlite3" in names
        assert json.loads(tar.extractfile("manifest.json").read()) == manifest  # type: ignore[union-attr]
        tar.extract("registry.sqlite3", tmp_path / "unpacked", filter="data")
    with sqlite3.connect(tmp_path / "unpacked" / "registry.sqlite3") as snapshot_db:
        assert snapshot_db.execute("SELECT count(*) FROM cases").fetchone() == (2,)
        assert snapshot_db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".marbledx-backup-")]


def test_round_trip_sqlite_to_sqlite(
    source: tuple[Registry, dict[str, Any]], target: Registry, tmp_path: Path
) -> None:
    registry, made = source
    before = snapshot(registry, made["alice"], made["case"])
    registry.backup(tmp_path / "backup.tar.gz")
    manifest = target.restore(tmp_path / "backup.tar.gz")
    assert manifest["tables"]["cases"] == 2
    assert target.counts() == registry.counts()
    alice = target.authenticate("alice", PASSWORD)
    assert alice is not None
    assert target.user_for_token(made["token"]) == alice
    assert snapshot(target, alice, made["case"]) == before
    _upload, path = target.open_upload(alice, made["case"], made["upload"].id)
    assert path.parent == target.uploads_dir
    assert path.read_bytes() == VCF
    assert path.stat().st_mode & 0o077 == 0
    assert target.get_analysis(alice, made["case"]).result == {
        "marbledx_version": "0.1.0",
        "hpo_release": "2025-01-16",
        "ranking": [{"p": 0.5}],
    }
    labs = target.list_labs(alice, made["case"])
    assert [lab.measured_on.isoformat() for lab in labs if lab.measured_on] == ["2025-01-01", "2025-03-01"]
    # New rows continue after the restored ids.
    new = target.create_case(alice, "patient 10")
    assert new.id not in {made["case"], made["other"]}
    assert not [p for p in target.uploads_dir.iterdir() if p.name.startswith(".")]


def test_restore_refuses_a_non_empty_registry_without_force(
    source: tuple[Registry, dict[str, Any]], target: Registry, tmp_path: Path
) -> None:
    registry, made = source
    registry.backup(tmp_path / "backup.tar.gz")
    dora = target.add_user("dora", "neonatology", "admin", PASSWORD)
    mine = target.create_case(dora, "patient 1")
    leftover = target.store_upload(dora, mine.id, "ped", [b"fam 1 0 0 1 2\n"], max_bytes=100)
    before = _state(target)
    with pytest.raises(RegistryError, match=r"not empty.*--force"):
        target.restore(tmp_path / "backup.tar.gz")
    assert _state(target) == before
    target.restore(tmp_path / "backup.tar.gz", force=True)
    assert target.counts() == registry.counts()
    assert [u.name for u in target.list_users()] == ["alice", "carol", "bob"]
    files = sorted(p.name for p in target.uploads_dir.iterdir())
    assert files == [made["upload"].stored_name]  # the replaced registry's upload is gone
    assert leftover.stored_name not in files


def _corruptions(archive: Path) -> dict[str, dict[str, bytes | None] | bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        findings = tar.extractfile("tables/findings.jsonl").read()  # type: ignore[union-attr]
    old_revision = dict(manifest, schema_revision="0000")
    other_format = dict(manifest, format="something-else")
    dangling = findings.replace(b'"case_id": 1', b'"case_id": 999')
    assert dangling != findings
    return {
        "truncated": archive.read_bytes()[: archive.stat().st_size // 2],
        "not gzip": b"PK\x03\x04 this is a zip file",
        "empty": b"",
        "edited table": {"tables/findings.jsonl": findings.replace(b"HP:0011002", b"HP:0011003")},
        "missing table": {"tables/users.jsonl": None},
        "no manifest": {"manifest.json": None},
        "old revision": {"manifest.json": json.dumps(old_revision).encode()},
        "other format": {"manifest.json": json.dumps(other_format).encode()},
        "path traversal": {"../escape.txt": b"x"},
        "unexpected upload name": {"uploads/../../etc/passwd": b"x"},
        "bad row": {"tables/teams.jsonl": b'{"id": "one", "name": "x"}\n'},
        "not json": {"tables/teams.jsonl": b"{not json\n"},
    } | {"dangling foreign key": {"tables/findings.jsonl": dangling}}


@pytest.mark.parametrize(
    "kind",
    [
        "truncated",
        "not gzip",
        "empty",
        "edited table",
        "missing table",
        "no manifest",
        "old revision",
        "other format",
        "path traversal",
        "unexpected upload name",
        "bad row",
        "not json",
        "dangling foreign key",
    ],
)
def test_a_corrupt_backup_leaves_the_target_untouched(
    source: tuple[Registry, dict[str, Any]], target: Registry, tmp_path: Path, kind: str
) -> None:
    registry, _made = source
    good = tmp_path / "backup.tar.gz"
    registry.backup(good)
    dora = target.add_user("dora", "neonatology", "admin", PASSWORD)
    mine = target.create_case(dora, "patient 1")
    target.store_upload(dora, mine.id, "ped", [b"fam 1 0 0 1 2\n"], max_bytes=100)
    before = _state(target)
    change = _corruptions(good)[kind]
    bad = tmp_path / "bad.tar.gz"
    if isinstance(change, bytes):
        bad.write_bytes(change)
    else:
        # "bad row"/"not json"/"dangling foreign key" keep valid checksums, to reach the row checks and
        # the database; the others keep the original manifest, so the checksums catch them.
        fix = kind in (
            "bad row",
            "not json",
            "dangling foreign key",
            "path traversal",
            "unexpected upload name",
        )
        rewrite(good, bad, change, fix_manifest=fix)
    with pytest.raises(RegistryError, match=r"nothing was restored|schema revision"):
        target.restore(bad, force=True)
    assert _state(target) == before
    assert target.get_case(dora, mine.id).label == "patient 1"
    assert not (tmp_path / "escape.txt").exists()


def test_restore_of_a_missing_archive(target: Registry, tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="does not exist"):
        target.restore(tmp_path / "nope.tar.gz")


def test_backup_lists_missing_upload_files(
    source: tuple[Registry, dict[str, Any]], tmp_path: Path, target: Registry
) -> None:
    registry, made = source
    (registry.uploads_dir / made["upload"].stored_name).unlink()
    manifest = registry.backup(tmp_path / "backup.tar.gz")
    assert manifest["uploads"]["files"] == 0
    assert manifest["uploads"]["problems"] == [f"{made['upload'].stored_name}: file missing"]
    target.restore(tmp_path / "backup.tar.gz")
    assert target.counts()["uploads"] == 1


def test_backup_refuses_a_folder_as_target(source: tuple[Registry, dict[str, Any]], tmp_path: Path) -> None:
    registry, _ = source
    with pytest.raises(RegistryError, match="is a folder"):
        registry.backup(tmp_path)
    with pytest.raises(RegistryError, match="does not exist"):
        registry.backup(tmp_path / "no" / "such" / "backup.tar.gz")


def test_a_backup_of_revision_0003_restores_without_the_upload_samples(
    source: tuple[Registry, dict[str, Any]], target: Registry, tmp_path: Path
) -> None:
    """Revision 0004 only added nullable sample columns to uploads: a 0003 backup's upload rows, which lack
    them, restore with no sample chosen."""
    registry, made = source
    out = tmp_path / "backup.tar.gz"
    registry.backup(out)
    with tarfile.open(out, "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        uploads = tar.extractfile("tables/uploads.jsonl").read().decode()  # type: ignore[union-attr]
    rows = [json.loads(line) for line in uploads.splitlines()]
    assert all(row.keys() >= {"sample", "samples", "sample_count"} for row in rows)
    older = [{k: v for k, v in row.items() if k not in ("sample", "samples", "sample_count")} for row in rows]
    old = tmp_path / "backup-0003.tar.gz"
    rewrite(
        out,
        old,
        {
            "manifest.json": json.dumps(dict(manifest, schema_revision="0003")).encode(),
            "tables/uploads.jsonl": "".join(json.dumps(row) + "\n" for row in older).encode(),
        },
        fix_manifest=True,
    )
    target.restore(old)
    (upload,) = target.list_uploads(made["alice"], made["case"])
    assert (upload.id, upload.sample, upload.samples, upload.sample_count) == (
        made["upload"].id,
        None,
        None,
        None,
    )
