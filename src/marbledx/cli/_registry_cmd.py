"""``marbledx users``, ``marbledx backup`` and ``marbledx restore``: the case registry from the command line.

Wired into the command line by ``cli/_main.py`` (``configure_*`` add the arguments, ``run_*`` execute).
Output is written here with ``sys.stdout``; user errors are raised as :class:`~marbledx.errors.InputError`
(registry errors are :class:`~marbledx.errors.MarbledxError` too). The registry package (SQLAlchemy,
Alembic) is imported only when one of these commands runs. Passwords are never echoed or logged.

Every account change (``users add``, ``token``, ``revoke``, ``password``, ``rename``, ``activate``,
``deactivate``) is
written to the audit log as the web app's are, with the operating-system account that ran the command as
the one who acted (:class:`~marbledx.registry.CommandLineActor`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import re
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from marbledx.cli._args import file_path
from marbledx.errors import InputError, MarbledxError

if TYPE_CHECKING:
    from marbledx.registry import CommandLineActor, Registry

__all__ = [
    "AUDIT_HELP",
    "BACKUP_HELP",
    "RESTORE_HELP",
    "USERS_HELP",
    "configure_audit",
    "configure_backup",
    "configure_restore",
    "configure_users",
    "run_audit",
    "run_backup",
    "run_restore",
    "run_users",
]

USERS_HELP = (
    "manage the accounts of the case registry (add, list, API tokens, passwords, rename, deactivation)"
)
BACKUP_HELP = "write a consistent backup of the case registry and its uploaded files (.tar.gz)"
RESTORE_HELP = "restore the case registry from a backup written by 'marbledx backup'"
AUDIT_HELP = "show a team's audit log: who viewed or changed which case, and when"

_DATABASE_HELP = (
    "the registry database: sqlite:///path, a SQLite file or postgresql://user@host/db "
    "(default $MARBLEDX_DATABASE_URL, else registry.sqlite3 in the marbledx data folder)"
)
_UPLOADS_HELP = "the folder of uploaded files (default: 'uploads' in the marbledx data folder)"


def _emit(text: str) -> None:
    sys.stdout.write(text.rstrip("\n") + "\n")


def _add_database(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--database", metavar="URL", help=_DATABASE_HELP)


def _open(args: argparse.Namespace, *, migrate: bool = True) -> Registry:
    from marbledx.registry import Registry

    uploads = getattr(args, "uploads_dir", None)
    return Registry.open(args.database, migrate=migrate, uploads_dir=uploads)


# -- users -------------------------------------------------------------------------------------------------


def configure_users(sub: argparse.ArgumentParser) -> None:
    """Add the ``users`` actions (add, list, token, tokens, revoke, password, rename, activate, deactivate)
    to its sub-parser."""
    actions = sub.add_subparsers(dest="users_command", metavar="ACTION")
    actions.required = True

    add = actions.add_parser("add", help="create an account (and its team when new)")
    add.add_argument("name", metavar="NAME", help="the user name (letters, digits, . _ @ -)")
    add.add_argument("--team", required=True, help="the care team; its cases are visible to its members only")
    add.add_argument("--role", required=True, choices=("clinician", "counsellor", "admin"))
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of asking for it",
    )
    _add_database(add)

    listing = actions.add_parser("list", help="list the accounts")
    listing.add_argument("--team", help="only this team's accounts")
    listing.add_argument("--format", choices=("table", "json"), default="table", help="(default table)")
    _add_database(listing)

    token = actions.add_parser("token", help="issue an API token for a user; it is printed this once")
    token.add_argument("name", metavar="NAME")
    _add_database(token)

    tokens = actions.add_parser("tokens", help="list a user's API tokens (id, created, last used, revoked)")
    tokens.add_argument("name", metavar="NAME")
    tokens.add_argument("--format", choices=("table", "json"), default="table", help="(default table)")
    _add_database(tokens)

    revoke = actions.add_parser(
        "revoke", help="revoke an API token (a leaked one) by its id from 'users tokens'; the account stays"
    )
    revoke.add_argument("name", metavar="NAME")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("token_id", metavar="TOKEN_ID", type=int, nargs="?", help="the token's id")
    which.add_argument("--all", action="store_true", help="revoke every token of the user")
    _add_database(revoke)

    password = actions.add_parser(
        "password", help="set a user's password; their sign-in sessions end (API tokens are kept)"
    )
    password.add_argument("name", metavar="NAME")
    password.add_argument("--password-stdin", action="store_true", help="read it from standard input")
    password.add_argument("--revoke-tokens", action="store_true", help="revoke the user's API tokens as well")
    _add_database(password)

    rename = actions.add_parser(
        "rename",
        help="rename an account; it keeps its team, role, password, API tokens and history, its sign-in "
        "sessions end",
    )
    rename.add_argument("name", metavar="OLD", help="the account's current name")
    rename.add_argument("new_name", metavar="NEW", help="its new name (letters, digits, . _ @ -)")
    _add_database(rename)

    for state, what in (
        ("activate", "activate an account (its ended sessions and revoked tokens stay so)"),
        (
            "deactivate",
            "deactivate an account: it cannot sign in, its sessions end, its API tokens are revoked",
        ),
    ):
        toggle = actions.add_parser(state, help=what)
        toggle.add_argument("name", metavar="NAME")
        _add_database(toggle)


def _account_word(value: str) -> str:
    """An operating-system account name made fit for an audit detail (one short word)."""
    return re.sub(r"[^\w.@$\\-]", "_", value)[:64] or "unknown"


def _os_user() -> str:
    """The operating-system account this process runs as."""
    geteuid = getattr(os, "geteuid", None)
    if geteuid is not None:
        # POSIX: the effective account as the kernel knows it; $USER or $LOGNAME could say anything.
        uid = int(geteuid())
        try:
            import pwd

            return pwd.getpwuid(uid).pw_name
        except KeyError:  # a uid without an account entry (a container)
            return f"uid-{uid}"
    try:
        return getpass.getuser()  # Windows: %USERNAME%
    except (ImportError, KeyError, OSError):
        return "unknown"


def _command_line_actor() -> CommandLineActor:
    """Who runs this command, for the audit events of the account changes it makes."""
    from marbledx.registry import CommandLineActor

    # sudo sets SUDO_USER to the account that invoked it: whoever acts as root is otherwise unnamed. It is
    # recorded beside the real (effective) account, as a hint, since any process can set it.
    sudo = os.environ.get("SUDO_USER", "").strip()
    return CommandLineActor(_account_word(_os_user()), _account_word(sudo) if sudo else None)


_STDIN_LIMIT = 4 * 1024 + 3  # the longest password (1024 characters of up to 4 UTF-8 bytes), a BOM and CR LF


def _stdin_line() -> str:
    """The first line of standard input, decoded as UTF-8 strictly: a password read leniently from bytes
    that are not UTF-8 would be hashed as characters nobody can type at the sign-in form."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text stream without bytes beneath it (an embedding application, a test)
        line = sys.stdin.readline(_STDIN_LIMIT)
    else:
        try:
            line = stream.readline(_STDIN_LIMIT).decode("utf-8")
        except UnicodeDecodeError:
            msg = "--password-stdin: standard input is not UTF-8 text; expected the password in UTF-8"
            raise InputError(msg) from None
    # A BOM (a file saved by Notepad) is no part of the password; neither is the line end.
    return line.removeprefix("\ufeff").removesuffix("\n").removesuffix("\r")


