"""Interpret the proband's variants by each disease's mechanism and turn them into a genotype likelihood ratio.

The model follows LIRICAL's genotype likelihood ratio (Robinson et al. 2020, PMID:32755546): the number of
qualifying alleles ``k`` found in a gene is Poisson-distributed, with mean ``λ_d`` (the alleles the mode of
inheritance needs: 2 for autosomal recessive, 1 for dominant) if the disease is caused by that gene, and with
mean ``λ_b`` (the background rate of such alleles in any gene) otherwise:

    LR = Pois(k; λ_d) / Pois(k; λ_b) = (λ_d / λ_b)^k · exp(-(λ_d - λ_b))

``k`` is the sum of the pathogenicity weights of the alleles that form a genotype fitting the mode. With no
qualifying genotype (nothing found, a single carrier allele, or two alleles in cis), the LR is, as in LIRICAL,
the chance that the test missed a causal allele for technical reasons: 5% per allele, so 1 - 0.95^n for the
n alleles the mode needs (0.05 for a dominant and 0.0975 for a recessive disease) when the file covers the
gene. Unlike LIRICAL, ``λ_b`` is estimated from the patient's own VCF (the
weighted count of rare qualifying-class alleles over the genes it covers), so it adapts to panels, exomes and
genomes without external gene-constraint tables. See docs/genotype.md for the parameters and their sources.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

from marbledx.genotype._model import (
    GenomeBuild,
    VariantCall,
    VariantClass,
    VcfReadResult,
    Zygosity,
    normalise_chrom,
    outside_pars,
    placed_in_gene,
)
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo

__all__ = [
    "MISSED_ALLELE_RATE",
    "AlleleAssessment",
    "DiseaseGenotype",
    "GeneRule",
    "GenotypeEvidence",
    "GenotypeModel",
    "Mode",
    "assess_gene",
    "variant_class",
]

FloatArray = npt.NDArray[np.float64]
Mode = Literal["AR", "AD", "XLR", "XLD", "YL"]
GenotypeStatus = Literal[
    "qualifying",
    "carrier",
    "in_cis",
    "no_qualifying_variant",
    # Only a call the VCF's own filters rejected, or an allele of unknown consequence, would complete a fitting
    # genotype: neither for nor against the disease.
    "unverified",
    "not_covered",
    "no_gene",
    "not_assessable",
]

# Sequence Ontology consequence terms (as VEP and SnpEff write them) for the variant classes.
# Null: the ACMG PVS1 list of predicted loss-of-function consequences (Richards et al. 2015, PMID:25741868;
# Abou Tayoun et al. 2018, PMID:30192042): nonsense, frameshift, canonical ±1/2 splice sites, loss of the
# initiation codon, single or multi-exon / whole-gene deletion. SnpEff's "initiator_codon_variant" is not on
# the list: SnpEff writes it for a start codon changed into another start codon, e.g. ATG to CTG
# (NON_SYNONYMOUS_START, impact LOW; SnpEff's effect table, https://pcingola.github.io/SnpEff/se_inputoutput/),
# which is not a loss of the initiation codon; a lost start codon is "start_lost" in both SnpEff and VEP. It
# falls in "other".
_NULL_TERMS = frozenset(
    {
        "transcript_ablation",
        "feature_ablation",
        "exon_loss_variant",
        "stop_gained",
        "frameshift_variant",
        "splice_acceptor_variant",
        "splice_donor_variant",
        "start_lost",
    }
)
_MISSENSE_TERMS = frozenset(
    {
        "missense_variant",
        "inframe_insertion",
        "inframe_deletion",
        "disruptive_inframe_insertion",
        "disruptive_inframe_deletion",
        "conservative_inframe_insertion",
        "conservative_inframe_deletion",
        "protein_altering_variant",
        "stop_lost",
    }
)

# Rarity: the highest gnomAD allele frequency at which an allele can still cause the disease. The thresholds
# follow the "maximum credible population allele frequency" reasoning of Whiffin et al. 2017 (PMID:28518168)
# for rare Mendelian disease; BA1 (stand-alone benign above 5%) is Richards et al. 2015 (PMID:25741868) as
# refined by ClinGen SVI (Ghosh et al. 2018, PMID:30311383).
MAX_AF_DOMINANT = 1e-4
MAX_AF_RECESSIVE = 5e-3
BA1_AF = 0.05

# Computational evidence: ClinGen-calibrated REVEL / CADD thresholds at supporting strength
# (Pejaver et al. 2022, PMID:36413997): PP3 REVEL ≥ 0.644 or CADD ≥ 25.3; BP4 REVEL ≤ 0.290 or CADD ≤ 22.7.
# One tool per allele, not both combined (the same paper's advice): REVEL when the VCF gives it, else CADD.
REVEL_PP3, REVEL_BP4 = 0.644, 0.290
CADD_PP3, CADD_BP4 = 25.3, 22.7

# Pathogenicity weights (model parameters, documented in docs/genotype.md): how much of "one causal allele"
# an allele of each evidence class counts for in k.
WEIGHT_CLINVAR_PATHOGENIC = 1.0
WEIGHT_CLINVAR_LIKELY_PATHOGENIC = 0.9
WEIGHT_NULL_LOF_MECHANISM = 1.0
WEIGHT_NULL_MECHANISM_UNSTATED = 0.8
WEIGHT_MISSENSE_PP3 = 0.8
WEIGHT_MISSENSE_UNSCORED = 0.5

# Background rate floor, and the number of human protein-coding genes used as the denominator for a
# genome-wide file (about 20,000: GENCODE, Frankish et al. 2019, PMID:30357393).
MIN_BACKGROUND_RATE = 0.005
# For targeted panels (model assumption, docs/genotype.md): several times the genome-wide per-gene estimate,
# so that a panel's few suspected genes do not get more genotype weight than an exome would give them.
TARGETED_BACKGROUND_RATE = 0.05
PROTEIN_CODING_GENES = 20_000

# HPO mode-of-inheritance terms → genotype modes (HPO, https://hpo.jax.org, "Mode of inheritance" branch).
_HPO_MODES: dict[str, tuple[Mode, ...]] = {
    "HP:0000007": ("AR",),  # Autosomal recessive inheritance
    "HP:0000006": ("AD",),  # Autosomal dominant inheritance
    "HP:0001419": ("XLR",),  # X-linked recessive inheritance
    "HP:0001423": ("XLD",),  # X-linked dominant inheritance
    "HP:0001417": ("XLR", "XLD"),  # X-linked inheritance (unspecified)
    "HP:0001450": ("YL",),  # Y-linked inheritance
}
# Modes a germline VCF cannot assess (somatic, mitochondrial, multifactorial, polygenic).
_HPO_NOT_ASSESSABLE = frozenset({"HP:0001427", "HP:0001428", "HP:0001426", "HP:0010982", "HP:0001442"})

# A haploid GT is the whole genotype only on a sex chromosome (a male's X or Y). On an autosome it is a caller's
# ploidy setting, and the allele is one allele: a lost second copy is shown only by its own deletion record.
_SEX_CHROMOSOMES = frozenset({"X", "Y"})
# Codes that keep an allele from qualifying whatever its consequence: too common, or benign in ClinVar.
_NEVER_QUALIFYING = frozenset({"BA1", "BS1", "BP6"})

_DISEASE_MEAN: dict[Mode, float] = {"AR": 2.0, "AD": 1.0, "XLR": 1.0, "XLD": 1.0, "YL": 1.0}

# Zygosities from the fewest copies of the allele they claim to the most: a heterozygous call is one allele; a
# haploid call ("1") is one copy, which on X or Y is the whole genotype and on an autosome one allele (see
# _genotype_for_mode); a homozygous call is two. When the repeats of one allele disagree, the lowest is read.
_ZYGOSITY_RANK: dict[Zygosity, int] = {"heterozygous": 0, "hemizygous": 1, "homozygous": 2}


def _disease_mean(mode: Mode, sex: str | None) -> float:
    """λ_d: the causal alleles the mode needs in this proband. X-linked recessive disease shows in hemizygous
    males, generally not in heterozygous females (HPO's definition of HP:0001419), so a female needs two
    alleles and is counted as for autosomal recessive disease."""
    if mode == "XLR" and sex == "female":
        return _DISEASE_MEAN["AR"]
    return _DISEASE_MEAN[mode]


# The chance that sequencing and calling miss one causal allele (coverage gaps, structural and deep-intronic
# variants): LIRICAL's estimate, 5% (Robinson et al. 2020, PMID:32755546; its GenotypeLikelihoodRatio).
MISSED_ALLELE_RATE = 0.05
_DOMINANT: frozenset[Mode] = frozenset({"AD", "XLD", "YL"})


# A structural deletion that removes part of a transcript: VEP writes "feature_truncation" for it, with
# "coding_sequence_variant" when coding sequence is among the bases removed (VEP's consequence table,
# https://www.ensembl.org/info/genome/variation/prediction/predicted_data.html). Such a deletion removes coding
# exons: a null allele in a gene whose mechanism is loss of function unless shown in-frame (ClinGen CNV guideline,
# Riggs et al. 2020, PMID:31690835, section 2; PVS1 for single or multi-exon deletions, Abou Tayoun et al. 2018,
# PMID:30192042), as a whole-gene deletion (transcript_ablation) and SnpEff's exon_loss_variant already are. A
# truncation with only intronic or UTR terms removes no coding sequence and stays "other".
_TRUNCATION = "feature_truncation"
_CODING_LOSS_TERMS = frozenset({"coding_sequence_variant", "exon_loss_variant"})
_IN_FRAME_TERMS = frozenset(
    {"inframe_deletion", "conservative_inframe_deletion", "disruptive_inframe_deletion"}
)


@functools.lru_cache(maxsize=4096)
def variant_class(consequence: str | None, deletion: bool = False) -> VariantClass:
    """``null``, ``missense`` (incl. in-frame) or ``other`` from "&"-joined SO consequence terms.

    ``deletion`` says that the allele is a symbolic deletion (``<DEL>``, :attr:`VariantCall.end` set): one whose
    terms say it truncates a transcript's coding sequence (``feature_truncation`` with ``coding_sequence_variant``
    or ``exon_loss_variant``) and not in-frame is then null, a partial deletion of coding exons.
    """
    if not consequence:
        return "other"
    terms = set(consequence.replace(",", "&").split("&"))
    if terms & _NULL_TERMS:
        return "null"
    if deletion and _TRUNCATION in terms and terms & _CODING_LOSS_TERMS and not terms & _IN_FRAME_TERMS:
        return "null"
    if terms & _MISSENSE_TERMS:
        return "missense"
    return "other"


@dataclass(frozen=True)
class GeneRule:
    """How one gene causes one disease: the modes of inheritance and whether null alleles count."""

    gene: str
    modes: tuple[Mode, ...]
    loss_of_function: bool | None = None
    monoallelic_null_silent: bool = False
    source: str = "HPO annotation"


@dataclass(frozen=True)
class AlleleAssessment:
    """One allele judged against one gene-disease rule and mode."""

    call: VariantCall
    variant_class: VariantClass
    acmg: tuple[str, ...]
    weight: float  # 0 when the allele does not qualify
    reason: str | None = None  # why it does not qualify
    # Kept from qualifying by the gene's mechanism (null alleles do not cause the disease), whatever ClinVar says.
    excluded_by_mechanism: bool = False

    def to_dict(self) -> dict[str, object]:
        c = self.call
        return {
            "gene": c.gene,
            "chrom": c.chrom,
            "pos": c.pos,
            "ref": c.ref,
            "alt": c.alt,
            "genotype": c.genotype,
            "hgvs_c": c.hgvs_c,
            "hgvs_p": c.hgvs_p,
            "consequence": c.consequence,
            "gnomad_af": c.gnomad_af,
            "clinvar": c.clinvar,
            "acmg": list(self.acmg),
            "class": self.variant_class,
        }


@dataclass(frozen=True)
class DiseaseGenotype:
    """The genotype evidence for one disease: its LR, the gene and mode behind it, and the alleles shown."""

    lr: float
    status: GenotypeStatus
    gene: str | None = None
    mode: Mode | None = None
    alleles: tuple[AlleleAssessment, ...] = ()
    note: str = ""


_NEUTRAL = DiseaseGenotype(1.0, "no_gene", note="no causal gene is known for this disease")


def _assess(call: VariantCall, rule: GeneRule, mode: Mode, frequency_known: bool = True) -> AlleleAssessment:
    """ACMG-style evidence codes and a pathogenicity weight for one allele under one rule and mode.

    Codes are evidence shown to the clinician (Richards et al. 2015, PMID:25741868), not a classification.
    ``frequency_known`` says whether the VCF has a gnomAD frequency source; without one, a call without a
    frequency is of unknown frequency, not absent from gnomAD.
    """
    cls = variant_class(call.consequence, call.end is not None)
    codes: list[str] = []
    dominant = mode in _DOMINANT
    max_af = MAX_AF_DOMINANT if dominant else MAX_AF_RECESSIVE
    af = call.gnomad_af
    reason: str | None = None
    weight = 0.0

    if af is not None and af > BA1_AF:
        codes.append("BA1")
        reason = f"gnomAD allele frequency {af:.3g} is above 5% (BA1)"
    elif af is not None and af > max_af:
        codes.append("BS1")
        reason = (
            f"gnomAD allele frequency {af:.3g} is too high for {_mode_words(mode)} disease (limit {max_af:g})"
        )
    elif af is not None or frequency_known:
        codes.append("PM2")
    # Else the VCF has no frequency source: the allele may be common, and "absent from gnomAD" (PM2) cannot be
    # claimed. It is still not excluded as common, so rarity stays unverified (the genotype note says so).

    if call.clinvar in {"pathogenic", "likely_pathogenic"}:
        codes.append("PP5")
    elif call.clinvar in {"benign", "likely_benign"}:
        codes.append("BP6")
        reason = reason or f"ClinVar classifies it {call.clinvar.replace('_', ' ')} (BP6)"

    null_counts = rule.loss_of_function is not False and not (dominant and rule.monoallelic_null_silent)
    if cls == "null" and rule.loss_of_function is True and null_counts:
        codes.insert(0, "PVS1")
    if cls != "null" and call.revel is not None:
        if call.revel >= REVEL_PP3:
            codes.append("PP3")
        elif call.revel <= REVEL_BP4:
            codes.append("BP4")
    elif cls != "null" and call.cadd_phred is not None:
        if call.cadd_phred >= CADD_PP3:
            codes.append("PP3")
        elif call.cadd_phred <= CADD_BP4:
            codes.append("BP4")
    if call.origin == "de_novo":
        # PS2 needs confirmed parentage; the PED and the parents' genotypes are the evidence shown.
        codes.append("PS2")

    # The mechanism comes before ClinVar. Where the knowledge base records that null alleles do not cause the
    # disease (CLCN7 in ADO2: dominant-negative, heterozygous nulls clinically silent, PMID:11741829; LRP5 in
    # ADO1: gain of function), a null allele cannot qualify whatever ClinVar says: ClinVar's pathogenic
    # classification of a null allele concerns a loss-of-function disease of the gene (for CLCN7, recessive
    # osteopetrosis). An allele of unknown consequence (no VEP/SnpEff annotation) cannot be told from a null
    # allele, so ClinVar cannot qualify it here either. Nor can a ClinVar-pathogenic allele that changes no
    # amino acid (splice region, intronic, synonymous, UTR): such an allele causes disease by disrupting
    # splicing or expression, that is as a loss of function (Richards et al. 2015, PMID:25741868, PVS1/PS3
    # discussion of splicing), which these mechanisms leave silent.
    clinvar_pathogenic = call.clinvar in {"pathogenic", "likely_pathogenic"}
    excluded = (
        reason is None
        and not null_counts
        and (cls == "null" or call.consequence is None or (cls == "other" and clinvar_pathogenic))
    )
    if excluded:
        reason = _mechanism_reason(call, rule, cls)
    elif reason is None:
        if call.clinvar == "pathogenic":
            weight = WEIGHT_CLINVAR_PATHOGENIC
        elif call.clinvar == "likely_pathogenic":
            weight = WEIGHT_CLINVAR_LIKELY_PATHOGENIC
        elif cls == "null":
            weight = WEIGHT_NULL_LOF_MECHANISM if rule.loss_of_function else WEIGHT_NULL_MECHANISM_UNSTATED
        elif cls == "missense":
            if "BP4" in codes:
                reason = "computational evidence suggests no impact (BP4)"
            else:
                weight = WEIGHT_MISSENSE_PP3 if "PP3" in codes else WEIGHT_MISSENSE_UNSCORED
        elif call.consequence is None:
            reason = "consequence unknown (the VCF has no VEP/SnpEff annotation); only ClinVar can qualify it"
        else:
            reason = "not a protein-changing or canonical-splice variant, and not pathogenic in ClinVar"
    return AlleleAssessment(call, cls, tuple(codes), weight, reason, excluded)


def _mechanism_reason(call: VariantCall, rule: GeneRule, cls: VariantClass) -> str:
    """Why a null allele, one of unknown consequence, or a ClinVar-pathogenic allele that changes no amino acid
    does not qualify where null alleles do not cause the disease; says what becomes of ClinVar's classification."""
    one_copy = " in one copy" if rule.monoallelic_null_silent and rule.loss_of_function is not False else ""
    reason = f"null alleles of {rule.gene} do not cause this disease{one_copy} ({rule.source})"
    if cls == "other" and call.consequence is not None:
        reason = (
            "it changes no amino acid, so a pathogenic effect would come through splicing or expression, as a "
            f"loss of function, and {reason}"
        )
    elif cls != "null":
        reason = (
            "consequence unknown (the VCF has no VEP/SnpEff annotation), so it cannot be told from a null "
            f"allele, and {reason}; annotate the VCF to assess it"
        )
    if call.clinvar in {"pathogenic", "likely_pathogenic"}:
        significance = call.clinvar.replace("_", " ")
        if cls == "null" or call.consequence is not None:
            kind = "a null allele" if cls == "null" else "such an allele"
            reason += (
                f"; ClinVar's {significance} classification (PP5) is not counted for this disease: for {kind} "
                f"it concerns a loss-of-function disease of {rule.gene}"
            )
        else:
            reason += f"; ClinVar's {significance} classification (PP5) is not counted for this disease"
    return reason


