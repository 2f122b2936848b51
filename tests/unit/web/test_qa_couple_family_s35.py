"""QA of a PED upload's couple and a case's family history on the web: hostile ids (HTML in a PED file's ids
and in a typed couple) escaped on every page and report, older uploads marked as not used (an older PED
file's couple is not the one computed), the upload with the couple removed, team scoping, and the results
page and stored JSON stating the family history the ranking used (also when consanguinity came from words).

Runs on SQLite and, with ``MARBLEDX_TEST_POSTGRES_URL``, on PostgreSQL (the ``registry`` fixture).
"""

from __future__ import annotations

import html
import re
from typing import Any

from fastapi.testclient import TestClient

from ...conftest import TESTS
from .conftest import Web
from .test_api import new_case
from .test_pages import new_case as new_page_case
from .test_pages import sign_in, version_of

EXAMPLES = TESTS.parent / "examples"
PROBAND = "example-infant"  # the example VCF's sample (TCIRG1 compound heterozygous: risks are computed)
# PED ids are whitespace-free printable text, so markup fits in one: a father and a mother whose ids would run
# script if a page or report put them into its HTML unescaped.
FATHER = "D<svg/onload=alert(1)>"
MOTHER = "M&amp;<b>"
FAMILY = (
    f"F {PROBAND} {FATHER} {MOTHER} 1 2\nF {FATHER} 0 0 1 1\nF {MOTHER} 0 0 2 1\n"
    f"F P1 0 0 1 1\nF P2 0 0 2 1\nF K1 P1 P2 1 1\n"
).encode()
CONSANGUINITY_NOTE = "family: consanguinity favours autosomal recessive inheritance"
UNUSED = re.compile(r'<span class="small unused">(.*?)</span>')


def _vcf(web: Web, url: str) -> None:
    vcf = (EXAMPLES / "infant-aro.vcf").read_bytes()
    response = web.client.post(f"{url}/uploads/vcf?sample={PROBAND}", content=vcf, headers=web.alice)
    assert response.status_code == 201, response.text


def _page_upload(client: TestClient, case_id: str, token: str, couple: str, content: bytes = FAMILY) -> Any:
    return client.post(
        f"/cases/{case_id}/uploads",
        data={"kind": "ped", "couple": couple, "sample": "", "csrf_token": token},
        files={"file": ("family.ped", content, "text/plain")},
    )


def _no_markup(text: str) -> None:
    """No id's markup reached the HTML as markup: each appears escaped only."""
    for raw in (FATHER, MOTHER, "<svg/onload", "<script>"):
        assert raw not in text


def test_markup_in_a_couple_and_in_ped_ids_is_escaped_on_every_page_and_report(
    web: Web, browsers: tuple[TestClient, TestClient]
) -> None:
    page, _ = browsers
    token = sign_in(page)
    case_id = new_page_case(page, token)
    _vcf(web, f"/api/cases/{case_id}")

    # A refused couple comes back in the error and in the form's field: escaped in both.
    refused = _page_upload(page, case_id, token, '"><script>alert(1)</script>,x')
    assert refused.status_code == 422
    assert "<script>" not in refused.text
    _no_markup(refused.text)
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', refused.text)
    assert error is not None
    assert html.unescape(error.group(1)).startswith(
        "couple: '\"><script>alert(1)</script>' is not in the PED"
    )

    # A couple of such ids is kept, and shown escaped on the case page, the results and both reports.
    assert _page_upload(page, case_id, token, f"{FATHER},{MOTHER}").status_code == 303
    shown = page.get(f"/cases/{case_id}").text
    _no_markup(shown)
    cells = [html.unescape(c) for c in re.findall(r'<td class="couple">(.*?)</td>', shown)]
    assert cells == [f"risks for the next child of {FATHER} and {MOTHER}"]
    finding = {"term": "Osteopetrosis", "version": version_of(page, case_id), "csrf_token": token}
    assert page.post(f"/cases/{case_id}/findings", data=finding).status_code == 303
    assert page.post(f"/cases/{case_id}/analyze", data={"csrf_token": token}).status_code == 303
    results = page.get(f"/cases/{case_id}/results").text
    _no_markup(results)
    assert f"The figures are for the next child of {FATHER} (father) and {MOTHER} (mother)" in html.unescape(
        results
    )
    for audience in ("clinician", "family"):
        report = page.get(f"/cases/{case_id}/report.html?audience={audience}")
        assert report.status_code == 200
        _no_markup(report.text)
    # The JSON keeps the ids as they are (JSON is not HTML).
    stored = web.client.get(f"/api/cases/{case_id}/report?format=json", headers=web.alice).json()
    assert (stored["counselling"]["couple"]["father"], stored["counselling"]["couple"]["mother"]) == (
        FATHER,
        MOTHER,
    )


