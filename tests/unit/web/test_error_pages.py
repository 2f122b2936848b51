"""Error pages keep the site's navigation and a way back (signed in or not); API errors stay JSON.

Before, every error page (404, 403, 409, 413, 422, 429, 500, 503) was rendered without the user, so it
had no navigation and no sign-out, and a signed-out visitor was sent "back to the cases" they could not
see. A 503 also showed the registry's own message, with the database's file or server.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    Registry,
    RegistryError,
    TooManyAttemptsError,
)
from marbledx.web import create_app

from .conftest import PASSWORD
from .test_pages import SESSION, csrf_of, new_case, sign_in

_SECRET_PATH = "/srv/secret-place/registry.sqlite3"
_RAISED: dict[str, Exception] = {
    "not-found": NotFoundError("no case 'x' in team 'haematology'"),
    "denied": PermissionDeniedError("deleting a case is for clinicians and admins; carol is a counsellor"),
    "conflict": ConflictError("case x is at version 3, not 2: it was changed by someone else meanwhile"),
    "too-many": TooManyAttemptsError("too many wrong current passwords; try again later", retry_after=60),
    "registry": RegistryError(f"cannot open the registry database {_SECRET_PATH}: disk I/O error"),
    "boom": RuntimeError(f"Jane Doe, bed 12, {__file__}"),
}


def _raising(exc: Exception) -> Callable[[], None]:
    def fail() -> None:
        raise exc

    return fail


@pytest.fixture
def site(registry: Registry, mini_hpo: Hpo, kb: KnowledgeBase) -> Iterator[TestClient]:
    """The app over HTTPS with alice (clinician), carol (counsellor) and dana (admin) of one team, and
    routes that raise each kind of error, under the pages and under ``/api``."""
    registry.add_user("alice", "haematology", "clinician", PASSWORD)
    registry.add_user("carol", "haematology", "counsellor", PASSWORD)
    registry.add_user("dana", "haematology", "admin", PASSWORD)
    app = create_app(registry, hpo=mini_hpo, kb=kb, max_body_bytes=4096)
    for name, exc in _RAISED.items():
        app.add_api_route(f"/raise/{name}", _raising(exc))
        app.add_api_route(f"/api/raise/{name}", _raising(exc))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


def _header(page: str) -> str:
    match = re.search(r'<header class="top">(.*?)</header>', page, re.DOTALL)
    assert match is not None, "no site header"
    return match.group(1)


def _assert_signed_in_navigation(page: str, who: str, *, admin: bool = False) -> None:
    header = _header(page)
    for link in ('href="/cases"', 'href="/subtypes"', 'href="/account"', 'action="/logout"'):
        assert link in header
    assert who in header
    assert ('href="/users"' in header) is admin
    assert 'href="/login"' not in header
    assert '<a href="/cases">Back to the cases</a>' in page


def _assert_signed_out_navigation(page: str) -> None:
    header = _header(page)
    assert '<a href="/login">Sign in</a>' in header
    assert 'action="/logout"' not in header
    assert 'href="/subtypes"' not in header
    assert "Back to the cases" not in page
    assert '<a href="/login">Sign in</a> to see your team' in page


def _assert_nothing_leaks(page: str) -> None:
    for leak in ("Traceback", 'File "', ".py", "/srv/", "secret-place", "Jane"):
        assert leak not in page


@pytest.mark.parametrize(
    ("name", "status", "title"),
    [
        ("not-found", 404, "Not found"),
        ("denied", 403, "Not allowed"),
        ("conflict", 409, "Changed meanwhile"),
        ("too-many", 429, "Too many attempts"),
        ("boom", 500, "Something went wrong"),
        ("registry", 503, "Registry unavailable"),
    ],
)
def test_an_error_page_keeps_the_signed_in_navigation(
    site: TestClient, name: str, status: int, title: str
) -> None:
    sign_in(site)
    page = site.get(f"/raise/{name}")
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert f"<h1>{title}</h1>" in page.text
    _assert_signed_in_navigation(page.text, "alice · haematology · clinician")
    _assert_nothing_leaks(page.text)


@pytest.mark.parametrize("name", list(_RAISED))
def test_an_error_page_signed_out_leads_to_the_sign_in_page(site: TestClient, name: str) -> None:
    page = site.get(f"/raise/{name}")
    assert page.headers["content-type"].startswith("text/html")
    _assert_signed_out_navigation(page.text)
    _assert_nothing_leaks(page.text)


def test_the_sign_in_page_has_no_link_to_itself(site: TestClient) -> None:
    assert 'href="/login"' not in _header(site.get("/login").text)


def test_the_pages_own_errors_show_the_navigation(site: TestClient, registry: Registry) -> None:
    """What users meet: another route, a CSRF-less form, a counsellor's delete, a bad id, a body too big."""
    token = sign_in(site)
    case_id = new_case(site, token)
    unknown = site.get("/no-such-page")
    assert unknown.status_code == 404
    _assert_signed_in_navigation(unknown.text, "alice")
    stale_form = site.post("/cases", data={"label": "forged"})
    assert stale_form.status_code == 403
    _assert_signed_in_navigation(stale_form.text, "alice")
    bad_id = site.post(f"/cases/{case_id}/labs/{2**40}/delete", data={"csrf_token": token})
    assert bad_id.status_code == 422
    _assert_signed_in_navigation(bad_id.text, "alice")
    too_big = site.post("/cases", data={"label": "x" * 5000, "csrf_token": token})
    assert too_big.status_code == 413
    _assert_signed_in_navigation(too_big.text, "alice")
    site.cookies.clear()
    sign_in(site, "carol")
    version = re.search(r'name="version" value="(\d+)"', site.get(f"/cases/{case_id}").text)
    assert version is not None
    refused = site.post(
        f"/cases/{case_id}/delete",
        data={"version": version.group(1), "csrf_token": csrf_of(site.get("/cases").text)},
    )
    assert refused.status_code == 403
    _assert_signed_in_navigation(refused.text, "carol · haematology · counsellor")
    site.cookies.clear()
    sign_in(site, "dana")
    _assert_signed_in_navigation(site.get("/no-such-page").text, "dana", admin=True)
    assert registry.count_cases(registry.get_user("alice")) == 1


