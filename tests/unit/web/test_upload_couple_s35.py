"""A PED file's couple (whose next child the recurrence and carrier risks are for): chosen at upload (REST
API and case page), checked against the file there, shown on the case page, passed to the analysis as
``analyze(couple=...)`` and named on the results page.

The family is the example patient's (examples/infant-aro.vcf, TCIRG1 compound heterozygous: the care plan's
OPTB1 diagnosis is genotype-supported, so risks are computed) as an adult with children by two partners and
no parents in the file: the analysis has no default couple, and asks the user to choose one.
"""

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
PROBAND = "example-infant"  # the VCF's sample
FAMILY = (
    f"F {PROBAND} 0 0 1 2\nF P1 0 0 2 1\nF P2 0 0 2 1\nF K1 {PROBAND} P1 1 0\nF K2 {PROBAND} P2 2 0\n"
).encode()
COUPLE_HINT = (
    "choose whose next child to compute: upload the PED file again and enter FATHER,MOTHER (two ids of the "
    'file) in the upload form\'s field "Couple for the risks" (?couple=FATHER,MOTHER in the REST API)'
)


@pytest.fixture
def site(registry: Registry, mini_hpo: Hpo, kb: KnowledgeBase) -> Iterator[TestClient]:
    """The pages over HTTPS, with alice (clinician) signed up."""
    registry.add_user("alice", "haematology", "clinician", PASSWORD)
    app = create_app(registry, hpo=mini_hpo, kb=kb, max_upload_bytes=1 << 20)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


def _vcf(web: Web, url: str) -> None:
    vcf = (EXAMPLES / "infant-aro.vcf").read_bytes()
    response = web.client.post(f"{url}/uploads/vcf?sample={PROBAND}", content=vcf, headers=web.alice)
    assert response.status_code == 201, response.text


