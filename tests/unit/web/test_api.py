"""The REST API on a temporary SQLite registry and on PostgreSQL, with the tiny fixture HPO release."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marbledx.registry import FindingRecord
from marbledx.web import create_app
from marbledx.web._messages import for_web

from ...conftest import TESTS
from .conftest import UPLOAD_LIMIT, Web

EXAMPLES = TESTS.parent / "examples"
VCF = b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
EXAMPLE_VCF = (EXAMPLES / "infant-aro.vcf").read_bytes()  # analysable (GRCh38, VEP-annotated)


def new_case(web: Web, label: str = "patient 7", **extra: Any) -> dict[str, Any]:
    body = {"label": label, "age_days": 200, "sex": "female", "findings": [{"hpo_id": "HP:0011002"}]}
    response = web.client.post("/api/cases", json=body | extra, headers=web.alice)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_no_token_is_401(web: Web) -> None:
    response = web.client.get("/api/cases")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert set(response.json()) == {"detail"}
    assert web.client.get("/api/cases", headers={"Authorization": "Bearer mdx_wrong"}).status_code == 401
    assert web.client.get("/api/subtypes").status_code == 401


def test_other_teams_case_is_404(web: Web) -> None:
    case = new_case(web)
    for method, path in [
        ("GET", ""),
        ("GET", "/labs"),
        ("DELETE", ""),
        ("POST", "/analyze"),
        ("GET", "/report?format=json"),
    ]:
        response = web.client.request(method, f"/api/cases/{case['id']}{path}", headers=web.bob)
        assert response.status_code == 404, (method, path)
    assert web.client.get("/api/cases", headers=web.bob).json() == {"total": 0, "cases": []}
    assert web.client.get("/api/cases/not-a-case", headers=web.alice).status_code == 404


def test_counsellor_cannot_delete(web: Web) -> None:
    case = new_case(web)
    response = web.client.delete(f"/api/cases/{case['id']}", headers=web.carol)
    assert response.status_code == 403
    assert "counsellor" in response.json()["detail"]
    assert web.client.get(f"/api/cases/{case['id']}", headers=web.carol).status_code == 200


def test_crud_round_trip(web: Web) -> None:
    case = new_case(web)
    assert (case["label"], case["age_days"], case["sex"], case["version"]) == ("patient 7", 200, "female", 1)
    listed = web.client.get("/api/cases", headers=web.carol).json()
    assert listed["total"] == 1
    assert [c["id"] for c in listed["cases"]] == [case["id"]]

    url = f"/api/cases/{case['id']}"
    patched = web.client.patch(url, json={"version": 1, "age_days": 250, "sex": None}, headers=web.alice)
    assert patched.status_code == 200, patched.text
    assert (patched.json()["age_days"], patched.json()["sex"], patched.json()["version"]) == (250, None, 2)

    findings = [{"hpo_id": "HP:0011002"}, {"hpo_id": "HP:0001903", "excluded": True}]
    put = web.client.put(f"{url}/findings", json={"findings": findings, "version": 2}, headers=web.alice)
    assert put.status_code == 200, put.text
    assert put.json()["version"] == 3

    for value, date in [(8.1, "2025-03-01"), (7.2, "2025-01-01")]:
        lab = {"analyte": "haemoglobin", "value": value, "unit": "g/dL", "measured_on": date}
        assert web.client.post(f"{url}/labs", json=lab, headers=web.alice).status_code == 201
    labs = web.client.get(f"{url}/labs", headers=web.alice).json()["labs"]
    assert [(lab["date"], lab["value"]) for lab in labs] == [("2025-01-01", 7.2), ("2025-03-01", 8.1)]

    detail = web.client.get(url, headers=web.alice).json()
    assert detail["version"] == 3
    assert [(f["hpo_id"], f["excluded"]) for f in detail["findings"]] == [
        ("HP:0011002", False),
        ("HP:0001903", True),
    ]
    assert len(detail["labs"]) == 2

    assert web.client.delete(f"{url}?version=3", headers=web.alice).status_code == 204
    assert web.client.get(url, headers=web.alice).status_code == 404
    actions = [e.action for e in web.registry.audit_log("haematology", case_id=case["id"])]
    assert {"create", "view", "update", "delete"} <= set(actions)


def test_stale_version_is_409(web: Web) -> None:
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    assert web.client.patch(url, json={"version": 1, "label": "p7"}, headers=web.alice).status_code == 200
    stale = web.client.patch(url, json={"version": 1, "age_days": 9}, headers=web.carol)
    assert stale.status_code == 409
    assert set(stale.json()) == {"detail"}
    put = web.client.put(f"{url}/findings", json={"findings": [], "version": 1}, headers=web.alice)
    assert put.status_code == 409
    assert web.client.delete(f"{url}?version=1", headers=web.alice).status_code == 409
    assert web.client.get(url, headers=web.alice).json()["age_days"] == 200


def test_bad_input_is_one_line_422(web: Web) -> None:
    case = new_case(web)
    url = f"/api/cases/{case['id']}/findings"
    response = web.client.put(url, json={"findings": [{"hpo_id": "nonsense"}]}, headers=web.alice)
    assert response.status_code == 422
    assert set(response.json()) == {"detail"}
    assert "\n" not in response.json()["detail"]
    response = web.client.post("/api/cases", json={"age_days": 3}, headers=web.alice)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)
    assert "label" in response.json()["detail"]
    response = web.client.post("/api/cases", content=b"{not json", headers=web.alice)
    assert response.status_code == 422


def test_nul_characters_answer_the_same_on_both_backends(web: Web) -> None:
    """PostgreSQL refuses NUL in text, even as a query parameter (SQLite stores it): 422 for stored text,
    404 for an id, no labs for an analyte filter, and it is dropped from an upload's file name."""
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    assert web.client.post("/api/cases", json={"label": "p\u00007"}, headers=web.alice).status_code == 422
    patch = web.client.patch(url, json={"version": 1, "label": "p\u00007"}, headers=web.alice)
    assert patch.status_code == 422
    assert "NUL" in patch.json()["detail"]
    for field in ("analyte", "unit"):
        lab = {"analyte": "haemoglobin", "value": 8.1, "unit": "g/dL"} | {field: "g\u0000"}
        assert web.client.post(f"{url}/labs", json=lab, headers=web.alice).status_code == 422
    assert web.client.get(f"{url}/labs?analyte=haemoglobin%00", headers=web.alice).json() == {"labs": []}
    assert web.client.get(f"{url}%00", headers=web.alice).status_code == 404
    assert web.client.get(f"{url}%00/labs", headers=web.alice).status_code == 404
    upload = web.client.post(f"{url}/uploads/vcf?filename=p%007.vcf", content=VCF, headers=web.alice)
    assert upload.status_code == 201, upload.text
    assert upload.json()["original_name"] == "p7.vcf"
    assert web.client.get(url, headers=web.alice).json()["label"] == "patient 7"


