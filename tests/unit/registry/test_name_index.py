"""User names unique whatever their case, enforced by the database (revision 0006, ``users.name_key``).

``add_user`` refused ``Alice`` beside ``alice`` in the application only, so two server processes adding
them at the same moment on PostgreSQL could both succeed. These tests pin the database's own refusal (on a
migrated registry and on tables made from the models), the race's answer, the upgrade of a registry that
already holds such names (refused, nothing changed, a one-line message saying what to do), the revision
going down and up again, and backups of the revision before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from argon2 import PasswordHasher
from sqlalchemy import URL, Engine, create_engine, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from marbledx.cli import main
from marbledx.registry import ConflictError, Registry, RegistryError, normalise_url
from marbledx.registry._db import _config, head_revision
from marbledx.registry._models import Base, User, utcnow

from ...postgres import postgres_url_or_skip, wipe
from .helpers import PASSWORD, racing_adds, rewrite

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[URL]:
    """An empty database: a SQLite file, or the test PostgreSQL server's database wiped before and after."""
    if request.param == "sqlite":
        yield normalise_url(f"sqlite:///{tmp_path / 'r.sqlite3'}")
        return
    parsed = normalise_url(postgres_url_or_skip())
    wipe(parsed.render_as_string(hide_password=False))
    try:
        yield parsed
    finally:
        wipe(parsed.render_as_string(hide_password=False))


@pytest.fixture
def engine(url: URL) -> Iterator[Engine]:
    made = create_engine(url)
    try:
        yield made
    finally:
        made.dispose()


def _migrate(url: URL, revision: str, *, down: bool = False) -> None:
    config = _config()
    config.attributes["url"] = url.render_as_string(hide_password=False)
    (command.downgrade if down else command.upgrade)(config, revision)


def _add_rows(engine: Engine, *names: str) -> None:
    """Accounts written straight into a registry of revision 0005 (before the key), as an older marbledx
    without the application's check, or two racing server processes, could have left them."""
    with engine.begin() as connection:
        team = connection.execute(
            text("INSERT INTO teams (name, created_at) VALUES ('haematology', :at) RETURNING id"),
            {"at": utcnow()},
        ).scalar_one()
        for name in names:
            connection.execute(
                text(
                    "INSERT INTO users (name, team_id, role, password_hash, active, created_at) "
                    "VALUES (:name, :team, 'clinician', 'x', true, :at)"
                ),
                {"name": name, "team": team, "at": utcnow()},
            )


def _names(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.execute(text("SELECT name FROM users")).scalars())


def _revision(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


# -- the database's refusal --------------------------------------------------------------------------------


@pytest.mark.parametrize("made_by", ["migrations", "models"])
def test_the_database_refuses_a_name_differing_only_in_case(
    url: URL, engine: Engine, tmp_path: Path, made_by: str
) -> None:
    """Past the application's check (a Core insert), on the migrated schema and on ``create_all``'s."""
    if made_by == "migrations":
        Registry.open(url, uploads_dir=tmp_path, password_hasher=CHEAP).close()
    else:
        Base.metadata.create_all(engine)
    users = User.__table__
    with engine.begin() as connection:
        team = connection.execute(
            text(
                "INSERT INTO teams (name, name_key, created_at) VALUES ('haematology', 'haematology', :at) RETURNING id"
            ),
            {"at": utcnow()},
        ).scalar_one()
        row = {
            "team_id": team,
            "role": "clinician",
            "password_hash": "x",
            "active": True,
            "created_at": utcnow(),
        }
        connection.execute(insert(users), [dict(row, name="alice")])  # the key comes from the model's default
        assert connection.execute(select(users.c.name_key)).scalar_one() == "alice"
    for clash in ({"name": "Alice"}, {"name": "ALICE", "name_key": "alice"}):
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert(users), [dict(row, **clash)])
    with pytest.raises(IntegrityError), engine.begin() as connection:  # a key that is not the name's
        connection.execute(insert(users), [dict(row, name="Alice", name_key="alice-2")])
    assert _names(engine) == ["alice"]


