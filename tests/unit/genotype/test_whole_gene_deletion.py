"""Whole-gene deletions in gene-table mode (docs/genotype.md, "Unannotated VCFs"), on synthetic VCFs.

The fault: without VEP/SnpEff annotation every allele's consequence was unknown, so a deletion of a whole gene
of the table counted as an allele that might be harmless. A homozygous deletion of TCIRG1 left OPTB1 neutral
(LR 1) instead of qualifying it, as a VEP-annotated ``transcript_ablation`` does. A deletion of the whole gene
is a null allele by definition (transcript ablation, PVS1: Richards et al. 2015, PMID:25741868; complete
overlap of a gene: ClinGen CNV guideline, Riggs et al. 2020, PMID:31690835).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marbledx.cli import main
from marbledx.genotype import (
    ClinvarSignificance,
    GeneRegions,
    GenomeBuild,
    GenotypeModel,
    VariantCall,
    VcfReadResult,
    read_vcf,
)
from marbledx.genotype.synthetic import SyntheticVariant, write_vcf
from tests.unit.genotype.evidence import for_disease

from ...conftest import MINI_RELEASE
from .test_vcf_fastpath import _full_read, _same

P = "PROBAND"
OPTB1 = "OMIM:259700"  # TCIRG1, autosomal recessive, loss of function
ADO2 = "OMIM:166600"  # CLCN7, dominant-negative; heterozygous null alleles are silent (PMID:11741829)
ABLATION = "transcript_ablation"
NOTHING_RECESSIVE = 1 - 0.95**2  # LIRICAL's missed-allele LR for a covered gene (docs/genotype.md)
NOTHING_DOMINANT = 0.05

# BED: 0-based start, so TCIRG1 is 68,039,001-68,053,000 and CLCN7 1,440,001-1,470,000 (1-based).
TCIRG1_START, TCIRG1_END = 68_039_001, 68_053_000
CLCN7_START, CLCN7_END = 1_440_001, 1_470_000
TABLE = GeneRegions(
    [
        ("chr11", 68_020_000, 68_038_000, "UPSTREAM"),
        ("chr11", TCIRG1_START - 1, TCIRG1_END, "TCIRG1"),
        ("chr11", 68_055_000, 68_056_000, "NEIGHBOUR"),
        ("chr11", 68_058_000, 68_070_000, "DOWNSTREAM"),
        ("chr11", 68_100_000, 68_100_010, "TINY"),  # 68,100,001-68,100,010
        ("chr16", CLCN7_START - 1, CLCN7_END, "CLCN7"),
    ],
    build="GRCh38",
)
HEADER = [
    '##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the variant">',
    '##INFO=<ID=SVLEN,Number=.,Type=Integer,Description="Difference in length between REF and ALT">',
    '##INFO=<ID=CIPOS,Number=2,Type=Integer,Description="Confidence interval around POS">',
    '##INFO=<ID=CIEND,Number=2,Type=Integer,Description="Confidence interval around END">',
]


def _deletion(
    pos: int = TCIRG1_START - 500,
    end: int = TCIRG1_END + 500,
    gt: str = "1/1",
    alt: str = "<DEL>",
    chrom: str = "chr11",
    **info: str,
) -> SyntheticVariant:
    return SyntheticVariant(chrom, pos, "A", alt, None, genotypes={P: gt}, info={"END": str(end), **info})


def _read(tmp_path: Path, *variants: SyntheticVariant, **kwargs: object) -> VcfReadResult:
    path = write_vcf(tmp_path / "d.vcf", list(variants), annotation=None, extra_header=HEADER)
    return read_vcf(path, gene_locator=TABLE, **kwargs)  # type: ignore[arg-type]


def _in_each_gene(call: VariantCall) -> dict[str | None, str | None]:
    return {c.gene: c.consequence for c in (call, *call.other_genes)}


# -- GeneRegions.genes_within ----------------------------------------------------------------------------------


def test_genes_within_gives_only_the_genes_wholly_inside_the_range() -> None:
    regions = GeneRegions(
        [
            ("chr1", 99, 200, "A"),  # 100-200
            ("chr1", 149, 300, "B"),  # 150-300
            ("chr1", 119, 130, "C"),  # 120-130, nested in A
            ("1", 399, 450, "SPLIT"),  # two regions of one gene: whole only as a whole
            ("chr1", 499, 550, "SPLIT"),
            ("chr2", 99, 200, "OTHER"),
        ],
        build="GRCh38",
    )
    assert regions.genes_within("chr1", 100, 200) == ("A", "C")
    assert regions.genes_within("1", 101, 300) == ("C", "B")
    assert regions.genes_within("chr1", 100, 299) == ("A", "C")  # B ends at 300
    assert regions.genes_within("chr1", 400, 500) == ()  # only part of SPLIT
    assert regions.genes_within("chr1", 390, 560) == ("SPLIT",)
    assert regions.genes_within("chr1", 120, 130) == ("C",)
    assert regions.genes_within("chr1", 121, 130) == ()
    assert regions.genes_within("chrX", 1, 10**9) == ()
    assert set(regions.genes_within("chr1", 1, 10**9)) <= set(regions.genes_at("chr1", 1, 10**9))
    with pytest.raises(ValueError, match="1-based inclusive"):
        regions.genes_within("chr1", 10, 9)


# -- a deletion of the whole gene is a null allele ---------------------------------------------------------------


def test_rank_lifts_optb1_for_a_homozygous_whole_tcirg1_deletion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    vcf = write_vcf(tmp_path / "p.vcf", [_deletion()], annotation=None, extra_header=HEADER)
    bed = tmp_path / "genes.bed"
    bed.write_text(f"#build=GRCh38\nchr11\t{TCIRG1_START - 1}\t{TCIRG1_END}\tTCIRG1\n", encoding="utf-8")
    code = main(
        ["rank", "--hpo", "HP:0011002", "--vcf", str(vcf), "--genes-bed", str(bed), "--format", "json"]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    (result,) = json.loads(out)
    assert result["genotype"]["mode"] == "gene-table"
    optb1 = next(d for d in result["diagnoses"] if d["disease_id"] == OPTB1)
    assert optb1["genotype_lr"] > 1
    (variant,) = optb1["variants"]
    assert variant["alt"] == "<DEL>"
    assert variant["consequence"] == ABLATION
    assert variant["class"] == "null"
    assert "PVS1" in variant["acmg"]
    assert variant["hgvs_c"] is None  # nothing invented
    assert variant["hgvs_p"] is None
    # The note says the consequence was inferred, not annotated.
    assert "whole of TCIRG1" in optb1["genotype_note"]
    assert "inferred from the record's span and the gene-region table" in optb1["genotype_note"]


# From the padding base just before TCIRG1 to its last base, by SVLEN: exactly the whole gene.
EXACT = SyntheticVariant(
    "chr11", TCIRG1_START - 1, "A", "<DEL>", None, genotypes={P: "1/1"},
    info={"SVLEN": str(-(TCIRG1_END - TCIRG1_START + 1))},
)  # fmt: skip


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(_deletion(), id="DEL-END"),
        pytest.param(EXACT, id="DEL-SVLEN-exact"),
        pytest.param(_deletion(alt="<CN0>"), id="CN0"),
        pytest.param(_deletion(alt="<DEL:SUBTYPE>"), id="DEL-subtype"),
        pytest.param(_deletion(CIPOS="-100,100", CIEND="-100,100"), id="imprecise-within"),
    ],
)
def test_a_homozygous_deletion_of_the_whole_gene_qualifies_for_the_recessive_disease(
    tmp_path: Path, model: GenotypeModel, variant: SyntheticVariant
) -> None:
    result = _read(tmp_path, variant)
    (call,) = result.calls
    assert call.gene == "TCIRG1"
    assert call.consequence == ABLATION
    assert (call.hgvs_c, call.hgvs_p, call.transcript) == (None, None, None)  # nothing invented
    optb1 = for_disease(model, result)
    assert optb1.status == "qualifying"
    assert optb1.lr > 100
    (allele,) = optb1.alleles
    assert allele.variant_class == "null"
    assert allele.acmg[0] == "PVS1"
    assert allele.weight == 1.0


def test_a_plain_deletion_of_a_whole_small_gene_is_a_null_allele(tmp_path: Path) -> None:
    # REF = padding base + the 10 bases of TINY (68,100,001-68,100,010) + one more base; ALT = padding base.
    exact = SyntheticVariant("chr11", 68_100_000, "A" + "C" * 11, "A", None, genotypes={P: "1/1"})
    short = SyntheticVariant("chr11", 68_100_001, "CCCCCCCCC", "C", None, genotypes={P: "1/1"})  # 2..9 only
    whole, part = _read(tmp_path, exact, short).calls
    assert (whole.gene, whole.consequence) == ("TINY", ABLATION)
    assert (part.gene, part.consequence) == ("TINY", None)


def test_a_heterozygous_whole_gene_deletion_is_carrier_status_not_a_diagnosis(
    tmp_path: Path, model: GenotypeModel
) -> None:
    optb1 = for_disease(model, _read(tmp_path, _deletion(gt="0/1")))
    assert optb1.status == "carrier"
    assert optb1.lr == pytest.approx(NOTHING_RECESSIVE)
    (allele,) = optb1.alleles
    assert (allele.variant_class, allele.acmg) == ("null", ("PVS1",))
    assert "carrier status" in optb1.note
    assert "inferred from the record's span" in optb1.note


class _Clinvar:
    """A ClinVar table that calls one TCIRG1 SNV pathogenic."""

    build: GenomeBuild = "GRCh38"

    def significance(self, chrom: str, pos: int, ref: str, alt: str) -> ClinvarSignificance | None:
        return "pathogenic" if pos == 68_045_000 else None


def test_a_whole_gene_deletion_and_a_pathogenic_allele_in_trans_qualify(
    tmp_path: Path, model: GenotypeModel
) -> None:
    snv = SyntheticVariant("chr11", 68_045_000, "C", "T", None, genotypes={P: "0/1"})
    optb1 = for_disease(model, _read(tmp_path, _deletion(gt="0/1"), snv, clinvar=_Clinvar()))
    assert optb1.status == "qualifying"
    assert optb1.lr > 100
    assert {a.call.alt for a in optb1.alleles} == {"<DEL>", "T"}


def test_a_whole_gene_deletion_and_a_second_allele_of_unknown_consequence_stay_neutral(
    tmp_path: Path, model: GenotypeModel
) -> None:
    # The second allele may or may not be null: neither lifted nor lowered, and the note names it.
    snv = SyntheticVariant("chr11", 68_045_000, "C", "T", None, genotypes={P: "0/1"})
    optb1 = for_disease(model, _read(tmp_path, _deletion(gt="0/1"), snv))
    assert optb1.status == "unverified"
    assert optb1.lr == 1.0
    assert "11:68045000:C>T" in optb1.note
    assert "consequence is unknown" in optb1.note


def test_a_rejected_whole_gene_deletion_keeps_the_gene_neutral(tmp_path: Path, model: GenotypeModel) -> None:
    deletion = SyntheticVariant(
        "chr11", TCIRG1_START - 10, "A", "<DEL>", None, genotypes={P: "1/1"},
        info={"END": str(TCIRG1_END + 10)}, filter="LowQual",
    )  # fmt: skip
    result = _read(tmp_path, deletion)
    assert [c.consequence for c in result.filtered_calls] == [ABLATION]
    optb1 = for_disease(model, result)
    assert optb1.status == "unverified"
    assert optb1.lr == 1.0


# -- what is not a whole-gene deletion ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(_deletion(pos=TCIRG1_START + 100), id="starts-inside"),
        pytest.param(_deletion(end=TCIRG1_END - 1), id="ends-inside"),
        # POS is the padding base, not deleted: a deletion from TCIRG1's second base on misses its first.
        pytest.param(_deletion(pos=TCIRG1_START, end=TCIRG1_END), id="padding-base-is-the-first-base"),
        # Breakpoints uncertain by 10 kb: the start may lie inside the gene.
        pytest.param(_deletion(CIPOS="-10000,10000"), id="imprecise-start"),
        pytest.param(_deletion(CIEND="-10000,10000"), id="imprecise-end"),
        pytest.param(_deletion(alt="<DEL:ME:ALU>"), id="mobile-element"),
        pytest.param(_deletion(alt="<DEL:ME>"), id="mobile-element-bare"),
        pytest.param(_deletion(alt="<DUP>"), id="duplication"),
        pytest.param(_deletion(alt="<INV>"), id="inversion"),
    ],
)
def test_anything_but_a_deletion_of_the_whole_gene_stays_of_unknown_consequence(
    tmp_path: Path, model: GenotypeModel, variant: SyntheticVariant
) -> None:
    result = _read(tmp_path, variant)
    for call in result.calls:
        assert set(_in_each_gene(call).values()) == {None}
    optb1 = for_disease(model, result)
    assert optb1.status == "unverified"  # unchanged: neither for nor against OPTB1
    assert optb1.lr == 1.0
    assert "inferred" not in optb1.note


# -- the mechanism still comes first: ADO2 -------------------------------------------------------------------------


@pytest.mark.parametrize("gt", ["0/1", "1/1"])
def test_a_whole_clcn7_deletion_never_qualifies_for_ado2(
    tmp_path: Path, model: GenotypeModel, gt: str
) -> None:
    deletion = _deletion(CLCN7_START - 100, CLCN7_END + 100, gt, chrom="chr16")
    result = _read(tmp_path, deletion)
    assert result.calls[0].consequence == ABLATION
    ado2 = for_disease(model, result, ADO2)
    assert ado2.status == "no_qualifying_variant"
    # A known null allele, unlike one of unknown consequence (LR 1): covered, and nothing fits ADO2.
    assert ado2.lr == pytest.approx(NOTHING_DOMINANT)
    (allele,) = ado2.alleles
    assert allele.variant_class == "null"
    assert allele.weight == 0
    assert "PVS1" not in allele.acmg
    assert allele.excluded_by_mechanism
    assert "do not cause this disease" in (allele.reason or "")


# -- an allele in several genes, each with its own consequence ------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # From inside UPSTREAM through TCIRG1 and NEIGHBOUR into DOWNSTREAM: the first gene named is partial.
        (
            68_030_000,
            68_060_000,
            {"UPSTREAM": None, "TCIRG1": ABLATION, "NEIGHBOUR": ABLATION, "DOWNSTREAM": None},
        ),
        # The first gene named is whole and the last partial: the other genes must not copy its consequence.
        (68_010_000, 68_055_500, {"UPSTREAM": ABLATION, "TCIRG1": ABLATION, "NEIGHBOUR": None}),
        # The first gene named is partial and a further one whole.
        (68_039_500, 68_057_000, {"TCIRG1": None, "NEIGHBOUR": ABLATION}),
    ],
)
def test_a_deletion_over_several_genes_is_null_in_each_gene_it_removes_whole(
    tmp_path: Path, model: GenotypeModel, start: int, end: int, expected: dict[str, str | None]
) -> None:
    result = _read(tmp_path, _deletion(start, end))
    (call,) = result.calls
    assert _in_each_gene(call) == expected
    optb1 = for_disease(model, result)
    if expected["TCIRG1"] == ABLATION:
        assert optb1.status == "qualifying"
        assert optb1.alleles[0].call.gene == "TCIRG1"
    else:
        assert optb1.status == "unverified"


def test_the_deletion_allele_of_a_multiallelic_record_uses_its_own_svlen(tmp_path: Path) -> None:
    # <DUP> of 500 bp and <DEL> of 30 kb at one site: the record spans to the longer, and only the deletion
    # removes TCIRG1 whole. Before, the record was placed by the first SVLEN only and missed TCIRG1.
    record = SyntheticVariant(
        "chr11", TCIRG1_START - 1_000, "A", "<DUP>,<DEL>", None, genotypes={P: "1/2"},
        info={"SVLEN": "500,-30000"},
    )  # fmt: skip
    calls = {call.alt: call for call in _read(tmp_path, record).calls}
    assert _in_each_gene(calls["<DEL>"]) == {"TCIRG1": ABLATION, "NEIGHBOUR": ABLATION, "DOWNSTREAM": None}
    assert set(_in_each_gene(calls["<DUP>"]).values()) == {None}
    # One SVLEN for two ALTs: which allele's length it is cannot be told, so nothing is inferred.
    unclear = SyntheticVariant(
        "chr11",
        TCIRG1_START - 1_000,
        "A",
        "<DUP>,<DEL>",
        None,
        genotypes={P: "0/2"},
        info={"SVLEN": "-30000"},
    )
    (call,) = _read(tmp_path, unclear).calls
    assert set(_in_each_gene(call).values()) == {None}


def test_a_common_whole_gene_deletion_is_read_in_full_not_set_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    header = [*HEADER, '##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD AF">']
    variants = [
        _deletion(gnomAD_AF="0.3"),
        SyntheticVariant(
            "chr11", 68_045_000, "C", "T", None, genotypes={P: "0/1"}, info={"gnomAD_AF": "0.3"}
        ),
    ]
    path = write_vcf(tmp_path / "c.vcf", variants, annotation=None, extra_header=header)
    fast = read_vcf(path, gene_locator=TABLE)
    _same(fast, _full_read(monkeypatch, path, gene_locator=TABLE))
    # The common SNV is set aside as before; the deletion, whose consequence the read inferred, is not.
    assert [c.alt for c in fast.calls_to_interpret] == ["<DEL>"]
    assert fast.calls[0].consequence == ABLATION
