"""Renaming an account: ``Registry.rename_user`` and ``marbledx users rename OLD NEW``.

There was no way to rename an account (a misspelt name, a name changed at marriage) short of editing the
database by hand. These tests pin what a rename keeps (id, team, role, password, tokens, history, cases),
what it ends (sign-in sessions, the old name's sign-in throttle rows), its audit event, the refusals (an
unknown account, a taken, look-alike or invalid name, the same name, another team's account), and two
renames racing for one name, on SQLite and PostgreSQL (``MARBLEDX_TEST_POSTGRES_URL``).
"""

from __future__ import annotations

import os
import pwd
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, event, select

from marbledx.cli import main
from marbledx.errors import InputError
from marbledx.registry import (
    CommandLineActor,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    Registry,
    UserInfo,
)
from marbledx.registry import _registry as registry_module
from marbledx.registry._models import SignInThrottle
from marbledx.registry._registry import hash_token

from ...postgres import open_clean, postgres_url_or_skip, wipe
from .helpers import PASSWORD

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
ALIKE = " (names differing only in case look alike)"


@pytest.fixture(params=["sqlite", "postgresql"])
def reg(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Registry]:
    """An empty registry: a SQLite file, or the test PostgreSQL server's database wiped before and after."""
    if request.param == "sqlite":
        with Registry.open(
            f"sqlite:///{tmp_path / 'r.sqlite3'}", uploads_dir=tmp_path / "uploads", password_hasher=CHEAP
        ) as opened:
            yield opened
        return
    url = postgres_url_or_skip()
    opened = open_clean(url, uploads_dir=tmp_path / "uploads", password_hasher=CHEAP)
    try:
        yield opened
    finally:
        opened.close()
        wipe(url)


@pytest.fixture
def team(reg: Registry) -> dict[str, UserInfo]:
    """haematology: alice (clinician), carol (counsellor), dana (admin); oncology: bob (admin)."""
    return {
        "alice": reg.add_user("alice", "haematology", "clinician", PASSWORD),
        "carol": reg.add_user("carol", "haematology", "counsellor", PASSWORD),
        "dana": reg.add_user("dana", "haematology", "admin", PASSWORD),
        "bob": reg.add_user("bob", "oncology", "admin", PASSWORD),
    }


def _events(reg: Registry, team: str = "haematology") -> list[tuple[str | None, str, str | None, str]]:
    """The team's audit events, oldest first, as (user, action, case, detail)."""
    return [(e.user, e.action, e.case_id, e.detail) for e in reversed(reg.audit_log(team))]


def _throttle_accounts(reg: Registry) -> set[str]:
    with reg.engine.connect() as connection:
        return set(connection.execute(select(SignInThrottle.account)).scalars())


# -- what a rename keeps and ends ------------------------------------------------------------------------


def test_the_account_keeps_its_id_team_role_password_tokens_cases_and_history(
    reg: Registry, team: dict[str, UserInfo]
) -> None:
    alice = team["alice"]
    token = reg.issue_token(alice)
    case = reg.create_case(alice, "patient 7")
    renamed = reg.rename_user("alice", "alice.smith")
    assert renamed == UserInfo(
        id=alice.id,
        name="alice.smith",
        team="haematology",
        role="clinician",
        active=True,
        created_at=alice.created_at,
    )
    assert reg.get_user("alice.smith") == renamed
    with pytest.raises(NotFoundError, match="no user 'alice'"):
        reg.get_user("alice")
    # The same password, under the new name only; the old name is no account's now.
    assert reg.authenticate("alice.smith", PASSWORD) == renamed
    assert reg.authenticate("alice", PASSWORD) is None
    # Tokens are the account's, not the name's: the script that sends one keeps working.
    assert reg.user_for_token(token) == renamed
    assert [t.user for t in reg.list_tokens("alice.smith")] == ["alice.smith"]
    # Everything refers to the account by id: its case and its past events show the new name.
    assert reg.get_case(renamed, case.id).created_by == "alice.smith"
    assert {user for user, *_ in _events(reg)} >= {"alice.smith"}
    assert "alice" not in {user for user, *_ in _events(reg)}


