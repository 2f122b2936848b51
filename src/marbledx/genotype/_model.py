"""Value types shared by the genotype room: calls read from a VCF and what they mean for a disease.

These types carry no patient identifiers beyond the VCF sample name, and they never go to logs.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, cast, overload

from marbledx._frozen import frozen_builder

__all__ = [
    "AnnotationMode",
    "CallSequence",
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
    "outside_pars",
    "placed_in_gene",
    "primary_chromosome",
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

# The pseudoautosomal regions PAR1 and PAR2, 1-based inclusive, as the Genome Reference Consortium defines them for
# each assembly (https://www.ncbi.nlm.nih.gov/grc/human; the same coordinates in Ensembl's "Pseudoautosomal regions
# in human" page). In GRCh37 PAR1 starts at 60,001 on X and at 10,001 on Y; in GRCh38 both start at 10,001. Outside
# them a male has one X and one Y, so a call there is his single copy.
PSEUDOAUTOSOMAL_REGIONS: dict[GenomeBuild, dict[str, tuple[tuple[int, int], ...]]] = {
    "GRCh37": {
        "X": ((60_001, 2_699_520), (154_931_044, 155_260_560)),
        "Y": ((10_001, 2_649_520), (59_034_050, 59_363_566)),
    },
    "GRCh38": {
        "X": ((10_001, 2_781_479), (155_701_383, 156_030_895)),
        "Y": ((10_001, 2_781_479), (56_887_903, 57_217_415)),
    },
}


def outside_pars(build: GenomeBuild, chrom: str, pos: int) -> bool:
    """Whether ``chrom``:``pos`` (``chrom`` normalised, see :func:`normalise_chrom`) is on X or Y outside both
    pseudoautosomal regions of ``build``: where a male has a single copy."""
    regions = PSEUDOAUTOSOMAL_REGIONS[build].get(chrom)
    return regions is not None and not any(start <= pos <= end for start, end in regions)


# Symbolic ALT alleles of a breakend, whose other side is in INFO (CHR2 with POS2 or END2): VCF 4.2's <BND> and the
# older <TRA> (see genotype/_vcf.py, _BREAKEND_SYMBOLS).
_SYMBOLIC_BREAKENDS = frozenset({"<BND>", "<TRA>"})


@dataclass(frozen=True, slots=True)
class VariantCall:
    """One alternate allele carried by the proband, with the annotation of its chosen transcript.

    ``genotype`` is the proband's GT as written (``0/1``, ``1|0``, ``1/1``, ``1``). ``haplotype`` is 0 or 1
    for a phased heterozygous call (which side of the ``|`` carries this allele) and ``phase_set`` the PS
    value (or 0 when phased without PS); both are ``None`` for unphased calls. ``origin`` comes from the
    parents' genotypes when a PED file names them and they are in the VCF.

    ``other_genes`` holds the same allele seen in each further gene its annotation names (VEP/SnpEff: each
    gene of its entries, with that gene's own chosen transcript; gene table: each further overlapping gene),
    one call per gene, whose own ``other_genes`` is empty. Interpretation assesses the allele in every one of
    these genes, so a neighbouring gene's entry never hides the consequence in the gene that matters.

    ``copy_number`` is the proband's FORMAT ``CN`` when a ``<CNV>`` allele was read as a copy-number loss
    (CN 0 or 1; docs/genotype.md, "Copy-number losses"), else ``None``. ``copy_number_disputed`` says that
    its GT gave another zygosity (or did not carry the allele): ``zygosity`` is then the lower of the two.

    ``mate_id`` is the INFO ``MATEID`` of a breakend record (ALT in the VCF's breakend notation, ``N]chr2:500]``),
    as written. ``breakend_event`` names the rearrangement a breakend belongs to, the same for every record of it:
    the two mates of a breakend pair, linked by ``MATEID`` or by the ID their caller gives both, or all the
    records of one INFO ``EVENT``, or the nearby junctions of one reciprocal translocation that a caller such as
    DELLY writes without a link (docs/genotype.md, "Breakends"). Interpretation counts such records as one
    allele. Both are ``None`` for any other call; ``mate_id`` holds GRIDSS's INFO ``PARID`` where ``MATEID`` is
    absent. ``partner`` is the other side of the breakend's junction, ``chrom:pos`` (chromosome normalised), where
    the record gives it (the ALT's mate position, or INFO ``CHR2`` with ``POS2``/``END2``); for the view of a
    junction in the gene at that other side (see ``other_genes``) it is the record's own position, and the view's
    ``chrom`` and ``pos`` are the other side's.
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
    other_genes: tuple[VariantCall, ...] = ()
    copy_number: int | None = None
    copy_number_disputed: bool = False
    mate_id: str | None = None
    breakend_event: str | None = None
    partner: str | None = None
    # The last base a symbolic deletion (<DEL>, <CN0>, a <CNV> read as a loss) removes: its INFO END as written,
    # else POS + |SVLEN|; None for any other allele. It lets interpretation tell one deletion that two callers
    # wrote twice from two deletions (docs/genotype.md, "Overlapping deletions").
    end: int | None = None

    @property
    def key(self) -> str:
        """The allele's identity, ``chrom:pos:ref>alt``: records with one key are one allele.

        A symbolic breakend (``<BND>``, ``<TRA>``) names its other side in INFO, not in ALT, so two junctions at
        one position to different places would share ``chrom:pos:N><BND>``; its key adds the other side
        (``11:68045000:N><BND>>13:42580000``), or the event it belongs to where the record gives no other side.
        A breakend in the VCF's notation names the other side in ALT already.
        """
        key = f"{self.chrom}:{self.pos}:{self.ref}>{self.alt}"
        if self.alt in _SYMBOLIC_BREAKENDS:
            other = self.partner or self.breakend_event
            if other is not None:
                return f"{key}>{other}"
        return key


# A frozen dataclass sets each field through object.__setattr__, which makes VariantCall(...) cost about 4 µs, the
# largest single cost of reading an exome; its mutable twin (marbledx._frozen) stores the slots directly (under
# 1 µs). make_call() builds a twin and turns it into a VariantCall, frozen like any other.
_build_call = frozen_builder(VariantCall)


def make_call(
    chrom: str,
    pos: int,
    ref: str,
    alt: str,
    genotype: str,
    zygosity: Zygosity,
    gene: str | None,
    consequence: str | None,
    hgvs_c: str | None,
    hgvs_p: str | None,
    transcript: str | None,
    gnomad_af: float | None,
    clinvar: ClinvarSignificance | None,
    revel: float | None,
    cadd_phred: float | None,
    haplotype: int | None,
    phase_set: int | None,
    origin: ParentalOrigin,
    line: int | None,
    other_genes: tuple[VariantCall, ...] = (),
    copy_number: int | None = None,
    copy_number_disputed: bool = False,
    mate_id: str | None = None,
    breakend_event: str | None = None,
    partner: str | None = None,
    end: int | None = None,
) -> VariantCall:
    """``VariantCall(...)`` with every field given in order, built several times faster (see above)."""
    return _build_call(
        chrom, pos, ref, alt, genotype, zygosity, gene, consequence, hgvs_c, hgvs_p, transcript,
        gnomad_af, clinvar, revel, cadd_phred, haplotype, phase_set, origin, line, other_genes,
        copy_number, copy_number_disputed, mate_id, breakend_event, partner, end,
    )  # fmt: skip


class CallSequence(Sequence[VariantCall]):
    """The calls of a :class:`VcfReadResult`, some of them built only when first read.

    An immutable sequence that behaves like the tuple it stands for: indexing, iteration, ``len``, ``==`` with
    a tuple of the same calls, hashing. :func:`~marbledx.genotype.read_vcf` keeps common alleles that no
    interpretation rule can use in a compact form (see :attr:`VcfReadResult.calls_to_interpret`) and builds
    their :class:`VariantCall` the first time it is read, always the same call a full read would give.
    """

    __slots__ = ("_build", "_eager", "_items", "_pending")

    def __init__(
        self,
        items: list[Any],
        build: Callable[[Any], VariantCall] | None = None,
        eager: Sequence[VariantCall] | None = None,
    ) -> None:
        # items: VariantCall objects and, where build is given, the other items (plain tuples or numbers)
        # that build turns into calls; eager: the VariantCall objects among items, in order.
        self._items = items
        self._build = build
        self._eager: tuple[VariantCall, ...] = tuple(items) if eager is None else tuple(eager)
        self._pending = len(items) - len(self._eager)  # items still to build

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> VariantCall: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[VariantCall, ...]: ...

    def __getitem__(self, index: int | slice) -> VariantCall | tuple[VariantCall, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self._items))))
        item = self._items[index]
        if type(item) is not VariantCall and self._build is not None:
            item = self._items[index] = self._build(item)
            self._pending -= 1
        return cast("VariantCall", item)

    def __iter__(self) -> Iterator[VariantCall]:
        if self._pending:
            self._build_all()
        return iter(self._items)

    def _build_all(self) -> None:
        # Tens of thousands of new objects, none in a reference cycle: as during the read itself, the cyclic
        # garbage collector is paused rather than made to traverse them again and again.
        items, build = self._items, self._build
        if build is None:
            return
        enabled = gc.isenabled()
        gc.disable()
        try:
            for i, item in enumerate(items):
                if type(item) is not VariantCall:
                    items[i] = build(item)
        finally:
            if enabled:
                gc.enable()
        self._pending = 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CallSequence | tuple):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))

    @property
    def eager(self) -> tuple[VariantCall, ...]:
        """The calls built while reading: all but the common alleles set aside."""
        return self._eager


