"""Backup and restore of the registry as one portable ``.tar.gz`` archive.

Archive layout (format ``marbledx-registry-backup``, version 1)::

    manifest.json            format, versions, schema revision, row counts, SHA-256 of every other member
    tables/<table>.jsonl     every row of every table, one JSON object per line (times ISO 8601 UTC)
    uploads/<stored name>    the uploaded VCF/PED files the snapshot's rows refer to
    registry.sqlite3         SQLite sources only: the snapshot taken with SQLite's online backup API

The JSON-lines tables are what :func:`restore` reads, so a backup restores into SQLite or PostgreSQL
whatever it was taken from. A SQLite snapshot comes from the online backup API (a consistent copy while
the registry is in use); a PostgreSQL one from a single ``REPEATABLE READ`` read-only transaction. The
archive is written to a temporary file and renamed into place. The target must be a new file or an earlier
backup: a folder, a symbolic link, a device, pipe or socket, the registry's own database file or any other
existing file is refused before anything is written, and a failure (a full disk) leaves it as it was.

Restore validates everything first (members, checksums, manifest, schema revision, rows), refuses a
non-empty registry without ``force``, and then replaces the contents in one transaction: a bad archive
leaves the target untouched, and a failure half-way rolls back. It unpacks within limits set before a byte
is written, so a decompression bomb stops at the first member past them: the manifest comes first, each
member may be no larger than the size the manifest declares for it, and the whole no larger than the disk of
the uploads folder can take. The staging folder of a backup or restore is locked while in use, so a later
run can remove one that a killed run left behind. Errors are one-line
:class:`~marbledx.registry.RegistryError` messages naming the archive; none quotes a row (patient data), and
none chains a database error, whose text would hold the rows' values.
"""

from __future__ import annotations

import datetime as dt
import errno
import gzip
import io
import json
import os
import re
import shutil
import sqlite3
import stat
import sys
import tarfile
import tempfile
import time
import uuid
import zlib
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, NoReturn, cast

from sqlalchemy import (
    JSON,
    URL,
    BigInteger,
    Boolean,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    create_engine,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from marbledx._files import file_sha256
from marbledx._format import printable, quoted
from marbledx.errors import InputError
from marbledx.registry import _db
from marbledx.registry._checks import check_age_at_test
from marbledx.registry._errors import RegistryError
from marbledx.registry._models import Base, LabMeasurement, Team, Upload, UTCDateTime, look_alike_key

if TYPE_CHECKING:
    from marbledx.registry._registry import Registry

if sys.platform != "win32":
    import fcntl

__all__ = [
    "BACKUP_FORMAT",
    "BACKUP_FORMAT_VERSION",
    "DISK_ERRNOS",
    "backup",
    "check_archive",
    "read_manifest",
    "restore",
]

BACKUP_FORMAT: Final = "marbledx-registry-backup"
BACKUP_FORMAT_VERSION: Final = 1
MANIFEST: Final = "manifest.json"
SNAPSHOT: Final = "registry.sqlite3"
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:vcf|ped)(?:\.gz)?")
_BATCH = 500
# Schema revisions whose backups restore here, their rows fitting the head's tables: 0002 only added the
# login sessions, which backups leave out; 0003 only widened the audit events' action constraint (account
# events), which every older row meets; 0004 only added nullable columns to uploads (a VCF's samples),
# which the older rows leave NULL (no sample chosen); 0005 only added the sign-in throttles, which backups
# leave out like the login sessions; 0006 only added users.name_key, which the insert fills from the name
# (_FILLED); 0007 only added a nullable column to uploads (a PED file's couple), which the older rows leave
# NULL (no couple chosen: the analysis takes its default); 0008 only added the family-history flags to
# cases, which the insert fills with false (not stated, as every case before had it) (_FILLED); 0009 only
# added teams.name_key, which the restore computes from the name (_FILLED, and never taken from the backup:
# _rows), after refusing a backup whose team names read alike (_check_team_names); 0010 only added a nullable
# column to lab_measurements (a value's age at the test), which the older rows leave NULL (read at the case's
# age, as they were). Extend it with each migration whose tables still take the older rows.
RESTORABLE_REVISIONS: Final = frozenset(
    {"0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009"}
)
# Columns the rows of an older revision lack and the insert fills (the model's default): users.name_key
# (0006), the cases' family history (0008) and teams.name_key (0009).
_FILLED: Final = frozenset(
    {
        ("users", "name_key"),
        ("teams", "name_key"),
        ("cases", "consanguineous"),
        ("cases", "affected_parent"),
        ("cases", "affected_sibling"),
    }
)
_CHUNK = 1 << 20
# A manifest is a few kilobytes (about 150 bytes per upload file): a larger first member is not a manifest.
_MANIFEST_LIMIT = 1 << 24
# tarfile reads a 512-byte header block, or a member's data in the _CHUNK pieces asked for here, at a time;
# only an extended header (pax, GNU long name) is read whole into memory, at whatever size its own header
# claims. Real ones are under a kilobyte, so a larger single read is a hostile archive, refused before it.
_READ_LIMIT = 4 * _CHUNK
# The tar framing beyond the members' bytes: per member its header, the pax header tarfile writes for a
# fractional mtime, and the padding to 512 bytes (under 2 KiB); once, the end blocks and the record padding.
_TAR_PER_MEMBER = 4096
_TAR_FRAMING = 1 << 16
# Free space a restore leaves on the disk of the uploads folder: unpacking must not fill the disk the live
# registry writes to (SQLite's WAL, new uploads). A member that would cut into it is refused before writing.
_FREE_RESERVE = 64 << 20
# A staging folder (.marbledx-backup-*, .marbledx-restore-*) is locked (flock) by the run using it for its
# whole life; a killed run's lock goes with its process. A later run removes a staging folder only when it
# can take that lock AND nothing in the folder changed for this long: the age also covers a run of an older
# marbledx (no lock) and a folder between its creation and its locking.
_ABANDONED_AFTER = 24 * 3600.0
_BACKUP_PREFIX: Final = ".marbledx-backup-"
_RESTORE_PREFIX: Final = ".marbledx-restore-"
# The errors of a storage that cannot take more (full disk, quota, file size limit, device error). A write
# failure's RegistryError has the OSError as its cause, so the command line can answer it as an I/O failure.
DISK_ERRNOS: Final = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})
_SQLITE_FULL, _SQLITE_IOERR = 13, 10  # SQLite's primary result codes (the low byte of extended ones)


