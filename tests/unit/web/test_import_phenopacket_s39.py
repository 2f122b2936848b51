"""A case from a GA4GH Phenopacket v2 file: ``POST /api/cases/import`` and the cases page's import form.

The phenopackets are written here, shaped as phenopacket-store and pyphetools write them (metaData with its
resources and external references, a subject with taxonomy, onsets, interpretations with the causal variant,
diseases, LOINC measurements, ``files`` naming a VCF). Runs on SQLite and, with ``MARBLEDX_TEST_POSTGRES_URL``,
on PostgreSQL (the ``registry`` fixture).
"""

from __future__ import annotations

import copy
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import marbledx
from marbledx.errors import InputError
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import NewLab, Registry
from marbledx.web import create_app

from .conftest import PASSWORD, Web, make_web
from .test_pages import csrf_of, sign_in

_HPO_RESOURCE = {
    "id": "hp",
    "name": "human phenotype ontology",
    "url": "http://purl.obolibrary.org/obo/hp.owl",
    "version": "2099-01-01",
    "namespacePrefix": "HP",
    "iriPrefix": "http://purl.obolibrary.org/obo/HP_",
}
_META = {
    "created": "2024-05-02T09:14:11.254Z",
    "createdBy": "ORCID:0000-0002-0736-9199",
    "resources": [
        _HPO_RESOURCE,
        {
            "id": "omim",
            "name": "An Online Catalog of Human Genes and Genetic Disorders",
            "url": "https://www.omim.org",
            "version": "January 10, 2024",
            "namespacePrefix": "OMIM",
            "iriPrefix": "https://www.omim.org/entry/",
        },
        {
            "id": "loinc",
            "name": "Logical Observation Identifiers Names and Codes",
            "url": "https://loinc.org",
            "version": "2.77",
            "namespacePrefix": "LOINC",
            "iriPrefix": "https://loinc.org/",
        },
    ],
    "phenopacketSchemaVersion": "2.0",
    "externalReferences": [
        {
            "id": "PMID:00000001",
            "reference": "https://pubmed.ncbi.nlm.nih.gov/00000001",
            "description": "An invented infant with autosomal recessive osteopetrosis (test fixture)",
        }
    ],
}


def _feature(hpo_id: str, label: str, *, excluded: bool = False, onset: str | None = None) -> dict[str, Any]:
    feature: dict[str, Any] = {"type": {"id": hpo_id, "label": label}}
    if excluded:
        feature["excluded"] = True
    if onset:
        feature["onset"] = {"age": {"iso8601duration": onset}}
    return feature


def _measurement(loinc: str, label: str, value: float, unit: str, **extra: Any) -> dict[str, Any]:
    quantity: dict[str, Any] = {"unit": {"id": f"UCUM:{unit}", "label": unit}, "value": value}
    if "low" in extra:
        quantity["referenceRange"] = {
            "unit": {"id": f"UCUM:{unit}", "label": unit},
            "low": extra["low"],
            "high": extra["high"],
        }
    measurement: dict[str, Any] = {
        "assay": {"id": f"LOINC:{loinc}", "label": label},
        "value": {"quantity": quantity},
    }
    if "age" in extra:
        measurement["timeObserved"] = {"age": {"iso8601duration": extra["age"]}}
    return measurement