@dataclass(frozen=True)
class VcfReadResult:
    """What was read from one VCF for one proband.

    ``calls`` holds every alternate allele the proband carries, in file order, in records whose FILTER is
    ``PASS`` or ``.``; ``filtered_calls`` holds those of records the VCF's own filters rejected, which are
    never evidence for a disease (docs/genotype.md, "Input"). ``covered_genes`` is every gene symbol seen in
    any record that gives the proband a genotype (carried or not; a no-call ``./.`` tests nothing), which tells
    a targeted panel from an exome; ``genome_wide`` is
    the reader's judgement that the file is an exome or genome (records on many chromosomes and genes).
    ``frequency_annotated`` says whether the file has a gnomAD frequency source (a CSQ/ANN frequency column
    or an INFO frequency key): only then does a call without ``gnomad_af`` mean "absent from gnomAD" rather
    than "not looked up".
    """

    path: str
    build: GenomeBuild
    sample: str
    mode: AnnotationMode
    calls: Sequence[VariantCall]
    n_records: int
    covered_genes: frozenset[str]
    genome_wide: bool
    skipped_lines: tuple[int, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)
    frequency_annotated: bool = True
    filtered_calls: tuple[VariantCall, ...] = ()

    @property
    def calls_to_interpret(self) -> Sequence[VariantCall]:
        """The calls genotype interpretation can use, in file order; the others can be left unread.

        :func:`~marbledx.genotype.read_vcf` leaves out alleles more common in gnomAD than the highest
        rarity limit of any rule (``MAX_AF_RECESSIVE``, 0.5%) that carry no ClinVar significance: no rule
        counts them towards λ_b, lists them or lets them qualify. For ``calls`` given as a plain sequence,
        all of them.
        """
        calls = self.calls
        return calls.eager if isinstance(calls, CallSequence) else calls