def _may_qualify(call: VariantCall) -> bool:
    """Cheap pre-filter: could this allele qualify under any rule (rare enough, not benign in ClinVar)?"""
    if call.clinvar in {"benign", "likely_benign"}:
        return False
    if call.clinvar in {"pathogenic", "likely_pathogenic"}:
        return call.gnomad_af is None or call.gnomad_af <= BA1_AF
    return (call.gnomad_af is None or call.gnomad_af <= MAX_AF_RECESSIVE) and variant_class(
        call.consequence, call.end is not None
    ) != "other"


def _considered(call: VariantCall) -> bool:
    """Whether a disease's genotype lists and assesses a call: an allele rare enough for a recessive disease, any
    allele ClinVar knows (so benign decoys are shown with BP6), and a rare allele of unknown consequence
    (gene-table mode); a common unclassified variant is neither."""
    unannotated = call.consequence is None and (call.gnomad_af is None or call.gnomad_af <= MAX_AF_RECESSIVE)
    return _may_qualify(call) or bool(call.clinvar) or unannotated


def _in_each_gene(calls: Iterable[VariantCall]) -> Iterator[VariantCall]:
    """Each call, followed by the same allele in each further gene it is in (``VariantCall.other_genes``).

    An allele is assessed in every gene its annotation names, each with that gene's own transcript, so a
    neighbouring gene's entry never hides its consequence in the gene that matters (docs/genotype.md).
    An allele on a contig outside the primary assembly, or of the mitochondrial genome in a nuclear gene, is in no
    gene (:func:`_placed`), as the reader already decides for the calls it reads.
    """
    for call in calls:
        if _placed(call):
            yield call
        for view in call.other_genes:
            if _placed(view):
                yield view


