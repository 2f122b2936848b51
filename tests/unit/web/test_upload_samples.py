"""The proband's sample of a multi-sample VCF: chosen at upload (REST API and case page), checked against the
VCF header there, shown on the case page and read by the analysis (a trio VCF without a PED file)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import Registry
from marbledx.web import create_app

from ...conftest import TESTS
from .conftest import PASSWORD, Web
from .test_api import new_case
from .test_pages import new_case as new_page_case
from .test_pages import sign_in, version_of

EXAMPLES = TESTS.parent / "examples"


@pytest.fixture
def site(registry: Registry, mini_hpo: Hpo, kb: KnowledgeBase) -> Iterator[TestClient]:
    """The pages over HTTPS, with alice (clinician) signed up."""
    registry.add_user("alice", "haematology", "clinician", PASSWORD)
    app = create_app(registry, hpo=mini_hpo, kb=kb, max_upload_bytes=1 << 20)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


def trio_vcf() -> bytes:
    """The example patient's VCF with two more samples: the parents, each carrying one of the TCIRG1
    variants (the child is compound heterozygous)."""
    lines = []
    parents = iter(["0/1\t0/0", "0/0\t0/1"])
    for line in (EXAMPLES / "infant-aro.vcf").read_text().splitlines():
        if line.startswith("#CHROM"):
            line += "\tfather\tmother"
        elif not line.startswith("#"):
            line += "\t" + next(parents, "0/0\t0/0")
        lines.append(line)
    return ("\n".join(lines) + "\n").encode()


def test_the_api_keeps_a_chosen_sample_and_refuses_an_unknown_one(web: Web) -> None:
    case = new_case(web)
    url = f"/api/cases/{case['id']}/uploads"
    ok = web.client.post(
        f"{url}/vcf?filename=trio.vcf&sample=example-infant", content=trio_vcf(), headers=web.alice
    )
    assert ok.status_code == 201, ok.text
    body = ok.json()
    assert (body["sample"], body["samples"], body["sample_count"]) == (
        "example-infant",
        ["example-infant", "father", "mother"],
        3,
    )
    unknown = web.client.post(f"{url}/vcf?sample=Example-Infant", content=trio_vcf(), headers=web.alice)
    assert unknown.status_code == 422
    assert unknown.json() == {
        "detail": "sample 'Example-Infant' is not a sample of this VCF; expected one of its samples: "
        "example-infant, father, mother"
    }
    ped = b"FAM1\texample-infant\tfather\tmother\t1\t2\n"
    refused = web.client.post(f"{url}/ped?sample=example-infant", content=ped, headers=web.alice)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("sample is for a VCF upload only")
    too_long = web.client.post(f"{url}/vcf?sample={'x' * 256}", content=trio_vcf(), headers=web.alice)
    assert too_long.status_code == 422
    assert "sample" in too_long.json()["detail"]
    detail = web.client.get(f"/api/cases/{case['id']}", headers=web.alice).json()
    assert [u["sample"] for u in detail["uploads"]] == ["example-infant"]  # the refused ones are not kept
    assert len(list(web.registry.uploads_dir.iterdir())) == 1


def test_a_trio_vcf_without_a_ped_file_is_analysed_with_the_chosen_sample(web: Web) -> None:
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    unchosen = web.client.post(f"{url}/uploads/vcf?filename=trio.vcf", content=trio_vcf(), headers=web.alice)
    assert unchosen.status_code == 201  # kept: a PED file could name the affected child
    assert (unchosen.json()["sample"], unchosen.json()["sample_count"]) == (None, 3)
    ambiguous = web.client.post(f"{url}/analyze", headers=web.alice)
    assert ambiguous.status_code == 422
    message = ambiguous.json()["detail"]
    assert "the VCF has 3 samples (example-infant, father, mother)" in message
    assert message.endswith(
        "upload the VCF again and enter the proband's sample name in the upload form's field "
        '"Proband\'s sample" (?sample=NAME in the REST API)'
    )
    assert "--sample" not in message

    chosen = web.client.post(
        f"{url}/uploads/vcf?sample=example-infant", content=trio_vcf(), headers=web.alice
    )
    assert chosen.status_code == 201
    analysed = web.client.post(f"{url}/analyze", headers=web.alice)
    assert analysed.status_code == 200, analysed.text
    genotype = analysed.json()["result"]["genotype"]
    assert genotype["sample"] == "example-infant"
    assert genotype["vcf"] == f"uploaded VCF file {chosen.json()['id']}"
    assert genotype["calls"] == 4  # the child's four variants

    # The newest VCF's sample is the one read: the father carries one TCIRG1 allele of the child's two.
    father = web.client.post(f"{url}/uploads/vcf?sample=father", content=trio_vcf(), headers=web.alice)
    assert father.status_code == 201
    again = web.client.post(f"{url}/analyze", headers=web.alice)
    assert again.status_code == 200, again.text
    assert again.json()["result"]["genotype"]["sample"] == "father"
    assert again.json()["result"]["genotype"]["calls"] == 1


def test_the_openapi_document_names_the_sample_parameter(web: Web) -> None:
    operation = web.client.get("/openapi.json").json()["paths"]["/api/cases/{case_id}/uploads/{kind}"]["post"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["sample"]["in"] == "query"
    assert not parameters["sample"].get("required", False)
    assert "proband" in parameters["sample"]["description"]
    assert "sample (query)" in web.client.get("/api/docs").text


def test_the_case_page_chooses_and_shows_the_sample(site: TestClient, registry: Registry) -> None:
    token = sign_in(site)
    case_id = new_page_case(site, token)
    page = site.get(f"/cases/{case_id}").text
    assert re.search(r"<label>Proband&#39;s sample <input name=\"sample\"", page)

    def upload(sample: str, kind: str = "vcf", content: bytes | None = None) -> httpx.Response:
        return site.post(
            f"/cases/{case_id}/uploads",
            data={"kind": kind, "sample": sample, "csrf_token": token},
            files={"file": ("trio.vcf", trio_vcf() if content is None else content, "text/plain")},
        )

    refused = upload("mum")
    assert refused.status_code == 422
    text = refused.text
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', text)
    assert error is not None
    assert html.unescape(error.group(1)) == (
        "sample 'mum' is not a sample of this VCF; expected one of its samples: example-infant, father, mother"
    )
    assert 'name="sample" maxlength="255" size="16" value="mum"' in text  # what was typed is kept
    ped = upload("example-infant", "ped", b"FAM1\texample-infant\tfather\tmother\t1\t2\n")
    assert ped.status_code == 422
    assert "sample is for a VCF upload only" in ped.text
    assert registry.list_uploads(registry.get_user("alice"), case_id) == []

    assert upload("").status_code == 303
    assert upload("example-infant").status_code == 303
    cells = re.findall(r'<td class="samples">(.*?)</td>', site.get(f"/cases/{case_id}").text)
    assert [html.unescape(c) for c in cells] == [
        "3 samples: example-infant, father, mother; none chosen (a PED file's affected child is taken)",
        "proband's sample example-infant, of 3: example-infant, father, mother",
    ]
    finding = {"term": "Osteopetrosis", "version": version_of(site, case_id), "csrf_token": token}
    assert site.post(f"/cases/{case_id}/findings", data=finding).status_code == 303
    analysed = site.post(f"/cases/{case_id}/analyze", data={"csrf_token": token})
    assert analysed.status_code == 303, analysed.text
    results = site.get(f"/cases/{case_id}/results").text
    assert "TCIRG1" in results


def test_a_single_sample_vcf_shows_its_sample(site: TestClient, registry: Registry) -> None:
    token = sign_in(site)
    case_id = new_page_case(site, token)
    site.post(
        f"/cases/{case_id}/uploads",
        data={"kind": "vcf", "csrf_token": token},
        files={"file": ("one.vcf", (EXAMPLES / "infant-aro.vcf").read_bytes(), "text/plain")},
    )
    cells = re.findall(r'<td class="samples">(.*?)</td>', site.get(f"/cases/{case_id}").text)
    assert cells == ["example-infant"]