def infant(**changes: Any) -> dict[str, Any]:
    """An infant with autosomal recessive osteopetrosis as phenopacket-store shapes a case (mini release ids):
    an obsolete and an alternative id, an excluded finding, two lab values, a solved interpretation and a VCF."""
    packet: dict[str, Any] = {
        "id": "PMID_00000001_Family_1_II_1",
        "subject": {
            "id": "Family 1 II-1",
            "timeAtLastEncounter": {"age": {"iso8601duration": "P8M"}},
            "sex": "FEMALE",
            "taxonomy": {"id": "NCBITaxon:9606", "label": "Homo sapiens"},
        },
        "phenotypicFeatures": [
            _feature("HP:0011002", "Osteopetrosis", onset="P2M"),
            _feature("HP:0001744", "Splenomegaly", onset="P3M"),
            _feature("HP:0009999", "obsolete Loss of sight"),  # obsolete: replaced by HP:0000572 Visual loss
            _feature("HP:0004840", "Hypochromic microcytic anemia"),  # an alternative id of HP:0001903 Anemia
            _feature("HP:0001876", "Pancytopenia", excluded=True),
        ],
        "measurements": [
            _measurement("718-7", "Hemoglobin [Mass/volume] in Blood", 7.9, "g/dL", age="P8M"),
            _measurement("777-3", "Platelets [#/volume] in Blood", 40, "10*9/L", low=150, high=450),
        ],
        "diseases": [
            {
                "term": {"id": "OMIM:259700", "label": "Osteopetrosis, autosomal recessive 1"},
                "onset": {"age": {"iso8601duration": "P2M"}},
            }
        ],
        "interpretations": [
            {
                "id": "PMID_00000001_Family_1_II_1",
                "progressStatus": "SOLVED",
                "diagnosis": {
                    "disease": {"id": "OMIM:259700", "label": "Osteopetrosis, autosomal recessive 1"},
                    "genomicInterpretations": [
                        {
                            "subjectOrBiosampleId": "Family 1 II-1",
                            "interpretationStatus": "CAUSATIVE",
                            "variantInterpretation": {
                                "acmgPathogenicityClassification": "PATHOGENIC",
                                "variationDescriptor": {
                                    "id": "var_1",
                                    "geneContext": {"valueId": "HGNC:11647", "symbol": "TCIRG1"},
                                    "expressions": [{"syntax": "hgvs.c", "value": "NM_006019.4:c.117+1G>T"}],
                                    "moleculeContext": "genomic",
                                    "allelicState": {"id": "GENO:0000136", "label": "homozygous"},
                                },
                            },
                        }
                    ],
                },
            }
        ],
        "files": [
            {
                "uri": "file://data/genomes/II-1.vcf.gz",
                "individualToFileIdentifiers": {"Family 1 II-1": "II-1"},
                "fileAttributes": {"fileFormat": "VCF", "genomeAssembly": "GRCh38"},
            }
        ],
        "metaData": copy.deepcopy(_META),
    }
    packet.update(changes)
    return packet


def family() -> dict[str, Any]:
    """A GA4GH Family v2: the proband (without files), related parents and an affected brother."""
    proband = infant(id="PMID_00000001_Family_2_II_2")
    del proband["files"]
    proband["subject"]["id"] = "II-2"

    def person(individual: str, father: str, mother: str, sex: str, affected: bool) -> dict[str, Any]:
        return {
            "familyId": "Family 2",
            "individualId": individual,
            "paternalId": father,
            "maternalId": mother,
            "sex": sex,
            "affectedStatus": "AFFECTED" if affected else "UNAFFECTED",
        }

    return {
        "id": "Family 2",
        "proband": proband,
        "consanguinousParents": True,
        "pedigree": {
            "persons": [
                person("I-1", "0", "0", "MALE", False),
                person("I-2", "0", "0", "FEMALE", False),
                person("II-1", "I-1", "I-2", "MALE", True),
                person("II-2", "I-1", "I-2", "FEMALE", True),
            ]
        },
        "metaData": copy.deepcopy(_META),
    }


def _json(packet: dict[str, Any]) -> bytes:
    return json.dumps(packet, indent=1).encode()


def post(
    web: Web, packet: dict[str, Any] | bytes, *, headers: dict[str, str] | None = None, **params: Any
) -> Any:
    """``POST /api/cases/import`` with the phenopacket as the raw JSON body."""
    body = packet if isinstance(packet, bytes) else _json(packet)
    return web.client.post(
        "/api/cases/import",
        content=body,
        params={"filename": "II-1.json", **params},
        headers={**(headers or web.alice), "Content-Type": "application/json"},
    )


def _cases(web: Web) -> int:
    return int(web.client.get("/api/cases", headers=web.alice).json()["total"])


def _leftovers(registry: Registry) -> list[str]:
    """Whatever the imports left in the uploads folder (their private folders must be gone)."""
    folder = registry.uploads_dir
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# -- REST API --------------------------------------------------------------------------------------------------


