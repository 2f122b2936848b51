"""The REST API on hostile or mistaken input (QA review): every problem is a one-line 4xx naming the field
and what is expected, never a 500; nothing is stored half-way; control characters are escaped in messages;
and nothing of a patient reaches the logs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import Registry
from marbledx.web import create_app

from .conftest import Web

JSON = {"content-type": "application/json"}
VCF = b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tKID\n"
TRIO = (
    b"##fileformat=VCFv4.2\n##reference=GRCh38\n"
    b"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tK\x1b[31mID\tDAD\tMUM\n"
    b"1\t100\t.\tA\tG\t.\t.\t.\tGT\t0/1\t0/0\t0/1\n"
)


def new_case(web: Web, **extra: Any) -> dict[str, Any]:
    body = {"label": "patient 7", "age_days": 200, "sex": "female", "findings": [{"hpo_id": "HP:0011002"}]}
    response = web.client.post("/api/cases", json=body | extra, headers=web.alice)
    assert response.status_code == 201, response.text
    return dict(response.json())


def one_line_422(response: Any) -> str:
    assert response.status_code == 422, response.text
    assert set(response.json()) == {"detail"}
    detail: str = response.json()["detail"]
    assert "\n" not in detail
    return detail


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"label": "p7", "age_days": ' + b"1" * 5000 + b"}",
            "request body: a number has too many digits to be read; expected a JSON object "
            "(Content-Type: application/json)",
        ),
        (
            b'{"label": "p7", "findings": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            "request body: JSON nested too deeply; expected a JSON object (Content-Type: application/json)",
        ),
        (
            b'{"label": "p\xff7"}',
            "request body: not UTF-8 text; expected a JSON object (Content-Type: application/json)",
        ),
        (
            b'{"label": "p7"',
            "request body: malformed JSON at character 14 (Expecting ',' delimiter); expected a JSON object "
            "(Content-Type: application/json)",
        ),
        (
            b'["p7"]',
            "request body: Input should be a valid dictionary or object to extract fields from; expected a "
            "JSON object (Content-Type: application/json)",
        ),
    ],
)
def test_a_body_that_is_no_json_object_is_a_one_line_422(web: Web, body: bytes, message: str) -> None:
    """Before, the first three were a bare 400 "There was an error parsing the body", malformed JSON a 422
    "14: JSON decode error", and a JSON array named no field."""
    response = web.client.post("/api/cases", content=body, headers=web.alice | JSON)
    assert one_line_422(response) == message
    assert web.registry.list_cases(web.registry.get_user("alice")) == []


def test_a_json_body_sent_as_another_content_type_names_the_content_type(web: Web) -> None:
    response = web.client.post(
        "/api/cases", content=b'{"label": "p7"}', headers=web.alice | {"content-type": "text/plain"}
    )
    assert one_line_422(response).endswith("expected a JSON object (Content-Type: application/json)")
    assert one_line_422(web.client.post("/api/cases", headers=web.alice)).startswith(
        "request body: Field required;"
    )


@pytest.mark.parametrize("label", ["p\\ud8007", "p\\udfff"])
def test_a_lone_surrogate_in_a_label_is_a_one_line_422_not_a_500(web: Web, label: str) -> None:
    """JSON's \\ud800 escape gives Python a character that no database driver can encode: it was a 500
    (UnicodeEncodeError) on creating a case and on changing its label."""
    created = web.client.post("/api/cases", content=f'{{"label": "{label}"}}', headers=web.alice | JSON)
    assert "case label contains a lone surrogate (U+D" in one_line_422(created)
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    patched = web.client.patch(url, content=f'{{"version": 1, "label": "{label}"}}', headers=web.alice | JSON)
    assert one_line_422(patched).endswith("which is no character; expected Unicode text")
    assert web.client.get(url, headers=web.alice).json()["label"] == "patient 7"


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/labs", {"analyte": "haemoglobin", "value": True, "unit": "g/dL"}, "value"),
        ("POST", "/labs", {"analyte": "haemoglobin", "value": 8.1, "unit": "g/dL", "low": False}, "low"),
        ("POST", "/labs", {"analyte": "haemoglobin", "value": 8.1, "unit": "g/dL", "high": True}, "high"),
        ("PATCH", "", {"version": 1, "age_days": True}, "age_days"),
        ("PATCH", "", {"version": True, "label": "p8"}, "version"),
        ("PUT", "/findings", {"version": True, "findings": []}, "version"),
    ],
)
def test_true_and_false_are_not_numbers(
    web: Web, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    """Before, "value": true was stored as a haemoglobin of 1 g/dL, "age_days": true as one day."""
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    response = web.client.request(method, url + path, json=body, headers=web.alice)
    assert one_line_422(response).startswith(f"{field}: Value error, expected a number, not ")
    detail = web.client.get(url, headers=web.alice).json()
    assert (detail["version"], detail["age_days"], detail["labs"]) == (1, 200, [])
    created = web.client.post("/api/cases", json={"label": "p9", "age_days": True}, headers=web.alice)
    assert one_line_422(created) == "age_days: Value error, expected a number, not true"


@pytest.mark.parametrize(
    ("findings", "message"),
    [
        (
            [{"hpo_id": "HP:0011002"}, {"hpo_id": "HP:0000006"}],
            "findings: HP:0000006 Autosomal dominant inheritance (Mode of inheritance) is not a phenotypic "
            "feature; expected a term under HP:0000118 Phenotypic abnormality (family history and age have "
            "their own fields)",
        ),
        (
            [{"hpo_id": "HP:0003593", "excluded": True}],
            "findings: HP:0003593 Infantile onset (Clinical course) is not a phenotypic feature;",
        ),
        (
            [{"hpo_id": "HP:0004840"}, {"hpo_id": "HP:0001903", "excluded": True}],
            "findings: HP:0001903 is both observed and excluded; expected each finding once",
        ),
        (
            [{"hpo_id": "HP:0011002"}, {"hpo_id": "HP:0000924", "excluded": True}],
            "findings: HP:0011002 Osteopetrosis is observed but its broader term HP:0000924 Abnormality of the "
            "skeletal system is excluded; an observed finding implies its ancestors",
        ),
    ],
)
def test_findings_the_analysis_drops_or_fails_on_are_refused(
    web: Web, findings: list[dict[str, Any]], message: str
) -> None:
    """Before, they were stored: a mode of inheritance was dropped from every analysis with a warning, and
    a contradiction made every analysis of the case fail (422)."""
    created = web.client.post("/api/cases", json={"label": "p7", "findings": findings}, headers=web.alice)
    assert one_line_422(created).startswith(message)
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    put = web.client.put(f"{url}/findings", json={"findings": findings}, headers=web.alice)
    assert one_line_422(put).startswith(message)
    detail = web.client.get(url, headers=web.alice).json()
    assert (detail["version"], [f["hpo_id"] for f in detail["findings"]]) == (1, ["HP:0011002"])
    assert web.client.post(f"{url}/analyze", headers=web.alice).status_code == 200


def test_an_obsolete_id_with_a_replacement_and_excluded_findings_alone_are_still_accepted(web: Web) -> None:
    case = new_case(web, findings=[{"hpo_id": "HP:0009999"}, {"hpo_id": "HP:0001744", "excluded": True}])
    put = web.client.put(
        f"/api/cases/{case['id']}/findings",
        json={
            "findings": [
                {"hpo_id": "HP:0001903", "excluded": True},
                {"hpo_id": "HP:0001744", "excluded": True},
            ]
        },
        headers=web.alice,
    )
    assert put.status_code == 200, put.text


def test_a_content_length_of_thousands_of_digits_is_413_not_500(web: Web) -> None:
    """int() refuses a number of more than 4,300 digits: the body limit raised ValueError (a 500)."""
    case = new_case(web)
    for path in ("/api/cases", f"/api/cases/{case['id']}/uploads/vcf"):
        response = web.client.post(path, content=VCF, headers=web.alice | {"content-length": "9" * 5000})
        assert response.status_code == 413, (path, response.text)
        assert set(response.json()) == {"detail"}
    assert web.client.get(f"/api/cases/{case['id']}", headers=web.alice).json()["uploads"] == []


def test_only_the_upload_routes_take_an_uploads_size(
    registry: Registry, mini_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    """Before, any path holding "/uploads" had the upload limit: a case id "uploads" let anyone, signed in
    or not, send a JSON body of the upload's size (200 MiB by default), read and parsed before the 401."""
    app = create_app(registry, hpo=mini_hpo, kb=kb, max_upload_bytes=1 << 20, max_body_bytes=1024)
    body = {"analyte": "haemoglobin", "value": 8.1, "unit": "g/dL", "note": "x" * 10_000}
    with TestClient(app) as client:
        for path in ("/api/cases/uploads/labs", "/api/cases/x/labs"):
            response = client.post(path, json=body)
            assert (response.status_code, response.json()) == (
                413,
                {"detail": "request body larger than 1024 bytes"},
            ), path
        upload = client.post("/api/cases/x/uploads/vcf", content=VCF + b"#" * 10_000)
        assert upload.status_code == 401  # within the upload limit: on to the route, which wants a token