def _placed(call: VariantCall) -> bool:
    """Whether ``call`` may count as an allele of its gene: on a nuclear chromosome of the primary assembly, or on
    the mitochondrial genome in a mitochondrial gene (:func:`~marbledx.genotype._model.placed_in_gene`). A call
    on an alt, decoy, unplaced or HLA contig is not one of a gene's alleles without liftover to the primary
    assembly (docs/genotype.md, "Contigs outside the primary assembly")."""
    return placed_in_gene(normalise_chrom(call.chrom), call.gene)


def _mode_words(mode: Mode) -> str:
    return {
        "AR": "an autosomal recessive",
        "AD": "an autosomal dominant",
        "XLR": "an X-linked recessive",
        "XLD": "an X-linked dominant",
        "YL": "a Y-linked",
    }[mode]


def _in_cis(a: VariantCall, b: VariantCall) -> bool:
    """Whether two heterozygous alleles are shown to be on the same haplotype (phased, or from one parent)."""
    return _cis_link(a, b) is not None


# What keeps two qualifying alleles from forming a recessive genotype: they are one allele (the same key, as
# in two records of a merged file), come from one parent, or lie on one haplotype of one phase set.
_PairBar = Literal["key", "origin", "phase"]


def _cis_link(a: VariantCall, b: VariantCall) -> Literal["origin", "phase"] | None:
    """What shows two alleles to be in cis: one parent (``"origin"``), one haplotype of one phase set
    (``"phase"``), or nothing (``None``). Symmetric in ``a`` and ``b``."""
    if a.origin in {"paternal", "maternal"} and a.origin == b.origin:
        return "origin"
    if (
        a.haplotype is not None
        and b.haplotype is not None
        and a.phase_set is not None
        and a.phase_set == b.phase_set
        and a.haplotype == b.haplotype
    ):
        return "phase"
    return None


def _pair_bar(a: VariantCall, b: VariantCall) -> _PairBar | None:
    """What keeps ``a`` and ``b`` from pairing in a recessive genotype, or ``None`` when they pair."""
    if a.key == b.key:
        return "key"
    return _cis_link(a, b)


def _bar_value(call: VariantCall, bar: _PairBar) -> object:
    """The value of ``call`` that ``bar`` compares: two alleles are barred by ``bar`` only when these are equal."""
    if bar == "key":
        return call.key
    if bar == "origin":
        return call.origin
    return (call.phase_set, call.haplotype)


def _bars_of(call: VariantCall) -> Iterator[_PairBar]:
    """The bars by which ``call`` can keep another allele from pairing with it: its key always, its origin only
    when it is one parent's, its phase only when it is phased (see :func:`_cis_link`)."""
    yield "key"
    if call.origin in {"paternal", "maternal"}:
        yield "origin"
    if call.haplotype is not None and call.phase_set is not None:
        yield "phase"


class _Partners:
    """The alleles seen so far (the heavier ones), arranged so that the first of them (in weight order) that
    pairs with a new allele is found in at most four steps, however many alleles there are.

    A node holds the first allele added to it. For each bar by which that allele could keep a partner away
    (:func:`_bars_of`), a child holds the later alleles that differ from it in that bar's value, so they cannot
    be barred the same way. When a new allele cannot pair with a node's allele, it is barred by one bar, whose
    value the two then share, and any allele that pairs with it must differ there: it is in that child, and
    the child's first partner is the node's first partner. A child never splits on its parents' bars (its
    alleles cannot be barred by them), so the tree is at most four levels deep and sixteen nodes large. A
    plain scan instead checks every earlier allele, which takes a number of steps that grows with the square
    of the alleles when many are in cis (one phase set) or repeated (docs/genotype.md, "Which two alleles").
    """

    __slots__ = ("_bars", "_children", "_first", "_index")

    def __init__(self, bars: frozenset[_PairBar] = frozenset({"key", "origin", "phase"})) -> None:
        self._bars = bars
        self._first: VariantCall | None = None
        self._index = -1
        self._children: dict[_PairBar, _Partners] = {}

    def add(self, index: int, call: VariantCall) -> None:
        """Add the allele at ``index`` of the weight order (added in that order)."""
        first = self._first
        if first is None:
            self._first, self._index = call, index
            return
        for bar in _bars_of(first):
            if bar in self._bars and _bar_value(call, bar) != _bar_value(first, bar):
                child = self._children.get(bar)
                if child is None:
                    child = self._children[bar] = _Partners(self._bars - {bar})
                child.add(index, call)

    def first_partner(self, call: VariantCall) -> int | None:
        """The index of the first allele added that pairs with ``call``, or ``None`` when none does."""
        node: _Partners | None = self
        while node is not None and node._first is not None:
            bar = _pair_bar(node._first, call)
            if bar is None:
                return node._index
            node = node._children.get(bar)
        return None


def _missed_lr(mean_disease: float) -> float:
    """P(no fitting genotype | disease) when the test misses each of the λ_d causal alleles with rate ε."""
    return float(1.0 - (1.0 - MISSED_ALLELE_RATE) ** mean_disease)


def _genotype_lr(k: float, mean_disease: float, mean_background: float) -> float:
    """The genotype LR of one gene and mode: ``k`` weighted qualifying alleles, ``mean_disease`` (λ_d) of them
    expected with the disease, ``mean_background`` (λ_b) without it.

    With a qualifying genotype (``k > 0``) it is the Poisson ratio Pois(k; λ_d) / Pois(k; λ_b). Without one,
    the patient may still have the disease if the test missed an allele: P = 1 - (1 - ε)^λ_d with ε the
    missed-allele rate, against P ≈ 1 without the disease. A single carrier allele falls in this case too, so
    it never counts for a recessive disease (docs/genotype.md).
    """
    if k <= 0:
        return _missed_lr(mean_disease)
    return float(math.exp(k * math.log(mean_disease / mean_background) - (mean_disease - mean_background)))


def _needs_two_alleles(mode: Mode, sex: str | None) -> bool:
    """Whether a genotype fitting ``mode`` may need two heterozygous alleles: not for a dominant mode, nor for a
    male's X-linked recessive one (one allele on his single X)."""
    return not (mode in _DOMINANT or (mode == "XLR" and sex == "male"))


def _genotype_for_mode(
    assessed: list[AlleleAssessment], mode: Mode, sex: str | None
) -> tuple[float, tuple[AlleleAssessment, ...], GenotypeStatus, str | None]:
    """The weighted allele count ``k`` of the best genotype fitting ``mode``, its alleles, its status, and a
    remark on how it was counted (or ``None``)."""
    qualifying = sorted((a for a in assessed if a.weight > 0), key=lambda a: -a.weight)
    if not qualifying:
        return 0.0, (), "no_qualifying_variant", None
    if not _needs_two_alleles(mode, sex):
        best = qualifying[0]
        return best.weight, (best,), "qualifying", None
    if mode == "XLR" and sex is None:
        # The sex is not given. A haploid GT ("1") shows a single X, so it is one allele, as in a male. A diploid
        # 1/1 may be a male's single X written as diploid (most callers do) or a female's two copies; it is
        # counted once, the conservative reading, since λ_d is one allele (docs/genotype.md).
        for allele in qualifying:
            if allele.call.zygosity == "hemizygous":
                return allele.weight, (allele,), "qualifying", None
            if allele.call.zygosity == "homozygous":
                name = allele.call.hgvs_c or allele.call.key
                remark = (
                    f"{name} is called homozygous (1/1) on X and the sex is not given, so it is counted once, "
                    "as one allele"
                )
                return allele.weight, (allele,), "qualifying", remark
    for allele in qualifying:  # recessive: homozygous (or hemizygous on X or Y) qualifying allele
        if allele.call.zygosity == "homozygous" or (
            allele.call.zygosity == "hemizygous" and allele.call.chrom in _SEX_CHROMOSOMES
        ):
            return 2 * allele.weight, (allele,), "qualifying", None
    best_pair = _best_pair(qualifying)
    if best_pair is not None:
        return best_pair[0].weight + best_pair[1].weight, best_pair, "qualifying", None
    # No two alleles pair, so every two with different keys are in cis: "in cis" when there are two such.
    cis_seen = any(a.call.key != qualifying[0].call.key for a in qualifying)
    return 0.0, (qualifying[0],), "in_cis" if cis_seen else "carrier", None


