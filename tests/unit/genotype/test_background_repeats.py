"""λ_b counts an allele that the VCF repeats once (docs/genotype.md, "λ_b is estimated from the patient's own VCF").

The fault: λ_b, the background rate of rare qualifying-class alleles per gene, summed every call, so an allele
listed in two records (a merge or concatenation of overlapping files, 0/1 in one and 1/1 in the other) counted
twice. The genotype of a gene counts such an allele once, at the lower zygosity, so λ_b now does too: a
repeat neither raises the background rate nor weakens the genotype evidence of every disease.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from marbledx.genotype import GenotypeModel, VariantCall, VcfReadResult, read_vcf
from marbledx.genotype.synthetic import SyntheticVariant, write_vcf
from tests.unit.genotype.evidence import PROBAND, for_disease, tcirg1_variant

MIN_RATE = 0.005  # λ_b's floor (docs/genotype.md)
GENES = 20_000  # λ_b's denominator for a genome-wide file
NULL_WEIGHT = 0.8  # a null allele under λ_b's generic recessive rule, mechanism unstated
BACKGROUND = 150  # enough null alleles to lift λ_b above its floor: 150 * 0.8 / 20,000 = 0.006


def _call(gene: str, pos: int, zygosity: str = "heterozygous", **kw: object) -> VariantCall:
    genotype = {"heterozygous": "0/1", "homozygous": "1/1", "hemizygous": "1"}[zygosity]
    return VariantCall(
        chrom="1", pos=pos, ref="C", alt="T", genotype=genotype, zygosity=zygosity,  # type: ignore[arg-type]
        gene=gene, consequence="stop_gained", hgvs_c=f"c.{pos}C>T", **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def _background() -> list[VariantCall]:
    return [_call(f"G{i}", 1_000 + i) for i in range(BACKGROUND)]


def _vcf(calls: list[VariantCall]) -> VcfReadResult:
    return VcfReadResult(
        path="test.vcf",
        build="GRCh38",
        sample=PROBAND,
        mode="vep",
        calls=tuple(calls),
        n_records=len(calls),
        covered_genes=frozenset(c.gene for c in calls if c.gene),
        genome_wide=True,
    )


def _rate(model: GenotypeModel, calls: list[VariantCall]) -> float:
    return model.background_rate(_vcf(calls))


def test_the_background_is_above_the_floor_so_each_allele_counts() -> None:
    # What the comparisons below rely on: one allele more or less changes λ_b.
    assert BACKGROUND * NULL_WEIGHT / GENES > MIN_RATE


# -- calls -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "repeats",
    [
        pytest.param(("heterozygous", "homozygous"), id="0/1-then-1/1"),
        pytest.param(("homozygous", "heterozygous"), id="1/1-then-0/1"),
        pytest.param(("heterozygous", "heterozygous"), id="same-genotype"),
        pytest.param(("heterozygous", "hemizygous", "homozygous"), id="three-records"),
    ],
)
def test_a_repeated_allele_counts_once_in_the_background_rate(
    model: GenotypeModel, repeats: tuple[str, ...]
) -> None:
    once = _rate(model, [*_background(), _call("EXTRA", 9)])
    repeated = _rate(model, [*_background(), *(_call("EXTRA", 9, z, line=n) for n, z in enumerate(repeats))])
    assert once == pytest.approx((BACKGROUND + 1) * NULL_WEIGHT / GENES)
    # Before: one more weighted allele per repeat.
    assert repeated == once


def test_different_alleles_and_genes_still_count_each(model: GenotypeModel) -> None:
    base = _rate(model, _background())
    # Two different alleles of one gene are two alleles.
    two = _rate(model, [*_background(), _call("EXTRA", 9), _call("EXTRA", 10)])
    assert two == pytest.approx(base + 2 * NULL_WEIGHT / GENES)
    # One allele in two genes counts once in each (a rate per gene), and so does its repeat.
    view = _call("OTHER", 9)
    spanning = _call("EXTRA", 9, other_genes=(view,))
    repeat = _call("EXTRA", 9, "homozygous", other_genes=(replace(view, zygosity="homozygous"),))
    assert _rate(model, [*_background(), spanning]) == pytest.approx(base + 2 * NULL_WEIGHT / GENES)
    assert _rate(model, [*_background(), spanning, repeat]) == _rate(model, [*_background(), spanning])


def test_the_repeat_kept_is_the_one_the_genotype_keeps(model: GenotypeModel) -> None:
    # Annotated differently (a merge of two pipelines' files): the first call at the lowest zygosity decides, as
    # in the genotype of a gene. Here it is the benign one, which adds nothing.
    benign = _call("EXTRA", 9, clinvar="benign")
    null = _call("EXTRA", 9, "homozygous")
    assert _rate(model, [*_background(), null, benign]) == _rate(model, _background())


# -- a VCF -----------------------------------------------------------------------------------------------------------


def _genome(tmp_path: Path, name: str, *extra: SyntheticVariant) -> VcfReadResult:
    """A VCF whose rare null alleles lie on 22 chromosomes (so the file is genome-wide), with ``extra``."""
    background = [
        SyntheticVariant(
            f"chr{1 + i % 22}", 1_000_000 + i, "C", "T", f"G{i}", "stop_gained", genotypes={PROBAND: "0/1"}
        )
        for i in range(BACKGROUND)
    ]
    variants = sorted([*background, *extra], key=lambda v: (int(v.chrom[3:]), v.pos))
    return read_vcf(write_vcf(tmp_path / name, variants))


@pytest.mark.parametrize("gts", [("0/1", "1/1"), ("1/1", "0/1"), ("0/1", "0/1")])
def test_a_vcf_that_repeats_a_background_allele_gives_the_same_rate_and_lrs(
    tmp_path: Path, model: GenotypeModel, gts: tuple[str, str]
) -> None:
    def allele(gt: str) -> SyntheticVariant:
        return SyntheticVariant("chr5", 2_000_000, "G", "A", "EXTRA", "stop_gained", genotypes={PROBAND: gt})

    # OPTB1 qualifies on a TCIRG1 compound heterozygote, so its LR depends on λ_b.
    tcirg1 = (tcirg1_variant(0), tcirg1_variant(2_000, consequence="frameshift_variant"))
    once = _genome(tmp_path, "once.vcf", allele(gts[0]), *tcirg1)
    repeated = _genome(tmp_path, "repeated.vcf", *map(allele, gts), *tcirg1)
    assert once.genome_wide
    assert len(repeated.calls) == len(once.calls) + 1  # both records read
    assert any("repeat an allele of an earlier record" in w for w in repeated.warnings)
    assert model.background_rate(repeated) == model.background_rate(once)
    assert model.evaluate(repeated, None).background_rate == pytest.approx(
        (BACKGROUND + 3) * NULL_WEIGHT / GENES
    )
    optb1_once, optb1_repeated = for_disease(model, once), for_disease(model, repeated)
    assert optb1_once.status == optb1_repeated.status == "qualifying"
    assert optb1_repeated.lr == optb1_once.lr