def _tables() -> list[Table]:
    """The tables a backup holds: all but those marked ``info={"backup": False}`` (login sessions)."""
    return [t for t in Base.metadata.sorted_tables if t.info.get("backup", True)]


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _decoder(table: Table) -> dict[str, Any]:
    """For each column of the table, a function from its JSON value back to a Python value."""

    def as_datetime(value: Any) -> dt.datetime:
        parsed = dt.datetime.fromisoformat(str(value))
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)

    def as_date(value: Any) -> dt.date:
        return dt.date.fromisoformat(str(value))

    def as_int(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(value)
        return value

    def as_float(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(value)
        return float(value)

    def as_bool(value: Any) -> bool:
        if not isinstance(value, bool):
            raise TypeError(value)
        return value

    def as_str(value: Any) -> str:
        if not isinstance(value, str):
            raise TypeError(value)
        return value

    def as_json(value: Any) -> Any:
        return value

    decoders: dict[str, Any] = {}
    for column in table.columns:
        kind = column.type
        if isinstance(kind, UTCDateTime | DateTime):
            decoders[column.name] = as_datetime
        elif isinstance(kind, Date):
            decoders[column.name] = as_date
        elif isinstance(kind, Integer | BigInteger):
            decoders[column.name] = as_int
        elif isinstance(kind, Float):
            decoders[column.name] = as_float
        elif isinstance(kind, Boolean):
            decoders[column.name] = as_bool
        elif isinstance(kind, String):
            decoders[column.name] = as_str
        elif isinstance(kind, JSON):
            decoders[column.name] = as_json
        else:  # pragma: no cover - a new column type needs a decoder here
            msg = f"no backup decoder for column {table.name}.{column.name}"
            raise RegistryError(msg)
    return decoders


# -- backup ------------------------------------------------------------------------------------------------


def _dump(connection: Connection, staging: Path) -> tuple[str | None, dict[str, int], list[tuple[str, str]]]:
    """Write every table as JSON lines into ``staging/tables``; the revision, counts and uploads."""
    revision = _db.current_revision(connection)
    folder = staging / "tables"
    folder.mkdir()
    counts: dict[str, int] = {}
    for table in _tables():
        rows = 0
        with (folder / f"{table.name}.jsonl").open("w", encoding="utf-8") as out:
            for row in connection.execute(select(table).order_by(*table.primary_key.columns)):
                record = {key: _encode(value) for key, value in row._mapping.items()}
                out.write(json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n")
                rows += 1
        counts[table.name] = rows
    uploads = [
        (str(name), str(sha))
        for name, sha in connection.execute(select(Upload.stored_name, Upload.sha256).order_by(Upload.id))
    ]
    return revision, counts, uploads


def _sqlite_snapshot(registry: Registry, target: Path) -> None:
    """Copy the live SQLite database into ``target`` with the online backup API."""
    raw = registry.engine.raw_connection()
    try:
        source = raw.driver_connection
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)  # type: ignore[union-attr]
            destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file in the archive
        finally:
            destination.close()
    finally:
        raw.close()


def _snapshot_and_dump(
    registry: Registry, staging: Path
) -> tuple[str | None, dict[str, int], list[tuple[str, str]]]:
    if registry.dialect == "sqlite":
        snapshot = staging / SNAPSHOT
        _sqlite_snapshot(registry, snapshot)
        engine = create_engine(URL.create("sqlite", database=str(snapshot)), poolclass=NullPool)
        try:
            with engine.connect() as connection:
                return _dump(connection, staging)
        finally:
            engine.dispose()
    with registry.engine.connect() as connection:
        connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.execute(text("SET TRANSACTION READ ONLY"))
            return _dump(connection, staging)


def _is_backup(path: Path) -> bool:
    """Whether the regular file at ``path`` is a marbledx backup: a gzip tar whose first member is its
    manifest. Only that member is read, so a large earlier backup costs little."""
    try:
        # Bounded like a restore: a hostile pax header on the first member is not read into memory.
        with (
            gzip.GzipFile(path, "rb") as unzipped,
            _open_tar(_Bounded(path, unzipped, 2 * _MANIFEST_LIMIT)) as tar,
        ):
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile() or first.size > _MANIFEST_LIMIT:
                return False
            handle = tar.extractfile(first)
            if handle is None:  # pragma: no cover - a regular member always has content
                return False
            with handle:  # in pieces: the bounded stream refuses a single read of a large manifest
                manifest = json.loads(b"".join(iter(lambda: handle.read(_CHUNK), b"")))
    except (tarfile.TarError, EOFError, zlib.error, OSError, ValueError, RecursionError, RegistryError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == BACKUP_FORMAT


def _database_files(registry: Registry) -> set[Path]:
    """The SQLite registry's file and its journal, WAL and shared-memory companions (none for PostgreSQL)."""
    path = _db.sqlite_path(registry.url) if registry.dialect == "sqlite" else None
    if path is None:
        return set()
    path = path.resolve()
    return {path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))}


def _check_target(registry: Registry, out: Path) -> bool:
    """Refuse a backup target that is not a new file or an earlier backup; returns whether one exists.

    The archive is renamed over ``out``, so it never writes through a link or into a device: a symbolic link
    or a pipe would silently become a regular file (in ``/dev`` too, when run as root), and a link's target
    would not get the backup. Those are refused, and so is any existing file other than an earlier backup,
    above all the registry's own database, which the rename would otherwise destroy.
    """
    try:
        info = out.lstat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        msg = f"cannot inspect the backup target {out}: {exc.strerror or type(exc).__name__}"
        raise RegistryError(msg) from None
    if info is not None and stat.S_ISLNK(info.st_mode):
        msg = (
            f"backup target {out} is a symbolic link; expected a plain file name "
            "(the link would be replaced, not followed)"
        )
        raise RegistryError(msg)
    if info is not None and stat.S_ISDIR(info.st_mode):
        msg = f"backup target {out} is a folder; expected a file name such as registry-backup.tar.gz"
        raise RegistryError(msg)
    if info is not None and not stat.S_ISREG(info.st_mode):
        msg = (
            f"backup target {out} is a device, pipe or socket, not a regular file; "
            "expected a file name such as registry-backup.tar.gz"
        )
        raise RegistryError(msg)
    if not out.parent.is_dir():
        msg = f"backup target folder {out.parent} does not exist"
        raise RegistryError(msg)
    if out.resolve() in _database_files(registry):
        msg = f"backup target {out} is the registry's own database; expected another file name"
        raise RegistryError(msg)
    if info is not None and not _is_backup(out):
        msg = (
            f"backup target {out} exists and is not a marbledx registry backup; "
            "expected a new file name or an earlier backup to replace"
        )
        raise RegistryError(msg)
    return info is not None


def _fail_write(out: Path, existed: bool, exc: BaseException) -> NoReturn:
    """Raise the one-line error of a backup that could not be written, with an OSError as its cause.

    SQLite reports a full disk while copying the snapshot as its own error; it becomes the OSError it stands
    for. Nothing of the database's content is quoted: only the system's reason.
    """
    if isinstance(exc, OSError):
        cause = OSError(exc.errno, exc.strerror or type(exc).__name__)
    else:  # sqlite3.Error from copying the snapshot
        code = int(getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
        # SQLite reports a disk that filled up while writing as an I/O error as often as a full one.
        number = {_SQLITE_FULL: errno.ENOSPC, _SQLITE_IOERR: errno.EIO}.get(code)
        reason = os.strerror(number) if number else f"the SQLite snapshot failed ({type(exc).__name__})"
        if number is not None:
            reason = f"{reason} while copying the SQLite snapshot"
        cause = OSError(number, reason)
    kept = f"; the earlier {out} is unchanged" if existed else ""
    need = f"the backup needs free space of about the database's size in {out.parent}"
    room = {errno.ENOSPC: f" ({need})", errno.EDQUOT: f" ({need})", errno.EIO: f" (is the disk full? {need})"}
    hint = room.get(cause.errno, "") if cause.errno is not None else ""
    msg = f"cannot write the backup {out}: {cause.strerror}{hint}; nothing was written{kept}"
    raise RegistryError(msg) from cause


def _upload_problem(path: Path, sha: str) -> str | None:
    """Why an upload file cannot go into the backup (missing, unreadable, changed), or None."""
    try:
        if not path.is_file():
            return "file missing"
        if file_sha256(path) != sha:
            return "file does not match its checksum"
    except OSError as exc:
        return f"file unreadable ({exc.strerror or type(exc).__name__})"
    return None


def backup(registry: Registry, out: Path) -> dict[str, Any]:
    """Write a consistent snapshot of the registry and its uploaded files to ``out`` (a ``.tar.gz``).

    Returns the manifest. ``out`` must be a new file or an earlier backup (replaced); anything else (a folder,
    a symbolic link, a device, pipe or socket, the database itself, another file) is refused with a
    :class:`RegistryError` before anything is written. A failure, such as a full disk, leaves ``out`` as it was
    and raises a :class:`RegistryError` whose cause is the :class:`OSError`. Upload files that are missing,
    unreadable or no longer match their checksum are left out and listed under ``uploads.problems`` (their
    rows are kept, as in the registry).
    """
    from marbledx import __version__

    if registry.dialect == "sqlite" and _db.sqlite_path(registry.url) is None:
        msg = "an in-memory SQLite registry cannot be backed up; expected a file or PostgreSQL database"
        raise RegistryError(msg)
    existed = _check_target(registry, out)
    try:
        return _write_backup(registry, out, __version__)
    except (OSError, sqlite3.Error) as exc:  # sqlite3: copying the snapshot into the target's folder
        _fail_write(out, existed, exc)


def _write_backup(registry: Registry, out: Path, version: str) -> dict[str, Any]:
    _remove_abandoned(out.parent, _BACKUP_PREFIX)
    with tempfile.TemporaryDirectory(prefix=_BACKUP_PREFIX, dir=out.parent) as temp:
        lock = _lock(Path(temp))
        try:
            manifest = _write_staged(registry, out, version, Path(temp))
        finally:
            _unlock(lock)  # after the folder is gone: a locked folder is never taken for abandoned
    _fsync_folder(out.parent)
    return manifest


def _write_staged(registry: Registry, out: Path, version: str, staging: Path) -> dict[str, Any]:
    """Dump the registry into ``staging``, archive it there and rename the archive over ``out``."""
    revision, counts, uploads = _snapshot_and_dump(registry, staging)
    if revision != _db.head_revision():
        msg = f"the registry is at schema revision {revision}, expected {_db.head_revision()}"
        raise RegistryError(msg)
    files: dict[str, str] = {}
    # The byte count of every member under its checksum: restore refuses to unpack more than this of a
    # member. Keyed by checksum so that a size always belongs to the very content it was measured on.
    sizes: dict[str, int] = {}
    members = [f"tables/{t.name}.jsonl" for t in _tables()] + (
        [SNAPSHOT] if (staging / SNAPSHOT).exists() else []
    )
    for member in members:
        files[member] = file_sha256(staging / member)
        sizes[files[member]] = (staging / member).stat().st_size
    included: list[tuple[str, Path]] = []
    problems: list[str] = []
    total = 0
    for name, sha in uploads:
        path = registry.uploads_dir / name
        problem = "file missing" if not STORED_NAME.fullmatch(name) else _upload_problem(path, sha)
        if problem is not None:
            problems.append(f"{name}: {problem}")
            continue
        files[f"uploads/{name}"] = sha
        included.append((name, path))
        size = path.stat().st_size
        sizes[sha] = size
        total += size
    manifest: dict[str, Any] = {
        "format": BACKUP_FORMAT,
        "format_version": BACKUP_FORMAT_VERSION,
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "marbledx_version": version,
        "schema_revision": revision,
        "source_dialect": registry.dialect,
        "tables": counts,
        "uploads": {"files": len(included), "bytes": total, "problems": problems},
        "files": files,
        "sizes": sizes,
    }
    archive = staging / "archive.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        payload = json.dumps(manifest, indent=2).encode("utf-8")
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(payload), int(dt.datetime.now(dt.UTC).timestamp()), 0o600
        tar.addfile(info, io.BytesIO(payload))
        for member in members:
            tar.add(staging / member, arcname=member, recursive=False, filter=_private)
        for name, path in included:
            tar.add(path, arcname=f"uploads/{name}", recursive=False, filter=_private)
    # Private before it is visible under its name: the archive holds patient data and password hashes.
    archive.chmod(0o600)
    with archive.open("rb") as handle:
        os.fsync(handle.fileno())
    archive.replace(out)
    return manifest


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX); a system without folder handles skips it."""
    with suppress(OSError, AttributeError):
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


# -- restore -----------------------------------------------------------------------------------------------


def _corrupt(archive: Path, why: str) -> RegistryError:
    return RegistryError(f"{archive} is not a usable marbledx registry backup: {why}; nothing was restored")


def _member_path(name: str, tables: set[str]) -> bool:
    if name in (MANIFEST, SNAPSHOT):
        return True
    folder, _, base = name.partition("/")
    if folder == "tables":
        return base.endswith(".jsonl") and base[: -len(".jsonl")] in tables
    return folder == "uploads" and STORED_NAME.fullmatch(base) is not None


def _open_archive(archive: Path) -> IO[bytes]:
    """Open the archive for reading, refusing what is not a regular, non-empty file.

    It is opened without blocking and checked on the open descriptor: a named pipe would otherwise hang the
    restore until something wrote to it, and a device such as ``/dev/zero`` would never end.
    """
    try:
        descriptor = os.open(archive, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        msg = f"backup {archive} does not exist; expected an archive written by 'marbledx backup'"
        raise RegistryError(msg) from None
    except IsADirectoryError:
        descriptor = -1
    except OSError as exc:
        msg = f"cannot read the backup {archive}: {exc.strerror or type(exc).__name__}; nothing was restored"
        raise RegistryError(msg) from None
    mode = os.fstat(descriptor).st_mode if descriptor >= 0 else stat.S_IFDIR
    if stat.S_ISREG(mode):
        handle = os.fdopen(descriptor, "rb")
        if os.fstat(descriptor).st_size == 0:
            handle.close()
            raise _corrupt(archive, "the file is empty")
        return handle
    if descriptor >= 0:
        os.close(descriptor)
    what = "a folder" if stat.S_ISDIR(mode) else "a device, pipe or socket"
    msg = f"backup {archive} is {what}; expected an archive file written by 'marbledx backup'"
    raise RegistryError(msg)


def check_archive(archive: Path) -> None:
    """Refuse, before anything is opened or created, an archive that is missing, a folder, a device, pipe or
    socket, unreadable or empty (a :class:`RegistryError`). Its contents are checked by :func:`restore`."""
    _open_archive(archive).close()


def _fail_unpack(archive: Path, staging: Path, exc: OSError) -> NoReturn:
    """Raise the error of unpacking that could not write (a full disk): the archive is not to blame."""
    msg = (
        f"cannot unpack the backup {archive} into {staging.parent}: {exc.strerror or type(exc).__name__}; "
        "nothing was restored"
    )
    raise RegistryError(msg) from OSError(exc.errno, exc.strerror or type(exc).__name__)


class _Bounded:
    """The decompressed archive as tarfile reads it, refusing (a :class:`RegistryError`) to read past
    ``limit`` bytes in all, or more than ``_READ_LIMIT`` bytes at once, before reading them.

    tarfile takes an extended header (pax, GNU long name) whole into memory at the size its own header
    claims, before any member reaches :func:`_unpack`; this is what bounds it.
    """

    def __init__(self, archive: Path, stream: gzip.GzipFile, limit: int) -> None:
        self.archive, self.stream, self.limit = archive, stream, limit
        self.where = "the start of the archive"  # the last member read, for the error

    def _check(self, end: int) -> None:
        if end > self.limit:
            raise _corrupt(
                self.archive,
                f"it holds more than the {self.limit} bytes its members and their tar headers may take "
                f"(past {self.where})",
            )

    def read(self, size: int = -1) -> bytes:
        if size < 0 or size > _READ_LIMIT:
            what = "the rest of the archive" if size < 0 else f"{size} bytes"
            raise _corrupt(
                self.archive,
                f"a tar header after {self.where} claims {what}, more than the {_READ_LIMIT} a header may have",
            )
        self._check(self.stream.tell() + size)
        return self.stream.read(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence != os.SEEK_SET:  # pragma: no cover - tarfile seeks to absolute offsets only
            msg = "seek"
            raise io.UnsupportedOperation(msg)
        self._check(offset)  # a forward seek decompresses what it skips
        return self.stream.seek(offset)

    def tell(self) -> int:
        return self.stream.tell()

    def write(self, data: bytes) -> int:  # pragma: no cover - read only; tarfile's type asks for it
        raise io.UnsupportedOperation(self.write.__name__)

    def close(self) -> None:
        """Nothing to do: whoever opened the gzip stream closes it."""


def _open_tar(stream: _Bounded) -> tarfile.TarFile:
    """The tar archive in the bounded stream; tarfile reads its first header at once."""
    return tarfile.TarFile(fileobj=stream, mode="r")


def _amount(size: int) -> str:
    return f"{size} bytes" if size < 1 << 20 else f"{size / (1 << 20):.1f} MiB ({size} bytes)"


class _Budget:
    """How much of the archive may be unpacked: per member the size the manifest declares for it, and in
    all what the manifest declares, or, when a member has no declared size (a backup of an earlier
    release), what the disk can take without going below ``_FREE_RESERVE``."""

    def __init__(self, archive: Path, staging: Path, files: dict[str, str], sizes: dict[str, int]) -> None:
        self.archive, self.staging = archive, staging
        self.declared = {name: sizes.get(sha) for name, sha in files.items()}
        known = sum(size for size in self.declared.values() if size is not None)
        try:
            free = shutil.disk_usage(staging).free
        except OSError as exc:
            _fail_unpack(archive, staging, exc)
        self.room = max(free - _FREE_RESERVE, 0)
        if known > self.room:
            self._full(f"it unpacks to {_amount(known)}, and only {_amount(free)} are free there")
        self.complete = None not in self.declared.values()
        # What the members may add up to. Declared, each member is held to its size, so they are held to
        # the sum; otherwise to what the disk can take.
        self.total = known if self.complete else self.room
        self.written = 0

    def _full(self, why: str) -> NoReturn:
        msg = (
            f"cannot unpack the backup {self.archive} into {self.staging.parent}: {why} (a restore leaves "
            f"{_amount(_FREE_RESERVE)} free for the registry); nothing was restored"
        )
        raise RegistryError(msg) from OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def admit(self, name: str, size: int) -> None:
        """Refuse, before a byte of it is written, a member larger than its declared size or the room left."""
        declared = self.declared[name]
        if declared is not None and size > declared:
            raise _corrupt(
                self.archive,
                f"{name} is {size} bytes, more than the {declared} bytes its manifest entry declares",
            )
        if not self.complete and self.written + size > self.room:
            self._full(
                f"{name} ({_amount(size)}) would take it past the {_amount(self.room)} the disk can take"
            )
        self.written += size


def _read_manifest_member(archive: Path, staging: Path, tar: tarfile.TarFile) -> dict[str, Any]:
    """The manifest, which must be the archive's first member, read into memory (it sets the limits of
    everything after it) and checked."""
    first = _next_member(archive, tar)
    if first is None or first.name != MANIFEST or not first.isfile() or first.size < 0:
        raise _corrupt(archive, "missing or unreadable manifest.json (expected as the first member)")
    if first.size > _MANIFEST_LIMIT:
        raise _corrupt(
            archive,
            f"manifest.json is {first.size} bytes, more than the {_MANIFEST_LIMIT} a manifest may have",
        )
    payload = io.BytesIO()
    _copy_member(archive, staging, tar, first, payload)
    try:
        manifest = json.loads(payload.getvalue().decode("utf-8"))
    except (ValueError, RecursionError):
        raise _corrupt(archive, "missing or unreadable manifest.json") from None
    if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
        raise _corrupt(archive, f"manifest format is not {BACKUP_FORMAT!r}")
    if manifest.get("format_version") != BACKUP_FORMAT_VERSION:
        raise _corrupt(
            archive, f"format version {manifest.get('format_version')!r}; expected {BACKUP_FORMAT_VERSION}"
        )
    _check_revision(archive, manifest.get("schema_revision"))
    files, counts = manifest.get("files"), manifest.get("tables")
    if (
        not isinstance(files, dict)
        or not isinstance(counts, dict)
        or not all(isinstance(sha, str) for sha in files.values())
    ):
        raise _corrupt(archive, "manifest lacks 'files' or 'tables'")
    sizes = manifest.get("sizes", {})  # absent from the backups of earlier releases
    if not isinstance(sizes, dict) or not all(
        isinstance(size, int) and not isinstance(size, bool) and size >= 0 for size in sizes.values()
    ):
        raise _corrupt(archive, "manifest 'sizes' is not a map of checksums to byte counts")
    return manifest


def _next_member(archive: Path, tar: tarfile.TarFile) -> tarfile.TarInfo | None:
    try:
        return tar.next()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise _corrupt(archive, f"truncated or damaged ({type(exc).__name__})") from None


def _unpack(archive: Path, staging: Path) -> dict[str, Any]:
    """Copy the archive's members into ``staging`` within the limits its manifest sets; returns the manifest.

    The manifest comes first and is read into memory; every later member must be one it lists, and is
    refused before a byte of it is written when it is larger than its declared size or than the disk can
    take (:class:`_Budget`), whatever the compression ratio. Reading errors (a truncated or damaged archive)
    and writing errors (a full disk in the uploads folder, where the staging folder lives) are told apart,
    so a full disk is not reported as a corrupt backup.
    """
    tables = {t.name for t in _tables()}
    with _open_archive(archive) as raw, gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
        stream = _Bounded(archive, unzipped, _MANIFEST_LIMIT + _TAR_FRAMING)
        try:
            tar = _open_tar(stream)
        except (tarfile.TarError, EOFError, zlib.error, OSError):
            raise _corrupt(archive, "not a gzip-compressed tar archive") from None
        with tar:
            manifest = _read_manifest_member(archive, staging, tar)
            files: dict[str, str] = manifest["files"]
            budget = _Budget(archive, staging, files, manifest.get("sizes", {}))
            stream.where = MANIFEST
            stream.limit = stream.tell() + budget.total + _TAR_FRAMING + _TAR_PER_MEMBER * (len(files) + 1)
            seen: set[str] = {MANIFEST}
            while (member := _next_member(archive, tar)) is not None:
                name = member.name
                # A negative size (GNU base-256 headers can say so) would shrink the running total.
                bad = not member.isfile() or member.size < 0
                if bad or not _member_path(name, tables) or name in seen:
                    raise _corrupt(archive, f"unexpected member {name!r}")
                if name not in files:
                    raise _corrupt(archive, f"members not in the manifest: {name}")
                budget.admit(name, member.size)
                seen.add(name)
                stream.where = name
                target = staging / name
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    out = target.open("wb")
                except OSError as exc:
                    _fail_unpack(archive, staging, exc)
                try:
                    with out:  # closing flushes the last bytes, which a full disk refuses too
                        _copy_member(archive, staging, tar, member, out)
                except OSError as exc:  # reading errors are RegistryErrors by now: this is writing
                    _fail_unpack(archive, staging, exc)
    return manifest


def _copy_member(
    archive: Path, staging: Path, tar: tarfile.TarFile, member: tarfile.TarInfo, out: IO[bytes]
) -> None:
    """Copy the member's bytes to ``out``, never more than its header's size (admitted by the budget)."""
    try:
        source = tar.extractfile(member)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise _corrupt(archive, f"truncated or damaged ({type(exc).__name__})") from None
    if source is None:  # pragma: no cover - regular files always have content
        raise _corrupt(archive, f"unreadable member {member.name!r}")
    written = 0
    with source:
        while True:
            try:
                chunk = source.read(_CHUNK)
            except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
                raise _corrupt(archive, f"truncated or damaged ({type(exc).__name__})") from None
            if not chunk:
                return
            written += len(chunk)
            if written > member.size:  # what was admitted; checked on the bytes, not on tarfile's word
                raise _corrupt(
                    archive, f"{member.name} unpacks to more than the {member.size} bytes it declares"
                )
            try:
                out.write(chunk)
            except OSError as exc:
                _fail_unpack(archive, staging, exc)


def _check_revision(archive: Path, revision: object) -> None:
    """Refuse a backup whose schema this marbledx cannot restore, saying which marbledx can."""
    head = _db.head_revision()
    if revision == head or revision in RESTORABLE_REVISIONS:
        return
    if isinstance(revision, str) and revision not in _db.known_revisions():
        msg = (
            f"backup {archive} has schema revision {revision!r}, newer than this marbledx knows (it expects "
            f"{head}); restore it with the marbledx version that wrote it, or a newer one"
        )
    else:
        msg = (
            f"backup {archive} has schema revision {revision!r}, this marbledx expects {head}; "
            "restore it with the marbledx version that wrote it, then open the registry with this one "
            "to upgrade it"
        )
    raise RegistryError(msg)


def read_manifest(archive: Path, staging: Path) -> dict[str, Any]:
    """Unpack ``archive`` into ``staging`` within the limits of its manifest and validate it completely;
    returns the manifest."""
    manifest = _unpack(archive, staging)
    files: dict[str, str] = manifest["files"]
    counts: dict[str, Any] = manifest["tables"]
    # A member the manifest does not list was refused while unpacking, before it was written.
    present = {p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()}
    missing = sorted(set(files) - present)
    if missing:
        raise _corrupt(archive, f"members missing: {', '.join(missing[:3])}")
    for name, sha in files.items():
        if file_sha256(staging / name) != sha:
            raise _corrupt(archive, f"{name} does not match its checksum")
    for table in _tables():
        expected = counts.get(table.name)
        path = staging / "tables" / f"{table.name}.jsonl"
        if isinstance(expected, bool) or not isinstance(expected, int) or not path.is_file():
            raise _corrupt(archive, f"table {table.name} missing")
        rows = sum(1 for _ in _rows(archive, path, table))
        if rows != expected:
            raise _corrupt(archive, f"table {table.name} has {rows} rows, the manifest says {expected}")
    _check_team_names(archive, staging)
    return manifest


# How many groups of look-alike team names a refused restore names (the count covers them all).
_SHOWN_GROUPS = 3


def _check_team_names(archive: Path, staging: Path) -> None:
    """Refuse, before anything is written, a backup holding two teams whose names read alike (one
    :func:`look_alike_key`): ``teams.name_key`` (revision 0009) takes one of them only. A backup of an older
    revision may hold them (only the application refused them then); the registry they came from was not
    upgraded either (revision 0009's refusal), so the remedy is the same: rename them there."""
    table = cast("Table", Team.__table__)
    groups: dict[str, list[str]] = {}
    for row in _rows(archive, staging / "tables" / f"{table.name}.jsonl", table):
        if isinstance(row.get("name"), str):
            groups.setdefault(row["name_key"], []).append(row["name"])
    clashes = sorted(sorted(names) for names in groups.values() if len(names) > 1)
    if not clashes:
        return
    shown = "; ".join(
        " and ".join(printable(quoted(name, 100)) for name in names) for names in clashes[:_SHOWN_GROUPS]
    )
    more = f"; and {len(clashes) - _SHOWN_GROUPS} more" if len(clashes) > _SHOWN_GROUPS else ""
    msg = (
        f"cannot restore the backup {archive}: {len(clashes)} group(s) of its team names read alike "
        f"({shown}{more}: the same after NFKC and case folding), which would read as one team and which this "
        "marbledx's registry refuses (schema revision 0009); restore it with the marbledx version that wrote "
        "it, rename all but one of each with the database's own tool, and back it up again; nothing was "
        "restored"
    )
    raise RegistryError(msg)


def _rows(archive: Path, path: Path, table: Table) -> Iterator[dict[str, Any]]:
    """The table's rows from its JSON-lines file, decoded and checked against the columns.

    Lines are read as bytes and decoded one by one, so a line that is not UTF-8 is reported with its number
    like any other bad row; the row itself is never quoted (patient data).
    """
    decoders = _decoder(table)
    required = {c.name for c in table.columns if not c.nullable and (table.name, c.name) not in _FILLED}
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            where = f"tables/{table.name}.jsonl line {number}"
            try:
                raw = json.loads(line.decode("utf-8"))
                if not isinstance(raw, dict) or not set(raw) <= set(decoders) or not required <= set(raw):
                    raise TypeError(raw)
                row = {k: (None if v is None else decoders[k](v)) for k, v in raw.items()}
            except (TypeError, ValueError, OverflowError, RecursionError):
                raise _corrupt(archive, f"{where} is not a valid row") from None
            if table.name == Upload.__tablename__ and not STORED_NAME.fullmatch(str(row["stored_name"])):
                raise _corrupt(archive, f"{where} names an unexpected upload file")
            if table.name == LabMeasurement.__tablename__ and row.get("age_at_test") is not None:
                # The age chooses the value's reference interval: one that is no age (an edited archive) would
                # make the case impossible to analyse, so it is refused as the registry refuses it.
                try:
                    check_age_at_test(row["age_at_test"])
                except InputError:
                    raise _corrupt(archive, f"{where} has an age at the test that is no age") from None
            name = row.get("name")
            if table.name == Team.__tablename__ and isinstance(name, str):
                # Computed from the name, never taken from the backup (a 0008 backup has none): no CHECK
                # constraint can hold the key to the name, so an edited key could let look-alikes in.
                row["name_key"] = look_alike_key(name)
            yield row


def _reset_sequences(connection: Connection) -> None:
    """After inserting explicit ids into PostgreSQL, move each id sequence past the largest id."""
    for table in _tables():
        column = table.c.get("id")
        if column is None:
            continue
        sequence = connection.execute(
            text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name}
        ).scalar()
        if sequence is None:
            continue
        largest = connection.execute(select(func.max(column))).scalar()
        connection.execute(
            text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
            {"sequence": sequence, "value": largest or 1, "called": largest is not None},
        )


