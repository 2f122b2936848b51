"""Fixtures for the registry tests: a fresh SQLite registry per test, with cheap argon2 parameters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from marbledx.registry import Registry, UserInfo

from .helpers import PASSWORD, populate


@pytest.fixture(autouse=True)
def no_database_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MARBLEDX_DATABASE_URL", raising=False)


@pytest.fixture
def cheap_hasher() -> PasswordHasher:
    """argon2id with minimal cost: the same code path, milliseconds instead of a quarter second."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def registry(tmp_path: Path, cheap_hasher: PasswordHasher) -> Iterator[Registry]:
    with Registry.open(
        f"sqlite:///{tmp_path / 'registry.sqlite3'}",
        uploads_dir=tmp_path / "uploads",
        password_hasher=cheap_hasher,
    ) as opened:
        yield opened


@pytest.fixture
def source(tmp_path: Path, cheap_hasher: PasswordHasher) -> Iterator[tuple[Registry, dict[str, Any]]]:
    """A registry with teams, accounts, cases and uploads (``populate``): what a backup is made of."""
    with Registry.open(
        f"sqlite:///{tmp_path / 'source.sqlite3'}",
        uploads_dir=tmp_path / "source-uploads",
        password_hasher=cheap_hasher,
    ) as registry:
        yield registry, populate(registry)


@pytest.fixture
def alice(registry: Registry) -> UserInfo:
    """A clinician of team haematology."""
    return registry.add_user("alice", "haematology", "clinician", PASSWORD)


@pytest.fixture
def carol(registry: Registry) -> UserInfo:
    """A counsellor of team haematology."""
    return registry.add_user("carol", "haematology", "counsellor", PASSWORD)


@pytest.fixture
def bob(registry: Registry) -> UserInfo:
    """A clinician of another team."""
    return registry.add_user("bob", "oncology", "clinician", PASSWORD)


@pytest.fixture
def target(tmp_path: Path, cheap_hasher: PasswordHasher) -> Iterator[Registry]:
    """A registry that already has a team, an account, a case and an upload: what a bad restore must keep.

    test_backup.py overrides it with an empty registry, the target of a restore that must succeed."""
    with Registry.open(
        f"sqlite:///{tmp_path / 'target.sqlite3'}",
        uploads_dir=tmp_path / "target-uploads",
        password_hasher=cheap_hasher,
    ) as registry:
        dora = registry.add_user("dora", "neonatology", "admin", PASSWORD)
        case = registry.create_case(dora, "patient 1")
        registry.store_upload(dora, case.id, "ped", [b"fam 1 0 0 1 2\n"], max_bytes=100)
        yield registry


@pytest.fixture
def empty_target(tmp_path: Path, cheap_hasher: PasswordHasher) -> Iterator[Registry]:
    """An empty registry: the target of a restore that must succeed."""
    with Registry.open(
        f"sqlite:///{tmp_path / 'target.sqlite3'}",
        uploads_dir=tmp_path / "target-uploads",
        password_hasher=cheap_hasher,
    ) as opened:
        yield opened


@pytest.fixture
def archive(source: tuple[Registry, dict[str, Any]], tmp_path: Path) -> Path:
    """A backup of ``source``."""
    out = tmp_path / "backup.tar.gz"
    source[0].backup(out)
    return out
