"""A case's family history on the web: the case details form's three checkboxes (shown on the case page), the
REST API's ``consanguineous``, ``affected_parent`` and ``affected_sibling``, the analysis ranking with them
(as ``marbledx rank --consanguineous …``), and the plain-words box setting consanguinity stated in words.

Runs on SQLite and, with ``MARBLEDX_TEST_POSTGRES_URL``, on PostgreSQL (the ``registry`` fixture).
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import PASSWORD, Web
from .test_api import new_case
from .test_pages import new_case as new_page_case
from .test_pages import sign_in, version_of

FAMILY = ("consanguineous", "affected_parent", "affected_sibling")
LABELS = (
    "Parents are related (consanguineous)",
    "A parent has the same condition",
    "A brother or sister has the same condition",
)
CONSANGUINITY_NOTE = "family: consanguinity favours autosomal recessive inheritance"
FROM_WORDS = "the parents are related → family history: consanguineous"
AR1 = "OMIM:259700"  # Osteopetrosis, autosomal recessive 1 (annotated HP:0000007 in the mini release)


def _family(data: dict[str, Any]) -> tuple[bool, bool, bool]:
    return (data["consanguineous"], data["affected_parent"], data["affected_sibling"])


def _audit(web: Web, case_id: str) -> list[tuple[str, str]]:
    """The case's create and update events (action, detail), oldest first, as an admin reads them."""
    dana = web.registry.add_user("dana", "haematology", "admin", PASSWORD)
    headers = {"Authorization": f"Bearer {web.registry.issue_token(dana)}"}
    events = web.client.get(f"/api/audit?case_id={case_id}", headers=headers).json()["events"]
    return [(e["action"], e["detail"]) for e in reversed(events) if e["action"] in ("create", "update")]


# -- REST API ------------------------------------------------------------------------------------------------


def test_the_api_creates_reads_and_patches_the_family_history(web: Web) -> None:
    plain = new_case(web)  # a request without the fields is still valid: nothing stated
    assert _family(plain) == (False, False, False)
    case = new_case(web, "patient 8", consanguineous=True, affected_sibling=True)
    assert _family(case) == (True, False, True)
    url = f"/api/cases/{case['id']}"
    assert _family(web.client.get(url, headers=web.alice).json()) == (True, False, True)
    listed = web.client.get("/api/cases", headers=web.alice).json()["cases"]
    assert {c["id"]: _family(c) for c in listed}[case["id"]] == (True, False, True)

    patched = web.client.patch(url, json={"version": 1, "affected_parent": True}, headers=web.alice)
    assert patched.status_code == 200, patched.text
    assert (_family(patched.json()), patched.json()["version"]) == ((True, True, True), 2)
    # A PATCH without them (the requests of before) leaves them as they are.
    renamed = web.client.patch(url, json={"version": 2, "label": "patient 9"}, headers=web.alice).json()
    assert (_family(renamed), renamed["version"]) == ((True, True, True), 3)
    cleared = web.client.patch(
        url, json={"version": 3, "consanguineous": False, "affected_sibling": False}, headers=web.alice
    ).json()
    assert (_family(cleared), cleared["version"]) == ((False, True, False), 4)
    assert _audit(web, case["id"]) == [
        ("create", "1 findings"),
        ("update", "fields: affected_parent; version 2"),
        ("update", "fields: label; version 3"),
        ("update", "fields: affected_sibling, consanguineous; version 4"),
    ]


def test_a_stale_family_history_patch_is_a_409_and_changes_nothing(web: Web) -> None:
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    assert (
        web.client.patch(url, json={"version": 1, "affected_parent": True}, headers=web.carol).status_code
        == 200
    )
    stale = web.client.patch(url, json={"version": 1, "consanguineous": True}, headers=web.alice)
    assert stale.status_code == 409
    assert "is at version 2, not 1" in stale.json()["detail"]
    now = web.client.get(url, headers=web.alice).json()
    assert (_family(now), now["version"]) == ((False, True, False), 2)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"consanguineous": None},
            "consanguineous cannot be null; expected true or false (false: no, or not stated)",
        ),
        ({"affected_parent": "yes"}, "affected_parent: Input should be a valid boolean"),
        ({"affected_sibling": 1}, "affected_sibling: Input should be a valid boolean"),
    ],
)
def test_the_api_takes_true_or_false_only(web: Web, body: dict[str, Any], detail: str) -> None:
    # pydantic would read "yes" and 1 as true: a family history wrongly stated shifts the ranking.
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    refused = web.client.patch(url, json={"version": 1, **body}, headers=web.alice)
    assert refused.status_code == 422
    assert refused.json()["detail"] == detail
    if body != {"consanguineous": None}:
        created = web.client.post("/api/cases", json={"label": "p", **body}, headers=web.alice)
        assert (created.status_code, created.json()["detail"]) == (422, detail)
    now = web.client.get(url, headers=web.alice).json()
    assert (_family(now), now["version"]) == ((False, False, False), 1)


