"""Uploads the analysis could never read are refused at upload, naming the file; a header-only VCF (a pipeline
that called nothing) is kept and analysed as "no genotype evidence"; the phenopacket import of the cases page
follows Post/Redirect/Get with its warnings shown after the redirect, once."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pysam
import pytest
from fastapi.testclient import TestClient

from ...conftest import TESTS
from .conftest import Web
from .test_api import new_case
from .test_import_phenopacket_s39 import infant
from .test_pages import csrf_of, sign_in

EXAMPLES = TESTS.parent / "examples"
EXAMPLE = (EXAMPLES / "infant-aro.vcf").read_text()
# The example patient's header (its ##reference and contigs, one sample) without any record: what a variant
# caller writes when it calls nothing.
HEADER_ONLY = "".join(line for line in EXAMPLE.splitlines(keepends=True) if line.startswith("#"))
NO_CHROM_LINE = "".join(line for line in EXAMPLE.splitlines(keepends=True) if line.startswith("##"))
NO_CHROM = (
    "the VCF file p7.vcf: the header has no #CHROM line (the tab-separated line naming the columns and samples) "
    "at its end; expected a header that ends with it, as variant callers write it"
)


def _kept(web: Web) -> list[Path]:
    folder = web.registry.uploads_dir
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (NO_CHROM_LINE.encode(), NO_CHROM),
        (b"##fileformat=VCFv4.2\n", NO_CHROM),
        (
            b"##fileformat=VCFv4.2\nchr11\t68040000\t.\tC\tT\t50\tPASS\t.\n",
            "the VCF file p7.vcf: the header has no #CHROM line (the tab-separated line naming the columns and "
            "samples) before the first record at line 2; expected a header that ends with it",
        ),
    ],
    ids=["no #CHROM line", "##fileformat only", "a record before #CHROM"],
)
def test_the_api_refuses_a_vcf_without_its_chrom_line_naming_the_file(
    web: Web, body: bytes, message: str
) -> None:
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    response = web.client.post(f"{url}/uploads/vcf?filename=p7.vcf", content=body, headers=web.alice)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(message)
    assert "\n" not in response.json()["detail"]
    assert str(web.registry.uploads_dir) not in response.json()["detail"]
    assert web.client.get(url, headers=web.alice).json()["uploads"] == []
    assert _kept(web) == []


def test_a_bgzip_file_empty_once_decompressed_is_refused(web: Web, tmp_path: Path) -> None:
    empty = tmp_path / "empty.vcf"
    empty.write_bytes(b"")
    pysam.tabix_compress(str(empty), str(tmp_path / "empty.vcf.gz"))
    body = (tmp_path / "empty.vcf.gz").read_bytes()
    assert body[:2] == b"\x1f\x8b"  # bgzip's end-of-file block alone
    case = new_case(web)
    response = web.client.post(
        f"/api/cases/{case['id']}/uploads/vcf?filename=calls.vcf.gz", content=body, headers=web.alice
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == (
        "the VCF file calls.vcf.gz is empty once decompressed (bgzip blocks without any text); expected a VCF "
        "with at least its header (##fileformat=VCF … #CHROM)"
    )
    assert _kept(web) == []


def test_the_case_page_refuses_it_on_the_upload_form(web: Web) -> None:
    with TestClient(web.client.app, base_url="https://testserver", follow_redirects=False) as site:  # type: ignore[arg-type]
        token = sign_in(site)
        case_id = new_case(web)["id"]
        response = site.post(
            f"/cases/{case_id}/uploads",
            data={"kind": "vcf", "csrf_token": token},
            files={"file": ("p7.vcf", NO_CHROM_LINE.encode(), "text/plain")},
        )
    assert response.status_code == 422
    uploads = html.unescape(response.text[response.text.index('id="uploads"') :])
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', uploads)
    assert error is not None
    assert error.group(1) == NO_CHROM
    assert _kept(web) == []


def test_a_header_only_vcf_is_kept_and_analysed_as_no_genotype_evidence(web: Web) -> None:
    """A pipeline that calls nothing writes the header alone: kept at upload, and the analysis says plainly
    that the VCF gives no genotype evidence (in its notes and the genotype's warnings), never with the
    file's path on the server."""
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    upload = web.client.post(
        f"{url}/uploads/vcf?filename=nothing.vcf", content=HEADER_ONLY.encode(), headers=web.alice
    )
    assert upload.status_code == 201, upload.text
    assert (upload.json()["samples"], upload.json()["sample_count"]) == (["example-infant"], 1)
    analysed = web.client.post(f"{url}/analyze", headers=web.alice)
    assert analysed.status_code == 200, analysed.text
    said = f"the uploaded VCF file nothing.vcf ({upload.json()['id']}): the VCF has no variant records, so it gives no genotype evidence"
    result = analysed.json()["result"]
    assert said in result["notes"]
    assert result["genotype"]["records"] == 0
    assert result["genotype"]["warnings"] == [said]
    stored = web.client.get(f"{url}/report?format=json", headers=web.alice).text
    assert str(web.registry.uploads_dir) not in stored
    assert "/tmp" not in json.dumps(json.loads(stored))


# -- the phenopacket import: Post/Redirect/Get -------------------------------------------------------------


def _import(site: TestClient, token: str) -> str:
    response = site.post(
        "/cases/import",
        data={"csrf_token": token},
        files={"file": ("II-1.json", json.dumps(infant()).encode(), "application/json")},
    )
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/cases/([0-9a-f-]{36})\?done=imported", response.headers["location"])
    assert match is not None
    assert "II-1" not in response.headers["location"]  # no patient data in the address
    return match.group(1)


def _warnings(page: str) -> list[str]:
    if "import-warnings" not in page:
        return []
    part = page[page.index("import-warnings") :].split("</ul>")[0]
    return [html.unescape(w) for w in re.findall(r"<li>(.*?)</li>", part)]


def test_the_import_redirects_and_the_case_page_shows_the_warnings_once(web: Web) -> None:
    with TestClient(web.client.app, base_url="https://testserver", follow_redirects=False) as site:  # type: ignore[arg-type]
        token = sign_in(site)
        case_id = _import(site, token)
        page = site.get(f"/cases/{case_id}")
        assert page.status_code == 200
        text = html.unescape(page.text)
        assert "Imported from II-1.json" in text
        assert "4 observed and 1 excluded findings, 2 lab values, age 8 months, sex female" in text
        warnings = _warnings(page.text)
        assert (
            "II-1.json: HPO term HP:0009999 is obsolete or an alternative id; using HP:0000572 (Visual loss)"
            in warnings
        )
        assert any("files names the variant file 'data/genomes/II-1.vcf.gz'" in w for w in warnings)
        assert 'id="import-vcf"' in page.text
        uploads = page.text[page.text.index('id="uploads"') :]
        assert 'value="II-1"' in uploads  # the upload form's sample, from the phenopacket
        # A reload is a GET of the case page: no second case, and the notice is not shown again.
        again = site.get(f"/cases/{case_id}")
        assert again.status_code == 200
        assert "Imported from" not in again.text
        assert _warnings(again.text) == []
    assert web.client.get("/api/cases", headers=web.alice).json()["total"] == 1


def test_the_notice_reads_only_on_its_case_in_its_session(web: Web) -> None:
    app = web.client.app
    with (
        TestClient(app, base_url="https://testserver", follow_redirects=False) as site,  # type: ignore[arg-type]
        TestClient(app, base_url="https://testserver", follow_redirects=False) as other,  # type: ignore[arg-type]
    ):
        token = sign_in(site)
        sign_in(other)
        first = _import(site, token)
        cookie = site.cookies.get("__Host-marbledx_import")
        assert cookie
        second = new_case(web)["id"]
        assert "Imported from" not in site.get(f"/cases/{second}").text  # another case: not shown there
        theirs = other.cookies.get("__Host-marbledx_session")
        headers = {"Cookie": f"__Host-marbledx_session={theirs}; __Host-marbledx_import={cookie}"}
        foreign = other.get(f"/cases/{first}", headers=headers)
        assert foreign.status_code == 200  # signed in, alice's other session
        assert "Imported from" not in foreign.text  # another session's notice
        altered = cookie[:-1] + ("1" if cookie.endswith("0") else "0")
        site.cookies.delete("__Host-marbledx_import")
        session = site.cookies.get("__Host-marbledx_session")
        for value, shown in ((altered, False), (cookie, True)):
            sent = {"Cookie": f"__Host-marbledx_session={session}; __Host-marbledx_import={value}"}
            assert ("Imported from" in site.get(f"/cases/{first}", headers=sent).text) is shown
        assert "Case created from a phenopacket." in site.get(f"/cases/{first}?done=imported").text
        assert csrf_of(site.get("/cases").text) == token
