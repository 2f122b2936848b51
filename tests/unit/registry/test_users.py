"""Accounts, roles, argon2 passwords and API tokens."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from marbledx.errors import InputError
from marbledx.registry import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    Registry,
    UserInfo,
    hash_token,
)
from marbledx.registry._models import ApiToken, User

from .helpers import PASSWORD


def test_add_user_creates_team_and_stores_an_argon2_hash(registry: Registry, alice: UserInfo) -> None:
    assert (alice.name, alice.team, alice.role, alice.active) == ("alice", "haematology", "clinician", True)
    assert alice.created_at.tzinfo is not None
    carol = registry.add_user("carol", "haematology", "counsellor", PASSWORD)
    assert carol.team == alice.team
    with registry.unit_of_work() as session:
        stored = session.scalars(select(User.password_hash).where(User.name == "alice")).one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)
    assert [u.name for u in registry.list_users()] == ["alice", "carol"]
    assert registry.list_users("oncology") == []
    assert registry.get_user("carol").role == "counsellor"


def test_default_hasher_uses_argon2id_defaults(tmp_path) -> None:
    with Registry.open(f"sqlite:///{tmp_path / 'r.sqlite3'}") as registry:
        registry.add_user("dora", "team", "admin", PASSWORD)
        with registry.unit_of_work() as session:
            stored = session.scalars(select(User.password_hash)).one()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_authenticate(registry: Registry, alice: UserInfo) -> None:
    assert registry.authenticate("alice", PASSWORD) == alice
    assert registry.authenticate("alice", "wrong password!") is None
    assert registry.authenticate("alice", "") is None
    assert registry.authenticate("nobody", PASSWORD) is None
    events = registry.audit_log("haematology")
    assert [e.action for e in events] == ["login_failed", "login_failed", "login"]
    assert {e.detail for e in events} == {"wrong password", "password"}
    assert all(e.user == "alice" and e.case_id is None for e in events)


def test_deactivated_account_cannot_sign_in_or_act(registry: Registry, alice: UserInfo) -> None:
    token = registry.issue_token(alice)
    case = registry.create_case(alice, "case 1")
    registry.set_active("alice", False)
    assert registry.authenticate("alice", PASSWORD) is None
    assert registry.user_for_token(token) is None
    with pytest.raises(PermissionDeniedError, match="deactivated"):
        registry.get_case(alice, case.id)
    with pytest.raises(PermissionDeniedError):
        registry.issue_token("alice")
    registry.set_active("alice", True)
    assert registry.user_for_token(token) is None  # revoked for good: reactivating does not restore it
    assert registry.list_tokens("alice")[0].revoked
    assert registry.user_for_token(registry.issue_token("alice")) == registry.get_user("alice")
    account = ("token_issued", "account_activated", "account_deactivated")
    actions = [(e.action, e.detail) for e in registry.audit_log("haematology") if e.action in account]
    assert actions[:3] == [
        ("token_issued", "token 2; by the server's command line"),
        ("account_activated", "by the server's command line"),
        ("account_deactivated", "sessions ended: 0, API tokens revoked: 1; by the server's command line"),
    ]


def test_set_password(registry: Registry, alice: UserInfo) -> None:
    token = registry.issue_token(alice)
    registry.set_password("alice", "another long one")
    assert registry.authenticate("alice", PASSWORD) is None
    assert registry.authenticate("alice", "another long one") is not None
    # Tokens are not obtainable with the password, so they survive its change unless asked otherwise.
    assert registry.user_for_token(token) is not None
    assert registry.set_password("alice", "a third long one", revoke_tokens=True).tokens == 1
    assert registry.user_for_token(token) is None
    with pytest.raises(NotFoundError):
        registry.set_password("nobody", "another long one")
    events = [e for e in registry.audit_log("haematology") if e.action == "password_changed"]
    assert [e.detail for e in events] == [
        "sessions ended: 0, API tokens revoked: 1; by the server's command line",
        "sessions ended: 0, API tokens revoked: 0 (API tokens kept); by the server's command line",
    ]
    assert all(e.user == "alice" for e in events)
    assert all("long one" not in e.detail for e in events)


def test_an_admin_lists_and_revokes_the_tokens_of_their_team_only(
    registry: Registry, alice: UserInfo, carol: UserInfo, bob: UserInfo
) -> None:
    dana = registry.add_user("dana", "haematology", "admin", PASSWORD)
    leaked, kept = registry.issue_token(alice), registry.issue_token(alice)
    bobs = registry.issue_token(bob)
    first, second = registry.list_tokens("alice", by=dana)
    revoked = registry.revoke_token("alice", first.id, by=dana)
    assert revoked.revoked
    assert registry.user_for_token(leaked) is None
    assert registry.user_for_token(kept) == alice  # the account and its other tokens are untouched
    assert registry.authenticate("alice", PASSWORD) == alice
    registry.revoke_token("alice", first.id, by=dana)  # again: nothing changes, nothing is logged
    (event,) = [e for e in registry.audit_log("haematology") if e.action == "token_revoked"]
    assert (event.user, event.detail) == ("alice", f"token {first.id}; by dana")
    assert [u.name for u in registry.list_users(by=dana)] == ["alice", "carol", "dana"]
    (bob_token,) = registry.list_tokens("bob")
    with pytest.raises(NotFoundError, match="no user 'bob'"):  # another team's account is not found
        registry.revoke_token("bob", bob_token.id, by=dana)
    with pytest.raises(NotFoundError):
        registry.list_tokens("bob", by=dana)
    with pytest.raises(PermissionDeniedError, match="admins"):
        registry.revoke_token("alice", second.id, by=carol)
    with pytest.raises(PermissionDeniedError, match="admins"):
        registry.list_users(by=carol)
    with pytest.raises(NotFoundError, match="no token"):
        registry.revoke_token("alice", 2**70, by=dana)
    assert registry.user_for_token(bobs) == bob
    assert registry.revoke_tokens("alice") == 1
    assert registry.user_for_token(kept) is None


@pytest.mark.parametrize(
    ("name", "team", "role", "password", "message"),
    [
        ("dora", "team", "nurse", PASSWORD, "unknown role 'nurse'"),
        ("dora", "team", "admin", "", "password too short"),
        ("dora", "team", "admin", "abc123", "password too short"),
        ("dora", "team", "admin", " " * 12, "only spaces"),
        ("", "team", "admin", PASSWORD, "user name"),
        ("dora smith", "team", "admin", PASSWORD, "user name"),
        ("dora", "  ", "admin", PASSWORD, "team name"),
    ],
)
def test_add_user_refuses_bad_input(
    registry: Registry, name: str, team: str, role: str, password: str, message: str
) -> None:
    with pytest.raises(InputError, match=message) as caught:
        registry.add_user(name, team, role, password)
    if password.strip():
        assert password not in str(caught.value)
    assert registry.list_users() == []


def test_user_names_are_unique(registry: Registry, alice: UserInfo) -> None:
    with pytest.raises(ConflictError, match="already exists"):
        registry.add_user("alice", "oncology", "admin", PASSWORD)
    assert [u.team for u in registry.list_users()] == ["haematology"]


def test_tokens_are_stored_hashed_and_shown_once(registry: Registry, alice: UserInfo) -> None:
    secret = registry.issue_token(alice)
    assert secret.startswith("mdx_")
    assert len(secret) > 40
    with registry.unit_of_work() as session:
        rows = session.scalars(select(ApiToken)).all()
        assert len(rows) == 1
        assert rows[0].token_hash == hashlib.sha256(secret.encode()).hexdigest() == hash_token(secret)
        assert rows[0].last_used_at is None
    database = Path(str(registry.url.database))
    for path in database.parent.glob(f"{database.name}*"):  # the database and its WAL
        assert secret.encode() not in path.read_bytes()
    assert registry.user_for_token(secret) == alice
    tokens = registry.list_tokens(alice)
    assert len(tokens) == 1
    assert tokens[0].last_used_at is not None
    assert not tokens[0].revoked
    assert registry.issue_token("alice") != secret


def test_revoked_and_unknown_tokens_are_refused(registry: Registry, alice: UserInfo, bob: UserInfo) -> None:
    secret = registry.issue_token(alice)
    other = registry.issue_token(bob)
    (token,) = registry.list_tokens(alice)
    with pytest.raises(NotFoundError):
        registry.revoke_token(bob, token.id)  # not bob's token
    registry.revoke_token(alice, token.id)
    assert registry.user_for_token(secret) is None
    assert registry.list_tokens("alice")[0].revoked
    assert registry.user_for_token(other) == bob
    assert registry.user_for_token("mdx_" + "x" * 43) is None
    assert registry.user_for_token("not a token") is None
    assert registry.user_for_token("") is None


def test_outdated_hashes_are_upgraded_at_sign_in(registry: Registry, alice: UserInfo) -> None:
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    with Registry.open(registry.url, uploads_dir=registry.uploads_dir, password_hasher=stronger) as again:
        assert again.authenticate("alice", PASSWORD) == alice
        with again.unit_of_work() as session:
            stored = session.scalars(select(User.password_hash)).one()
    assert "m=2048,t=2,p=1" in stored