def test_add_user_answers_a_race_as_its_own_check(url: URL, tmp_path: Path) -> None:
    """Two adds of ``alice`` and ``Alice`` that both pass the application's check before either inserts
    (two server processes on PostgreSQL): one account is made, the other gets the one-line ConflictError
    the check gives, without the database error (which quotes the password's hash) chained to it.

    On SQLite the race cannot happen (write transactions take the database's lock before the check), so the
    adds are held at their insert only on PostgreSQL.
    """
    if url.get_backend_name() == "sqlite":
        pytest.skip("SQLite serialises writers before the check; the race needs two PostgreSQL sessions")
    with Registry.open(url, uploads_dir=tmp_path, password_hasher=CHEAP) as registry:
        registry.add_user("bob", "haematology", "admin", PASSWORD)  # the team exists: one flush per add
        adds = [("alice", "haematology"), ("Alice", "haematology")]
        outcome = {name: result for (name, _), result in racing_adds(registry, User, adds, PASSWORD).items()}
        made = [name for name, result in outcome.items() if not isinstance(result, Exception)]
        assert len(made) == 1, outcome
        (lost,) = {"alice", "Alice"} - set(made)
        error = outcome[lost]
        assert isinstance(error, ConflictError)
        alike = " (names differing only in case look alike)"
        assert str(error) == f"user {lost!r} already exists as {made[0]!r}{alike}; expected a new user name"
        assert error.__cause__ is None
        assert error.__suppress_context__
        assert [u.name for u in registry.list_users()] == sorted(["bob", made[0]])
        with pytest.raises(
            ConflictError, match=f"already exists as {made[0]!r}"
        ):  # and the check says the same
            registry.add_user(lost, "haematology", "clinician", PASSWORD)


# -- upgrading a registry that already holds such names ----------------------------------------------------