def _contents(counts: dict[str, int]) -> str:
    """What a registry holds, in a few words (counts only, never a row)."""
    return f"{counts.get('cases', 0)} cases, {counts.get('users', 0)} users, {counts.get('audit_events', 0)} audit events"


def restore(registry: Registry, archive: Path, *, force: bool = False) -> dict[str, Any]:
    """Replace the registry's contents with the backup in ``archive``; returns the backup's manifest.

    A non-empty registry is refused unless ``force`` (the contents are then replaced, never merged). The
    archive is validated before anything changes, and the rows are replaced in one transaction; upload files
    are moved into place before the commit and removed again if it fails or is interrupted, so the target is
    never half-restored. Every error is a one-line :class:`RegistryError` without patient data; a database
    error is not chained to it, as its text quotes the rows' values.
    """
    check_archive(archive)  # before the uploads folder or a staging folder is made for it
    made = not registry.uploads_dir.exists()
    try:
        registry.uploads_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Before this restore's own folder, and before the free space is measured: a killed restore's
        # folder holds a copy of a whole backup.
        _remove_abandoned(registry.uploads_dir, _RESTORE_PREFIX)
        staging_folder = tempfile.TemporaryDirectory(prefix=_RESTORE_PREFIX, dir=registry.uploads_dir)
    except OSError as exc:
        _fail_unpack(archive, registry.uploads_dir / "staging", exc)
    lock = _lock(Path(staging_folder.name))
    try:
        return _restore_staged(registry, archive, staging_folder, force=force)
    except BaseException:
        if made:  # an uploads folder made for a restore that failed goes with it, as the CLI's new database
            with suppress(OSError):
                registry.uploads_dir.rmdir()
        raise
    finally:
        _unlock(lock)  # after the folder is gone: a locked folder is never taken for abandoned