def normalise_chrom(name: str) -> str:
    """Chromosome name without the ``chr`` prefix, mitochondria as ``MT`` (``chrX`` → ``X``, ``chrM`` → ``MT``).

    GRCh37 files from Ensembl/1000 Genomes write ``1``; GRCh38 files from UCSC-style pipelines write ``chr1``;
    lookups across a VCF, a ClinVar release and a gene table must agree on one form. NCBI's RefSeq names of the
    primary assembly's chromosomes (``NC_000011.10`` → ``11``, ``NC_000023.11`` → ``X``, ``NC_012920.1`` →
    ``MT``; the GRC assembly reports of GRCh37.p13 and GRCh38.p14, GCF_000001405.25 and .40) are read as the
    chromosome they name. Any other name (an alt, decoy, unplaced or HLA contig) is kept as written, without
    ``chr``: see :func:`primary_chromosome`.
    """
    if name[:3] == "NC_":
        return _REFSEQ_CHROMOSOMES.get(name.partition(".")[0], name)
    bare = name[3:] if name[:3].lower() == "chr" else name
    return "MT" if bare in {"M", "m", "MT"} else bare


# The nuclear chromosomes of the primary assembly of GRCh37 and GRCh38, as normalise_chrom names them.
NUCLEAR_CHROMOSOMES: frozenset[str] = frozenset([*(str(n) for n in range(1, 23)), "X", "Y"])
# RefSeq accessions (without version) of the primary assembly's chromosomes, the same in both builds
# (GCF_000001405.25 and GCF_000001405.40): NC_000001 to NC_000022, NC_000023 (X), NC_000024 (Y), NC_012920 (MT).
_REFSEQ_CHROMOSOMES: dict[str, str] = {
    **{f"NC_{n:06d}": str(n) for n in range(1, 23)},
    "NC_000023": "X",
    "NC_000024": "Y",
    "NC_012920": "MT",
}
# HGNC gives every gene of the mitochondrial genome a symbol starting "MT-" (MT-TL1, MT-ND5; Bruford et al. 2020,
# "Guidelines for human gene nomenclature", PMID:32747822), and no nuclear gene such a symbol.
_MITOCHONDRIAL_GENE_PREFIX = "MT-"


