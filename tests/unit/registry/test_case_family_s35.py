"""A case's family history (schema revision 0008): the parents are related, a parent or a brother or sister
has the same condition. Stored on the case (false: no, or not stated), in its JSON, changed with the case's
version and audited like its other details, set with the findings in one write (the plain-words box), and
carried by backups; a backup of revision 0007 restores without it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from argon2 import PasswordHasher
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from marbledx.errors import InputError
from marbledx.registry import (
    ConflictError,
    FindingRecord,
    Registry,
    RegistryError,
    UserInfo,
    head_revision,
)
from marbledx.registry._backup import RESTORABLE_REVISIONS
from marbledx.registry._models import Base

from .helpers import PASSWORD, backup_rows, migration_database, rewrite

FAMILY = ("consanguineous", "affected_parent", "affected_sibling")


def _family(record: Any) -> tuple[bool, bool, bool]:
    return (record.consanguineous, record.affected_parent, record.affected_sibling)


def _details(registry: Registry, alice: UserInfo, case_id: str) -> list[str]:
    """The audit details of the case's create and update events, oldest first."""
    return [
        e.detail
        for e in reversed(registry.audit_log(alice, case_id=case_id))
        if e.action in ("create", "update")
    ]


# -- the record, its JSON and the edits ------------------------------------------------------------------


def test_a_new_case_states_no_family_history_unless_given(registry: Registry, alice: UserInfo) -> None:
    plain = registry.create_case(alice, "patient 7")
    assert _family(plain) == (False, False, False)
    assert {k: plain.to_dict()[k] for k in FAMILY} == dict.fromkeys(FAMILY, False)
    related = registry.create_case(alice, "patient 8", consanguineous=True, affected_sibling=True)
    assert _family(related) == (True, False, True)
    # The case view (Core statements) and the case list (ORM rows) read it alike.
    detail = registry.case_detail(alice, related.id)
    assert detail.case == related
    assert detail.to_dict()["consanguineous"] is True
    assert {c.id: _family(c) for c in registry.list_cases(alice)} == {
        plain.id: (False, False, False),
        related.id: (True, False, True),
    }
    assert registry.get_case(alice, related.id) == related
    assert _details(registry, alice, plain.id) == ["0 findings"]
    assert _details(registry, alice, related.id) == ["0 findings"]


def test_update_case_changes_the_family_history_with_the_version_and_audits_it(
    registry: Registry, alice: UserInfo
) -> None:
    case = registry.create_case(alice, "patient 7", findings=[FindingRecord("HP:0011002")])
    first = registry.update_case(alice, case.id, version=1, consanguineous=True, affected_parent=True)
    assert (_family(first), first.version) == ((True, True, False), 2)
    # Fields left out stay; the same values again change nothing and keep the version.
    same = registry.update_case(alice, case.id, version=2, consanguineous=True, label="patient 7")
    assert (_family(same), same.version) == ((True, True, False), 2)
    cleared = registry.update_case(alice, case.id, version=2, affected_parent=False)
    assert (_family(cleared), cleared.version) == ((True, False, False), 3)
    assert _details(registry, alice, case.id) == [
        "1 findings",
        "fields: affected_parent, consanguineous; version 2",
        "fields: none; version 2",
        "fields: affected_parent; version 3",
    ]


def test_a_stale_family_history_edit_is_a_conflict_and_writes_nothing(
    registry: Registry, alice: UserInfo, carol: UserInfo
) -> None:
    case = registry.create_case(alice, "patient 7")
    registry.update_case(carol, case.id, version=1, affected_sibling=True)  # carol saves first
    with pytest.raises(ConflictError, match="is at version 2, not 1"):
        registry.update_case(alice, case.id, version=1, consanguineous=True)
    with pytest.raises(ConflictError, match="is at version 2, not 1"):
        registry.set_findings(alice, case.id, [FindingRecord("HP:0011002")], version=1, consanguineous=True)
    now = registry.case_detail(alice, case.id)
    assert (_family(now.case), now.case.version, now.findings) == ((False, False, True), 2, ())


@pytest.mark.parametrize("value", ["yes", "no", 1, 0, None])
def test_a_family_history_field_is_true_or_false_only(
    registry: Registry, alice: UserInfo, value: object
) -> None:
    # A truthy string or number is not read as yes (nor "no" as no): a wrongly stated history shifts the
    # ranking.
    case = registry.create_case(alice, "patient 7")
    with pytest.raises(InputError, match=r"^consanguineous .* is not allowed; expected true or false$"):
        registry.update_case(alice, case.id, version=1, consanguineous=value)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"^affected_parent .* is not allowed; expected true or false$"):
        registry.create_case(alice, "patient 8", affected_parent=value)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"^consanguineous .* is not allowed; expected true or false$"):
        registry.set_findings(alice, case.id, [], consanguineous=value)  # type: ignore[arg-type]
    assert [c.id for c in registry.list_cases(alice)] == [case.id]
    assert registry.get_case(alice, case.id).version == 1


