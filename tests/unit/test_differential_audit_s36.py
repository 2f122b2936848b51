"""Audit pins for the differential diagnosis of osteopetrosis (sclerosing.yaml, acquired.yaml).

Each test pins a fact checked against the curated reference (osteopetrosis-knowledge.md §6.1, §6.2, §2.2, §0
and §8) so that a later edit cannot silently contradict it. The audit found the data consistent with the
reference; these are regression guards, not fixes.
"""

from __future__ import annotations

import pytest

from marbledx.knowledge import Entity, Inheritance, KnowledgeBase, OsteoclastStatus, load_knowledge_base

AR = Inheritance.AUTOSOMAL_RECESSIVE
AD = Inheritance.AUTOSOMAL_DOMINANT


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


def _exact(entity: Entity, prefix: str) -> list[str]:
    return [i for i in entity.exact_ids if i.startswith(prefix)]


# Reference §6.1: disorder key, exact OMIM ids, exact Orphanet ids, verified causal genes, inheritance.
_SECTION_6_1 = [
    ("PYCD", ["OMIM:265800"], ["ORPHA:763"], {"CTSK"}, AR),
    ("CAEND", ["OMIM:131300"], ["ORPHA:1328"], {"TGFB1"}, AD),
    ("SOST1", ["OMIM:269500"], [], {"SOST"}, AR),
    ("SOST2", ["OMIM:614305"], [], {"LRP4"}, AR),
    ("VBCH", ["OMIM:239100"], [], set(), AR),
    ("EHWORTH", ["OMIM:144750"], ["ORPHA:2790"], {"LRP5"}, AD),
    ("CDD", ["OMIM:122860"], ["ORPHA:1513"], {"SOST"}, AD),
    ("CMDAD", ["OMIM:123000"], [], {"ANKH"}, AD),
    ("CMDAR", ["OMIM:218400"], [], {"GJA1"}, AR),
    ("OPK-BOS", ["OMIM:166700"], [], {"LEMD3"}, AD),
    ("MELO", ["OMIM:155950"], ["ORPHA:2485"], {"MAP2K1"}, Inheritance.SOMATIC),
    ("OSCS", ["OMIM:300373"], ["ORPHA:2780"], {"AMER1"}, Inheritance.X_LINKED_DOMINANT),
    ("DSS", ["OMIM:224300"], ["ORPHA:1782"], {"SLC29A3", "TNFRSF11A", "TCIRG1"}, AR),
    ("RAINE", ["OMIM:259775"], [], {"FAM20C"}, AR),
    ("PYLE", ["OMIM:265900"], [], {"SFRP4"}, AR),
    ("JPD", ["OMIM:239000"], ["ORPHA:2801"], {"TNFRSF11B"}, AR),
    ("LMHD", ["OMIM:151050"], ["ORPHA:2658"], {"PTDSS1"}, AD),
    ("GHOSAL", ["OMIM:231095"], ["ORPHA:1802"], {"TBXAS1"}, AR),
    ("HCI", ["OMIM:144755"], [], {"SLC39A14"}, AD),
]


@pytest.mark.parametrize(("key", "omim", "orpha", "genes", "mode"), _SECTION_6_1)
def test_differential_ids_genes_inheritance_match_reference(
    kb: KnowledgeBase, key: str, omim: list[str], orpha: list[str], genes: set[str], mode: Inheritance
) -> None:
    entity = kb.get(key)
    assert _exact(entity, "OMIM:") == omim
    assert _exact(entity, "ORPHA:") == orpha
    assert {g.symbol for g in entity.genes if not g.unverified} == genes
    assert entity.inheritance.modes[0] is mode


def test_differential_unverified_reference_facts_stay_flagged(kb: KnowledgeBase) -> None:
    # §6.1: the van Buchem SOST regulatory-deletion link is [UNVERIFIED]; HPO links no gene to OMIM:239100.
    (sost,) = kb.get("VBCH").genes
    assert sost.symbol == "SOST"
    assert sost.unverified
    # §6.1: craniometadiaphyseal osteosclerosis with hip dysplasia is a "newer entity; check before reuse".
    cmdohd = kb.get("CMDOHD")
    assert all(g.unverified for g in cmdohd.genes)
    assert cmdohd.inheritance.unverified
    assert all(f.unverified for f in cmdohd.distinguishing_features)


