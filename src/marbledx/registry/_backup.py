"""Backup and restore of the registry as one portable ``.tar.gz`` archive.

Archive layout (format ``marbledx-registry-backup``, version 1)::

    manifest.json            format, versions, schema revision, row counts, SHA-256 of every other member
    tables/<table>.jsonl     every row of every table, one JSON object per line (times ISO 8601 UTC)
    uploads/<stored name>    the uploaded VCF/PED files the snapshot's rows refer to
    registry.sqlite3         SQLite sources only: the snapshot taken with SQLite's online backup API

The JSON-lines tables are what :func:`restore` reads, so a backup restores into SQLite or PostgreSQL
whatever it was taken from. A SQLite snapshot comes from the online backup API (a consistent copy while
the registry is in use); a PostgreSQL one from a single ``REPEATABLE READ`` read-only transaction. The
archive is written to a temporary file and renamed into place.

Restore validates everything first (members, checksums, manifest, schema revision, rows), refuses a
non-empty registry without ``force``, and then replaces the contents in one transaction: a bad archive
leaves the target untouched, and a failure half-way rolls back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
import uuid
import zlib
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

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

from marbledx.registry import _db
from marbledx.registry._errors import RegistryError
from marbledx.registry._models import Base, Upload, UTCDateTime

if TYPE_CHECKING:
    from marbledx.registry._registry import Registry

__all__ = ["BACKUP_FORMAT", "BACKUP_FORMAT_VERSION", "backup", "read_manifest", "restore"]

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
# leave out like the login sessions. Extend it with each migration whose tables still take the older rows.
RESTORABLE_REVISIONS: Final = frozenset({"0001", "0002", "0003", "0004"})
_CHUNK = 1 << 20


def _tables() -> list[Table]:
    """The tables a backup holds: all but those marked ``info={"backup": False}`` (login sessions)."""
    return [t for t in Base.metadata.sorted_tables if t.info.get("backup", True)]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


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


def backup(registry: Registry, out: Path) -> dict[str, Any]:
    """Write a consistent snapshot of the registry and its uploaded files to ``out`` (a ``.tar.gz``).

    Returns the manifest. Upload files that are missing or no longer match their checksum are left out
    and listed under ``uploads.problems`` (their rows are kept, as in the registry).
    """
    from marbledx import __version__

    if out.is_dir():
        msg = f"backup target {out} is a folder; expected a file name such as registry-backup.tar.gz"
        raise RegistryError(msg)
    if not out.parent.is_dir():
        msg = f"backup target folder {out.parent} does not exist"
        raise RegistryError(msg)
    if registry.dialect == "sqlite" and _db.sqlite_path(registry.url) is None:
        msg = "an in-memory SQLite registry cannot be backed up; expected a file or PostgreSQL database"
        raise RegistryError(msg)
    with tempfile.TemporaryDirectory(prefix=".marbledx-backup-", dir=out.parent) as temp:
        staging = Path(temp)
        revision, counts, uploads = _snapshot_and_dump(registry, staging)
        if revision != _db.head_revision():
            msg = f"the registry is at schema revision {revision}, expected {_db.head_revision()}"
            raise RegistryError(msg)
        files: dict[str, str] = {}
        for table in _tables():
            member = f"tables/{table.name}.jsonl"
            files[member] = _sha256(staging / member)
        if (staging / SNAPSHOT).exists():
            files[SNAPSHOT] = _sha256(staging / SNAPSHOT)
        included: list[tuple[str, Path]] = []
        problems: list[str] = []
        total = 0
        for name, sha in uploads:
            path = registry.uploads_dir / name
            if not STORED_NAME.fullmatch(name) or not path.is_file():
                problems.append(f"{name}: file missing")
                continue
            if _sha256(path) != sha:
                problems.append(f"{name}: file does not match its checksum")
                continue
            files[f"uploads/{name}"] = sha
            included.append((name, path))
            total += path.stat().st_size
        manifest: dict[str, Any] = {
            "format": BACKUP_FORMAT,
            "format_version": BACKUP_FORMAT_VERSION,
            "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "marbledx_version": __version__,
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
        with archive.open("rb") as handle:
            os.fsync(handle.fileno())
        archive.replace(out)
    with suppress(OSError):
        out.chmod(0o600)
    return manifest


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


def _unpack(archive: Path, staging: Path) -> None:
    """Copy the archive's members into ``staging``, refusing anything unexpected."""
    tables = {t.name for t in _tables()}
    seen: set[str] = set()
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                name = member.name
                if not member.isfile() or not _member_path(name, tables) or name in seen:
                    why = f"unexpected member {name!r}"
                    raise _corrupt(archive, why)
                seen.add(name)
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                if source is None:  # pragma: no cover - regular files always have content
                    raise _corrupt(archive, f"unreadable member {name!r}")
                with source, target.open("wb") as out:
                    shutil.copyfileobj(source, out, _CHUNK)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        if isinstance(exc, FileNotFoundError) and not archive.exists():
            msg = f"backup {archive} does not exist"
            raise RegistryError(msg) from None
        raise _corrupt(archive, f"unreadable archive ({type(exc).__name__})") from None