def _best_pair(qualifying: Sequence[AlleleAssessment]) -> tuple[AlleleAssessment, AlleleAssessment] | None:
    """The two alleles of a compound heterozygote with the largest summed weight, or ``None`` when no two pair.

    ``qualifying`` is sorted by weight, heaviest first. Two alleles pair when they are not one allele (the same
    key) and not shown to be in cis (:func:`_in_cis`). Of pairs with equal sums, the first in the order of the
    plain double loop over (first, second) wins: the smallest first index, then the smallest second.

    The plain double loop checks every pair: about half a million for 1,000 alleles in one gene (a badly
    filtered or hostile file), once per disease and mode. Here each allele, taken as the second of a pair,
    finds the heaviest earlier allele it pairs with in a few steps (:class:`_Partners`); that allele gives the
    largest sum with it, since the weights only fall. The search stops once even the heaviest allele with the
    current second could not beat the best pair found, as the seconds still to come are no heavier.
    """
    partners = _Partners()
    top = qualifying[0].weight
    best: tuple[int, int] | None = None
    best_sum = 0.0
    for j, second in enumerate(qualifying):
        if best is not None:
            bound = top + second.weight
            if bound < best_sum or (bound == best_sum and best[0] == 0):
                break
        i = partners.first_partner(second.call)
        if i is not None:
            total = qualifying[i].weight + second.weight
            if best is None or total > best_sum or (total == best_sum and i < best[0]):
                best, best_sum = (i, j), total
        partners.add(j, second.call)
    return None if best is None else (qualifying[best[0]], qualifying[best[1]])


@dataclass
class GenotypeEvidence:
    """Genotype log-LRs over all diseases of a model, with the per-disease detail for those with calls."""

    vcf: VcfReadResult
    log_lr: FloatArray
    background_rate: float
    detail: dict[int, DiseaseGenotype] = field(default_factory=dict)
    default: dict[int, DiseaseGenotype] = field(default_factory=dict)

    def for_row(self, row: int) -> DiseaseGenotype:
        return self.detail.get(row) or self.default.get(row, _NEUTRAL)


class GenotypeModel:
    """Gene-disease rules for every disease of a release, from the knowledge base where it has the disease
    (with its mechanism) and from the HPO gene links and inheritance annotations otherwise."""

    def __init__(self, hpo: Hpo, kb: KnowledgeBase, disease_ids: Sequence[str]) -> None:
        annotations = hpo.annotations
        self.disease_ids = list(disease_ids)
        gene_modes: dict[str, set[Mode]] = defaultdict(set)
        hpo_rules: list[tuple[list[str], tuple[Mode, ...] | None, bool]] = []
        inheritance = annotations.inheritance_by_disease()
        for disease_id in self.disease_ids:
            genes = annotations.genes_for(disease_id) if disease_id in annotations else []
            terms = inheritance.get(disease_id, [])
            modes = tuple(dict.fromkeys(m for t in terms for m in _HPO_MODES.get(t, ())))
            assessable = not (terms and not modes and any(t in _HPO_NOT_ASSESSABLE for t in terms))
            hpo_rules.append((genes, modes or None, assessable))
            for gene in genes:
                gene_modes[gene].update(modes)
        self.rules: list[tuple[GeneRule, ...]] = []
        self.assessable: list[bool] = []
        for disease_id, (genes, annotated_modes, assessable) in zip(self.disease_ids, hpo_rules, strict=True):
            kb_rules = _knowledge_rules(kb, disease_id)
            if kb_rules is not None:
                self.rules.append(kb_rules)
                self.assessable.append(True)
                continue
            rules = []
            for gene in genes:
                # No inheritance annotated (common for Orphanet entries): borrow the modes annotated to the
                # gene's other diseases; if none, both recessive and dominant readings are tried.
                gene_fallback: tuple[Mode, ...] = tuple(sorted(gene_modes.get(gene, set()))) or ("AR", "AD")
                rules.append(GeneRule(gene, annotated_modes or gene_fallback))
            self.rules.append(tuple(rules))
            self.assessable.append(assessable)
        # A gene-level fact from the knowledge base (heterozygous CLCN7 null alleles are silent,
        # PMID:11741829) holds for every disease of that gene, not only the entities the KB describes.
        silent = {
            g.symbol for e in kb.entities for g in e.genes if g.monoallelic_null_silent and not g.unverified
        }
        self.rules = [
            tuple(
                GeneRule(r.gene, r.modes, r.loss_of_function, True, r.source)
                if r.gene in silent and not r.monoallelic_null_silent
                else r
                for r in rules_of_row
            )
            for rules_of_row in self.rules
        ]
        self._rows_by_gene: dict[str, list[int]] = defaultdict(list)
        for row, rules_of_row in enumerate(self.rules):
            for rule in rules_of_row:
                self._rows_by_gene[rule.gene].append(row)

    def rows_for_gene(self, gene: str) -> list[int]:
        return self._rows_by_gene.get(gene, [])

    def background_rate(self, vcf: VcfReadResult) -> float:
        """λ_b: rare qualifying-class alleles expected per gene in someone without the disease.

        For an exome or genome it is estimated from the patient's own file (weighted alleles over 20,000
        genes), floored. An allele that several records of the file repeat counts once in each of its genes,
        as in the genotype of a gene (:func:`_one_call_per_allele`). A targeted panel is too small to estimate
        it (its few genes were chosen because they are suspected), so a fixed, deliberately high rate is used
        to avoid over-weighting panels.
        """
        if not vcf.genome_wide:
            return TARGETED_BACKGROUND_RATE
        generic = GeneRule("*", ("AR",))
        # The calls a gene's genotype would consider, each allele once per gene, as there (assess_gene).
        considered = (c for c in _in_each_gene(vcf.calls_to_interpret) if c.gene and _considered(c))
        total = sum(
            _assess(call, generic, "AR").weight
            for call in _one_call_per_allele(considered)
            if _may_qualify(call)
        )
        genes = max(len(vcf.covered_genes), PROTEIN_CODING_GENES)
        return max(MIN_BACKGROUND_RATE, total / genes)

    def evaluate(self, vcf: VcfReadResult, sex: str | None) -> GenotypeEvidence:
        """Genotype evidence for every disease from one proband's calls."""
        rate = self.background_rate(vcf)
        n = len(self.rules)
        log_lr = np.zeros(n)
        evidence = GenotypeEvidence(vcf, log_lr, rate)
        calls_by_gene: dict[str, list[VariantCall]] = defaultdict(list)
        for call in _in_each_gene(vcf.calls_to_interpret):
            if call.gene and call.gene in self._rows_by_gene and _considered(call):
                calls_by_gene[call.gene].append(call)
        # Calls the VCF's own filters rejected: never evidence for a disease, but one that could qualify keeps
        # its gene from being counted against the disease (assess_gene).
        filtered_by_gene: dict[str, list[VariantCall]] = defaultdict(list)
        for call in _in_each_gene(vcf.filtered_calls):
            if call.gene and call.gene in self._rows_by_gene and _may_qualify(call):
                filtered_by_gene[call.gene].append(call)
        touched = {row for gene in (*calls_by_gene, *filtered_by_gene) for row in self.rows_for_gene(gene)}
        # A gene's reading depends only on its rule and this VCF's calls, so diseases that share a rule (the HPO
        # links of one gene with one mode) share it, instead of assessing every allele of the gene again.
        by_rule: dict[GeneRule, DiseaseGenotype] = {}
        for row, rules in enumerate(self.rules):
            if not rules:
                continue
            if not self.assessable[row]:
                evidence.default[row] = DiseaseGenotype(
                    1.0,
                    "not_assessable",
                    note="the mode of inheritance cannot be assessed from a germline VCF",
                )
                continue
            covered = [r for r in rules if vcf.genome_wide or r.gene in vcf.covered_genes]
            if row not in touched:
                result = self._no_variant(rules, covered, sex)
                evidence.default[row] = result
                log_lr[row] = math.log(result.lr)
                continue
            result = self._evaluate_row(
                rules,
                covered,
                calls_by_gene,
                filtered_by_gene,
                rate,
                sex,
                vcf.frequency_annotated,
                consequence_inferred=vcf.mode == "gene-table",
                by_rule=by_rule,
                build=vcf.build,
            )
            evidence.detail[row] = result
            log_lr[row] = math.log(result.lr)
        return evidence

    @staticmethod
    def _no_variant(rules: tuple[GeneRule, ...], covered: list[GeneRule], sex: str | None) -> DiseaseGenotype:
        """No allele of the proband in any of the disease's genes: the same averages as with calls."""
        if not covered:
            missing = ", ".join(r.gene for r in rules)
            return DiseaseGenotype(1.0, "not_covered", note=f"the VCF does not cover {missing}")
        per_gene = [sum(_missed_lr(_disease_mean(m, sex)) for m in r.modes) / len(r.modes) for r in covered]
        lr = (sum(per_gene) + (len(rules) - len(covered))) / len(rules)
        genes = ", ".join(r.gene for r in covered)
        note = f"no qualifying variant in {genes}"
        if len(covered) < len(rules):
            note += "; the VCF does not cover " + ", ".join(r.gene for r in rules if r not in covered)
        return DiseaseGenotype(lr, "no_qualifying_variant", note=note)

    def _evaluate_row(
        self,
        rules: tuple[GeneRule, ...],
        covered: list[GeneRule],
        calls_by_gene: dict[str, list[VariantCall]],
        filtered_by_gene: dict[str, list[VariantCall]],
        rate: float,
        sex: str | None,
        frequency_known: bool,
        *,
        consequence_inferred: bool = False,
        by_rule: dict[GeneRule, DiseaseGenotype] | None = None,
        build: GenomeBuild | None = None,
    ) -> DiseaseGenotype:
        """The genotype evidence of one disease from its covered genes' readings. ``by_rule`` keeps the reading
        of each rule already assessed against these calls (the other arguments being the same), for reuse."""
        # P(genotype | disease) averages over the disease's genes (each equally likely to be the cause), so
        # an umbrella entry with many genes gets a share of a gene's evidence, not all of it.
        cache: dict[GeneRule, DiseaseGenotype] = {} if by_rule is None else by_rule
        per_gene = []
        for r in covered:
            reading = cache.get(r)
            if reading is None:
                reading = cache[r] = assess_gene(
                    r,
                    calls_by_gene.get(r.gene, []),
                    sex=sex,
                    background_rate=rate,
                    frequency_known=frequency_known,
                    filtered=filtered_by_gene.get(r.gene, ()),
                    consequence_inferred=consequence_inferred,
                    build=build,
                )
            per_gene.append(reading)
        best = max(per_gene, key=lambda g: g.lr)
        lr = sum(g.lr for g in per_gene) / len(per_gene)
        if len(covered) < len(rules):
            uncovered = ", ".join(r.gene for r in rules if r not in covered)
            lr = (lr * len(covered) + (len(rules) - len(covered))) / len(rules)
            note = f"{best.note}; the VCF does not cover {uncovered}"
            return DiseaseGenotype(lr, best.status, best.gene, best.mode, best.alleles, note)
        if len(per_gene) > 1:
            note = f"{best.note} (1 of {len(per_gene)} genes of this disease)"
            return DiseaseGenotype(lr, best.status, best.gene, best.mode, best.alleles, note)
        return best


