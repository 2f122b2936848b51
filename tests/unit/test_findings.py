"""Reading cases: phenopackets, families, ages, and the one-line errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from marbledx.errors import InputError
from marbledx.findings import Finding, expand_inputs, normalise_findings, parse_iso_age, read_case_file
from marbledx.ontology import Hpo

from ..conftest import TESTS

PACKETS = TESTS / "data" / "phenopackets"


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("P8M", 8 * 365.25 / 12),
        ("P2Y6M", 2.5 * 365.25),
        ("P10D", 10),
        ("P1W", 7),
        ("p3y", 3 * 365.25),
        ("PT12H", 0.5),
        ("P1DT6H", 1.25),
        ("PT90M", 90 / 1440),
    ],
)
def test_parse_iso_age(text: str, days: float) -> None:
    assert parse_iso_age(text) == pytest.approx(days)


@pytest.mark.parametrize("text", ["", "8 months", "P", "PT", "P1DT", "PT5X", "-P1Y", "P200Y"])
def test_bad_ages_are_rejected_with_the_expected_form(text: str) -> None:
    with pytest.raises(InputError, match=r"--age: .*(ISO 8601|older than 130)"):
        parse_iso_age(text)


def test_phenopacket_case(mini_hpo: Hpo) -> None:
    case = read_case_file(PACKETS / "infant_aro.json", mini_hpo.ontology)
    assert case.case_id == "infant-aro"
    assert case.sex == "female"
    assert case.age_days == pytest.approx(3 * 365.25 / 12)
    assert case.observed == ("HP:0011002", "HP:0001744", "HP:0001903", "HP:0000505", "HP:0001873")
    adult = read_case_file(PACKETS / "adult_ado.json", mini_hpo.ontology)
    assert adult.excluded == ("HP:0001744",)
    assert adult.sex == "male"


def test_family_file_gives_pedigree_history(mini_hpo: Hpo) -> None:
    case = read_case_file(PACKETS / "family.json", mini_hpo.ontology)
    assert case.case_id == "proband"
    assert case.family.consanguineous
    assert case.family.affected_sibling
    assert not case.family.affected_parent


def test_obsolete_id_is_replaced_with_a_warning(mini_hpo: Hpo) -> None:
    case = read_case_file(PACKETS / "obsolete_term.json", mini_hpo.ontology)
    assert "HP:0000572" in case.observed
    assert any("HP:0009999" in w and "HP:0000572" in w for w in case.warnings)


def test_a_current_id_in_lower_case_is_not_called_replaced(mini_hpo: Hpo) -> None:
    findings, warnings = normalise_findings(
        mini_hpo.ontology, [(" hp:0011002", False, "flag"), ("HP:0009999", False, "flag")], where="--hpo"
    )
    assert [(f.hpo_id, f.original_id) for f in findings] == [
        ("HP:0011002", None),
        ("HP:0000572", "HP:0009999"),
    ]
    assert len(warnings) == 1
    assert "HP:0009999" in warnings[0]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("malformed.json", r"malformed.json: malformed JSON at line 2"),
        ("schema_v1.json", r"schema version 1.0.0 is not supported; expected a GA4GH Phenopacket v2"),
        ("unknown_field.json", r"not a valid GA4GH Phenopacket v2 .*phenotypicFeature"),
        ("no_features.json", r"the case has no phenotypic features"),
        ("only_excluded.json", r"the case has no observed phenotypic features"),
        ("unknown_term.json", r"unknown HPO term 'HP:1234567'"),
        ("missing.json", r"missing.json: no such file"),
    ],
)
def test_bad_files_give_one_line_errors(mini_hpo: Hpo, name: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        read_case_file(PACKETS / name, mini_hpo.ontology)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", r"case.json: expected a JSON object \(a GA4GH Phenopacket v2\), found list"),
        (
            '{"subject": {"id": "p1"}, "phenotypicFeatures": [{"type": {"id": "HP:0011002"}}], '
            '"metaData": {"phenopacketSchemaVersion": "2.0"}}',
            r"case.json: the phenopacket has no 'id'; expected a case identifier",
        ),
        (
            # A normal platelet count excludes nothing, so nothing is left to rank.
            '{"id": "c1", "subject": {"id": "p1", "timeAtLastEncounter": {"age": {"iso8601duration": "P2Y"}}}, '
            '"measurements": [{"assay": {"id": "LOINC:777-3", "label": "Platelets"}, '
            '"value": {"quantity": {"unit": {"id": "UCUM:10*9/L"}, "value": 250}}}], '
            '"metaData": {"phenopacketSchemaVersion": "2.0"}}',
            r"case.json: the case has no phenotypic features and its measurements map to no HPO term",
        ),
    ],
)
def test_bad_documents_give_one_line_errors(mini_hpo: Hpo, tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "case.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        read_case_file(path, mini_hpo.ontology)
    assert "\n" not in str(caught.value)


def test_lenient_policy_drops_unknown_terms_with_a_warning(mini_hpo: Hpo) -> None:
    case = read_case_file(PACKETS / "unknown_term.json", mini_hpo.ontology, strict=False)
    assert case.observed == ("HP:0011002",)
    assert any("HP:1234567" in w and "dropped" in w for w in case.warnings)


def test_contradictory_findings_are_rejected(mini_hpo: Hpo) -> None:
    with pytest.raises(InputError, match=r"HP:0011002 is both observed and excluded"):
        normalise_findings(
            mini_hpo.ontology, [("HP:0011002", False, "e"), ("HP:0011002", True, "e")], where="x"
        )
    findings, _ = normalise_findings(mini_hpo.ontology, [("HP:0011002", False, "e")] * 2, where="x")
    assert findings == (Finding("HP:0011002", source="e"),)


def test_folders_are_expanded_recursively(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.json").write_text("{}")
    (tmp_path / "a" / "y.json").write_text("{}")
    (tmp_path / "a" / "notes.txt").write_text("")
    assert [p.name for p in expand_inputs([tmp_path])] == ["x.json", "y.json"]
