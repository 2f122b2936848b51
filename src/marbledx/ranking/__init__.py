"""Ranking: posterior probabilities over every annotated disease, with per-finding explanations."""

from marbledx.ranking._rank import (
    BASELINE_PRIOR,
    GROUP_FREQUENCY,
    PHENOTYPE_TEMPERATURE,
    Analysis,
    CaseEvidence,
    CaseResult,
    Diagnosis,
    FindingEvidence,
    GenotypeSummary,
    PriorKind,
    Ranker,
)

__all__ = [
    "BASELINE_PRIOR",
    "GROUP_FREQUENCY",
    "PHENOTYPE_TEMPERATURE",
    "Analysis",
    "CaseEvidence",
    "CaseResult",
    "Diagnosis",
    "FindingEvidence",
    "GenotypeSummary",
    "PriorKind",
    "Ranker",
]