def test_its_sign_in_sessions_end_and_it_signs_in_with_the_new_name(
    reg: Registry, team: dict[str, UserInfo]
) -> None:
    """The web page shows the name re-read with each request (``user_for_session``); the sessions end anyway,
    so the person signs in with the new name now, when whoever renamed the account can tell them."""
    first, second = reg.start_session("alice"), reg.start_session("alice")
    other = reg.start_session("carol")
    reg.rename_user("alice", "alice.smith")
    assert reg.user_for_session(first) is None
    assert reg.user_for_session(second) is None
    assert reg.user_for_session(other) == team["carol"]  # nobody else's
    assert _events(reg)[-1] == (
        "alice.smith",
        "update",
        None,
        "account renamed from alice to alice.smith; sessions ended: 2; by the server's command line",
    )
    fresh = reg.start_session("alice.smith")
    found = reg.user_for_session(fresh)
    assert found is not None
    assert found.name == "alice.smith"


def test_the_old_names_throttle_rows_go_and_the_new_names_stay(
    reg: Registry, team: dict[str, UserInfo]
) -> None:
    """The old name may become another account's, which must not inherit the renamed one's counters or the
    addresses it signed in from; failures typed at the new name were counted as for any name."""
    assert reg.authenticate("alice", PASSWORD, client="10.0.0.1") is not None  # marks the address
    assert reg.authenticate("alice", "wrong password!", client="10.0.0.2") is None
    assert reg.authenticate("alice.smith", "wrong password!", client="10.0.0.3") is None
    assert reg.authenticate("carol", "wrong password!", client="10.0.0.3") is None
    old, new, carol = (hash_token(name) for name in ("alice", "alice.smith", "carol"))
    assert {old, new, carol} <= _throttle_accounts(reg)
    reg.rename_user("alice", "alice.smith")
    left = _throttle_accounts(reg)
    assert old not in left
    assert {new, carol} <= left
    # A new account under the old name starts with no counters of its own.
    reg.add_user("alice", "haematology", "clinician", PASSWORD)
    assert reg.authenticate("alice", PASSWORD, client="10.0.0.9") is not None


def test_a_deactivated_account_is_renamed_and_stays_deactivated(
    reg: Registry, team: dict[str, UserInfo]
) -> None:
    token = reg.issue_token("alice")
    reg.set_active("alice", False)
    renamed = reg.rename_user("alice", "alice.smith")
    assert not renamed.active
    assert reg.user_for_token(token) is None
    assert reg.authenticate("alice.smith", PASSWORD) is None


def test_a_change_of_case_of_its_own_name_is_allowed(reg: Registry, team: dict[str, UserInfo]) -> None:
    """Only another account's name is a look-alike: ``alice`` may become ``Alice``, which then holds the
    key, so ``alice`` stays refused to everyone else."""
    assert reg.rename_user("alice", "Alice").name == "Alice"
    with pytest.raises(ConflictError, match=re.escape(f"already exists as 'Alice'{ALIKE}")):
        reg.add_user("alice", "haematology", "clinician", PASSWORD)
    assert reg.rename_user("Alice", " alice ").name == "alice"  # spaces dropped, as add_user drops them


def test_the_old_name_is_free_again(reg: Registry, team: dict[str, UserInfo]) -> None:
    reg.rename_user("alice", "alice.smith")
    again = reg.add_user("ALICE", "oncology", "clinician", PASSWORD)
    assert again.id != team["alice"].id


# -- who may rename, and the audit event ----------------------------------------------------------------


def test_a_team_admin_renames_their_own_teams_accounts_only(reg: Registry, team: dict[str, UserInfo]) -> None:
    dana, carol, bob = team["dana"], team["carol"], team["bob"]
    assert reg.rename_user("alice", "alice.smith", by=dana).name == "alice.smith"
    assert _events(reg)[-1][3] == "account renamed from alice to alice.smith; sessions ended: 0; by dana"
    before = _events(reg, "oncology")
    # Another team's account reads as unknown, as for the other account actions (and its case does).
    with pytest.raises(NotFoundError, match=r"^no user 'bob'$"):
        reg.rename_user("bob", "robert", by=dana)
    with pytest.raises(PermissionDeniedError, match="for the team's admins; carol is a counsellor"):
        reg.rename_user("alice.smith", "alice", by=carol)
    assert reg.get_user("bob") == bob
    assert _events(reg, "oncology") == before
    # An admin may rename their own account; their sessions end with it.
    session = reg.start_session("dana")
    assert reg.rename_user("dana", "dana.jones", by=dana).name == "dana.jones"
    assert reg.user_for_session(session) is None