def test_the_case_page_marks_the_older_uploads_the_analysis_does_not_read(
    web: Web, browsers: tuple[TestClient, TestClient]
) -> None:
    """A newer PED file without a couple goes back to the default couple: the older row, which still shows
    its couple, says it is not used, so that its couple is not taken for the one the risks are for."""
    page, _ = browsers
    token = sign_in(page)
    case_id = new_page_case(page, token)
    url = f"/api/cases/{case_id}"
    _vcf(web, url)
    _vcf(web, url)
    assert _page_upload(page, case_id, token, "P1,P2").status_code == 303
    shown = page.get(f"/cases/{case_id}").text
    assert [html.unescape(m) for m in UNUSED.findall(shown)] == [
        "not used: the analysis reads only the newest VCF file (and the sample chosen with it)"
    ]
    assert _page_upload(page, case_id, token, "").status_code == 303
    shown = page.get(f"/cases/{case_id}").text
    rows = re.findall(r"<tr><td>(PED.*?)</tr>", shown, flags=re.DOTALL)
    assert len(rows) == 2
    assert "unused" in rows[0]
    assert "risks for the next child of P1 and P2" in rows[0]
    assert "unused" not in rows[1]
    assert "no couple chosen" in rows[1]
    assert html.unescape(UNUSED.findall(rows[0])[0]) == (
        "not used: the analysis reads only the newest PED file (and the couple chosen with it)"
    )


def test_removing_the_newest_ped_upload_brings_back_the_older_files_couple(web: Web) -> None:
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    _vcf(web, url)
    older = web.client.post(f"{url}/uploads/ped?couple=P1,P2", content=FAMILY, headers=web.alice).json()
    newer = web.client.post(f"{url}/uploads/ped", content=FAMILY, headers=web.alice).json()
    assert (older["couple"], newer["couple"]) == (["P1", "P2"], None)
    default = web.client.post(f"{url}/analyze", headers=web.alice).json()["result"]
    couple = default["counselling"]["couple"]
    assert (couple["father"], couple["mother"], couple["chosen_by"]) == (FATHER, MOTHER, "affected_child")

    assert web.client.delete(f"{url}/uploads/{newer['id']}", headers=web.alice).status_code == 204
    assert web.client.get(f"{url}/report?format=json", headers=web.alice).json()["outdated"] is True
    again = web.client.post(f"{url}/analyze", headers=web.alice).json()["result"]
    couple = again["counselling"]["couple"]
    assert (couple["father"], couple["mother"], couple["chosen_by"]) == ("P1", "P2", "stated")
    assert again["counselling"]["pedigree"] == f"uploaded PED file {older['id']}"


def test_another_team_can_neither_upload_a_couple_nor_state_a_family_history(web: Web) -> None:
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    upload = web.client.post(f"{url}/uploads/ped?couple=P1,P2", content=FAMILY, headers=web.bob)
    patch = web.client.patch(url, json={"version": 1, "consanguineous": True}, headers=web.bob)
    assert (upload.status_code, patch.status_code) == (404, 404)
    now = web.client.get(url, headers=web.alice).json()
    assert (now["uploads"], now["consanguineous"], now["version"]) == ([], False, 1)


# -- the family history the ranking used ----------------------------------------------------------------


def _family_used(page: str) -> str | None:
    match = re.search(r'<p class="meta" id="family-used">(.*?)</p>', page)
    return html.unescape(match.group(1)) if match else None


