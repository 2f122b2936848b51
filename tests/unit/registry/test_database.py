"""Database URLs, the default location, migrations versus the models, and opening without migration."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from marbledx.errors import InputError
from marbledx.registry import Registry, RegistryError, default_database_url, head_revision, normalise_url
from marbledx.registry._models import Base

from .helpers import migration_database


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db.example/reg", "postgresql+psycopg://u:***@db.example/reg"),
        ("postgres://u@db.example:5433/reg", "postgresql+psycopg://u@db.example:5433/reg"),
        ("postgresql+psycopg2://u@h/reg", "postgresql+psycopg://u@h/reg"),
        ("sqlite:////srv/registry.sqlite3", "sqlite:////srv/registry.sqlite3"),
        ("/srv/registry.sqlite3", "sqlite:////srv/registry.sqlite3"),
    ],
)
def test_normalise_url(given: str, expected: str) -> None:
    assert normalise_url(given).render_as_string(hide_password=True) == expected


@pytest.mark.parametrize(
    "given", ["mysql://u@h/db", "postgresql+asyncpg://u@h/db", "", "sqlite+aiosqlite:///x"]
)
def test_unsupported_urls(given: str) -> None:
    with pytest.raises(InputError, match="expected"):
        normalise_url(given)


def test_default_url_is_sqlite_in_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MARBLEDX_DATA_DIR", str(tmp_path / "data"))
    assert default_database_url() == f"sqlite:///{tmp_path / 'data' / 'registry.sqlite3'}"
    with Registry.open() as registry:
        assert registry.dialect == "sqlite"
        assert registry.uploads_dir == tmp_path / "data" / "uploads"
    assert (tmp_path / "data" / "registry.sqlite3").is_file()
    monkeypatch.setenv("MARBLEDX_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}")
    assert normalise_url(None).database == str(tmp_path / "elsewhere.sqlite3")


def test_migration_head_matches_the_models(registry: Registry) -> None:
    assert registry.schema_revision() == head_revision()
    with registry.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_open_is_idempotent_and_without_migration_checks_the_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    with pytest.raises(RegistryError, match="holds no marbledx registry"):
        Registry.open(url, migrate=False)
    Registry.open(url).close()
    Registry.open(url).close()
    with Registry.open(url, migrate=False) as registry:
        assert registry.schema_revision() == head_revision()
        assert registry.is_empty()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    engine.dispose()
    with pytest.raises(RegistryError, match="newer than this marbledx knows"):
        Registry.open(url)
    with pytest.raises(RegistryError, match="at schema revision ffff, this marbledx expects"):
        Registry.open(url, migrate=False)


def test_in_memory_sqlite(tmp_path: Path) -> None:
    with Registry.open("sqlite://", uploads_dir=tmp_path) as registry:
        user = registry.add_user("alice", "team", "admin", "a long passphrase")
        case = registry.create_case(user, "x")
        assert registry.get_case(user, case.id).label == "x"


def test_unusable_databases_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "junk.sqlite3").write_text("not a database")
    with pytest.raises(RegistryError, match="file is not a database"):
        Registry.open(str(tmp_path / "junk.sqlite3"))
    (tmp_path / "file").write_text("")
    with pytest.raises(RegistryError, match="cannot create the registry database"):
        Registry.open(str(tmp_path / "file" / "registry.sqlite3"))
    with pytest.raises(RegistryError, match="cannot open the registry database") as caught:
        Registry.open("postgresql://someone:s3cret-pw@127.0.0.1:1/registry")  # nothing listens on port 1
    assert "s3cret-pw" not in str(caught.value)
    assert "someone:***@127.0.0.1:1" in str(caught.value)


def test_sqlite_synchronous(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    for setting, value in (("FULL", 2), ("NORMAL", 1)):
        with (
            Registry.open(url, sqlite_synchronous=setting) as registry,  # type: ignore[arg-type]
            registry.engine.connect() as connection,
        ):
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == value
    with pytest.raises(InputError, match="expected FULL or NORMAL"):
        Registry.open(url, sqlite_synchronous="OFF")  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_revision_0003_keeps_the_audit_trail_and_admits_account_events(tmp_path: Path, backend: str) -> None:
    """A registry at 0002 with audit events is upgraded in place: its events are kept, the account events
    are admitted, and the constraint still refuses anything else."""
    from alembic import command
    from sqlalchemy.exc import IntegrityError

    with migration_database(backend, tmp_path) as (url, config, engine):
        command.upgrade(config, "0002")
        insert = text("INSERT INTO audit_events (at, action, detail) VALUES (:at, :action, 'x')")
        at = "2025-01-01 00:00:00" + ("+00:00" if backend == "postgresql" else "")
        with engine.begin() as connection:
            connection.execute(insert, {"at": at, "action": "view"})
        with pytest.raises(IntegrityError), engine.begin() as connection:  # not yet
            connection.execute(insert, {"at": at, "action": "token_revoked"})
        Registry.open(url, uploads_dir=tmp_path).close()  # migrates to the head
        with engine.begin() as connection:
            connection.execute(insert, {"at": at, "action": "token_revoked"})
            actions = connection.execute(text("SELECT action FROM audit_events ORDER BY id")).scalars().all()
        assert actions == ["view", "token_revoked"]
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert, {"at": at, "action": "bogus"})


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_revision_0004_adds_the_upload_samples_and_goes_back(tmp_path: Path, backend: str) -> None:
    """Downgraded to 0003, the uploads keep their rows (and the kind constraint) without the sample columns;
    upgraded again, their samples read as unknown and a new upload chooses one."""
    import io

    from alembic import command
    from argon2 import PasswordHasher
    from sqlalchemy import inspect
    from sqlalchemy.exc import IntegrityError

    with migration_database(backend, tmp_path) as (url, config, engine):
        trio = b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tKID\tDAD\tMUM\n"
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        with Registry.open(url, uploads_dir=tmp_path, password_hasher=cheap) as registry:
            alice = registry.add_user("alice", "haematology", "clinician", "correct horse battery")
            case = registry.create_case(alice, "patient 7")
            before = registry.store_upload(
                alice, case.id, "vcf", io.BytesIO(trio), max_bytes=1000, sample="KID"
            )
        assert (before.sample, before.sample_count) == ("KID", 3)

        command.downgrade(config, "0003")
        columns = {c["name"] for c in inspect(engine).get_columns("uploads")}
        assert not columns & {"sample", "samples", "sample_count"}
        with engine.connect() as connection:
            assert connection.execute(text("SELECT stored_name FROM uploads")).scalars().all() == [
                before.stored_name
            ]
        with pytest.raises(IntegrityError), engine.begin() as connection:  # the kind constraint is kept
            connection.execute(text("UPDATE uploads SET kind = 'bam'"))

        with Registry.open(url, uploads_dir=tmp_path, password_hasher=cheap) as registry:  # to the head again
            assert registry.schema_revision() == head_revision()
            (old,) = registry.case_detail(alice, case.id).uploads
            assert (old.id, old.sample, old.samples, old.sample_count) == (before.id, None, None, None)
            new = registry.store_upload(alice, case.id, "vcf", io.BytesIO(trio), max_bytes=1000, sample="MUM")
            assert (new.sample, new.samples) == ("MUM", ("KID", "DAD", "MUM"))
