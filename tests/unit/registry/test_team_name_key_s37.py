"""Team names that read alike refused by the database (revision 0009, ``teams.name_key``).

``add_user`` refused a new team whose name reads as an existing one (``Haematology`` beside
``haematology``, or the same in full-width letters: one :func:`look_alike_key`) in the application only, so
two server processes creating them at the same moment on PostgreSQL could both succeed. These tests pin the
key being written, the database's own refusal past the application's check (and its answer: the check's
one-line ``InputError``), the upgrade of a registry that already holds such teams (refused, nothing changed),
the revision going down and up again, and backups of this revision and the one before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from argon2 import PasswordHasher
from sqlalchemy import URL, Engine, Table, insert, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marbledx.cli import main
from marbledx.errors import InputError
from marbledx.registry import Registry, RegistryError
from marbledx.registry._backup import RESTORABLE_REVISIONS
from marbledx.registry._checks import look_alike_key
from marbledx.registry._db import head_revision
from marbledx.registry._models import Base, Team, utcnow

from .helpers import PASSWORD, backup_rows, migration_database, racing_adds, rewrite

TEAMS = cast("Table", Team.__table__)
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
FULL_WIDTH = "\uff48aematology"  # "haematology" with a full-width "h" (U+FF48)


def _refused(team: str, existing: str) -> str:
    """The application check's message for a new team reading as an existing one."""
    return (
        f"team {team!r} would be a new team but reads as the existing team {existing!r}; expected that "
        "team's exact name, or a clearly different one"
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[URL, Any, Engine]]:
    """An empty database (SQLite file, or the test PostgreSQL database wiped before and after), the Alembic
    configuration pointed at it and an engine on it."""
    with migration_database(request.param, tmp_path) as made:
        yield made


def _open(url: URL, tmp_path: Path) -> Registry:
    return Registry.open(url, uploads_dir=tmp_path / "uploads", password_hasher=CHEAP)


def _teams(engine: Engine) -> dict[str, str | None]:
    """Every team's name and key (None before revision 0009)."""
    with engine.connect() as connection:
        if "name_key" not in {c["name"] for c in inspect(connection).get_columns("teams")}:
            return dict.fromkeys(connection.execute(text("SELECT name FROM teams")).scalars())
        return {row[0]: row[1] for row in connection.execute(text("SELECT name, name_key FROM teams"))}


def _revision(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


# -- the key, and the database's refusal ------------------------------------------------------------------


def test_the_key_is_the_names_look_alike_key(database: tuple[URL, Any, Engine], tmp_path: Path) -> None:
    url, _, engine = database
    with _open(url, tmp_path) as registry:
        registry.add_user("alice", "Haematology", "clinician", PASSWORD)
        registry.add_user(
            "bob", "Klinik  für Kinder", "clinician", PASSWORD
        )  # spaces collapsed by check_team
        registry.add_user("carol", "STRASSE", "clinician", PASSWORD)
    assert _teams(engine) == {
        "Haematology": "haematology",
        "Klinik für Kinder": "klinik für kinder",
        "STRASSE": "strasse",
    }
    assert look_alike_key("Straße") == "strasse"  # case folding, not lower(): ß folds to ss


@pytest.mark.parametrize("made_by", ["migrations", "models"])
def test_the_database_refuses_a_look_alike_team(
    database: tuple[URL, Any, Engine], tmp_path: Path, made_by: str
) -> None:
    """Past the application's check (a Core insert, an ORM insert), on the migrated schema and on
    ``create_all``'s."""
    url, _, engine = database
    if made_by == "migrations":
        _open(url, tmp_path).close()
    else:
        Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(TEAMS), [{"name": "haematology", "created_at": utcnow()}])  # key: default
    for clash in (
        {"name": "Haematology"},
        {"name": FULL_WIDTH},
        {"name": "HAEMATOLOGY", "name_key": "haematology"},
    ):
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert(TEAMS), [dict(clash, created_at=utcnow())])
    with pytest.raises(IntegrityError), Session(engine) as session, session.begin():
        session.add(Team(name="Haematology", name_key=look_alike_key("Haematology"), created_at=utcnow()))
    assert _teams(engine) == {"haematology": "haematology"}


