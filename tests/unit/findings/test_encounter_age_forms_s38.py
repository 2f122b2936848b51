"""``subject.timeAtLastEncounter`` as an HPO onset class or a gestational age: a lower bound on the age for
the ranking only (docs/engine.md, "Age, sex and family history"); the age for the labs and care stays unknown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from marbledx.findings import Case, read_case_file, read_phenopacket_labs
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.ranking import Ranker

ADO2 = "OMIM:166600"  # annotated Adult onset in the mini release
ARO1 = "OMIM:259700"  # annotated Infantile onset in the mini release
INFANTILE = {"ontologyClass": {"id": "HP:0003593", "label": "Infantile onset"}}
# An undated haemoglobin: its reference interval depends on the age.
HAEMOGLOBIN = {
    "assay": {"id": "LOINC:718-7", "label": "Hemoglobin"},
    "value": {"quantity": {"unit": {"id": "UCUM:g/dL", "label": "g/dL"}, "value": 8}},
}


def _packet(
    time: dict[str, Any] | None, features: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    subject: dict[str, Any] = {"id": "s1"}
    if time is not None:
        subject["timeAtLastEncounter"] = time
    return {
        "id": "case-1",
        "subject": subject,
        "phenotypicFeatures": features if features is not None else [{"type": {"id": "HP:0011002"}}],
        "metaData": {"created": "2024-01-01T00:00:00Z", "createdBy": "t", "phenopacketSchemaVersion": "2.0"},
        **extra,
    }


def _write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _read(tmp_path: Path, mini_hpo: Hpo, document: dict[str, Any]) -> Case:
    return read_case_file(_write(tmp_path, document), mini_hpo.ontology)


def _encounter_notes(case: Case) -> list[str]:
    return [w for w in case.warnings if "subject.timeAtLastEncounter" in w]


def test_an_onset_class_gives_the_ranking_its_lower_bound_and_no_age(tmp_path: Path, mini_hpo: Hpo) -> None:
    case = _read(tmp_path, mini_hpo, _packet(INFANTILE))
    assert case.age_days is None  # shown, and used by the care plan and the labs
    assert case.onset_days is None
    assert case.encounter_lower_bound_days == 28.0
    assert case.ranking_age_days == 28.0
    assert _encounter_notes(case) == [
        f"{tmp_path / 'p.json'}: subject.timeAtLastEncounter.ontologyClass HP:0003593 (Infantile onset): the "
        "ranking uses its lower bound, 28 days; age unknown for labs and care"
    ]


def test_the_note_names_the_release_label_not_the_files(tmp_path: Path, mini_hpo: Hpo) -> None:
    wrong = {"ontologyClass": {"id": "HP:0003581", "label": "Infantile onset"}}
    case = _read(tmp_path, mini_hpo, _packet(wrong))
    assert case.ranking_age_days == pytest.approx(16 * 365.25)
    (note,) = _encounter_notes(case)
    assert "ontologyClass HP:0003581 (Adult onset): the ranking uses its lower bound, 16 years;" in note


def test_a_gestational_age_gives_the_ranking_0_days_and_no_age(tmp_path: Path, mini_hpo: Hpo) -> None:
    case = _read(tmp_path, mini_hpo, _packet({"gestationalAge": {"weeks": 30, "days": 2}}))
    assert case.age_days is None
    assert case.encounter_lower_bound_days == 0.0
    assert case.ranking_age_days == 0.0
    assert _encounter_notes(case) == [
        f"{tmp_path / 'p.json'}: subject.timeAtLastEncounter.gestationalAge (30 weeks 2 days): the ranking "
        "uses 0 days (the patient was not yet born); age unknown for labs and care"
    ]


def test_a_later_onset_wins_over_the_class_lower_bound(tmp_path: Path, mini_hpo: Hpo) -> None:
    # The patient was at least 5 months old (an onset) and at least 28 days (the class): the larger bound.
    features = [{"type": {"id": "HP:0011002"}, "onset": {"age": {"iso8601duration": "P5M"}}}]
    case = _read(tmp_path, mini_hpo, _packet(INFANTILE, features))
    assert case.age_days is None
    assert case.encounter_lower_bound_days == 28.0
    assert case.ranking_age_days == pytest.approx(5 * 365.25 / 12)
    (note,) = _encounter_notes(case)
    assert note.endswith(
        "ontologyClass HP:0003593 (Infantile onset): the ranking uses the latest onset given, 5 months, later "
        "than its lower bound, 28 days; age unknown for labs and care"
    )


def test_a_class_lower_bound_later_than_the_onsets_wins(tmp_path: Path, mini_hpo: Hpo) -> None:
    features = [{"type": {"id": "HP:0011002"}, "onset": {"ontologyClass": {"id": "HP:0003593"}}}]
    adult = {"ontologyClass": {"id": "HP:0003581", "label": "Adult onset"}}
    case = _read(tmp_path, mini_hpo, _packet(adult, features))
    assert case.onset_days == 28.0
    assert case.ranking_age_days == pytest.approx(16 * 365.25)


def test_an_unknown_class_id_keeps_the_note_and_no_age(tmp_path: Path, mini_hpo: Hpo) -> None:
    # HP:0011002 (Osteopetrosis) is no onset class: nothing is guessed.
    unknown = {"ontologyClass": {"id": "HP:0011002", "label": "Osteopetrosis"}}
    case = _read(tmp_path, mini_hpo, _packet(unknown))
    assert case.age_days is None
    assert case.encounter_lower_bound_days is None
    assert case.ranking_age_days is None
    assert _encounter_notes(case) == [
        f"{tmp_path / 'p.json'}: subject.timeAtLastEncounter.ontologyClass is not used (an age such as P8M "
        "is); age unknown"
    ]


def test_labs_stay_uninterpreted_without_a_real_age(tmp_path: Path, mini_hpo: Hpo) -> None:
    document = _packet(INFANTILE, measurements=[HAEMOGLOBIN])
    case = _read(tmp_path, mini_hpo, document)
    assert case.age_days is None
    assert any(
        "haemoglobin not interpreted; its reference interval depends on age" in w for w in case.warnings
    )
    # marbledx labs reads no ranking: the onset class is not an age there either, with today's note.
    labs = read_phenopacket_labs(_write(tmp_path, document))
    assert labs.age_days is None
    assert any("timeAtLastEncounter.ontologyClass is not used" in w for w in labs.warnings)


def test_an_age_at_last_encounter_is_unchanged(tmp_path: Path, mini_hpo: Hpo) -> None:
    case = _read(tmp_path, mini_hpo, _packet({"age": {"iso8601duration": "P1Y"}}))
    assert case.age_days == pytest.approx(365.25)
    assert case.encounter_lower_bound_days is None
    assert case.ranking_age_days == pytest.approx(365.25)
    assert _encounter_notes(case) == []


def test_the_lower_bound_down_weights_diseases_that_begin_later(
    tmp_path: Path, mini_hpo: Hpo, kb: KnowledgeBase
) -> None:
    ranker = Ranker(mini_hpo, kb)

    def probability(result: Any, disease: str) -> float:
        return next(d.probability for d in result.diagnoses if d.disease_id == disease)

    unknown = ranker.rank(_read(tmp_path, mini_hpo, _packet(None)), top=4)
    infantile = ranker.rank(_read(tmp_path, mini_hpo, _packet(INFANTILE)), top=4)
    fetus = ranker.rank(_read(tmp_path, mini_hpo, _packet({"gestationalAge": {"weeks": 30}})), top=4)
    # At 28 days or older, ADO2 (adult onset) is down-weighted, infantile ARO1 is not.
    assert probability(infantile, ADO2) < probability(unknown, ADO2)
    assert probability(infantile, ARO1) > probability(unknown, ARO1)
    # Before birth both begin later.
    assert probability(fetus, ADO2) < probability(unknown, ADO2)
    assert any(w.endswith("age unknown for labs and care") for w in infantile.warnings)


def test_case_ranking_age_takes_the_larger_bound() -> None:
    assert Case("c", "t", (), onset_days=10.0, encounter_lower_bound_days=28.0).ranking_age_days == 28.0
    assert Case("c", "t", (), onset_days=90.0, encounter_lower_bound_days=28.0).ranking_age_days == 90.0
    assert Case("c", "t", (), encounter_lower_bound_days=0.0).ranking_age_days == 0.0
    # A real age always wins: the bounds stand in only for a missing age.
    assert Case("c", "t", (), age_days=5.0, encounter_lower_bound_days=28.0).ranking_age_days == 5.0
    assert Case("c", "t", ()).ranking_age_days is None


@pytest.mark.parametrize(
    ("time", "features", "says"),
    [
        (INFANTILE, None, "lower bound of the time of the last encounter"),
        ({"gestationalAge": {"weeks": 30}}, None, "lower bound of the time of the last encounter"),
        (
            INFANTILE,
            [{"type": {"id": "HP:0011002"}, "onset": {"age": {"iso8601duration": "P5M"}}}],
            "latest onset of the patient's findings",
        ),
        (
            None,
            [{"type": {"id": "HP:0011002"}, "onset": {"age": {"iso8601duration": "P5M"}}}],
            "latest onset",
        ),
    ],
)
def test_the_age_note_names_the_bound_the_ranking_used(
    tmp_path: Path,
    mini_hpo: Hpo,
    kb: KnowledgeBase,
    time: dict[str, Any] | None,
    features: list[dict[str, Any]] | None,
    says: str,
) -> None:
    notes = Ranker(mini_hpo, kb).evidence(_read(tmp_path, mini_hpo, _packet(time, features))).notes
    (age_note,) = [n for n in notes if n.startswith("age:")]
    assert says in age_note
