"""A user changes their own password (proving the current one); an admin deactivates others, not themselves."""

from __future__ import annotations

from typing import Literal

import pytest
from argon2 import PasswordHasher

from marbledx.errors import InputError
from marbledx.registry import ConflictError, NotFoundError, PermissionDeniedError, Registry, UserInfo

from .helpers import PASSWORD

NEW = "a brand new passphrase"


def _events(registry: Registry, *actions: str) -> list[tuple[str, str | None, str]]:
    return [(e.action, e.user, e.detail) for e in registry.audit_log("haematology") if e.action in actions]


def test_a_user_changes_their_own_password_as_the_command_line_would(
    registry: Registry, alice: UserInfo
) -> None:
    token = registry.issue_token(alice)
    other, mine = registry.start_session(alice), registry.start_session(alice)
    ended = registry.change_password(alice, PASSWORD, NEW, keep_session=mine)
    assert (ended.sessions, ended.tokens) == (1, 0)
    assert registry.user_for_session(other) is None
    assert registry.user_for_session(mine) == alice  # the session it was changed from stays
    assert registry.user_for_token(token) == alice  # API tokens are kept, as with set_password
    assert registry.authenticate("alice", PASSWORD) is None
    assert registry.authenticate("alice", NEW) == alice
    assert _events(registry, "password_changed") == [
        ("password_changed", "alice", "sessions ended: 1, API tokens revoked: 0 (API tokens kept); by alice")
    ]
    again = registry.change_password(alice, NEW, PASSWORD, revoke_tokens=True)
    assert (again.sessions, again.tokens) == (1, 1)  # without keep_session: every session ends
    assert registry.user_for_session(mine) is None
    assert registry.user_for_token(token) is None


def test_a_wrong_current_password_changes_nothing_and_is_audited(registry: Registry, alice: UserInfo) -> None:
    mine = registry.start_session(alice)
    with pytest.raises(InputError, match=r"^current password is wrong; nothing was changed$"):
        registry.change_password(alice, "not the password", NEW, keep_session=mine)
    assert registry.authenticate("alice", PASSWORD) == alice
    assert registry.user_for_session(mine) == alice
    failed = _events(registry, "login_failed", "password_changed")
    assert failed == [("login_failed", "alice", "wrong current password at a password change")]


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short", "new password too short; expected at least 10 characters"),
        (" " * 12, "new password is only spaces; expected a real password"),
    ],
)
def test_the_new_password_follows_the_policy(
    registry: Registry, alice: UserInfo, new: str, message: str
) -> None:
    with pytest.raises(InputError) as refused:
        registry.change_password(alice, PASSWORD, new)
    assert str(refused.value) == message
    assert registry.authenticate("alice", PASSWORD) == alice
    assert _events(registry, "password_changed") == []


def test_a_deactivated_or_outdated_account_cannot_change_its_password(
    registry: Registry, alice: UserInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.set_active("alice", False)
    with pytest.raises(PermissionDeniedError, match="deactivated"):
        registry.change_password(alice, PASSWORD, NEW)
    registry.set_active("alice", True)

    class ChangedMeanwhile(PasswordHasher):
        """An admin sets the password between the check of the current one and the change."""

        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            result = super().verify(hash, password)
            registry.set_password("alice", "set by an admin meanwhile")
            return result

    monkeypatch.setattr(registry, "_hasher", ChangedMeanwhile(time_cost=1, memory_cost=1024, parallelism=1))
    with pytest.raises(ConflictError, match="changed meanwhile"):
        registry.change_password(alice, PASSWORD, NEW)
    monkeypatch.undo()
    assert registry.authenticate("alice", "set by an admin meanwhile") == alice  # not overwritten


def test_an_admin_deactivates_an_account_of_the_team_but_not_their_own(
    registry: Registry, alice: UserInfo, carol: UserInfo, bob: UserInfo
) -> None:
    dana = registry.add_user("dana", "haematology", "admin", PASSWORD)
    token, session = registry.issue_token(alice), registry.start_session(alice)
    assert registry.set_active("alice", False, by=dana).active is False
    assert registry.user_for_token(token) is None
    assert registry.user_for_session(session) is None
    assert _events(registry, "account_deactivated") == [
        ("account_deactivated", "alice", "sessions ended: 1, API tokens revoked: 1; by dana")
    ]
    with pytest.raises(PermissionDeniedError, match=r"^dana cannot deactivate their own account"):
        registry.set_active("dana", False, by=dana)
    assert registry.get_user("dana").active
    with pytest.raises(NotFoundError):
        registry.set_active("bob", False, by=dana)  # another team's account
    with pytest.raises(PermissionDeniedError, match="for the team's admins"):
        registry.set_active("dana", False, by=carol)
    registry.set_active("dana", False)  # the server's command line may
    assert not registry.get_user("dana").active