def test_control_characters_are_escaped_in_error_messages(web: Web) -> None:
    """A message may quote what the request sent (a JSON key, the names in a VCF header); a client printing
    it must not get a terminal escape sequence, as the command line escapes its errors."""
    key = web.client.post("/api/cases", json={"label": "p7", "\x1b[2Jx": 1}, headers=web.alice)
    assert one_line_422(key) == "\\x1b[2Jx: Extra inputs are not permitted"
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    assert web.client.post(f"{url}/uploads/vcf", content=TRIO, headers=web.alice).status_code == 201
    detail = web.client.post(f"{url}/analyze", headers=web.alice).json()["detail"]
    assert "the VCF has 3 samples (K\\x1b[31mID, DAD, MUM)" in detail
    assert "\x1b" not in detail


def test_upload_file_names_keep_their_last_part_with_control_characters_escaped(
    web: Web, tmp_path: Path
) -> None:
    """The client's file name is shown on the case page, in messages and in reports: it was kept raw."""
    case = new_case(web)
    url = f"/api/cases/{case['id']}/uploads/vcf"
    names = {
        "../../etc/a%1b[31mb%07.vcf": "a\\x1b[31mb\\x07.vcf",
        "..%5C..%5Cx%0Ay.vcf": "x\\ny.vcf",
        "p%007.vcf": "p7.vcf",
    }
    for sent, kept in names.items():
        response = web.client.post(f"{url}?filename={sent}", content=VCF, headers=web.alice)
        assert response.status_code == 201, response.text
        assert response.json()["original_name"] == kept
    assert all(len(p.name) == 36 for p in (tmp_path / "uploads").iterdir())  # <uuid hex>.vcf


