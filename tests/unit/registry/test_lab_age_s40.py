"""A lab value's own age at the test (``lab_measurements.age_at_test``, schema revision 0010): the migration
up and down on a registry of revision 0009 holding a lab value, the registry's checks, and backups (the field
carried, a 0009 backup restored without it, an archive with an age that is no age refused)."""

from __future__ import annotations

import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import inspect, text

from marbledx.errors import InputError
from marbledx.registry import NewLab, Registry, RegistryError, UserInfo, head_revision

from .helpers import PASSWORD, migration_database, rewrite, snapshot

_AT = "2025-01-01 00:00:00"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_revision_0010_adds_the_age_at_the_test_and_goes_back(tmp_path: Path, backend: str) -> None:
    """A registry at 0009 with a lab value is upgraded in place: the value is kept and its age is unknown
    (read at the case's age, as before). Downgraded to 0009, the values are kept without the column (and the
    labs' index); upgraded again, their ages read as unknown and a new value keeps one."""
    from alembic import command

    at = _AT + ("+00:00" if backend == "postgresql" else "")
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with migration_database(backend, tmp_path) as (url, config, engine):
        command.upgrade(config, "0009")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO teams (id, name, name_key, created_at) VALUES (1, 'haematology', 'haematology', :at)"
                ),
                {"at": at},
            )
            connection.execute(
                text(
                    "INSERT INTO users (id, name, name_key, team_id, role, password_hash, active, created_at) "
                    "VALUES (1, 'alice', 'alice', 1, 'clinician', 'x', :active, :at)"
                ),
                {"at": at, "active": True},
            )
            connection.execute(
                text(
                    "INSERT INTO cases (id, public_id, team_id, label, age_days, created_at, created_by_id, "
                    "updated_at, updated_by_id, version) VALUES (1, '00000000-0000-4000-8000-000000000001', 1, "
                    "'patient 7', 1096.0, :at, 1, :at, 1, 1)"
                ),
                {"at": at},
            )
            connection.execute(
                text(
                    # No explicit id: PostgreSQL's sequence must advance, or the registry's next lab value
                    # would be given id 1 again.
                    "INSERT INTO lab_measurements (case_id, analyte, value, unit, measured_on, created_at, "
                    "created_by_id) VALUES (1, 'haemoglobin', 10.8, 'g/dL', '2022-05-01', :at, 1)"
                ),
                {"at": at},
            )
        assert "age_at_test" not in {c["name"] for c in inspect(engine).get_columns("lab_measurements")}

        command.upgrade(config, "0010")
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, value, age_at_test FROM lab_measurements")).all()
        assert [tuple(row) for row in rows] == [(1, 10.8, None)]

        with Registry.open(url, uploads_dir=tmp_path, password_hasher=cheap) as registry:
            assert registry.schema_revision() == head_revision()
            registry.set_password("alice", PASSWORD)
            alice = registry.authenticate("alice", PASSWORD)
            assert alice is not None
            case_id = "00000000-0000-4000-8000-000000000001"
            (old,) = registry.list_labs(alice, case_id)
            assert (old.id, old.value, old.age_at_test, old.age_at_test_days) == (1, 10.8, None, None)
            new = registry.add_lab(alice, case_id, "haemoglobin", 9.0, "g/dL", age_at_test="P8M")
            assert new.age_at_test == "P8M"

        command.downgrade(config, "0009")
        inspector = inspect(engine)
        assert "age_at_test" not in {c["name"] for c in inspector.get_columns("lab_measurements")}
        indexes = {index["name"] for index in inspector.get_indexes("lab_measurements")}
        assert "ix_lab_measurements_case_analyte_date" in indexes
        with engine.connect() as connection:
            values = (
                connection.execute(text("SELECT value FROM lab_measurements ORDER BY id")).scalars().all()
            )
        assert values == [10.8, 9.0]

        with Registry.open(url, uploads_dir=tmp_path, password_hasher=cheap) as registry:  # to the head again
            assert registry.schema_revision() == head_revision()
            labs = registry.list_labs(alice, case_id)
            assert [(lab.value, lab.age_at_test) for lab in labs] == [(10.8, None), (9.0, None)]


# -- the registry's checks -------------------------------------------------------------------------------------