def test_request_body_limit(web: Web) -> None:
    huge = {"label": "x" * (2 * 2**20)}
    response = web.client.post("/api/cases", json=huge, headers=web.alice)
    assert response.status_code == 413
    assert set(response.json()) == {"detail"}


def test_upload_and_size_limit(web: Web, tmp_path: Path) -> None:
    case = new_case(web)
    url = f"/api/cases/{case['id']}/uploads"
    ok = web.client.post(f"{url}/vcf?filename=../../p7.vcf", content=VCF, headers=web.alice)
    assert ok.status_code == 201, ok.text
    assert (ok.json()["kind"], ok.json()["size"], ok.json()["original_name"]) == ("vcf", len(VCF), "p7.vcf")
    uploads = tmp_path / "uploads"
    before = sorted(p.name for p in uploads.iterdir())
    assert len(before) == 1
    assert not before[0].startswith("p7")

    too_big = web.client.post(f"{url}/ped", content=b"x" * (UPLOAD_LIMIT + 1), headers=web.alice)
    assert too_big.status_code == 413
    assert set(too_big.json()) == {"detail"}

    def chunked() -> Any:  # no Content-Length: the limit is enforced while streaming
        for _ in range(10):
            yield b"y" * 1000

    streamed = web.client.post(f"{url}/ped", content=chunked(), headers=web.alice)
    assert streamed.status_code == 413
    assert sorted(p.name for p in uploads.iterdir()) == before  # no partial file left
    assert len(web.client.get(f"/api/cases/{case['id']}", headers=web.alice).json()["uploads"]) == 1

    assert web.client.post(f"{url}/bam", content=VCF, headers=web.alice).status_code == 422
    assert web.client.post(f"{url}/vcf", content=VCF, headers=web.bob).status_code == 404
    assert web.client.post(f"{url}/vcf", content=VCF).status_code == 401


