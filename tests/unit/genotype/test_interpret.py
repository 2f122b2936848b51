"""Variant interpretation and the genotype likelihood ratio, on hand-made calls and the fixture release."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from marbledx.findings import Case, Finding
from marbledx.genotype import (
    MISSED_ALLELE_RATE,
    GeneRule,
    GenotypeModel,
    VariantCall,
    VcfReadResult,
    assess_gene,
    normalise_clinvar,
    variant_class,
)
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.ranking import Ranker

RATE = 0.01


def _call(gene: str, pos: int, consequence: str, zygosity: str = "heterozygous", **kw: object) -> VariantCall:
    genotype = {"heterozygous": "0/1", "homozygous": "1/1", "hemizygous": "1"}[zygosity]
    return VariantCall(
        chrom="11",
        pos=pos,
        ref="C",
        alt="T",
        genotype=genotype,
        zygosity=zygosity,  # type: ignore[arg-type]
        gene=gene,
        consequence=consequence,
        hgvs_c=f"c.{pos}C>T",
        **kw,  # type: ignore[arg-type]
    )


def _vcf(
    *calls: VariantCall, genome_wide: bool = True, covered: frozenset[str] = frozenset()
) -> VcfReadResult:
    genes = covered or frozenset(c.gene for c in calls if c.gene)
    return VcfReadResult(
        path="test.vcf",
        build="GRCh38",
        sample="proband",
        mode="vep",
        calls=tuple(calls),
        n_records=len(calls),
        covered_genes=genes,
        genome_wide=genome_wide,
    )


AR = GeneRule("TCIRG1", ("AR",), loss_of_function=True, source="test")
AD_DN = GeneRule("CLCN7", ("AD",), loss_of_function=False, monoallelic_null_silent=True, source="test")
XLR = GeneRule("IKBKG", ("XLR",), source="test")


@pytest.mark.parametrize(
    ("consequence", "expected"),
    [
        ("stop_gained", "null"),
        ("frameshift_variant&splice_region_variant", "null"),
        ("splice_donor_variant", "null"),
        ("start_lost", "null"),
        ("transcript_ablation", "null"),
        ("missense_variant", "missense"),
        ("inframe_deletion", "missense"),
        ("synonymous_variant", "other"),
        ("splice_region_variant&intron_variant", "other"),
        (None, "other"),
    ],
)
def test_variant_classes(consequence: str | None, expected: str) -> None:
    assert variant_class(consequence) == expected


def test_homozygous_null_in_a_recessive_lof_gene_is_strong_evidence_with_pvs1() -> None:
    result = assess_gene(
        AR, [_call("TCIRG1", 1, "stop_gained", "homozygous")], sex=None, background_rate=RATE
    )
    assert result.status == "qualifying"
    assert result.lr > 1000
    assert result.alleles[0].acmg[0] == "PVS1"
    assert "PM2" in result.alleles[0].acmg


def test_single_heterozygous_null_in_a_recessive_gene_is_carrier_status_not_evidence() -> None:
    carrier = assess_gene(AR, [_call("TCIRG1", 1, "stop_gained")], sex=None, background_rate=RATE)
    nothing = assess_gene(AR, [], sex=None, background_rate=RATE)
    assert carrier.status == "carrier"
    assert carrier.lr == pytest.approx(nothing.lr)
    assert carrier.lr < 1
    assert "carrier" in carrier.note


def test_compound_heterozygous_in_trans_or_unphased_qualifies_but_in_cis_does_not() -> None:
    first = _call("TCIRG1", 1, "stop_gained")
    second = _call("TCIRG1", 2, "missense_variant", revel=0.9)
    unphased = assess_gene(AR, [first, second], sex=None, background_rate=RATE)
    assert unphased.status == "qualifying"
    assert unphased.lr > 100

    trans = [replace(first, origin="paternal"), replace(second, origin="maternal")]
    assert assess_gene(AR, trans, sex=None, background_rate=RATE).status == "qualifying"

    cis_by_parent = [replace(first, origin="maternal"), replace(second, origin="maternal")]
    cis = assess_gene(AR, cis_by_parent, sex=None, background_rate=RATE)
    assert cis.status == "in_cis"
    assert cis.lr < 1

    cis_by_phase = [
        replace(first, genotype="0|1", haplotype=1, phase_set=100),
        replace(second, genotype="0|1", haplotype=1, phase_set=100),
    ]
    assert assess_gene(AR, cis_by_phase, sex=None, background_rate=RATE).status == "in_cis"
    trans_by_phase = [cis_by_phase[0], replace(cis_by_phase[1], genotype="1|0", haplotype=0)]
    assert assess_gene(AR, trans_by_phase, sex=None, background_rate=RATE).status == "qualifying"


def test_dominant_negative_gene_counts_missense_but_not_null_alleles() -> None:
    missense = assess_gene(
        AD_DN, [_call("CLCN7", 1, "missense_variant", revel=0.8)], sex=None, background_rate=RATE
    )
    null = assess_gene(AD_DN, [_call("CLCN7", 1, "stop_gained")], sex=None, background_rate=RATE)
    assert missense.status == "qualifying"
    assert missense.lr > 10
    assert null.status == "no_qualifying_variant"
    assert null.lr < 1
    assert "PVS1" not in null.alleles[0].acmg
    assert "do not cause" in (null.alleles[0].reason or "")


def test_dominant_negative_gene_does_not_count_a_clinvar_pathogenic_splice_region_allele() -> None:
    # A ClinVar-pathogenic CLCN7 allele that changes no amino acid acts through splicing, as a loss of function:
    # its classification concerns recessive osteopetrosis, and one copy is silent for ADO2 (PMID:11741829).
    splice = assess_gene(
        AD_DN,
        [_call("CLCN7", 1, "splice_region_variant&intron_variant", clinvar="pathogenic")],
        sex=None,
        background_rate=RATE,
    )
    assert splice.status == "no_qualifying_variant"
    assert splice.lr < 1
    assert "PP5" in splice.alleles[0].acmg  # shown as evidence, not counted
    reason = splice.alleles[0].reason or ""
    assert "loss of function" in reason
    assert "not counted" in reason
    # The same allele still counts where loss of function is the mechanism (recessive osteopetrosis).
    recessive = assess_gene(
        GeneRule("CLCN7", ("AR",), loss_of_function=True, source="test"),
        [_call("CLCN7", 1, "splice_region_variant", "homozygous", clinvar="pathogenic")],
        sex=None,
        background_rate=RATE,
    )
    assert recessive.status == "qualifying"


def test_many_benign_variants_do_not_add_up() -> None:
    benign = [_call("TCIRG1", i, "missense_variant", clinvar="benign") for i in range(1, 11)]
    result = assess_gene(AR, benign, sex=None, background_rate=RATE)
    assert result.status == "no_qualifying_variant"
    assert result.lr < 1
    assert all("BP6" in a.acmg for a in result.alleles)


def test_frequency_thresholds_depend_on_the_mode() -> None:
    af = 1e-3  # too common for a dominant disease, plausible for a recessive one
    dominant = assess_gene(
        GeneRule("G", ("AD",)),
        [_call("G", 1, "missense_variant", revel=0.9, gnomad_af=af)],
        sex=None,
        background_rate=RATE,
    )
    recessive = assess_gene(
        GeneRule("G", ("AR",)),
        [_call("G", 1, "missense_variant", "homozygous", revel=0.9, gnomad_af=af)],
        sex=None,
        background_rate=RATE,
    )
    assert "BS1" in dominant.alleles[0].acmg
    assert dominant.status == "no_qualifying_variant"
    assert recessive.status == "qualifying"
    common = assess_gene(
        AR, [_call("TCIRG1", 1, "stop_gained", "homozygous", gnomad_af=0.2)], sex=None, background_rate=RATE
    )
    assert "BA1" in common.alleles[0].acmg
    assert common.lr < 1


def test_clinvar_and_computational_evidence_codes() -> None:
    rule = GeneRule("G", ("AD",))
    pathogenic = assess_gene(
        rule, [_call("G", 1, "synonymous_variant", clinvar="pathogenic")], sex=None, background_rate=RATE
    )
    tolerated = assess_gene(
        rule, [_call("G", 1, "missense_variant", revel=0.1)], sex=None, background_rate=RATE
    )
    cadd = assess_gene(
        rule, [_call("G", 1, "missense_variant", cadd_phred=30.0)], sex=None, background_rate=RATE
    )
    assert pathogenic.status == "qualifying"
    assert "PP5" in pathogenic.alleles[0].acmg
    assert "BP4" in tolerated.alleles[0].acmg
    assert tolerated.status == "no_qualifying_variant"
    assert "PP3" in cadd.alleles[0].acmg
    assert cadd.lr > assess_gene(rule, [_call("G", 1, "missense_variant")], sex=None, background_rate=RATE).lr


def test_cadd_alone_gives_pp3_or_bp4_and_revel_wins_when_both_are_given() -> None:
    rule = GeneRule("G", ("AD",))

    def codes(**scores: float) -> tuple[str, ...]:
        result = assess_gene(
            rule, [_call("G", 1, "missense_variant", **scores)], sex=None, background_rate=RATE
        )
        return result.alleles[0].acmg

    assert "BP4" in codes(cadd_phred=10.0)
    assert not {"PP3", "BP4"} & set(codes(cadd_phred=24.0))  # between the two thresholds: neither
    # One score per allele, as ClinGen advises (PMID:36413997): REVEL when given, CADD only otherwise.
    assert "PP3" in codes(revel=0.9, cadd_phred=10.0)
    assert "BP4" in codes(revel=0.1, cadd_phred=30.0)


def test_likely_pathogenic_weighs_less_than_pathogenic() -> None:
    rule = GeneRule("G", ("AD",))
    pathogenic, likely = (
        assess_gene(rule, [_call("G", 1, "synonymous_variant", clinvar=c)], sex=None, background_rate=RATE)
        for c in ("pathogenic", "likely_pathogenic")
    )
    assert pathogenic.status == likely.status == "qualifying"
    assert 1 < likely.lr < pathogenic.lr


def test_without_a_consequence_only_clinvar_qualifies_an_allele() -> None:
    # An unannotated VCF read with a gene table: the gene is known, the consequence is not.
    unknown = assess_gene(
        GeneRule("G", ("AD",)),
        [_call("G", 1, None)],
        sex=None,
        background_rate=RATE,  # type: ignore[arg-type]
    )
    # It does not qualify, but it may be a null allele: neither for nor against the disease (LR 1).
    assert unknown.alleles[0].weight == 0
    assert unknown.status == "unverified"
    assert unknown.lr == 1.0
    assert "consequence unknown" in (unknown.alleles[0].reason or "")
    known = assess_gene(
        GeneRule("G", ("AD",)),
        [_call("G", 1, None, clinvar="pathogenic")],  # type: ignore[arg-type]
        sex=None,
        background_rate=RATE,
    )
    assert known.status == "qualifying"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pathogenic", "pathogenic"),
        ("Likely_pathogenic", "likely_pathogenic"),
        ("Pathogenic/Likely_pathogenic", "likely_pathogenic"),  # the weaker of the two, never over-stated
        ("Benign/Likely_benign", "likely_benign"),
        ("benign&pathogenic", "conflicting"),  # VEP lists every submitted class
        ("Conflicting_classifications_of_pathogenicity", "conflicting"),
        ("Uncertain_significance", "uncertain"),
        ("drug_response", "other"),
        ("risk_factor|not_provided", "other"),
        ("Pathogenic, risk_factor", "pathogenic"),
        ("", None),
        (".", None),
        ("-", None),
        (None, None),
    ],
)
def test_clinvar_values_map_to_one_class(text: str | None, expected: str | None) -> None:
    assert normalise_clinvar(text) == expected


def test_x_linked_recessive_needs_a_hemizygous_male_or_two_alleles_in_a_female() -> None:
    het = [_call("IKBKG", 1, "missense_variant", revel=0.9)]
    hemi = [_call("IKBKG", 1, "missense_variant", "hemizygous", revel=0.9)]
    assert assess_gene(XLR, hemi, sex="male", background_rate=RATE).status == "qualifying"
    assert assess_gene(XLR, het, sex="female", background_rate=RATE).status == "carrier"
    two = [*het, _call("IKBKG", 2, "missense_variant", revel=0.9)]
    assert assess_gene(XLR, two, sex="female", background_rate=RATE).status == "qualifying"


def test_a_female_needs_two_x_linked_alleles_so_her_expected_count_is_two() -> None:
    # λ_d is 2 for a female with X-linked recessive disease, as for autosomal recessive disease: her homozygous
    # allele weighs as a recessive homozygote does, not twice the male's single allele against λ_d = 1.
    homozygous = [_call("IKBKG", 1, "missense_variant", "homozygous", revel=0.9)]
    female = assess_gene(XLR, homozygous, sex="female", background_rate=RATE)
    recessive = assess_gene(GeneRule("IKBKG", ("AR",)), homozygous, sex="female", background_rate=RATE)
    assert female.status == "qualifying"
    assert female.lr == pytest.approx(recessive.lr)
    # Nothing found: a female misses the disease genotype if either of her two alleles was missed.
    nothing = assess_gene(XLR, [], sex="female", background_rate=RATE)
    assert nothing.lr == pytest.approx(1 - (1 - MISSED_ALLELE_RATE) ** 2)
    assert assess_gene(XLR, [], sex="male", background_rate=RATE).lr == pytest.approx(MISSED_ALLELE_RATE)


def test_de_novo_allele_is_shown_as_ps2() -> None:
    result = assess_gene(
        GeneRule("G", ("AD",)),
        [_call("G", 1, "missense_variant", origin="de_novo")],
        sex=None,
        background_rate=RATE,
    )
    assert "PS2" in result.alleles[0].acmg


def test_lr_follows_the_poisson_ratio() -> None:
    result = assess_gene(
        GeneRule("G", ("AD",)),
        [_call("G", 1, "missense_variant", clinvar="pathogenic")],
        sex=None,
        background_rate=RATE,
    )
    expected = (1.0 / RATE) ** 1.0 * math.exp(-(1.0 - RATE))
    assert result.lr == pytest.approx(expected)


def test_no_qualifying_genotype_costs_the_chance_of_a_missed_allele() -> None:
    # LIRICAL's 5% per missed allele: 1 - 0.95 for a dominant, 1 - 0.95^2 for a recessive disease.
    dominant = assess_gene(GeneRule("G", ("AD",)), [], sex=None, background_rate=RATE)
    recessive = assess_gene(AR, [], sex=None, background_rate=RATE)
    assert dominant.status == recessive.status == "no_qualifying_variant"
    assert dominant.lr == pytest.approx(MISSED_ALLELE_RATE)
    assert recessive.lr == pytest.approx(1 - (1 - MISSED_ALLELE_RATE) ** 2)
    # A carrier allele, or two alleles in cis, give no more than finding nothing.
    carrier = assess_gene(AR, [_call("TCIRG1", 1, "stop_gained")], sex=None, background_rate=RATE)
    assert carrier.status == "carrier"
    assert carrier.lr == pytest.approx(recessive.lr)
    cis = [_call("TCIRG1", i, "stop_gained", origin="maternal") for i in (1, 2)]
    in_cis = assess_gene(AR, cis, sex=None, background_rate=RATE)
    assert in_cis.status == "in_cis"
    assert in_cis.lr == pytest.approx(recessive.lr)
    # Both readings of a gene without an annotated mode are averaged.
    both = assess_gene(GeneRule("G", ("AR", "AD")), [], sex=None, background_rate=RATE)
    assert both.lr == pytest.approx((dominant.lr + recessive.lr) / 2)


# -- the model over the fixture release ------------------------------------------------------------------


def _row(model: GenotypeModel, disease_id: str) -> int:
    return model.disease_ids.index(disease_id)


def test_knowledge_base_mechanism_drives_the_rules(model: GenotypeModel) -> None:
    ado2 = model.rules[_row(model, "OMIM:166600")]
    assert ado2[0].gene == "CLCN7"
    assert ado2[0].loss_of_function is False
    optb1 = model.rules[_row(model, "OMIM:259700")]
    assert optb1[0].modes == ("AR",)
    assert optb1[0].loss_of_function is True
    # No inheritance annotated for the fixture's OMIM:100001: both readings are tried.
    assert set(model.rules[_row(model, "OMIM:100001")][0].modes) == {"AR", "AD"}


def test_evaluate_lowers_covered_genes_and_leaves_uncovered_ones(model: GenotypeModel) -> None:
    calls = _vcf(_call("TCIRG1", 5, "stop_gained", "homozygous"))
    evidence = model.evaluate(calls, sex=None)
    assert evidence.for_row(_row(model, "OMIM:259700")).status == "qualifying"
    assert evidence.log_lr[_row(model, "OMIM:259700")] > math.log(100)
    assert evidence.for_row(_row(model, "OMIM:166600")).status == "no_qualifying_variant"
    assert evidence.log_lr[_row(model, "OMIM:166600")] < 0

    panel = _vcf(_call("TCIRG1", 5, "stop_gained", "homozygous"), genome_wide=False)
    panel_evidence = model.evaluate(panel, sex=None)
    assert panel_evidence.for_row(_row(model, "OMIM:166600")).status == "not_covered"
    assert panel_evidence.log_lr[_row(model, "OMIM:166600")] == 0.0


def test_background_rate_uses_the_file_and_a_floor(model: GenotypeModel) -> None:
    assert model.background_rate(_vcf()) == pytest.approx(0.005)
    assert model.background_rate(_vcf(genome_wide=False)) == pytest.approx(0.05)
    many = _vcf(*[_call(f"G{i}", i, "stop_gained") for i in range(400)])
    # 400 null alleles (weight 0.8, mechanism unstated) over 20,000 genes of a genome-wide file.
    assert model.background_rate(many) == pytest.approx(400 * 0.8 / 20_000)


def test_ranker_combines_genotype_with_phenotype(mini_hpo: Hpo, kb: KnowledgeBase) -> None:
    ranker = Ranker(mini_hpo, kb)
    case = Case("c1", "(test)", (Finding("HP:0011002"),))
    without = ranker.rank(case, top=4)
    calls = _vcf(
        _call("CLCN7", 7, "stop_gained"),  # a heterozygous null decoy: silent for ADO2
        _call("TCIRG1", 5, "stop_gained", "homozygous"),
    )
    with_dna = ranker.rank(case, top=4, genotype=calls)
    assert with_dna.diagnoses[0].disease_id == "OMIM:259700"
    top = with_dna.diagnoses[0].to_dict()
    assert top["genotype_lr"] > 100
    assert set(top["variants"][0]) == {
        "gene", "chrom", "pos", "ref", "alt", "genotype", "hgvs_c", "hgvs_p", "consequence", "gnomad_af",
        "clinvar", "acmg", "class",
    }  # fmt: skip
    ado2 = next(d for d in with_dna.diagnoses if d.disease_id == "OMIM:166600")
    assert ado2.genotype_lr < 1
    assert with_dna.to_dict()["genotype"]["mode"] == "vep"
    assert all(d.genotype_lr == 1.0 and d.variants == [] for d in without.diagnoses)