def test_the_registry_keeps_an_iso_8601_age_and_refuses_anything_else(
    registry: Registry, alice: UserInfo
) -> None:
    case = registry.create_case(
        alice,
        "patient 7",
        age_days=1096,
        labs=[
            NewLab("haemoglobin", 10.8, "g/dL", "2022-05-01", age_at_test="P8M"),
            NewLab("platelets", 40, "10^9/L"),
        ],
    )
    assert [(lab.analyte, lab.age_at_test) for lab in registry.list_labs(alice, case.id)] == [
        ("haemoglobin", "P8M"),
        ("platelets", None),
    ]
    # As parse_iso_age reads it: upper case, a decimal comma as a point; days as a duration in days.
    for given, kept in (
        ("p1y6m", "P1Y6M"),
        (" P1,5Y ", "P1.5Y"),
        (60.875, "P60.875D"),
        (0, "P0D"),
        (10, "P10D"),
    ):
        assert (
            registry.add_lab(alice, case.id, "haemoglobin", 9, "g/dL", age_at_test=given).age_at_test == kept
        )
    assert (
        registry.add_lab(alice, case.id, "haemoglobin", 9, "g/dL", age_at_test="P1,5Y").age_at_test_days
        == 547.875
    )
    refused: list[tuple[Any, str]] = [
        ("8 months", "age_at_test: '8 months' is not an ISO 8601 age"),
        ("", "age_at_test: '' is not an ISO 8601 age"),
        ("P140Y", "age_at_test: 'P140Y' is older than 130 years"),
        ("P\u0668M", "is not an ISO 8601 age"),  # an Arabic-Indic eight: ASCII digits only
        ("P" + "9" * 50 + "D", "over 40 characters"),
        (-1.0, "age_at_test: -1.0 is not an age in days"),
        (float("nan"), "is not an age in days"),
        (True, "age_at_test: True is not an age"),
    ]
    for given, message in refused:
        with pytest.raises(InputError, match=message.replace("(", r"\(")):
            registry.add_lab(alice, case.id, "haemoglobin", 9, "g/dL", age_at_test=given)
    with pytest.raises(InputError, match="age_at_test: 'soon' is not an ISO 8601 age"):
        registry.create_case(alice, "x", labs=[NewLab("haemoglobin", 9, "g/dL", age_at_test="soon")])
    assert registry.count_cases(alice) == 1  # nothing of the refused case was stored


# -- backups ---------------------------------------------------------------------------------------------------


@pytest.fixture
def aged(source: tuple[Registry, dict[str, Any]]) -> tuple[Registry, dict[str, Any]]:
    """The populated registry with one more lab value, measured at 8 months."""
    registry, made = source
    registry.add_lab(
        made["alice"], made["case"], "haemoglobin", 10.8, "g/dL", measured_on="2024-06-01", age_at_test="P8M"
    )
    return registry, made


@pytest.fixture
def target(tmp_path: Path, cheap_hasher: PasswordHasher) -> Iterator[Registry]:
    """An empty registry to restore into."""
    with Registry.open(
        f"sqlite:///{tmp_path / 'target.sqlite3'}",
        uploads_dir=tmp_path / "target-uploads",
        password_hasher=cheap_hasher,
    ) as registry:
        yield registry


def _rows(archive: Path, table: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        lines = tar.extractfile(f"tables/{table}.jsonl").read().decode().splitlines()  # type: ignore[union-attr]
    return manifest, [json.loads(line) for line in lines]


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def test_a_backup_carries_the_age_at_the_test(
    aged: tuple[Registry, dict[str, Any]], target: Registry, tmp_path: Path
) -> None:
    registry, made = aged
    out = tmp_path / "backup.tar.gz"
    registry.backup(out)
    _, rows = _rows(out, "lab_measurements")
    assert sorted(str(row["age_at_test"]) for row in rows) == ["None", "None", "P8M"]
    target.restore(out)
    assert snapshot(target, made["alice"], made["case"]) == snapshot(registry, made["alice"], made["case"])
    labs = target.list_labs(made["alice"], made["case"])
    assert sorted(str(lab.age_at_test) for lab in labs) == ["None", "None", "P8M"]


def test_a_backup_of_revision_0009_restores_with_the_ages_unknown(
    aged: tuple[Registry, dict[str, Any]], target: Registry, tmp_path: Path
) -> None:
    """Revision 0010 only added a nullable column: a 0009 backup's lab rows, which lack it, restore with the
    ages unknown (read at the case's age, as they were)."""
    registry, made = aged
    out = tmp_path / "backup.tar.gz"
    registry.backup(out)
    manifest, rows = _rows(out, "lab_measurements")
    older = [{k: v for k, v in row.items() if k != "age_at_test"} for row in rows]
    old = tmp_path / "backup-0009.tar.gz"
    rewrite(
        out,
        old,
        {
            "manifest.json": json.dumps(dict(manifest, schema_revision="0009")).encode(),
            "tables/lab_measurements.jsonl": _jsonl(older),
        },
        fix_manifest=True,
    )
    target.restore(old)
    labs = target.list_labs(made["alice"], made["case"])
    assert [(lab.value, lab.age_at_test) for lab in labs] == [
        (10.8, None),
        (7.2, None),
        (8.1, None),
    ]  # by date


def test_a_backup_whose_age_at_the_test_is_no_age_is_refused(
    aged: tuple[Registry, dict[str, Any]], target: Registry, tmp_path: Path
) -> None:
    """An edited archive would store an age the analysis cannot read; refused before anything is written,
    without quoting the row."""
    registry, _ = aged
    out = tmp_path / "backup.tar.gz"
    registry.backup(out)
    _, rows = _rows(out, "lab_measurements")
    bad = [dict(row, age_at_test="eight months") if row["age_at_test"] else row for row in rows]
    edited = tmp_path / "edited.tar.gz"
    rewrite(out, edited, {"tables/lab_measurements.jsonl": _jsonl(bad)}, fix_manifest=True)
    with pytest.raises(
        RegistryError, match=r"lab_measurements\.jsonl line 3 has an age at the test that is no age"
    ) as caught:
        target.restore(edited)
    assert "eight" not in str(caught.value)
    assert target.is_empty()
