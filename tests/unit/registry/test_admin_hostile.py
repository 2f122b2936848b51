"""Hostile input to the registry's administration: ``marbledx users``, ``marbledx audit`` and the start-up
checks of ``marbledx serve``.

Each test pins a problem found by an adversarial review: look-alike accounts and teams, a terminal escape in
a team name, a password read leniently from bytes that are not UTF-8, a SQL error quoting a password's hash,
a listing that created the registry it was to read, a port in use reported after a "serving on" banner.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from argon2 import PasswordHasher
from sqlalchemy import URL, Engine, text, update

from marbledx.cli import _serve_cmd
from marbledx.errors import InputError, MarbledxError
from marbledx.registry import ConflictError, Registry, RegistryError, UserInfo
from marbledx.registry import _db as registry_db
from marbledx.registry import _registry as registry_module
from marbledx.registry._checks import check_name, check_password, check_team
from marbledx.registry._models import AuditEvent

from .helpers import PASSWORD
from .test_cli import _run, _stdin


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``--database`` for the command line, with cheap argon2 parameters (the same code path)."""
    monkeypatch.delenv("SUDO_USER", raising=False)
    monkeypatch.setattr(
        registry_module,
        "PasswordHasher",
        lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )
    return ["--database", f"sqlite:///{tmp_path / 'r.sqlite3'}"]


def _add(
    database: list[str], monkeypatch: pytest.MonkeyPatch, name: str, team: str, role: str = "admin"
) -> int:
    _stdin(monkeypatch, PASSWORD + "\n")
    return _run(["users", "add", name, "--team", team, "--role", role, "--password-stdin", *database])


def _bytes_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> io.BytesIO:
    """Standard input as the terminal or a pipe gives it: bytes beneath, decoded leniently on top (as the
    command line's lenient streams do)."""
    raw = io.BytesIO(data)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape"))
    return raw


