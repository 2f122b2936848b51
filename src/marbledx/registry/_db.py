"""Database URLs, engines and schema migrations for the registry.

SQLite is the default (a file in the marbledx data folder): WAL mode, foreign keys on, and writes that take
the write lock up front (``BEGIN IMMEDIATE``) so concurrent writers wait instead of failing; the writers of
one process queue on an in-process lock first (see :class:`_SqliteConnection`). PostgreSQL URLs are
normalised to the psycopg 3 driver. Alembic is configured in code: no ``alembic.ini`` is needed.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import StaticPool

from marbledx.errors import InputError
from marbledx.ontology import data_dir
from marbledx.registry._errors import RegistryError

__all__ = [
    "DATABASE_ENV",
    "MIGRATIONS",
    "WRITE_OPTION",
    "SqliteSynchronous",
    "check_connection",
    "check_sqlite_foreign_keys",
    "current_revision",
    "default_database_url",
    "head_revision",
    "make_engine",
    "normalise_url",
    "redacted",
    "sqlite_foreign_keys_off",
    "sqlite_path",
    "upgrade",
]

DATABASE_ENV = "MARBLEDX_DATABASE_URL"
MIGRATIONS = Path(__file__).with_name("migrations")
# Execution option marking a connection that writes: on SQLite its transaction begins IMMEDIATE.
WRITE_OPTION = "marbledx_write"
_SQLITE_BUSY_SECONDS = 30.0
SqliteSynchronous = Literal["FULL", "NORMAL"]
# One write lock per SQLite file in this process, shared by every engine on that file.
_WRITE_LOCKS: dict[Path, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


class _SqliteConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions also hold an in-process lock of its database.

    SQLite admits one writer at a time. A writer that finds the database locked polls in SQLite's busy
    handler, which sleeps between tries (up to 100 ms each) and admits the waiting writers in no
    particular order: with many threads writing at once (every audited view of the web app is a write),
    some wait for seconds while others pass. So the writers of one process first queue on a Python lock,
    taken before ``BEGIN IMMEDIATE`` and released as soon as the transaction ends (commit, rollback or
    close); the busy timeout still arbitrates between processes. A writer that cannot get the lock within
    the busy timeout goes on without it and leaves the wait to SQLite, as before.
    """

    write_lock: threading.Lock | None = None
    _holds_write_lock = False

    def take_write_lock(self) -> None:
        """Wait for the database's in-process write lock (before ``BEGIN IMMEDIATE``)."""
        if self.write_lock is not None and not self._holds_write_lock:
            self._holds_write_lock = self.write_lock.acquire(timeout=_SQLITE_BUSY_SECONDS)

    def drop_write_lock(self) -> None:
        """Release the write lock if this connection holds it (the transaction has ended)."""
        if self._holds_write_lock and self.write_lock is not None:
            self._holds_write_lock = False
            self.write_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.drop_write_lock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.drop_write_lock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.drop_write_lock()


def _write_lock(path: Path | None) -> threading.Lock:
    """The in-process write lock of a SQLite file (a new one for an in-memory database)."""
    if path is None:
        return threading.Lock()
    key = path.resolve()
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(key, threading.Lock())


def default_database_url() -> str:
    """``$MARBLEDX_DATABASE_URL``, else the SQLite file ``registry.sqlite3`` in the marbledx data folder."""
    configured = os.environ.get(DATABASE_ENV, "").strip()
    if configured:
        return configured
    return f"sqlite:///{data_dir() / 'registry.sqlite3'}"


def redacted(url: URL) -> str:
    """The URL without its password, for messages."""
    return url.render_as_string(hide_password=True)


def normalise_url(url: str | URL | None) -> URL:
    """Parse a database URL: ``sqlite:///path``, a plain file path, or ``postgresql://…`` (psycopg 3)."""
    if url is None:
        url = default_database_url()
    if isinstance(url, str):
        text = url.strip()
        if not text:
            msg = "empty database URL; expected sqlite:///path/registry.sqlite3 or postgresql://user@host/db"
            raise InputError(msg)
        if "://" not in text:
            text = f"sqlite:///{Path(text).expanduser()}"
        try:
            parsed = make_url(text)
        except ArgumentError:
            msg = "malformed database URL; expected sqlite:///path/registry.sqlite3 or postgresql://user@host/db"
            raise InputError(msg) from None
    else:
        parsed = url
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgresql", "postgres"):
        if driver not in ("", "psycopg", "psycopg2"):
            msg = (
                f"database driver {parsed.drivername!r} is not supported; expected postgresql:// (psycopg 3)"
            )
            raise InputError(msg)
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if driver not in ("", "pysqlite"):
            msg = f"database driver {parsed.drivername!r} is not supported; expected sqlite:///path"
            raise InputError(msg)
        return parsed.set(drivername="sqlite")
    msg = f"unsupported database {backend!r}; expected sqlite:///path/registry.sqlite3 or postgresql://user@host/db"
    raise InputError(msg)


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL or an in-memory database)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(str(url.database))