def primary_chromosome(chrom: str) -> bool:
    """Whether ``chrom`` (normalised, see :func:`normalise_chrom`) is a chromosome of the primary assembly: 1-22,
    X, Y or the mitochondrial genome (``MT``).

    Anything else is an alt haplotype (GRCh38 ``chr11_KI270827v1_alt``, GRCh37 ``HSCHR…``), a fix or novel patch,
    an unlocalised or unplaced scaffold (``chr11_KI270721v1_random``, ``chrUn_…``, GRCh37 ``GL000192.1``), a
    decoy (``hs37d5``, ``chrUn_JTFH01000001v1_decoy``), an HLA allele (``HLA-A*01:01:01:01``) or a virus
    (``chrEBV``) that an analysis set adds so that reads map there instead of to the chromosomes
    (docs/genotype.md, "Contigs outside the primary assembly").
    """
    return chrom in NUCLEAR_CHROMOSOMES or chrom == "MT"


def placed_in_gene(chrom: str, gene: str | None) -> bool:
    """Whether an allele on ``chrom`` (normalised) may be counted as an allele of ``gene``.

    A diagnostic laboratory reports a gene's alleles on the primary assembly: a call on an alt, decoy, unplaced or
    HLA contig is not one of the gene's alleles until it is lifted over to the primary chromosome and confirmed
    there (the GRC's alt loci are alternative sequences of a region, not a second copy of it; Schneider et al.
    2017, "Evaluation of GRCh38 and de novo haploid genome assemblies…", PMID:28396521). Counted beside the
    chromosome's alleles, an annotated copy of a gene on such a contig made a false second allele. An allele of
    the mitochondrial genome belongs only to a mitochondrial gene (symbol ``MT-…``), never to a nuclear one.
    """
    if chrom in NUCLEAR_CHROMOSOMES:
        return True
    return chrom == "MT" and gene is not None and gene.startswith(_MITOCHONDRIAL_GENE_PREFIX)


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
    (the weaker of the two, so evidence is never over-stated); a list mixing two of pathogenic, uncertain
    significance and benign terms (VEP writes ``benign&pathogenic``, ``uncertain_significance&benign``) →
    ``conflicting``, as ClinVar's own aggregate classification would be; unrelated values (``drug_response``, ``risk_factor``,
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
    # ClinVar's own aggregate rule: classifications that differ between pathogenic/likely pathogenic, uncertain
    # significance and likely benign/benign conflict (https://www.ncbi.nlm.nih.gov/clinvar/docs/clinsig/,
    # "Conflicting classifications of pathogenicity"). VEP's CLIN_SIG lists every submitted value
    # ("uncertain_significance&benign"), so uncertain next to either side is a conflict too, not the other side.
    # ("Uncertain_risk_allele", a risk term, is not a classification of pathogenicity.)
    uncertain = any("uncertain_significance" in part for part in parts)
    if (pathogenic and benign) or (uncertain and (pathogenic or benign)):
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
