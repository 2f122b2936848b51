"""A signed-in user changes their own password; a team's admin deactivates an account (pages and REST API),
through the registry's own methods, CSRF-protected and audited."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from marbledx.registry import Registry

from .conftest import PASSWORD, Web
from .test_pages import SESSION, csrf_of, sign_in

NEW = "a brand new passphrase"


def _error(page: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', page)
    assert found is not None, "no error on the page"
    return html.unescape(found.group(1))


def _actions(registry: Registry, *names: str) -> list[tuple[str, str | None, str]]:
    return [(e.action, e.user, e.detail) for e in registry.audit_log("haematology") if e.action in names]


def test_a_user_changes_their_own_password_on_the_account_page(
    web: Web, browsers: tuple[TestClient, TestClient]
) -> None:
    mine, elsewhere = browsers
    sign_in(elsewhere)
    token = sign_in(mine)
    assert 'href="/account"' in mine.get("/cases").text  # the user's name in the header
    page = mine.get("/account")
    assert page.status_code == 200
    assert 'action="/account/password"' in page.text
    assert csrf_of(page.text) == token
    form = {"current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW}

    assert mine.post("/account/password", data=form).status_code == 403  # no CSRF token
    forged = mine.post(
        "/account/password", data=form | {"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert forged.status_code == 403
    mismatch = mine.post(
        "/account/password", data=form | {"new_password_again": NEW + "!", "csrf_token": token}
    )
    assert mismatch.status_code == 422
    assert _error(mismatch.text).startswith("new password again differs from the new password")
    wrong = mine.post("/account/password", data=form | {"current_password": "a guess", "csrf_token": token})
    assert wrong.status_code == 422
    assert _error(wrong.text) == "current password is wrong; nothing was changed"
    short = mine.post(
        "/account/password",
        data=form | {"new_password": "short", "new_password_again": "short", "csrf_token": token},
    )
    assert _error(short.text) == "new password too short; expected at least 10 characters"
    for refused in (mismatch, wrong, short):
        assert PASSWORD not in refused.text  # never echoed
        assert "a guess" not in refused.text
    assert web.registry.authenticate("alice", PASSWORD) is not None  # nothing changed so far
    assert elsewhere.get("/cases").status_code == 200

    done = mine.post("/account/password", data=form | {"csrf_token": token})
    assert done.status_code == 303
    assert done.headers["location"] == "/account?done=password"
    assert "Password changed." in mine.get("/account?done=password").text
    assert mine.get("/cases").status_code == 200  # this session stays
    assert elsewhere.get("/cases").status_code == 303  # the other one has ended
    assert web.client.get("/api/cases", headers=web.alice).status_code == 200  # API tokens are kept
    assert web.registry.authenticate("alice", PASSWORD) is None
    assert web.registry.authenticate("alice", NEW) is not None
    events = _actions(web.registry, "password_changed", "login_failed")
    assert events.index(
        ("password_changed", "alice", "sessions ended: 1, API tokens revoked: 0 (API tokens kept); by alice")
    ) < events.index(("login_failed", "alice", "wrong current password at a password change"))


def test_the_account_page_can_revoke_the_users_tokens_too(
    web: Web, browsers: tuple[TestClient, TestClient]
) -> None:
    site, _ = browsers
    token = sign_in(site, "carol")
    form = {
        "current_password": PASSWORD,
        "new_password": NEW,
        "new_password_again": NEW,
        "revoke_tokens": "true",
        "csrf_token": token,
    }
    assert site.post("/account/password", data=form).status_code == 303
    assert web.client.get("/api/cases", headers=web.carol).status_code == 401
    assert site.get("/account").status_code == 200


def test_the_api_changes_the_callers_own_password(web: Web) -> None:
    session = web.registry.start_session("alice")
    body = {"current_password": "a guess", "new_password": NEW}
    wrong = web.client.post("/api/account/password", json=body, headers=web.alice)
    assert (wrong.status_code, wrong.json()) == (
        422,
        {"detail": "current password is wrong; nothing was changed"},
    )
    assert web.client.post("/api/account/password", json=body).status_code == 401
    extra = web.client.post("/api/account/password", json=body | {"password": "x"}, headers=web.alice)
    assert extra.status_code == 422
    assert "a guess" not in extra.text
    done = web.client.post(
        "/api/account/password", json=body | {"current_password": PASSWORD}, headers=web.alice
    )
    assert done.status_code == 200, done.text
    assert done.json() == {"sessions_ended": 1, "tokens_revoked": 0}
    assert web.registry.user_for_session(session) is None
    assert web.client.get("/api/cases", headers=web.alice).status_code == 200
    revoked = web.client.post(
        "/api/account/password",
        json={"current_password": NEW, "new_password": PASSWORD, "revoke_tokens": True},
        headers=web.alice,
    )
    assert revoked.json() == {"sessions_ended": 0, "tokens_revoked": 1}
    assert web.client.get("/api/cases", headers=web.alice).status_code == 401
    assert "/api/account/password" in web.client.get("/openapi.json").json()["paths"]


def test_an_admin_deactivates_an_account_on_the_accounts_page(
    web: Web, admin: dict[str, str], browsers: tuple[TestClient, TestClient]
) -> None:
    site, carols = browsers
    sign_in(carols, "carol")
    token = sign_in(site, "dana")
    page = site.get("/users").text
    assert 'href="/users/carol/deactivate"' in page  # to the confirmation step
    assert 'href="/users/alice/deactivate"' in page
    assert "/users/dana/deactivate" not in page  # not one's own
    assert "yes (you)" in page
    confirm = site.get("/users/carol/deactivate")
    assert confirm.status_code == 200
    assert "Deactivate carol?" in html.unescape(confirm.text)
    assert "their API token is revoked for good" in confirm.text
    assert 'name="confirm" value="yes"' in confirm.text
    form = {"csrf_token": token, "confirm": "yes"}
    assert site.post("/users/carol/deactivate", data={"confirm": "yes"}).status_code == 403  # no CSRF token
    other_site = site.post("/users/carol/deactivate", data=form, headers={"Origin": "https://evil.example"})
    assert other_site.status_code == 403
    unconfirmed = site.post("/users/carol/deactivate", data={"csrf_token": token})  # the old one-click form
    assert unconfirmed.status_code == 200
    assert 'name="confirm" value="yes"' in unconfirmed.text
    assert web.registry.get_user("carol").active
    done = site.post("/users/carol/deactivate", data=form)
    assert done.status_code == 303
    assert done.headers["location"] == "/users?done=deactivated"
    after = site.get("/users?done=deactivated").text
    assert "Account deactivated" in after
    assert 'href="/users/carol/deactivate"' not in after
    assert 'action="/users/carol/reactivate"' in after
    assert not web.registry.get_user("carol").active
    assert carols.get("/cases").status_code == 303  # her session has ended
    assert web.client.get("/api/cases", headers=web.carol).status_code == 401  # her token is revoked
    assert _actions(web.registry, "account_deactivated") == [
        ("account_deactivated", "carol", "sessions ended: 1, API tokens revoked: 1; by dana")
    ]
    assert site.get("/users/carol/deactivate").headers["location"] == "/users"  # nothing left to confirm
    again = site.post("/users/carol/deactivate", data=form)  # the form sent twice: no second event
    assert again.status_code == 303
    assert len(_actions(web.registry, "account_deactivated")) == 1
    for own in (site.get("/users/dana/deactivate"), site.post("/users/dana/deactivate", data=form)):
        assert own.status_code == 403
        assert "dana cannot deactivate their own account" in own.text
    assert site.get("/users/bob/deactivate").status_code == 404  # another team
    assert site.post("/users/bob/deactivate", data=form).status_code == 404
    assert web.registry.get_user("dana").active
    assert web.registry.get_user("bob").active


def test_only_admins_deactivate(web: Web, browsers: tuple[TestClient, TestClient]) -> None:
    site, _ = browsers
    token = sign_in(site, "alice")
    assert site.get("/users/carol/deactivate").status_code == 403
    form = {"csrf_token": token, "confirm": "yes"}
    assert site.post("/users/carol/deactivate", data=form).status_code == 403
    assert web.client.post("/api/users/carol/deactivate", headers=web.alice).status_code == 403
    assert web.registry.get_user("carol").active
    assert site.cookies.get(SESSION) is not None


def test_the_api_deactivates_an_account(web: Web, admin: dict[str, str]) -> None:
    response = web.client.post("/api/users/carol/deactivate", headers=admin)
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["active"]) == ("carol", False)
    assert web.client.get("/api/cases", headers=web.carol).status_code == 401
    own = web.client.post("/api/users/dana/deactivate", headers=admin)
    assert own.status_code == 403
    assert own.json()["detail"].startswith("dana cannot deactivate their own account")
    assert web.client.post("/api/users/bob/deactivate", headers=admin).status_code == 404
    assert web.client.post("/api/users/nobody/deactivate", headers=admin).status_code == 404
    events = web.client.get("/api/audit", headers=admin).json()["events"]
    (event,) = [e for e in events if e["action"] == "account_deactivated"]
    assert (event["user"], event["detail"]) == ("carol", "sessions ended: 0, API tokens revoked: 1; by dana")