def make_engine(url: URL, *, sqlite_synchronous: SqliteSynchronous = "FULL") -> Engine:
    """An engine for the URL, with the SQLite pragmas and transaction handling set on every connection.

    ``sqlite_synchronous`` is SQLite's ``synchronous`` setting: ``FULL`` (the default) makes every commit
    durable at once; ``NORMAL`` (safe from corruption in WAL mode, several times faster per commit) may
    lose the last commits on a power failure or operating-system crash, not on an application crash.
    """
    if sqlite_synchronous not in ("FULL", "NORMAL"):
        msg = f"sqlite_synchronous {sqlite_synchronous!r} is not allowed; expected FULL or NORMAL"
        raise InputError(msg)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    path = sqlite_path(url)
    connect_args = {"check_same_thread": False, "timeout": _SQLITE_BUSY_SECONDS, "factory": _SqliteConnection}
    if path is None:
        engine = create_engine(url, connect_args=connect_args, poolclass=StaticPool)
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():  # patient data: readable by its owner only (SQLite's -wal/-shm follow it)
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError as exc:
            msg = f"cannot create the registry database {path}: {exc.strerror or exc}"
            raise RegistryError(msg) from None
        engine = create_engine(url, connect_args=connect_args)
    write_lock = _write_lock(path)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling is switched off; SQLAlchemy's "begin" event emits BEGIN.
        dbapi_connection.isolation_level = None
        if isinstance(dbapi_connection, _SqliteConnection):
            dbapi_connection.write_lock = write_lock
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(_SQLITE_BUSY_SECONDS * 1000)}")
            if path is not None:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute(f"PRAGMA synchronous={sqlite_synchronous}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if not connection.get_execution_options().get(WRITE_OPTION, False):
            connection.exec_driver_sql("BEGIN")
            return
        driver = connection.connection.driver_connection
        queued = driver if isinstance(driver, _SqliteConnection) else None
        if queued is not None:
            queued.take_write_lock()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if queued is not None:
                queued.drop_write_lock()
            raise

    return engine


def check_connection(engine: Engine, url: URL) -> None:
    """Connect once, turning a refused connection or a bad file into one readable :class:`RegistryError`."""
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        msg = f"cannot open the registry database {redacted(url)}: {reason}"
        raise RegistryError(msg) from None


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str:
    """The newest schema revision this marbledx knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        msg = f"no registry migrations found in {MIGRATIONS}"
        raise RegistryError(msg)
    return head


def known_revisions() -> set[str]:
    """Every schema revision this marbledx knows."""
    return {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    """The schema revision of the database (None when it has never been migrated)."""
    return MigrationContext.configure(connection).get_current_revision()


@contextlib.contextmanager
def sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """On SQLite, foreign-key enforcement off while a migration runs in ``connection``, on again after.

    A batch migration copies a table that others refer to (revision 0006 copies ``users``; DROP TABLE would
    otherwise fail). The pragma takes effect outside a transaction only, so it is set before the migration's
    transaction begins and after it ends. Check the result with :func:`check_sqlite_foreign_keys` before
    the commit. Elsewhere (PostgreSQL), nothing.
    """
    driver = connection.connection.driver_connection if connection.dialect.name == "sqlite" else None
    if driver is not None:
        driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if driver is not None:
            connection.rollback()
            driver.execute("PRAGMA foreign_keys=ON")


def check_sqlite_foreign_keys(connection: Connection) -> None:
    """Refuse, before its commit, a migration under :func:`sqlite_foreign_keys_off` that left a row referring
    to nothing (SQLite; PostgreSQL enforces its foreign keys throughout)."""
    if (
        connection.dialect.name == "sqlite"
        and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None
    ):
        msg = "the registry migration left broken foreign keys; nothing was changed"
        raise RegistryError(msg)


def upgrade(engine: Engine) -> None:
    """Migrate the database to the newest revision, in one transaction.

    On SQLite, foreign-key enforcement is off while the migration runs (batch migrations copy tables) and
    the result is checked with ``PRAGMA foreign_key_check`` before committing.
    """
    with engine.connect() as connection, sqlite_foreign_keys_off(connection):
        revision = current_revision(connection)
        connection.rollback()
        if revision is not None and revision not in known_revisions():
            msg = (
                f"the registry database is at schema revision {revision}, newer than this marbledx "
                f"knows ({head_revision()}); upgrade marbledx"
            )
            raise RegistryError(msg)
        with connection.execution_options(**{WRITE_OPTION: True}).begin():
            try:
                command.upgrade(_config(connection), "head")
            except CommandError as exc:  # pragma: no cover - a broken installation
                msg = f"cannot migrate the registry database: {exc}"
                raise RegistryError(msg) from exc
            check_sqlite_foreign_keys(connection)
