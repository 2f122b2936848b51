"""Browser sign-in sessions: hashed secrets, sign-out, idle and absolute timeouts, purge, backups."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from marbledx.registry import SESSION_IDLE, Registry, UserInfo, hash_token
from marbledx.registry._models import LoginSession

from .helpers import rewrite


def _rows(registry: Registry) -> int:
    with registry.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(LoginSession)) or 0)


def _age(registry: Registry, secret: str, **shift: dt.timedelta) -> None:
    """Move a session's clocks into the past (``last_seen_at=…``, ``expires_at=…``)."""
    with registry.unit_of_work() as session:
        row = session.scalars(
            select(LoginSession).where(LoginSession.session_hash == hash_token(secret))
        ).one()
        for column, delta in shift.items():
            setattr(row, column, getattr(row, column) - delta)


def test_a_session_names_its_user_and_only_the_hash_is_kept(registry: Registry, alice: UserInfo) -> None:
    secret = registry.start_session(alice)
    assert secret.startswith("mxs_")
    assert registry.user_for_session(secret) == alice
    with registry.unit_of_work() as session:
        stored = session.scalars(select(LoginSession.session_hash)).one()
    assert stored == hash_token(secret)
    assert secret not in stored
    assert registry.user_for_session(secret + "x") is None
    assert registry.user_for_session("mdx_" + secret[4:]) is None  # an API token prefix is not a session


def test_sign_out_ends_the_session(registry: Registry, alice: UserInfo) -> None:
    secret = registry.start_session(alice)
    other = registry.start_session(alice)
    registry.end_session(secret)
    registry.end_session(secret)  # twice is harmless
    registry.end_session("mxs_unknown")
    assert registry.user_for_session(secret) is None
    assert registry.user_for_session(other) == alice


def test_idle_and_absolute_timeouts(registry: Registry, alice: UserInfo) -> None:
    idle = registry.start_session(alice)
    _age(registry, idle, last_seen_at=SESSION_IDLE + dt.timedelta(seconds=1))
    assert registry.user_for_session(idle) is None
    expired = registry.start_session(alice, lifetime=dt.timedelta(hours=1))
    _age(registry, expired, expires_at=dt.timedelta(hours=1, seconds=1))
    assert registry.user_for_session(expired) is None


def test_use_restarts_the_idle_clock(registry: Registry, alice: UserInfo) -> None:
    secret = registry.start_session(alice)
    _age(registry, secret, last_seen_at=SESSION_IDLE - dt.timedelta(minutes=1))
    assert registry.user_for_session(secret) == alice  # touched now
    _age(registry, secret, last_seen_at=SESSION_IDLE - dt.timedelta(minutes=1))
    assert registry.user_for_session(secret) == alice


def test_a_deactivated_account_loses_its_sessions_for_good(registry: Registry, alice: UserInfo) -> None:
    """Deactivating ends the sessions; activating the account again does not bring them back."""
    secret = registry.start_session(alice)
    registry.set_active("alice", False)
    assert registry.user_for_session(secret) is None
    registry.set_active("alice", True)
    assert registry.user_for_session(secret) is None
    assert registry.user_for_session(registry.start_session("alice")) == registry.get_user("alice")


def test_a_password_change_ends_the_other_sessions(registry: Registry, alice: UserInfo) -> None:
    first, second, mine = (registry.start_session(alice) for _ in range(3))
    ended = registry.set_password("alice", "another long one", keep_session=mine)
    assert (ended.sessions, ended.tokens) == (2, 0)
    assert registry.user_for_session(first) is None
    assert registry.user_for_session(second) is None
    assert registry.user_for_session(mine) == alice  # the session that changed it stays
    assert registry.set_password("alice", "and a third one").sessions == 1  # from the command line: all
    assert registry.user_for_session(mine) is None


def test_starting_a_session_purges_dead_ones(registry: Registry, alice: UserInfo) -> None:
    ended = registry.start_session(alice)
    registry.end_session(ended)
    idle = registry.start_session(alice)
    _age(registry, idle, last_seen_at=SESSION_IDLE)
    live = registry.start_session(alice)
    assert _rows(registry) == 1
    assert registry.user_for_session(live) == alice


def test_backups_leave_sessions_out_and_a_restore_ends_them(
    registry: Registry, alice: UserInfo, tmp_path: Path
) -> None:
    secret = registry.start_session(alice)
    manifest = registry.backup(tmp_path / "backup.tar.gz")
    assert "login_sessions" not in manifest["tables"]
    registry.restore(tmp_path / "backup.tar.gz", force=True)
    assert _rows(registry) == 0
    assert registry.user_for_session(secret) is None
    assert registry.get_user("alice").name == "alice"


def test_timestamps_are_written_as_aware_utc(registry: Registry, alice: UserInfo) -> None:
    registry.start_session(alice)
    with registry.unit_of_work() as session:
        session.execute(update(LoginSession).values(ended_at=None))
        row = session.scalars(select(LoginSession)).one()
        assert row.created_at.tzinfo is not None
        assert row.expires_at - row.created_at == dt.timedelta(hours=12)


@pytest.mark.parametrize("revision", ["0001", "0002", "0003", "0004", "0005"])
def test_a_backup_from_an_older_schema_still_restores(
    registry: Registry, alice: UserInfo, tmp_path: Path, revision: str
) -> None:
    """Revision 0002 only added the sessions, which backups leave out, 0003 only widened the audit events'
    actions, 0004 only added nullable sample columns to uploads, and 0005 only the sign-in throttles, which
    backups leave out: older backups still fit the tables."""
    good = tmp_path / "backup.tar.gz"
    manifest = registry.backup(good)
    older = tmp_path / "older.tar.gz"
    rewrite(
        good,
        older,
        {"manifest.json": json.dumps(dict(manifest, schema_revision=revision)).encode()},
        fix_manifest=False,
    )
    assert registry.restore(older, force=True)["schema_revision"] == revision
    assert registry.get_user("alice") == alice