def test_the_error_pages_sign_out_form_works(site: TestClient, registry: Registry) -> None:
    sign_in(site)
    secret = site.cookies.get(SESSION)
    assert secret is not None
    page = site.get("/raise/not-found").text
    signed_out = site.post("/logout", data={"csrf_token": csrf_of(page)})
    assert signed_out.status_code == 303
    assert registry.user_for_session(secret) is None


def test_an_ended_session_gets_the_signed_out_page(site: TestClient, registry: Registry) -> None:
    sign_in(site)
    registry.set_active("alice", False)
    _assert_signed_out_navigation(site.get("/raise/not-found").text)
    site.cookies.set(SESSION, "mxs_not-a-session", domain="testserver")
    _assert_signed_out_navigation(site.get("/no-such-page").text)


def test_a_failing_session_lookup_still_answers_the_page(
    site: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sign_in(site)

    def broken(*_args: object, **_kwargs: object) -> None:
        msg = "database is locked"
        raise RegistryError(msg)

    monkeypatch.setattr(Registry, "user_for_session", broken)
    caplog.set_level(logging.WARNING, logger="marbledx.web")
    page = site.get("/no-such-page")
    assert page.status_code == 404
    _assert_signed_out_navigation(page.text)
    assert "error page without the session's user: RegistryError" in caplog.messages


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("not-found", 404),
        ("denied", 403),
        ("conflict", 409),
        ("too-many", 429),
        ("boom", 500),
        ("registry", 503),
    ],
)
def test_api_errors_stay_one_line_json_with_a_session_too(site: TestClient, name: str, status: int) -> None:
    sign_in(site)  # a session cookie changes nothing under /api
    response = site.get(f"/api/raise/{name}")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    (detail,) = response.json().values()
    assert "\n" not in detail
    _assert_nothing_leaks(detail)
    if name == "too-many":
        assert response.headers["retry-after"] == "60"
    assert site.get("/api/no-such-thing").headers["content-type"] == "application/json"


def test_a_registry_failure_is_told_to_the_log_not_to_the_user(
    site: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="marbledx.web")
    page = site.get("/raise/registry")
    api = site.get("/api/raise/registry")
    expected = "the case registry is unavailable; try again later, or tell the server's administrator"
    assert expected in html.unescape(page.text)
    assert api.json() == {"detail": expected}
    assert any(_SECRET_PATH in message for message in caplog.messages)  # the administrator still learns why
