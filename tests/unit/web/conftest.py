"""Fixtures for the web tests: a fresh registry, the app over it, and tokens of three users.

Every test that uses the registry runs twice: on a SQLite file and on the PostgreSQL test server named by
``MARBLEDX_TEST_POSTGRES_URL`` (see ``tests/postgres.py``; skipped without it, a failure under CI).
"""

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

from ...postgres import open_clean, postgres_url_or_skip

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


@pytest.fixture(params=["sqlite", "postgresql"])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Registry]:
    """An empty registry with cheap argon2 parameters: a new SQLite file, or the PostgreSQL test server's
    database with every table dropped and re-created. Uploads go to ``tmp_path / "uploads"`` on both."""
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    uploads = tmp_path / "uploads"
    if request.param == "postgresql":
        opened = open_clean(postgres_url_or_skip(), uploads_dir=uploads, password_hasher=hasher)
    else:
        opened = Registry.open(
            f"sqlite:///{tmp_path / 'registry.sqlite3'}", uploads_dir=uploads, password_hasher=hasher
        )
    with opened:
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


@pytest.fixture
def admin(web: Web) -> dict[str, str]:
    """dana, an admin of alice's and carol's team (haematology), and her API token's header."""
    dana = web.registry.add_user("dana", "haematology", "admin", PASSWORD)
    return {"Authorization": f"Bearer {web.registry.issue_token(dana)}"}


def _browser(web: Web) -> TestClient:
    return TestClient(web.client.app, base_url="https://testserver", follow_redirects=False)  # type: ignore[arg-type]


@pytest.fixture
def browsers(web: Web) -> Iterator[tuple[TestClient, TestClient]]:
    """Two browsers over HTTPS (Secure cookies): two users, or two sessions of one user."""
    with _browser(web) as first, _browser(web) as second:
        yield first, second
