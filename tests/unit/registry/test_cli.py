"""``marbledx users``, ``backup`` and ``restore`` through their configure/run functions."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from marbledx.cli import _registry_cmd
from marbledx.errors import InputError, MarbledxError
from marbledx.registry import Registry

from .helpers import PASSWORD


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="marbledx")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, configure, run in (
        ("users", _registry_cmd.configure_users, _registry_cmd.run_users),
        ("backup", _registry_cmd.configure_backup, _registry_cmd.run_backup),
        ("restore", _registry_cmd.configure_restore, _registry_cmd.run_restore),
        ("audit", _registry_cmd.configure_audit, _registry_cmd.run_audit),
    ):
        sub = commands.add_parser(name)
        configure(sub)
        sub.set_defaults(handler=run)
    args = parser.parse_args(argv)
    return int(args.handler(args))


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_users_add_list_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = ["--database", f"sqlite:///{tmp_path / 'r.sqlite3'}"]
    _stdin(monkeypatch, PASSWORD + "\n")
    assert (
        _run(
            [
                "users",
                "add",
                "alice",
                "--team",
                "haematology",
                "--role",
                "clinician",
                "--password-stdin",
                *database,
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == "added clinician alice to team haematology\n"
    _stdin(monkeypatch, PASSWORD)
    _run(["users", "add", "bob", "--team", "oncology", "--role", "counsellor", "--password-stdin", *database])
    capsys.readouterr()
    assert _run(["users", "list", *database]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "TEAM", "ROLE", "ACTIVE", "CREATED"]
    assert [line.split()[:4] for line in lines[1:]] == [
        ["alice", "haematology", "clinician", "yes"],
        ["bob", "oncology", "counsellor", "yes"],
    ]
    _run(["users", "list", "--team", "oncology", "--format", "json", *database])
    assert [u["name"] for u in json.loads(capsys.readouterr().out)] == ["bob"]
    assert _run(["users", "token", "alice", *database]) == 0
    captured = capsys.readouterr()
    secret = captured.out.strip()
    assert "shown only now" in captured.err
    assert secret not in captured.err
    with Registry.open(database[1]) as registry:
        user = registry.user_for_token(secret)
        assert user is not None
        assert user.name == "alice"
        assert registry.authenticate("bob", PASSWORD) is not None
    _run(["users", "deactivate", "bob", *database])
    assert capsys.readouterr().out == (
        "bob is now deactivated; their sign-in sessions ended and API tokens are revoked\n"
    )
    _stdin(monkeypatch, "a new long password\n")
    _run(["users", "password", "alice", "--password-stdin", *database])
    assert capsys.readouterr().out == (
        "password of alice changed; sign-in sessions ended: 0, API tokens kept "
        "(revoke them with 'marbledx users revoke')\n"
    )
    with Registry.open(database[1]) as registry:
        assert registry.authenticate("bob", PASSWORD) is None
        assert registry.authenticate("alice", "a new long password") is not None
        assert registry.user_for_token(secret) is not None


def test_users_tokens_and_revoke(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A leaked token is revoked by its id without locking the user out; the list shows which is which."""
    database = ["--database", f"sqlite:///{tmp_path / 'r.sqlite3'}"]
    _stdin(monkeypatch, PASSWORD)
    _run(["users", "add", "carol", "--team", "t", "--role", "counsellor", "--password-stdin", *database])
    _run(["users", "token", "carol", *database])
    _run(["users", "token", "carol", *database])
    leaked, kept = capsys.readouterr().out.split()[-2:]
    with Registry.open(database[1]) as registry:
        session = registry.start_session("carol")
    assert _run(["users", "tokens", "carol", *database]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "CREATED", "LAST", "USED", "REVOKED"]
    assert [(line.split()[0], line.split()[-1]) for line in lines[1:]] == [("1", "no"), ("2", "no")]
    assert _run(["users", "revoke", "carol", "1", *database]) == 0
    assert capsys.readouterr().out == "API token 1 of carol is revoked\n"
    _run(["users", "tokens", "carol", "--format", "json", *database])
    assert [t["revoked"] for t in json.loads(capsys.readouterr().out)] == [True, False]
    with Registry.open(database[1]) as registry:
        assert registry.user_for_token(leaked) is None
        assert registry.user_for_token(kept) is not None
        assert registry.user_for_session(session) is not None
    with pytest.raises(MarbledxError, match="no token 7 of user 'carol'"):
        _run(["users", "revoke", "carol", "7", *database])
    _stdin(monkeypatch, "a new long password\n")
    _run(["users", "password", "carol", "--password-stdin", "--revoke-tokens", *database])
    assert (
        capsys.readouterr().out
        == "password of carol changed; sign-in sessions ended: 1, API tokens revoked: 1\n"
    )
    with Registry.open(database[1]) as registry:
        assert registry.user_for_session(session) is None
        assert registry.user_for_token(kept) is None
    assert _run(["users", "revoke", "carol", "--all", *database]) == 0
    assert capsys.readouterr().out == "API tokens of carol revoked: 0\n"
    assert _run(["audit", "--team", "t", "--format", "json", *database]) == 0
    actions = [e["action"] for e in json.loads(capsys.readouterr().out)]
    assert actions.count("token_revoked") == 2  # token 1, and "all" (none left)
    assert {"token_issued", "password_changed"} <= set(actions)


