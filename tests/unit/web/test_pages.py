"""The server-rendered pages: sign-in sessions, CSRF, case entry, labs with charts, uploads, results,
report download, subtype cards and access control (on the tiny fixture ontology)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import Registry
from marbledx.web import create_app

from ...conftest import TESTS
from .conftest import PASSWORD

EXAMPLES = TESTS.parent / "examples"
SESSION = "__Host-marbledx_session"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def site(registry: Registry, mini_hpo: Hpo, kb: KnowledgeBase) -> Iterator[TestClient]:
    """The app over HTTPS (its cookies are Secure), with alice, carol (counsellor) and bob (other team)."""
    registry.add_user("alice", "haematology", "clinician", PASSWORD)
    registry.add_user("carol", "haematology", "counsellor", PASSWORD)
    registry.add_user("bob", "oncology", "clinician", PASSWORD)
    app = create_app(registry, hpo=mini_hpo, kb=kb, max_upload_bytes=1 << 20)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match is not None, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: TestClient, name: str = "alice") -> str:
    """Sign in through the form; returns a CSRF token of the new session."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": csrf_of(page.text), "next": "/cases"},
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/cases").text)


def new_case(client: TestClient, token: str, label: str = "case 12", age: str = "4 months") -> str:
    response = client.post("/cases", data={"label": label, "age": age, "sex": "male", "csrf_token": token})
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/cases/([0-9a-f-]{36})\?done=created", response.headers["location"])
    assert match is not None
    return match.group(1)


def version_of(client: TestClient, case_id: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', client.get(f"/cases/{case_id}").text)
    assert match is not None
    return match.group(1)


def test_pages_need_a_session(site: TestClient) -> None:
    response = site.get("/cases/abc/results?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/cases/abc/results%3Fx%3D1"
    assert site.get("/").headers["location"] == "/cases"
    assert site.get("/login").status_code == 200


def test_sign_in_sets_a_secure_http_only_session_cookie(site: TestClient, registry: Registry) -> None:
    page = site.get("/login?next=/subtypes")
    login_cookie = page.headers["set-cookie"]
    assert "__Host-marbledx_login=" in login_cookie
    assert all(flag in login_cookie.lower() for flag in ("httponly", "secure", "samesite=strict", "path=/"))
    response = site.post(
        "/login",
        data={
            "username": "alice",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "/subtypes",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/subtypes"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION))
    assert all(flag in cookie.lower() for flag in ("httponly", "secure", "samesite=lax", "path=/"))
    assert "domain=" not in cookie.lower()
    secret = site.cookies.get(SESSION)
    assert secret is not None
    assert registry.user_for_session(secret) is not None
    assert "alice · haematology · clinician" in site.get("/cases").text
    events = [e.action for e in registry.audit_log("haematology")]
    assert "login" in events


def test_wrong_password_and_a_missing_login_token_are_refused(site: TestClient) -> None:
    page = site.get("/login")
    wrong = site.post(
        "/login", data={"username": "alice", "password": "nope", "csrf_token": csrf_of(page.text)}
    )
    assert wrong.status_code == 401
    assert "Wrong name or password" in wrong.text
    assert site.cookies.get(SESSION) is None
    site.get("/login")
    forged = site.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": "guess"})
    assert forged.status_code == 403
    assert site.cookies.get(SESSION) is None


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "cases", "/\\evil"])
def test_sign_in_never_redirects_off_site(site: TestClient, target: str) -> None:
    page = site.get("/login")
    response = site.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(page.text), "next": target},
    )
    assert response.headers["location"] == "/cases"