def test_add_user_answers_a_team_created_after_its_check(
    database: tuple[URL, Any, Engine], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another server process creates ``haematology`` after ``add_user`` checked ``Haematology`` and before
    it inserted: the database refuses the insert, and ``add_user`` answers with its own check's one-line
    ``InputError``, without the database error (which quotes the password's hash) chained.

    On PostgreSQL the other team is committed from another session right after the check. SQLite's writers
    wait for each other, so the check there is made not to see the team, which was there before."""
    url, _, engine = database
    checked = Registry._check_new_team
    backend = url.get_backend_name()

    def check_then_lose_the_race(session: Session, team: str) -> None:
        if backend == "sqlite":
            return  # as if the other process's team were committed only after this check
        checked(session, team)
        with engine.begin() as other:
            other.execute(insert(TEAMS), [{"name": "haematology", "created_at": utcnow()}])

    with _open(url, tmp_path) as registry:
        if backend == "sqlite":
            registry.add_user("alice", "haematology", "clinician", PASSWORD)
        monkeypatch.setattr(Registry, "_check_new_team", staticmethod(check_then_lose_the_race))
        with pytest.raises(InputError) as caught:
            registry.add_user("bob", "Haematology", "clinician", PASSWORD)
        monkeypatch.undo()
        assert str(caught.value) == _refused("Haematology", "haematology")
        assert caught.value.__cause__ is None
        assert caught.value.__suppress_context__
        assert "bob" not in {u.name for u in registry.list_users()}
        # The team's own name joins it, as before.
        registry.add_user("bob", "haematology", "clinician", PASSWORD)
    assert _teams(engine) == {"haematology": "haematology"}


def test_two_racing_look_alike_teams_make_one(database: tuple[URL, Any, Engine], tmp_path: Path) -> None:
    """Two adds creating ``Haematology`` and ``haematology`` that both pass the check before either inserts
    (two server processes on PostgreSQL): one team is made, the other add gets the check's InputError."""
    url, _, engine = database
    if url.get_backend_name() == "sqlite":
        pytest.skip("SQLite serialises writers before the check; the race needs two PostgreSQL sessions")
    with _open(url, tmp_path) as registry:
        adds = [("alice", "Haematology"), ("bob", FULL_WIDTH)]
        outcome = {team: result for (_, team), result in racing_adds(registry, Team, adds, PASSWORD).items()}
        made = [team for team, result in outcome.items() if not isinstance(result, Exception)]
        assert len(made) == 1, outcome
        (lost,) = {"Haematology", FULL_WIDTH} - set(made)
        error = outcome[lost]
        assert isinstance(error, InputError)
        assert str(error) == _refused(lost, made[0])
        assert error.__cause__ is None
        assert [u.team for u in registry.list_users()] == made
    assert _teams(engine) == {made[0]: "haematology"}


# -- upgrading a registry that already holds look-alike teams ----------------------------------------------


def _add_teams(engine: Engine, *names: str) -> None:
    """Teams written straight into a registry of revision 0008 (before the key), as two racing server
    processes could have left them; each with an account."""
    with engine.begin() as connection:
        for number, name in enumerate(names):
            team = connection.execute(
                text("INSERT INTO teams (name, created_at) VALUES (:name, :at) RETURNING id"),
                {"name": name, "at": utcnow()},
            ).scalar_one()
            connection.execute(
                text(
                    "INSERT INTO users (name, name_key, team_id, role, password_hash, active, created_at) "
                    "VALUES (:name, :name, :team, 'clinician', 'x', true, :at)"
                ),
                {"name": f"user{number}", "team": team, "at": utcnow()},
            )


def test_the_upgrade_refuses_look_alike_teams_and_changes_nothing(
    database: tuple[URL, Any, Engine], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, config, engine = database
    command.upgrade(config, "0008")
    names = ["Haematology", "haematology", FULL_WIDTH, "oncology", "Oncology", "neonatology"]
    _add_teams(engine, *names)
    expected = (
        "cannot upgrade the registry to schema revision 0009: 2 group(s) of team names read alike "
        f"('Haematology' and 'haematology' and {FULL_WIDTH!r}; 'Oncology' and 'oncology': the same after NFKC "
        "and case folding), which would read as one team; rename all but one of each with the database's own "
        "tool (marbledx cannot rename a team), e.g. UPDATE teams SET name = 'haematology 2' WHERE name = "
        "'Haematology', then open the registry again; nothing was changed"
    )
    with pytest.raises(RegistryError) as caught:
        _open(url, tmp_path)
    assert str(caught.value) == expected
    assert _revision(engine) == "0008"
    assert _teams(engine) == dict.fromkeys(names)  # no column, no team dropped or merged

    # The command line says it in one line, without a traceback.
    assert main(["users", "list", "--database", url.render_as_string(hide_password=False)]) == 2
    assert capsys.readouterr().err == f"marbledx: error: {expected}\n"

    with engine.begin() as connection:  # as the message says
        connection.execute(text("UPDATE teams SET name = 'haematology 2' WHERE name = 'Haematology'"))
        connection.execute(text("UPDATE teams SET name = 'haematology 3' WHERE name = :n"), {"n": FULL_WIDTH})
        connection.execute(text("UPDATE teams SET name = 'oncology 2' WHERE name = 'Oncology'"))
    with _open(url, tmp_path) as registry:
        assert registry.schema_revision() == head_revision()
        with pytest.raises(InputError, match="reads as the existing team 'haematology 2'"):
            registry.add_user("dora", "Haematology  2", "clinician", PASSWORD)
    assert _teams(engine) == {
        n: n
        for n in ("haematology 2", "haematology", "haematology 3", "oncology", "oncology 2", "neonatology")
    }


def test_many_look_alike_groups_are_counted_in_one_line(
    database: tuple[URL, Any, Engine], tmp_path: Path
) -> None:
    url, config, engine = database
    command.upgrade(config, "0008")
    _add_teams(engine, *(name for n in range(5) for name in (f"team {n}", f"TEAM {n}")))
    with pytest.raises(
        RegistryError, match=r"0009: 5 group\(s\) .*'TEAM 2' and 'team 2'; and 2 more:"
    ) as caught:
        _open(url, tmp_path)
    assert "\n" not in str(caught.value)
    assert _revision(engine) == "0008"


def test_revision_0009_goes_down_and_up_keeping_the_teams(
    database: tuple[URL, Any, Engine], tmp_path: Path
) -> None:
    """Downgraded to 0008, the teams, their accounts, tokens and cases stay (SQLite copies ``teams``, which
    other tables refer to); upgraded again, every team gets its key back and the head is the models'."""
    url, config, engine = database
    with _open(url, tmp_path) as registry:
        alice = registry.add_user("alice", "Haematology", "clinician", PASSWORD)
        token = registry.issue_token(alice)
        case = registry.create_case(alice, "patient 7")
    command.downgrade(config, "0008")
    assert _teams(engine) == {"Haematology": None}
    with _open(url, tmp_path) as registry:  # to the head again
        assert registry.user_for_token(token) == alice
        assert registry.get_case(alice, case.id).label == "patient 7"
        with pytest.raises(InputError, match="reads as the existing team 'Haematology'"):
            registry.add_user("bob", FULL_WIDTH, "clinician", PASSWORD)
    assert _teams(engine) == {"Haematology": "haematology"}
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


# -- backups -------------------------------------------------------------------------------------------


def _as_revision_0008(archive: Path, out: Path, teams: list[dict[str, Any]] | None = None) -> None:
    """The backup as revision 0008 wrote it: its team rows without ``name_key``."""
    manifest, rows = backup_rows(archive, "teams")
    old = [{k: v for k, v in row.items() if k != "name_key"} for row in (teams or rows)]
    change: dict[str, bytes | None] = {
        "manifest.json": json.dumps(
            dict(manifest, schema_revision="0008", tables=dict(manifest["tables"], teams=len(old)))
        ).encode(),
        "tables/teams.jsonl": "".join(json.dumps(row) + "\n" for row in old).encode(),
    }
    rewrite(archive, out, change, fix_manifest=True)


@pytest.fixture
def target(database: tuple[URL, Any, Engine], tmp_path: Path) -> Iterator[Registry]:
    """An empty registry on either backend: the target of the restores."""
    with Registry.open(database[0], uploads_dir=tmp_path / "target-uploads", password_hasher=CHEAP) as opened:
        yield opened


def test_a_backup_carries_the_key_and_round_trips(
    registry: Registry, target: Registry, database: tuple[URL, Any, Engine], tmp_path: Path
) -> None:
    alice = registry.add_user("alice", "Haematology", "clinician", PASSWORD)
    archive = tmp_path / "backup.tar.gz"
    assert registry.backup(archive)["schema_revision"] == head_revision()
    assert [(r["name"], r["name_key"]) for r in backup_rows(archive, "teams")[1]] == [
        ("Haematology", "haematology")
    ]
    target.restore(archive)
    assert _teams(database[2]) == {"Haematology": "haematology"}
    assert target.list_users() == [alice]
    with pytest.raises(InputError, match="reads as the existing team 'Haematology'"):
        target.add_user("bob", FULL_WIDTH, "clinician", PASSWORD)


def test_a_backup_of_revision_0008_restores_with_the_key(
    registry: Registry, target: Registry, database: tuple[URL, Any, Engine], tmp_path: Path
) -> None:
    assert "0008" in RESTORABLE_REVISIONS
    alice = registry.add_user("alice", "Haematology", "clinician", PASSWORD)
    archive = tmp_path / "backup.tar.gz"
    registry.backup(archive)
    older = tmp_path / "backup-0008.tar.gz"
    _as_revision_0008(archive, older)
    assert target.restore(older)["schema_revision"] == "0008"
    assert _teams(database[2]) == {"Haematology": "haematology"}
    assert target.list_users() == [alice]
    with pytest.raises(InputError, match="reads as the existing team 'Haematology'"):
        target.add_user("bob", "haematology", "clinician", PASSWORD)


def test_a_backup_with_an_edited_key_restores_with_the_names_key(
    registry: Registry, target: Registry, database: tuple[URL, Any, Engine], tmp_path: Path
) -> None:
    """No CHECK constraint holds the key to the name: the restore computes it, never trusting the backup."""
    registry.add_user("alice", "Haematology", "clinician", PASSWORD)
    archive = tmp_path / "backup.tar.gz"
    registry.backup(archive)
    rows = backup_rows(archive, "teams")[1]
    edited = tmp_path / "edited.tar.gz"
    lines = "".join(json.dumps(dict(row, name_key="something else")) + "\n" for row in rows)
    rewrite(archive, edited, {"tables/teams.jsonl": lines.encode()}, fix_manifest=True)
    target.restore(edited)
    assert _teams(database[2]) == {"Haematology": "haematology"}


def test_a_backup_with_look_alike_teams_is_refused_before_anything_changes(
    registry: Registry,
    target: Registry,
    database: tuple[URL, Any, Engine],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A 0008 registry could hold them (only the application refused them): its backup is refused in one
    line naming the teams, and the target keeps what it had."""
    registry.add_user("alice", "Haematology", "clinician", PASSWORD)
    archive = tmp_path / "backup.tar.gz"
    registry.backup(archive)
    (team,) = backup_rows(archive, "teams")[1]
    older = tmp_path / "backup-0008.tar.gz"
    _as_revision_0008(archive, older, [team, dict(team, id=team["id"] + 1, name=FULL_WIDTH)])
    target.add_user("dora", "neonatology", "admin", PASSWORD)
    expected = (
        f"cannot restore the backup {older}: 1 group(s) of its team names read alike ('Haematology' and "
        f"{FULL_WIDTH!r}: the same after NFKC and case folding), which would read as one team and which this "
        "marbledx's registry refuses (schema revision 0009); restore it with the marbledx version that wrote "
        "it, rename all but one of each with the database's own tool, and back it up again; nothing was "
        "restored"
    )
    with pytest.raises(RegistryError) as caught:
        target.restore(older, force=True)
    assert str(caught.value) == expected
    assert [u.name for u in target.list_users()] == ["dora"]
    assert _teams(database[2]) == {"neonatology": "neonatology"}

    # The command line says the same in one line.
    database_url = database[0].render_as_string(hide_password=False)
    restore = [
        "restore",
        str(older),
        "--database",
        database_url,
        "--uploads-dir",
        str(tmp_path / "target-uploads"),
    ]
    assert main([*restore, "--force"]) == 2
    assert capsys.readouterr().err == f"marbledx: error: {expected}\n"
    assert _teams(database[2]) == {"neonatology": "neonatology"}