def test_users_database_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MARBLEDX_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    _stdin(monkeypatch, PASSWORD)
    _run(["users", "add", "alice", "--team", "t", "--role", "admin", "--password-stdin"])
    assert (tmp_path / "env.sqlite3").is_file()
    capsys.readouterr()
    _run(["users", "list", "--format", "json"])
    assert len(json.loads(capsys.readouterr().out)) == 1


def test_users_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = ["--database", str(tmp_path / "r.sqlite3")]
    add = ["users", "add", "alice", "--team", "t", "--role", "admin", *database]
    _stdin(monkeypatch, "short\n")
    with pytest.raises(InputError, match="password too short") as caught:
        _run([*add, "--password-stdin"])
    assert "short\n" not in str(caught.value)
    _stdin(monkeypatch, "\n")
    with pytest.raises(InputError, match="no password on standard input"):
        _run([*add, "--password-stdin"])
    _stdin(monkeypatch, "")
    with pytest.raises(InputError, match="use --password-stdin"):
        _run(add)  # no terminal to prompt on
    _stdin(monkeypatch, PASSWORD)
    _run([*add, "--password-stdin"])
    _stdin(monkeypatch, PASSWORD)
    with pytest.raises(MarbledxError, match="already exists"):
        _run([*add, "--password-stdin"])
    with pytest.raises(MarbledxError, match="no user 'nobody'"):
        _run(["users", "token", "nobody", *database])


