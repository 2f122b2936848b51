"""The results page gives the plan's own limit on the HSCT decision while the work-up it depends on is not known:
a gene-supported CLCN7 ARO infant is "curative if non-neuronopathic (not yet known: ERG and brain MRI decide
before HSCT)", not the card's bare "if non-neuronopathic" (reference §1B OPTB4, §2.4)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.care_diagnoses import analyze_confirms

from .test_pages import new_case, sign_in, version_of


def _results(browsers: tuple[TestClient, TestClient]) -> str:
    site = browsers[0]
    token = sign_in(site)
    case_id = new_case(site, token)
    added = site.post(
        f"/cases/{case_id}/findings",
        data={
            "term": "Anemia",
            "status": "observed",
            "version": version_of(site, case_id),
            "csrf_token": token,
        },
    )
    assert added.status_code == 303, added.text
    assert site.post(f"/cases/{case_id}/analyze", data={"csrf_token": token}).status_code == 303
    return site.get(f"/cases/{case_id}/results").text


def test_the_results_page_gives_the_condition_of_a_clcn7_decision(
    monkeypatch: pytest.MonkeyPatch, browsers: tuple[TestClient, TestClient]
) -> None:
    analyze_confirms(monkeypatch, "OMIM:611490", "OPTB4")
    page = _results(browsers)
    qualifier = re.search(r'id="hsct-qualifier">([^<]+)<', page)
    assert qualifier is not None
    assert qualifier.group(1).startswith("if non-neuronopathic (not yet known: ERG and brain MRI")


def test_the_results_page_of_a_decision_without_a_condition_is_as_before(
    monkeypatch: pytest.MonkeyPatch, browsers: tuple[TestClient, TestClient]
) -> None:
    analyze_confirms(monkeypatch, "OMIM:259700", "OPTB1")
    page = _results(browsers)
    assert re.search(r'id="hsct-decision"[^>]*>curative<', page)
    assert "not yet known: ERG" not in page
