"""Audit of the osteopetrosis subtype cards against the sourced reference (osteopetrosis-knowledge.md).

The first tests pin the discrepancies this audit fixed; the rest pin the safety-critical facts it checked
(HSCT decisions, penetrance, shares, unverified flags), so that a later edit cannot silently undo them.
"""

from __future__ import annotations

import pytest

import marbledx
from marbledx.knowledge import HsctDecision, KnowledgeBase


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return marbledx.load_knowledge_base()


def test_optb2_lists_intellectual_disability_as_absent(kb: KnowledgeBase) -> None:
    # Reference section 0: OMIM:259710 intellectual disability 0/6 means absent (also section 1A, OPTB2 neuro).
    absent = {t.hpo_id: t for t in kb.get("OPTB2").absent_terms}
    assert "HP:0001249" in absent
    assert absent["HP:0001249"].frequency == "0/6"
    assert "HPO-hpoa:OMIM:259710" in absent["HP:0001249"].sources
    assert "HP:0001249" not in {t.hpo_id for t in kb.get("OPTB2").hallmark_terms}


def test_optb8_thrombocytopenia_uses_its_own_annotation(kb: KnowledgeBase) -> None:
    # Appendix A, OMIM:615085: thrombocytopenia 2/6 (PMID:22499339); it was cited to OPTB1's entry without a figure.
    terms = [t for t in kb.get("OPTB8").hallmark_terms if t.hpo_id == "HP:0001873"]
    assert len(terms) == 1
    assert terms[0].frequency == "2/6"
    assert terms[0].sources == ["HPO-hpoa:OMIM:615085"]


def test_optb1_gives_the_aro_incidence_as_a_range(kb: KnowledgeBase) -> None:
    # Reference 1C and 7.3 item 1: 1/250,000 (Stark 2009) and 1/200,000 (Orphanet); store both with sources.
    prevalence = kb.get("OPTB1").prevalence
    assert prevalence is not None
    assert "200,000" in prevalence.text
    assert "250,000" in prevalence.text
    assert prevalence.birth_incidence == pytest.approx(1 / 250_000)
    assert {"seed:002_54fb8aa32f4b3b69.txt", "PMCID:PMC2654865"} <= set(prevalence.sources)


# Reference 1B, "Summary of HSCT decisions" (IAO: "consider in selected patients", stored as not standard).
_HSCT = {
    "OPTB1": (HsctDecision.CURATIVE, True),
    "OPTB4": (HsctDecision.CURATIVE, True),
    "OPTB7": (HsctDecision.CURATIVE, True),
    "OPTB8": (HsctDecision.CURATIVE, True),
    "LAD3": (HsctDecision.CURATIVE, False),
    "OPTB3": (HsctDecision.PARTIAL, False),
    "OPTB2": (HsctDecision.NOT_CURATIVE, False),
    "ADO1": (HsctDecision.NOT_CURATIVE, False),
    "ADO2": (HsctDecision.NOT_STANDARD, False),
    "IAO": (HsctDecision.NOT_STANDARD, False),
    "OPTB5": (HsctDecision.NOT_RECOMMENDED, False),
    "TIO": (HsctDecision.NOT_RECOMMENDED, False),
    "ADO3": (HsctDecision.UNKNOWN, False),
    "OPTB6": (HsctDecision.UNKNOWN, False),
    "OPTB9": (HsctDecision.UNKNOWN, False),
    "OL-EDA-ID": (HsctDecision.UNKNOWN, False),
    "COMMAD": (HsctDecision.UNKNOWN, False),
    "BANDDOS": (HsctDecision.UNKNOWN, False),
}


@pytest.mark.parametrize(("key", "expected"), sorted(_HSCT.items()))
def test_hsct_decisions_match_the_reference(
    kb: KnowledgeBase, key: str, expected: tuple[HsctDecision, bool]
) -> None:
    hsct = kb.get(key).hsct
    assert hsct is not None
    assert (hsct.decision, hsct.urgent) == expected


def test_every_subtype_is_audited() -> None:
    assert {e.key for e in marbledx.load_knowledge_base().subtypes} == set(_HSCT)


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("ADO3", "hsct"),  # "No data [UNVERIFIED]"
        ("OPTB6", "hsct"),  # "Generally not needed [UNVERIFIED]"
        ("OL-EDA-ID", "hsct"),
        ("OL-EDA-ID", "osteoclasts"),
        ("COMMAD", "osteoclasts"),
        ("BANDDOS", "osteoclasts"),
    ],
)
def test_unverified_facts_are_flagged(kb: KnowledgeBase, key: str, field: str) -> None:
    fact = getattr(kb.get(key), field)
    assert fact.unverified


def test_unverified_ids_are_flagged_and_not_primary(kb: KnowledgeBase) -> None:
    lad3 = {x.id: x for x in kb.get("LAD3").ids}
    assert lad3["ORPHA:99844"].unverified
    ol = {x.id: x for x in kb.get("OL-EDA-ID").ids}
    assert ol["OMIM:300301"].unverified
    assert kb.get("OL-EDA-ID").primary_id == "OMIM:300291"
    assert not any(x.id.startswith("ORPHA:") for x in kb.get("ADO1").ids)  # Orphanet id [UNVERIFIED]


def test_ado2_penetrance_and_shares(kb: KnowledgeBase) -> None:
    ado2 = kb.get("ADO2")
    assert ado2.inheritance.penetrance == pytest.approx(0.66)  # 62/94, reference 1D
    shares = {}
    for key in ("OPTB1", "OPTB4", "OPTB5", "OPTB7", "OPTB8", "ADO2"):
        prevalence = kb.get(key).prevalence
        assert prevalence is not None
        assert prevalence.share is not None
        shares[key] = (prevalence.share.group, prevalence.share.low, prevalence.share.high)
    assert shares == {
        "OPTB1": ("ARO", 0.5, 0.664),
        "OPTB4": ("ARO", 0.10, 0.15),
        "OPTB5": ("ARO", 0.05, 0.05),
        "OPTB7": ("ARO", 0.059, 0.059),
        "OPTB8": ("ARO", 0.04, 0.066),
        "ADO2": ("ADO", 0.75, 0.75),
    }
