"""Restore against decompression bombs, and staging folders left behind by a killed backup or restore.

A hostile archive must be refused before it fills the disk (or the memory): at the first member larger than
the size its manifest declares, past what the disk can take, or behind a tar header claiming more than any
real one has, with one line naming the member and the limit and nothing left behind. A staging folder is
removed by a later run only when it is provably abandoned: unchanged for a day and not locked by a run that
is still going (a killed process's lock goes with it).
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

import pytest

from marbledx.registry import Registry, RegistryError
from marbledx.registry import _backup as backup_module

from ..cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)

# A member of an archive, as read back to rebuild it: its name and its bytes.
Member = tuple[str, bytes]
BOMB = 8 << 20  # zeros: a few kilobytes compressed, enough to show the limits without writing gigabytes


@pytest.fixture
def copied(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the members restore copies out of the archive (the manifest into memory)."""
    names: list[str] = []
    real = backup_module._copy_member

    def spy(archive: Path, staging: Path, tar: tarfile.TarFile, member: tarfile.TarInfo, out: Any) -> None:
        names.append(member.name)
        real(archive, staging, tar, member, out)

    monkeypatch.setattr(backup_module, "_copy_member", spy)
    return names


def _state(registry: Registry) -> tuple[dict[str, int], list[str]]:
    """The registry's counts and every name in its uploads folder (staging folders included)."""
    folder = registry.uploads_dir
    return registry.counts(), sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _members(archive: Path) -> list[Member]:
    with tarfile.open(archive, "r:gz") as tar:
        return [(m.name, tar.extractfile(m).read()) for m in tar]  # type: ignore[union-attr]


def _manifest(members: list[Member]) -> dict[str, Any]:
    return dict(json.loads(dict(members)["manifest.json"]))


def _write(
    out: Path,
    members: list[Member],
    *,
    replace: dict[str, bytes] | None = None,
    pax: dict[str, dict[str, str]] | None = None,
    raw: dict[str, bytes] | None = None,
) -> Path:
    """The archive of ``members`` in their order, some replaced, some with extra pax header records, and
    some written as the given raw tar bytes instead (a header tarfile cannot make)."""
    replace, pax, raw = replace or {}, pax or {}, raw or {}
    with tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            if name in raw:
                tar.fileobj.write(raw[name])  # type: ignore[union-attr]  # whole 512-byte blocks
                tar.offset += len(raw[name])
                continue
            body = replace.get(name, data)
            info = tarfile.TarInfo(name)
            info.size, info.pax_headers = len(body), pax.get(name, {})
            tar.addfile(info, io.BytesIO(body))
    return out


def _sparse(name: str, size: int) -> bytes:
    """An old-GNU sparse member of ``size`` bytes with no data at all: 512 bytes in the archive that
    tarfile expands to ``size`` zeros (the header's size field counts the stored bytes, none)."""
    info = tarfile.TarInfo(name)
    info.type, info.size = tarfile.GNUTYPE_SPARSE, 0
    block = bytearray(info.tobuf(format=tarfile.GNU_FORMAT))
    block[483:495] = b"%011o\0" % size  # the real size (GNU tar's header layout)
    block[148:156] = b" " * 8  # the checksum counts its own field as spaces
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block)


def _full_disk(monkeypatch: pytest.MonkeyPatch, free: int) -> None:
    """The uploads folder's disk has ``free`` bytes free (restore asks shutil.disk_usage)."""
    fake = SimpleNamespace(total=free * 2, used=free, free=free)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: fake)


def _refused(target: Registry, bad: Path, match: str) -> RegistryError:
    before = _state(target)
    with pytest.raises(RegistryError, match=match) as caught:
        target.restore(bad, force=True)
    assert "\n" not in str(caught.value)
    assert _state(target) == before  # the rows, the files, and no staging folder left
    return caught.value


# -- the sizes a backup declares ---------------------------------------------------------------------------


def test_the_manifest_declares_every_members_size(archive: Path) -> None:
    members = _members(archive)
    manifest = _manifest(members)
    assert members[0][0] == "manifest.json"
    for name, data in members[1:]:
        assert manifest["files"][name] == hashlib.sha256(data).hexdigest()
        assert manifest["sizes"][manifest["files"][name]] == len(data), name


# -- members larger than declared --------------------------------------------------------------------------