def test_the_openapi_document_describes_the_fields(web: Web) -> None:
    schemas = web.client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("CaseCreate", "CasePatch"):
        assert set(FAMILY) <= set(schemas[name]["properties"])
    assert "related" in schemas["CaseCreate"]["properties"]["consanguineous"]["description"]


# -- the analysis ----------------------------------------------------------------------------------------------


def _analyse(web: Web, case_id: str) -> dict[str, Any]:
    response = web.client.post(f"/api/cases/{case_id}/analyze", headers=web.alice)
    assert response.status_code == 200, response.text
    return dict(response.json()["result"])


def _probability(result: dict[str, Any], disease_id: str) -> float:
    for diagnosis in result["diagnoses"]:
        if disease_id == diagnosis["disease_id"] or disease_id in (diagnosis["same_as"] or ()):
            return float(diagnosis["probability"])
    raise AssertionError(f"{disease_id} not ranked")


def test_the_analysis_ranks_with_the_case_family_history(web: Web) -> None:
    """As --consanguineous: the ranking's context note, and the autosomal recessive form weighed up."""
    case = new_case(web)
    url = f"/api/cases/{case['id']}"
    before = _analyse(web, case["id"])
    assert not any(n.startswith("family:") for n in before["notes"])
    web.client.patch(url, json={"version": 1, "consanguineous": True}, headers=web.alice)
    after = _analyse(web, case["id"])
    assert CONSANGUINITY_NOTE in after["notes"]
    assert _probability(after, AR1) > _probability(before, AR1)
    # The stored result says it too (reports and the results page are rendered from it).
    stored = web.client.get(f"{url}/report?format=json", headers=web.alice).json()
    assert CONSANGUINITY_NOTE in stored["notes"]
    web.client.patch(
        url, json={"version": 2, "consanguineous": False, "affected_parent": True}, headers=web.alice
    )
    dominant = _analyse(web, case["id"])
    assert "family: an affected parent favours dominant inheritance" in dominant["notes"]
    assert CONSANGUINITY_NOTE not in dominant["notes"]


# -- the case page -----------------------------------------------------------------------------------------


def _checked(page: str) -> dict[str, bool]:
    """Each family-history checkbox of the details form: ticked or not."""
    found = {
        m.group(1): "checked" in m.group(0)
        for m in re.finditer(r'<input type="checkbox" name="(\w+)" value="yes"[^>]*>', page)
    }
    assert set(found) == set(FAMILY), found
    return found


def _shown(page: str) -> str:
    match = re.search(r'<span id="family-history">([^<]*)</span>', page)
    assert match is not None
    return html.unescape(match.group(1))


def _details(client: TestClient, case_id: str, token: str, version: str, **ticked: str) -> Any:
    data = {"label": "case 12", "age": "4 months", "sex": "male", "version": version, "csrf_token": token}
    return client.post(f"/cases/{case_id}/details", data=data | ticked)


def test_the_details_form_sets_and_clears_the_family_history(
    web: Web, browsers: tuple[TestClient, TestClient]
) -> None:
    page, _ = browsers
    token = sign_in(page)
    case_id = new_page_case(page, token)
    shown = page.get(f"/cases/{case_id}").text
    for label in LABELS:
        assert label in shown
    assert _checked(shown) == dict.fromkeys(FAMILY, False)
    assert _shown(shown) == "none stated"

    saved = _details(page, case_id, token, "1", consanguineous="yes", affected_sibling="yes")
    assert saved.status_code == 303, saved.text
    shown = page.get(f"/cases/{case_id}").text
    assert _checked(shown) == {"consanguineous": True, "affected_parent": False, "affected_sibling": True}
    assert _shown(shown) == (
        "parents are related (consanguineous); a brother or sister has the same condition"
    )
    alice = web.registry.get_user("alice")
    record = web.registry.get_case(alice, case_id)
    assert (record.consanguineous, record.affected_parent, record.affected_sibling, record.version) == (
        True,
        False,
        True,
        2,
    )
    # Saved unchanged (the boxes as the page showed them): no change, no new version.
    assert (
        _details(page, case_id, token, "2", consanguineous="yes", affected_sibling="yes").status_code == 303
    )
    assert web.registry.get_case(alice, case_id).version == 2
    # An unticked box sends nothing: cleared.
    assert _details(page, case_id, token, "2", affected_sibling="yes").status_code == 303
    record = web.registry.get_case(alice, case_id)
    assert (record.consanguineous, record.affected_sibling, record.version) == (False, True, 3)
    assert _audit(web, case_id)[1:] == [
        ("update", "fields: affected_sibling, consanguineous; version 2"),
        ("update", "fields: none; version 2"),
        ("update", "fields: consanguineous; version 3"),
    ]