def assess_gene(
    rule: GeneRule,
    calls: Sequence[VariantCall],
    *,
    sex: str | None,
    background_rate: float,
    frequency_known: bool = True,
    filtered: Sequence[VariantCall] = (),
    consequence_inferred: bool = False,
    build: GenomeBuild | None = None,
) -> DiseaseGenotype:
    """The genotype evidence one gene gives its disease: the best reading over the rule's modes.

    ``calls`` are the proband's alleles in ``rule.gene``; ``background_rate`` is λ_b. ``frequency_known``
    says whether the VCF has a gnomAD frequency source (:attr:`VcfReadResult.frequency_annotated`).
    ``filtered`` are alleles in the gene whose calls the VCF's own filters rejected: never evidence for the
    disease, but when one would complete a fitting genotype the gene is not counted against it (LR 1).
    ``consequence_inferred`` says that the calls' consequences were not annotated but inferred by the reader
    (gene-table mode, where only a deletion of the whole gene gets one: ``transcript_ablation``); the note
    then says so for each such allele shown. An allele that ``calls`` repeat with different zygosities (two
    records of one VCF) counts once, at the lowest, and one they repeat with different phases counts once,
    unphased; the note names each (:func:`_one_genotype_per_allele`). The records of one breakend event (the
    two mates of a breakend pair) count as one allele (:func:`_one_call_per_breakend`).

    ``build`` is the VCF's genome build. With it, a male's heterozygous call on X or Y outside the pseudoautosomal
    regions, where he has one copy, is not counted; when it would complete a fitting genotype the gene is neutral
    (LR 1), as with a rejected call (:func:`_male_heterozygous_note`).
    """
    contig_remarks = [
        f"{c.hgvs_c or c.key} at {c.chrom}:{c.pos}"
        + ("" if c.line is None else f" (line {c.line})")
        + f": on a contig outside the primary assembly, not counted as an allele of {rule.gene}; lift it over to "
        "the primary assembly and confirm it there"
        for c in calls
        if not _placed(c)
    ]
    if contig_remarks:
        # Calls given here directly (the reader never gives such a call; see _in_each_gene).
        calls = [c for c in calls if _placed(c)]
    filtered = [c for c in filtered if _placed(c)]
    calls, breakend_remarks = _one_call_per_breakend(calls)
    breakend_remarks[:0] = contig_remarks
    calls, change_remarks = _one_call_per_change(calls)
    breakend_remarks.extend(change_remarks)
    calls, deletion_remarks = _one_call_per_deletion(calls)
    breakend_remarks.extend(deletion_remarks)
    # A mate of an event already counted adds nothing, whatever its FILTER.
    counted = {c.breakend_event for c in calls if c.breakend_event is not None}
    filtered, _ = _one_call_per_breakend([c for c in filtered if c.breakend_event not in counted])
    calls, conflicts, phase_conflicts = _one_genotype_per_allele(calls)
    conflicts[:0] = breakend_remarks + _junction_remarks(calls, rule.gene)
    conflicts.extend(_copy_number_remarks(calls))
    conflicts.extend(_rejected_disagreements(calls, filtered))
    doubtful: list[VariantCall] = []
    if sex == "male" and build is not None:
        # After the repeats of an allele are merged, so that one read at the lower zygosity (0/1 beside 1/1) is
        # doubtful too.
        doubtful = [c for c in calls if c.zygosity == "heterozygous" and outside_pars(build, c.chrom, c.pos)]
        if doubtful:
            calls = [c for c in calls if not any(c is d for d in doubtful)]
    readings = []
    for mode in rule.modes:
        assessed = [_assess(c, rule, mode, frequency_known) for c in calls]
        k, alleles, status, remark = _genotype_for_mode(assessed, mode, sex)
        lr = _genotype_lr(k, _disease_mean(mode, sex), background_rate)
        note = _status_note(status, rule, mode, alleles)
        if status != "qualifying" and filtered:
            # The allele of a rejected call may still be real (the filters judge the call, not the variant), so
            # "looked at and nothing found" would over-state the evidence against the disease: neutral instead.
            rejected = [_assess(c, rule, mode, frequency_known) for c in filtered]
            _, would, would_status, _ = _genotype_for_mode(assessed + rejected, mode, sex)
            if would_status == "qualifying":
                names = ", ".join(a.call.hgvs_c or a.call.key for a in would if a in rejected)
                lr, status = 1.0, "unverified"
                note = (
                    f"{rule.gene}: a genotype fitting {_mode_words(mode)} mode would need {names}, whose call "
                    "the VCF's own filters rejected (FILTER not PASS): counted neither for nor against the disease"
                )
        if status not in {"qualifying", "unverified"} and doubtful:
            doubted_note = _male_heterozygous_note(rule, mode, sex, assessed, doubtful, frequency_known)
            if doubted_note is not None:
                lr, status, note = 1.0, "unverified", doubted_note
        # An allele of unknown consequence (gene-table mode) may be a null or missense allele: "looked at and
        # nothing found" would count it as harmless, so a gene where it would complete a fitting genotype is
        # neutral, as with a rejected call above.
        if status not in {"qualifying", "unverified"} and any(_consequence_unknown(a) for a in assessed):
            as_if = [replace(a, weight=1.0) if _consequence_unknown(a) else a for a in assessed]
            _, would, would_status, _ = _genotype_for_mode(as_if, mode, sex)
            unknown = [a.call.hgvs_c or a.call.key for a in would if _consequence_unknown(a, 1.0)]
            if would_status == "qualifying" and unknown:
                lr, status = 1.0, "unverified"
                note = (
                    f"{rule.gene}: a genotype fitting {_mode_words(mode)} mode would need {', '.join(unknown)}, "
                    "whose consequence is unknown (the VCF has no VEP/SnpEff annotation): counted neither "
                    "for nor against the disease; annotate the VCF to assess it"
                )
        remarks = [remark] if remark else []
        remarks.extend(conflicts)
        if _needs_two_alleles(mode, sex):
            # Phase decides cis or trans only where a genotype needs two alleles.
            remarks.extend(phase_conflicts)
        if status != "qualifying":
            # A ClinVar pathogenic allele that the gene's mechanism keeps from qualifying: say why.
            remarks.extend(
                f"{a.call.hgvs_c or a.call.key}: {a.reason}"
                for a in assessed
                if a.excluded_by_mechanism and "PP5" in a.acmg
            )
        if consequence_inferred:
            # Gene-table mode: a consequence there was inferred from a deletion's span, not annotated, and the
            # user must be able to tell (docs/genotype.md, "Unannotated VCFs").
            remarks.extend(
                f"{a.call.hgvs_c or a.call.key}: taken as a deletion of the whole of {rule.gene} "
                f"({a.call.consequence}), inferred from the record's span and the gene-region table, not "
                "from a transcript annotation"
                for a in assessed
                if a.call.consequence is not None
            )
        if not frequency_known and any(a.call.gnomad_af is None for a in alleles):
            remarks.append(
                "gnomAD frequency not annotated in the VCF, so rarity is unverified (the alleles were taken "
                "as rare)"
            )
        if remarks:
            note = "; ".join([note, *remarks])
        readings.append(DiseaseGenotype(lr, status, rule.gene, mode, tuple(assessed), note))
    if not readings:
        msg = f"gene rule for {rule.gene} has no mode of inheritance"
        raise ValueError(msg)
    # Several modes are alternative readings of one gene, equally likely a priori: average them.
    best = max(readings, key=lambda g: g.lr)
    if len(readings) == 1:
        return best
    lr = sum(g.lr for g in readings) / len(readings)
    return DiseaseGenotype(lr, best.status, best.gene, best.mode, best.alleles, best.note)