def test_csrf_less_form_post_is_refused(site: TestClient, registry: Registry) -> None:
    token = sign_in(site)
    alice = registry.get_user("alice")
    missing = site.post("/cases", data={"label": "forged"})
    assert missing.status_code == 403
    assert "security token" in missing.text
    wrong = site.post("/cases", data={"label": "forged", "csrf_token": "0" * 64})
    assert wrong.status_code == 403
    other_origin = site.post(
        "/cases", data={"label": "forged", "csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert other_origin.status_code == 403
    assert registry.count_cases(alice) == 0
    same_origin = site.post(
        "/cases", data={"label": "fine", "csrf_token": token}, headers={"Origin": "https://testserver"}
    )
    assert same_origin.status_code == 303
    assert registry.count_cases(alice) == 1


def test_a_token_of_another_session_does_not_fit(site: TestClient, mini_hpo: Hpo) -> None:
    old_token = sign_in(site)
    site.cookies.clear()
    sign_in(site)  # a new session
    assert site.post("/cases", data={"label": "x", "csrf_token": old_token}).status_code == 403


def test_sign_out_ends_the_session(site: TestClient, registry: Registry) -> None:
    token = sign_in(site)
    secret = site.cookies.get(SESSION)
    assert secret is not None
    response = site.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert registry.user_for_session(secret) is None
    site.cookies.set(SESSION, secret, domain="testserver")
    assert site.get("/cases").status_code == 303


def test_case_entry_findings_and_plain_words(site: TestClient, registry: Registry) -> None:
    token = sign_in(site)
    case_id = new_case(site, token)
    page = site.get(f"/cases/{case_id}?done=created")
    assert "Case created." in page.text
    assert "case 12" in page.text
    assert "4 months" in page.text
    # by exact label (no script), then by the autocomplete's "HP:… label" value, then excluded
    for term, status in (
        ("osteopetrosis", "observed"),
        ("HP:0001903 Anemia", "observed"),
        ("Splenomegaly", "excluded"),
    ):
        response = site.post(
            f"/cases/{case_id}/findings",
            data={"term": term, "status": status, "version": version_of(site, case_id), "csrf_token": token},
        )
        assert response.status_code == 303, response.text
    alice = registry.get_user("alice")
    findings = {(f.hpo_id, f.excluded, f.source) for f in registry.list_findings(alice, case_id)}
    assert findings == {
        ("HP:0011002", False, "entered"),
        ("HP:0001903", False, "entered"),
        ("HP:0001744", True, "entered"),
    }
    vague = site.post(
        f"/cases/{case_id}/findings",
        data={
            "term": "bone",
            "status": "observed",
            "version": version_of(site, case_id),
            "csrf_token": token,
        },
    )
    assert vague.status_code == 422
    assert "did you mean" in vague.text
    assert 'value="bone"' in vague.text  # what was typed is kept
    words = site.post(
        f"/cases/{case_id}/text",
        data={
            "text": "low platelets and no visual loss; mother has anaemia. possible pancytopenia",
            "version": version_of(site, case_id),
            "csrf_token": token,
        },
    )
    assert words.status_code == 200
    assert "Thrombocytopenia" in words.text
    assert "HP:0000572" in words.text
    sources = {f.hpo_id: (f.excluded, f.source) for f in registry.list_findings(alice, case_id)}
    assert sources["HP:0001873"] == (False, "text")
    assert sources["HP:0000572"] == (True, "text")
    assert "About a relative, not added as the patient's findings: mother has anaemia" in words.text
    assert "Uncertain, hypothetical or ambiguous, not added: possible pancytopenia" in words.text
    assert "HP:0001876" not in sources
    assert sources["HP:0001903"] == (False, "entered")  # not replaced by the mother's anaemia
    # Why a phrase was held back is shown: a negation in a list that no "or" closes is not guessed.
    ambiguous = site.post(
        f"/cases/{case_id}/text",
        data={
            "text": "no fever, splenomegaly and nystagmus",
            "version": version_of(site, case_id),
            "csrf_token": token,
        },
    )
    assert "may or may not be negated" in ambiguous.text
    removed = site.post(
        f"/cases/{case_id}/findings/remove",
        data={"hpo_id": "HP:0001744", "version": version_of(site, case_id), "csrf_token": token},
    )
    assert removed.status_code == 303
    assert "HP:0001744" not in {f.hpo_id for f in registry.list_findings(alice, case_id)}


def test_a_stale_form_is_a_conflict_not_a_lost_update(site: TestClient) -> None:
    token = sign_in(site)
    case_id = new_case(site, token)
    stale = version_of(site, case_id)
    data = {"label": "renamed", "age": "", "sex": "", "version": stale, "csrf_token": token}
    assert site.post(f"/cases/{case_id}/details", data=data).status_code == 303
    again = site.post(f"/cases/{case_id}/details", data=data | {"label": "other"})
    assert again.status_code == 409
    assert "renamed" in again.text


def test_labs_are_validated_and_plotted_with_reference_bands(site: TestClient, registry: Registry) -> None:
    token = sign_in(site)
    case_id = new_case(site, token)
    for day, value in (("2026-01-05", "7.9"), ("2026-02-05", "9.1"), ("2026-03-05", "11.2")):
        response = site.post(
            f"/cases/{case_id}/labs",
            data={
                "analyte": "haemoglobin",
                "value": value,
                "unit": "g/dL",
                "measured_on": day,
                "low": "9.5",
                "high": "13.5",
                "csrf_token": token,
            },
        )
        assert response.status_code == 303, response.text
    site.post(
        f"/cases/{case_id}/labs",
        data={
            "analyte": "platelets",
            "value": "62",
            "unit": "10^9/L",
            "measured_on": "2026-01-05",
            "csrf_token": token,
        },
    )
    page = site.get(f"/cases/{case_id}").text
    assert page.count('class="lab-chart"') == 2
    assert 'class="band"' in page
    assert 'class="point low"' in page
    assert "the reporting laboratory&#39;s interval" in page or "the reporting laboratory's interval" in page
    bad = site.post(
        f"/cases/{case_id}/labs",
        data={
            "analyte": "haemoglobin",
            "value": "8",
            "unit": "furlongs",
            "measured_on": "2026-03-06",
            "csrf_token": token,
        },
    )
    assert bad.status_code == 422
    assert "furlongs" in bad.text
    assert len(registry.list_labs(registry.get_user("alice"), case_id)) == 4


def test_upload_analyse_read_the_hsct_decision_and_download(site: TestClient, registry: Registry) -> None:
    token = sign_in(site)
    case_id = new_case(site, token)
    for term in ("Osteopetrosis", "Anemia", "Pancytopenia"):
        site.post(
            f"/cases/{case_id}/findings",
            data={
                "term": term,
                "status": "observed",
                "version": version_of(site, case_id),
                "csrf_token": token,
            },
        )
    vcf = (EXAMPLES / "infant-aro.vcf").read_bytes()
    uploaded = site.post(
        f"/cases/{case_id}/uploads",
        data={"kind": "vcf", "csrf_token": token},
        files={"file": ("infant.vcf", vcf, "text/plain")},
    )
    assert uploaded.status_code == 303, uploaded.text
    (upload,) = registry.list_uploads(registry.get_user("alice"), case_id)
    assert (upload.original_name, upload.size) == ("infant.vcf", len(vcf))
    assert site.get(f"/cases/{case_id}/results").status_code == 200  # nothing yet, says so
    analysed = site.post(f"/cases/{case_id}/analyze", data={"csrf_token": token})
    assert analysed.status_code == 303
    assert analysed.headers["location"] == f"/cases/{case_id}/results"
    results = site.get(f"/cases/{case_id}/results").text
    decision = re.search(r'id="hsct-decision"[^>]*>([^<]+)<', results)
    assert decision is not None
    assert decision.group(1) == "curative"
    assert "TCIRG1" in results
    assert f"uploaded VCF file infant.vcf ({upload.id})" in results  # the upload, not its path on the server
    assert str(registry.uploads_dir) not in results
    assert "Osteopetrosis, autosomal recessive 1" in results
    assert "supports, not replaces" in results or "does not replace" in results
    html = site.get(f"/cases/{case_id}/report.html")
    assert html.status_code == 200
    assert html.headers["content-disposition"].startswith('attachment; filename="marbledx-clinician-report-')
    pdf = site.get(f"/cases/{case_id}/report.pdf?audience=family")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_an_upload_over_the_limit_is_refused_and_nothing_is_kept(
    site: TestClient, registry: Registry
) -> None:
    token = sign_in(site)
    case_id = new_case(site, token)
    big = b"##fileformat=VCFv4.2\n" + b"#" * (1 << 20)  # a VCF, over the limit by less than the form overhead
    response = site.post(
        f"/cases/{case_id}/uploads",
        data={"kind": "vcf", "csrf_token": token},
        files={"file": ("big.vcf", big, "text/plain")},
    )
    assert response.status_code == 413
    assert registry.list_uploads(registry.get_user("alice"), case_id) == []
    assert [p for p in registry.uploads_dir.rglob("*") if p.is_file()] == []


def test_another_team_gets_404_and_a_counsellor_cannot_delete(site: TestClient, registry: Registry) -> None:
    token = sign_in(site)
    case_id = new_case(site, token)
    version = version_of(site, case_id)
    site.cookies.clear()
    bob_token = sign_in(site, "bob")
    assert site.get(f"/cases/{case_id}").status_code == 404
    assert "Not found" in site.get(f"/cases/{case_id}").text
    assert (
        site.post(f"/cases/{case_id}/delete", data={"version": version, "csrf_token": bob_token}).status_code
        == 404
    )
    site.cookies.clear()
    carol_token = sign_in(site, "carol")
    page = site.get(f"/cases/{case_id}").text
    assert "Delete case" not in page
    refused = site.post(f"/cases/{case_id}/delete", data={"version": version, "csrf_token": carol_token})
    assert refused.status_code == 403
    site.cookies.clear()
    token = sign_in(site)
    deleted = site.post(f"/cases/{case_id}/delete", data={"version": version, "csrf_token": token})
    assert deleted.headers["location"] == "/cases?done=deleted"
    assert registry.count_cases(registry.get_user("alice")) == 0


def test_subtype_cards_and_hpo_suggestions(site: TestClient) -> None:
    sign_in(site)
    listing = site.get("/subtypes").text
    assert "OPTB1" in listing
    assert "if non-neuronopathic" in listing  # OPTB4: curative only without its neuronopathic subset
    card = site.get("/subtypes/OPTB1")
    assert card.status_code == 200
    assert "TCIRG1" in card.text
    assert "curative" in card.text
    assert site.get("/subtypes/no-such-thing").status_code == 404
    options = site.get("/ui/hpo-suggest?q=anem").text
    assert 'data-value="HP:0001903 Anemia"' in options
    assert "No HPO term" in site.get("/ui/hpo-suggest?q=zzzz").text


def test_security_headers_static_files_and_no_patient_data_in_logs(
    site: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="marbledx")
    token = sign_in(site)
    case_id = new_case(site, token, label="Jane Doe 1987")
    page = site.get(f"/cases/{case_id}")
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script src=" in page.text
    assert "<script>" not in page.text  # only the app's own file, no inline code
    assert site.get("/static/app.js").status_code == 200
    assert site.get("/static/app.css").status_code == 200
    assert site.get("/assets/report.css").headers["content-type"].startswith("text/css")
    site.get("/ui/hpo-suggest?q=Jane")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Jane" not in logged
    assert case_id not in logged
    assert PASSWORD not in logged
    assert "/cases/{case_id}" in logged


def test_the_api_still_answers_json_and_401(site: TestClient) -> None:
    sign_in(site)  # a session cookie does not authenticate the API: it needs a bearer token
    response = site.get("/api/cases")
    assert response.status_code == 401
    assert response.json() == {"detail": response.json()["detail"]}


def test_the_audit_page_is_for_admins(site: TestClient, registry: Registry) -> None:
    token = sign_in(site)
    case_id = new_case(site, token)
    assert "Audit log" not in site.get("/cases").text
    assert site.get("/audit").status_code == 403
    registry.add_user("dana", "haematology", "admin", PASSWORD)
    site.cookies.clear()
    sign_in(site, "dana")
    page = site.get(f"/audit?case_id={case_id}")
    assert page.status_code == 200
    assert "alice" in page.text
    assert "create" in page.text
    assert "case 12" not in page.text  # events name cases by id, never by label


def _add_lab(site: TestClient, case_id: str, token: str, value: str = "8.1") -> None:
    response = site.post(
        f"/cases/{case_id}/labs",
        data={
            "analyte": "haemoglobin",
            "value": value,
            "unit": "g/dL",
            "measured_on": "2026-01-05",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303, response.text


def test_a_lab_or_file_added_after_the_analysis_marks_it_out_of_date(
    site: TestClient, registry: Registry
) -> None:
    """The results page, the case page and the downloaded reports say the case has changed since."""
    token = sign_in(site)
    case_id = new_case(site, token)
    for term in ("Osteopetrosis", "Anemia"):
        data = {"term": term, "status": "observed", "version": version_of(site, case_id), "csrf_token": token}
        site.post(f"/cases/{case_id}/findings", data=data)
    assert site.post(f"/cases/{case_id}/analyze", data={"csrf_token": token}).status_code == 303
    assert 'id="outdated"' not in site.get(f"/cases/{case_id}/results").text
    assert 'id="outdated"' not in site.get(f"/cases/{case_id}").text
    version = version_of(site, case_id)
    _add_lab(site, case_id, token)
    results = site.get(f"/cases/{case_id}/results").text
    assert 'id="outdated"' in results
    assert "the case has changed since; analyse again to include the changes" in results
    assert 'id="outdated"' in site.get(f"/cases/{case_id}").text
    assert version_of(site, case_id) == version  # a lab value does not make open forms stale
    report = site.get(f"/cases/{case_id}/report.html?audience=family").text
    assert "Out of date." in report
    assert site.post(f"/cases/{case_id}/analyze", data={"csrf_token": token}).status_code == 303
    assert 'id="outdated"' not in site.get(f"/cases/{case_id}/results").text
    vcf = (EXAMPLES / "infant-aro.vcf").read_bytes()
    uploaded = site.post(
        f"/cases/{case_id}/uploads",
        data={"kind": "vcf", "csrf_token": token},
        files={"file": ("infant.vcf", vcf, "text/plain")},
    )
    assert uploaded.status_code == 303
    assert 'id="outdated"' in site.get(f"/cases/{case_id}/results").text
    assert "Out of date." in site.get(f"/cases/{case_id}/report.html").text
    assert site.post(f"/cases/{case_id}/analyze", data={"csrf_token": token}).status_code == 303
    (upload,) = registry.list_uploads(registry.get_user("alice"), case_id)
    removed = site.post(f"/cases/{case_id}/uploads/{upload.id}/delete", data={"csrf_token": token})
    assert removed.headers["location"] == f"/cases/{case_id}?done=upload-removed#uploads"
    assert "File removed." in site.get(removed.headers["location"]).text
    assert 'id="outdated"' in site.get(f"/cases/{case_id}/results").text
    (lab,) = registry.list_labs(registry.get_user("alice"), case_id)
    assert site.post(f"/cases/{case_id}/labs/{lab.id}/delete", data={"csrf_token": token}).status_code == 303


def test_a_wrong_file_is_refused_on_the_case_page(site: TestClient, registry: Registry) -> None:
    token = sign_in(site)
    case_id = new_case(site, token)
    response = site.post(
        f"/cases/{case_id}/uploads",
        data={"kind": "vcf", "csrf_token": token},
        files={"file": ("infant-aro.json", (EXAMPLES / "infant-aro.json").read_bytes(), "application/json")},
    )
    assert response.status_code == 422
    assert "not a VCF file: it looks like JSON" in response.text
    assert "File uploaded." not in response.text
    assert registry.list_uploads(registry.get_user("alice"), case_id) == []


def test_an_upload_far_over_the_limit_shows_the_case_page_not_json(
    site: TestClient, registry: Registry
) -> None:
    """Refused by the body-limit middleware before it is read: by Content-Length, and while streaming."""
    token = sign_in(site)
    case_id = new_case(site, token)
    big = b"##fileformat=VCFv4.2\n" + b"#" * (3 << 20)
    response = site.post(
        f"/cases/{case_id}/uploads",
        data={"kind": "vcf", "csrf_token": token},
        files={"file": ("big.vcf", big, "text/plain")},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert (
        '<p class="error" role="alert">upload larger than 1048576 bytes; expected a smaller VCF or PED file</p>'
        in response.text
    )
    assert "case 12" in response.text  # the case page, with its upload form
    boundary = "marbledxtestboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nvcf\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.vcf"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()

    def chunked() -> Iterator[bytes]:  # no Content-Length: the limit is found while reading
        yield head + b"##fileformat=VCFv4.2\n"
        for _ in range(48):
            yield b"#" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    streamed = site.post(
        f"/cases/{case_id}/uploads",
        content=chunked(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert streamed.status_code == 413
    assert "upload larger than 1048576 bytes" in streamed.text
    assert registry.list_uploads(registry.get_user("alice"), case_id) == []
    assert [p for p in registry.uploads_dir.rglob("*") if p.is_file()] == []
    assert site.post(f"/cases/{case_id}/uploads/refused", data={"csrf_token": token}).status_code == 404
    form = site.post("/cases", data={"label": "x" * (2 << 20), "csrf_token": token})
    assert form.status_code == 413
    assert form.headers["content-type"].startswith("text/html")


def test_a_huge_lab_id_on_a_page_is_refused_not_a_crash(site: TestClient) -> None:
    token = sign_in(site)
    case_id = new_case(site, token)
    response = site.post(f"/cases/{case_id}/labs/1180591620717411303424/delete", data={"csrf_token": token})
    assert response.status_code == 422
    assert "lab_id" in response.text
    assert site.get(f"/cases/{case_id}").status_code == 200  # the app answers on


def test_page_errors_name_form_fields_not_command_line_flags(site: TestClient, registry: Registry) -> None:
    token = sign_in(site)
    case_id = new_case(site, token)
    empty = site.post(
        f"/cases/{case_id}/text",
        data={"text": "  ", "version": version_of(site, case_id), "csrf_token": token},
    )
    assert empty.status_code == 422
    assert "the plain-words box is empty" in empty.text
    data = {
        "term": "Osteopetrosis",
        "status": "observed",
        "version": version_of(site, case_id),
        "csrf_token": token,
    }
    site.post(f"/cases/{case_id}/findings", data=data)
    # A value stored before values were checked, which the analysis refuses.
    registry.add_lab(registry.get_user("alice"), case_id, "hemoglobin", 800, "g/dL")
    refused = site.post(f"/cases/{case_id}/analyze", data={"csrf_token": token})
    assert refused.status_code == 422
    assert (
        "the stored lab value &#39;hemoglobin=800 g/dL&#39; (remove it under Labs over time)" in refused.text
    )
    for page in (empty.text, refused.text):
        error = re.search(r'<p class="error" role="alert">(.*?)</p>', page)
        assert error is not None
        assert not re.search(r"(^|\s)--[a-z]", error.group(1))


def test_the_old_session_does_not_outlive_deactivation_or_a_password_change(
    site: TestClient, registry: Registry
) -> None:
    sign_in(site, "carol")
    assert site.get("/cases").status_code == 200
    registry.set_active("carol", False)
    registry.set_active("carol", True)
    assert site.get("/cases").status_code == 303  # reactivating does not revive the session
    sign_in(site, "carol")
    registry.set_password("carol", "a brand new password")
    assert site.get("/cases").status_code == 303