def test_a_stale_details_form_keeps_the_ticked_boxes_and_overwrites_nothing(
    web: Web, browsers: tuple[TestClient, TestClient]
) -> None:
    first, second = browsers
    token = sign_in(first)
    other = sign_in(second)
    case_id = new_page_case(first, token)
    stale = version_of(second, case_id)
    assert (
        _details(first, case_id, token, version_of(first, case_id), affected_parent="yes").status_code == 303
    )
    refused = _details(second, case_id, other, stale, consanguineous="yes")
    assert refused.status_code == 409
    assert "changed by someone else meanwhile" in html.unescape(refused.text)
    # What was ticked is kept on the refused form; the case is as the first browser saved it.
    assert _checked(refused.text) == {
        "consanguineous": True,
        "affected_parent": False,
        "affected_sibling": False,
    }
    record = web.registry.get_case(web.registry.get_user("alice"), case_id)
    assert (record.consanguineous, record.affected_parent, record.version) == (False, True, 2)


def test_a_checkbox_value_that_is_not_yes_is_refused(
    web: Web, browsers: tuple[TestClient, TestClient]
) -> None:
    page, _ = browsers
    token = sign_in(page)
    case_id = new_page_case(page, token)
    refused = _details(page, case_id, token, "1", consanguineous="no")
    assert refused.status_code == 422
    record = web.registry.get_case(web.registry.get_user("alice"), case_id)
    assert (record.consanguineous, record.version) == (False, 1)


# -- plain words -------------------------------------------------------------------------------------------


def _words(client: TestClient, case_id: str, token: str, text: str, version: str | None = None) -> Any:
    data = {"text": text, "version": version or version_of(client, case_id), "csrf_token": token}
    return client.post(f"/cases/{case_id}/text", data=data)


def test_plain_words_that_state_consanguinity_set_it_with_the_findings(
    web: Web, browsers: tuple[TestClient, TestClient]
) -> None:
    page, _ = browsers
    token = sign_in(page)
    case_id = new_page_case(page, token)
    alice = web.registry.get_user("alice")
    mapped = _words(page, case_id, token, "anaemia and low platelets; parents are first cousins")
    assert mapped.status_code == 200, mapped.text
    assert FROM_WORDS in html.unescape(mapped.text)
    assert _checked(mapped.text)["consanguineous"] is True  # the page shown after it reads the case anew
    detail = web.registry.case_detail(alice, case_id)
    assert detail.case.consanguineous is True
    assert {f.hpo_id for f in detail.findings} == {"HP:0001903", "HP:0001873"}
    assert detail.case.version == 2  # one write: the findings and the family history together
    assert _audit(web, case_id)[1:] == [("update", "findings replaced: 2; fields: consanguineous; version 2")]

    # Already set: the words say nothing new, so nothing is said of it.
    again = _words(page, case_id, token, "Consanguinity: yes. Splenomegaly")
    assert FROM_WORDS not in html.unescape(again.text)
    assert web.registry.get_case(alice, case_id).version == 3
    # Never cleared from words.
    denied = _words(page, case_id, token, "parents are not related; no fractures")
    assert FROM_WORDS not in html.unescape(denied.text)
    assert web.registry.get_case(alice, case_id).consanguineous is True


def test_plain_words_that_only_state_consanguinity_set_it(
    web: Web, browsers: tuple[TestClient, TestClient]
) -> None:
    page, _ = browsers
    token = sign_in(page)
    case_id = new_page_case(page, token)
    assert FROM_WORDS not in html.unescape(_words(page, case_id, token, "osteopetrosis and anaemia").text)
    mapped = _words(page, case_id, token, "Consanguinity: yes")
    assert mapped.status_code == 200, mapped.text
    assert FROM_WORDS in html.unescape(mapped.text)
    assert "No HPO term was found in the words." in mapped.text
    record = web.registry.get_case(web.registry.get_user("alice"), case_id)
    assert (record.consanguineous, record.version) == (True, 3)
    # The analysis of the page ranks with it.
    assert page.post(f"/cases/{case_id}/analyze", data={"csrf_token": token}).status_code == 303
    results = html.unescape(page.get(f"/cases/{case_id}/results").text)
    assert CONSANGUINITY_NOTE in results


def test_plain_words_on_a_stale_page_set_nothing(web: Web, browsers: tuple[TestClient, TestClient]) -> None:
    page, _ = browsers
    token = sign_in(page)
    case_id = new_page_case(page, token)
    stale = version_of(page, case_id)
    assert _details(page, case_id, token, stale, affected_parent="yes").status_code == 303
    for text in ("anaemia; first-cousin parents", "first-cousin parents"):
        refused = _words(page, case_id, token, text, version=stale)
        assert refused.status_code == 409
        assert FROM_WORDS not in html.unescape(refused.text)
    record = web.registry.case_detail(web.registry.get_user("alice"), case_id)
    assert (record.case.consanguineous, record.case.version, record.findings) == (False, 2, ())