def _male_heterozygous_note(
    rule: GeneRule,
    mode: Mode,
    sex: str | None,
    assessed: list[AlleleAssessment],
    doubtful: Sequence[VariantCall],
    frequency_known: bool,
) -> str | None:
    """The note of a gene where a genotype fitting ``mode`` would need a male's ``doubtful`` call, else ``None``.

    ``doubtful`` are heterozygous calls on a male's X or Y outside the pseudoautosomal regions (PAR1 and PAR2, as
    the GRC defines them, https://www.ncbi.nlm.nih.gov/grc/human), where he has a single copy. Such a call cannot
    be his single copy as written. It may be somatic mosaicism or an extra X (the few males with incontinentia
    pigmenti, an IKBKG disease that hemizygous males do not survive, have had a 47,XXY karyotype or somatic
    mosaicism: GeneReviews, Incontinentia Pigmenti, https://www.ncbi.nlm.nih.gov/books/NBK1472/), where the
    variant is real but not in every cell or not on his only X; or
    reads from a similar sequence elsewhere (IKBKG's pseudogene IKBKGP1 lies in a duplication beside it and has
    misled its diagnosis, Bardaro et al. 2003, DOI:10.1002/humu.10150), where it is not there at all. Counted as
    hemizygous, it gave the full LR of a qualifying genotype; counted as absent, it would have counted the gene
    against the disease. Advice must never claim more certainty than the evidence, so neither: as with a call the
    VCF's own filters rejected, the gene is neutral (LR 1) when the call would complete a fitting genotype, and
    the note asks for confirmation by another method (Lincoln et al. 2019, PMID:30610921). An allele of unknown
    consequence is taken as able to qualify here, as it is when it is the only thing missing.
    """
    as_if = [replace(a, weight=1.0) if _consequence_unknown(a) else a for a in assessed]
    doubted = [_assess(c, rule, mode, frequency_known) for c in doubtful]
    doubted = [replace(a, weight=1.0) if _consequence_unknown(a) else a for a in doubted]
    _, would, would_status, _ = _genotype_for_mode(as_if + doubted, mode, sex)
    needed = [a.call for a in would if any(a is d for d in doubted)]
    if would_status != "qualifying" or not needed:
        return None
    names = ", ".join(
        f"{c.hgvs_c} ({c.genotype} at {c.chrom}:{c.pos})" if c.hgvs_c else f"{c.key} ({c.genotype})"
        for c in needed
    )
    return (
        f"{rule.gene}: a genotype fitting {_mode_words(mode)} mode would need {names}, a heterozygous call on a "
        "male's X or Y outside the pseudoautosomal regions, where he has one copy: it may be mosaicism, an extra X "
        "(such as 47,XXY), a mapping artefact from a similar sequence (IKBKG has a pseudogene, IKBKGP1) or a "
        "contaminated sample, so it is counted neither for nor against the disease; confirm it by another method"
    )


def _one_call_per_breakend(calls: Sequence[VariantCall]) -> tuple[Sequence[VariantCall], list[str]]:
    """The calls of one gene with the records of each breakend event kept as one call, and a remark for each.

    A junction between two places is written as two breakend records, one at each side, linked by ``MATEID``
    (VCF 4.2, section 5.4), and a larger rearrangement as several, linked by ``EVENT``
    (:attr:`VariantCall.breakend_event`). When both sides fall in one gene, the records are one event on one
    haplotype (on both for a homozygous GT), not two alleles: counted as two, a pair in a recessive gene looked
    like a compound heterozygote. So one call stands for them, in the first record's place. Where their GTs
    differ it is the lowest zygosity, and it keeps a phase or a parent only where every record gives the same
    (:func:`_merged_repeats`), as for an allele that two records repeat.
    """
    by_event: dict[str, list[VariantCall]] = defaultdict(list)
    for call in calls:
        if call.breakend_event is not None:
            by_event[call.breakend_event].append(call)
    if all(len(records) < 2 for records in by_event.values()):
        return calls, []
    chosen: dict[str, VariantCall] = {}
    remarks: list[str] = []
    for event, records in by_event.items():
        if len(records) < 2:
            continue
        zygosities = {c.zygosity for c in records}
        lowest = min(_ZYGOSITY_RANK[z] for z in zygosities)
        kept = chosen[event] = _merged_repeats([c for c in records if _ZYGOSITY_RANK[c.zygosity] == lowest])
        given = ", ".join(
            f"{c.chrom}:{c.pos} {c.genotype}" + ("" if c.line is None else f" at line {c.line}")
            for c in records
        )
        remark = (
            f"{kept.hgvs_c or kept.key}: the {len(records)} breakend records of one rearrangement ({given}) are "
            f"one event, counted as one allele ({kept.genotype}, {kept.zygosity})"
        )
        if len(zygosities) > 1:
            remark += (
                ", the lower of the zygosities they give; confirm the genotype by another method (such as "
                "long-read sequencing)"
            )
        remarks.append(remark)
    kept_calls: list[VariantCall] = []
    for call in calls:
        linked = call.breakend_event
        if linked is None or linked not in chosen:
            kept_calls.append(call)
        elif call is by_event[linked][0]:
            kept_calls.append(chosen[linked])
    return kept_calls, remarks


def _change_of(call: VariantCall) -> str | None:
    """The change a call's annotation names, ``transcript:HGVS c.``, or ``None`` when it names none."""
    if not call.hgvs_c or not call.transcript:
        return None
    # VEP writes HGVSc as "ENST…:c.…" already; SnpEff writes the c. alone beside its Feature_ID.
    hgvs = call.hgvs_c.rpartition(":")[2]
    return f"{call.transcript.partition('.')[0]}:{hgvs}"


def _one_call_per_change(calls: Sequence[VariantCall]) -> tuple[Sequence[VariantCall], list[str]]:
    """The calls of one gene with the records of one change, written at different positions, kept as one call.

    An insertion or deletion in a repeat can be written at any position of the repeat; only the left-aligned,
    shortest form is the normalised one (Tan et al. 2015, PMID:25701572; ``bcftools norm``). A file merged from
    two callers, or from a normalised and an un-normalised run, may hold one indel twice under two positions
    (``G>GA`` at 68044210 and ``A>AA`` at 68044213). Their keys differ, so they counted as two alleles, a
    compound heterozygote of one change (OPTB1 LR 228 from a single frameshift). VEP and SnpEff shift HGVS to the
    3' end of the repeat (the HGVS 3' rule, den Dunnen et al. 2016, PMID:26931183), so both
    records get the same HGVS c. on the same transcript: such records are one allele, counted once at the lowest
    zygosity they give (as repeats of an allele are, :func:`_one_genotype_per_allele`), and a remark names them.
    """
    by_change: dict[str, list[VariantCall]] = defaultdict(list)
    for call in calls:
        change = _change_of(call)
        if change is not None:
            by_change[change].append(call)
    merged: dict[str, VariantCall] = {}
    remarks: list[str] = []
    for change, records in by_change.items():
        if len({c.key for c in records}) < 2:
            continue  # one key: repeats of one record, left to _one_genotype_per_allele
        lowest = min(_ZYGOSITY_RANK[c.zygosity] for c in records)
        kept = merged[change] = _merged_repeats([c for c in records if _ZYGOSITY_RANK[c.zygosity] == lowest])
        given = ", ".join(
            f"{c.chrom}:{c.pos} {c.ref}>{c.alt} {c.genotype}"
            + ("" if c.line is None else f" at line {c.line}")
            for c in records
        )
        remarks.append(
            f"{kept.hgvs_c}: {len(records)} records at different positions ({given}) are the same change (one "
            f"indel written both normalised and not, as in a merge of two callers' files), counted as one allele "
            f"({kept.genotype}, {kept.zygosity}); normalise the VCF (bcftools norm) before analysis"
        )
    if not merged:
        return calls, []
    kept_calls: list[VariantCall] = []
    for call in calls:
        change = _change_of(call)
        if change is None or change not in merged:
            kept_calls.append(call)
        elif call is by_change[change][0]:
            kept_calls.append(merged[change])
    return kept_calls, remarks


# Two callers' records of one deletion are one event when they overlap by at least half of each one's length:
# the common 50% reciprocal overlap for matching deletion calls (sveval's svOverlap, min.ol = 0.5 by default,
# https://rdrr.io/github/jmonlong/sveval/man/svOverlap.html). Labs merge callers' SV calls of one sample before
# interpretation with SURVIVOR merge (Jeffares et al. 2017, PMID:28117401; https://github.com/fritzsedlazeck/SURVIVOR)
# or Jasmine (https://github.com/mkirsche/Jasmine), which join calls of one type by breakpoint distance.
_DELETION_OVERLAP = 0.5


def _reciprocal_overlap(a: VariantCall, b: VariantCall) -> float:
    """The smaller of the two fractions of each deletion's span that the other covers (0 when apart)."""
    if a.end is None or b.end is None or a.chrom != b.chrom:
        return 0.0
    # POS is the padding base before a symbolic deletion: it removes POS + 1 .. END (VCF 4.2, section 3).
    shared = min(a.end, b.end) - max(a.pos, b.pos)
    if shared <= 0:
        return 0.0
    return min(shared / (a.end - a.pos), shared / (b.end - b.pos))