def _restore_staged(
    registry: Registry, archive: Path, staging_folder: tempfile.TemporaryDirectory[str], *, force: bool
) -> dict[str, Any]:
    """Unpack into ``staging_folder``, validate, and replace the registry's rows and upload files."""
    with staging_folder as temp:
        staging = Path(temp)
        manifest = read_manifest(archive, staging)
        if not force and not registry.is_empty():
            msg = (
                f"the registry {_db.redacted(registry.url)} is not empty ({_contents(registry.counts())}); "
                "restoring would replace all of it, not merge (use --force to replace it)"
            )
            raise RegistryError(msg)
        placed: list[Path] = []
        old_files: set[str] = set()
        new_files: set[str] = set()
        committed = False
        try:
            with registry.unit_of_work() as session:
                connection = session.connection()
                if not force and any(
                    connection.execute(select(table).limit(1)).first() is not None for table in _tables()
                ):  # written to meanwhile
                    msg = (
                        f"the registry {_db.redacted(registry.url)} is not empty; restoring would replace all "
                        "of it, not merge (use --force to replace it)"
                    )
                    raise RegistryError(msg)
                old_files = set(connection.execute(select(Upload.stored_name)).scalars())
                for table in reversed(Base.metadata.sorted_tables):  # sign-ins end with a restore too
                    connection.execute(delete(table))
                for table in _tables():
                    path = staging / "tables" / f"{table.name}.jsonl"
                    batch: list[dict[str, Any]] = []
                    for row in _rows(archive, path, table):
                        batch.append(row)
                        if table.name == Upload.__tablename__:
                            new_files.add(str(row["stored_name"]))
                        if len(batch) >= _BATCH:
                            connection.execute(table.insert(), batch)
                            batch = []
                    if batch:
                        connection.execute(table.insert(), batch)
                if registry.dialect == "postgresql":
                    _reset_sequences(connection)
                for name in sorted(new_files):
                    source = staging / "uploads" / name
                    target = registry.uploads_dir / name
                    if source.is_file() and not target.exists():
                        part = registry.uploads_dir / f".restore-{uuid.uuid4().hex}.part"
                        placed.append(part)  # an interruption before its final name must not leave it
                        source.replace(part)
                        part.chmod(0o600)
                        part.replace(target)
                        placed.append(target)
            committed = True
        except SQLAlchemyError as exc:
            # Not chained: the database error's text quotes the statement's parameters, the patient's data,
            # and a caller logging this error with its traceback would write them to the log.
            msg = f"restore failed and was rolled back ({type(exc).__name__}); nothing was restored"
            raise RegistryError(msg) from None
        except OSError as exc:  # placing the upload files (the transaction was rolled back)
            msg = (
                f"restore failed and was rolled back: cannot place the uploaded files in {registry.uploads_dir} "
                f"({exc.strerror or type(exc).__name__}); nothing was restored"
            )
            raise RegistryError(msg) from OSError(exc.errno, exc.strerror or type(exc).__name__)
        finally:
            if not committed:
                for path in placed:
                    path.unlink(missing_ok=True)
    for name in old_files - new_files:
        with suppress(OSError):
            (registry.uploads_dir / name).unlink(missing_ok=True)
    return manifest


