"""Ages on the pages' forms (a new case, the case details): an impossible age, in words or as ISO 8601, is
refused with a message that names the form's Age field and what is expected, never the REST API's JSON
field ``age_days`` (QA review: "140 years" answered ``age_days 51135.0 is out of range``); what was typed is
kept, and nothing is stored. Each runs on SQLite and on PostgreSQL (``tests/postgres.py``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import Registry
from marbledx.web import create_app

from .conftest import PASSWORD
from .test_pages import new_case, sign_in, version_of
from .test_pages_hostile_input import error_of

OLDER = "is older than 130 years; expected a patient's age"
NOT_AN_AGE = "is not an age; expected e.g. '8 months', '3 weeks', '2 years' or P8M"
NOT_ISO = "is not an ISO 8601 age; expected a duration such as P8M, P2Y6M or P10D"
REFUSED = [
    ("140 years", f"age: '140 years' {OLDER}"),
    ("130.1 yrs", f"age: '130.1 yrs' {OLDER}"),
    ("1561 months", f"age: '1561 months' {OLDER}"),  # 1560 months are 130 years
    ("6800 weeks", f"age: '6800 weeks' {OLDER}"),
    ("47483 days", f"age: '47483 days' {OLDER}"),
    ("9" * 40 + " y", f"age: '{'9' * 40} y' {OLDER}"),
    ("P140Y", f"age: 'P140Y' {OLDER}"),
    ("P1561M", f"age: 'P1561M' {OLDER}"),
    ("P129Y13M", f"age: 'P129Y13M' {OLDER}"),
    ("-3 months", f"age '-3 months' {NOT_AN_AGE}"),
    ("P-1Y", f"age: 'P-1Y' {NOT_ISO}"),
    ("3 decades", f"age '3 decades' {NOT_AN_AGE}"),
]


@pytest.fixture
def site(registry: Registry, mini_hpo: Hpo, kb: KnowledgeBase) -> Iterator[TestClient]:
    registry.add_user("alice", "haematology", "clinician", PASSWORD)
    app = create_app(registry, hpo=mini_hpo, kb=kb)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


@pytest.mark.parametrize(("age", "message"), REFUSED)
def test_a_new_case_with_an_impossible_age_names_the_form_field(
    site: TestClient, registry: Registry, age: str, message: str
) -> None:
    token = sign_in(site)
    response = site.post("/cases", data={"label": "case 12", "age": age, "csrf_token": token})
    assert response.status_code == 422
    assert error_of(response) == message
    assert "age_days" not in response.text  # the REST API's field is not the user's
    assert f'value="{age}"' in response.text  # what was typed is kept
    assert registry.count_cases(registry.get_user("alice")) == 0


@pytest.mark.parametrize(("age", "message"), REFUSED)
def test_the_case_details_with_an_impossible_age_name_the_form_field(
    site: TestClient, registry: Registry, age: str, message: str
) -> None:
    token = sign_in(site)
    case_id = new_case(site, token)
    data = {"label": "case 12", "age": age, "version": version_of(site, case_id), "csrf_token": token}
    response = site.post(f"/cases/{case_id}/details", data=data)
    assert response.status_code == 422
    assert error_of(response) == message
    assert "age_days" not in response.text
    assert f'value="{age}"' in response.text
    assert registry.get_case(registry.get_user("alice"), case_id).age_days == pytest.approx(4 * 30.4375)


@pytest.mark.parametrize("age", ["130 years", "1560 months", "P130Y", "0 days"])
def test_ages_up_to_130_years_are_taken(site: TestClient, registry: Registry, age: str) -> None:
    token = sign_in(site)
    response = site.post("/cases", data={"label": "case 12", "age": age, "csrf_token": token})
    assert response.status_code == 303, response.text


@pytest.mark.parametrize("age", ["4 months", "1.5 years", "P2Y6M", "PT12H", "3 weeks"])
def test_saving_the_case_details_unchanged_keeps_the_age(
    site: TestClient, registry: Registry, age: str
) -> None:
    # The Age field showed whole days ('P%dD'): saving the form unchanged turned "4 months" (121.75 days)
    # into 121 days, which reads as 3 months.
    token = sign_in(site)
    case_id = new_case(site, token, age=age)
    stored = registry.get_case(registry.get_user("alice"), case_id).age_days
    page = site.get(f"/cases/{case_id}").text
    match = re.search(r'name="age" value="([^"]*)"', page)
    assert match is not None
    data = {
        "label": "case 12",
        "age": match.group(1),
        "version": version_of(site, case_id),
        "csrf_token": token,
    }
    response = site.post(f"/cases/{case_id}/details", data=data)
    assert response.status_code == 303, response.text
    assert registry.get_case(registry.get_user("alice"), case_id).age_days == stored