def test_a_gzip_bomb_larger_than_its_declared_size_is_refused_before_it_is_written(
    target: Registry, archive: Path, tmp_path: Path, copied: list[str]
) -> None:
    """The manifest as the backup wrote it; tables/teams.jsonl replaced by 8 MiB of zeros (a few kB in the
    archive). Refused from its tar header, before a byte of it is copied: not after unpacking it all."""
    members = _members(archive)
    declared = len(dict(members)["tables/teams.jsonl"])
    bad = _write(tmp_path / "bomb.tar.gz", members, replace={"tables/teams.jsonl": bytes(BOMB)})
    assert bad.stat().st_size < 100_000
    _refused(
        target,
        bad,
        rf"^{bad} is not a usable marbledx registry backup: tables/teams.jsonl is {BOMB} bytes, more than "
        rf"the {declared} bytes its manifest entry declares; nothing was restored$",
    )
    assert "tables/teams.jsonl" not in copied


def test_a_sparse_member_that_expands_past_its_declared_size_is_refused(
    target: Registry, archive: Path, tmp_path: Path, copied: list[str]
) -> None:
    """A member whose header lies about the stream: 512 bytes in the archive, no data at all, yet tarfile
    would write 8 MiB of zeros for it. Its size is what it unpacks to, and that is what is checked."""
    members = _members(archive)
    upload = next(name for name, _ in members if name.startswith("uploads/"))
    declared = len(dict(members)[upload])
    bad = _write(tmp_path / "sparse.tar.gz", members, raw={upload: _sparse(upload, BOMB)})
    _refused(target, bad, rf"{upload} is {BOMB} bytes, more than the {declared} bytes its manifest entry")
    assert upload not in copied


