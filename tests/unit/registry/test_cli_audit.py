"""Every account change made with ``marbledx users`` writes the audit event the web app writes for it.

Before, ``users add`` wrote no event at all, and the other changes were signed only "by the server's
command line", so the log could not say who on the server made them. Now each names the operating-system
account that ran the command (and sudo's invoking account).
"""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

import pytest

from marbledx.cli import _registry_cmd
from marbledx.errors import InputError
from marbledx.registry import CommandLineActor, ConflictError, Registry

from .helpers import PASSWORD
from .test_cli import _run, _stdin

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.delenv("SUDO_USER", raising=False)
    return ["--database", f"sqlite:///{tmp_path / 'r.sqlite3'}"]


def _events(database: list[str], capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str, str]]:
    """The team's audit events, oldest first, as (user, action, detail), through ``marbledx audit``."""
    capsys.readouterr()
    assert _run(["audit", "--team", "haematology", "--format", "json", *database]) == 0
    return [(e["user"], e["action"], e["detail"]) for e in reversed(json.loads(capsys.readouterr().out))]


def _add_alice(database: list[str], monkeypatch: pytest.MonkeyPatch, role: str = "clinician") -> None:
    """``marbledx users add alice`` in haematology, the password on standard input."""
    _stdin(monkeypatch, PASSWORD + "\n")
    _run(["users", "add", "alice", "--team", "haematology", "--role", role, "--password-stdin", *database])


def test_each_account_change_from_the_command_line_is_audited(
    database: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    me = pwd.getpwuid(os.geteuid()).pw_name
    by = f"by the server's command line (OS user {me})"
    _add_alice(database, monkeypatch)
    assert _events(database, capsys) == [("alice", "account_activated", f"account created (clinician); {by}")]
    _run(["users", "token", "alice", *database])
    _run(["users", "token", "alice", *database])
    _run(["users", "revoke", "alice", "1", *database])
    _run(["users", "revoke", "alice", "--all", *database])
    _stdin(monkeypatch, NEW_PASSWORD + "\n")
    _run(["users", "password", "alice", "--password-stdin", *database])
    _stdin(monkeypatch, PASSWORD + "\n")
    _run(["users", "password", "alice", "--password-stdin", "--revoke-tokens", *database])
    _run(["users", "deactivate", "alice", *database])
    _run(["users", "activate", "alice", *database])
    # Reads are not account changes: the web app's listings write no event either.
    _run(["users", "list", *database])
    _run(["users", "tokens", "alice", *database])
    assert _events(database, capsys)[1:] == [
        ("alice", "token_issued", f"token 1; {by}"),
        ("alice", "token_issued", f"token 2; {by}"),
        ("alice", "token_revoked", f"token 1; {by}"),
        ("alice", "token_revoked", f"all tokens (1); {by}"),
        ("alice", "password_changed", f"sessions ended: 0, API tokens revoked: 0 (API tokens kept); {by}"),
        ("alice", "password_changed", f"sessions ended: 0, API tokens revoked: 0; {by}"),
        ("alice", "account_deactivated", f"sessions ended: 0, API tokens revoked: 0; {by}"),
        ("alice", "account_activated", by),
    ]
    logged = json.dumps(_events(database, capsys))
    assert PASSWORD not in logged
    assert NEW_PASSWORD not in logged


def test_a_refused_change_writes_no_event(
    database: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_alice(database, monkeypatch)
    with pytest.raises(ConflictError, match="already exists"):
        _add_alice(database, monkeypatch, role="admin")
    _run(["users", "activate", "alice", *database])  # already active: nothing changes, as on the web page
    assert [action for _, action, _ in _events(database, capsys)] == ["account_activated"]


def test_sudo_names_the_account_that_invoked_it(
    database: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_registry_cmd, "_os_user", lambda: "root")
    monkeypatch.setenv("SUDO_USER", "dana")
    _add_alice(database, monkeypatch, role="admin")
    (event,) = _events(database, capsys)
    assert event[2] == "account created (admin); by the server's command line (OS user root, sudo from dana)"


def test_odd_account_names_cannot_forge_the_detail(
    database: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_registry_cmd, "_os_user", lambda: "eve); by dana\nx" + "y" * 100)
    monkeypatch.setenv("SUDO_USER", "  ")
    _add_alice(database, monkeypatch, role="admin")
    (event,) = _events(database, capsys)
    word = "eve___by_dana_x" + "y" * 49
    assert event[2] == f"account created (admin); by the server's command line (OS user {word})"


def test_a_uid_without_an_account_entry_is_named_by_its_number(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_entry(uid: int) -> None:
        raise KeyError(uid)

    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    assert _registry_cmd._os_user() == f"uid-{os.geteuid()}"


@pytest.mark.parametrize("name", ["", "a b", "x;y", "x)", "line\nbreak", "z" * 65])
def test_the_registry_refuses_an_actor_that_is_not_an_account_name(name: str) -> None:
    with pytest.raises(InputError, match="not an account name"):
        CommandLineActor(name)
    with pytest.raises(InputError, match="sudo_user"):
        CommandLineActor("root", name)


def test_the_python_api_default_is_unchanged(registry: Registry) -> None:
    """Without an actor (``by`` None) an added account writes no event and the rest say only "command line",
    as before; a CommandLineActor is what the command line passes."""
    registry.add_user("alice", "haematology", "clinician", PASSWORD)
    registry.issue_token("alice")
    registry.issue_token("alice", by=CommandLineActor("ops"))
    details = [(e.action, e.detail) for e in reversed(registry.audit_log("haematology"))]
    assert details == [
        ("token_issued", "token 1; by the server's command line"),
        ("token_issued", "token 2; by the server's command line (OS user ops)"),
    ]
