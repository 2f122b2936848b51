"""Lesser input faults of review 24: non-phenotype ids, hierarchy contradictions, other forms of
timeAtLastEncounter, empty folders, deep JSON, feature ids, byte-order marks and Family files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from marbledx.errors import InputError
from marbledx.findings import expand_inputs, normalise_findings, read_case_file
from marbledx.findings._io import read_text_file
from marbledx.ontology import Hpo


def _packet(**subject: Any) -> dict[str, Any]:
    return {
        "id": "case-1",
        "subject": {"id": "s1", **subject},
        "phenotypicFeatures": [{"type": {"id": "HP:0011002", "label": "Osteopetrosis"}}],
        "metaData": {"created": "2024-01-01T00:00:00Z", "createdBy": "t", "phenopacketSchemaVersion": "2.0"},
    }


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("term", "kind"),
    [
        ("HP:0000006", "Mode of inheritance"),
        ("HP:0000001", "All"),
        ("HP:0003674", "Clinical course"),
        ("HP:0040283", "Frequency"),
    ],
)
def test_a_term_that_is_not_a_phenotype_is_refused(mini_hpo: Hpo, term: str, kind: str) -> None:
    raw = [("HP:0011002", False, "entered"), (term, False, "entered")]
    with pytest.raises(InputError, match=rf"--hpo: {term} .* is not a phenotypic feature"):
        normalise_findings(mini_hpo.ontology, raw, where="--hpo")
    findings, warnings = normalise_findings(mini_hpo.ontology, raw, where="--hpo", strict=False)
    assert [f.hpo_id for f in findings] == ["HP:0011002"]
    assert kind in warnings[0]
    assert "(dropped)" in warnings[0]


def test_a_non_phenotype_written_otherwise_is_named_as_current(mini_hpo: Hpo) -> None:
    # "HP_0000006" is HP:0000006 spelt as in the OBO PURL, not an obsolete id that was replaced.
    raw = [("HP:0011002", False, "entered"), ("HP_0000006", False, "entered")]
    with pytest.raises(InputError) as caught:
        normalise_findings(mini_hpo.ontology, raw, where="--hpo")
    assert "--hpo: HP:0000006 " in str(caught.value)
    assert "(now" not in str(caught.value)


@pytest.mark.parametrize(
    ("observed", "excluded"),
    [("HP:0011002", "HP:0011001"), ("HP:0011002", "HP:0000118"), ("HP:0001876", "HP:0001873")],
)
def test_an_excluded_ancestor_of_an_observed_term_is_a_contradiction(
    mini_hpo: Hpo, observed: str, excluded: str
) -> None:
    raw = [(observed, False, "entered"), (excluded, True, "entered")]
    with pytest.raises(InputError, match=rf"{observed} .* is observed but its broader term {excluded}"):
        normalise_findings(mini_hpo.ontology, raw, where="--hpo/--exclude")
    # A descendant excluded under an observed ancestor is fine.
    normalise_findings(
        mini_hpo.ontology, [(excluded, False, "entered"), (observed, True, "entered")], where="x"
    )


def test_a_lab_term_that_contradicts_the_hierarchy_is_dropped(mini_hpo: Hpo) -> None:
    raw = [("HP:0001876", False, "entered"), ("HP:0001873", True, "lab")]
    findings, warnings = normalise_findings(mini_hpo.ontology, raw, where="case.json")
    assert [(f.hpo_id, f.excluded) for f in findings] == [("HP:0001876", False)]
    assert "lab finding HP:0001873" in warnings[0]


def test_once_an_observed_lab_term_is_dropped_its_ancestors_may_be_excluded(mini_hpo: Hpo) -> None:
    # The lab's pancytopenia contradicts the excluded thrombocytopenia and is dropped; anaemia, which only
    # the pancytopenia implied, may then be excluded too.
    raw = [("HP:0001876", False, "lab"), ("HP:0001873", True, "entered"), ("HP:0001903", True, "entered")]
    raw.append(("HP:0011002", False, "entered"))
    findings, warnings = normalise_findings(mini_hpo.ontology, raw, where="case.json")
    assert {(f.hpo_id, f.excluded) for f in findings} == {
        ("HP:0001873", True),
        ("HP:0001903", True),
        ("HP:0011002", False),
    }
    assert len(warnings) == 1
    assert "lab finding HP:0001876" in warnings[0]


@pytest.mark.parametrize(
    ("time", "days", "warning"),
    [
        (
            {"ageRange": {"start": {"iso8601duration": "P1Y"}, "end": {"iso8601duration": "P2Y"}}},
            365.25,
            "ageRange",
        ),
        ({"gestationalAge": {"weeks": 30}}, None, "gestationalAge (30 weeks): the ranking uses 0 days"),
        (
            {"ontologyClass": {"id": "HP:0003593", "label": "Infantile onset"}},
            None,
            "ontologyClass HP:0003593 (Infantile onset): the ranking uses its lower bound, 28 days",
        ),
        ({"timestamp": "2024-01-01T00:00:00Z"}, None, "timestamp is not used"),
        ({}, None, "subject.timeAtLastEncounter is empty; age unknown"),
    ],
)
def test_other_forms_of_time_at_last_encounter(
    mini_hpo: Hpo, tmp_path: Path, time: dict[str, Any], days: float | None, warning: str
) -> None:
    path = _write(tmp_path / "p.json", _packet(timeAtLastEncounter=time))
    case = read_case_file(path, mini_hpo.ontology)
    assert case.age_days == (pytest.approx(days) if days is not None else None)
    assert any(warning in w for w in case.warnings)


def test_a_timestamp_with_a_date_of_birth_gives_the_age(mini_hpo: Hpo, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "p.json",
        _packet(
            dateOfBirth="2023-01-01T00:00:00Z", timeAtLastEncounter={"timestamp": "2024-01-01T00:00:00Z"}
        ),
    )
    assert read_case_file(path, mini_hpo.ontology).age_days == pytest.approx(365.0)


def test_a_timestamp_that_makes_the_patient_older_than_130_years_is_refused(
    mini_hpo: Hpo, tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "p.json",
        _packet(
            dateOfBirth="0001-01-01T00:00:00Z", timeAtLastEncounter={"timestamp": "9999-01-01T00:00:00Z"}
        ),
    )
    with pytest.raises(
        InputError, match=r"timestamp is 9,998 years after subject.dateOfBirth, older than 130 years"
    ):
        read_case_file(path, mini_hpo.ontology)


def test_a_folder_without_json_files_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no \*\.json files found"):
        expand_inputs([tmp_path])
    (tmp_path / "GOOD.JSON").write_text("{}", encoding="utf-8")
    assert expand_inputs([tmp_path]) == [tmp_path / "GOOD.JSON"]


def test_deeply_nested_json_is_a_one_line_error(mini_hpo: Hpo, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(InputError, match=r"deep\.json: .*(nested too deeply|expected a JSON object)"):
        read_case_file(path, mini_hpo.ontology)
    nested: dict[str, Any] = _packet()
    nested["subject"]["extra"] = json.loads("[" * 900 + "]" * 900)
    message = ""
    try:
        read_case_file(_write(tmp_path / "deep3.json", nested), mini_hpo.ontology)
    except InputError as exc:
        message = str(exc)
    assert message
    assert len(message) < 400


@pytest.mark.parametrize(
    ("feature", "expected"),
    [
        (
            {"type": {"label": "Osteopetrosis"}},
            r"phenotypicFeatures\[1\]: type\.id is missing \(type\.label 'Osteopetrosis'",
        ),
        ({}, r"phenotypicFeatures\[1\]: type\.id is missing; expected an HPO id"),
        ({"type": {"id": ""}}, r"phenotypicFeatures\[1\]: type\.id is missing"),
    ],
)
def test_a_feature_without_an_id_is_named(
    mini_hpo: Hpo, tmp_path: Path, feature: dict[str, Any], expected: str
) -> None:
    document = _packet()
    document["phenotypicFeatures"].append(feature)
    with pytest.raises(InputError, match=expected):
        read_case_file(_write(tmp_path / "p.json", document), mini_hpo.ontology)


def test_a_byte_order_mark_is_accepted(mini_hpo: Hpo, tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(_packet()).encode())
    assert read_text_file(path).startswith("{")
    assert read_case_file(path, mini_hpo.ontology).observed == ("HP:0011002",)


def test_a_family_without_a_pedigree_is_named(mini_hpo: Hpo, tmp_path: Path) -> None:
    family = {"id": "fam", "proband": _packet(), "metaData": _packet()["metaData"]}
    with pytest.raises(InputError, match="a Family needs 'pedigree'"):
        read_case_file(_write(tmp_path / "f.json", family), mini_hpo.ontology)


def test_a_proband_missing_from_the_pedigree_is_a_warning(mini_hpo: Hpo, tmp_path: Path) -> None:
    family = {
        "id": "fam",
        "proband": _packet(),
        "pedigree": {"persons": [{"familyId": "fam", "individualId": "other", "affectedStatus": "AFFECTED"}]},
        "metaData": _packet()["metaData"],
    }
    case = read_case_file(_write(tmp_path / "f.json", family), mini_hpo.ontology)
    assert any("not among pedigree.persons" in w for w in case.warnings)