def test_users_add_prompts_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = ["--database", str(tmp_path / "r.sqlite3")]
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter([PASSWORD, "something else entirely"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt: next(answers))
    with pytest.raises(InputError, match="two passwords differ"):
        _run(["users", "add", "alice", "--team", "t", "--role", "admin", *database])
    answers = iter([PASSWORD, PASSWORD])
    assert _run(["users", "add", "alice", "--team", "t", "--role", "admin", *database]) == 0


def test_backup_and_restore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = [
        "--database",
        f"sqlite:///{tmp_path / 'source.sqlite3'}",
        "--uploads-dir",
        str(tmp_path / "up1"),
    ]
    target = [
        "--database",
        f"sqlite:///{tmp_path / 'target.sqlite3'}",
        "--uploads-dir",
        str(tmp_path / "up2"),
    ]
    _stdin(monkeypatch, PASSWORD)
    _run(["users", "add", "alice", "--team", "t", "--role", "admin", "--password-stdin", *source[:2]])
    with Registry.open(source[1], uploads_dir=tmp_path / "up1") as registry:
        alice = registry.get_user("alice")
        case = registry.create_case(alice, "patient 7")
        registry.store_upload(alice, case.id, "vcf", [b"##fileformat=VCFv4.2\n"], max_bytes=100)
    capsys.readouterr()
    archive = tmp_path / "backup.tar.gz"
    assert _run(["backup", str(archive), *source]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"wrote {archive}: 1 cases, 1 users in 1 teams, 0 analyses, 1 uploaded files")
    assert _run(["restore", str(archive), *target]) == 0
    assert "restored" in capsys.readouterr().out
    with pytest.raises(MarbledxError, match="not empty"):
        _run(["restore", str(archive), *target])
    assert _run(["restore", str(archive), "--force", *target]) == 0
    with Registry.open(target[1], uploads_dir=tmp_path / "up2") as registry:
        alice = registry.get_user("alice")
        (restored,) = registry.list_cases(alice)
        (upload,) = registry.list_uploads(alice, restored.id)
        assert (
            registry.open_upload(alice, restored.id, upload.id)[1].read_bytes() == b"##fileformat=VCFv4.2\n"
        )


def test_backup_and_restore_refusals(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no registry database"):
        _run(["backup", str(tmp_path / "b.tar.gz"), "--database", str(tmp_path / "missing.sqlite3")])
    assert not (tmp_path / "missing.sqlite3").exists()
    Registry.open(str(tmp_path / "r.sqlite3")).close()
    with pytest.raises(InputError, match="is a folder"):
        _run(["backup", str(tmp_path), "--database", str(tmp_path / "r.sqlite3")])
    with pytest.raises(InputError, match="not found"):
        _run(["restore", str(tmp_path / "nope.tar.gz"), "--database", str(tmp_path / "r.sqlite3")])
    (tmp_path / "junk.tar.gz").write_bytes(b"junk")
    with pytest.raises(MarbledxError, match="not a usable marbledx registry backup"):
        _run(["restore", str(tmp_path / "junk.tar.gz"), "--database", str(tmp_path / "r.sqlite3")])
    # A failed restore into a new database leaves no empty registry behind; the audit log of a registry that
    # does not exist is refused instead of created empty.
    with pytest.raises(MarbledxError, match="not a usable marbledx registry backup"):
        _run(["restore", str(tmp_path / "junk.tar.gz"), "--database", str(tmp_path / "new.sqlite3")])
    assert not list(tmp_path.glob("new.sqlite3*"))
    with pytest.raises(InputError, match="no registry database"):
        _run(["audit", "--team", "T", "--database", str(tmp_path / "other.sqlite3")])
    assert not (tmp_path / "other.sqlite3").exists()


def test_audit_shows_the_team_log_newest_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    with Registry.open(url, uploads_dir=tmp_path / "up") as registry:
        alice = registry.add_user("alice", "haematology", "clinician", PASSWORD)
        bob = registry.add_user("bob", "oncology", "clinician", PASSWORD)
        case = registry.create_case(alice, "patient 7")
        registry.get_case(alice, case.id)
        registry.create_case(bob, "other team")
    assert _run(["audit", "--team", "haematology", "--database", url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["when", "(UTC)", "who", "action"]
    assert [line.split()[2:4] for line in lines[1:]] == [["alice", "view"], ["alice", "create"]]
    assert "patient 7" not in "\n".join(lines)
    _run(
        [
            "audit",
            "--team",
            "haematology",
            "--case",
            case.id,
            "--limit",
            "1",
            "--format",
            "json",
            "--database",
            url,
        ]
    )
    (event,) = json.loads(capsys.readouterr().out)
    assert (event["user"], event["action"], event["case_id"]) == ("alice", "view", case.id)
    with pytest.raises(MarbledxError, match="no team 'nobody'"):
        _run(["audit", "--team", "nobody", "--database", url])
    with pytest.raises(InputError, match="--limit 0"):
        _run(["audit", "--team", "haematology", "--limit", "0", "--database", url])