def test_an_imported_phenopacket_becomes_a_case_with_its_findings_age_sex_and_labs(web: Web) -> None:
    response = post(web, infant())
    assert response.status_code == 201, response.text
    answer = response.json()
    case = answer["case"]
    assert case["label"] == "PMID_00000001_Family_1_II_1"  # the phenopacket's id
    assert case["sex"] == "female"
    assert case["age_days"] == pytest.approx(8 * 365.25 / 12)
    assert (case["consanguineous"], case["affected_parent"], case["affected_sibling"]) == (
        False,
        False,
        False,
    )
    assert answer["phenopacket_id"] == "PMID_00000001_Family_1_II_1"
    assert (answer["source"], answer["lenient"], answer["labs"]) == ("II-1.json", False, 2)
    # The obsolete and the alternative id are stored as their current terms; the excluded finding stays so.
    stored = web.client.get(f"/api/cases/{case['id']}", headers=web.alice).json()
    findings = {(f["hpo_id"], f["excluded"], f["source"]) for f in stored["findings"]}
    assert findings == {
        ("HP:0011002", False, "entered"),
        ("HP:0001744", False, "entered"),
        ("HP:0000572", False, "entered"),
        ("HP:0001903", False, "entered"),
        ("HP:0001876", True, "entered"),
    }
    assert [f["hpo_id"] for f in answer["findings"]] == [f["hpo_id"] for f in stored["findings"]]
    # The lab values, in their units, with the laboratory's interval (the lab terms are derived at analysis).
    labs = {(lab["analyte"], lab["value"], lab["unit"], lab["low"], lab["high"]) for lab in stored["labs"]}
    assert labs == {("haemoglobin", 7.9, "g/dL", None, None), ("platelets", 40.0, "10^9/L", 150.0, 450.0)}
    warnings = answer["warnings"]
    # As `marbledx rank` warns, naming the file as it was sent.
    assert (
        "II-1.json: HPO term HP:0009999 is obsolete or an alternative id; using HP:0000572 (Visual loss)"
        in warnings
    )
    assert any(w.startswith("II-1.json: HPO term HP:0004840 is obsolete") for w in warnings)
    # What the registry does not keep: the VCF on the user's computer, and the interpretations.
    vcf = next(w for w in warnings if "variant file" in w)
    assert vcf.startswith("II-1.json: files names the variant file 'data/genomes/II-1.vcf.gz' (GRCh38)")
    assert vcf.endswith(
        "not on the server, and was not read: upload it to the case (the case page's Files form with "
        '"Proband\'s sample" II-1, or POST /api/cases/{case_id}/uploads/vcf?sample=II-1)'
    )
    assert any("interpretations (a diagnosis and its variants) are not imported" in w for w in warnings)
    assert answer["variant_files"] == [
        {
            "path": "data/genomes/II-1.vcf.gz",
            "genome_assembly": "GRCh38",
            "sample": "II-1",
            "upload": f"/api/cases/{case['id']}/uploads/vcf?sample=II-1",
        }
    ]
    # The server's private folder is never named, and nothing is left in it.
    assert ".import-" not in response.text
    assert str(web.registry.uploads_dir) not in response.text
    assert _leftovers(web.registry) == []


def test_a_multipart_upload_imports_too_and_the_label_can_be_given_and_changed(web: Web) -> None:
    response = web.client.post(
        "/api/cases/import",
        files={"file": ("C:\\fakepath\\II-1.json", _json(infant()), "application/json")},
        params={"label": "haem 2024-17"},
        headers=web.alice,
    )
    assert response.status_code == 201, response.text
    case = response.json()["case"]
    assert case["label"] == "haem 2024-17"
    assert response.json()["source"] == "II-1.json"  # the name without the client's folder
    patched = web.client.patch(
        f"/api/cases/{case['id']}", json={"version": 1, "label": "haem 2024-18"}, headers=web.alice
    )
    assert (patched.status_code, patched.json()["label"]) == (200, "haem 2024-18")
    missing = web.client.post("/api/cases/import", files={"other": ("x.json", b"{}")}, headers=web.alice)
    assert missing.status_code == 422
    assert missing.json()["detail"].startswith(
        "file: missing; expected the phenopacket as the multipart form's"
    )


def test_a_family_file_gives_the_family_history(web: Web) -> None:
    response = post(web, family())
    assert response.status_code == 201, response.text
    case = response.json()["case"]
    assert (case["consanguineous"], case["affected_parent"], case["affected_sibling"]) == (True, False, True)
    assert case["label"] == "PMID_00000001_Family_2_II_2"  # the proband's id