def _two_haplotypes(a: VariantCall, b: VariantCall, calls: Sequence[VariantCall]) -> bool:
    """Whether the evidence says two heterozygous deletions are on different haplotypes: phased in trans (one
    phase set, different sides), from different parents, or a homozygous or copy-number-0 deletion among
    ``calls`` covering the region they share (both copies lost there)."""
    if (
        a.haplotype is not None
        and b.haplotype is not None
        and a.phase_set is not None
        and a.phase_set == b.phase_set
        and a.haplotype != b.haplotype
    ):
        return True
    if {a.origin, b.origin} == {"paternal", "maternal"}:
        return True
    if a.end is None or b.end is None:  # not deletions
        return False
    start, end = max(a.pos, b.pos), min(a.end, b.end)
    return any(
        c.end is not None
        and c.chrom == a.chrom
        and (c.zygosity != "heterozygous" or c.copy_number == 0)
        and c.pos <= start
        and c.end >= end
        for c in calls
    )


def _one_call_per_deletion(calls: Sequence[VariantCall]) -> tuple[Sequence[VariantCall], list[str]]:
    """The calls of one gene with overlapping heterozygous deletions of different records kept as one call.

    A VCF that holds two callers' calls unmerged (Manta beside CNVnator, DELLY beside Manta) writes one deletion
    twice, at slightly different breakpoints: two keys, so they counted as two alleles, a false compound
    heterozygote (OPTB1 LR 228 from one deletion). Heterozygous symbolic deletions (:attr:`VariantCall.end`)
    that overlap by at least half of each one's length (``_DELETION_OVERLAP``) are, unless phased apart, one
    event called twice, which a lab merges (SURVIVOR, Jasmine): one call stands for them, in the first record's
    place (:func:`_merged_repeats`), and a remark names every record. Two deletions are kept apart where the
    evidence shows two haplotypes (:func:`_two_haplotypes`).
    """
    dels = [c for c in calls if c.end is not None and c.zygosity == "heterozygous"]
    if len(dels) < 2:
        return calls, []
    # Clusters by union-find over the pairs that are one event.
    parent = list(range(len(dels)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(dels):
        for j in range(i + 1, len(dels)):
            b = dels[j]
            if (
                a.key != b.key
                and _reciprocal_overlap(a, b) >= _DELETION_OVERLAP
                and not _two_haplotypes(a, b, calls)
            ):
                parent[root(j)] = root(i)
    clusters: dict[int, list[VariantCall]] = defaultdict(list)
    for i, call in enumerate(dels):
        clusters[root(i)].append(call)
    merged: dict[int, VariantCall] = {}  # id() of each cluster's first call -> the call standing for it
    dropped: set[int] = set()
    remarks: list[str] = []
    for records in clusters.values():
        if len({c.key for c in records}) < 2:
            continue  # one key: repeats of one record, left to _one_genotype_per_allele
        kept = _merged_repeats(records)
        merged[id(records[0])] = kept
        dropped.update(id(c) for c in records[1:])
        given = ", ".join(
            f"{c.chrom}:{c.pos}-{c.end} {c.alt} {c.genotype}"
            + ("" if c.line is None else f" at line {c.line}")
            for c in records
        )
        remarks.append(
            f"{kept.hgvs_c or kept.key}: {len(records)} heterozygous deletion records overlapping by at least "
            f"{_DELETION_OVERLAP:.0%} of each one's length ({given}) are taken as one deletion called twice (as by "
            "two callers whose calls were not merged), counted as one allele; merge the callers' calls (SURVIVOR, "
            "Jasmine) or phase them, and confirm by another method (such as MLPA or array CGH) if two deletions "
            "are suspected"
        )
    if not merged:
        return calls, []
    kept_calls = [merged.get(id(c), c) for c in calls if id(c) not in dropped]
    return kept_calls, remarks


def _junction_remarks(calls: Sequence[VariantCall], gene: str) -> list[str]:
    """A remark for each breakend call of ``gene`` that says where its junction is and that it breaks ``gene``.

    A breakend is a junction at a position (VCF 4.2, section 5.4): where it lies inside a gene, that gene is cut
    in two there. The variants listed show the record's ALT, which names only the other side's position, and a
    DELLY translocation record counts in the gene at each of its two sides; the note says which gene each
    junction disrupts and where its other side is.
    """
    remarks: list[str] = []
    for call in calls:
        alt = call.alt
        single = len(alt) > 1 and (alt[0] == "." or alt[-1] == ".")  # a single breakend (VCF 4.2, 5.4.9)
        if not ("[" in alt or "]" in alt or alt in {"<BND>", "<TRA>"} or single):
            continue
        where = f"{call.chrom}:{call.pos}" + ("" if call.line is None else f" (line {call.line})")
        other = "" if call.partner is None else f", joined to {call.partner},"
        remarks.append(
            f"{call.hgvs_c or call.key}: the breakend junction at {where}{other} lies inside {gene} and disrupts it"
        )
    return remarks


def _one_genotype_per_allele(
    calls: Sequence[VariantCall],
) -> tuple[Sequence[VariantCall], list[str], list[str]]:
    """The calls of one gene with each allele whose records disagree kept once, a remark naming each allele whose
    records give it different zygosities, and one naming each allele whose records give it different phases.

    An allele in two records (a merge or concatenation of overlapping files) with the same zygosity and phase
    is left as it is: :func:`_genotype_for_mode` never pairs an allele with itself (by ``VariantCall.key``), so
    it is one allele. With different zygosities (``0/1`` in one record, ``1/1`` in another), the file
    contradicts itself about the number of copies. Reading the higher one would let the allele complete a
    recessive genotype on its own, a homozygous call the file's own data dispute. So it is counted once, at the
    lower zygosity, and only that call is listed: a second, different allele can still complete the genotype
    in trans. This is marbledx's own conservative choice, not a guideline's rule. It leaves the discrepancy to
    the laboratory, for whom orthogonal confirmation (such as Sanger sequencing) of NGS-detected germline
    variants is standard practice (Lincoln et al. 2019, PMID:30610921), and the remark asks for it.

    With different phases (``0|1`` and ``1|0`` with one PS, or two phase sets) at the same zygosity, the file
    contradicts itself about the haplotype that decides cis or trans, so the allele is counted once, unphased
    (:func:`_phase_conflict`). In both cases the records at the lowest zygosity become one call
    (:func:`_merged_repeats`), so the outcome never depends on which record comes first.
    """
    by_key: dict[str, list[VariantCall]] = defaultdict(list)
    for call in calls:
        by_key[call.key].append(call)
    if len(by_key) == len(calls):
        return calls, [], []
    chosen: dict[str, VariantCall] = {}
    remarks: list[str] = []
    phase_remarks: list[str] = []
    for key, repeats in by_key.items():
        zygosities = {c.zygosity for c in repeats}
        lowest = min(_ZYGOSITY_RANK[z] for z in zygosities)
        at_lowest = [c for c in repeats if _ZYGOSITY_RANK[c.zygosity] == lowest]
        phases = _phase_conflict(at_lowest)
        if len(zygosities) < 2 and phases is None:
            continue
        kept = _merged_repeats(at_lowest)
        chosen[key] = kept
        name = kept.hgvs_c or key
        if phases is not None:
            phase_remarks.append(
                f"{name}: the VCF gives it {phases}, so its phase is unknown and it is counted once, unphased "
                f"({kept.genotype}), as not shown by phase to be in cis with another allele; confirm the phase "
                "by another method (such as testing the parents or long-read sequencing)"
            )
        if len(zygosities) < 2:
            continue
        given = ", ".join(c.genotype if c.line is None else f"{c.genotype} at line {c.line}" for c in repeats)
        count = "two" if len(zygosities) == 2 else "three"
        remarks.append(
            f"{name}: the VCF gives it {count} different genotypes ({given}), so it is counted "
            f"once, at the lower zygosity ({kept.genotype}, {kept.zygosity}); check the file for merged or "
            "duplicated calls, or confirm the genotype by another method (such as Sanger sequencing)"
        )
    if not chosen:
        return calls, [], []
    # The merged call stands where the allele's first record stood; its other records go.
    kept_calls: list[VariantCall] = []
    for call in calls:
        merged = chosen.get(call.key)
        if merged is None:
            kept_calls.append(call)
        elif call is by_key[call.key][0]:
            kept_calls.append(merged)
    return kept_calls, remarks, phase_remarks


def _phase_conflict(repeats: Sequence[VariantCall]) -> str | None:
    """Words naming the phases that the records of one allele at one zygosity give it, with their lines, when
    they disagree (two haplotypes or two phase sets); ``None`` when they do not.

    The haplotype of a heterozygous allele, against a second allele's in the same phase set, decides cis or
    trans (:func:`_in_cis`). Two records that phase the allele differently contradict each other, and reading
    either would make the outcome depend on record order. So the allele's phase is unknown, and it counts as an
    unphased heterozygous call: two heterozygous alleles not shown to be in cis qualify a recessive disease
    (docs/genotype.md, "Repeated alleles"). ACMG's PM3 (in trans with a pathogenic variant) rests on phase
    found by testing the parents (Richards et al. 2015, PMID:25741868), and orthogonal confirmation of
    NGS-detected germline variants is standard practice (Lincoln et al. 2019, PMID:30610921): the remark asks
    for it. A phased record and an unphased one do not contradict each other (one says less); they are
    read as unphased (:func:`_merged_repeats`), as an unphased record alone would be, with no remark.
    """
    phases = {(c.phase_set, c.haplotype) for c in repeats if c.haplotype is not None}
    if len(phases) < 2:
        return None

    def words(call: VariantCall) -> str:
        if call.haplotype is None:
            phase = f"{call.genotype} unphased"
        elif call.phase_set:
            phase = f"{call.genotype} PS={call.phase_set}"
        else:  # phased without a PS value
            phase = f"{call.genotype} without PS"
        return phase if call.line is None else f"{phase} at line {call.line}"

    count = {2: "two", 3: "three"}.get(len(phases), str(len(phases)))
    return f"{count} different phases ({', '.join(words(c) for c in repeats)})"


def _merged_repeats(repeats: Sequence[VariantCall]) -> VariantCall:
    """One call for the records of one allele at one zygosity, with what decides cis or trans kept only where
    every record gives the same: the phase (phase set and haplotype) and the parental origin.

    The first record gives the rest (annotation, line). Where the records disagree on the phase (or one is
    unphased), the call is unphased and its GT is written unphased (``0/1``); where they disagree on the origin,
    it is unknown. So no record's phase or origin wins by coming first, and the call is in cis with a second
    allele only when every record shows it, as when :func:`_genotype_for_mode` pairs each record in turn.
    """
    first = repeats[0]
    origins = {c.origin for c in repeats}
    origin = first.origin if len(origins) == 1 else "unknown"
    if len({(c.phase_set, c.haplotype) for c in repeats}) == 1:
        return first if origin == first.origin else replace(first, origin=origin)
    genotype = min(_unphased_gt(c.genotype) for c in repeats)
    return replace(first, genotype=genotype, haplotype=None, phase_set=None, origin=origin)


def _unphased_gt(genotype: str) -> str:
    """A GT written unphased, its alleles in order (``1|0`` → ``0/1``, ``.|1`` → ``./1``)."""
    alleles = genotype.replace("|", "/").split("/")
    return "/".join(sorted(alleles, key=lambda a: int(a) if a.isdigit() else -1))


def _rejected_disagreements(calls: Sequence[VariantCall], filtered: Sequence[VariantCall]) -> list[str]:
    """A remark for each allele of ``calls`` that a record the VCF's filters rejected calls with fewer copies.

    A rejected record is never evidence (docs/genotype.md, "FILTER"), so it does not lower the zygosity the way
    a second passing record does (:func:`_one_genotype_per_allele`): the filters judged that call unreliable.
    But the file still disputes the number of copies, and a homozygous call is what completes a recessive
    genotype on its own, so the remark names the disagreement and asks for confirmation by another method
    (Lincoln et al. 2019, PMID:30610921).
    """
    if not filtered:
        return []
    kept = {c.key: c for c in calls}
    remarks: list[str] = []
    for rejected in filtered:
        call = kept.get(rejected.key)
        if call is None or _ZYGOSITY_RANK[rejected.zygosity] >= _ZYGOSITY_RANK[call.zygosity]:
            continue
        where = "" if rejected.line is None else f" at line {rejected.line}"
        remarks.append(
            f"{call.hgvs_c or call.key}: counted as {call.genotype} ({call.zygosity}), but a record that the VCF's "
            f"own filters rejected{where} calls it {rejected.genotype} ({rejected.zygosity}); confirm the "
            "genotype by another method (such as Sanger sequencing)"
        )
    return remarks


def _one_call_per_allele(calls: Iterable[VariantCall]) -> list[VariantCall]:
    """``calls`` with each allele kept once per gene: the first call at the lowest zygosity, in first-seen order.

    λ_b counts alleles per gene. An allele that two records repeat (a merge or concatenation of overlapping
    files) is one allele, and the genotype of a gene counts it once, at the lower zygosity when the repeats
    disagree (:func:`_one_genotype_per_allele`; :func:`_genotype_for_mode` never pairs an allele with itself).
    The background rate follows the same rule, so a repeat does not raise λ_b and weaken every disease's
    genotype evidence. The weight of an allele does not depend on its zygosity: the rule only decides which
    call counts when the repeats are annotated differently (for repeats with different zygosities, the call
    the genotype keeps).
    """
    kept: dict[tuple[str | None, str], VariantCall] = {}
    for call in calls:
        # The records of one breakend event are one allele too (_one_call_per_breakend).
        key = (
            call.gene,
            call.breakend_event or _change_of(call) or call.key,
        )
        first = kept.get(key)
        if first is None or _ZYGOSITY_RANK[call.zygosity] < _ZYGOSITY_RANK[first.zygosity]:
            kept[key] = call
    return list(kept.values())


def _copy_number_remarks(calls: Iterable[VariantCall]) -> list[str]:
    """A remark for each ``<CNV>`` allele read as a copy-number loss whose zygosity its GT did not give.

    With no GT called, the zygosity is the one the copy number implies, and the remark says so, since the GT
    listed (``./.``) does not show it. When GT and copy number disagree (:attr:`VariantCall.copy_number_disputed`),
    the reader took the lower zygosity; as for an allele that two records give different genotypes
    (:func:`_one_genotype_per_allele`), the remark asks for the genotype to be confirmed by another method,
    standard laboratory practice for NGS-detected germline variants (Lincoln et al. 2019, PMID:30610921).
    """
    remarks: list[str] = []
    for call in calls:
        if call.copy_number is None:
            continue
        name = call.hgvs_c or call.key
        if call.copy_number_disputed:
            remarks.append(
                f"{name}: its GT ({call.genotype}) and its copy number (CN={call.copy_number}) disagree, so it "
                f"is counted at the lower zygosity ({call.zygosity}); confirm the copy number by another method"
            )
        elif "/" not in call.genotype and "|" not in call.genotype and call.genotype != ".":
            # A haploid GT naming a <DEL>, as GATK's gCNV writes every segment: the GT names the allele, CN the copies.
            remarks.append(
                f"{name}: its GT ({call.genotype}) names the deleted allele without its number of copies, as "
                "copy-number callers such as GATK gCNV write it, so it is read with the zygosity its copy number "
                f"implies (CN={call.copy_number}, {call.zygosity})"
            )
        elif not any(
            allele.isdigit() and allele != "0" for allele in call.genotype.replace("|", "/").split("/")
        ):
            remarks.append(
                f"{name}: no genotype called (GT {call.genotype}), so it is read as a copy-number loss with the "
                f"zygosity its copy number implies (CN={call.copy_number}, {call.zygosity})"
            )
    return remarks


def _consequence_unknown(allele: AlleleAssessment, weight: float = 0.0) -> bool:
    """Whether an allele of unknown consequence (no VEP/SnpEff annotation) with this weight could still qualify:
    one that is neither too common nor benign in ClinVar."""
    return (
        allele.call.consequence is None
        and allele.weight == weight
        and not _NEVER_QUALIFYING.intersection(allele.acmg)
    )


def _status_note(
    status: GenotypeStatus, rule: GeneRule, mode: Mode, alleles: Iterable[AlleleAssessment]
) -> str:
    names = ", ".join(a.call.hgvs_c or a.call.key for a in alleles)
    if status == "qualifying":
        return f"{rule.gene}: {names} fit{'s' if ',' not in names else ''} {_mode_words(mode)} mode"
    if status == "carrier":
        return (
            f"{rule.gene}: one qualifying allele ({names}) — carrier status for {_mode_words(mode)} disease, "
            "not a diagnosis; a second allele was not found"
        )
    if status == "in_cis":
        return f"{rule.gene}: the qualifying alleles are on the same haplotype (in cis), so not biallelic"
    return f"{rule.gene}: no qualifying variant for {_mode_words(mode)} mode"


def _knowledge_rules(kb: KnowledgeBase, disease_id: str) -> tuple[GeneRule, ...] | None:
    """Rules from the knowledge base for a disease it holds under an exact id, else ``None``.

    A gene link the reference marks [UNVERIFIED] drives nothing (van Buchem disease's SOST link: HPO links no
    gene to OMIM:239100, and its cause is a deletion downstream of SOST, not a coding variant). A disease
    whose links are all unverified gets the HPO release's rules, as one the knowledge base lacks.
    """
    entity = kb.for_disease_id(disease_id)
    verified = [link for link in entity.genes if not link.unverified] if entity is not None else []
    if entity is None or not verified:
        return None
    if not any(x.id == disease_id and x.relation == "exact" for x in entity.ids):
        return None
    rules = []
    for link in verified:
        modes: tuple[Mode, ...]
        if link.zygosity == "biallelic":
            modes = ("AR",)
        elif link.zygosity == "monoallelic":
            modes = (
                ("XLD",) if any(m.value == "x_linked_dominant" for m in entity.inheritance.modes) else ("AD",)
            )
        elif link.zygosity == "hemizygous":
            modes = ("XLR",)
        elif link.zygosity == "biallelic_or_monoallelic":
            modes = ("AR", "AD")
        else:  # somatic: a germline VCF is not informative
            continue
        rules.append(
            GeneRule(
                link.symbol,
                modes,
                link.loss_of_function,
                link.monoallelic_null_silent,
                source="knowledge base: " + ", ".join(link.sources),
            )
        )
    return tuple(rules)