def read_manifest(archive: Path, staging: Path) -> dict[str, Any]:
    """Unpack ``archive`` into ``staging`` and validate it completely; returns the manifest."""
    _unpack(archive, staging)
    try:
        manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise _corrupt(archive, "missing or unreadable manifest.json") from None
    if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
        raise _corrupt(archive, f"manifest format is not {BACKUP_FORMAT!r}")
    if manifest.get("format_version") != BACKUP_FORMAT_VERSION:
        raise _corrupt(
            archive, f"format version {manifest.get('format_version')!r}; expected {BACKUP_FORMAT_VERSION}"
        )
    revision = manifest.get("schema_revision")
    if revision != _db.head_revision() and revision not in RESTORABLE_REVISIONS:
        msg = (
            f"backup {archive} has schema revision {revision!r}, this marbledx expects "
            f"{_db.head_revision()}; restore it with the marbledx version that wrote it"
        )
        raise RegistryError(msg)
    files, counts = manifest.get("files"), manifest.get("tables")
    if not isinstance(files, dict) or not isinstance(counts, dict):
        raise _corrupt(archive, "manifest lacks 'files' or 'tables'")
    present = {str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file()} - {MANIFEST}
    if present != set(files):
        missing, extra = sorted(set(files) - present), sorted(present - set(files))
        raise _corrupt(archive, f"members missing {missing[:3]} or not in the manifest {extra[:3]}")
    for name, sha in files.items():
        if _sha256(staging / name) != sha:
            raise _corrupt(archive, f"{name} does not match its checksum")
    for table in _tables():
        expected = counts.get(table.name)
        path = staging / "tables" / f"{table.name}.jsonl"
        if not isinstance(expected, int) or not path.is_file():
            raise _corrupt(archive, f"table {table.name} missing")
        rows = sum(1 for _ in _rows(archive, path, table))
        if rows != expected:
            raise _corrupt(archive, f"table {table.name} has {rows} rows, the manifest says {expected}")
    return manifest


def _rows(archive: Path, path: Path, table: Table) -> Iterator[dict[str, Any]]:
    """The table's rows from its JSON-lines file, decoded and checked against the columns."""
    decoders = _decoder(table)
    required = {c.name for c in table.columns if not c.nullable}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            where = f"tables/{table.name}.jsonl line {number}"
            try:
                raw = json.loads(line)
                if not isinstance(raw, dict) or not set(raw) <= set(decoders) or not required <= set(raw):
                    raise TypeError(raw)
                row = {k: (None if v is None else decoders[k](v)) for k, v in raw.items()}
            except (TypeError, ValueError):
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


def restore(registry: Registry, archive: Path, *, force: bool = False) -> dict[str, Any]:
    """Replace the registry's contents with the backup in ``archive``; returns the backup's manifest.

    A non-empty registry is refused unless ``force``. The archive is validated before anything changes,
    and the rows are replaced in one transaction; upload files are moved into place before the commit
    and removed again if it fails, so the target is never half-restored.
    """
    registry.uploads_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(prefix=".marbledx-restore-", dir=registry.uploads_dir) as temp:
        staging = Path(temp)
        manifest = read_manifest(archive, staging)
        if not force and not registry.is_empty():
            msg = (
                f"the registry {_db.redacted(registry.url)} is not empty; restoring would replace it "
                "(use --force to do so)"
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
                    msg = f"the registry {_db.redacted(registry.url)} is not empty; use --force to replace it"
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
                        source.replace(part)
                        part.chmod(0o600)
                        part.replace(target)
                        placed.append(target)
            committed = True
        except SQLAlchemyError as exc:
            msg = f"restore failed and was rolled back ({type(exc).__name__}); nothing was restored"
            raise RegistryError(msg) from exc
        finally:
            if not committed:
                for path in placed:
                    path.unlink(missing_ok=True)
    for name in old_files - new_files:
        with suppress(OSError):
            (registry.uploads_dir / name).unlink(missing_ok=True)
    return manifest
