"""Value types shared by the genotype room: calls read from a VCF and what they mean for a disease.

These types carry no patient identifiers beyond the VCF sample name, and they never go to logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

__all__ = [
    "AnnotationMode",
    "ClinvarLookup",
    "ClinvarSignificance",
    "GeneLocator",
    "GenomeBuild",
    "ParentalOrigin",
    "VariantCall",
    "VariantClass",
    "VcfReadResult",
    "Zygosity",
    "normalise_chrom",
    "normalise_clinvar",
]

GenomeBuild = Literal["GRCh37", "GRCh38"]
Zygosity = Literal["heterozygous", "homozygous", "hemizygous"]
VariantClass = Literal["null", "missense", "other"]
# "vep" and "snpeff": gene, consequence and HGVS come from the VCF's own CSQ / ANN field.
# "gene-table": the VCF carries no annotation; genes come from a BED gene-region table.
AnnotationMode = Literal["vep", "snpeff", "gene-table"]
ClinvarSignificance = Literal[
    "pathogenic", "likely_pathogenic", "uncertain", "conflicting", "likely_benign", "benign", "other"
]
ParentalOrigin = Literal["paternal", "maternal", "both", "de_novo", "unknown"]


@dataclass(frozen=True, slots=True)
class VariantCall:
    """One alternate allele carried by the proband, with the annotation of its chosen transcript.

    ``genotype`` is the proband's GT as written (``0/1``, ``1|0``, ``1/1``, ``1``). ``haplotype`` is 0 or 1
    for a phased heterozygous call (which side of the ``|`` carries this allele) and ``phase_set`` the PS
    value (or 0 when phased without PS); both are ``None`` for unphased calls. ``origin`` comes from the
    parents' genotypes when a PED file names them and they are in the VCF.
    """

    chrom: str
    pos: int
    ref: str
    alt: str
    genotype: str
    zygosity: Zygosity
    gene: str | None
    consequence: str | None = None  # Sequence Ontology terms joined with "&", as VEP writes them
    hgvs_c: str | None = None
    hgvs_p: str | None = None
    transcript: str | None = None
    gnomad_af: float | None = None
    clinvar: ClinvarSignificance | None = None
    revel: float | None = None
    cadd_phred: float | None = None
    haplotype: int | None = None
    phase_set: int | None = None
    origin: ParentalOrigin = "unknown"
    line: int | None = None  # line number in a text VCF, for messages

    @property
    def key(self) -> str:
        return f"{self.chrom}:{self.pos}:{self.ref}>{self.alt}"


@dataclass(frozen=True)
class VcfReadResult:
    """What was read from one VCF for one proband.

    ``calls`` holds only the alleles the proband carries. ``covered_genes`` is every gene symbol seen in any
    record of the file (carried or not), which tells a targeted panel from an exome; ``genome_wide`` is the
    reader's judgement that the file is an exome or genome (records on many chromosomes and genes).
    """

    path: str
    build: GenomeBuild
    sample: str
    mode: AnnotationMode
    calls: tuple[VariantCall, ...]
    n_records: int
    covered_genes: frozenset[str]
    genome_wide: bool
    skipped_lines: tuple[int, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)


def normalise_chrom(name: str) -> str:
    """Chromosome name without the ``chr`` prefix, mitochondria as ``MT`` (``chrX`` → ``X``, ``chrM`` → ``MT``).

    GRCh37 files from Ensembl/1000 Genomes write ``1``; GRCh38 files from UCSC-style pipelines write ``chr1``;
    lookups across a VCF, a ClinVar release and a gene table must agree on one form.
    """
    bare = name[3:] if name[:3].lower() == "chr" else name
    return "MT" if bare in {"M", "m", "MT"} else bare


_CLINVAR_WORDS: tuple[tuple[str, ClinvarSignificance], ...] = (
    # Order matters: "conflicting" and "likely_…" must be tested before the bare words they contain.
    ("conflicting", "conflicting"),
    ("likely_pathogenic", "likely_pathogenic"),
    ("likely_benign", "likely_benign"),
    ("pathogenic", "pathogenic"),
    ("benign", "benign"),
    ("uncertain", "uncertain"),
)


def normalise_clinvar(text: str | None) -> ClinvarSignificance | None:
    """Map a ClinVar CLNSIG value (VCF INFO or VEP ``CLIN_SIG``) to one significance class.

    ``Pathogenic/Likely_pathogenic`` → ``likely_pathogenic`` and ``Benign/Likely_benign`` → ``likely_benign``
    (the weaker of the two, so evidence is never over-stated); a list mixing pathogenic and benign terms
    (VEP writes ``benign&pathogenic``) → ``conflicting``; unrelated values (``drug_response``, ``risk_factor``,
    ``not_provided``) → ``other``; empty → ``None``.
    """
    if text is None:
        return None
    value = text.strip().lower().replace(" ", "_").replace(",", "&").replace("|", "&")
    if not value or value in {".", "-"}:
        return None
    parts = [p for chunk in value.split("&") for p in chunk.split("/") if p]
    found: set[ClinvarSignificance] = set()
    for part in parts:
        for word, significance in _CLINVAR_WORDS:
            if word in part:
                found.add(significance)
                break
    if not found:
        return "other"
    if "conflicting" in found:
        return "conflicting"
    pathogenic = found & {"pathogenic", "likely_pathogenic"}
    benign = found & {"benign", "likely_benign"}
    if pathogenic and benign:
        return "conflicting"
    if pathogenic:
        return "likely_pathogenic" if "likely_pathogenic" in pathogenic else "pathogenic"
    if benign:
        return "likely_benign" if "likely_benign" in benign else "benign"
    return "uncertain" if "uncertain" in found else "other"


class GeneLocator(Protocol):
    """Finds the genes a VCF position falls in (for VCFs without VEP/SnpEff annotation)."""

    @property
    def build(self) -> GenomeBuild: ...

    def genes_at(self, chrom: str, start: int, end: int) -> tuple[str, ...]:
        """Gene symbols overlapping 1-based inclusive ``start``..``end`` on ``chrom`` (any chr-prefix form)."""
        ...


class ClinvarLookup(Protocol):
    """ClinVar significance by exact allele, from a user-supplied or downloaded ClinVar VCF."""

    @property
    def build(self) -> GenomeBuild: ...

    def significance(self, chrom: str, pos: int, ref: str, alt: str) -> ClinvarSignificance | None:
        """The normalised CLNSIG of this exact allele, or ``None`` when ClinVar has no record of it."""
        ...
