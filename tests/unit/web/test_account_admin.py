"""A team's admin adds accounts and activates deactivated ones again (pages and REST API), two admins
cannot deactivate each other at once, and a user's own password changes pause after too many wrong
current passwords. Each runs on SQLite and on PostgreSQL (``tests/postgres.py``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import re
import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from marbledx.errors import InputError
from marbledx.registry import (
    PASSWORD_CHANGE_ATTEMPTS,
    PASSWORD_CHANGE_WINDOW,
    NotFoundError,
    PermissionDeniedError,
    Registry,
)
from marbledx.registry import _registry as registry_impl
from marbledx.registry._models import User

from .conftest import PASSWORD, Web
from .test_pages import sign_in

NEW = "a brand new passphrase"
ADDED = "a starting passphrase"


@pytest.fixture
def site(web: Web) -> Iterator[TestClient]:
    """A browser over HTTPS (Secure cookies)."""
    with TestClient(web.client.app, base_url="https://testserver", follow_redirects=False) as client:  # type: ignore[arg-type]
        yield client


def _error(page: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', page)
    assert found is not None, "no error on the page"
    return html.unescape(found.group(1))


def _events(registry: Registry, action: str) -> list[tuple[str | None, str]]:
    return [(e.user, e.detail) for e in registry.audit_log("haematology") if e.action == action]


# -- adding an account -------------------------------------------------------------------------------------


def test_an_admin_adds_an_account_on_the_accounts_page(
    web: Web, admin: dict[str, str], site: TestClient
) -> None:
    token = sign_in(site, "dana")
    page = site.get("/users").text
    assert 'action="/users#add"' in page
    assert all(f'<option value="{role}"' in page for role in ("clinician", "counsellor", "admin"))
    form = {"name": "erin", "role": "counsellor", "password": ADDED, "password_again": ADDED}

    assert site.post("/users", data=form).status_code == 403  # no CSRF token
    forged = site.post(
        "/users", data=form | {"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert forged.status_code == 403
    refusals = {
        "password again differs from the password; type the same password twice": form
        | {"password_again": ADDED + "!"},
        # the command line's rule and message (marbledx users add)
        "password too short; expected at least 10 characters": form
        | {"password": "short", "password_again": "short"},
        "password is only spaces; expected a real password": form
        | {"password": " " * 12, "password_again": " " * 12},
        "user name is empty; expected 1-100 letters, digits or . _ @ -": form | {"name": "  "},
        "user name 'erin smith' is not allowed; expected 1-100 letters, digits or . _ @ - (starting with a "
        "letter or digit)": form | {"name": "erin smith"},
        "unknown role 'owner'; expected one of clinician, counsellor, admin": form | {"role": "owner"},
    }
    for message, data in refusals.items():
        refused = site.post("/users", data=data | {"csrf_token": token})
        assert refused.status_code == 422, message
        assert _error(refused.text) == message
        assert ADDED not in refused.text  # never echoed
        assert 'name="password" type="password"' in refused.text
    kept = site.post("/users", data=form | {"password_again": "x" * 12, "csrf_token": token}).text
    assert 'value="erin"' in kept  # what was typed stays, but the passwords
    assert '<option value="counsellor" selected>' in kept
    for taken in ("alice", "bob"):  # names are unique on the server, in any team
        conflict = site.post("/users", data=form | {"name": taken, "csrf_token": token})
        assert conflict.status_code == 409
        assert _error(conflict.text) == f"user {taken!r} already exists; expected a new user name"
    with pytest.raises(NotFoundError, match="no user"):
        web.registry.get_user("erin")

    done = site.post("/users", data=form | {"name": " erin ", "csrf_token": token})
    assert done.status_code == 303
    assert done.headers["location"] == "/users?done=added#top"
    after = site.get("/users?done=added").text
    assert "Account added." in after
    assert '<td rowspan="1">erin</td><td rowspan="1">counsellor</td>' in after
    erin = web.registry.get_user("erin")
    assert (erin.team, erin.role, erin.active) == ("haematology", "counsellor", True)
    assert web.registry.authenticate("erin", ADDED) is not None
    assert _events(web.registry, "account_activated") == [("erin", "account created (counsellor); by dana")]
    with TestClient(web.client.app, base_url="https://testserver", follow_redirects=False) as erins:  # type: ignore[arg-type]
        page = erins.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf is not None
        signed = erins.post(
            "/login", data={"username": "erin", "password": ADDED, "csrf_token": csrf.group(1)}
        )
        assert signed.status_code == 303
        assert "erin · haematology · counsellor" in erins.get("/cases").text


def test_only_admins_add_accounts(web: Web, site: TestClient) -> None:
    token = sign_in(site, "alice")
    form = {"name": "erin", "role": "admin", "password": ADDED, "password_again": ADDED, "csrf_token": token}
    refused = site.post("/users", data=form)
    assert refused.status_code == 403
    assert "managing accounts is for the team's admins; alice is a clinician" in html.unescape(refused.text)
    body = {"name": "erin", "role": "admin", "password": ADDED}
    assert web.client.post("/api/users", json=body, headers=web.alice).status_code == 403
    assert web.client.post("/api/users", json=body).status_code == 401
    with pytest.raises(NotFoundError, match="no user"):
        web.registry.get_user("erin")


def test_the_api_adds_an_account_to_the_admins_team(web: Web, admin: dict[str, str]) -> None:
    body = {"name": "erin", "role": "clinician", "password": ADDED}
    added = web.client.post("/api/users", json=body, headers=admin)
    assert added.status_code == 201, added.text
    assert {k: added.json()[k] for k in ("name", "team", "role", "active")} == {
        "name": "erin",
        "team": "haematology",
        "role": "clinician",
        "active": True,
    }
    assert "password" not in added.text
    again = web.client.post("/api/users", json=body, headers=admin)
    assert (again.status_code, again.json()) == (
        409,
        {"detail": "user 'erin' already exists; expected a new user name"},
    )
    short = web.client.post("/api/users", json=body | {"name": "fay", "password": "short"}, headers=admin)
    assert (short.status_code, short.json()) == (
        422,
        {"detail": "password too short; expected at least 10 characters"},
    )
    other_team = web.client.post("/api/users", json=body | {"name": "fay", "team": "oncology"}, headers=admin)
    assert other_team.status_code == 422  # the team is always the admin's own
    assert ADDED not in other_team.text
    role = web.client.post("/api/users", json=body | {"name": "fay", "role": "owner"}, headers=admin)
    assert role.status_code == 422
    assert role.json()["detail"].startswith("role: ")
    events = web.client.get("/api/audit", headers=admin).json()["events"]
    assert [(e["user"], e["detail"]) for e in events if e["action"] == "account_activated"] == [
        ("erin", "account created (clinician); by dana")
    ]
    assert "POST" in {m.upper() for m in web.client.get("/openapi.json").json()["paths"]["/api/users"]}


def test_the_registry_adds_accounts_to_the_admins_own_team_only(web: Web, admin: dict[str, str]) -> None:
    dana = web.registry.get_user("dana")
    with pytest.raises(PermissionDeniedError, match="to their own team 'haematology' only"):
        web.registry.add_user("erin", "oncology", "clinician", ADDED, by=dana)
    with pytest.raises(PermissionDeniedError, match="for the team's admins"):
        web.registry.add_user("erin", "haematology", "clinician", ADDED, by=web.registry.get_user("alice"))
    assert [u.name for u in web.registry.list_users("oncology")] == ["bob"]


# -- activating an account again ---------------------------------------------------------------------------


def test_an_admin_activates_an_account_again_on_the_accounts_page(
    web: Web, admin: dict[str, str], site: TestClient
) -> None:
    token = sign_in(site, "dana")
    assert 'action="/users/carol/reactivate"' not in site.get("/users").text  # active: nothing to activate
    web.registry.set_active("carol", False, by=web.registry.get_user("dana"))
    page = site.get("/users").text
    assert 'action="/users/carol/reactivate"' in page
    assert 'href="/users/carol/deactivate"' not in page
    assert site.post("/users/carol/reactivate").status_code == 403  # no CSRF token
    forged = site.post(
        "/users/carol/reactivate", data={"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert forged.status_code == 403
    assert not web.registry.get_user("carol").active

    done = site.post("/users/carol/reactivate", data={"csrf_token": token})
    assert done.status_code == 303
    assert done.headers["location"] == "/users?done=activated"
    assert "Account activated again." in site.get("/users?done=activated").text
    assert web.registry.get_user("carol").active
    assert web.registry.authenticate("carol", PASSWORD) is not None  # with her old password
    assert web.client.get("/api/cases", headers=web.carol).status_code == 401  # her token stays revoked
    assert _events(web.registry, "account_activated") == [("carol", "by dana")]
    assert site.post("/users/carol/reactivate", data={"csrf_token": token}).status_code == 303
    assert len(_events(web.registry, "account_activated")) == 1  # already active: no second event
    assert site.post("/users/bob/reactivate", data={"csrf_token": token}).status_code == 404  # another team
    assert site.post("/users/nobody/reactivate", data={"csrf_token": token}).status_code == 404


def test_the_api_activates_an_account_again(web: Web, admin: dict[str, str]) -> None:
    assert web.client.post("/api/users/carol/deactivate", headers=admin).status_code == 200
    assert web.client.post("/api/users/carol/reactivate", headers=web.alice).status_code == 403
    assert web.client.post("/api/users/carol/reactivate").status_code == 401
    assert not web.registry.get_user("carol").active
    response = web.client.post("/api/users/carol/reactivate", headers=admin)
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["active"]) == ("carol", True)
    web.registry.set_active("bob", False)
    assert web.client.post("/api/users/bob/reactivate", headers=admin).status_code == 404
    assert not web.registry.get_user("bob").active
    events = web.client.get("/api/audit", headers=admin).json()["events"]
    assert [(e["user"], e["detail"]) for e in events if e["action"] == "account_activated"] == [
        ("carol", "by dana")
    ]


def test_two_admins_cannot_deactivate_each_other_at_once(
    web: Web, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both transactions read each other's account before either writes (held at a barrier): without a
    lock on the team's admins, each sees the other active and the team is left without an admin. (SQLite
    runs write transactions one at a time, so there the barrier only times out.)"""
    web.registry.add_user("ezra", "haematology", "admin", PASSWORD)
    dana, ezra = web.registry.get_user("dana"), web.registry.get_user("ezra")
    barrier = threading.Barrier(2, timeout=3)
    original = Registry._account

    def held(session: Session, name: str) -> User:
        row = original(session, name)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return row

    monkeypatch.setattr(Registry, "_account", staticmethod(held))
    outcomes: dict[str, str] = {}

    def deactivate(target: str, by: str) -> None:
        try:
            web.registry.set_active(target, False, by=dana if by == "dana" else ezra)
            outcomes[by] = "done"
        except PermissionDeniedError as exc:
            outcomes[by] = str(exc)

    threads = [
        threading.Thread(target=deactivate, args=pair) for pair in (("ezra", "dana"), ("dana", "ezra"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    (refused,) = [by for by, outcome in outcomes.items() if outcome != "done"]
    assert outcomes[refused] == f"account {refused!r} is deactivated"
    assert len(outcomes) == 2
    active_admins = [u.name for u in web.registry.list_users("haematology") if u.role == "admin" and u.active]
    assert len(active_admins) == 1


# -- pausing a user's own password changes ------------------------------------------------------------------


def _later(monkeypatch: pytest.MonkeyPatch, delta: dt.timedelta) -> None:
    """Move the registry's clock on by ``delta``."""
    now = registry_impl.utcnow()
    monkeypatch.setattr(registry_impl, "utcnow", lambda: now + delta)


def test_password_changes_pause_after_too_many_wrong_current_passwords(
    web: Web, site: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = sign_in(site, "alice")
    guess = {
        "current_password": "a guess",
        "new_password": NEW,
        "new_password_again": NEW,
        "csrf_token": token,
    }
    for _ in range(PASSWORD_CHANGE_ATTEMPTS):
        wrong = site.post("/account/password", data=guess)
        assert wrong.status_code == 422
        assert _error(wrong.text) == "current password is wrong; nothing was changed"
    right = guess | {"current_password": PASSWORD}
    paused = site.post("/account/password", data=right)  # even the right password is not checked now
    assert paused.status_code == 429
    assert 0 < int(paused.headers["retry-after"]) <= PASSWORD_CHANGE_WINDOW.total_seconds()
    message = _error(paused.text)
    assert re.fullmatch(
        r"too many wrong current passwords \(5 in 15 minutes\): password changes of alice are paused until "
        r"\d\d:\d\d UTC; nothing was changed, and the password was not checked",
        message,
    ), message
    assert "5 wrong current passwords within 15 minutes" in site.get("/account").text
    assert web.registry.authenticate("alice", PASSWORD) is not None  # unchanged
    assert site.get("/cases").status_code == 200  # the session stays
    api = web.client.post(
        "/api/account/password", json={"current_password": PASSWORD, "new_password": NEW}, headers=web.alice
    )
    assert api.status_code == 429  # the REST API shares the count
    assert api.json() == {"detail": message}
    assert "retry-after" in api.headers
    failed = _events(web.registry, "login_failed")
    assert failed.count(("alice", "password change refused: too many tries")) == 2
    assert failed.count(("alice", "wrong current password at a password change")) == PASSWORD_CHANGE_ATTEMPTS

    other = web.client.post(  # another account is not paused
        "/api/account/password", json={"current_password": PASSWORD, "new_password": NEW}, headers=web.carol
    )
    assert other.status_code == 200

    _later(monkeypatch, PASSWORD_CHANGE_WINDOW + dt.timedelta(seconds=1))
    assert site.post("/account/password", data=right).status_code == 303  # the window has passed
    assert web.registry.authenticate("alice", NEW) is not None


def test_a_password_set_since_lifts_the_pause(web: Web) -> None:
    alice = web.registry.get_user("alice")
    for _ in range(PASSWORD_CHANGE_ATTEMPTS):
        response = web.client.post(
            "/api/account/password",
            json={"current_password": "a guess", "new_password": NEW},
            headers=web.alice,
        )
        assert response.status_code == 422
    with pytest.raises(PermissionDeniedError, match="paused"):
        web.registry.change_password(alice, PASSWORD, NEW)
    web.registry.set_password("alice", "set on the server")  # marbledx users password alice
    ended = web.registry.change_password(alice, "set on the server", NEW)
    assert ended.tokens == 0
    assert web.registry.authenticate("alice", NEW) is not None


def test_wrong_passwords_below_the_limit_do_not_pause(web: Web) -> None:
    alice = web.registry.get_user("alice")
    for _ in range(PASSWORD_CHANGE_ATTEMPTS - 1):
        with pytest.raises(InputError, match="current password is wrong"):
            web.registry.change_password(alice, "a guess", NEW)
    web.registry.change_password(alice, PASSWORD, NEW)
    assert web.registry.authenticate("alice", NEW) is not None


def test_the_account_page_names_its_user_to_password_managers(web: Web, site: TestClient) -> None:
    """A ``type="hidden"`` field is ignored by browsers' password managers (chromium warns that the form
    has no username field), which then cannot tell whose saved password changes."""
    sign_in(site, "alice")
    page = site.get("/account").text
    field = re.search(
        r'<input type="(\w+)" name="username" value="alice" autocomplete="username"[^>]*>', page
    )
    assert field is not None
    assert field.group(1) == "text"
    assert " hidden" in field.group(0)
