"""GA4GH Phenopacket v2 files that use the whole schema, as producers other than phenopacket-store write them
(review 39): every valid file is read, with its age, sex, excluded findings and onsets, and every invalid one
is one error line naming the file and the field (docs/engine.md, "`marbledx rank`: input and output")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import marbledx
from marbledx.errors import InputError
from marbledx.findings import normalise_findings, read_case_file
from marbledx.genotype import GenotypeOptions
from marbledx.ontology import Hpo

from ..cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)

EVIDENCE = [
    {
        "evidenceCode": {"id": "ECO:0000033", "label": "author statement supported by traceable reference"},
        "reference": {"id": "PMID:30808312", "reference": "https://pubmed.ncbi.nlm.nih.gov/30808312"},
    }
]
META = {
    "created": "2024-05-01T10:00:00Z",
    "createdBy": "curator",
    "resources": [
        {
            "id": "hp",
            "name": "human phenotype ontology",
            "url": "http://purl.obolibrary.org/obo/hp.owl",
            "version": "2024-04-26",
            "namespacePrefix": "HP",
            "iriPrefix": "http://purl.obolibrary.org/obo/HP_",
        }
    ],
    "updates": [{"timestamp": "2024-06-01T00:00:00Z", "updatedBy": "curator B", "comment": "labs"}],
    "phenopacketSchemaVersion": "2.0.2",
    "externalReferences": [{"id": "PMID:30808312", "description": "case report"}],
}


def _oc(term: str, label: str) -> dict[str, str]:
    return {"id": term, "label": label}


def _full_schema() -> dict[str, Any]:
    """An infant's phenopacket with every part of the schema that marbledx does not use, and every form of
    TimeElement as an onset (the schema's Bethlem myopathy, COVID-19 and oncology examples)."""
    return {
        "id": "full-schema",
        "subject": {
            "id": "P1",
            "alternateIds": ["II-1"],
            "dateOfBirth": "2023-01-01T00:00:00Z",
            "timeAtLastEncounter": {"age": {"iso8601duration": "P8M"}},
            "vitalStatus": {"status": "ALIVE"},
            "sex": "FEMALE",
            "karyotypicSex": "XX",
            "gender": _oc("LOINC:LA22878-5", "Identifies as female"),
            "taxonomy": _oc("NCBITaxon:9606", "Homo sapiens"),
        },
        "phenotypicFeatures": [
            {
                "type": _oc("HP:0011002", "Osteopetrosis"),
                "severity": _oc("HP:0012828", "Severe"),
                "modifiers": [_oc("HP:0012832", "Bilateral")],
                "onset": {"ontologyClass": _oc("HP:0003593", "Infantile onset")},
                "evidence": EVIDENCE,
            },
            {
                "type": _oc("HP:0001903", "Anemia"),
                "onset": {"age": {"iso8601duration": "P3M"}},
                "resolution": {"age": {"iso8601duration": "P7M"}},
            },
            {
                "type": _oc("HP:0001744", "Splenomegaly"),
                "onset": {
                    "ageRange": {"start": {"iso8601duration": "P4M"}, "end": {"iso8601duration": "P5M"}}
                },
            },
            # 195 days after the date of birth: the latest onset.
            {"type": _oc("HP:0000505", "Visual impairment"), "onset": {"timestamp": "2023-07-15T00:00:00Z"}},
            {
                "type": _oc("HP:0001873", "Thrombocytopenia"),
                "onset": {"interval": {"start": "2023-06-01T00:00:00Z", "end": "2023-06-30T00:00:00Z"}},
            },
            # An excluded finding's onset says nothing of the age.
            {
                "type": _oc("HP:0000572", "Visual loss"),
                "excluded": True,
                "onset": {"gestationalAge": {"weeks": 33}},
            },
        ],
        "measurements": [
            {
                "assay": _oc("LOINC:53041-0", "Urine color"),
                "value": {"ontologyClass": _oc("NCIT:C48320", "Yellow")},
                "timeObserved": {"age": {"iso8601duration": "P6M"}},
            },
            {
                "assay": _oc("CMO:0000003", "blood pressure measurement"),
                "complexValue": {
                    "typedQuantities": [
                        {
                            "type": _oc("NCIT:C25298", "Systolic Blood Pressure"),
                            "quantity": {"unit": _oc("NCIT:C49670", "mmHg"), "value": 90},
                        }
                    ]
                },
                "timeObserved": {
                    "interval": {"start": "2023-07-01T00:00:00Z", "end": "2023-07-02T00:00:00Z"}
                },
            },
        ],
        "biosamples": [
            {
                "id": "BS1",
                "individualId": "P1",
                "sampledTissue": _oc("UBERON:0002371", "bone marrow"),
                "phenotypicFeatures": [{"type": _oc("HP:0001876", "Pancytopenia")}],
                "timeOfCollection": {"age": {"iso8601duration": "P7M"}},
                "histologicalDiagnosis": _oc("NCIT:C38757", "Negative Finding"),
                "pathologicalTnmFinding": [_oc("NCIT:C48766", "pT2b Stage Finding")],
                "procedure": {
                    "code": _oc("NCIT:C15189", "Biopsy"),
                    "performed": {"age": {"iso8601duration": "P7M"}},
                },
                "files": [{"uri": "file:///data/bs1.bam", "fileAttributes": {"fileFormat": "bam"}}],
            }
        ],
        "interpretations": [
            {
                "id": "i1",
                "progressStatus": "SOLVED",
                "diagnosis": {
                    "disease": _oc("OMIM:259700", "Osteopetrosis, autosomal recessive 1"),
                    "genomicInterpretations": [
                        {
                            "subjectOrBiosampleId": "P1",
                            "interpretationStatus": "CAUSATIVE",
                            "variantInterpretation": {
                                "acmgPathogenicityClassification": "PATHOGENIC",
                                "variationDescriptor": {
                                    "id": "v1",
                                    "geneContext": {"valueId": "HGNC:11647", "symbol": "TCIRG1"},
                                    "vcfRecord": {
                                        "genomeAssembly": "GRCh38",
                                        "chrom": "chr11",
                                        "pos": "68046711",
                                        "ref": "G",
                                        "alt": "A",
                                    },
                                    "allelicState": _oc("GENO:0000136", "homozygous"),
                                },
                            },
                        },
                        {
                            "subjectOrBiosampleId": "P1",
                            "interpretationStatus": "CANDIDATE",
                            "gene": {"valueId": "HGNC:2025", "symbol": "CLCN7"},
                        },
                    ],
                },
            }
        ],
        "diseases": [
            {
                "term": _oc("OMIM:259700", "Osteopetrosis, autosomal recessive 1"),
                "onset": {"ontologyClass": _oc("HP:0003593", "Infantile onset")},
                "resolution": {"age": {"iso8601duration": "P1Y"}},
                "diseaseStage": [_oc("NCIT:C27977", "Stage IIIA")],
                "clinicalTnmFinding": [_oc("NCIT:C48766", "pT2b Stage Finding")],
            }
        ],
        "medicalActions": [
            {
                "procedure": {
                    "code": _oc("NCIT:C15431", "Hematopoietic Stem Cell Transplantation"),
                    "performed": {"age": {"iso8601duration": "P10M"}},
                },
                "treatmentIntent": _oc("NCIT:C62220", "Cure"),
                "adverseEvents": [_oc("HP:0025143", "Chills")],
            },
            {
                "treatment": {
                    "agent": _oc("DrugCentral:1610", "calcitriol"),
                    "doseIntervals": [
                        {
                            "quantity": {"unit": _oc("UO:0000022", "milligram"), "value": 0.25},
                            "scheduleFrequency": _oc("NCIT:C125004", "Once Daily"),
                            "interval": {"start": "2023-08-01T00:00:00Z", "end": "2023-09-01T00:00:00Z"},
                        }
                    ],
                    "drugType": "PRESCRIPTION",
                }
            },
            {
                "radiationTherapy": {
                    "modality": _oc("NCIT:C28039", "Electron Beam Radiation Therapy"),
                    "bodySite": _oc("UBERON:0001474", "bone element"),
                    "dosage": 20,
                    "fractions": 5,
                }
            },
            {
                "therapeuticRegimen": {
                    "ontologyClass": _oc("NCIT:C10894", "Carboplatin/Etoposide"),
                    "startTime": {"age": {"iso8601duration": "P9M"}},
                    "regimenStatus": "COMPLETED",
                }
            },
        ],
        "files": [
            {
                "uri": "file:///data/genomes/P1.bam",
                "individualToFileIdentifiers": {"P1": "P1-sample"},
                "fileAttributes": {"genomeAssembly": "GRCh38", "fileFormat": "bam"},
            }
        ],
        "metaData": META,
    }


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _dated(onset: dict[str, Any], *, born: str | None = "2023-01-01T00:00:00Z") -> dict[str, Any]:
    """A phenopacket without an age at last encounter whose one observed finding has ``onset``."""
    subject: dict[str, Any] = {"id": "P1", "sex": "MALE"}
    if born is not None:
        subject["dateOfBirth"] = born
    return {
        "id": "dated",
        "subject": subject,
        "phenotypicFeatures": [{"type": _oc("HP:0011002", "Osteopetrosis"), "onset": onset}],
        "metaData": META,
    }


def test_a_phenopacket_using_the_whole_schema_is_read(mini_hpo: Hpo, tmp_path: Path) -> None:
    case = read_case_file(_write(tmp_path / "full.json", _full_schema()), mini_hpo.ontology)
    assert case.case_id == "full-schema"
    assert case.sex == "female"
    assert case.age_days == pytest.approx(8 * 365.25 / 12)
    assert case.observed == ("HP:0011002", "HP:0001903", "HP:0001744", "HP:0000505", "HP:0001873")
    assert case.excluded == ("HP:0000572",)
    # The latest onset is the timestamp's, counted from the date of birth (before: the age range's 4 months).
    assert case.onset_days == pytest.approx(195.0)
    assert case.genomic_files == ()  # a BAM is not a variant file


@pytest.mark.parametrize(
    ("onset", "days"),
    [
        ({"timestamp": "2023-06-01T00:00:00Z"}, 151.0),
        ({"interval": {"start": "2023-06-01T00:00:00Z", "end": "2023-07-01T00:00:00Z"}}, 151.0),
        ({"timestamp": "2023-06-01T12:00:00+02:00"}, 151.0 + 10 / 24),
    ],
)
def test_a_dated_onset_counts_from_the_date_of_birth(
    mini_hpo: Hpo, tmp_path: Path, onset: dict[str, Any], days: float
) -> None:
    case = read_case_file(_write(tmp_path / "p.json", _dated(onset)), mini_hpo.ontology)
    assert case.age_days is None
    assert case.onset_days == pytest.approx(days)
    assert case.ranking_age_days == pytest.approx(days)


def test_dated_onsets_without_a_date_of_birth_are_named_in_one_warning(mini_hpo: Hpo, tmp_path: Path) -> None:
    # The schema's COVID-19 example dates every onset and gives no date of birth.
    packet = _dated({"timestamp": "2020-03-17T00:00:00Z"}, born=None)
    packet["phenotypicFeatures"].append(
        {
            "type": _oc("HP:0001903", "Anemia"),
            "onset": {"interval": {"start": "2020-03-18T00:00:00Z", "end": "2020-03-20T00:00:00Z"}},
        }
    )
    case = read_case_file(_write(tmp_path / "p.json", packet), mini_hpo.ontology)
    assert case.onset_days is None
    notes = [w for w in case.warnings if "dateOfBirth" in w]
    assert notes == [
        f"{tmp_path / 'p.json'}: phenotypicFeatures[0].onset.timestamp, phenotypicFeatures[1].onset.interval: "
        "a date is an age only with subject.dateOfBirth, which is not given; these onsets are not used"
    ]


def test_an_onset_dated_before_the_birth_is_not_used(mini_hpo: Hpo, tmp_path: Path) -> None:
    path = _write(tmp_path / "p.json", _dated({"timestamp": "2022-01-01T00:00:00Z"}))
    case = read_case_file(path, mini_hpo.ontology)
    assert case.onset_days is None
    assert any(
        "phenotypicFeatures[0].onset.timestamp is before subject.dateOfBirth" in w and "not used" in w
        for w in case.warnings
    )


def test_an_encounter_interval_with_a_date_of_birth_gives_the_age_from_its_start(
    mini_hpo: Hpo, tmp_path: Path
) -> None:
    packet = _dated({"age": {"iso8601duration": "P1M"}})
    packet["subject"]["timeAtLastEncounter"] = {
        "interval": {"start": "2023-06-01T00:00:00Z", "end": "2023-07-01T00:00:00Z"}
    }
    case = read_case_file(_write(tmp_path / "p.json", packet), mini_hpo.ontology)
    assert case.age_days == pytest.approx(151.0)
    assert any("subject.timeAtLastEncounter.interval: using its start" in w for w in case.warnings)
    # Without a date of birth the interval gives no age, as before.
    del packet["subject"]["dateOfBirth"]
    case = read_case_file(_write(tmp_path / "p.json", packet), mini_hpo.ontology)
    assert case.age_days is None
    assert any("subject.timeAtLastEncounter.interval is not used" in w for w in case.warnings)


@pytest.mark.parametrize(
    ("feature", "message"),
    [
        (
            {"type": _oc("NCIT:C76251", "Rh Positive Blood Group")},
            "phenotypicFeatures[1].type.id: unknown HPO term 'NCIT:C76251'",
        ),
        (
            {"type": _oc("HP:0000007", "Autosomal recessive inheritance")},
            "phenotypicFeatures[1].type.id: HP:0000007 Autosomal recessive inheritance (Mode of inheritance) is "
            "not a phenotypic feature",
        ),
        (
            {"type": _oc("HP:0011002", "Osteopetrosis"), "excluded": True},
            "phenotypicFeatures[0].type.id and phenotypicFeatures[1].type.id: HP:0011002 is both observed and "
            "excluded",
        ),
    ],
)
def test_a_finding_that_cannot_be_used_is_named_by_its_field(
    mini_hpo: Hpo, tmp_path: Path, feature: dict[str, Any], message: str
) -> None:
    packet = _dated({"age": {"iso8601duration": "P1M"}})
    packet["phenotypicFeatures"].append(feature)
    path = _write(tmp_path / "p.json", packet)
    with pytest.raises(InputError) as caught:
        read_case_file(path, mini_hpo.ontology)
    assert str(caught.value).startswith(f"{path}: {message}")
    assert "\n" not in str(caught.value)


def test_an_excluded_broader_term_of_an_observed_one_is_dropped_when_lenient(
    mini_hpo: Hpo, tmp_path: Path
) -> None:
    # phenopacket-store cases coded with a newer HPO exclude a term that the bundled release puts above an
    # observed one (patent foramen ovale observed, atrial septal defect excluded).
    packet = _dated({"age": {"iso8601duration": "P1M"}})
    packet["phenotypicFeatures"].append({"type": _oc("HP:0000924", "Skeletal"), "excluded": True})
    path = _write(tmp_path / "p.json", packet)
    with pytest.raises(InputError) as caught:
        read_case_file(path, mini_hpo.ontology)
    assert str(caught.value) == (
        f"{path}: phenotypicFeatures[0].type.id and phenotypicFeatures[1].type.id: HP:0011002 Osteopetrosis is "
        "observed but its broader term HP:0000924 Abnormality of the skeletal system is excluded; an observed "
        "finding implies its ancestors (--lenient drops the excluded term)"
    )
    case = read_case_file(path, mini_hpo.ontology, strict=False)
    assert (case.observed, case.excluded) == (("HP:0011002",), ())
    assert any(w.endswith("; the excluded term is dropped") for w in case.warnings)


def test_without_fields_the_contradiction_messages_are_as_before(mini_hpo: Hpo) -> None:
    # The web app and --hpo/--exclude give no fields, and their messages stay word for word.
    raw = [("HP:0011002", False, "entered"), ("HP:0000924", True, "entered")]
    with pytest.raises(InputError) as caught:
        normalise_findings(mini_hpo.ontology, raw, where="findings")
    assert str(caught.value) == (
        "findings: HP:0011002 Osteopetrosis is observed but its broader term HP:0000924 Abnormality of the "
        "skeletal system is excluded; an observed finding implies its ancestors"
    )
    with pytest.raises(ValueError, match="1 names for 2 findings"):
        normalise_findings(mini_hpo.ontology, raw, where="findings", fields=["x"])


def test_a_file_uri_with_a_host_part_is_read_as_a_relative_path(mini_hpo: Hpo, tmp_path: Path) -> None:
    # The schema's comprehensive Family example writes "file://data/genomes/P000001C".
    packet = _dated({"age": {"iso8601duration": "P1M"}})
    packet["files"] = [
        {
            "uri": "file://data/genomes/P000001C",
            "individualToFileIdentifiers": {"P1": "P000001C"},
            "fileAttributes": {"genomeAssembly": "GRCh38.p13", "fileFormat": "vcf"},
        },
        {"uri": "file://localhost/abs/p.vcf.gz"},
    ]
    case = read_case_file(_write(tmp_path / "p.json", packet), mini_hpo.ontology)
    assert [(g.path, g.sample) for g in case.genomic_files] == [
        (str(tmp_path / "data" / "genomes" / "P000001C"), "P000001C"),
        ("/abs/p.vcf.gz", None),
    ]


def test_a_date_without_a_time_is_named_with_the_form_expected(mini_hpo: Hpo, tmp_path: Path) -> None:
    packet = _dated({"age": {"iso8601duration": "P1M"}}, born="2010-05-01")
    path = _write(tmp_path / "p.json", packet)
    with pytest.raises(InputError) as caught:
        read_case_file(path, mini_hpo.ontology)
    message = str(caught.value)
    assert message.startswith(f"{path}: not a valid GA4GH Phenopacket v2 (")
    assert "subject.dateOfBirth" in message
    assert message.endswith("; a date is written as an RFC 3339 timestamp, such as 2010-05-01T00:00:00Z)")


def test_the_cli_ranks_the_whole_schema_and_the_api_gives_the_same(
    mini_hpo: Hpo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    full = _write(tmp_path / "full.json", _full_schema())
    dated = _write(tmp_path / "dated.json", _dated({"timestamp": "2023-06-01T00:00:00Z"}))
    family = _write(
        tmp_path / "family.json",
        {
            "id": "fam",
            "proband": _full_schema(),
            "consanguinousParents": True,
            "pedigree": {
                "persons": [
                    {
                        "individualId": "P1",
                        "paternalId": "F",
                        "maternalId": "M",
                        "affectedStatus": "AFFECTED",
                    },
                    {"individualId": "S", "paternalId": "F", "maternalId": "M", "affectedStatus": "AFFECTED"},
                    {"individualId": "M", "sex": "FEMALE", "affectedStatus": "UNAFFECTED"},
                ]
            },
            "metaData": META,
        },
    )
    inputs = [str(full), str(dated), str(family)]
    code, out, _ = run_cli(capsys, "rank", *inputs, "--format", "jsonl", "--top", "3")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["case_id"] for line in lines] == ["full-schema", "dated", "full-schema"]
    api = marbledx.rank(inputs, hpo=mini_hpo, top=3, genotype=GenotypeOptions())
    assert lines == [result.to_dict() for result in api]
    code, table, _ = run_cli(capsys, "rank", *inputs, "--format", "table", "--top", "3")
    assert code == 0
    assert table.count("Case full-schema") == 2
    assert "consanguinity" in table