def test_the_api_keeps_a_chosen_couple_and_refuses_a_wrong_one(web: Web) -> None:
    case = new_case(web)
    url = f"/api/cases/{case['id']}/uploads"
    ok = web.client.post(
        f"{url}/ped?filename=family.ped&couple={PROBAND},P1", content=FAMILY, headers=web.alice
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["couple"] == [PROBAND, "P1"]
    for couple, detail in (
        (
            "ZED,P1",
            "couple: 'ZED' is not in the PED file; expected two individual ids from the file, FATHER,MOTHER; "
            f"its individuals: {PROBAND}, P1, P2, K1, K2",
        ),
        (PROBAND, f"couple '{PROBAND}': expected two individual ids separated by a comma, FATHER,MOTHER"),
        (
            "P1,P2",
            "couple: 'P1' and 'P2' are both female in the PED file; expected a father and a mother, FATHER,MOTHER",
        ),
    ):
        refused = web.client.post(f"{url}/ped?couple={couple}", content=FAMILY, headers=web.alice)
        assert refused.status_code == 422
        assert refused.json() == {"detail": detail}
    vcf = web.client.post(
        f"{url}/vcf?couple={PROBAND},P1", content=b"##fileformat=VCFv4.2\n", headers=web.alice
    )
    assert vcf.status_code == 422
    assert vcf.json()["detail"].startswith("couple is for a PED upload only")
    too_long = web.client.post(f"{url}/ped?couple={'x' * 512}", content=FAMILY, headers=web.alice)
    assert too_long.status_code == 422
    assert "couple" in str(too_long.json()["detail"])
    detail = web.client.get(f"/api/cases/{case['id']}", headers=web.alice).json()
    assert [u["couple"] for u in detail["uploads"]] == [[PROBAND, "P1"]]  # the refused ones are not kept
    assert len(list(web.registry.uploads_dir.iterdir())) == 1


def test_the_openapi_document_names_the_couple_parameter(web: Web) -> None:
    operation = web.client.get("/openapi.json").json()["paths"]["/api/cases/{case_id}/uploads/{kind}"]["post"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["couple"]["in"] == "query"
    assert not parameters["couple"].get("required", False)
    assert "FATHER,MOTHER" in parameters["couple"]["description"]


def test_the_analysis_computes_the_risks_for_the_newest_ped_files_couple(web: Web) -> None:
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    _vcf(web, url)

    # No couple: the proband has two partners, so the analysis asks for one, in the web's words, naming the
    # upload and not its path on the server.
    unchosen = web.client.post(f"{url}/uploads/ped", content=FAMILY, headers=web.alice).json()
    analysed = web.client.post(f"{url}/analyze", headers=web.alice)
    assert analysed.status_code == 200, analysed.text
    result = analysed.json()["result"]
    assert result.get("counselling") is None
    (note,) = [n for n in result["notes"] if n.startswith("counselling:")]
    assert note == (
        f"counselling: not computed: the uploaded PED file {unchosen['id']}: no affected individual has both "
        f"parents in the file, and the proband '{PROBAND}' has children with 2 partners in it (P1, P2); "
        + COUPLE_HINT
    )
    assert str(web.registry.uploads_dir) not in str(result)

    # The couple chosen with the PED file is the one computed.
    web.client.post(f"{url}/uploads/ped?couple=P2,{PROBAND}", content=FAMILY, headers=web.alice)
    result = web.client.post(f"{url}/analyze", headers=web.alice).json()["result"]
    counselling = result["counselling"]
    assert counselling["risks_given"] is True
    assert (
        counselling["couple"] | {"father": PROBAND, "mother": "P2", "chosen_by": "stated"}
        == counselling["couple"]
    )
    assert counselling["assumptions"][0].startswith(
        f"The figures are for the next child of {PROBAND} (father) and P2"
    )
    assert not [n for n in result["notes"] if n.startswith("counselling:")]

    # The newest PED file's couple counts: one uploaded without a couple takes the default again.
    web.client.post(f"{url}/uploads/ped", content=FAMILY, headers=web.alice)
    result = web.client.post(f"{url}/analyze", headers=web.alice).json()["result"]
    assert result.get("counselling") is None


def test_the_case_page_chooses_and_shows_the_couple_and_the_results_name_it(
    site: TestClient, registry: Registry
) -> None:
    token = sign_in(site)
    case_id = new_page_case(site, token)
    page = site.get(f"/cases/{case_id}").text
    assert re.search(r'<label>Couple for the risks <input name="couple" maxlength="511"', page)
    assert 'id="couple-help"' in page

    def upload(couple: str, kind: str = "ped", content: bytes = FAMILY, sample: str = "") -> httpx.Response:
        return site.post(
            f"/cases/{case_id}/uploads",
            data={"kind": kind, "couple": couple, "sample": sample, "csrf_token": token},
            files={"file": ("family.ped", content, "text/plain")},
        )

    refused = upload(f"{PROBAND},zed")
    assert refused.status_code == 422
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', refused.text)
    assert error is not None
    assert html.unescape(error.group(1)) == (
        "couple: 'zed' is not in the PED file; expected two individual ids from the file, FATHER,MOTHER; "
        f"its individuals: {PROBAND}, P1, P2, K1, K2"
    )
    assert f'name="couple" maxlength="511" size="16" value="{PROBAND},zed"' in refused.text  # kept as typed
    assert registry.list_uploads(registry.get_user("alice"), case_id) == []

    vcf = (EXAMPLES / "infant-aro.vcf").read_bytes()
    assert upload("", "vcf", vcf, sample=PROBAND).status_code == 303
    assert upload("").status_code == 303
    assert upload(f" {PROBAND} , P1 ").status_code == 303
    cells = re.findall(r'<td class="couple">(.*?)</td>', site.get(f"/cases/{case_id}").text)
    assert [html.unescape(c) for c in cells] == [
        "no couple chosen: risks for the parents of the first affected person with both parents in the file, "
        "else for the proband and their one partner",
        f"risks for the next child of {PROBAND} and P1",
    ]

    finding = {"term": "Osteopetrosis", "version": version_of(site, case_id), "csrf_token": token}
    assert site.post(f"/cases/{case_id}/findings", data=finding).status_code == 303
    analysed = site.post(f"/cases/{case_id}/analyze", data={"csrf_token": token})
    assert analysed.status_code == 303, analysed.text
    results = html.unescape(site.get(f"/cases/{case_id}/results").text)
    assert "Genetic counselling" in results
    assert (
        f"The figures are for the next child of {PROBAND} (father) and P1 (mother): the couple named for this "
        f"analysis, of whom {PROBAND} is the proband (the patient)."
    ) in results
