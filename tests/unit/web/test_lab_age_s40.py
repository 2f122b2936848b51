"""A lab value's own age at the test (schema revision 0010) through the web app: the REST field
``age_at_test`` (documented, optional, validated with a one-line 422 naming it), the case page's form field and
column, the phenopacket import (``timeObserved``), and the analysis reading each value at its own age.

The reference intervals are the cited ones of ``labs.yaml`` (docs/labs.md): haemoglobin's lower limit is
105 g/L from 6 to 24 months and 110 g/L from 2 to 5 years (WHO 2024 cut-offs), and no interval is verified
before 6 months. Runs on SQLite and, with ``MARBLEDX_TEST_POSTGRES_URL``, on PostgreSQL.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import Web
from .test_pages import csrf_of, sign_in

ANAEMIA = "HP:0001903"
THREE_YEARS = 3 * 365.25


def _case(web: Web, age_days: float = THREE_YEARS) -> str:
    body = {
        "label": "lab ages",
        "age_days": age_days,
        "sex": "female",
        "findings": [{"hpo_id": "HP:0011002"}],
    }
    response = web.client.post("/api/cases", json=body, headers=web.alice)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _add(web: Web, case_id: str, **lab: Any) -> Any:
    body = {"analyte": "haemoglobin", "value": 10.8, "unit": "g/dL", **lab}
    return web.client.post(f"/api/cases/{case_id}/labs", json=body, headers=web.alice)


def _haemoglobin_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for row in result["labs"] if row["analyte"] == "haemoglobin"]


def _observed(result: dict[str, Any]) -> set[str]:
    return {f["hpo_id"] for f in result["findings"] if f["status"] == "observed"}


def _analyse(web: Web, case_id: str) -> dict[str, Any]:
    response = web.client.post(f"/api/cases/{case_id}/analyze", headers=web.alice)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["result"]
    return result


# -- the REST API ---------------------------------------------------------------------------------------------


def test_the_api_stores_and_returns_the_age_at_the_test(web: Web) -> None:
    case_id = _case(web)
    added = _add(web, case_id, measured_on="2024-03-01", age_at_test="p8m")
    assert added.status_code == 201, added.text
    lab = added.json()
    # Kept as the ISO 8601 text (upper case), with its days (the lab layer's month: 365.25 / 12 days).
    assert (lab["age_at_test"], lab["age_at_test_days"]) == ("P8M", 8 * 365.25 / 12)
    without = _add(web, case_id).json()
    assert (without["age_at_test"], without["age_at_test_days"]) == (None, None)
    listed = web.client.get(f"/api/cases/{case_id}/labs", headers=web.alice).json()["labs"]
    assert [row["age_at_test"] for row in listed] == ["P8M", None]
    detail = web.client.get(f"/api/cases/{case_id}", headers=web.alice).json()
    assert [row["age_at_test"] for row in detail["labs"]] == ["P8M", None]


@pytest.mark.parametrize(
    ("age", "message"),
    [
        (
            "8 months",
            "age_at_test: '8 months' is not an ISO 8601 age; expected a duration such as P8M, P2Y6M or P10D",
        ),
        ("", "age_at_test: '' is not an ISO 8601 age; expected a duration such as P8M, P2Y6M or P10D"),
        ("P200Y", "age_at_test: 'P200Y' is older than 130 years; expected a patient's age"),
        (
            "P" + "1" * 60 + "D",
            "age_at_test: 'P1111111111111111111'… is not an ISO 8601 age (over 40 characters)",
        ),
        (240, "age_at_test: Input should be a valid string"),
        (True, "age_at_test: Input should be a valid string"),
    ],
)
def test_a_wrong_age_at_the_test_is_a_one_line_422_naming_the_field(
    web: Web, age: object, message: str
) -> None:
    case_id = _case(web)
    response = _add(web, case_id, age_at_test=age)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith(message), detail
    assert "\n" not in detail
    assert web.client.get(f"/api/cases/{case_id}/labs", headers=web.alice).json()["labs"] == []


def test_the_openapi_document_describes_the_field(web: Web) -> None:
    schema = web.client.get("/openapi.json").json()["components"]["schemas"]["LabIn"]
    field = schema["properties"]["age_at_test"]
    assert "ISO 8601 duration" in field["description"]
    assert "age_at_test" not in schema.get("required", [])


# -- the analysis -------------------------------------------------------------------------------------------


def test_the_analysis_reads_each_value_at_its_own_age(web: Web) -> None:
    """Haemoglobin 10.8 g/dL (108 g/L) is normal at 8 months (lower limit 105 g/L) and low at 3 years (110
    g/L). Measured at 8 months in a case now 3 years old, it is normal and gives no anaemia; without its age
    it is read at the case's age, as before, and is low."""
    at_eight_months = _case(web)
    assert _add(web, at_eight_months, measured_on="2022-05-01", age_at_test="P8M").status_code == 201
    result = _analyse(web, at_eight_months)
    (row,) = _haemoglobin_rows(result)
    assert row["interpretation"] == "normal", row
    assert row["age_days"] == round(8 * 365.25 / 12, 1)
    assert row["reference_interval"]["low"] == 10.5  # g/dL, the unit of the value
    assert ANAEMIA not in _observed(result)

    at_case_age = _case(web)
    assert _add(web, at_case_age, measured_on="2022-05-01").status_code == 201
    result = _analyse(web, at_case_age)
    (row,) = _haemoglobin_rows(result)
    assert row["interpretation"] == "low", row
    assert row["age_days"] == round(THREE_YEARS, 1)
    assert ANAEMIA in _observed(result)