def test_set_findings_sets_consanguinity_in_the_same_write(registry: Registry, alice: UserInfo) -> None:
    """The plain-words box's write: the findings and the family history together, one version up."""
    case = registry.create_case(alice, "patient 7")
    record = registry.set_findings(
        alice, case.id, [FindingRecord("HP:0001903", source="text")], version=1, consanguineous=True
    )
    assert (_family(record), record.version) == ((True, False, False), 2)
    assert registry.case_detail(alice, case.id).findings == (FindingRecord("HP:0001903", source="text"),)
    # Already set: nothing more to say of it. Without the argument: left as it is.
    again = registry.set_findings(
        alice, case.id, [FindingRecord("HP:0001903")], version=2, consanguineous=True
    )
    kept = registry.set_findings(alice, case.id, [FindingRecord("HP:0001873")], version=3)
    assert [(r.version, r.consanguineous) for r in (again, kept)] == [(3, True), (4, True)]
    assert _details(registry, alice, case.id)[1:] == [
        "findings replaced: 1; fields: consanguineous; version 2",
        "findings replaced: 1; version 3",
        "findings replaced: 1; version 4",
    ]


# -- migration 0008 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_revision_0008_adds_the_family_history_and_goes_back(tmp_path: Path, backend: str) -> None:
    """Downgraded to 0007, the cases keep their rows, findings and sex constraint without the family
    history; upgraded again, earlier cases read as not stated (the server default), and the head's tables are
    the models'."""
    with migration_database(backend, tmp_path) as (url, config, engine):
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        with Registry.open(url, uploads_dir=tmp_path, password_hasher=cheap) as registry:
            assert registry.schema_revision() == head_revision()
            alice = registry.add_user("alice", "haematology", "clinician", PASSWORD)
            case = registry.create_case(
                alice, "patient 7", sex="female", findings=[FindingRecord("HP:0011002")], consanguineous=True
            )

        command.downgrade(config, "0007")
        columns = {c["name"] for c in inspect(engine).get_columns("cases")}
        assert not columns & set(FAMILY)
        assert {"label", "sex", "version"} <= columns
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT public_id, sex, version FROM cases")).all()
            findings = connection.execute(text("SELECT hpo_id FROM findings")).scalars().all()
        assert [tuple(r) for r in rows] == [(case.id, "female", 1)]
        assert findings == ["HP:0011002"]
        with pytest.raises(IntegrityError), engine.begin() as connection:  # the sex constraint is kept
            connection.execute(text("UPDATE cases SET sex = 'unknown'"))

        with Registry.open(url, uploads_dir=tmp_path, password_hasher=cheap) as registry:  # to the head again
            assert registry.schema_revision() == head_revision()
            again = registry.get_case(alice, case.id)
            assert (_family(again), again.version) == ((False, False, False), 1)
            assert registry.update_case(alice, case.id, version=1, affected_parent=True).affected_parent
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        # NOT NULL: no case is left without an answer (false: not stated).
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("UPDATE cases SET consanguineous = NULL"))


# -- backups -----------------------------------------------------------------------------------------------


def test_a_backup_carries_the_family_history(
    registry: Registry, alice: UserInfo, empty_target: Registry, tmp_path: Path
) -> None:
    case = registry.create_case(alice, "patient 7", consanguineous=True, affected_sibling=True)
    other = registry.create_case(alice, "patient 8", affected_parent=True)
    archive = tmp_path / "backup.tar.gz"
    assert registry.backup(archive)["schema_revision"] == head_revision()
    rows = {row["public_id"]: tuple(row[k] for k in FAMILY) for row in backup_rows(archive, "cases")[1]}
    assert rows == {case.id: (True, False, True), other.id: (False, True, False)}
    empty_target.restore(archive)
    assert empty_target.get_case(alice, case.id) == case
    assert empty_target.get_case(alice, other.id) == other


def test_a_backup_of_revision_0007_restores_without_a_family_history(
    registry: Registry, alice: UserInfo, empty_target: Registry, tmp_path: Path
) -> None:
    """Revision 0008 only added the family-history flags to cases: a 0007 backup's case rows, which lack
    them, restore as not stated."""
    assert "0007" in RESTORABLE_REVISIONS
    case = registry.create_case(alice, "patient 7", consanguineous=True)
    archive = tmp_path / "backup.tar.gz"
    registry.backup(archive)
    manifest, rows = backup_rows(archive, "cases")
    older = tmp_path / "backup-0007.tar.gz"
    rewrite(
        archive,
        older,
        {
            "manifest.json": json.dumps(dict(manifest, schema_revision="0007")).encode(),
            "tables/cases.jsonl": "".join(
                json.dumps({k: v for k, v in row.items() if k not in FAMILY}) + "\n" for row in rows
            ).encode(),
        },
        fix_manifest=True,
    )
    assert empty_target.restore(older)["schema_revision"] == "0007"
    restored = empty_target.get_case(alice, case.id)
    assert (restored.label, _family(restored), restored.version) == ("patient 7", (False, False, False), 1)


def test_a_backup_row_with_a_family_history_that_is_not_true_or_false_is_refused(
    registry: Registry, alice: UserInfo, empty_target: Registry, tmp_path: Path
) -> None:
    registry.create_case(alice, "patient 7")
    archive = tmp_path / "backup.tar.gz"
    registry.backup(archive)
    rows = backup_rows(archive, "cases")[1]
    bad = tmp_path / "bad.tar.gz"
    rewrite(
        archive,
        bad,
        {
            "tables/cases.jsonl": "".join(
                json.dumps(dict(r, consanguineous="yes")) + "\n" for r in rows
            ).encode()
        },
        fix_manifest=True,
    )
    with pytest.raises(RegistryError, match=r"tables/cases.jsonl line 1 is not a valid row"):
        empty_target.restore(bad)
    assert empty_target.is_empty()
