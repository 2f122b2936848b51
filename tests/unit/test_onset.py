"""The patient's onset from a phenopacket: the latest onset given stands in for a missing age at last encounter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from marbledx.findings import Case, Finding, read_case_file
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.ranking import Ranker

ADO2 = "OMIM:166600"


def _packet(features: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": "case-1",
        "subject": {"id": "s1"},
        "phenotypicFeatures": features,
        "metaData": {"created": "2024-01-01T00:00:00Z", "createdBy": "t", "phenopacketSchemaVersion": "2.0"},
        **extra,
    }


def _read(tmp_path: Path, mini_hpo: Hpo, document: dict[str, Any]) -> Case:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return read_case_file(path, mini_hpo.ontology)


def _feature(term: str, onset: dict[str, Any] | None = None, *, excluded: bool = False) -> dict[str, Any]:
    feature: dict[str, Any] = {"type": {"id": term}}
    if onset is not None:
        feature["onset"] = onset
    if excluded:
        feature["excluded"] = True
    return feature


def test_the_latest_onset_of_an_observed_finding_or_disease_is_kept(tmp_path: Path, mini_hpo: Hpo) -> None:
    document = _packet(
        [
            _feature("HP:0011002", {"age": {"iso8601duration": "P3M"}}),
            _feature("HP:0001903", {"ontologyClass": {"id": "HP:0011463", "label": "Childhood onset"}}),
            # An excluded finding has no onset in the patient: never used.
            _feature("HP:0001873", {"age": {"iso8601duration": "P30Y"}}, excluded=True),
        ],
        diseases=[
            {"term": {"id": "OMIM:259700", "label": "x"}, "onset": {"age": {"iso8601duration": "P2Y"}}}
        ],
    )
    case = _read(tmp_path, mini_hpo, document)
    assert case.age_days is None
    assert case.onset_days == pytest.approx(2 * 365.25)  # P2Y beats Childhood onset's lower bound of 1 year
    assert case.ranking_age_days == case.onset_days


def test_the_age_at_last_encounter_wins_over_an_onset(tmp_path: Path, mini_hpo: Hpo) -> None:
    document = _packet([_feature("HP:0011002", {"age": {"iso8601duration": "P3M"}})])
    document["subject"]["timeAtLastEncounter"] = {"age": {"iso8601duration": "P1Y"}}
    case = _read(tmp_path, mini_hpo, document)
    assert case.onset_days == pytest.approx(91.3125)
    assert case.ranking_age_days == pytest.approx(365.25)


@pytest.mark.parametrize(
    ("onset", "days"),
    [
        ({"gestationalAge": {"weeks": 30}}, 0.0),
        ({"ageRange": {"start": {"iso8601duration": "P5Y"}, "end": {"iso8601duration": "P10Y"}}}, 5 * 365.25),
        ({"ontologyClass": {"id": "HP:0003581", "label": "Adult onset"}}, 16 * 365.25),
    ],
)  # fmt: skip
def test_onset_forms(tmp_path: Path, mini_hpo: Hpo, onset: dict[str, Any], days: float) -> None:
    case = _read(tmp_path, mini_hpo, _packet([_feature("HP:0011002", onset)]))
    assert case.onset_days == pytest.approx(days)


def test_an_unreadable_onset_is_left_out_with_a_warning(tmp_path: Path, mini_hpo: Hpo) -> None:
    case = _read(
        tmp_path, mini_hpo, _packet([_feature("HP:0011002", {"age": {"iso8601duration": "3 months"}})])
    )
    assert case.onset_days is None
    assert any("phenotypicFeatures[0].onset.age" in w and "not used" in w for w in case.warnings)


def test_an_onset_down_weights_diseases_that_begin_later(mini_hpo: Hpo, kb: KnowledgeBase) -> None:
    ranker = Ranker(mini_hpo, kb)
    findings = (Finding("HP:0011002"),)
    unknown = ranker.rank(Case("c", "t", findings), top=4)
    infant_onset = ranker.rank(Case("c", "t", findings, onset_days=60.0), top=4)

    def ado2(result: Any) -> float:
        return next(d.probability for d in result.diagnoses if d.disease_id == ADO2)

    assert ado2(infant_onset) < ado2(unknown)  # ADO2's annotated onset is later than 2 months
    assert any("latest onset" in note for note in infant_onset.notes)
