"""The registry on a real PostgreSQL server, and backups across SQLite and PostgreSQL.

The server is named by ``MARBLEDX_TEST_POSTGRES_URL`` (see ``tests/postgres.py``): every table of its
database is dropped and re-created per test. Without the variable the tests are skipped, except under CI
(``CI=true``), where that is a failure: ``.ci/run`` must have started the server.
"""

from __future__ import annotations

import io
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from argon2 import PasswordHasher
from sqlalchemy import select

from marbledx.cli import _registry_cmd
from marbledx.errors import InputError
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    Registry,
    RegistryError,
    UserInfo,
    head_revision,
)
from marbledx.registry._models import Base
from marbledx.registry._models import Case as CaseRow
from marbledx.report import analyze

from ..conftest import TESTS
from ..postgres import open_clean, postgres_url_or_skip
from ..unit.registry.helpers import PASSWORD, VCF, populate, rewrite, snapshot

EXAMPLE = TESTS.parent / "examples" / "infant-aro.json"


@pytest.fixture(scope="module")
def postgres_url() -> str:
    """The test server's URL; the module is skipped without one (a failure under CI)."""
    return postgres_url_or_skip()


@pytest.fixture
def hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def pg(postgres_url: str, tmp_path: Path, hasher: PasswordHasher) -> Iterator[Registry]:
    """The registry on the test server, every table dropped and re-created."""
    with open_clean(postgres_url, uploads_dir=tmp_path / "pg-uploads", password_hasher=hasher) as registry:
        yield registry


@pytest.fixture
def lite(tmp_path: Path, hasher: PasswordHasher) -> Iterator[Registry]:
    with Registry.open(
        f"sqlite:///{tmp_path / 'lite.sqlite3'}",
        uploads_dir=tmp_path / "lite-uploads",
        password_hasher=hasher,
    ) as registry:
        yield registry


def test_migrations_match_the_models_on_postgres(pg: Registry) -> None:
    assert pg.dialect == "postgresql"
    assert pg.schema_revision() == head_revision()
    with pg.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    Registry.open(pg.url, uploads_dir=pg.uploads_dir).close()  # idempotent


def test_access_rules_and_audit_on_postgres(pg: Registry) -> None:
    alice = pg.add_user("alice", "haematology", "clinician", PASSWORD)
    carol = pg.add_user("carol", "haematology", "counsellor", PASSWORD)
    bob = pg.add_user("bob", "oncology", "clinician", PASSWORD)
    assert pg.authenticate("alice", PASSWORD) == alice
    assert pg.authenticate("alice", "wrong password") is None
    case = pg.create_case(alice, "patient 7", age_days=30)
    with pytest.raises(NotFoundError):
        pg.get_case(bob, case.id)
    with pytest.raises(PermissionDeniedError):
        pg.delete_case(carol, case.id)
    pg.update_case(carol, case.id, version=1, sex="male")
    with pytest.raises(ConflictError):
        pg.update_case(alice, case.id, version=1, sex="female")
    pg.get_case(alice, case.id)
    pg.delete_case(alice, case.id)
    assert [e.action for e in reversed(pg.audit_log(alice, case.id))] == [
        "create",
        "update",
        "view",
        "delete",
    ]
    assert pg.audit_log(bob) == []
    secret = pg.issue_token(bob)
    assert pg.user_for_token(secret) == bob
    (token,) = pg.list_tokens(bob)
    pg.revoke_token(bob, token.id)
    assert pg.user_for_token(secret) is None


def test_concurrent_writers_conflict_on_postgres(pg: Registry) -> None:
    alice = pg.add_user("alice", "haematology", "clinician", PASSWORD)
    case = pg.create_case(alice, "patient 7")

    # Two transactions read version 1; the second one's write is refused once the first has committed.
    def late_writer() -> None:
        with pg.unit_of_work() as late:
            row = late.scalars(select(CaseRow).where(CaseRow.public_id == case.id)).one()
            pg.update_case(alice, case.id, version=1, label="first")
            row.label = "second"
            late.flush()

    with pytest.raises(ConflictError):
        late_writer()
    assert pg.get_case(alice, case.id).label == "first"
    _race(pg, alice, case.id, version=2)


def _race(registry: Registry, user: UserInfo, case_id: str, *, version: int) -> None:
    """Eight threads update the same version of a case: exactly one wins, the others get a conflict."""
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def attempt(number: int) -> None:
        barrier.wait()
        try:
            registry.update_case(user, case_id, version=version, label=f"writer {number}")
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * 7 + ["ok"]
    assert registry.get_case(user, case_id).version == version + 1


def test_concurrent_writers_conflict_on_sqlite(lite: Registry) -> None:
    alice = lite.add_user("alice", "haematology", "clinician", PASSWORD)
    case = lite.create_case(alice, "patient 7")
    _race(lite, alice, case.id, version=1)


def test_labs_and_uploads_on_postgres(pg: Registry) -> None:
    alice = pg.add_user("alice", "haematology", "clinician", PASSWORD)
    case = pg.create_case(alice, "patient 7")
    pg.add_lab(alice, case.id, "calcium", 1.9, "mmol/L")
    pg.add_lab(alice, case.id, "calcium", 2.1, "mmol/L", measured_on="2025-02-01")
    pg.add_lab(alice, case.id, "calcium", 1.7, "mmol/L", measured_on="2024-12-01")
    assert [lab.value for lab in pg.list_labs(alice, case.id)] == [1.7, 2.1, 1.9]  # undated last
    upload = pg.store_upload(alice, case.id, "vcf", io.BytesIO(VCF), max_bytes=1000, original_name="a.vcf")
    assert pg.open_upload(alice, case.id, upload.id)[1].read_bytes() == VCF


