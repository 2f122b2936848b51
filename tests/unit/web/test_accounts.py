"""A team's admins list and revoke API tokens: the REST API, the accounts page, and the audit log."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from .conftest import PASSWORD, Web
from .test_pages import csrf_of, sign_in


def _admin(web: Web) -> dict[str, str]:
    dana = web.registry.add_user("dana", "haematology", "admin", PASSWORD)
    return {"Authorization": f"Bearer {web.registry.issue_token(dana)}"}


def test_an_admin_lists_and_revokes_a_leaked_token_without_locking_the_user_out(web: Web) -> None:
    dana = _admin(web)
    second = {"Authorization": f"Bearer {web.registry.issue_token('alice')}"}
    users = web.client.get("/api/users", headers=dana).json()["users"]
    assert [u["name"] for u in users] == ["alice", "carol", "dana"]  # the admin's team only
    tokens = {u["name"]: u["tokens"] for u in users}
    assert [t["revoked"] for t in tokens["alice"]] == [False, False]
    assert all("hash" not in key for t in tokens["alice"] for key in t)
    leaked = tokens["alice"][0]["id"]
    assert web.client.get("/api/users/alice/tokens", headers=dana).json()["tokens"] == tokens["alice"]
    revoked = web.client.post(f"/api/users/alice/tokens/{leaked}/revoke", headers=dana)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked"] is True
    assert web.client.get("/api/cases", headers=web.alice).status_code == 401  # the leaked token
    assert web.client.get("/api/cases", headers=second).status_code == 200  # her other token
    events = web.client.get("/api/audit", headers=dana).json()["events"]
    (event,) = [e for e in events if e["action"] == "token_revoked"]
    assert (event["user"], event["detail"], event["case_id"]) == ("alice", f"token {leaked}; by dana", None)


def test_token_management_is_for_admins_of_the_same_team(web: Web) -> None:
    dana = _admin(web)
    (bobs,) = web.registry.list_tokens("bob")
    assert web.client.get("/api/users", headers=web.alice).status_code == 403
    assert web.client.get("/api/users/carol/tokens", headers=web.alice).status_code == 403
    assert web.client.post("/api/users/alice/tokens/1/revoke", headers=web.carol).status_code == 403
    assert web.client.get("/api/users/bob/tokens", headers=dana).status_code == 404  # another team
    assert web.client.post(f"/api/users/bob/tokens/{bobs.id}/revoke", headers=dana).status_code == 404
    assert web.client.post("/api/users/alice/tokens/999/revoke", headers=dana).status_code == 404
    assert web.client.get("/api/cases", headers=web.bob).status_code == 200
    assert web.client.get("/api/users").status_code == 401


def test_the_accounts_page_revokes_a_token_with_the_csrf_token(web: Web) -> None:
    web.registry.add_user("dana", "haematology", "admin", PASSWORD)
    app = web.client.app
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as site:  # type: ignore[arg-type]
        sign_in(site, "alice")
        assert 'href="/users"' not in site.get("/cases").text
        assert site.get("/users").status_code == 403
        site.cookies.clear()
        sign_in(site, "dana")
        page = site.get("/users")
        assert page.status_code == 200
        assert 'href="/users"' in page.text
        assert "bob" not in page.text  # another team's account
        (alices,) = web.registry.list_tokens("alice")
        action = f"/users/alice/tokens/{alices.id}/revoke"
        assert f'action="{action}"' in page.text
        assert site.post(action).status_code == 403  # no CSRF token
        assert web.client.get("/api/cases", headers=web.alice).status_code == 200
        done = site.post(action, data={"csrf_token": csrf_of(page.text)})
        assert done.headers["location"] == "/users?done=token-revoked"
        after = site.get("/users?done=token-revoked").text
        assert "API token revoked." in after
        assert re.search(r"revoked \d{4}-\d\d-\d\d \d\d:\d\d", after)
    assert web.client.get("/api/cases", headers=web.alice).status_code == 401