# -- the phenopacket import ----------------------------------------------------------------------------------


def _packet() -> dict[str, Any]:
    """A 3-year-old with two haemoglobin values: one at 8 months (``timeObserved.age``), one dated with a date
    of birth (``timeObserved.timestamp``), and one without a time (read at the case's age)."""

    def haemoglobin(value: float, time: dict[str, Any] | None) -> dict[str, Any]:
        measurement: dict[str, Any] = {
            "assay": {"id": "LOINC:718-7", "label": "Hemoglobin [Mass/volume] in Blood"},
            "value": {"quantity": {"unit": {"id": "UCUM:g/dL", "label": "g/dL"}, "value": value}},
        }
        if time is not None:
            measurement["timeObserved"] = time
        return measurement

    return {
        "id": "lab-ages",
        "subject": {
            "id": "P1",
            "dateOfBirth": "2021-01-01T00:00:00Z",
            "timeAtLastEncounter": {"age": {"iso8601duration": "P3Y"}},
            "sex": "FEMALE",
        },
        "phenotypicFeatures": [{"type": {"id": "HP:0011002", "label": "Osteopetrosis"}}],
        "measurements": [
            haemoglobin(10.8, {"age": {"iso8601duration": "P8M"}}),
            haemoglobin(10.8, {"timestamp": "2021-09-02T10:00:00Z"}),
            haemoglobin(10.8, None),
        ],
        "metaData": {
            "created": "2024-05-02T09:14:11Z",
            "createdBy": "test",
            "phenopacketSchemaVersion": "2.0",
            "resources": [
                {
                    "id": "hp",
                    "name": "human phenotype ontology",
                    "url": "http://purl.obolibrary.org/obo/hp.owl",
                    "version": "2099-01-01",
                    "namespacePrefix": "HP",
                    "iriPrefix": "http://purl.obolibrary.org/obo/HP_",
                }
            ],
        },
    }


def _import(web: Web, packet: dict[str, Any]) -> dict[str, Any]:
    response = web.client.post(
        "/api/cases/import",
        content=json.dumps(packet).encode(),
        params={"filename": "P1.json"},
        headers={**web.alice, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_an_imported_phenopacket_keeps_each_value_s_age_and_says_no_more_that_it_is_approximated(
    web: Web,
) -> None:
    answer = _import(web, _packet())
    # The warning that the registry reads every value at the case's age is gone: the ages are kept.
    assert not any("was measured at" in w or "one age per case" in w for w in answer["warnings"]), answer
    case_id = answer["case"]["id"]
    labs = web.client.get(f"/api/cases/{case_id}/labs", headers=web.alice).json()["labs"]
    ages = sorted((lab["age_at_test"] or "") for lab in labs)
    # The file's own text for timeObserved.age; the days from the timestamp and the date of birth (244 days
    # and 10 hours); none for the value without a time.
    assert ages == ["", "P244.41666666666666D", "P8M"], ages
    # Each is analysed at its own age: normal at 8 months, and at 244 days (105 g/L from 6 months); the value
    # without a time at the case's 3 years, low.
    rows = _haemoglobin_rows(_analyse(web, case_id))
    assert sorted(row["interpretation"] for row in rows) == ["low", "normal", "normal"], rows


# -- the case page --------------------------------------------------------------------------------------------


@pytest.fixture
def site(web: Web) -> Iterator[TestClient]:
    with TestClient(web.client.app, base_url="https://testserver", follow_redirects=False) as client:  # type: ignore[arg-type]
        yield client


def test_the_case_page_takes_and_shows_the_age_at_the_test(site: TestClient, web: Web) -> None:
    token = sign_in(site)
    case_id = _case(web)
    form = {"analyte": "haemoglobin", "value": "10.8", "unit": "g/dL", "measured_on": "2022-05-01"}
    posted = site.post(
        f"/cases/{case_id}/labs", data={**form, "age_at_test": "8 months", "csrf_token": token}
    )
    assert posted.status_code == 303, posted.text
    posted = site.post(f"/cases/{case_id}/labs", data={**form, "age_at_test": "", "csrf_token": token})
    assert posted.status_code == 303, posted.text
    labs = web.client.get(f"/api/cases/{case_id}/labs", headers=web.alice).json()["labs"]
    assert [lab["age_at_test"] for lab in labs] == ["P8M", None]  # words kept as the same ISO 8601 duration

    page = html.unescape(site.get(f"/cases/{case_id}").text)
    table = page[page.index('id="labs"') :]
    assert "<th>Value</th><th>Age at the test</th>" in table
    assert '<td>10.8 g/dL</td>\n<td class="lab-age">8 months <span class="small">P8M</span></td>' in table
    assert "not given: read at the case's age" in table
    assert 'name="age_at_test"' in table

    # A wrong age: the form again with the one-line error naming the field and what was typed; nothing stored.
    refused = site.post(
        f"/cases/{case_id}/labs", data={**form, "age_at_test": "eight months", "csrf_token": csrf_of(page)}
    )
    assert refused.status_code == 422
    shown = html.unescape(refused.text)
    assert "age at the test 'eight months' is not an age; expected e.g. '8 months'" in shown
    assert 'value="eight months"' in shown
    assert len(web.client.get(f"/api/cases/{case_id}/labs", headers=web.alice).json()["labs"]) == 2