def test_the_command_line_actor_is_named(reg: Registry, team: dict[str, UserInfo]) -> None:
    reg.rename_user("carol", "carol.b", by=CommandLineActor("root", "dana"))
    assert _events(reg)[-1] == (
        "carol.b",
        "update",
        None,
        "account renamed from carol to carol.b; sessions ended: 0; "
        "by the server's command line (OS user root, sudo from dana)",
    )


# -- refusals ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "error", "message"),
    [
        ("nobody", "someone", NotFoundError, "no user 'nobody'"),
        ("alice", "carol", ConflictError, "user 'carol' already exists; expected a new user name"),
        (
            "alice",
            "CAROL",
            ConflictError,
            f"user 'CAROL' already exists as 'carol'{ALIKE}; expected a new user name",
        ),
        (
            "alice",
            "Bob",
            ConflictError,
            f"user 'Bob' already exists as 'bob'{ALIKE}; expected a new user name",
        ),
        (
            "alice",
            "a b",
            InputError,
            "new user name 'a b' is not allowed; expected 1-100 letters, digits or . _ @ - "
            "(starting with a letter or digit)",
        ),
        ("alice", "", InputError, "new user name '' is not allowed"),
        ("alice", "ålice", InputError, "new user name 'ålice' is not allowed"),
        ("alice", "x" * 101, InputError, "new user name 'xxxx"),
        (
            "alice",
            "alice",
            InputError,
            "new user name 'alice' is the account's name already; expected a different name",
        ),
        ("alice", " alice ", InputError, "new user name 'alice' is the account's name already"),
    ],
)
def test_refusals_are_one_line_and_change_nothing(
    reg: Registry, team: dict[str, UserInfo], old: str, new: str, error: type[Exception], message: str
) -> None:
    session = reg.start_session("alice")
    before = (reg.list_users(), _events(reg), _events(reg, "oncology"))
    with pytest.raises(error) as caught:
        reg.rename_user(old, new)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
    assert (reg.list_users(), _events(reg), _events(reg, "oncology")) == before
    assert reg.user_for_session(session) == team["alice"]


