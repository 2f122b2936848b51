"""The notes box reads lab values in the words at the case's age (on the tiny fixture ontology)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import Registry
from marbledx.web import create_app

from .conftest import PASSWORD
from .test_pages import new_case, sign_in, version_of


@pytest.fixture
def site(registry: Registry, mini_hpo: Hpo, kb: KnowledgeBase) -> Iterator[TestClient]:
    registry.add_user("alice", "haematology", "clinician", PASSWORD)
    app = create_app(registry, hpo=mini_hpo, kb=kb, max_upload_bytes=1 << 20)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


def _words(site: TestClient, case_id: str, token: str, text: str) -> str:
    response = site.post(
        f"/cases/{case_id}/text",
        data={"text": text, "version": version_of(site, case_id), "csrf_token": token},
    )
    assert response.status_code == 200, response.text
    return response.text


def test_the_notes_box_adds_the_term_of_a_lab_value_and_says_how_it_was_read(
    site: TestClient, registry: Registry
) -> None:
    token = sign_in(site)
    # The case is 3 years old: 10.8 g/dL is anaemia at that age (WHO 2024: < 11.0), though not at the
    # 8 months the words give; the case's age is used.
    case_id = new_case(site, token, age="3 years")
    page = _words(site, case_id, token, "8-month-old with splenomegaly, Hb 10.8 g/dL, ALP 1200 U/L")
    assert "“Hb 10.8 g/dL” → Anemia" in page
    assert "“Hb 10.8 g/dL” → Anemia: lab value low: below 11 g/dL, WHO 2024, at age 3 years" in page
    assert "&#39;ALP 1200 U/L&#39;: not interpreted" in page
    alice = registry.get_user("alice")
    sources = {f.hpo_id: (f.excluded, f.source) for f in registry.list_findings(alice, case_id)}
    assert sources == {"HP:0001744": (False, "text"), "HP:0001903": (False, "text")}


def test_the_notes_box_reports_a_value_it_cannot_read(site: TestClient, registry: Registry) -> None:
    token = sign_in(site)
    case_id = new_case(site, token, age="3 years")
    page = _words(site, case_id, token, "splenomegaly, Hb 7.2 mg/dL")
    assert "&#39;mg/dL&#39; is not an accepted unit for haemoglobin" in page
    alice = registry.get_user("alice")
    assert {f.hpo_id for f in registry.list_findings(alice, case_id)} == {"HP:0001744"}