def test_analyze_and_reports(web: Web) -> None:
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    assert web.client.get(f"{url}/report", headers=web.alice).status_code == 404  # nothing analysed yet
    lab = {"analyte": "haemoglobin", "value": 8.1, "unit": "g/dL", "measured_on": "2025-03-01"}
    assert web.client.post(f"{url}/labs", json=lab, headers=web.alice).status_code == 201
    response = web.client.post(f"{url}/analyze", headers=web.alice)
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["care_plan"]["hsct"]["decision"]
    assert result["case_id"] == case["id"]
    assert len(web.client.get(url, headers=web.alice).json()["analyses"]) == 1

    html = web.client.get(f"{url}/report?format=html", headers=web.alice)
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert "<html" in html.text.lower()
    family = web.client.get(f"{url}/report?format=html&audience=family", headers=web.carol)
    assert family.status_code == 200
    data = web.client.get(f"{url}/report?format=json", headers=web.alice)
    assert data.headers["content-type"].startswith("application/json")
    assert data.json()["care_plan"]["hsct"]["decision"] == result["care_plan"]["hsct"]["decision"]
    family_json = web.client.get(f"{url}/report?format=json&audience=family", headers=web.alice).json()
    assert family_json.keys() == {"case_id", "family_summary", "disclaimer", "outdated"}
    assert family_json["outdated"] is False
    pdf = web.client.get(f"{url}/report?format=pdf", headers=web.alice)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert web.client.get(f"{url}/report?format=doc", headers=web.alice).status_code == 422


def test_report_is_rendered_from_the_stored_analysis(web: Web) -> None:
    """After a restart (a new app over the same registry) the report is the same, and it shows the case as
    analysed, not as edited since, with a notice at the top that the case has changed since."""
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    assert web.client.post(f"{url}/analyze", headers=web.alice).status_code == 200
    before = web.client.get(f"{url}/report", headers=web.alice)
    assert before.status_code == 200
    assert "<html" in before.text.lower()
    changed = web.client.put(
        f"{url}/findings",
        json={"findings": [{"hpo_id": "HP:0001744", "excluded": False, "source": "entered"}]},
        headers=web.alice,
    )
    assert changed.status_code == 200
    app = create_app(web.registry, hpo=web.client.app.state.hpo, kb=web.client.app.state.kb)  # type: ignore[attr-defined]
    with TestClient(app) as restarted:
        after = restarted.get(f"{url}/report", headers=web.alice)
    assert after.status_code == 200
    notice = re.search(r'<div class="disclaimer outdated" role="alert">.*?</div>', after.text)
    assert notice is not None
    assert "the case has changed since; analyse again" in notice.group(0)
    assert after.text.replace(notice.group(0), "") == before.text