def test_the_results_and_the_json_state_the_family_history_the_ranking_used(
    web: Web, browsers: tuple[TestClient, TestClient]
) -> None:
    """None stated is said as plainly as a stated one; the stored result keeps what that analysis used, so a
    later change to the case does not rewrite what an earlier analysis says."""
    page, _ = browsers
    token = sign_in(page)
    case_id = new_page_case(page, token)
    finding = {"term": "Osteopetrosis", "version": version_of(page, case_id), "csrf_token": token}
    assert page.post(f"/cases/{case_id}/findings", data=finding).status_code == 303
    assert page.post(f"/cases/{case_id}/analyze", data={"csrf_token": token}).status_code == 303
    results = page.get(f"/cases/{case_id}/results").text
    assert _family_used(results) == "Family history used in the ranking: none stated (no, or not known)."
    stored = web.client.get(f"/api/cases/{case_id}/report?format=json", headers=web.alice).json()
    assert stored["family_history"] == {
        "consanguineous": False,
        "affected_parent": False,
        "affected_sibling": False,
    }

    details = {
        "label": "case 12",
        "age": "4 months",
        "sex": "male",
        "version": version_of(page, case_id),
        "affected_parent": "yes",
        "affected_sibling": "yes",
        "csrf_token": token,
    }
    assert page.post(f"/cases/{case_id}/details", data=details).status_code == 303
    # Not analysed since: the stored result still says what it used.
    assert _family_used(page.get(f"/cases/{case_id}/results").text) == (
        "Family history used in the ranking: none stated (no, or not known)."
    )
    assert page.post(f"/cases/{case_id}/analyze", data={"csrf_token": token}).status_code == 303
    assert _family_used(page.get(f"/cases/{case_id}/results").text) == (
        "Family history used in the ranking: a parent has the same condition; a brother or sister has the "
        "same condition."
    )
    stored = web.client.get(f"/api/cases/{case_id}/report?format=json", headers=web.alice).json()
    assert stored["family_history"] == {
        "consanguineous": False,
        "affected_parent": True,
        "affected_sibling": True,
    }


def test_a_result_stored_without_the_family_history_claims_none(
    web: Web, browsers: tuple[TestClient, TestClient]
) -> None:
    """An analysis stored before the web app recorded the family history: nothing is said of it."""
    page, _ = browsers
    token = sign_in(page)
    case_id = new_page_case(page, token)
    finding = {"term": "Osteopetrosis", "version": version_of(page, case_id), "csrf_token": token}
    assert page.post(f"/cases/{case_id}/findings", data=finding).status_code == 303
    assert page.post(f"/cases/{case_id}/analyze", data={"csrf_token": token}).status_code == 303
    assert _family_used(page.get(f"/cases/{case_id}/results").text) is not None
    alice = web.registry.get_user("alice")
    result = dict(web.registry.get_analysis(alice, case_id).result or {})
    del result["family_history"]
    web.registry.record_analysis(alice, case_id, result)
    shown = page.get(f"/cases/{case_id}/results")
    assert shown.status_code == 200, shown.text
    assert 'id="family-used"' not in shown.text


def test_consanguinity_in_words_reaches_the_results_and_the_html_report_download(
    web: Web, browsers: tuple[TestClient, TestClient]
) -> None:
    page, _ = browsers
    token = sign_in(page)
    case_id = new_page_case(page, token)
    words = {
        "text": "osteopetrosis; the parents are first cousins",
        "version": version_of(page, case_id),
        "csrf_token": token,
    }
    assert page.post(f"/cases/{case_id}/text", data=words).status_code == 200
    assert page.post(f"/cases/{case_id}/analyze", data={"csrf_token": token}).status_code == 303
    results = html.unescape(page.get(f"/cases/{case_id}/results").text)
    assert CONSANGUINITY_NOTE in results
    assert _family_used(page.get(f"/cases/{case_id}/results").text) == (
        "Family history used in the ranking: parents are related (consanguineous)."
    )
    for fmt in ("html",):
        download = page.get(f"/cases/{case_id}/report.{fmt}")
        assert download.status_code == 200
        assert download.headers["content-disposition"].startswith("attachment;")
        assert CONSANGUINITY_NOTE in html.unescape(download.text)