@pytest.mark.parametrize("key", ["RAINE", "PYLE"])
def test_differential_no_unverified_orphanet_id(kb: KnowledgeBase, key: str) -> None:
    # §6.1 marks the Orphanet ids of Raine syndrome and Pyle disease [UNVERIFIED]: none is stored.
    assert not [i for i in kb.get(key).ids if i.id.startswith("ORPHA:")]


@pytest.mark.parametrize(
    ("orpha", "keys", "relation"),
    [
        ("ORPHA:3152", ["SOST1", "SOST2"], "broader"),  # one Orphanet entry for the SOST and LRP4 forms
        ("ORPHA:1522", ["CMDAD", "CMDAR"], "broader"),  # one Orphanet entry for the ANKH and GJA1 forms
        ("ORPHA:3416", ["VBCH"], "related"),  # "Hyperostosis corticalis generalisata", SOST and LRP5
        ("ORPHA:166119", ["OPK-BOS"], "narrower"),  # isolated osteopoikilosis, without the naevi
    ],
)
def test_differential_loose_orphanet_ids_are_not_exact(
    kb: KnowledgeBase, orpha: str, keys: list[str], relation: str
) -> None:
    for key in keys:
        (ext,) = [i for i in kb.get(key).ids if i.id == orpha]
        assert ext.relation == relation
    assert kb.for_disease_id(orpha) is None


@pytest.mark.parametrize("key", ["SOST1", "SOST2"])
def test_differential_sclerosteosis_is_not_an_osteoclast_defect(kb: KnowledgeBase, key: str) -> None:
    # §6.1 and §7.1 item 5: high bone formation with normal osteoclast function.
    osteoclasts = kb.get(key).osteoclasts
    assert osteoclasts is not None
    assert osteoclasts.status is OsteoclastStatus.NOT_OSTEOCLAST_DEFECT


@pytest.mark.parametrize(
    ("key", "terms"),
    [
        (
            "GHOSAL",
            {"HP:0003034", "HP:0001903", "HP:0005528"},
        ),  # dense diaphyses with anaemia / marrow failure
        (
            "PYCD",
            {"HP:0009839", "HP:0004474", "HP:0005446"},
        ),  # acro-osteolysis, open fontanelle, obtuse angle
        ("JPD", {"HP:0003155", "HP:0006487", "HP:0002684"}),  # high ALP, bowing, thick skull (high turnover)
        ("PYLE", {"HP:0004975", "HP:0002753"}),  # Erlenmeyer flask with thin cortices
        ("RENAL-OD", {"HP:0004618", "HP:0003259", "HP:0003165", "HP:0002905"}),  # §2.2: rugger jersey
    ],
)
def test_differential_hallmarks_name_the_reference_features(
    kb: KnowledgeBase, key: str, terms: set[str]
) -> None:
    assert terms <= {t.hpo_id for t in kb.get(key).hallmark_terms}


def test_differential_mimics_without_generalised_sclerosis(kb: KnowledgeBase) -> None:
    # Pyle disease and Gaucher disease are "not a generalized sclerosis" (§6.1, §6.2).
    for key in ("PYLE", "GAUCHER"):
        assert "HP:0005789" not in {t.hpo_id for t in kb.get(key).hallmark_terms}


def test_differential_tnfrsf11a_opposite_mechanisms_caveat(kb: KnowledgeBase) -> None:
    # §0: TNFRSF11A gives osteoclast-poor osteopetrosis (recessive) and high-turnover phenotypes.
    text = " ".join(c.text for c in kb.get("JPD").caveats)
    assert "TNFRSF11A" in text
    assert "OMIM:174810" in text
    assert "OMIM:602080" in text