def _ask(prompt: str) -> str:
    try:
        return getpass.getpass(prompt)
    except EOFError:  # Ctrl-D at the prompt
        msg = "no password given; expected it typed at the prompt (or --password-stdin)"
        raise InputError(msg) from None


def _read_password(args: argparse.Namespace, name: str) -> str:
    """The new password, from the first line of standard input or asked twice without echo; never from the
    command line, where any user could read it in the process list."""
    from marbledx.registry import MIN_PASSWORD_LENGTH, check_password

    if args.password_stdin:
        password = _stdin_line()
        if not password:
            msg = "--password-stdin: no password on standard input; expected it on the first line"
            raise InputError(msg)
        return check_password(password)
    if not sys.stdin.isatty():
        msg = "no terminal to ask for the password; use --password-stdin and give it on standard input"
        raise InputError(msg)
    password = _ask(f"password for {name} (at least {MIN_PASSWORD_LENGTH} characters): ")
    check_password(password)
    if _ask("the same password again: ") != password:
        msg = "the two passwords differ; expected the same password twice"
        raise InputError(msg)
    return password


def _account_name(value: str) -> str:
    """A user name given to look an account up, as ``users add`` stored it (surrounding spaces dropped)."""
    from marbledx._format import quoted
    from marbledx.registry._checks import check_name

    try:
        return check_name(value, "user name")
    except InputError:
        # No account can have it: every name was checked when added. Quoted cut short: it may be a page long.
        msg = f"no user {quoted(value)}; expected an account's name (1-100 letters, digits or . _ @ -)"
        raise InputError(msg) from None