def test_refused_files_answer_the_readers_one_line_error_and_store_nothing(web: Web) -> None:
    unknown = infant()
    unknown["phenotypicFeatures"].append(_feature("HP:1234567", "a term of a newer release"))
    v1 = {
        "id": "old",
        "subject": {"id": "s", "ageAtCollection": {"age": "P8M"}},
        "phenotypicFeatures": [],
        "metaData": {},
    }
    no_id = infant()
    del no_id["id"]
    long_id = infant(id="P" * 201)
    bad_unit = infant()
    bad_unit["measurements"][0]["value"]["quantity"]["unit"] = {"id": "UCUM:mg/dL", "label": "mg/dL"}
    cases = [
        (
            unknown,
            "II-1.json: phenotypicFeatures[5].type.id: unknown HPO term 'HP:1234567' in HPO release 2099-01-01",
        ),
        (b'{"id": "x",\n "subject": }', "II-1.json: malformed JSON at line 2 column 13"),
        (b"[1, 2]", "II-1.json: expected a JSON object (a GA4GH Phenopacket v2), found list"),
        (b"\xff\xfe{}", "II-1.json: cannot read (UTF-16 text); expected UTF-8 text"),
        (v1, "II-1.json: looks like a GA4GH Phenopacket v1 file (field 'subject.ageAtCollection')"),
        (no_id, "II-1.json: the phenopacket has no 'id'; expected a case identifier"),
        (long_id, "II-1.json: id 'PPPP"),
        (
            bad_unit,
            "II-1.json: measurements[0].value.quantity.unit: 'mg/dL' is not an accepted unit for haemoglobin",
        ),
        (b"  ", "the phenopacket is empty; expected a GA4GH Phenopacket v2 JSON file"),
    ]
    for packet, expected in cases:
        response = post(web, packet)
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert detail.startswith(expected), detail
        assert "\n" not in detail
        assert ".import-" not in detail
        assert "--lenient" not in detail
    # The command line's --lenient is the import's lenient flag; the HPO release is the server's to update.
    detail = post(web, unknown).json()["detail"]
    assert detail.endswith(
        "needs a newer HPO release on the server (its administrator runs 'marbledx data update') "
        "(importing with lenient=true drops it)"
    )
    assert (
        "enter a case label (the import form's 'Label of the imported case', ?label= in the REST API)"
        in post(web, long_id).json()["detail"]
    )
    assert _cases(web) == 0
    assert _leftovers(web.registry) == []


def test_lenient_drops_what_the_strict_reader_refuses_with_a_warning(web: Web) -> None:
    packet = infant()
    packet["phenotypicFeatures"].append(_feature("HP:1234567", "a term of a newer release"))
    packet["measurements"][0]["value"]["quantity"]["unit"] = {"id": "UCUM:mg/dL", "label": "mg/dL"}
    response = post(web, packet, lenient="true")
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["lenient"] is True
    assert "HP:1234567" not in {f["hpo_id"] for f in answer["findings"]}
    assert answer["labs"] == 1  # the haemoglobin in an unknown unit is skipped
    assert any(
        w.startswith("II-1.json: unknown HPO term 'HP:1234567'") and w.endswith("(dropped)")
        for w in answer["warnings"]
    )
    assert any(
        w.startswith("II-1.json: measurements[0].value.quantity.unit: 'mg/dL'") for w in answer["warnings"]
    )


def test_a_phenopacket_over_the_limit_is_a_413(registry: Registry, mini_hpo: Hpo, kb: KnowledgeBase) -> None:
    user = registry.add_user("alice", "haematology", "clinician", PASSWORD)
    headers = {"Authorization": f"Bearer {registry.issue_token(user)}"}
    app = create_app(registry, hpo=mini_hpo, kb=kb, max_phenopacket_bytes=2048)
    body = _json(infant())
    assert len(body) > 2048
    with TestClient(app) as client:
        declared = client.post("/api/cases/import", content=body, headers=headers)
        assert declared.status_code == 413
        assert declared.json()["detail"] == (
            "phenopacket larger than 2,048 bytes; expected a GA4GH Phenopacket v2 JSON file of at most 2,048 bytes"
        )
        chunks = client.post("/api/cases/import", content=iter([body[:1000], body[1000:]]), headers=headers)
        assert chunks.status_code == 413
        small = client.post("/api/cases/import", content=_json(_small()), headers=headers)
        assert small.status_code == 201, small.text
        assert client.get("/api/cases", headers=headers).json()["total"] == 1