def _read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every SQLite database opened from now on is opened read-only (SQLite's ``mode=ro``), as a file the
    server's account may not write is (the tests run as root, who may write any file)."""
    create_engine = registry_db.create_engine

    def read_only(url: URL, **kwargs: Any) -> Engine:
        if url.get_backend_name() == "sqlite" and url.database:
            url = url.set(database=f"file:{url.database}", query={"mode": "ro", "uri": "true"})
        return create_engine(url, **kwargs)

    monkeypatch.setattr(registry_db, "create_engine", read_only)


# -- user names and team names --------------------------------------------------------------------------


def test_user_names_differing_only_in_case_are_one_account(registry: Registry, alice: UserInfo) -> None:
    with pytest.raises(ConflictError, match="already exists as 'alice'"):
        registry.add_user("Alice", "haematology", "admin", PASSWORD)
    with pytest.raises(ConflictError, match="already exists as 'alice'"):
        registry.add_user("ALICE", "oncology", "admin", PASSWORD)
    assert [u.name for u in registry.list_users()] == ["alice"]


def test_a_team_that_reads_as_an_existing_one_is_refused(registry: Registry, alice: UserInfo) -> None:
    for alike in ("Haematology", "HAEMATOLOGY", "\uff48aematology", "\u210baematology"):
        with pytest.raises(InputError, match="reads as the existing team 'haematology'"):
            registry.add_user("dora", alike, "admin", PASSWORD)
    # A Cyrillic "a" (U+0430) in a Latin name: two teams that look the same in every list.
    with pytest.raises(InputError, match="mixes Latin and Cyrillic letters"):
        registry.add_user("dora", "h\u0430ematology", "admin", PASSWORD)
    with pytest.raises(InputError, match="mixes Latin and Greek letters"):
        registry.add_user("dora", "\u03bfncology", "admin", PASSWORD)
    assert {u.team for u in registry.list_users()} == {"haematology"}
    # Names in one script, Latin with accents included, are teams like any other.
    for team in (
        "H\u00e4matologie",
        "\u0413\u0435\u043c\u0430\u0442\u043e\u043b\u043e\u0433\u0438\u044f",
        "oncology",
    ):
        registry.add_user(f"u{len(registry.list_users())}", team, "clinician", PASSWORD)
    registry.add_user("erin", "haematology", "clinician", PASSWORD)  # the existing team, spelled as it is


@pytest.mark.parametrize("team", ["hae\x1b[31mred", "bell\x07", "c1\x9bcontrol"])
def test_a_team_name_with_a_terminal_escape_is_refused(team: str) -> None:
    with pytest.raises(InputError, match=r"team name contains a control character \(\\x"):
        check_team(team)


def test_a_very_long_name_is_not_echoed_whole() -> None:
    with pytest.raises(InputError) as caught:
        check_name("a" * 100_000, "user name")
    assert len(str(caught.value)) < 200
    assert "…" in str(caught.value)


def test_looking_up_a_name_no_account_can_have(database: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _add(database, monkeypatch, "alice", "haematology")
    with pytest.raises(InputError, match=r"no user 'a+…'") as caught:
        _run(["users", "tokens", "a" * 100_000, *database])
    assert len(str(caught.value)) < 200
    # Spaces around a name are dropped, as 'users add' dropped them.
    assert _run(["users", "tokens", " alice ", *database]) == 0


# -- passwords ------------------------------------------------------------------------------------------


def test_stdin_that_is_not_utf8_is_refused(database: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _bytes_stdin(monkeypatch, b"\xff\xfecorrect horse battery\n")
    add = ["users", "add", "alice", "--team", "t", "--role", "admin", "--password-stdin", *database]
    with pytest.raises(InputError, match="not UTF-8 text"):
        _run(add)
    assert not Path(database[1].removeprefix("sqlite:///")).exists()  # nothing half-made


def test_a_bom_and_crlf_are_no_part_of_the_password(
    database: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _bytes_stdin(monkeypatch, b"\xef\xbb\xbf" + PASSWORD.encode() + b"\r\n")
    _run(["users", "add", "alice", "--team", "t", "--role", "admin", "--password-stdin", *database])
    with Registry.open(database[1]) as registry:
        assert registry.authenticate("alice", PASSWORD) is not None


def test_an_endless_first_line_is_not_read_whole(
    database: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = _bytes_stdin(monkeypatch, b"x" * 1_000_000)
    with pytest.raises(InputError, match="password too long"):
        _run(["users", "add", "alice", "--team", "t", "--role", "admin", "--password-stdin", *database])
    assert raw.tell() < 10_000


@pytest.mark.parametrize(
    "password", ["abc\x00defghijkl", "abc\x1b[2Jdefghij", "tab\there-and-more", "\udcff" * 12]
)
def test_a_password_that_cannot_be_typed_is_refused(password: str) -> None:
    with pytest.raises(InputError, match="password") as caught:
        check_password(password)
    assert password not in str(caught.value)


def test_ctrl_d_at_the_prompt_is_an_input_error(database: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def eof(_prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", eof)
    with pytest.raises(InputError, match="no password given"):
        _run(["users", "add", "alice", "--team", "t", "--role", "admin", *database])


def test_a_bad_name_is_refused_before_the_password_is_read(
    database: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, PASSWORD + "\n")
    with pytest.raises(InputError, match="user name 'al ice'"):
        _run(["users", "add", "al ice", "--team", "t", "--role", "admin", "--password-stdin", *database])
    with pytest.raises(InputError, match="control character"):
        _run(["users", "add", "alice", "--team", "t\x1b", "--role", "admin", "--password-stdin", *database])
    assert sys.stdin.read() == PASSWORD + "\n"  # the password was not consumed for nothing
    _add(database, monkeypatch, "alice", "t")
    _stdin(monkeypatch, "a new long password\n")
    with pytest.raises(MarbledxError, match="no user 'nobody'"):
        _run(["users", "password", "nobody", "--password-stdin", *database])
    assert sys.stdin.read() == "a new long password\n"


# -- the database ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["users", "list"],
        ["users", "tokens", "alice"],
        ["users", "token", "alice"],
        ["users", "deactivate", "alice"],
    ],
)
def test_a_mistyped_database_is_not_created_by_a_listing(tmp_path: Path, argv: list[str]) -> None:
    missing = tmp_path / "typo" / "registry.sqlite3"
    with pytest.raises(InputError, match="no registry database at"):
        _run([*argv, "--database", str(missing)])
    assert not (tmp_path / "typo").exists()


def test_a_read_only_database_is_one_line_without_secrets(
    database: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _add(database, monkeypatch, "alice", "haematology")
    _run(["users", "token", "alice", *database])
    capsys.readouterr()
    _read_only(monkeypatch)
    for argv in (
        ["users", "add", "bob", "--team", "haematology", "--role", "clinician", "--password-stdin"],
        ["users", "token", "alice"],
        ["users", "password", "alice", "--password-stdin"],
    ):
        _stdin(monkeypatch, PASSWORD + "\n")
        with pytest.raises(RegistryError) as caught:
            _run([*argv, *database])
        message = str(caught.value)
        assert "attempt to write a readonly database" in message
        assert "nothing was changed" in message
        # SQLAlchemy's own message quotes the statement's parameters: an argon2 hash, a token's SHA-256.
        assert "$argon2" not in message
        assert "INSERT" not in message
        assert "UPDATE" not in message
        assert caught.value.__cause__ is None
        assert caught.value.__suppress_context__
    assert capsys.readouterr().out == ""  # no token was printed that the registry does not hold


# -- account changes ------------------------------------------------------------------------------------


def test_deactivating_twice_says_nothing_changed(
    database: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _add(database, monkeypatch, "alice", "haematology")
    _add(database, monkeypatch, "bob", "haematology", role="clinician")
    capsys.readouterr()
    _run(["users", "deactivate", "bob", *database])
    _run(["users", "deactivate", "bob", *database])
    assert capsys.readouterr().out.splitlines()[-1] == "bob is already deactivated; nothing changed"
    _run(["users", "activate", "alice", *database])
    assert capsys.readouterr().out == "alice is already active; nothing changed\n"


def test_deactivating_a_teams_last_admin_warns(
    database: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _add(database, monkeypatch, "alice", "haematology")
    _add(database, monkeypatch, "anna", "haematology")
    capsys.readouterr()
    _run(["users", "deactivate", "alice", *database])
    assert "no active admin" not in capsys.readouterr().err  # anna still is
    _run(["users", "deactivate", "anna", *database])
    captured = capsys.readouterr()
    assert (
        captured.out == "anna is now deactivated; their sign-in sessions ended and API tokens are revoked\n"
    )
    assert "warning: team haematology has no active admin now" in captured.err
    assert "marbledx users activate anna" in captured.err


def test_revoking_a_revoked_token_says_so(
    database: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _add(database, monkeypatch, "alice", "haematology")
    _run(["users", "token", "alice", *database])
    secret = capsys.readouterr().out.strip()
    _run(["users", "revoke", "alice", "1", *database])
    assert capsys.readouterr().out == "API token 1 of alice is revoked\n"
    _run(["users", "revoke", "alice", "1", *database])
    out = capsys.readouterr().out
    assert out.startswith("API token 1 of alice was already revoked (")
    assert out.endswith("); nothing changed\n")
    _run(["users", "tokens", "alice", "--format", "json", *database])
    listed = capsys.readouterr().out
    assert secret not in listed
    assert secret.removeprefix("mdx_") not in listed  # the secret is shown once, at issue


def test_listing_a_team_that_does_not_exist_is_an_error(
    database: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _add(database, monkeypatch, "alice", "haematology")
    with pytest.raises(
        InputError, match="no team 'Haematology'; expected one of the registry's teams: 'haematology'"
    ):
        _run(["users", "list", "--team", "Haematology", *database])
    capsys.readouterr()
    _run(["users", "list", "--team", "  haematology ", "--format", "json", *database])
    assert [u["name"] for u in json.loads(capsys.readouterr().out)] == ["alice"]


def test_listings_escape_a_stored_control_character(
    database: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _add(database, monkeypatch, "alice", "haematology")
    with Registry.open(database[1]) as registry, registry.unit_of_work() as session:
        # Written before team names were checked for control characters, or by hand.
        session.execute(text("UPDATE teams SET name = 'hae\x1b[2Jmatology'"))
        session.execute(update(AuditEvent).values(detail="odd\x1b]0;title\x07detail"))
    capsys.readouterr()
    _run(["users", "list", *database])
    _run(["audit", "--team", "hae\x1b[2Jmatology", *database])
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "hae\\x1b[2Jmatology" in out


# -- audit ----------------------------------------------------------------------------------------------


@pytest.fixture
def audited(database: list[str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A team with three audit events, on 2025-03-01, 2025-03-02 and 2025-03-03 at noon UTC."""
    _add(database, monkeypatch, "alice", "haematology")
    _run(["users", "token", "alice", *database])
    _run(["users", "token", "alice", *database])
    with Registry.open(database[1]) as registry, registry.unit_of_work() as session:
        for day, event_id in enumerate((1, 2, 3), start=1):
            at = dt.datetime(2025, 3, day, 12, tzinfo=dt.UTC)
            session.execute(update(AuditEvent).where(AuditEvent.id == event_id).values(at=at))
    return database


def _audit(database: list[str], capsys: pytest.CaptureFixture[str], *options: str) -> tuple[list[str], str]:
    capsys.readouterr()
    assert _run(["audit", "--team", "haematology", "--format", "json", *options, *database]) == 0
    captured = capsys.readouterr()
    return [e["at"][:10] for e in json.loads(captured.out)], captured.err


def test_audit_between_dates(audited: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert _audit(audited, capsys, "--since", "2025-03-02")[0] == ["2025-03-03", "2025-03-02"]
    assert _audit(audited, capsys, "--until", "2025-03-02")[0] == [
        "2025-03-02",
        "2025-03-01",
    ]  # the whole day
    assert _audit(audited, capsys, "--since", "2025-03-02", "--until", "2025-03-02")[0] == ["2025-03-02"]
    assert _audit(audited, capsys, "--until", "2025-03-02T12:00")[0] == ["2025-03-01"]  # before that time
    assert _audit(audited, capsys, "--since", "2025-03-01T13:00+01:00")[0] == [
        "2025-03-03",
        "2025-03-02",
        "2025-03-01",
    ]


def test_audit_says_when_more_events_are_left(audited: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    shown, err = _audit(audited, capsys, "--limit", "2")
    assert shown == ["2025-03-03", "2025-03-02"]
    assert "the newest 2 events are shown; for older ones add --until 2025-03-02T12:00:00+00:00" in err
    # Following the hint reads on from there.
    assert _audit(audited, capsys, "--limit", "2", "--until", "2025-03-02T12:00:00+00:00")[0] == [
        "2025-03-01"
    ]
    assert (
        _audit(audited, capsys, "--limit", "3")[1]
        == "marbledx: the newest 3 events are shown; for older ones add --until 2025-03-01T12:00:00+00:00 (or raise --limit)\n"
    )
    assert _audit(audited, capsys, "--limit", "4")[1] == ""


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--since", "2025-13-01"], "--since '2025-13-01' is not a date; expected YYYY-MM-DD"),
        (["--until", "yesterday"], "--until 'yesterday' is not a date"),
        (
            ["--since", "2025-03-02", "--until", "2025-03-01"],
            "--since 2025-03-02 is not before --until 2025-03-01",
        ),
        (["--since", "2025-03-02T10:00", "--until", "2025-03-02T10:00"], "is not before"),
        (["--limit", "1000001"], "--limit 1000001 is out of range; expected 1 to 100000"),
        (["--limit", str(10**30)], "is out of range"),
        (["--case", "nope"], "--case 'nope' is not a case id"),
    ],
)
def test_audit_refuses_bad_options(audited: list[str], options: list[str], message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        _run(["audit", "--team", "haematology", *options, *audited])


def test_audit_takes_a_case_id_in_capitals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    with Registry.open(url, uploads_dir=tmp_path / "up") as registry:
        alice = registry.add_user("alice", "haematology", "clinician", PASSWORD)
        case = registry.create_case(alice, "patient 7")
    capsys.readouterr()
    _run(
        [
            "audit",
            "--team",
            "haematology",
            "--case",
            f" {case.id.upper()} ",
            "--format",
            "json",
            "--database",
            url,
        ]
    )
    assert [e["case_id"] for e in json.loads(capsys.readouterr().out)] == [case.id]


# -- serve's start-up checks ----------------------------------------------------------------------------


def _serve_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    _serve_cmd.configure(parser)
    return parser.parse_args(argv)


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn must not be reached: the checks come first."""

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        pytest.fail("uvicorn.run was reached")

    monkeypatch.setattr(uvicorn, "run", refuse)


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def test_serve_on_a_port_in_use_is_one_line_before_anything_else(
    tmp_path: Path, busy_port: int, no_server: None, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "serve.sqlite3"
    args = _serve_args(
        "--port", str(busy_port), "--database", str(database), "--uploads-dir", str(tmp_path / "up")
    )
    with pytest.raises(InputError, match=f"--port {busy_port}: 127.0.0.1:{busy_port} is already in use"):
        _serve_cmd.run(args)
    assert not database.exists()  # refused before the registry was opened (or the HPO loaded)
    assert "serving on" not in capsys.readouterr().err


def test_serve_on_a_host_that_is_not_here(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match=r"--host '192\.0\.2\.1' is not an address of this machine"):
        _serve_cmd.check_listen("192.0.2.1", 8000)  # TEST-NET-1 (RFC 5737): never local

    def unknown(*_args: Any, **_kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    with pytest.raises(
        InputError, match=r"--host 'nohost\.invalid' cannot be resolved \(Name or service not known\)"
    ):
        _serve_cmd.check_listen("nohost.invalid", 8000)


def test_serve_names_an_ipv6_address_in_brackets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_serve_cmd, "check_listen", lambda host, port: None)
    monkeypatch.setattr(_serve_cmd, "_build_app", lambda registry, settings: registry)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: app.close())
    args = _serve_args(
        "--host", "::1", "--database", str(tmp_path / "s.sqlite3"), "--uploads-dir", str(tmp_path / "up")
    )
    assert _serve_cmd.run(args) == 0
    assert "serving on http://[::1]:8000 " in capsys.readouterr().err


def test_serve_refuses_a_read_only_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_server: None
) -> None:
    database = tmp_path / "serve.sqlite3"
    Registry.open(
        str(database), uploads_dir=tmp_path / "up"
    ).close()  # an existing registry at the newest revision
    monkeypatch.setattr(_serve_cmd, "check_listen", lambda host, port: None)
    _read_only(monkeypatch)
    args = _serve_args("--database", str(database), "--uploads-dir", str(tmp_path / "up"))
    with pytest.raises(
        RegistryError, match="cannot be written \\(attempt to write a readonly database\\)"
    ) as caught:
        _serve_cmd.run(args)
    assert "UPDATE" not in str(caught.value)


def test_serve_refuses_an_uploads_folder_that_is_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_server: None
) -> None:
    monkeypatch.setattr(_serve_cmd, "check_listen", lambda host, port: None)
    uploads = tmp_path / "uploads"
    uploads.write_text("not a folder")
    args = _serve_args("--database", str(tmp_path / "s.sqlite3"), "--uploads-dir", str(uploads))
    with pytest.raises(InputError, match=f"--uploads-dir {uploads} is not a folder"):
        _serve_cmd.run(args)
