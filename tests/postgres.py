"""A real PostgreSQL server for the registry and API tests: its URL, and a clean database per test.

Set ``MARBLEDX_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://user:pw@127.0.0.1:54329/marbledx_test``)
to run the PostgreSQL tests; ``.ci/run`` starts a throwaway server on loopback and sets it. Every table of
that database is dropped and re-created per test, so give them a throwaway one. Without the variable the
tests are skipped, except under CI (``CI=true``), where that is a failure: the server must have been started.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from marbledx.registry import Registry, normalise_url
from marbledx.registry._models import Base

URL_ENV = "MARBLEDX_TEST_POSTGRES_URL"


def postgres_url_or_skip() -> str:
    """The test server's URL from ``MARBLEDX_TEST_POSTGRES_URL``: skips without it, fails under CI."""
    url = os.environ.get(URL_ENV, "").strip()
    if not url:
        if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
            pytest.fail(f"CI is set but {URL_ENV} is not: .ci/run should have started PostgreSQL")
        pytest.skip(f"{URL_ENV} is not set (a PostgreSQL URL; .ci/run starts a throwaway server)")
    return url


def wipe(url: str) -> None:
    """Drop every table of the database at ``url``, Alembic's included, so that opening it migrates afresh."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.begin() as connection:
            Base.metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()


def open_clean(url: str, *, uploads_dir: Path, password_hasher: PasswordHasher) -> Registry:
    """The registry on the PostgreSQL database at ``url`` with every table dropped and re-created (empty)."""
    wipe(url)
    return Registry.open(url, uploads_dir=uploads_dir, password_hasher=password_hasher)
