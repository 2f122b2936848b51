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


@pytest.fixture(autouse=True)
def screen_every_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """The genotype tests read small files; the bulk screen is skipped below a size where it cannot pay for
    loading numba (genotype/_vcf.py, ``_SCREEN_MIN_BYTES_*``). Here it screens every file, so the screened and
    per-record reads are compared on the tests' files (test_vcf_screen_threshold_s37.py checks the sizes)."""
    from marbledx.genotype import _vcf

    monkeypatch.setattr(_vcf, "_SCREEN_MIN_BYTES_TEXT", 0)
    monkeypatch.setattr(_vcf, "_SCREEN_MIN_BYTES_COMPRESSED", 0)