# -- staging folders -----------------------------------------------------------------------------------------


def _lock(folder: Path) -> int | None:
    """Lock ``folder`` (POSIX ``flock`` on the folder itself) for as long as the returned descriptor is open.

    The kernel drops the lock when the process ends, however it ends, so a folder nobody holds is not in use.
    None where there are no locks (Windows, some network mounts): the folder is then never removed by
    :func:`_remove_abandoned` either, which needs the lock to prove it abandoned.
    """
    if sys.platform == "win32":
        return None
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(descriptor)
        return None
    return descriptor


def _unlock(descriptor: int | None) -> None:
    if descriptor is not None:
        os.close(descriptor)


def _last_change(folder: Path) -> float:
    """When anything in ``folder`` (itself, its files and subfolders) last changed (modification time)."""
    newest = folder.lstat().st_mtime
    for root, folders, names in os.walk(folder):
        for name in (*folders, *names):
            newest = max(newest, (Path(root) / name).lstat().st_mtime)
    return newest


def _remove_abandoned(parent: Path, prefix: str) -> None:
    """Remove the staging folders (``prefix*``) in ``parent`` that a killed backup or restore left behind.

    Only what is provably abandoned goes: a real folder (not a link) of this user, unchanged for
    ``_ABANDONED_AFTER``, whose lock this process can take, so no running backup or restore (which holds
    it) uses it. It is removed while locked. Anything in doubt (an error, a file system without locks, a
    folder of another user) stays.
    """
    if sys.platform == "win32":  # no flock: nothing can be proved abandoned
        return
    try:
        candidates = sorted(path for path in parent.iterdir() if path.name.startswith(prefix))
    except OSError:
        return
    now = time.time()
    for folder in candidates:
        with suppress(OSError):
            info = folder.lstat()
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
                continue
            if now - _last_change(folder) < _ABANDONED_AFTER:
                continue
            descriptor = os.open(
                folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
            )
            try:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except (
                    OSError
                ):  # held by a running backup or restore, or no locks here: not provably abandoned
                    continue
                shutil.rmtree(folder, ignore_errors=True)
            finally:
                os.close(descriptor)