@contextmanager
def _database_errors(registry: Registry) -> Iterator[None]:
    """A database failure mid-command (a read-only file, a full disk, a lost connection) as one line naming
    the database. SQLAlchemy's own message quotes the statement and its parameters, which can hold a
    password's hash or a token's, so it is neither shown nor chained."""
    from sqlalchemy.exc import DBAPIError

    from marbledx.registry import RegistryError
    from marbledx.registry._db import redacted

    try:
        yield
    except DBAPIError as exc:
        lines = str(exc.orig).strip().splitlines() if exc.orig is not None else []
        reason = lines[0] if lines else type(exc).__name__
        msg = (
            f"the registry database {redacted(registry.url)} failed: {reason}; nothing was changed "
            "(is the file read-only, the disk full or the server gone?)"
        )
        raise RegistryError(msg) from None


def _table(rows: Sequence[Sequence[str]]) -> str:
    # Escaped: a team name stored before control characters were refused must not reach the terminal raw.
    from marbledx._format import printable

    shown = [tuple(printable(cell) for cell in row) for row in rows]
    widths = [max(len(row[i]) for row in shown) for i in range(len(shown[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in shown
    )


def _users_table(users: list[Any]) -> str:
    if not users:
        return "no accounts"
    rows = [("NAME", "TEAM", "ROLE", "ACTIVE", "CREATED")]
    rows += [
        (u.name, u.team, u.role, "yes" if u.active else "no", u.created_at.strftime("%Y-%m-%d %H:%M"))
        for u in users
    ]
    return _table(rows)


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


def _tokens_table(tokens: list[Any]) -> str:
    if not tokens:
        return "no API tokens"
    rows = [("ID", "CREATED", "LAST USED", "REVOKED")]
    rows += [
        (str(t.id), _when(t.created_at), _when(t.last_used_at), _when(t.revoked_at) if t.revoked else "no")
        for t in tokens
    ]
    return _table(rows)


def _team_name(value: str) -> str:
    """A team name given to look a team up, spaced as stored (``users add`` folds runs of spaces). Not checked
    as a new name is: a team stored before control characters were refused can still be named."""
    from marbledx._format import quoted
    from marbledx.registry._checks import matchable

    team = " ".join(value.split())
    if not matchable(team):  # a NUL or lone surrogate: no team has one, and PostgreSQL refuses it in a query
        msg = f"no team {quoted(team)}; expected a team's name as 'marbledx users list' shows it"
        raise InputError(msg)
    return team


def _team_filter(registry: Registry, value: str) -> str:
    """``--team`` of ``users list``, spaced as stored; a team that does not exist is an error, not an empty
    list (a typo would look like a team without accounts)."""
    from marbledx._format import quoted

    team = _team_name(value)
    teams = sorted({user.team for user in registry.list_users()})
    if team not in teams:
        known = ", ".join(quoted(name) for name in teams[:10]) + (", …" if len(teams) > 10 else "")
        msg = f"no team {quoted(team)}; expected one of the registry's teams: {known or 'none yet'}"
        raise InputError(msg)
    return team


def run_users(args: argparse.Namespace) -> int:
    """Run one ``users`` action; returns 0 (errors are raised)."""
    from marbledx.registry._checks import check_name, check_team

    action = args.users_command
    name = team = ""
    if action == "add":
        # Checked before the password is asked for, and before a registry is made for them.
        name, team = check_name(args.name, "user name"), check_team(args.team)
    else:
        _require_existing(args)  # only 'add' may create the registry; a mistyped path must not
        if action != "list":
            name = _account_name(args.name)
        if action == "rename":  # checked before the registry is opened, as 'add' checks its name
            check_name(args.new_name, "new user name")
    password = _read_password(args, name) if action == "add" else ""
    actor = _command_line_actor()  # the audit events name it, as the web app's name the admin
    with _open(args) as registry, _database_errors(registry):
        if action == "add":
            new_team = not registry.list_users(team)
            user = registry.add_user(name, team, args.role, password, by=actor)
            if new_team:
                sys.stderr.write(f"marbledx: team {user.team} is new; it was created with this account\n")
            _emit(f"added {user.role} {user.name} to team {user.team}")
        elif action == "list":
            team_filter = None if args.team is None else _team_filter(registry, args.team)
            users = registry.list_users(team_filter)
            if args.format == "json":
                _emit(json.dumps([u.to_dict() for u in users], indent=2, ensure_ascii=False))
            else:
                _emit(_users_table(users))
        elif action == "token":
            secret = registry.issue_token(name, by=actor)
            sys.stderr.write(
                f"marbledx: API token for {name}; it is shown only now, store it safely "
                "(send it as 'Authorization: Bearer <token>')\n"
            )
            _emit(secret)
        elif action == "tokens":
            tokens = registry.list_tokens(name)
            if args.format == "json":
                _emit(json.dumps([t.to_dict() for t in tokens], indent=2, ensure_ascii=False))
            else:
                _emit(_tokens_table(tokens))
        elif action == "revoke":
            if args.all:
                count = registry.revoke_tokens(name, by=actor)
                _emit(f"API tokens of {name} revoked: {count}")
            else:
                before = {t.id: t for t in registry.list_tokens(name)}.get(args.token_id)
                token = registry.revoke_token(name, args.token_id, by=actor)
                if before is not None and before.revoked:
                    _emit(
                        f"API token {token.id} of {name} was already revoked ({_when(token.revoked_at)}); nothing changed"
                    )
                else:
                    _emit(f"API token {token.id} of {name} is revoked")
        elif action == "password":
            registry.get_user(name)  # an unknown name is said before the password is typed twice for it
            password = _read_password(args, name)
            ended = registry.set_password(name, password, revoke_tokens=args.revoke_tokens, by=actor)
            kept = (
                f"API tokens revoked: {ended.tokens}"
                if args.revoke_tokens
                else "API tokens kept (revoke them with 'marbledx users revoke')"
            )
            _emit(f"password of {name} changed; sign-in sessions ended: {ended.sessions}, {kept}")
        elif action == "rename":
            user = registry.rename_user(name, args.new_name, by=actor)
            _emit(
                f"renamed {name} to {user.name} (team {user.team}); sign-in sessions ended (they sign in as "
                f"{user.name} from now on), API tokens kept"
            )
        elif action in ("activate", "deactivate"):
            _set_active(registry, name, active=action == "activate", actor=actor)
        else:  # pragma: no cover - argparse only accepts the actions above
            msg = f"unknown users action {action!r}"
            raise InputError(msg)
    return 0


def _set_active(registry: Registry, name: str, *, active: bool, actor: CommandLineActor) -> None:
    """``users activate``/``deactivate``: says when nothing changed, and warns when a team is left without an
    active admin (the command line can still manage it; the team's web pages for admins cannot)."""
    was = registry.get_user(name).active
    user = registry.set_active(name, active, by=actor)
    if was == active:
        state = "active" if active else "deactivated"
        _emit(f"{user.name} is already {state}; nothing changed")
        return
    if user.active:
        _emit(f"{user.name} is now active (sign in again; earlier sessions and tokens stay ended)")
        return
    _emit(f"{user.name} is now deactivated; their sign-in sessions ended and API tokens are revoked")
    if user.role == "admin" and not any(
        u.active and u.role == "admin" for u in registry.list_users(user.team)
    ):
        sys.stderr.write(
            f"marbledx: warning: team {user.team} has no active admin now; its accounts can be managed only "
            f"with 'marbledx users' on the server (e.g. 'marbledx users activate {user.name}')\n"
        )


# -- backup and restore ------------------------------------------------------------------------------------


def configure_backup(sub: argparse.ArgumentParser) -> None:
    """Add the ``backup`` arguments to its sub-parser."""
    sub.add_argument(
        "output", metavar="OUT", type=file_path, help="the archive to write, e.g. registry-backup.tar.gz"
    )
    _add_database(sub)
    sub.add_argument("--uploads-dir", type=file_path, metavar="DIR", help=_UPLOADS_HELP)


def _summary(manifest: dict[str, Any]) -> str:
    # A restored manifest was validated for its files and tables only; an older or hand-made one may lack the
    # rest, which must not turn a finished restore into an error.
    tables: dict[str, Any] = manifest["tables"] if isinstance(manifest.get("tables"), dict) else {}
    uploads: dict[str, Any] = manifest["uploads"] if isinstance(manifest.get("uploads"), dict) else {}
    return (
        f"{tables.get('cases', 0)} cases, {tables.get('users', 0)} users in {tables.get('teams', 0)} teams, "
        f"{tables.get('analyses', 0)} analyses, {uploads.get('files', 0)} uploaded files "
        f"(schema revision {manifest.get('schema_revision')})"
    )


def _disk_failure(exc: MarbledxError) -> int | None:
    """A backup or restore that failed for a full disk (or quota, or device error) ends with exit status 74, as
    any output the disk cannot take; the error is one line. None for every other error."""
    from marbledx._format import printable
    from marbledx.cli._main import EXIT_IO
    from marbledx.registry._backup import DISK_ERRNOS

    cause = exc.__cause__
    if not isinstance(cause, OSError) or cause.errno not in DISK_ERRNOS:
        return None
    sys.stderr.write(f"marbledx: error: {printable(' '.join(str(exc).split()))}\n")
    return EXIT_IO


def _missing_sqlite(args: argparse.Namespace) -> tuple[bool, Path | None]:
    """Whether ``--database`` is a SQLite registry that does not exist yet (opening would create it), and its
    file (None for an in-memory database)."""
    from marbledx.registry import normalise_url
    from marbledx.registry._db import sqlite_path

    url = normalise_url(args.database)
    path = sqlite_path(url)
    return url.get_backend_name() == "sqlite" and (path is None or not path.is_file()), path


def _require_existing(args: argparse.Namespace) -> None:
    """Refuse to read a registry that does not exist, instead of creating an empty one to read."""
    missing, path = _missing_sqlite(args)
    if missing:
        msg = f"no registry database at {path or 'an in-memory SQLite database'}; expected an existing registry (--database)"
        raise InputError(msg)


def run_backup(args: argparse.Namespace) -> int:
    """Write the backup archive; returns 0, or 74 when the disk is full (other errors are raised).

    The target must be a new file or an earlier backup, which is replaced; the checks are in
    :func:`marbledx.registry.backup`.
    """
    _require_existing(args)
    output: Path = args.output
    if output.is_dir() and not output.is_symlink():
        msg = f"{output} is a folder; expected the archive's file name, e.g. {output / 'registry-backup.tar.gz'}"
        raise InputError(msg)
    replacing = output.is_file() and not output.is_symlink()
    with _open(args, migrate=False) as registry:
        try:
            manifest = registry.backup(output)
        except MarbledxError as exc:
            code = _disk_failure(exc)
            if code is None:
                raise
            return code
    for problem in manifest["uploads"]["problems"]:
        sys.stderr.write(f"marbledx: warning: upload left out of the backup: {problem}\n")
    verb = "replaced the earlier backup" if replacing else "wrote"
    _emit(f"{verb} {output}: {_summary(manifest)}")
    return 0


def configure_restore(sub: argparse.ArgumentParser) -> None:
    """Add the ``restore`` arguments to its sub-parser."""
    sub.add_argument("archive", metavar="IN", type=file_path, help="an archive written by 'marbledx backup'")
    _add_database(sub)
    sub.add_argument("--uploads-dir", type=file_path, metavar="DIR", help=_UPLOADS_HELP)
    sub.add_argument(
        "--force", action="store_true", help="replace the contents of a registry that is not empty"
    )


def run_restore(args: argparse.Namespace) -> int:
    """Restore the archive into the registry; returns 0, or 74 when the disk is full (other errors are raised).

    A registry that is not empty is refused without ``--force``; with it, its contents are replaced (never
    merged), and the output says what was replaced.
    """
    from marbledx.registry._backup import check_archive

    archive: Path = args.archive
    if not archive.exists() and not archive.is_symlink():
        msg = f"backup {archive} not found; expected an archive written by 'marbledx backup'"
        raise InputError(msg)
    # A folder, pipe, device, unreadable or empty file is refused before any database is made for it.
    check_archive(archive)
    missing, created = _missing_sqlite(args)
    restored = False
    try:
        with _open(args) as registry:
            before = registry.counts()
            manifest = registry.restore(archive, force=args.force)
        restored = True
    except MarbledxError as exc:
        code = _disk_failure(exc)
        if code is None:
            raise
        return code
    finally:
        if not restored and missing and created is not None:
            # Nothing half-made is left behind: the empty registry this run created goes with the failure.
            for leftover in (created, *(created.with_name(created.name + end) for end in ("-wal", "-shm"))):
                leftover.unlink(missing_ok=True)
    when, version = manifest.get("created", "at an unknown time"), manifest.get("marbledx_version", "?")
    taken = f"taken {when} by marbledx {version}"
    _emit(f"restored {archive} ({taken}): {_summary(manifest)}")
    if any(before.values()):
        _emit(
            f"the registry's previous contents were replaced, not merged: {before.get('cases', 0)} cases, "
            f"{before.get('users', 0)} users, {before.get('audit_events', 0)} audit events"
        )
    return 0


# -- audit log ---------------------------------------------------------------------------------------------


_AUDIT_MAX = 100_000  # the most events the registry returns at once (Registry.audit_log)


def configure_audit(sub: argparse.ArgumentParser) -> None:
    """Add the ``audit`` arguments to its sub-parser."""
    sub.add_argument("--team", required=True, help="the team whose log to show")
    sub.add_argument("--case", metavar="ID", help="only the events of this case (its id)")
    sub.add_argument(
        "--since", metavar="DATE", help="only events at or after DATE (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC)"
    )
    sub.add_argument(
        "--until",
        metavar="DATE",
        help="only events before DATE (a plain date includes that whole day; UTC)",
    )
    sub.add_argument(
        "--limit", type=int, default=100, help=f"the newest N events (default 100, at most {_AUDIT_MAX:,})"
    )
    sub.add_argument(
        "--format", choices=("table", "json"), default="table", help="output format (default table)"
    )
    _add_database(sub)


def _audit_time(value: str | None, option: str) -> dt.datetime | None:
    """``--since``/``--until`` as a UTC time; a plain date is that day's start, or for ``--until`` the next
    day's, so the day itself is included."""
    from marbledx._format import quoted

    if value is None:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
            return start + dt.timedelta(days=1) if option == "--until" else start
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        msg = f"{option} {quoted(value)} is not a date; expected YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)"
        raise InputError(msg) from None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def _audit_case_id(value: str | None) -> str | None:
    """``--case`` as stored: a case's id is a UUID, which the web app shows in lower case."""
    from marbledx._format import quoted

    if value is None:
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        msg = f"--case {quoted(value)} is not a case id; expected the case's id, a UUID (as the web app shows it)"
        raise InputError(msg) from None


def run_audit(args: argparse.Namespace) -> int:
    """Print the team's audit events, newest first; returns 0 (errors are raised)."""
    from marbledx._format import printable

    if not 1 <= args.limit <= _AUDIT_MAX:
        msg = f"--limit {args.limit} is out of range; expected 1 to {_AUDIT_MAX} (narrow it with --since/--until)"
        raise InputError(msg)
    since, until = _audit_time(args.since, "--since"), _audit_time(args.until, "--until")
    if since is not None and until is not None and since >= until:
        msg = f"--since {args.since} is not before --until {args.until}; expected the earlier time first"
        raise InputError(msg)
    team, case_id = _team_name(args.team), _audit_case_id(args.case)
    _require_existing(args)
    with _open(args) as registry, _database_errors(registry):
        events = registry.audit_log(team, case_id, limit=args.limit, since=since, until=until)
    if len(events) == args.limit:
        # Not all may be shown: say how to read on, to stderr so that the JSON on stdout stays whole.
        sys.stderr.write(
            f"marbledx: the newest {args.limit} events are shown; for older ones add "
            f"--until {events[-1].at.isoformat()} (or raise --limit)\n"
        )
    if args.format == "json":
        _emit(json.dumps([e.to_dict() for e in events], indent=2, ensure_ascii=False))
        return 0
    rows = [("when (UTC)", "who", "action", "case", "detail")]
    rows += [
        (e.at.strftime("%Y-%m-%d %H:%M:%S"), e.user or "(removed)", e.action, e.case_id or "", e.detail)
        for e in events
    ]
    shown = [[printable(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in shown) for i in range(4)]
    for row in shown:
        _emit(
            "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)) + "  " + row[4]
        )
    if not events:
        _emit("(no events)")
    return 0
