"""Fixtures shared by the genotype tests."""

from __future__ import annotations

import pytest

from marbledx.genotype import GenotypeModel
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.ranking import Ranker


@pytest.fixture(scope="session")
def model(mini_hpo: Hpo, kb: KnowledgeBase) -> GenotypeModel:
    """The genotype model over the fixture release's diseases."""
    return GenotypeModel(mini_hpo, kb, Ranker(mini_hpo, kb).phenotype.disease_ids)