def test_subtypes_and_hpo_search(web: Web) -> None:
    subtypes = web.client.get("/api/subtypes", headers=web.alice).json()["subtypes"]
    assert subtypes
    key = subtypes[0]["key"]
    card = web.client.get(f"/api/subtypes/{key}", headers=web.alice)
    assert card.status_code == 200
    assert card.json()["key"] == key
    assert web.client.get("/api/subtypes/no-such-thing", headers=web.alice).status_code == 404
    more = web.client.get("/api/subtypes?include_differential=true", headers=web.alice).json()["subtypes"]
    assert len(more) > len(subtypes)
    terms = web.client.get("/api/hpo/search?q=HP:0011002", headers=web.alice).json()["terms"]
    assert terms[0]["id"] == "HP:0011002"
    assert web.client.get("/api/hpo/search?q=", headers=web.alice).status_code == 422


def test_openapi_and_cdn_free_docs(web: Web) -> None:
    spec = web.client.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert {"/api/cases", "/api/cases/{case_id}", "/api/cases/{case_id}/analyze", "/api/hpo/search"} <= set(
        paths
    )
    assert web.client.get("/docs").status_code == 404
    assert web.client.get("/redoc").status_code == 404
    page = web.client.get("/api/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "/api/cases/{case_id}/report" in page.text
    assert not re.search(
        r"<(script|link|img|iframe)[^>]*(src|href)\s*=\s*['\"]?(https?:)?//", page.text, re.I
    )
    assert "http://" not in page.text
    assert "https://" not in page.text


def test_no_patient_data_in_logs(web: Web, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    label = "Jane Doe, bed 12"
    case = new_case(web, label=label, findings=[{"hpo_id": "HP:0000572"}])
    url = f"/api/cases/{case['id']}"
    web.client.get(url, headers=web.alice)
    web.client.put(f"{url}/findings", json={"findings": [{"hpo_id": "HP:0001903"}]}, headers=web.alice)
    web.client.get("/api/hpo/search?q=Jane+Doe+anaemia", headers=web.alice)
    web.client.post(f"{url}/analyze", headers=web.alice)
    web.client.get(url, headers=web.bob)
    client_side = ("httpx", "httpcore")  # the test client's own request log is not the server's
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(client_side))
    assert "/api/cases/{case_id}" in text  # requests are logged, by route template
    for private in ("Jane", "bed 12", "HP:0000572", "HP:0001903", case["id"], "anaemia"):
        assert private not in text


def test_bad_upload_analysis_error_hides_server_paths(web: Web, tmp_path: Path) -> None:
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    twice = b"fam child 0 0 1 2\nfam child 0 0 1 2\n"  # six columns (accepted), one person twice
    ped = web.client.post(f"{url}/uploads/ped", content=twice, headers=web.alice)
    assert ped.status_code == 201
    response = web.client.post(f"{url}/analyze", headers=web.alice)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "uploaded PED file" in detail
    assert str(tmp_path) not in detail


def test_the_audit_log_is_for_admins_of_the_team(web: Web) -> None:
    case = new_case(web)
    web.client.get(f"/api/cases/{case['id']}", headers=web.alice)
    assert web.client.get("/api/audit", headers=web.alice).status_code == 403
    assert web.client.get("/api/audit").status_code == 401
    admin = web.registry.add_user("dana", "haematology", "admin", "correct horse battery")
    headers = {"Authorization": f"Bearer {web.registry.issue_token(admin)}"}
    events = web.client.get(f"/api/audit?case_id={case['id']}", headers=headers).json()["events"]
    assert [(e["user"], e["action"]) for e in events] == [("alice", "view"), ("alice", "create")]
    others = web.registry.add_user("erin", "oncology", "admin", "correct horse battery")
    foreign = {"Authorization": f"Bearer {web.registry.issue_token(others)}"}
    assert web.client.get(f"/api/audit?case_id={case['id']}", headers=foreign).json()["events"] == []


def test_an_input_change_makes_the_stored_analysis_out_of_date(web: Web) -> None:
    """A file or lab value added or removed, or findings edited, after the analysis: the case reads as
    changed since (its version left alone for labs and files), and every report says it is out of date."""
    case = new_case(web)
    url = f"/api/cases/{case['id']}"

    def outdated() -> bool:
        report = web.client.get(f"{url}/report?format=json", headers=web.alice).json()
        (listed,) = web.client.get(url, headers=web.alice).json()["analyses"][-1:]
        assert listed["outdated"] is report["outdated"]
        return bool(report["outdated"])

    def analyse() -> None:
        response = web.client.post(f"{url}/analyze", headers=web.alice)
        assert response.status_code == 200, response.text
        assert response.json()["outdated"] is False

    analyse()
    assert not outdated()
    upload = web.client.post(f"{url}/uploads/vcf", content=EXAMPLE_VCF, headers=web.alice).json()
    detail = web.client.get(url, headers=web.alice).json()
    assert detail["updated_at"] > detail["analyses"][0]["created_at"]
    assert detail["version"] == 1  # appended, not edited: forms loaded before stay valid
    assert outdated()
    html = web.client.get(f"{url}/report?format=html", headers=web.alice).text
    assert "Out of date." in html
    assert "the case has changed since; analyse again" in html
    family = web.client.get(f"{url}/report?format=html&audience=family", headers=web.alice).text
    assert "Out of date." in family
    analyse()
    assert not outdated()
    assert "Out of date." not in web.client.get(f"{url}/report?format=html", headers=web.alice).text
    lab = {"analyte": "haemoglobin", "value": 8.1, "unit": "g/dL", "measured_on": "2025-03-01"}
    lab_id = web.client.post(f"{url}/labs", json=lab, headers=web.alice).json()["id"]
    assert outdated()
    analyse()
    assert web.client.delete(f"{url}/labs/{lab_id}", headers=web.alice).status_code == 204
    assert outdated()
    analyse()
    assert web.client.delete(f"{url}/uploads/{upload['id']}", headers=web.alice).status_code == 204
    assert web.client.get(url, headers=web.alice).json()["uploads"] == []
    assert outdated()
    analyse()
    put = web.client.put(f"{url}/findings", json={"findings": [{"hpo_id": "HP:0001903"}]}, headers=web.alice)
    assert put.status_code == 200
    assert outdated()


def test_an_analysis_the_case_changed_under_is_not_stored(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    """A lab value arrives while the analysis runs: storing the result would show the old data as current."""
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    assert web.client.post(f"{url}/uploads/vcf", content=EXAMPLE_VCF, headers=web.alice).status_code == 201
    open_upload = web.registry.open_upload
    alice = web.registry.get_user("alice")

    def meanwhile(*args: Any, **kwargs: Any) -> Any:
        web.registry.add_lab(alice, case["id"], "haemoglobin", 8.1, "g/dL")
        return open_upload(*args, **kwargs)

    monkeypatch.setattr(web.registry, "open_upload", meanwhile)
    response = web.client.post(f"{url}/analyze", headers=web.alice)
    assert response.status_code == 409
    assert "changed while it was being analysed" in response.json()["detail"]
    assert web.client.get(url, headers=web.alice).json()["analyses"] == []


@pytest.mark.parametrize(
    ("kind", "content", "message"),
    [
        ("vcf", (EXAMPLES / "infant-aro.json").read_bytes(), "not a VCF file: it looks like JSON"),
        ("vcf", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a VCF file: it looks like a PNG image"),
        ("ped", VCF, "this is a VCF file, not a PED file"),
    ],
)
def test_a_wrong_file_is_refused_at_upload(web: Web, kind: str, content: bytes, message: str) -> None:
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    response = web.client.post(f"{url}/uploads/{kind}?filename=x", content=content, headers=web.alice)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(message)
    assert "\n" not in response.json()["detail"]
    assert web.client.get(url, headers=web.alice).json()["uploads"] == []


def test_the_api_refuses_unknown_hpo_terms_as_the_pages_do(web: Web) -> None:
    body = {"label": "x", "findings": [{"hpo_id": "HP:9999999"}, {"hpo_id": "HP:0011002"}]}
    response = web.client.post("/api/cases", json=body, headers=web.alice)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "HP:9999999" in detail
    assert "unknown HPO term" in detail
    assert "\n" not in detail
    assert web.client.get("/api/cases", headers=web.alice).json()["total"] == 0
    case = new_case(web)
    url = f"/api/cases/{case['id']}/findings"
    obsolete = web.client.put(url, json={"findings": [{"hpo_id": "HP:0009998"}]}, headers=web.alice)
    assert obsolete.status_code == 422
    assert "HP:0009998" in obsolete.json()["detail"]
    assert [
        f["hpo_id"] for f in web.client.get(f"/api/cases/{case['id']}", headers=web.alice).json()["findings"]
    ] == ["HP:0011002"]


@pytest.mark.parametrize(
    ("lab", "message"),
    [
        (
            {"analyte": "hemoglobin", "value": 800, "unit": "g/dL"},
            "lab value: haemoglobin 800 g/dL is not physiologically possible",
        ),
        ({"analyte": "unobtainium", "value": 1, "unit": "g/dL"}, "lab value: unknown analyte 'unobtainium'"),
        (
            {"analyte": "hemoglobin", "value": 8, "unit": "furlongs"},
            "lab value: 'furlongs' is not an accepted unit for haemoglobin",
        ),
        (
            {"analyte": "hemoglobin", "value": 8, "unit": "g/dL", "low": 14, "high": 9},
            "lab value: the laboratory's low limit (14) must be below its high limit (9)",
        ),
        (
            {"analyte": "platelets", "value": -5, "unit": "10^9/L"},
            "lab value: platelets -5 10^9/L is negative",
        ),
    ],
)
def test_the_api_refuses_impossible_labs_with_the_pages_message(
    web: Web, lab: dict[str, Any], message: str
) -> None:
    case = new_case(web)
    url = f"/api/cases/{case['id']}/labs"
    response = web.client.post(url, json=lab, headers=web.alice)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(message)
    assert web.client.get(url, headers=web.alice).json() == {"labs": []}


def test_a_lab_value_is_stored_as_checked_and_can_be_deleted(web: Web) -> None:
    case = new_case(web)
    url = f"/api/cases/{case['id']}/labs"
    lab = {"analyte": "hemoglobin", "value": 8, "unit": "g/dL", "measured_on": "2025-03-01"}
    created = web.client.post(url, json=lab, headers=web.alice).json()
    assert (created["analyte"], created["value"]) == ("haemoglobin", 8.0)  # the lab table's key
    assert web.client.delete(f"{url}/{created['id']}", headers=web.bob).status_code == 404
    assert web.client.delete(f"{url}/{created['id']}", headers=web.carol).status_code == 204
    assert web.client.delete(f"{url}/{created['id']}", headers=web.alice).status_code == 404
    assert web.client.get(url, headers=web.alice).json() == {"labs": []}


def test_a_finding_with_source_lab_is_refused_and_a_stored_one_is_kept(web: Web) -> None:
    body = {"label": "x", "age_days": 100, "findings": [{"hpo_id": "HP:0001903", "source": "lab"}]}
    response = web.client.post("/api/cases", json=body, headers=web.alice)
    assert response.status_code == 422
    assert "'lab' findings are derived from the case's lab values" in response.json()["detail"]
    # One stored before (or by another tool) is the clinician's finding: analysed, with a warning.
    alice = web.registry.get_user("alice")
    case = web.registry.create_case(
        alice,
        "x",
        age_days=100,
        findings=[FindingRecord("HP:0001903", source="lab"), FindingRecord("HP:0011002")],
    )
    result = web.client.post(f"/api/cases/{case.id}/analyze", headers=web.alice).json()["result"]
    assert "HP:0001903" in {f["hpo_id"] for f in result["findings"]}
    assert any("HP:0001903 stored with source 'lab'" in w for w in result["warnings"])


def test_huge_integers_are_422_not_500(web: Web) -> None:
    case = new_case(web)
    huge = 1180591620717411303424
    for method, path, where in [
        ("GET", f"/api/cases?offset={huge}", "offset"),
        ("DELETE", f"/api/cases/{case['id']}/labs/{huge}", "lab_id"),
        ("POST", f"/api/users/alice/tokens/{huge}/revoke", "token_id"),
    ]:
        response = web.client.request(method, path, headers=web.alice)
        assert response.status_code == 422, (path, response.text)
        assert where in response.json()["detail"]
    assert web.client.get(f"/api/cases?offset={2**31 - 1}", headers=web.alice).json()["cases"] == []


def test_an_unexpected_error_is_a_one_line_500_and_only_its_type_is_logged(
    web: Web, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing propagates to the server, which would log the whole traceback (and patient data in it)."""

    def boom() -> None:
        patient = "Jane Doe, bed 12"
        raise RuntimeError(patient)

    app = create_app(web.registry, hpo=web.client.app.state.hpo, kb=web.client.app.state.kb)  # type: ignore[attr-defined]
    app.add_api_route("/api/boom", boom)
    app.add_api_route("/boom", boom)
    caplog.set_level(logging.DEBUG)
    with TestClient(app) as client:  # raises whatever escapes the app
        response = client.get("/api/boom")
        page = client.get("/boom")
        after = client.get("/api/subtypes", headers=web.alice)
    assert (response.status_code, response.json()) == (500, {"detail": "internal error"})
    assert response.headers["x-frame-options"] == "DENY"
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert "Something went wrong" in page.text
    assert after.status_code == 200
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert "internal error: RuntimeError" in [r.getMessage() for r in server]
    assert not any(r.exc_info for r in server)
    assert not any("Jane" in r.getMessage() or "Traceback" in r.getMessage() for r in server)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "--text is empty; expected a description such as '8-month-old with anaemia'",
            "the plain-words box is empty; describe the findings in words, such as '8-month-old with anaemia'",
        ),
        (
            "the uploaded VCF file v.vcf (1): the VCF has 3 samples (a, b, c); pass --sample NAME to choose the proband",
            "the uploaded VCF file v.vcf (1): the VCF has 3 samples (a, b, c); upload the VCF again and enter "
            "the proband's sample name in the upload form's field \"Proband's sample\" (?sample=NAME in the "
            "REST API)",
        ),
        (
            "x: the VCF has no VEP CSQ or SnpEff ANN annotation; annotate it, or pass --genes-bed FILE (or run "
            "`marbledx data fetch genes`) so genes can be located",
            "x: the VCF has no VEP CSQ or SnpEff ANN annotation; annotate it with VEP or SnpEff and upload it "
            "again, or ask the server's administrator to run 'marbledx data fetch genes' so genes can be located",
        ),
        (
            "x: the genome build cannot be told from the header; pass --genome GRCh37|GRCh38",
            "x: the genome build cannot be told from the header; add a ##reference line naming GRCh37 or GRCh38 "
            "to the VCF header, then upload it again",
        ),
        (
            "--value 'calcium=2.0 mmol/L': the calcium reference interval depends on age; give the age at the "
            "test with --age (an ISO 8601 duration such as P6M)",
            "the stored lab value 'calcium=2.0 mmol/L' (remove it under Labs over time): the calcium reference "
            "interval depends on age; enter the patient's age in the case details",
        ),
        ("case label must be 1-200 characters", "case label must be 1-200 characters"),
    ],
)
def test_command_line_hints_are_rewritten_for_web_users(message: str, expected: str) -> None:
    assert for_web(message) == expected
