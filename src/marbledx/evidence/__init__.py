"""Evidence: likelihood ratios for every disease from the phenotype and the case context."""

from marbledx.evidence._context import INHERITANCE_TERMS, ContextModel, ContextParameters
from marbledx.evidence._phenotype import (
    BROAD_TERM_DISEASES,
    ONSET_LOWER_BOUND_DAYS,
    AnnotationAdjustment,
    PhenotypeModel,
    PhenotypeParameters,
    TermEvidence,
    shrunk_frequency,
)

__all__ = [
    "BROAD_TERM_DISEASES",
    "INHERITANCE_TERMS",
    "ONSET_LOWER_BOUND_DAYS",
    "AnnotationAdjustment",
    "ContextModel",
    "ContextParameters",
    "PhenotypeModel",
    "PhenotypeParameters",
    "TermEvidence",
    "shrunk_frequency",
]
