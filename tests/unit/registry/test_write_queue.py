"""SQLite writers of one process queue on an in-process lock (``_db._SqliteConnection``)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from marbledx.registry import ConflictError, Registry, UserInfo, _db


def _lock(registry: Registry) -> threading.Lock:
    path = _db.sqlite_path(registry.url)
    assert path is not None
    return _db._WRITE_LOCKS[path.resolve()]


def test_concurrent_audited_views_all_pass_and_free_the_lock(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")

    def viewer(_: int) -> None:
        for _ in range(15):
            registry.case_detail(alice, case.id)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(viewer, range(8), timeout=60))  # re-raises a viewer's error
    assert len(registry.audit_log(alice, case.id)) == 1 + 8 * 15  # create + every view
    assert not _lock(registry).locked()


def test_a_failed_write_releases_the_lock(registry: Registry, alice: UserInfo) -> None:
    held = []

    def failing_write() -> None:
        with registry.unit_of_work() as session:
            session.connection()  # the session begins lazily
            held.append(_lock(registry).locked())
            raise ConflictError("rolled back")

    with pytest.raises(ConflictError):
        failing_write()
    assert held == [True]  # held from BEGIN IMMEDIATE ...
    assert not _lock(registry).locked()  # ... to the rollback
    with registry.unit_of_work() as session:
        session.connection()
    assert not _lock(registry).locked()  # ... or the commit
    with registry.engine.connect() as connection, connection.begin():  # reads do not take it
        assert not _lock(registry).locked()


def test_registries_on_one_file_share_the_lock(
    registry: Registry, tmp_path: Path, cheap_hasher: PasswordHasher
) -> None:
    with Registry.open(
        f"sqlite:///{tmp_path / 'registry.sqlite3'}",
        uploads_dir=tmp_path / "uploads",
        password_hasher=cheap_hasher,
    ) as other:
        assert _lock(other) is _lock(registry)
        with registry.unit_of_work() as session:
            session.connection()
            assert _lock(other).locked()
    with Registry.open("sqlite://", password_hasher=cheap_hasher) as memory, memory.unit_of_work() as session:
        session.connection()
        assert not _lock(registry).locked()  # an in-memory database has a lock of its own