def test_a_name_taken_past_the_check_is_the_same_conflict(
    reg: Registry, team: dict[str, UserInfo], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As when another server process takes the name between the check and the write: the unique
    ``users.name_key`` refuses the write, and the answer is the check's, without the database error
    (which quotes the statement's parameters) chained to it."""
    monkeypatch.setattr(Registry, "_check_name_free", classmethod(lambda *_a, **_k: None))
    with pytest.raises(ConflictError) as caught:
        reg.rename_user("alice", "Carol")
    assert str(caught.value) == f"user 'Carol' already exists as 'carol'{ALIKE}; expected a new user name"
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    assert reg.get_user("alice") == team["alice"]


# -- races -------------------------------------------------------------------------------------------------


def _race(reg: Registry, renames: list[tuple[str, str]], *, hold: bool) -> dict[tuple[str, str], Any]:
    """Run the renames in parallel threads; with ``hold`` (PostgreSQL) each waits, after its checks, at its
    ``UPDATE users`` until all have got there, so each checks before any writes."""
    outcome: dict[tuple[str, str], Any] = {}
    all_checked = threading.Barrier(len(renames), timeout=30)
    waited = threading.local()

    def hold_at_update(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE USERS SET") and not getattr(waited, "done", False):
            waited.done = True
            all_checked.wait()

    def rename(old: str, new: str) -> None:
        try:
            outcome[old, new] = reg.rename_user(old, new)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcome[old, new] = exc

    if hold:
        event.listen(Engine, "before_cursor_execute", hold_at_update)
    try:
        threads = [threading.Thread(target=rename, args=pair) for pair in renames]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        if hold:
            event.remove(Engine, "before_cursor_execute", hold_at_update)
    return outcome


def test_two_renames_to_one_name_leave_one_winner(reg: Registry, team: dict[str, UserInfo]) -> None:
    """On PostgreSQL both pass the check before either writes; the unique key refuses the second, which gets
    the check's ConflictError. SQLite's writers run one at a time, so there the check refuses it."""
    outcome = _race(reg, [("alice", "pat"), ("carol", "PAT")], hold=reg.dialect == "postgresql")
    won = [pair for pair, result in outcome.items() if isinstance(result, UserInfo)]
    assert len(won) == 1, outcome
    (lost,) = set(outcome) - set(won)
    error = outcome[lost]
    assert isinstance(error, ConflictError)
    assert str(error) == f"user {lost[1]!r} already exists as {won[0][1]!r}{ALIKE}; expected a new user name"
    assert error.__cause__ is None
    names = {u.name for u in reg.list_users()}
    assert names == {won[0][1], lost[0], "dana", "bob"}
    renamed = [e for e in _events(reg) if e[1] == "update"]
    assert len(renamed) == 1  # the loser's event rolled back with its rename


def test_two_renames_of_one_account_do_not_overwrite_each_other(
    reg: Registry, team: dict[str, UserInfo]
) -> None:
    """Renamed by another server process between reading and writing, the account is not renamed again over
    it (its event would name an old name the account no longer had)."""
    postgres = reg.dialect == "postgresql"
    outcome = _race(reg, [("alice", "x1"), ("alice", "x2")], hold=postgres)
    won = [pair for pair, result in outcome.items() if isinstance(result, UserInfo)]
    assert len(won) == 1, outcome
    (lost,) = set(outcome) - set(won)
    if postgres:
        assert isinstance(outcome[lost], ConflictError)
        assert (
            str(outcome[lost])
            == "user 'alice' was renamed or changed meanwhile; nothing was changed, try again"
        )
    else:  # the second read the account after the first committed
        assert isinstance(outcome[lost], NotFoundError)
    assert reg.get_user(won[0][1]).id == team["alice"].id
    assert [e[3].split(";")[0] for e in _events(reg) if e[1] == "update"] == [
        f"account renamed from alice to {won[0][1]}"
    ]


# -- the command line ---------------------------------------------------------------------------------------


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``--database`` for the command line, with cheap argon2 parameters (the same code path)."""
    monkeypatch.delenv("SUDO_USER", raising=False)
    monkeypatch.setattr(registry_module, "PasswordHasher", lambda: CHEAP)
    path = tmp_path / "cli.sqlite3"
    with Registry.open(f"sqlite:///{path}", uploads_dir=tmp_path / "uploads", password_hasher=CHEAP) as made:
        made.add_user("alice", "haematology", "clinician", PASSWORD)
        made.add_user("carol", "haematology", "counsellor", PASSWORD)
    return ["--database", f"sqlite:///{path}"]


def test_users_rename(database: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    me = pwd.getpwuid(os.geteuid()).pw_name
    with Registry.open(database[1], password_hasher=CHEAP) as registry:
        token = registry.issue_token("alice")
        session = registry.start_session("alice")
    assert main(["users", "rename", "alice", "alice.smith", *database]) == 0
    assert capsys.readouterr().out == (
        "renamed alice to alice.smith (team haematology); sign-in sessions ended (they sign in as alice.smith "
        "from now on), API tokens kept\n"
    )
    with Registry.open(database[1], password_hasher=CHEAP) as registry:
        assert registry.user_for_session(session) is None
        user = registry.user_for_token(token)
        assert user is not None
        assert user.name == "alice.smith"
        assert _events(registry)[-1] == (
            "alice.smith",
            "update",
            None,
            f"account renamed from alice to alice.smith; sessions ended: 1; by the server's command line "
            f"(OS user {me})",
        )
    assert main(["users", "list", *database]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == ["alice.smith", "carol"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nobody", "someone"], "no user 'nobody'"),
        (["n o", "someone"], "no user 'n o'; expected an account's name (1-100 letters, digits or . _ @ -)"),
        (["alice", "Carol"], f"user 'Carol' already exists as 'carol'{ALIKE}; expected a new user name"),
        (
            ["alice", "al ice"],
            "new user name 'al ice' is not allowed; expected 1-100 letters, digits or . _ @ - "
            "(starting with a letter or digit)",
        ),
        (
            ["alice", "alice"],
            "new user name 'alice' is the account's name already; expected a different name",
        ),
    ],
)
def test_users_rename_refusals_are_one_line(
    database: list[str], capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["users", "rename", *argv, *database]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"marbledx: error: {message}\n"
    with Registry.open(database[1], password_hasher=CHEAP) as registry:
        assert [u.name for u in registry.list_users()] == ["alice", "carol"]
        assert [e[1] for e in _events(registry)] == []  # Registry.add_user without ``by`` writes none


def test_users_rename_needs_an_existing_registry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.sqlite3"
    assert main(["users", "rename", "alice", "bob", "--database", f"sqlite:///{missing}"]) == 2
    assert capsys.readouterr().err.startswith(f"marbledx: error: no registry database at {missing}")
    assert not missing.exists()


def test_users_help_lists_rename(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["users", "--help"])
    assert "rename" in capsys.readouterr().out
