"""The pages on hostile or mistaken input (QA review): a refused form is the page again with a one-line
error (4xx), never a 500; the pages refuse what the API refuses; control characters are escaped where
shown; nothing of a patient reaches the logs."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import Registry
from marbledx.web import create_app

from .conftest import PASSWORD
from .test_pages import csrf_of, new_case, sign_in, version_of

BODY_LIMIT = 1 << 16
_ERROR = re.compile(r'<p class="error" role="alert">(.*?)</p>', re.DOTALL)
TRIO = (
    b"##fileformat=VCFv4.2\n##reference=GRCh38\n"
    b"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tK\x1b[31mID\tDAD\tMUM\n"
    b"1\t100\t.\tA\tG\t.\t.\t.\tGT\t0/1\t0/0\t0/1\n"
)


@pytest.fixture
def site(registry: Registry, mini_hpo: Hpo, kb: KnowledgeBase) -> Iterator[TestClient]:
    """The app over HTTPS with alice (clinician); request bodies up to 64 KiB, uploads up to 1 MiB."""
    registry.add_user("alice", "haematology", "clinician", PASSWORD)
    app = create_app(registry, hpo=mini_hpo, kb=kb, max_upload_bytes=1 << 20, max_body_bytes=BODY_LIMIT)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


def error_of(response: Response) -> str:
    match = _ERROR.search(response.text)
    assert match is not None, response.text[:500]
    return html.unescape(match.group(1))


def findings_of(registry: Registry, case_id: str) -> list[tuple[str, bool]]:
    return [(f.hpo_id, f.excluded) for f in registry.list_findings(registry.get_user("alice"), case_id)]


def test_a_security_token_beyond_ascii_is_refused_not_a_crash(site: TestClient) -> None:
    """hmac.compare_digest raises TypeError for text with a non-ASCII character: each was a 500."""
    login = site.get("/login")
    refused = site.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": "é"})
    assert refused.status_code == 403
    assert error_of(refused) == "The sign-in form had expired; please try again."
    assert csrf_of(login.text)  # the page had its token
    token = sign_in(site)
    assert site.post("/cases", data={"label": "x", "csrf_token": "é" + token}).status_code == 403
    header = site.post("/cases", data={"label": "x"}, headers={b"x-csrf-token": b"\xe9"})
    assert header.status_code == 403
    assert "the form's security token is missing or out of date" in html.unescape(header.text)
    assert site.get("/cases").text.count('<a href="/cases/') == 0


@pytest.mark.parametrize("origin", ["http://[", "https://[::1"])
def test_a_malformed_origin_is_refused_not_a_crash(site: TestClient, origin: str) -> None:
    """urlsplit raises ValueError for an unclosed IPv6 bracket: every form post with it was a 500."""
    page = site.get("/login")
    form = {"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    assert site.post("/login", data=form, headers={"origin": origin}).status_code == 403
    token = sign_in(site)
    response = site.post("/cases", data={"label": "x", "csrf_token": token}, headers={"origin": origin})
    assert response.status_code == 403
    assert "request from another site refused" in response.text


@pytest.mark.parametrize("target", ["//[", "http://[", "/\\[x"])
def test_a_malformed_next_address_goes_to_the_cases(site: TestClient, target: str) -> None:
    """urlsplit raised ValueError: the sign-in page and the sign-in itself were a 500."""
    page = site.get("/login", params={"next": target})
    assert page.status_code == 200
    assert 'name="next" value="/cases"' in page.text
    form = {"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(page.text), "next": target}
    signed_in = site.post("/login", data=form)
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/cases")


@pytest.mark.parametrize(
    ("age", "message"),
    [
        (
            "\u0668 months",
            "age '\u0668 months' is not an age; expected e.g. '8 months', '3 weeks', '2 years' or P8M",
        ),
        ("1\u0668 days", "age '1\u0668 days' is not an age;"),
        ("P\u0661Y", "age: 'P\u0661Y' is not an ISO 8601 age;"),
        ("P200Y", "age: 'P200Y' is older than 130 years;"),
        ("P-1Y", "age: 'P-1Y' is not an ISO 8601 age;"),
    ],
)
def test_digits_of_other_scripts_and_impossible_ages_are_refused(
    site: TestClient, age: str, message: str
) -> None:
    """Before, "٨ months" (Arabic-Indic 8) was read as 8 months, though an ISO 8601 age in those digits, a
    lab value or the command line refuses them."""
    token = sign_in(site)
    response = site.post("/cases", data={"label": "case 12", "age": age, "csrf_token": token})
    assert response.status_code == 422
    assert error_of(response).startswith(message)
    assert f'value="{age}"' in response.text  # what was typed is kept
    assert (
        "8 months"
        in site.post(
            "/cases",
            data={"label": "case 13", "age": "8\u00a0months", "csrf_token": token},
            follow_redirects=True,
        ).text
    )


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ("\u0663", "lab value (low): '\u0663' is not a number; expected the laboratory's low limit in g/dL"),
        ("6,5", "lab value (low): '6,5' is not a number (use a point, not a comma, for decimals);"),
        ("NaN", "lab value (low): 'NaN' is not a number;"),
    ],
)
def test_a_lab_limit_is_read_as_the_lab_value_is(
    site: TestClient, registry: Registry, limit: str, message: str
) -> None:
    """Before, the page read the laboratory's limits with float(), which took "٣" (Arabic-Indic 3) as 3,
    while the value field and the REST API refused it."""
    token = sign_in(site)
    case_id = new_case(site, token)
    lab = {
        "analyte": "haemoglobin",
        "value": "8.1",
        "unit": "g/dL",
        "low": limit,
        "high": "",
        "csrf_token": token,
    }
    response = site.post(f"/cases/{case_id}/labs", data=lab)
    assert response.status_code == 422
    assert error_of(response).startswith(message)
    assert registry.list_labs(registry.get_user("alice"), case_id) == []
    lab |= {"low": " 11.5 ", "high": "15.5"}
    assert site.post(f"/cases/{case_id}/labs", data=lab).status_code == 303
    (stored,) = registry.list_labs(registry.get_user("alice"), case_id)
    assert (stored.low, stored.high) == (11.5, 15.5)


def test_findings_the_analysis_cannot_use_are_refused_on_the_case_page(
    site: TestClient, registry: Registry
) -> None:
    """Before, the term box and the plain-words box stored them, and every analysis of the case then failed
    on the contradiction (or dropped the mode of inheritance with a warning)."""
    token = sign_in(site)
    case_id = new_case(site, token)
    url = f"/cases/{case_id}"

    def add(term: str, status: str = "observed") -> Response:
        data = {"term": term, "status": status, "version": version_of(site, case_id), "csrf_token": token}
        return site.post(f"{url}/findings", data=data)

    assert add("HP:0011002 Osteopetrosis").status_code == 303
    excluded_ancestor = add("HP:0000924 Abnormality of the skeletal system", "excluded")
    assert excluded_ancestor.status_code == 422
    assert error_of(excluded_ancestor) == (
        "findings: HP:0011002 Osteopetrosis is observed but its broader term HP:0000924 Abnormality of the "
        "skeletal system is excluded; an observed finding implies its ancestors"
    )
    inheritance = add("HP:0000006 Autosomal dominant inheritance")
    assert inheritance.status_code == 422
    assert error_of(inheritance).startswith(
        "findings: HP:0000006 Autosomal dominant inheritance (Mode of inheritance) is not a phenotypic feature"
    )
    # An exclusion read from plain words gives way to the observed narrower finding (stop 39: "easy bruising
    # +ve, bleeding -ve" means no other bleeding): it is kept as written, and the analysis drops it with a
    # warning instead of failing.
    words = {"text": "no abnormality of the skeletal system", "version": version_of(site, case_id)}
    plain = site.post(f"{url}/text", data=words | {"csrf_token": token})
    assert plain.status_code in (200, 303)
    assert ("HP:0000924", True) in findings_of(registry, case_id)
    assert site.post(f"{url}/analyze", data={"csrf_token": token}).status_code == 303


def test_the_plain_words_box_counts_a_line_break_as_the_browser_does(
    site: TestClient, registry: Registry
) -> None:
    """The textarea's maxlength (5,000) counts a line break as one character and the browser sends it as CR
    LF: a full box of short lines was over the form's limit, and answered with the bare error page, the words
    lost. Over the limit the case page says so and keeps the words."""
    token = sign_in(site)
    case_id = new_case(site, token)
    url = f"/cases/{case_id}/text"
    lines = "\r\n".join(["anaemia"] * 600)  # 5,399 characters as typed, 5,998 as sent
    words = {"text": lines, "version": version_of(site, case_id), "csrf_token": token}
    assert site.post(url, data=words).status_code == 200
    assert findings_of(registry, case_id) == [("HP:0001903", False)]
    words |= {"text": "anaemia " * 700, "version": version_of(site, case_id)}
    over = site.post(url, data=words)
    assert over.status_code == 422
    assert error_of(over) == "the plain-words box holds 5,600 characters; expected at most 5,000"
    assert "anaemia anaemia" in over.text.split('id="plain"')[1]


def test_file_and_sample_names_are_shown_with_control_characters_escaped(
    site: TestClient, registry: Registry
) -> None:
    """A file name from the browser and the sample names of a VCF header were shown as sent; an analysis
    error quoting them, too."""
    token = sign_in(site)
    case_id = new_case(site, token)
    url = f"/cases/{case_id}"
    files = {"file": ("../trio\x1b[31m.vcf", TRIO, "text/plain")}
    upload = site.post(f"{url}/uploads", data={"kind": "vcf", "sample": "", "csrf_token": token}, files=files)
    assert upload.status_code == 303, upload.text
    page = site.get(url).text
    assert "trio\\x1b[31m.vcf" in page
    assert "3 samples: K\\x1b[31mID, DAD, MUM" in page
    finding = {"term": "HP:0011002", "version": version_of(site, case_id), "csrf_token": token}
    assert site.post(f"{url}/findings", data=finding).status_code == 303
    analysis = site.post(f"{url}/analyze", data={"csrf_token": token})
    assert analysis.status_code == 422
    assert "the VCF has 3 samples (K\\x1b[31mID, DAD, MUM)" in error_of(analysis)
    chosen = site.post(
        f"{url}/uploads",
        data={"kind": "vcf", "sample": "K\x1b[31mID", "csrf_token": token},
        files={"file": ("trio.vcf", TRIO, "text/plain")},
    )
    assert chosen.status_code == 303, chosen.text
    assert "proband&#39;s sample K\\x1b[31mID, of 3" in site.get(url).text
    for shown in (page, analysis.text, site.get(url).text):
        assert "\x1b" not in shown


def test_a_case_label_with_a_control_character_is_refused_on_the_page(site: TestClient) -> None:
    token = sign_in(site)
    response = site.post("/cases", data={"label": "case\x1b[2J 12", "age": "", "csrf_token": token})
    assert response.status_code == 422
    assert error_of(response) == "case label contains a control character (\\x1b); expected one line of text"
    assert site.get("/cases").text.count('<a href="/cases/') == 0


def test_a_form_to_a_path_holding_uploads_has_the_forms_limit(site: TestClient) -> None:
    """Before, any path holding "/uploads" had the upload limit: a form of up to 1 MiB here (200 MiB by
    default) was read and parsed, even without a session."""
    words = {"text": "anaemia " * 10_000, "version": "1", "csrf_token": "x"}
    for path in ("/cases/uploads/text", "/cases/x/text"):
        response = site.post(path, data=words)
        assert response.status_code == 413, path
        assert f"request body larger than {BODY_LIMIT} bytes" in response.text


def test_nothing_of_a_patient_is_logged_on_hostile_forms(
    site: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = sign_in(site)
    case_id = new_case(site, token, label="Jane Doe bed 12")
    url = f"/cases/{case_id}"
    site.post("/cases", data={"label": "Jane Doe", "age": "P200Y", "csrf_token": token})
    site.post("/cases", data={"label": "Jane Doe", "csrf_token": "é"})
    site.post("/cases", data={"label": "Jane Doe", "csrf_token": token}, headers={"origin": "http://["})
    site.post(
        f"{url}/text",
        data={"text": "Jane Doe, no abnormality of the skeletal system", "version": "9", "csrf_token": token},
    )
    lab = {"analyte": "haemoglobin", "value": "777", "unit": "g/dL", "low": "\u0663", "csrf_token": token}
    site.post(f"{url}/labs", data=lab)
    files = {"file": ("JaneDoe.vcf", TRIO, "text/plain")}
    site.post(f"{url}/uploads", data={"kind": "vcf", "sample": "JaneKid", "csrf_token": token}, files=files)
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    text = "\n".join(r.getMessage() for r in server)
    assert "/cases/{case_id}/labs" in text
    assert not any(r.exc_info for r in server)
    for private in ("Jane", "bed 12", "777", case_id, "internal error", "Traceback"):
        assert private not in text