def test_a_member_that_yields_more_than_its_header_says_stops_there(
    target: Registry, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy counts the bytes it writes, rather than trusting tarfile to stop at the header's size."""
    real = tarfile.TarFile.extractfile

    def longer(self: tarfile.TarFile, member: str | tarfile.TarInfo) -> IO[bytes] | None:
        assert isinstance(member, tarfile.TarInfo)
        if member.name != "tables/teams.jsonl":
            return real(self, member)
        return io.BytesIO(b"x" * (member.size + 1))

    monkeypatch.setattr(tarfile.TarFile, "extractfile", longer)
    _refused(target, archive, r"tables/teams.jsonl unpacks to more than the \d+ bytes it declares; nothing")


def test_bytes_hidden_after_a_member_end_the_archive_unwritten(
    target: Registry, archive: Path, tmp_path: Path, copied: list[str]
) -> None:
    """A header that says fewer bytes than the stream carries: tarfile reads what the header says, takes
    the rest for a damaged header and stops there, so nothing of it is written and the members after it
    are missing."""
    members = _members(archive)
    index = next(i for i, (name, _) in enumerate(members) if name == "tables/teams.jsonl")
    name, data = members[index]
    header = tarfile.TarInfo(name)
    header.size = len(data)
    padding = b"\0" * (-len(data) % 512)
    hidden = header.tobuf(format=tarfile.PAX_FORMAT) + data + padding + b"\x01" * BOMB
    bad = _write(tmp_path / "hidden.tar.gz", members, raw={name: hidden})
    _refused(target, bad, r"is not a usable marbledx registry backup: members missing: ")
    assert copied[-1] == name


# -- tar headers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("member", ["manifest.json", "tables/teams.jsonl"])
def test_a_huge_extended_header_is_refused_before_it_is_read(
    target: Registry, archive: Path, tmp_path: Path, member: str
) -> None:
    """tarfile reads a pax header whole into memory at the size it claims, before the member it belongs to
    reaches the restore; any real one is under a kilobyte. Without the limit this archive restores."""
    limit = backup_module._READ_LIMIT
    pax = {member: {"comment": "x" * limit}}
    bad = _write(tmp_path / "pax.tar.gz", _members(archive), pax=pax)
    after = "the start of the archive" if member == "manifest.json" else r"[\w/.]+"
    _refused(
        target, bad, rf"a tar header after {after} claims \d+ bytes, more than the {limit} a header may have"
    )


def test_headers_past_what_the_manifest_declares_are_refused(
    target: Registry, archive: Path, tmp_path: Path
) -> None:
    """Each extended header is under the per-read limit, but together they are far more than the members
    the manifest declares and their framing: the archive is refused once it reads past that."""
    members = _members(archive)
    filler = {"comment": "x" * (backup_module._READ_LIMIT // 2)}
    bad = _write(tmp_path / "headers.tar.gz", members, pax={name: filler for name, _ in members[1:]})
    _refused(target, bad, r"it holds more than the \d+ bytes its members and their tar headers may take")


def test_the_manifest_must_come_first_and_be_small(target: Registry, archive: Path, tmp_path: Path) -> None:
    members = _members(archive)
    last = _write(tmp_path / "last.tar.gz", [*members[1:], members[0]])
    _refused(target, last, r"missing or unreadable manifest.json \(expected as the first member\)")
    limit = backup_module._MANIFEST_LIMIT
    big = _write(tmp_path / "big.tar.gz", members, replace={"manifest.json": b" " * (limit + 1)})
    _refused(target, big, rf"manifest.json is {limit + 1} bytes, more than the {limit} a manifest may have")


def test_a_member_the_manifest_does_not_list_is_refused_before_it_is_written(
    target: Registry, archive: Path, tmp_path: Path, copied: list[str]
) -> None:
    members = _members(archive)
    extra = ("uploads/" + "0" * 32 + ".vcf", bytes(BOMB))
    bad = _write(tmp_path / "extra.tar.gz", [members[0], extra, *members[1:]])
    _refused(target, bad, rf"members not in the manifest: {extra[0]}; nothing was restored")
    assert extra[0] not in copied


@pytest.mark.parametrize("sizes", [[1, 2], {"a" * 64: -1}, {"a" * 64: True}, {"a" * 64: "12"}])
def test_a_malformed_size_declaration_is_refused(
    target: Registry, archive: Path, tmp_path: Path, sizes: object
) -> None:
    members = _members(archive)
    manifest = dict(_manifest(members), sizes=sizes)
    bad = _write(tmp_path / "sizes.tar.gz", members, replace={"manifest.json": json.dumps(manifest).encode()})
    _refused(target, bad, r"manifest 'sizes' is not a map of checksums to byte counts")


# -- the disk ----------------------------------------------------------------------------------------------


def test_not_enough_free_space_for_the_declared_total_is_refused_up_front(
    target: Registry,
    archive: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    copied: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One line, before any member is unpacked, and exit status 74 as for any full disk."""
    manifest = _manifest(_members(archive))
    declared = sum(manifest["sizes"][sha] for sha in manifest["files"].values())
    free = backup_module._FREE_RESERVE + declared - 1
    _full_disk(monkeypatch, free)
    error = _refused(
        target,
        archive,
        rf"^cannot unpack the backup {archive} into {target.uploads_dir}: it unpacks to {declared} bytes, "
        rf"and only [\d.]+ MiB \({free} bytes\) are free there \(a restore leaves 64.0 MiB .* free for the "
        r"registry\); nothing was restored$",
    )
    assert isinstance(error.__cause__, OSError)
    assert error.__cause__.errno == errno.ENOSPC
    assert copied == ["manifest.json"]
    where = ["--database", str(tmp_path / "target.sqlite3"), "--uploads-dir", str(target.uploads_dir)]
    code, out, err = run_cli(capsys, "restore", str(archive), "--force", *where)
    assert code == 74
    assert out == ""
    assert err.startswith(f"marbledx: error: cannot unpack the backup {archive} into ")
    assert len(err.strip().splitlines()) == 1


def test_a_bomb_in_a_backup_without_sizes_stops_before_the_disk_fills(
    target: Registry,
    archive: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    copied: list[str],
) -> None:
    """A backup of an earlier release declares no sizes (and a hostile one can leave them out): then what
    the disk can take, keeping the reserve free, is the limit. 1 MiB here, so 8 MiB of zeros stop it."""
    members = _members(archive)
    manifest = _manifest(members)
    del manifest["sizes"]
    bomb = hashlib.sha256(bytes(BOMB)).hexdigest()
    manifest["files"]["tables/teams.jsonl"] = bomb  # checksums right: only the size betrays it
    replace = {"manifest.json": json.dumps(manifest).encode(), "tables/teams.jsonl": bytes(BOMB)}
    bad = _write(tmp_path / "old-bomb.tar.gz", members, replace=replace)
    _full_disk(monkeypatch, backup_module._FREE_RESERVE + (1 << 20))
    error = _refused(
        target,
        bad,
        rf"^cannot unpack the backup {bad} into {target.uploads_dir}: tables/teams.jsonl \(8.0 MiB "
        rf"\({BOMB} bytes\)\) would take it past the 1.0 MiB \(1048576 bytes\) the disk can take",
    )
    assert isinstance(error.__cause__, OSError)
    assert error.__cause__.errno == errno.ENOSPC
    assert "tables/teams.jsonl" not in copied


def test_a_backup_without_sizes_still_restores(
    source: tuple[Registry, dict[str, Any]], target: Registry, archive: Path, tmp_path: Path
) -> None:
    """Backups written before the sizes were declared restore as before."""
    members = _members(archive)
    manifest = _manifest(members)
    del manifest["sizes"]
    old = _write(tmp_path / "old.tar.gz", members, replace={"manifest.json": json.dumps(manifest).encode()})
    target.restore(old, force=True)
    assert target.counts() == source[0].counts()


# -- staging folders left behind -------------------------------------------------------------------------


DAY = 24 * 3600


def _backdate(folder: Path, seconds: float = 2 * DAY) -> None:
    """Make ``folder`` and everything in it look unchanged for ``seconds``."""
    when = time.time() - seconds
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (when, when), follow_symlinks=False)


def _leftover(parent: Path, name: str) -> Path:
    """A staging folder as a killed run leaves it: private, with a copy of some data in it."""
    folder = parent / name
    (folder / "tables").mkdir(parents=True, mode=0o700)
    (folder / "tables" / "cases.jsonl").write_text('{"id": 1}\n')
    return folder


POSIX = pytest.mark.skipif(sys.platform == "win32", reason="staging folders are locked with flock (POSIX)")


@POSIX
def test_restore_removes_only_staging_folders_proved_abandoned(
    target: Registry, archive: Path, tmp_path: Path
) -> None:
    uploads = target.uploads_dir
    abandoned = _leftover(uploads, ".marbledx-restore-killed")
    _backdate(abandoned)
    recent = _leftover(uploads, ".marbledx-restore-recent")  # not locked, but may be starting: kept
    _backdate(recent, DAY - 3600)
    touched = _leftover(uploads, ".marbledx-restore-touched")  # the folder is old, a file in it is not
    _backdate(touched)
    (touched / "tables" / "cases.jsonl").touch()
    elsewhere = _leftover(tmp_path, "elsewhere")
    _backdate(elsewhere)
    link = uploads / ".marbledx-restore-link"
    link.symlink_to(elsewhere, target_is_directory=True)
    plain = uploads / ".marbledx-restore-file"
    plain.write_text("not a folder")
    for path in (link, plain):
        os.utime(path, (time.time() - 2 * DAY,) * 2, follow_symlinks=False)
    target.restore(archive, force=True)
    assert not abandoned.exists()
    assert recent.is_dir()
    assert touched.is_dir()
    assert link.is_symlink()
    assert (elsewhere / "tables" / "cases.jsonl").is_file()
    assert plain.is_file()
    left = sorted(p.name for p in uploads.iterdir() if p.name.startswith(".marbledx-restore-"))
    assert left == sorted(p.name for p in (recent, touched, link, plain))  # and not the restore's own


@POSIX
def test_backup_removes_an_abandoned_staging_folder_but_not_a_locked_one(
    source: tuple[Registry, dict[str, Any]], tmp_path: Path
) -> None:
    registry, _ = source
    out = tmp_path / "out"
    out.mkdir()
    abandoned = _leftover(out, ".marbledx-backup-killed")
    _backdate(abandoned)
    held = _leftover(out, ".marbledx-backup-held")
    lock = backup_module._lock(held)  # as a running backup holds its own
    assert lock is not None
    try:
        _backdate(held)
        registry.backup(out / "backup.tar.gz")
        assert not abandoned.exists()
        assert held.is_dir()
    finally:
        backup_module._unlock(lock)
    registry.backup(out / "backup.tar.gz")  # its lock gone, the same folder is abandoned
    assert not held.exists()
    assert sorted(p.name for p in out.iterdir()) == ["backup.tar.gz"]


_PAUSED_RESTORE = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    from marbledx.registry import Registry
    from marbledx.registry import _backup

    copy = _backup._copy_member


    def paused(archive, staging, tar, member, out):
        copy(archive, staging, tar, member, out)
        if member.name != "manifest.json":
            print(staging, flush=True)
            sys.stdin.readline()  # a restore still at work, until the test kills it


    _backup._copy_member = paused
    url, uploads, archive = sys.argv[1:]
    with Registry.open(url, uploads_dir=Path(uploads)) as registry:
        registry.restore(Path(archive), force=True)
    """
)


@POSIX
def test_the_staging_folder_of_a_running_restore_is_kept_and_removed_once_it_was_killed(
    target: Registry, archive: Path, tmp_path: Path
) -> None:
    """Another process restores into the same uploads folder and is paused half-way through unpacking; its
    staging folder is made to look days old. A restore meanwhile keeps it (the lock is held); after
    ``kill -9`` of that process, the next restore removes it."""
    url = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    child = subprocess.Popen(
        [sys.executable, "-c", _PAUSED_RESTORE, url, str(target.uploads_dir), str(archive)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        staging = Path(child.stdout.readline().strip())
        assert staging.parent == target.uploads_dir
        assert staging.name.startswith(".marbledx-restore-")
        _backdate(staging)
        target.restore(archive, force=True)
        assert child.poll() is None
        assert staging.is_dir()
        child.kill()
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        for pipe in (child.stdin, child.stdout):
            if pipe is not None:
                pipe.close()
    assert staging.is_dir()  # kill -9: nothing cleaned up
    target.restore(archive, force=True)
    assert not staging.exists()
    assert not [p for p in target.uploads_dir.iterdir() if p.name.startswith(".marbledx-restore-")]