def _small() -> dict[str, Any]:
    return {
        "id": "small",
        "subject": {"id": "s", "timeAtLastEncounter": {"age": {"iso8601duration": "P8M"}}},
        "phenotypicFeatures": [{"type": {"id": "HP:0011002", "label": "Osteopetrosis"}}],
        "metaData": {
            "created": "2024-01-01T00:00:00Z",
            "createdBy": "t",
            "phenopacketSchemaVersion": "2.0",
            "resources": [_HPO_RESOURCE],
        },
    }


def test_another_team_cannot_see_an_imported_case(web: Web) -> None:
    case = post(web, infant()).json()["case"]
    assert web.client.get(f"/api/cases/{case['id']}", headers=web.bob).status_code == 404
    assert web.client.get("/api/cases", headers=web.bob).json()["total"] == 0
    assert web.client.get(f"/api/cases/{case['id']}", headers=web.carol).status_code == 200  # alice's team
    # Bob's own import is in his team, not in alice's.
    bobs = post(web, infant(), headers=web.bob).json()["case"]
    assert bobs["team"] == "oncology"
    assert web.client.get(f"/api/cases/{bobs['id']}", headers=web.alice).status_code == 404
    assert web.client.post("/api/cases/import", content=_json(infant())).status_code == 401


def test_an_import_writes_one_create_event_without_patient_details(web: Web) -> None:
    case = post(web, infant()).json()["case"]
    dana = web.registry.add_user("dana", "haematology", "admin", PASSWORD)
    headers = {"Authorization": f"Bearer {web.registry.issue_token(dana)}"}
    events = web.client.get(f"/api/audit?case_id={case['id']}", headers=headers).json()["events"]
    assert [(e["action"], e["user"], e["detail"]) for e in events if e["action"] != "view"] == [
        ("create", "alice", "5 findings, 2 lab values; created from a phenopacket")
    ]
    assert not any("PMID" in e["detail"] or "II-1" in e["detail"] for e in events)


def test_the_case_and_its_labs_are_stored_in_one_transaction(registry: Registry) -> None:
    """A lab value the registry refuses leaves no case behind (the labs were once added one by one)."""
    alice = registry.add_user("alice", "haematology", "clinician", PASSWORD)
    labs = [NewLab("haemoglobin", 7.9, "g/dL"), NewLab("platelets", float("nan"), "10^9/L")]
    with pytest.raises(InputError, match="lab value must be a finite number"):
        registry.create_case(alice, "x", findings=[], labs=labs, imported_from="phenopacket")
    assert registry.count_cases(alice) == 0
    record = registry.create_case(alice, "y", labs=labs[:1], imported_from="phenopacket")
    assert [lab.analyte for lab in registry.list_labs(alice, record.id)] == ["haemoglobin"]


def test_what_the_registry_does_not_keep_is_said(web: Web) -> None:
    # A haemoglobin measured at 2 months keeps its own age (revision 0010, lab_measurements.age_at_test), so
    # the registry reads it as the phenopacket does and has nothing to warn about.
    early = infant()
    early["measurements"][0] = _measurement("718-7", "Hemoglobin", 9.0, "g/dL", age="P2M")
    answer = post(web, early).json()
    assert not any("was measured at" in w for w in answer["warnings"]), answer["warnings"]
    # No age at the last encounter: the ranking of `rank` takes the latest onset, which the case cannot keep.
    no_age = infant()
    del no_age["subject"]["timeAtLastEncounter"]
    del no_age["files"]
    answer = post(web, no_age).json()
    assert answer["case"]["age_days"] is None
    assert any(
        "gives no age; 'marbledx rank' weighs the onsets against 3 months" in w
        and w.endswith("enter the patient's age in the case details")
        for w in answer["warnings"]
    ), answer["warnings"]


