"""Fixtures for the web tests: a fresh SQLite registry, the app over it, and tokens of three users."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import Registry
from marbledx.web import create_app

PASSWORD = "correct horse battery"
UPLOAD_LIMIT = 4096


@dataclass
class Web:
    client: TestClient
    registry: Registry
    alice: dict[str, str]  # clinician, haematology
    carol: dict[str, str]  # counsellor, haematology
    bob: dict[str, str]  # clinician, oncology


@pytest.fixture(autouse=True)
def no_database_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MARBLEDX_DATABASE_URL", raising=False)


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with Registry.open(
        f"sqlite:///{tmp_path / 'registry.sqlite3'}", uploads_dir=tmp_path / "uploads", password_hasher=hasher
    ) as opened:
        yield opened


def _headers(registry: Registry, name: str, team: str, role: str) -> dict[str, str]:
    user = registry.add_user(name, team, role, PASSWORD)
    return {"Authorization": f"Bearer {registry.issue_token(user)}"}


def make_web(registry: Registry, hpo: Hpo, kb: KnowledgeBase) -> Iterator[Web]:
    app = create_app(registry, hpo=hpo, kb=kb, max_upload_bytes=UPLOAD_LIMIT)
    with TestClient(app) as client:
        yield Web(
            client=client,
            registry=registry,
            alice=_headers(registry, "alice", "haematology", "clinician"),
            carol=_headers(registry, "carol", "haematology", "counsellor"),
            bob=_headers(registry, "bob", "oncology", "clinician"),
        )


@pytest.fixture
def web(registry: Registry, mini_hpo: Hpo, kb: KnowledgeBase) -> Iterator[Web]:
    yield from make_web(registry, mini_hpo, kb)
