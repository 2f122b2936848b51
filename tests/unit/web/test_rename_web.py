"""A team's admin renames an account (``Registry.rename_user``, as ``marbledx users rename``) on its rename
page or with ``POST /api/users/{name}/rename``: CSRF-protected, the registry's name rules and errors (a taken
or look-alike name 409, an invalid or unchanged one 422, another team's account 404, a non-admin 403), the
renamed account's sign-ins ended and its API tokens kept, audited; an admin renaming their own account is
signed out and signs in again with the new name. Each runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from marbledx.registry import NotFoundError, Registry

from .conftest import PASSWORD, Web
from .test_pages import SESSION, csrf_of, sign_in

ALIKE = " (names differing only in case look alike)"
RULES = "expected 1-100 letters, digits or . _ @ - (starting with a letter or digit)"


def _error(page: str) -> str:
    found = re.search(r'<p class="error" role="alert" id="new-name-error">(.*?)</p>', page)
    assert found is not None, "no error on the page"
    return html.unescape(found.group(1))


def _renames(registry: Registry) -> list[tuple[str | None, str]]:
    return [
        (e.user, e.detail)
        for e in registry.audit_log("haematology")
        if e.action == "update" and e.detail.startswith("account renamed")
    ]


def _name_of(web: Web, user_id: int) -> str:
    (found,) = [u.name for u in web.registry.list_users() if u.id == user_id]
    return found


# -- the pages ---------------------------------------------------------------------------------------------


def test_an_admin_renames_an_account_on_its_rename_page(
    web: Web, admin: dict[str, str], browsers: tuple[TestClient, TestClient]
) -> None:
    site, carols = browsers
    sign_in(carols, "carol")
    token = sign_in(site, "dana")
    carol_id = web.registry.get_user("carol").id
    listing = site.get("/users").text
    for name in ("alice", "carol", "dana"):  # every account of the team, one's own too
        assert f'href="/users/{name}/rename"' in listing
    assert "/users/bob/rename" not in listing  # another team's
    page = site.get("/users/carol/rename")
    assert page.status_code == 200
    assert 'action="/users/carol/rename"' in page.text
    assert 'name="new_name"' in page.text
    assert csrf_of(page.text) == token
    assert "carol's sign-ins end at once" in html.unescape(page.text)
    assert "Its API token keeps working" in page.text
    form = {"new_name": "carol.jones"}

    assert site.post("/users/carol/rename", data=form).status_code == 403  # no CSRF token
    forged = site.post(
        "/users/carol/rename", data=form | {"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert forged.status_code == 403
    wrong_token = site.post("/users/carol/rename", data=form | {"csrf_token": "0" * 64})
    assert wrong_token.status_code == 403
    assert _name_of(web, carol_id) == "carol"

    # Refused on the form, with the registry's message naming the field and what was typed kept.
    refusals = {
        "  ": (422, "new user name is empty; expected 1-100 letters, digits or . _ @ -"),
        "carol jones": (422, f"new user name 'carol jones' is not allowed; {RULES}"),
        "c" * 101: (422, f"new user name {'c' * 39 + '…'!r} is not allowed; {RULES}"),
        "carol": (422, "new user name 'carol' is the account's name already; expected a different name"),
        "alice": (409, "user 'alice' already exists; expected a new user name"),
        "Alice": (409, f"user 'Alice' already exists as 'alice'{ALIKE}; expected a new user name"),
        "BOB": (409, f"user 'BOB' already exists as 'bob'{ALIKE}; expected a new user name"),  # any team
    }
    for typed, (status, message) in refusals.items():
        refused = site.post("/users/carol/rename", data={"new_name": typed, "csrf_token": token})
        assert refused.status_code == status, typed
        assert _error(refused.text) == message
        assert f'value="{typed}"' in refused.text
        assert 'aria-invalid="true" aria-describedby="new-name-error"' in refused.text
    assert _name_of(web, carol_id) == "carol"
    assert _renames(web.registry) == []
    assert carols.get("/cases").status_code == 200  # nothing refused ended her session

    done = site.post("/users/carol/rename", data={"new_name": " carol.jones ", "csrf_token": token})
    assert done.status_code == 303
    assert done.headers["location"] == "/users?done=renamed"
    after = site.get("/users?done=renamed").text
    assert "Account renamed. Its sign-ins have ended" in after
    assert 'href="/users/carol.jones/rename"' in after
    assert "/users/carol/" not in after
    assert _name_of(web, carol_id) == "carol.jones"
    assert carols.get("/cases").status_code == 303  # her session has ended
    assert web.client.get("/api/cases", headers=web.carol).status_code == 200  # her token still works
    assert web.registry.authenticate("carol.jones", PASSWORD) is not None
    assert _renames(web.registry) == [
        ("carol.jones", "account renamed from carol to carol.jones; sessions ended: 1; by dana")
    ]
    # The old name is no account's now; another team's account is unknown, as on the other account pages.
    assert site.get("/users/carol/rename").status_code == 404
    assert site.post("/users/carol/rename", data=form | {"csrf_token": token}).status_code == 404
    assert site.get("/users/bob/rename").status_code == 404
    assert site.post("/users/bob/rename", data={"new_name": "bobby", "csrf_token": token}).status_code == 404
    assert web.registry.get_user("bob").name == "bob"
    assert len(_renames(web.registry)) == 1


def test_a_deactivated_account_is_renamed_and_stays_deactivated(
    web: Web, admin: dict[str, str], browsers: tuple[TestClient, TestClient]
) -> None:
    site, _ = browsers
    token = sign_in(site, "dana")
    web.registry.set_active("alice", False)
    assert 'href="/users/alice/rename"' in site.get("/users").text
    page = site.get("/users/alice/rename").text
    assert "· deactivated" in page
    done = site.post("/users/alice/rename", data={"new_name": "alice.smith", "csrf_token": token})
    assert done.status_code == 303
    renamed = web.registry.get_user("alice.smith")
    assert (renamed.active, renamed.role) == (False, "clinician")
    with pytest.raises(NotFoundError, match="no user 'alice'"):
        web.registry.get_user("alice")


def test_an_admin_renames_their_own_account_and_signs_in_again(
    web: Web, admin: dict[str, str], browsers: tuple[TestClient, TestClient]
) -> None:
    """Allowed, as for any account of the team; the admin's sessions end with the others, this one too, so
    the answer goes to the sign-in page (cookie cleared) with a notice to use the new name."""
    site, elsewhere = browsers
    sign_in(elsewhere, "dana")
    token = sign_in(site, "dana")
    page = site.get("/users/dana/rename")
    assert page.status_code == 200
    assert "This is your own account." in page.text
    assert "you are signed out at once" in page.text

    done = site.post("/users/dana/rename", data={"new_name": "dana.k", "csrf_token": token})
    assert done.status_code == 303
    assert done.headers["location"] == "/login?done=renamed-self"
    assert site.cookies.get(SESSION) is None  # the ended session's cookie is cleared
    notice = site.get("/login?done=renamed-self").text
    assert "Your account was renamed, so your sign-ins have ended. Sign in with your new name" in notice
    assert site.get("/users").status_code == 303  # signed out
    assert elsewhere.get("/cases").status_code == 303  # her other session ended too
    assert _renames(web.registry) == [
        ("dana.k", "account renamed from dana to dana.k; sessions ended: 2; by dana")
    ]
    assert web.registry.authenticate("dana", PASSWORD) is None
    assert web.client.get("/api/users", headers=admin).status_code == 200  # her API token still works

    sign_in(site, "dana.k")
    listing = site.get("/users").text
    assert "yes (you)" in listing
    assert 'href="/users/dana.k/rename"' in listing


def test_a_refused_rename_of_ones_own_account_keeps_one_signed_in(
    web: Web, admin: dict[str, str], browsers: tuple[TestClient, TestClient]
) -> None:
    site, _ = browsers
    token = sign_in(site, "dana")
    refused = site.post("/users/dana/rename", data={"new_name": "Carol", "csrf_token": token})
    assert refused.status_code == 409
    assert _error(refused.text) == f"user 'Carol' already exists as 'carol'{ALIKE}; expected a new user name"
    assert site.get("/users").status_code == 200
    assert _renames(web.registry) == []


def test_only_admins_rename(web: Web, browsers: tuple[TestClient, TestClient]) -> None:
    site, _ = browsers
    token = sign_in(site, "alice")
    page = site.get("/users/carol/rename")
    assert page.status_code == 403
    assert "managing accounts is for the team's admins; alice is a clinician" in html.unescape(page.text)
    for name in ("carol", "alice"):  # not even one's own: renaming is an admin's
        refused = site.post(f"/users/{name}/rename", data={"new_name": "someone", "csrf_token": token})
        assert refused.status_code == 403
    api = web.client.post("/api/users/carol/rename", json={"new_name": "someone"}, headers=web.alice)
    assert api.status_code == 403
    assert web.client.post("/api/users/carol/rename", json={"new_name": "someone"}).status_code == 401
    assert {u.name for u in web.registry.list_users()} == {"alice", "carol", "bob"}
    assert site.cookies.get(SESSION) is not None


# -- the REST API ------------------------------------------------------------------------------------------


def test_the_api_renames_an_account(web: Web, admin: dict[str, str]) -> None:
    carol = web.registry.get_user("carol")
    web.registry.start_session(carol)
    response = web.client.post("/api/users/carol/rename", json={"new_name": "carol.jones"}, headers=admin)
    assert response.status_code == 200, response.text
    # The account's dict, as the sibling endpoints (add, deactivate, reactivate) answer.
    assert response.json() == {
        "name": "carol.jones",
        "team": "haematology",
        "role": "counsellor",
        "active": True,
        "created_at": carol.created_at.isoformat(),
    }
    assert web.client.get("/api/cases", headers=web.carol).status_code == 200  # tokens are kept
    events = web.client.get("/api/audit", headers=admin).json()["events"]
    (event,) = [e for e in events if e["detail"].startswith("account renamed")]
    assert (event["action"], event["user"], event["case_id"], event["detail"]) == (
        "update",
        "carol.jones",
        None,
        "account renamed from carol to carol.jones; sessions ended: 1; by dana",
    )


@pytest.mark.parametrize(
    ("name", "body", "status", "detail"),
    [
        ("carol", {"new_name": "alice"}, 409, "user 'alice' already exists; expected a new user name"),
        (
            "carol",
            {"new_name": "ALICE"},
            409,
            f"user 'ALICE' already exists as 'alice'{ALIKE}; expected a new user name",
        ),
        (
            "carol",
            {"new_name": "Bob"},
            409,
            f"user 'Bob' already exists as 'bob'{ALIKE}; expected a new user name",
        ),
        ("carol", {"new_name": "carol jones"}, 422, f"new user name 'carol jones' is not allowed; {RULES}"),
        ("carol", {"new_name": ""}, 422, f"new user name '' is not allowed; {RULES}"),
        (
            "carol",
            {"new_name": "carol"},
            422,
            "new user name 'carol' is the account's name already; expected a different name",
        ),
        ("carol", {"new_name": "c" * 101}, 422, "new_name: String should have at most 100 characters"),
        ("carol", {}, 422, "new_name: Field required"),
        ("carol", {"new_name": "cj", "team": "oncology"}, 422, "team: Extra inputs are not permitted"),
        ("carol", {"new_name": 7}, 422, "new_name: Input should be a valid string"),
        ("bob", {"new_name": "bobby"}, 404, "no user 'bob'"),  # another team's account reads as unknown
        ("nobody", {"new_name": "somebody"}, 404, "no user 'nobody'"),
    ],
)
def test_the_api_refuses_as_its_siblings_do(
    web: Web, admin: dict[str, str], name: str, body: dict[str, object], status: int, detail: str
) -> None:
    response = web.client.post(f"/api/users/{name}/rename", json=body, headers=admin)
    assert response.status_code == status, response.text
    assert response.json() == {"detail": detail}
    assert {u.name for u in web.registry.list_users()} == {"alice", "carol", "bob", "dana"}


def test_the_api_lets_an_admin_rename_themselves(web: Web, admin: dict[str, str]) -> None:
    """The token is the account's, not the name's: the admin's script keeps working after the rename."""
    response = web.client.post("/api/users/dana/rename", json={"new_name": "Dana"}, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Dana"  # a change of case of one's own name is allowed
    listed = web.client.get("/api/users", headers=admin)
    assert listed.status_code == 200
    assert "Dana" in {u["name"] for u in listed.json()["users"]}


def test_the_rename_endpoint_is_in_the_openapi_document(web: Web) -> None:
    document = web.client.get("/openapi.json").json()
    operation = document["paths"]["/api/users/{name}/rename"]["post"]
    assert operation["tags"] == ["accounts"]
    assert operation["summary"].startswith("Rename an account: {new_name}; its sign-in sessions end")
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert schema["required"] == ["new_name"]
    assert schema["properties"]["new_name"]["maxLength"] == 100