def test_the_openapi_description_documents_the_import(web: Web) -> None:
    operation = web.client.get("/openapi.json").json()["paths"]["/api/cases/import"]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert {p["name"] for p in operation["parameters"]} == {"lenient", "label", "filename"}
    assert "marbledx rank" in operation["description"]


# -- the analysis agrees with `marbledx rank` -------------------------------------------------------------------


def _diagnoses(result: dict[str, Any]) -> list[tuple[str, float]]:
    return [(d["disease_id"], round(d["probability"], 9)) for d in result["diagnoses"]]


def _ranked(path: Path, hpo: Hpo, kb: KnowledgeBase) -> list[tuple[str, float]]:
    (result,) = marbledx.rank(path, hpo=hpo, kb=kb)
    assert result.error is None, result.error
    return _diagnoses(result.to_dict())


def _analysed(web: Web, packet: dict[str, Any]) -> list[tuple[str, float]]:
    case = post(web, packet).json()["case"]
    response = web.client.post(f"/api/cases/{case['id']}/analyze", headers=web.alice)
    assert response.status_code == 200, response.text
    return _diagnoses(response.json()["result"])


def _without_files(packet: dict[str, Any]) -> dict[str, Any]:
    # `rank` reads a VCF named in files; the registry case has none until one is uploaded.
    packet = copy.deepcopy(packet)
    packet.pop("files", None)
    return packet


