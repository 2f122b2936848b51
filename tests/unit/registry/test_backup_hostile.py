"""Backup and restore against hostile targets and archives: every refusal is one line naming the file and
what was expected, nothing is written through a link or into a pipe, a full disk or an interruption leaves
the old backup and the old registry as they were, and no patient data reaches an error."""

from __future__ import annotations

import errno
import gzip
import io
import json
import os
import secrets
import signal
import sqlite3
import stat
import subprocess
import sys
import tarfile
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from marbledx.registry import Registry, RegistryError
from marbledx.registry import _backup as backup_module

from ..cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)
from .helpers import rewrite

POSIX = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes and resource limits (POSIX)")


def _state(registry: Registry) -> tuple[dict[str, int], list[str]]:
    folder = registry.uploads_dir
    return registry.counts(), sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _cli(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code, out, err = run_cli(capsys, *argv)
    assert len(err.strip().splitlines()) <= 1, err  # one line, never a traceback
    return code, out, err


def _where(tmp_path: Path, name: str) -> list[str]:
    return [
        "--database",
        str(tmp_path / f"{name}.sqlite3"),
        "--uploads-dir",
        str(tmp_path / f"{name}-uploads"),
    ]


# -- backup targets --------------------------------------------------------------------------------------


def test_backup_refuses_the_registry_database_itself(
    source: tuple[Registry, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The archive is renamed over its target: over the database, that destroyed the registry."""
    registry, made = source
    database = tmp_path / "source.sqlite3"
    for out in (database, Path(f"{database}-wal")):
        with pytest.raises(RegistryError, match=r"is the registry's own database"):
            registry.backup(out)
    code, _, err = _cli("backup", str(database), *_where(tmp_path, "source"), capsys=capsys)
    assert code == 2
    assert "registry's own database" in err
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM cases").fetchone() == (2,)
    assert registry.get_case(made["alice"], made["case"]).label == "patient 7"


def test_backup_refuses_a_symbolic_link_without_writing_through_it(
    source: tuple[Registry, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry, _ = source
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    link = tmp_path / "link.tar.gz"
    link.symlink_to(precious)
    dangling = tmp_path / "dangling.tar.gz"
    dangling.symlink_to(tmp_path / "nowhere" / "x.tar.gz")
    for out in (link, dangling):
        with pytest.raises(RegistryError, match=rf"backup target {out} is a symbolic link; expected"):
            registry.backup(out)
        code, _, err = _cli("backup", str(out), *_where(tmp_path, "source"), capsys=capsys)
        assert (code, "is a symbolic link" in err) == (2, True)
        assert out.is_symlink()
    assert precious.read_text() == "keep me\n"
    assert not (tmp_path / "nowhere").exists()


@POSIX
def test_backup_refuses_a_named_pipe_and_a_link_to_one(
    source: tuple[Registry, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing is written into the pipe (no reader, so a write would hang) and it stays a pipe."""
    registry, _ = source
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "to-fifo"
    link.symlink_to(fifo)
    with pytest.raises(RegistryError, match=rf"backup target {fifo} is a device, pipe or socket"):
        registry.backup(fifo)
    code, _, err = _cli("backup", str(fifo), *_where(tmp_path, "source"), capsys=capsys)
    assert (code, "device, pipe or socket" in err) == (2, True)
    with pytest.raises(RegistryError, match="is a symbolic link"):
        registry.backup(link)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert link.is_symlink()


def test_backup_refuses_an_existing_file_that_is_not_a_backup(
    source: tuple[Registry, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry, _ = source
    notes = tmp_path / "notes.tar.gz"
    notes.write_text("ward round notes\n")
    with pytest.raises(RegistryError, match=r"exists and is not a marbledx registry backup; expected a new"):
        registry.backup(notes)
    code, out, err = _cli("backup", str(notes), *_where(tmp_path, "source"), capsys=capsys)
    assert (code, out) == (2, "")
    assert "is not a marbledx registry backup" in err
    assert notes.read_text() == "ward round notes\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".marbledx-backup-")]


def test_backup_replaces_an_earlier_backup_and_says_so(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _cli("backup", str(archive), *_where(tmp_path, "source"), capsys=capsys)
    assert code == 0
    assert out.startswith(f"replaced the earlier backup {archive}: 2 cases")
    code, out, _ = _cli("backup", str(tmp_path / "new.tar.gz"), *_where(tmp_path, "source"), capsys=capsys)
    assert out.startswith(f"wrote {tmp_path / 'new.tar.gz'}: 2 cases")


def test_the_archive_is_private_before_it_gets_its_name(
    source: tuple[Registry, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It was renamed into place with the umask's mode (0644) and only then made 0600."""
    registry, _ = source
    modes: list[int] = []
    real_replace = Path.replace

    def replace(self: Path, target: Any) -> Path:
        if self.name == "archive.tar.gz":
            modes.append(self.stat().st_mode & 0o777)
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", replace)
    old_umask = os.umask(0o022)
    try:
        registry.backup(tmp_path / "backup.tar.gz")
    finally:
        os.umask(old_umask)
    assert modes == [0o600]


def test_backup_into_a_folder_it_may_not_write(
    source: tuple[Registry, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only folder (simulated: tests may run as root, who may write anywhere)."""
    registry, _ = source
    folder = tmp_path / "read-only"
    folder.mkdir()
    real_mkdtemp = backup_module.tempfile.mkdtemp

    def mkdtemp(suffix: str | None = None, prefix: str | None = None, dir: Any = None) -> str:
        if dir is not None and Path(dir) == folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(folder / f"{prefix}x"))
        return real_mkdtemp(suffix, prefix, dir)

    monkeypatch.setattr(backup_module.tempfile, "mkdtemp", mkdtemp)
    out = folder / "backup.tar.gz"
    with pytest.raises(
        RegistryError, match=rf"^cannot write the backup {out}: Permission denied; nothing was"
    ):
        registry.backup(out)
    assert not out.exists()


def test_an_unreadable_upload_is_listed_not_fatal(
    source: tuple[Registry, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry, made = source
    real_sha256 = backup_module.file_sha256

    def sha256(path: Path) -> str:
        if path.parent == registry.uploads_dir:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_sha256(path)

    monkeypatch.setattr(backup_module, "file_sha256", sha256)
    manifest = registry.backup(tmp_path / "backup.tar.gz")
    name = made["upload"].stored_name
    assert manifest["uploads"]["problems"] == [f"{name}: file unreadable (Permission denied)"]


def _hex_upload(registry: Registry, made: dict[str, Any], size: int) -> None:
    """An upload that compresses badly, so that the archive outgrows the snapshot."""
    body = b"##fileformat=VCFv4.2\n##noise=" + secrets.token_hex(size // 2).encode() + b"\n"
    body += b"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    registry.store_upload(made["alice"], made["case"], "vcf", io.BytesIO(body), max_bytes=2 * size)


def _limited(max_file_bytes: int) -> Callable[[], None]:
    """For a child process: files cannot grow past the limit, and writing more fails with EFBIG (instead of
    the SIGXFSZ signal killing it) — a full disk as the process sees it, without filling one."""

    def limit() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

    return limit


def _marbledx(limit: int, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "marbledx", *argv],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=_limited(limit),  # only sets limits in the child
    )


@POSIX
@pytest.mark.parametrize(("limit", "stage"), [(20_000, "snapshot"), (600_000, "archive")])
def test_a_full_disk_keeps_the_earlier_backup(
    source: tuple[Registry, dict[str, Any]], archive: Path, tmp_path: Path, limit: int, stage: str
) -> None:
    """The SQLite snapshot (about 150 kB) or the archive (over 1 MB) cannot be written: exit status 74, one
    line naming the backup, and the earlier backup and the folder as they were."""
    registry, made = source
    _hex_upload(registry, made, 2_000_000)
    before = archive.read_bytes()
    done = _marbledx(limit, "backup", str(archive), *_where(tmp_path, "source"))
    assert done.returncode == 74, done.stderr
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"marbledx: error: cannot write the backup {archive}: ")
    assert line.endswith(f"nothing was written; the earlier {archive} is unchanged")
    if stage == "snapshot":
        assert "SQLite snapshot" in line
    assert archive.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".marbledx-backup-")]


@POSIX
def test_a_full_disk_during_restore_is_not_called_a_corrupt_backup(
    source: tuple[Registry, dict[str, Any]], target: Registry, tmp_path: Path
) -> None:
    registry, made = source
    _hex_upload(registry, made, 2_000_000)
    big = tmp_path / "big.tar.gz"
    registry.backup(big)
    before = _state(target)
    done = _marbledx(600_000, "restore", str(big), "--force", *_where(tmp_path, "target"))
    assert done.returncode == 74, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"marbledx: error: cannot unpack the backup {big} into {target.uploads_dir}: ")
    assert line.endswith("nothing was restored")
    assert "not a usable" not in line
    assert _state(target) == before


def test_backup_while_a_write_is_in_progress(source: tuple[Registry, dict[str, Any]], tmp_path: Path) -> None:
    """The snapshot holds what was committed, not a write still open in another connection."""
    registry, _ = source
    writer = sqlite3.connect(tmp_path / "source.sqlite3", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE cases SET label = 'not committed' WHERE label = 'patient 7'")
        manifest = registry.backup(tmp_path / "during.tar.gz")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert manifest["tables"]["cases"] == 2
    with tarfile.open(tmp_path / "during.tar.gz", "r:gz") as tar:
        cases = tar.extractfile("tables/cases.jsonl").read().decode()  # type: ignore[union-attr]
    assert "patient 7" in cases
    assert "not committed" not in cases


# -- restore archives ------------------------------------------------------------------------------------


def test_restore_refuses_a_folder_and_an_empty_file(
    target: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "folder.tar.gz"
    folder.mkdir()
    empty = tmp_path / "empty.tar.gz"
    empty.write_bytes(b"")
    before = _state(target)
    with pytest.raises(RegistryError, match=rf"^backup {folder} is a folder; expected an archive file"):
        target.restore(folder, force=True)
    code, _, err = _cli("restore", str(folder), *_where(tmp_path, "fresh"), capsys=capsys)
    assert (code, "is a folder" in err) == (2, True)
    with pytest.raises(
        RegistryError, match=rf"^{empty} is not a usable .* backup: the file is empty; nothing"
    ):
        target.restore(empty, force=True)
    assert _state(target) == before
    assert not list(tmp_path.glob("fresh*"))  # neither a database nor an uploads folder was made


@POSIX
def test_restore_refuses_a_named_pipe_instead_of_waiting_for_it(target: Registry, tmp_path: Path) -> None:
    """Opening a pipe for reading waits for a writer: the restore hung for good."""
    fifo = tmp_path / "fifo.tar.gz"
    os.mkfifo(fifo)
    link = tmp_path / "link.tar.gz"
    link.symlink_to(fifo)
    errors: list[BaseException] = []

    def attempt() -> None:
        for path in (fifo, link):
            try:
                target.restore(path, force=True)
            except RegistryError as exc:
                errors.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(60)  # a guard against hanging the suite, not a measure of speed
    assert not worker.is_alive(), "restore waited on the pipe"
    assert [str(e) for e in errors] == [
        f"backup {path} is a device, pipe or socket; expected an archive file written by 'marbledx backup'"
        for path in (fifo, link)
    ]


def test_restore_of_an_unreadable_archive(
    target: Registry, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not called corrupt: it could not be read (simulated, as tests may run as root)."""
    real_open = os.open

    def refuse(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path) == archive:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(backup_module.os, "open", refuse)
    with pytest.raises(
        RegistryError, match=rf"^cannot read the backup {archive}: Permission denied; nothing"
    ):
        target.restore(archive, force=True)


def _not_backups(tmp_path: Path) -> dict[str, Path]:
    files = {}
    text = tmp_path / "notes.txt"
    text.write_text("name: Jane Roe\n")
    files["text"] = text
    db = tmp_path / "other.sqlite3"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE t (x)")
    files["sqlite"] = db
    gz = tmp_path / "notes.gz"
    gz.write_bytes(gzip.compress(b"name: Jane Roe\n" * 100))
    files["gzip of text"] = gz
    return files


@pytest.mark.parametrize("kind", ["text", "sqlite", "gzip of text"])
def test_restore_of_a_file_that_is_not_a_backup(
    target: Registry, tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _not_backups(tmp_path)[kind]
    before = _state(target)
    expected = f"{path} is not a usable marbledx registry backup: not a gzip-compressed tar archive; nothing"
    with pytest.raises(RegistryError, match=f"^{expected}"):
        target.restore(path, force=True)
    code, _, err = _cli("restore", str(path), "--force", *_where(tmp_path, "target"), capsys=capsys)
    assert code == 2
    assert "not a gzip-compressed tar archive" in err
    assert "Jane Roe" not in err
    assert _state(target) == before


def test_restore_of_a_truncated_backup(target: Registry, archive: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[:3000])
    before = _state(target)
    with pytest.raises(RegistryError, match=r"is not a usable .* backup: truncated or damaged \(EOFError\)"):
        target.restore(truncated, force=True)
    assert _state(target) == before


def _manifest(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive, "r:gz") as tar:
        return dict(json.loads(tar.extractfile("manifest.json").read()))  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("member", "content", "why"),
    [
        ("manifest.json", b"[" * 100_000 + b"]" * 100_000, "missing or unreadable manifest.json"),
        ("tables/teams.jsonl", b"[" * 100_000 + b"]" * 100_000 + b"\n", "tables/teams.jsonl line 1 is not a"),
        (
            "tables/teams.jsonl",
            b'{"id": 1, "name": "\xff\xfe"}\n',
            "tables/teams.jsonl line 1 is not a valid",
        ),
        ("tables/lab_measurements.jsonl", None, "tables/lab_measurements.jsonl line 1 is not a valid row"),
    ],
    ids=["nested manifest", "nested row", "not UTF-8", "number too large"],
)
def test_hostile_members_are_corrupt_backups_not_crashes(
    target: Registry, archive: Path, tmp_path: Path, member: str, content: bytes | None, why: str
) -> None:
    """JSON nested too deeply (RecursionError), a row that is not UTF-8 (UnicodeDecodeError outside the
    row check) and a float too large (OverflowError) escaped as internal errors."""
    if content is None:
        with tarfile.open(archive, "r:gz") as tar:
            labs = tar.extractfile(member).read().decode()  # type: ignore[union-attr]
        rows = [json.loads(line) for line in labs.splitlines()]
        rows[0]["value"] = 10**400
        content = "".join(json.dumps(row) + "\n" for row in rows).encode()
    bad = tmp_path / "bad.tar.gz"
    rewrite(archive, bad, {member: content}, fix_manifest=member != "manifest.json")
    before = _state(target)
    with pytest.raises(RegistryError, match=rf"is not a usable marbledx registry backup: {why}"):
        target.restore(bad, force=True)
    assert _state(target) == before


def test_a_backup_from_a_newer_schema_says_so(target: Registry, archive: Path, tmp_path: Path) -> None:
    newer = tmp_path / "newer.tar.gz"
    manifest = dict(_manifest(archive), schema_revision="0099")
    rewrite(archive, newer, {"manifest.json": json.dumps(manifest).encode()}, fix_manifest=False)
    before = _state(target)
    with pytest.raises(RegistryError, match=r"schema revision '0099', newer than this marbledx knows"):
        target.restore(newer, force=True)
    assert _state(target) == before


def test_a_backup_from_another_release_with_a_sparse_manifest_restores(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Same schema, another marbledx release: restored, and the output names that release. A manifest
    without ``created`` or ``uploads`` failed with a KeyError after the restore had committed."""
    manifest = dict(_manifest(archive), marbledx_version="9.9.9")
    other = tmp_path / "other-release.tar.gz"
    rewrite(archive, other, {"manifest.json": json.dumps(manifest).encode()}, fix_manifest=False)
    code, out, _ = _cli("restore", str(other), *_where(tmp_path, "one"), capsys=capsys)
    assert code == 0
    assert "by marbledx 9.9.9): 2 cases" in out
    sparse = tmp_path / "sparse.tar.gz"
    del manifest["created"], manifest["uploads"]
    rewrite(archive, sparse, {"manifest.json": json.dumps(manifest).encode()}, fix_manifest=False)
    code, out, _ = _cli("restore", str(sparse), *_where(tmp_path, "two"), capsys=capsys)
    assert code == 0
    assert out.startswith(f"restored {sparse} (taken at an unknown time by marbledx 9.9.9): 2 cases")


def test_restoring_over_cases_refuses_then_replaces_and_says_so(
    archive: Path, target: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target.close()
    where = _where(tmp_path, "target")
    code, out, err = _cli("restore", str(archive), *where, capsys=capsys)
    assert (code, out) == (2, "")
    assert (
        "is not empty (1 cases, 1 users, 2 audit events); restoring would replace all of it, not merge" in err
    )
    code, out, _ = _cli("restore", str(archive), "--force", *where, capsys=capsys)
    assert code == 0
    assert out.splitlines()[1] == (
        "the registry's previous contents were replaced, not merged: 1 cases, 1 users, 2 audit events"
    )


def test_a_failed_restore_quotes_no_patient_data_even_in_its_traceback(
    target: Registry, archive: Path, tmp_path: Path
) -> None:
    """The rollback's database error quotes the rows it could not insert; chained to the RegistryError, a
    caller's ``log.exception`` would have written them to its log."""
    with tarfile.open(archive, "r:gz") as tar:
        cases = tar.extractfile("tables/cases.jsonl").read().decode()  # type: ignore[union-attr]
    rows = [json.loads(line) for line in cases.splitlines()]
    rows[0].update(label="Jane Roe, born 2024-02-29", sex="not a sex")  # the CHECK constraint refuses it
    bad = tmp_path / "bad.tar.gz"
    rewrite(
        archive,
        bad,
        {"tables/cases.jsonl": "".join(json.dumps(r) + "\n" for r in rows).encode()},
        fix_manifest=True,
    )
    before = _state(target)
    with pytest.raises(
        RegistryError, match=r"rolled back \(IntegrityError\); nothing was restored"
    ) as caught:
        target.restore(bad, force=True)
    told = "".join(traceback.format_exception(caught.value))
    assert "Jane Roe" not in told
    assert "IntegrityError:" not in told
    assert _state(target) == before


def _second_upload(registry: Registry, made: dict[str, Any]) -> None:
    registry.store_upload(made["alice"], made["case"], "ped", [b"f 1 0 0 1 2\n"], max_bytes=100)


@pytest.mark.parametrize("interruption", ["KeyboardInterrupt", "full disk"])
def test_a_restore_interrupted_while_placing_files_keeps_the_old_registry(
    source: tuple[Registry, dict[str, Any]],
    target: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    interruption: str,
) -> None:
    """Interrupted after the rows were inserted and one upload file was placed: the transaction rolls back,
    the placed file is removed, and the old rows and files are all there."""
    registry, made = source
    _second_upload(registry, made)
    out = tmp_path / "two-uploads.tar.gz"
    registry.backup(out)
    before = _state(target)
    placed: list[Path] = []
    real_chmod = Path.chmod

    def chmod(self: Path, mode: int, **kwargs: Any) -> None:
        if self.name.startswith(".restore-"):
            if placed:
                if interruption == "full disk":
                    raise OSError(errno.ENOSPC, "No space left on device", str(self))
                raise KeyboardInterrupt
            placed.append(self)
        real_chmod(self, mode, **kwargs)

    monkeypatch.setattr(Path, "chmod", chmod)
    if interruption == "full disk":
        with pytest.raises(
            RegistryError, match=r"^restore failed and was rolled back: cannot place the uploaded"
        ):
            target.restore(out, force=True)
    else:
        with pytest.raises(KeyboardInterrupt):
            target.restore(out, force=True)
    assert placed
    assert _state(target) == before
    assert not [p for p in target.uploads_dir.iterdir() if p.name.startswith(".")]
