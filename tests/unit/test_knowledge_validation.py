"""Validation of knowledge-base files: a broken file is rejected with its file, entity and field named."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from marbledx.errors import KnowledgeBaseError, UnknownEntityError
from marbledx.knowledge import HsctDecision, load_knowledge_base

_SUBTYPE: dict[str, Any] = {
    "key": "OPTB1",
    "group": "osteopetrosis",
    "names": {
        "name": "Osteopetrosis, autosomal recessive 1",
        "short_names": ["OPTB1"],
        "synonyms": ["TCIRG1 osteopetrosis"],
        "sources": ["OMIM:259700"],
    },
    "ids": [{"id": "OMIM:259700", "sources": ["OMIM:259700"]}],
    "genes": [
        {
            "symbol": "TCIRG1",
            "zygosity": "biallelic",
            "mechanism": "loss of function",
            "sources": ["PMID:10888887"],
        }
    ],
    "inheritance": {"modes": ["autosomal_recessive"], "sources": ["PMID:10888887"]},
    "osteopetrosis_role": {
        "role": "defining",
        "text": "osteopetrosis is the disease",
        "sources": ["OMIM:259700"],
    },
    "onset": {"typical": ["infantile"], "text": "infancy", "sources": ["HPO-hpoa:OMIM:259700"]},
    "osteoclasts": {"status": "rich", "sources": ["DOI:10.1016/j.bone.2022.116541"]},
    "neuronopathic": {"neuronopathic": "no", "sources": ["PMCID:PMC2654865"]},
    "hsct": {"decision": "curative", "urgent": True, "reason": "curative", "sources": ["PMID:9849690"]},
    "prevalence": {"text": "about half of ARO", "sources": ["seed:002_54fb8aa32f4b3b69.txt"]},
    "hallmark_terms": [
        {"hpo_id": "HP:0001744", "label": "Splenomegaly", "sources": ["HPO-hpoa:OMIM:259700"]}
    ],
    "distinguishing_features": [{"text": "marrow failure", "sources": ["ref:demo-ref"]}],
    "prognosis": {"text": "poor without HSCT", "sources": ["PMID:26012570"]},
}
_REFERENCES = {"references": [{"key": "demo-ref", "citation": "A demo reference.", "verified": True}]}


def _write(folder: Path, entities: list[dict[str, Any]], name: str = "subtypes.yaml") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "references.yaml").write_text(yaml.safe_dump(_REFERENCES))
    (folder / name).write_text(yaml.safe_dump({"entities": entities}, allow_unicode=True))
    return folder


def _entity(**changes: Any) -> dict[str, Any]:
    entity = copy.deepcopy(_SUBTYPE)
    for dotted, value in changes.items():
        target = entity
        *parents, leaf = dotted.split("__")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if value is _DELETE:
            del target[leaf]
        else:
            target[leaf] = value
    return entity


_DELETE = object()


def test_a_valid_file_loads_and_looks_up_by_every_name(tmp_path: Path) -> None:
    kb = load_knowledge_base(_write(tmp_path / "kb", [_entity()]))
    entity = kb.get("optb1")
    assert entity.hsct is not None
    assert entity.hsct.decision is HsctDecision.CURATIVE
    assert kb.get("OMIM:259700") is entity
    assert kb.get("TCIRG1 osteopetrosis") is entity
    assert kb.for_disease_id("OMIM:259700") is entity
    assert kb.for_gene("TCIRG1") == [entity]
    assert kb.subtypes == (entity,)
    assert entity.all_sources() >= {"OMIM:259700", "ref:demo-ref", "PMID:9849690"}
    with pytest.raises(
        UnknownEntityError, match=r"no osteopetrosis subtype or differential entity matches 'OPTB42'"
    ):
        kb.get("OPTB42")
    with pytest.raises(
        UnknownEntityError, match=r"'tcirg1' is a gene, not an entity; it causes OPTB1; expected"
    ):
        kb.get("tcirg1")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"hsct__sources": []},
            r"subtypes.yaml: entity 'OPTB1', field 'hsct.sources': List should have at least 1 item",
        ),
        ({"hsct__sources": _DELETE}, r"entity 'OPTB1', field 'hsct.sources': Field required"),
        (
            {"onset__sources": ["Wikipedia"]},
            r"field 'onset.sources\[0\]': Value error, 'Wikipedia' is not a recognised citation",
        ),
        (
            {"hallmark_terms__0__hpo_id": "HP:17"},
            r"field 'hallmark_terms\[0\].hpo_id': Value error, 'HP:17' is not an HPO id",
        ),
        ({"hsct__decision": "maybe"}, r"field 'hsct.decision': Input should be 'curative'"),
        (
            {"hsct__unverified": True},
            r"field 'hsct': Value error, an unverified HSCT statement must have decision 'unknown'",
        ),
        (
            {"prognosis": _DELETE},
            r"entity 'OPTB1', field '\(top level\)': Value error, osteopetrosis subtypes need prognosis",
        ),
        (
            {"genes__0__symbol": "tcirg1"},
            r"field 'genes\[0\].symbol': Value error, 'tcirg1' is not an HGNC gene symbol",
        ),
        ({"colour": "blue"}, r"field 'colour': Extra inputs are not permitted"),
        ({"ids__0__id": "OMIM:25970"}, r"field 'ids\[0\].id': Value error, 'OMIM:25970' is not a disease id"),
    ],
)
def test_broken_entity_names_file_entity_and_field(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    folder = _write(tmp_path / "kb", [_entity(**changes)])
    with pytest.raises(KnowledgeBaseError, match=message):
        load_knowledge_base(folder)


def test_unknown_bibliography_key_is_rejected(tmp_path: Path) -> None:
    folder = _write(tmp_path / "kb", [_entity(prognosis={"text": "x", "sources": ["ref:nowhere"]})])
    with pytest.raises(
        KnowledgeBaseError,
        match=r"entity 'OPTB1', field 'prognosis.sources\[0\]': citation 'ref:nowhere' has no entry in the bibliography",
    ):
        load_knowledge_base(folder)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"names__synonyms": ["Malignant osteoporosis"]},
            r"field 'names': 'Malignant osteoporosis' names osteoporosis, the opposite low-bone-mass condition",
        ),
        (
            {"prognosis": {"text": "The genes involved are called osteoclasts.", "sources": ["PMID:1234"]}},
            r"field 'prognosis.text': genes are not 'called osteoclasts'",
        ),
        (
            {
                "caveats": [
                    {"text": "Osteomyelitis of the lumbar vertebrae is common.", "sources": ["PMID:1234"]}
                ]
            },
            r"field 'caveats\[0\].text': osteomyelitis in osteopetrosis classically affects the mandible",
        ),
        (
            {
                "caveats": [
                    {"text": "Anaemia means low levels of iron in red cells.", "sources": ["PMID:1234"]}
                ]
            },
            r"anaemia is low haemoglobin",
        ),
        (
            {
                "genes": [
                    {
                        "symbol": "ITGB3",
                        "zygosity": "biallelic",
                        "mechanism": "x",
                        "sources": ["seed:001_247958b7023ce378.txt"],
                    }
                ]
            },
            r"field 'genes\[0\].symbol': ITGB3 is not an osteopetrosis gene",
        ),
    ],
)
def test_errors_of_the_public_patient_pages_are_rejected(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(KnowledgeBaseError, match=message):
        load_knowledge_base(_write(tmp_path / "kb", [_entity(**changes)]))


def test_duplicate_keys_and_names_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match=r"entity 'OPTB1', field 'key': duplicate key"):
        load_knowledge_base(_write(tmp_path / "a", [_entity(), _entity()]))
    other = _entity(key="OPTB9", names__name="Other", names__short_names=["OPTB9"])
    with pytest.raises(
        KnowledgeBaseError,
        match=r"entity 'OPTB9', field 'names': name 'TCIRG1 osteopetrosis' is also used by entity 'OPTB1'",
    ):
        load_knowledge_base(_write(tmp_path / "b", [_entity(), other]))


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "bad.yaml").write_text("entities:\n  - key: X\n    names: [unclosed\n")
    with pytest.raises(KnowledgeBaseError, match=r"bad.yaml: line \d+"):
        load_knowledge_base(folder)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- just a list\n", r"expected a YAML mapping with a top-level 'entities' or 'references' list"),
        ("entities: {}\nextra: 1\n", r"unknown top-level key\(s\) \['extra'\]"),
        ("entities: 5\n", r"'entities' must be a list of entity mappings"),
        ("entities:\n  - 5\n", r"entity #1, field '\(top level\)'"),
    ],
)
def test_wrong_document_shapes_are_rejected(tmp_path: Path, text: str, message: str) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "bad.yaml").write_text(text)
    with pytest.raises(KnowledgeBaseError, match=message):
        load_knowledge_base(folder)


def test_empty_folder_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match=r"no knowledge-base files"):
        load_knowledge_base(tmp_path)


def test_conflicting_bibliography_entries_are_rejected(tmp_path: Path) -> None:
    folder = _write(tmp_path / "kb", [_entity()])
    (folder / "more.yaml").write_text(
        yaml.safe_dump({"references": [{"key": "demo-ref", "citation": "Different.", "verified": False}]})
    )
    with pytest.raises(KnowledgeBaseError, match=r"reference 'demo-ref': defined differently"):
        load_knowledge_base(folder)


def test_differential_entities_need_only_their_core_fields(tmp_path: Path) -> None:
    minimal = {
        "key": "FLUOROSIS",
        "group": "acquired",
        "names": {"name": "Skeletal fluorosis", "sources": ["PMID:33040177"]},
        "inheritance": {"modes": ["not_inherited"], "sources": ["PMID:33040177"]},
        "distinguishing_features": [{"text": "fluoride exposure", "sources": ["PMID:33040177"]}],
    }
    kb = load_knowledge_base(_write(tmp_path / "kb", [_entity(), minimal]))
    assert [e.key for e in kb.differential] == ["FLUOROSIS"]
    assert kb.get("skeletal fluorosis").primary_id is None


def test_annotation_corrections_are_validated(tmp_path: Path) -> None:
    folder = _write(tmp_path / "kb", [_entity()])
    good = {
        "disease_id": "ORPHA:667",
        "hpo_id": "HP:0004349",
        "action": "quarantine",
        "reason": "contradicts the disease",
        "sources": ["PMID:20301306"],
    }
    (folder / "corrections.yaml").write_text(yaml.safe_dump({"annotation_corrections": [good]}))
    assert load_knowledge_base(folder).annotation_corrections[0].action == "quarantine"
    bad = dict(good, action="set_frequency")
    (folder / "corrections.yaml").write_text(yaml.safe_dump({"annotation_corrections": [bad]}))
    with pytest.raises(
        KnowledgeBaseError,
        match=r"corrections.yaml: correction ORPHA:667 HP:0004349, field .*set_frequency needs a frequency",
    ):
        load_knowledge_base(folder)
    unsourced = {k: v for k, v in good.items() if k != "sources"}
    (folder / "corrections.yaml").write_text(yaml.safe_dump({"annotation_corrections": [unsourced]}))
    with pytest.raises(KnowledgeBaseError, match=r"field 'sources': Field required"):
        load_knowledge_base(folder)