def test_nul_characters_on_postgres(pg: Registry) -> None:
    """PostgreSQL refuses NUL in text, even as a query parameter: it is refused input, or matches nothing."""
    alice = pg.add_user("alice", "haematology", "clinician", PASSWORD)
    assert pg.authenticate("alice\x00", PASSWORD) is None
    with pytest.raises(InputError, match="NUL"):
        pg.add_user("dora", "haem\x00atology", "clinician", PASSWORD)
    with pytest.raises(InputError, match="NUL"):
        pg.create_case(alice, "patient\x007")
    case = pg.create_case(alice, "patient 7")
    with pytest.raises(InputError, match="NUL"):
        pg.add_lab(alice, case.id, "calcium\x00", 1.9, "mmol/L")
    with pytest.raises(NotFoundError):
        pg.get_case(alice, case.id + "\x00")
    assert pg.list_labs(alice, case.id, analyte="calcium\x00") == []
    upload = pg.store_upload(
        alice, case.id, "vcf", io.BytesIO(VCF), max_bytes=1000, original_name="a\x00.vcf"
    )
    assert upload.original_name == "a.vcf"


def test_backup_sqlite_to_postgres(lite: Registry, pg: Registry, tmp_path: Path) -> None:
    made = populate(lite)
    before = snapshot(lite, made["alice"], made["case"])
    lite.backup(tmp_path / "backup.tar.gz")
    manifest = pg.restore(tmp_path / "backup.tar.gz")
    assert manifest["source_dialect"] == "sqlite"
    assert pg.counts() == lite.counts()
    alice = pg.authenticate("alice", PASSWORD)
    assert alice is not None
    assert pg.user_for_token(made["token"]) == alice
    assert snapshot(pg, alice, made["case"]) == before
    assert pg.open_upload(alice, made["case"], made["upload"].id)[1].read_bytes() == VCF
    # The id sequences continue after the restored rows.
    dora = pg.add_user("dora", "haematology", "admin", PASSWORD)
    case = pg.create_case(dora, "patient 11")
    pg.add_lab(dora, case.id, "haemoglobin", 9.0, "g/dL")
    assert len(pg.list_cases(dora)) == 2


def test_backup_postgres_to_sqlite(lite: Registry, pg: Registry, tmp_path: Path) -> None:
    made = populate(pg)
    before = snapshot(pg, made["alice"], made["case"])
    manifest = pg.backup(tmp_path / "backup.tar.gz")
    assert manifest["source_dialect"] == "postgresql"
    assert "registry.sqlite3" not in manifest["files"]
    lite.restore(tmp_path / "backup.tar.gz")
    assert lite.counts() == pg.counts()
    alice = lite.authenticate("alice", PASSWORD)
    assert alice is not None
    assert snapshot(lite, alice, made["case"]) == before


def test_corrupt_backup_leaves_postgres_untouched(lite: Registry, pg: Registry, tmp_path: Path) -> None:
    populate(lite)
    good = tmp_path / "backup.tar.gz"
    lite.backup(good)
    dora = pg.add_user("dora", "neonatology", "admin", PASSWORD)
    mine = pg.create_case(dora, "patient 1")
    before = pg.counts()
    with tarfile.open(good, "r:gz") as tar:
        findings = tar.extractfile("tables/findings.jsonl").read()  # type: ignore[union-attr]
    bad = tmp_path / "bad.tar.gz"
    rewrite(
        good,
        bad,
        {"tables/findings.jsonl": findings.replace(b'"case_id": 1', b'"case_id": 999')},
        fix_manifest=True,
    )
    with pytest.raises(RegistryError, match="rolled back"):
        pg.restore(bad, force=True)
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(good.read_bytes()[:300])
    with pytest.raises(RegistryError, match="nothing was restored"):
        pg.restore(truncated, force=True)
    assert pg.counts() == before
    assert pg.get_case(dora, mine.id).label == "patient 1"


def test_cli_restore_into_postgres(
    lite: Registry, pg: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    populate(lite)
    lite.backup(tmp_path / "backup.tar.gz")
    args: Any = type("Args", (), {})()
    args.archive, args.database, args.uploads_dir, args.force = (
        tmp_path / "backup.tar.gz",
        str(pg.url.render_as_string(hide_password=False)),
        pg.uploads_dir,
        False,
    )
    assert _registry_cmd.run_restore(args) == 0
    assert "2 cases, 3 users in 2 teams" in capsys.readouterr().out
    assert pg.counts() == lite.counts()


def test_a_real_analysis_is_stored_in_postgres(pg: Registry, real_hpo: Hpo, kb: KnowledgeBase) -> None:
    alice = pg.add_user("alice", "haematology", "clinician", PASSWORD)
    case = pg.create_case(alice, "infant")
    report = analyze(EXAMPLE, hpo=real_hpo, kb=kb)
    stored = pg.record_analysis(alice, case.id, report)
    assert stored.hpo_release == real_hpo.version
    again = pg.get_analysis(alice, case.id)
    assert again.result == report.to_dict()
    assert again.result["care_plan"]["hsct"]["decision"] == report.care_plan.hsct.decision
