"""Genotype evidence: read the patient's VCF and weigh variants by each disease's mechanism.

``read_vcf`` reads the proband's calls (VEP ``CSQ``, SnpEff ``ANN`` or a gene-region table);
``GenotypeModel`` turns them into a likelihood ratio per disease (docs/genotype.md); ``GenotypeReader``
finds each case's VCF from ``--vcf`` or the phenopacket ``files``; ``ClinvarVcf`` and ``GeneRegions`` are
the optional reference tables that ``marbledx data fetch`` installs.

The VCF reader (htslib, through pysam), the ClinVar table and the download module are imported on first use
of one of their names, so that ranking a case without a VCF does not pay for importing them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from marbledx._lazy import lazy_attributes
from marbledx.genotype._genes import GeneRegions
from marbledx.genotype._interpret import (
    MISSED_ALLELE_RATE,
    AlleleAssessment,
    DiseaseGenotype,
    GeneRule,
    GenotypeEvidence,
    GenotypeModel,
    Mode,
    assess_gene,
    variant_class,
)
from marbledx.genotype._load import GenotypeOptions, GenotypeReader, normalise_assembly
from marbledx.genotype._model import (
    AnnotationMode,
    ClinvarLookup,
    ClinvarSignificance,
    GeneLocator,
    GenomeBuild,
    ParentalOrigin,
    VariantCall,
    VariantClass,
    VcfReadResult,
    Zygosity,
    normalise_chrom,
    normalise_clinvar,
)

if TYPE_CHECKING:
    from marbledx.genotype._clinvar import ClinvarVcf
    from marbledx.genotype._fetch import installed_clinvar, installed_genes
    from marbledx.genotype._vcf import detect_build, read_vcf

# The names imported on first use, by the module that defines them.
_LAZY: dict[str, str] = {
    "ClinvarVcf": "marbledx.genotype._clinvar",
    "installed_clinvar": "marbledx.genotype._fetch",
    "installed_genes": "marbledx.genotype._fetch",
    "detect_build": "marbledx.genotype._vcf",
    "read_vcf": "marbledx.genotype._vcf",
}

_lazy_getattr, __dir__ = lazy_attributes(__name__, _LAZY)
if not TYPE_CHECKING:  # hidden from type checkers, which would take any misspelt name for an attribute
    __getattr__ = _lazy_getattr


__all__ = [
    "MISSED_ALLELE_RATE",
    "AlleleAssessment",
    "AnnotationMode",
    "ClinvarLookup",
    "ClinvarSignificance",
    "ClinvarVcf",
    "DiseaseGenotype",
    "GeneLocator",
    "GeneRegions",
    "GeneRule",
    "GenomeBuild",
    "GenotypeEvidence",
    "GenotypeModel",
    "GenotypeOptions",
    "GenotypeReader",
    "Mode",
    "ParentalOrigin",
    "VariantCall",
    "VariantClass",
    "VcfReadResult",
    "Zygosity",
    "assess_gene",
    "detect_build",
    "installed_clinvar",
    "installed_genes",
    "normalise_assembly",
    "normalise_chrom",
    "normalise_clinvar",
    "read_vcf",
    "variant_class",
]