def test_a_case_label_with_a_control_character_is_refused(web: Web) -> None:
    for label, shown in [("p7\x1b[31m", "\\x1b"), ("p\n7", "\\n"), ("p\t7", "\\t"), ("p\x857", "\\x85")]:
        response = web.client.post("/api/cases", json={"label": label}, headers=web.alice)
        assert one_line_422(response) == (
            f"case label contains a control character ({shown}); expected one line of text"
        )
    assert web.client.get("/api/cases", headers=web.alice).json()["total"] == 0
    assert new_case(web, label="  Ünïcode — label 7  ")["label"] == "Ünïcode — label 7"


@pytest.mark.parametrize(
    "query",
    ["limit=-1", "limit=0", "limit=1e9", "limit=1.5", "limit=" + "9" * 5000, "offset=-1", "limit=%00"],
)
def test_bad_list_parameters_are_a_one_line_422(web: Web, query: str) -> None:
    detail = one_line_422(web.client.get(f"/api/cases?{query}", headers=web.alice))
    assert detail.startswith(("query.limit: ", "query.offset: "))


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer ",
        "Basic YWxpY2U6eA==",
        "Bearer mdx_" + "a" * 100_000,
        "Bearer mdx_\x1b[31m",
        b"Bearer mdx_\xe9\xff",
        "mdx_x",
    ],
)
def test_malformed_bearer_tokens_are_401(web: Web, authorization: str | bytes) -> None:
    sent = authorization if isinstance(authorization, bytes) else authorization.encode("latin-1")
    response = web.client.get("/api/cases", headers={b"Authorization": sent})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_nothing_of_a_patient_is_logged_on_hostile_requests(
    web: Web, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    case = new_case(web, label="Jane Doe bed 12")
    url = f"/api/cases/{case['id']}"
    web.client.post("/api/cases", content='{"label": "Jane Doe \\ud800"}', headers=web.alice | JSON)
    web.client.post("/api/cases", content=b'{"label": "Jane Doe \xff"}', headers=web.alice | JSON)
    web.client.post("/api/cases", json={"label": "Jane Doe", "JaneKey\x1b": 1}, headers=web.alice)
    web.client.post(
        f"{url}/labs", json={"analyte": "haemoglobin", "value": 777.5, "unit": "g/dL"}, headers=web.alice
    )
    web.client.post(f"{url}/uploads/vcf?filename=JaneDoe.vcf&sample=JaneKid", content=VCF, headers=web.alice)
    web.client.post(f"{url}/uploads/vcf", content=VCF, headers=web.alice | {"content-length": "9" * 5000})
    web.client.put(
        f"{url}/findings",
        json={"findings": [{"hpo_id": "HP:0000572"}, {"hpo_id": "HP:0000505", "excluded": True}]},
        headers=web.alice,
    )
    web.client.get(f"{url}x", headers=web.bob)
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    text = "\n".join(r.getMessage() for r in server)
    assert "/api/cases/{case_id}" in text
    assert not any(r.exc_info for r in server)
    for private in ("Jane", "bed 12", "777", "HP:0000572", "HP:0000505", case["id"], "Traceback"):
        assert private not in text