def test_the_imported_case_ranks_as_marbledx_rank_ranks_the_file(
    web: Web, mini_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    measurements_only = _small()
    measurements_only["phenotypicFeatures"] = [_feature("HP:0011002", "Osteopetrosis", excluded=True)]
    measurements_only["measurements"] = [
        _measurement("718-7", "Hemoglobin", 7.9, "g/dL"),
        _measurement("777-3", "Platelets", 40, "10*9/L", low=150, high=450),
    ]
    for name, packet in (
        ("infant", _without_files(infant())),
        ("family", family()),
        # Only an excluded finding and lab values: the lab findings are the observed ones. Analysing it once
        # failed ("the case has no observed phenotypic features") where `rank` ranks it.
        ("measurements-only", measurements_only),
    ):
        path = tmp_path / f"{name}.json"
        path.write_bytes(_json(packet))
        analysed = _analysed(web, packet)
        assert analysed == _ranked(path, mini_hpo, kb)[: len(analysed)], name
        assert len(analysed) == 4, name  # every disease of the mini release


@pytest.fixture
def real_web(registry: Registry, real_hpo: Hpo, kb: KnowledgeBase) -> Iterator[Web]:
    yield from make_web(registry, real_hpo, kb)


def test_a_real_release_ranks_the_imported_case_as_rank_does(
    real_web: Web, real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    packet = _without_files(infant())
    packet["metaData"]["resources"][0]["version"] = "2025-01-16"
    packet["phenotypicFeatures"] = [
        _feature("HP:0011002", "Osteopetrosis", onset="P2M"),
        _feature("HP:0001744", "Splenomegaly", onset="P3M"),
        _feature("HP:0000648", "Optic atrophy"),
        _feature("HP:0001903", "Anemia"),
        _feature("HP:0001250", "Seizure", excluded=True),
        _feature("HP:0002757", "Recurrent fractures", excluded=True),
    ]
    packet["measurements"].append(_measurement("17861-6", "Calcium", 7.0, "mg/dL"))
    path = tmp_path / "real.json"
    path.write_bytes(_json(packet))
    analysed = _analysed(real_web, packet)
    assert len(analysed) >= 10  # the analysis keeps its top diagnoses, `rank` its top 20
    assert analysed == _ranked(path, real_hpo, kb)[: len(analysed)]


# -- the page ---------------------------------------------------------------------------------------------------


@pytest.fixture
def site(web: Web) -> Iterator[TestClient]:
    with TestClient(web.client.app, base_url="https://testserver", follow_redirects=False) as client:  # type: ignore[arg-type]
        yield client


def _import(site: TestClient, token: str, body: bytes, **fields: str) -> Any:
    return site.post(
        "/cases/import",
        data={"csrf_token": token, **fields},
        files={"file": ("II-1.json", body, "application/json")},
    )


def _error(page: str, section: str) -> str:
    part = page[page.index(f'id="{section}"') :]
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', part)
    assert found is not None, "no error on the form"
    return html.unescape(found.group(1))


def test_the_cases_page_has_the_import_form_next_to_new_case(site: TestClient) -> None:
    token = sign_in(site)
    page = site.get("/cases").text
    form = page[page.index('<section class="card" id="import">') :]
    assert "<h2>Import a phenopacket</h2>" in form
    assert 'action="/cases/import" enctype="multipart/form-data"' in form
    assert f'name="csrf_token" value="{token}"' in form
    assert page.index('id="new-case"') < page.index('id="import"')


def test_the_page_imports_and_shows_the_warnings_and_the_vcf_to_upload(site: TestClient, web: Web) -> None:
    token = sign_in(site)
    posted = _import(site, token, _json(infant()))
    # Post/Redirect/Get: a reload of the case page does not import the file again.
    assert posted.status_code == 303, posted.text
    response = site.get(posted.headers["location"])
    page = html.unescape(response.text)
    assert "<h1>PMID_00000001_Family_1_II_1</h1>" in page
    assert "Imported from II-1.json" in page
    assert "4 observed and 1 excluded findings, 2 lab values, age 8 months, sex female" in page
    warnings = re.findall(r"<li>(.*?)</li>", page[page.index("import-warnings") :].split("</ul>")[0])
    assert (
        "II-1.json: HPO term HP:0009999 is obsolete or an alternative id; using HP:0000572 (Visual loss)"
        in warnings
    )
    assert any("files names the variant file 'data/genomes/II-1.vcf.gz'" in w for w in warnings)
    assert 'id="import-vcf"' in page
    # The upload form is filled in with the proband's sample the phenopacket names.
    uploads = page[page.index('id="uploads"') :]
    assert 'name="sample" maxlength' in uploads
    assert 'value="II-1"' in uploads
    assert web.client.get("/api/cases", headers=web.alice).json()["total"] == 1


def test_a_refused_file_is_shown_on_the_import_form_with_what_was_typed(site: TestClient, web: Web) -> None:
    token = sign_in(site)
    packet = infant()
    packet["phenotypicFeatures"].append(_feature("HP:1234567", "a term of a newer release"))
    response = _import(site, token, _json(packet), label="haem 17", lenient="")
    assert response.status_code == 422
    error = _error(response.text, "import")
    assert error.startswith("II-1.json: phenotypicFeatures[5].type.id: unknown HPO term 'HP:1234567'")
    assert "(importing with lenient=true drops it)" in error
    form = response.text[response.text.index('id="import"') :]
    assert 'value="haem 17"' in form
    assert _error(response.text, "import")
    assert "New case" in response.text
    assert web.client.get("/api/cases", headers=web.alice).json()["total"] == 0
    # Ticked, the lenient box imports it with a warning.
    lenient = _import(site, token, _json(packet), lenient="yes")
    assert lenient.status_code == 303, lenient.text
    assert "read leniently" in site.get(lenient.headers["location"]).text
    empty = site.post(
        "/cases/import", data={"csrf_token": token}, files={"file": ("", b"", "application/octet-stream")}
    )
    assert empty.status_code == 422
    assert _error(empty.text, "import") == "no file chosen; expected a GA4GH Phenopacket v2 JSON file"


def test_the_import_form_needs_its_csrf_token(site: TestClient, web: Web) -> None:
    sign_in(site)
    response = _import(site, "forged", _json(infant()))
    assert response.status_code == 403
    assert web.client.get("/api/cases", headers=web.alice).json()["total"] == 0


def test_a_file_over_the_limit_is_shown_on_the_import_form(
    registry: Registry, mini_hpo: Hpo, kb: KnowledgeBase
) -> None:
    registry.add_user("alice", "haematology", "clinician", PASSWORD)
    app = create_app(registry, hpo=mini_hpo, kb=kb, max_phenopacket_bytes=2048)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as site:
        token = sign_in(site)
        big = _json(infant()) + b" " * 70_000  # past the limit and the form's overhead: refused unread
        for body in (_json(infant()), big):
            response = _import(site, token, body)
            assert response.status_code == 413, response.text
            assert _error(response.text, "import") == (
                "phenopacket larger than 2,048 bytes; expected a GA4GH Phenopacket v2 JSON file of at most 2,048 bytes"
            )
            assert csrf_of(response.text) == token
