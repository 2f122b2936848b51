"""The published dev cases in ../shared (skipped on a clone without it).

These check that the HPO layer and the knowledge base cover what real patients bring: every HPO id of every
case resolves in the bundled release, and every diagnosed osteopetrosis gene is in the knowledge base.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo

from ..conftest import SHARED

CASES = SHARED / "cases" / "dev"
pytestmark = [
    pytest.mark.integration,
    pytest.mark.shared,
    pytest.mark.skipif(not CASES.is_dir(), reason="../shared/cases/dev is not present"),
]


def _cases() -> list[Path]:
    return sorted(CASES.glob("*.json")) if CASES.is_dir() else []


@pytest.mark.parametrize("path", _cases(), ids=lambda p: p.stem)
def test_case_terms_resolve_in_the_bundled_release(path: Path, real_hpo: Hpo) -> None:
    packet = json.loads(path.read_text(encoding="utf-8"))
    features = packet.get("phenotypicFeatures", [])
    assert features, "a dev case without phenotypic features"
    for feature in features:
        current = real_hpo.ontology.resolve(feature["type"]["id"])
        assert current in real_hpo.ontology


@pytest.mark.parametrize("path", _cases(), ids=lambda p: p.stem)
def test_case_diagnosis_is_an_hpo_disease_and_osteopetrosis_genes_are_known(
    path: Path, real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    packet = json.loads(path.read_text(encoding="utf-8"))
    for interpretation in packet.get("interpretations", []):
        disease_id = interpretation["diagnosis"]["disease"]["id"]
        if disease_id.startswith(("OMIM:", "ORPHA:")):
            assert disease_id in real_hpo.annotations
        entity = kb.for_disease_id(disease_id)
        for genomic in interpretation["diagnosis"].get("genomicInterpretations", []):
            symbol = genomic["variantInterpretation"]["variationDescriptor"]["geneContext"]["symbol"]
            if entity is not None:
                assert symbol in entity.gene_symbols, f"{entity.key} lacks {symbol}"