def test_the_upgrade_refuses_names_equal_but_for_case_and_changes_nothing(
    url: URL, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _migrate(url, "0005")
    _add_rows(engine, "Alice", "alice", "bob", "BOB", "Bob", "carol")
    expected = (
        "cannot upgrade the registry to schema revision 0006: 2 group(s) of user names differ only in case "
        "('Alice' and 'alice'; 'BOB' and 'Bob' and 'bob'), which would read as one account; rename all but "
        "one of each with the database's own tool ('marbledx users rename' cannot open a registry this upgrade "
        "refused), e.g. UPDATE users SET name = 'alice-2' WHERE name = 'Alice', then open the registry again; "
        "nothing was changed"
    )
    with pytest.raises(RegistryError) as caught:
        Registry.open(url, uploads_dir=tmp_path, password_hasher=CHEAP)
    assert str(caught.value) == expected
    assert _revision(engine) == "0005"
    assert "name_key" not in {c["name"] for c in inspect(engine).get_columns("users")}
    assert _names(engine) == ["Alice", "BOB", "Bob", "alice", "bob", "carol"]  # no account dropped or merged

    # The command line says it in one line, without a traceback.
    database = url.render_as_string(hide_password=False)
    assert main(["users", "list", "--database", database]) == 2
    assert capsys.readouterr().err == f"marbledx: error: {expected}\n"

    with engine.begin() as connection:  # as the message says
        connection.execute(text("UPDATE users SET name = 'alice-2' WHERE name = 'Alice'"))
        connection.execute(text("UPDATE users SET name = 'bob-2' WHERE name = 'BOB'"))
        connection.execute(text("UPDATE users SET name = 'bob-3' WHERE name = 'Bob'"))
    with Registry.open(url, uploads_dir=tmp_path, password_hasher=CHEAP) as registry:
        assert registry.schema_revision() == head_revision()
        with pytest.raises(ConflictError, match="already exists as 'alice'"):
            registry.add_user("ALICE", "haematology", "clinician", PASSWORD)
    with engine.connect() as connection:
        keys = dict(connection.execute(text("SELECT name, name_key FROM users")).all())
    assert keys == {n: n.lower() for n in ("alice-2", "alice", "bob-2", "bob-3", "bob", "carol")}


def test_many_clashes_are_counted_in_one_line(url: URL, engine: Engine, tmp_path: Path) -> None:
    _migrate(url, "0005")
    _add_rows(engine, *(name for n in range(5) for name in (f"user{n}", f"USER{n}")))
    with pytest.raises(
        RegistryError, match=r"0006: 5 group\(s\) .*'USER2' and 'user2'; and 2 more\)"
    ) as caught:
        Registry.open(url, uploads_dir=tmp_path, password_hasher=CHEAP)
    assert "\n" not in str(caught.value)


def test_revision_0006_goes_down_and_up_keeping_the_accounts(
    url: URL, engine: Engine, tmp_path: Path
) -> None:
    """Downgraded to 0005, the accounts, their tokens and cases stay (SQLite copies ``users``, which other
    tables refer to); upgraded again, every account gets its key back."""
    with Registry.open(url, uploads_dir=tmp_path, password_hasher=CHEAP) as registry:
        alice = registry.add_user("Alice", "haematology", "clinician", PASSWORD)
        token = registry.issue_token(alice)
        case = registry.create_case(alice, "patient 7")
    _migrate(url, "0005", down=True)
    assert "name_key" not in {c["name"] for c in inspect(engine).get_columns("users")}
    _migrate(url, "head")
    with Registry.open(url, uploads_dir=tmp_path, password_hasher=CHEAP) as registry:
        assert registry.user_for_token(token) == alice
        assert registry.get_case(alice, case.id).label == "patient 7"
        with pytest.raises(ConflictError, match="already exists as 'Alice'"):
            registry.add_user("alice", "haematology", "clinician", PASSWORD)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name_key FROM users")).scalar_one() == "alice"


# -- backups -------------------------------------------------------------------------------------------


def _as_revision_0005(archive: Path, out: Path, users: list[dict[str, Any]] | None = None) -> None:
    """The backup as revision 0005 wrote it: its user rows without ``name_key``."""
    manifest, rows = _read_backup(archive)
    old = [{k: v for k, v in row.items() if k != "name_key"} for row in (users or rows)]
    tables = dict(manifest["tables"], users=len(old))
    change = {
        "manifest.json": json.dumps(dict(manifest, schema_revision="0005", tables=tables)).encode(),
        "tables/users.jsonl": "".join(json.dumps(row) + "\n" for row in old).encode(),
    }
    rewrite(archive, out, change, fix_manifest=True)


def _read_backup(archive: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    import tarfile

    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        lines = tar.extractfile("tables/users.jsonl").read().decode().splitlines()  # type: ignore[union-attr]
    return manifest, [json.loads(line) for line in lines]


def test_a_backup_carries_the_key_and_one_of_revision_0005_restores_with_it(
    registry: Registry, tmp_path: Path
) -> None:
    registry.add_user("Alice", "haematology", "clinician", PASSWORD)
    archive = tmp_path / "backup.tar.gz"
    assert registry.backup(archive)["schema_revision"] == head_revision()
    assert [row["name_key"] for row in _read_backup(archive)[1]] == ["alice"]
    older = tmp_path / "backup-0005.tar.gz"
    _as_revision_0005(archive, older)
    assert registry.restore(older, force=True)["schema_revision"] == "0005"
    with pytest.raises(ConflictError, match="already exists as 'Alice'"):
        registry.add_user("alice", "haematology", "clinician", PASSWORD)


def test_a_backup_of_revision_0005_with_names_equal_but_for_case_is_refused(
    registry: Registry, tmp_path: Path
) -> None:
    registry.add_user("Alice", "haematology", "clinician", PASSWORD)
    archive = tmp_path / "backup.tar.gz"
    registry.backup(archive)
    (alice,) = _read_backup(archive)[1]
    older = tmp_path / "backup-0005.tar.gz"
    _as_revision_0005(archive, older, [alice, dict(alice, id=alice["id"] + 1, name="alice")])
    registry.add_user("dora", "haematology", "clinician", PASSWORD)
    with pytest.raises(RegistryError, match="nothing was restored"):
        registry.restore(older, force=True)
    assert sorted(u.name for u in registry.list_users()) == ["Alice", "dora"]  # rolled back
