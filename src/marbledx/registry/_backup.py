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
leaves the target untouched, and a failure half-way rolls back. Errors are one-line
:class:`~marbledx.registry.RegistryError` messages naming the archive; none quotes a row (patient data), and
none chains a database error, whose text would hold the rows' values.
"""

from __future__ import annotations

import datetime as dt
import errno
import io
import json
import os
import re
import sqlite3
import stat
import tarfile
import tempfile
import uuid
import zlib
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, NoReturn

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
from marbledx.registry import _db
from marbledx.registry._errors import RegistryError
from marbledx.registry._models import Base, Upload, UTCDateTime

if TYPE_CHECKING:
    from marbledx.registry._registry import Registry

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
# (_FILLED). Extend it with each migration whose tables still take the older rows.
RESTORABLE_REVISIONS: Final = frozenset({"0001", "0002", "0003", "0004", "0005"})
# Columns the rows of an older revision lack and the insert fills (the model's default): users.name_key (0006).
_FILLED: Final = frozenset({("users", "name_key")})
_CHUNK = 1 << 20
# A manifest is a few kilobytes; reading more of a first member to tell whether a file is a backup is waste.
_MANIFEST_LIMIT = 1 << 24
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
        with tarfile.open(path, "r:gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile() or first.size > _MANIFEST_LIMIT:
                return False
            handle = tar.extractfile(first)
            if handle is None:  # pragma: no cover - a regular member always has content
                return False
            manifest = json.loads(handle.read())
    except (tarfile.TarError, EOFError, zlib.error, OSError, ValueError, RecursionError):
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
    with tempfile.TemporaryDirectory(prefix=".marbledx-backup-", dir=out.parent) as temp:
        staging = Path(temp)
        revision, counts, uploads = _snapshot_and_dump(registry, staging)
        if revision != _db.head_revision():
            msg = f"the registry is at schema revision {revision}, expected {_db.head_revision()}"
            raise RegistryError(msg)
        files: dict[str, str] = {}
        for table in _tables():
            member = f"tables/{table.name}.jsonl"
            files[member] = file_sha256(staging / member)
        if (staging / SNAPSHOT).exists():
            files[SNAPSHOT] = file_sha256(staging / SNAPSHOT)
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
            total += path.stat().st_size
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
        }
        archive = staging / "archive.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            payload = json.dumps(manifest, indent=2).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(payload), int(dt.datetime.now(dt.UTC).timestamp()), 0o600
            tar.addfile(info, io.BytesIO(payload))
            for member in [f"tables/{t.name}.jsonl" for t in _tables()] + (
                [SNAPSHOT] if SNAPSHOT in files else []
            ):
                tar.add(staging / member, arcname=member, recursive=False, filter=_private)
            for name, path in included:
                tar.add(path, arcname=f"uploads/{name}", recursive=False, filter=_private)
        # Private before it is visible under its name: the archive holds patient data and password hashes.
        archive.chmod(0o600)
        with archive.open("rb") as handle:
            os.fsync(handle.fileno())
        archive.replace(out)
    _fsync_folder(out.parent)
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


def _unpack(archive: Path, staging: Path) -> None:
    """Copy the archive's members into ``staging``, refusing anything unexpected.

    Reading errors (a truncated or damaged archive) and writing errors (a full disk in the uploads folder,
    where the staging folder lives) are told apart, so a full disk is not reported as a corrupt backup.
    """
    tables = {t.name for t in _tables()}
    seen: set[str] = set()
    with _open_archive(archive) as raw:
        try:
            tar = tarfile.open(fileobj=raw, mode="r:gz")  # noqa: SIM115 - entered below once it opened
        except (tarfile.TarError, EOFError, zlib.error, OSError):
            raise _corrupt(archive, "not a gzip-compressed tar archive") from None
        with tar:
            while True:
                try:
                    member = tar.next()
                except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
                    raise _corrupt(archive, f"truncated or damaged ({type(exc).__name__})") from None
                if member is None:
                    break
                name = member.name
                if not member.isfile() or not _member_path(name, tables) or name in seen:
                    why = f"unexpected member {name!r}"
                    raise _corrupt(archive, why)
                seen.add(name)
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


def _copy_member(
    archive: Path, staging: Path, tar: tarfile.TarFile, member: tarfile.TarInfo, out: IO[bytes]
) -> None:
    try:
        source = tar.extractfile(member)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise _corrupt(archive, f"truncated or damaged ({type(exc).__name__})") from None
    if source is None:  # pragma: no cover - regular files always have content
        raise _corrupt(archive, f"unreadable member {member.name!r}")
    with source:
        while True:
            try:
                chunk = source.read(_CHUNK)
            except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
                raise _corrupt(archive, f"truncated or damaged ({type(exc).__name__})") from None
            if not chunk:
                return
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
    """Unpack ``archive`` into ``staging`` and validate it completely; returns the manifest."""
    _unpack(archive, staging)
    try:
        manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
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
    present = {p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()} - {MANIFEST}
    missing, extra = sorted(set(files) - present), sorted(present - set(files))
    if missing:
        raise _corrupt(archive, f"members missing: {', '.join(missing[:3])}")
    if extra:
        raise _corrupt(archive, f"members not in the manifest: {', '.join(extra[:3])}")
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
    return manifest


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
        staging_folder = tempfile.TemporaryDirectory(prefix=".marbledx-restore-", dir=registry.uploads_dir)
    except OSError as exc:
        _fail_unpack(archive, registry.uploads_dir / "staging", exc)
    try:
        return _restore_staged(registry, archive, staging_folder, force=force)
    except BaseException:
        if made:  # an uploads folder made for a restore that failed goes with it, as the CLI's new database
            with suppress(OSError):
                registry.uploads_dir.rmdir()
        raise


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
