"""Ranked diagnoses made by hand, for tests of the care plan and the reports built on it."""

from __future__ import annotations

from marbledx.ranking import Diagnosis

# A qualifying variant's JSON, enough for the care plan's "genotype-supported" test (a variant and the LR).
VARIANT = {"gene": "X", "chrom": "1", "pos": 1, "ref": "C", "alt": "T", "genotype": "1/1"}


def dx(disease_id: str, probability: float, *, genotype_lr: float = 1.0, rank: int = 1) -> Diagnosis:
    """A diagnosis at ``rank`` with ``probability``; a genotype LR above 1 comes with :data:`VARIANT`."""
    return Diagnosis(
        rank=rank,
        disease_id=disease_id,
        label=disease_id,
        probability=probability,
        genes=[],
        evidence=[],
        genotype_lr=genotype_lr,
        variants=[VARIANT] if genotype_lr > 1 else [],
    )
