"""Faults found by the genotype review (docs/genotype.md), each on synthetic VCFs written by the test itself.

1. a neighbouring gene's MANE/canonical entry hid the disease gene's consequence;
2. in gene-table mode an allele overlapping several genes went to the first one only;
3. a ClinVar-pathogenic null allele qualified where the knowledge base says null alleles are not the mechanism;
4. with the sex unknown, a hemizygous X allele counted as two;
5. PM2 ("absent from gnomAD") was claimed for files without any frequency annotation;
6. FILTER was ignored, so a call the VCF's own filters rejected counted as full evidence;
7. SnpEff's initiator_codon_variant (a start codon changed into another start codon) counted as a null allele.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from marbledx.genotype import (
    ClinvarSignificance,
    GeneRegions,
    GeneRule,
    GenomeBuild,
    GenotypeModel,
    assess_gene,
    read_vcf,
    variant_class,
)
from marbledx.genotype._annotation import NumberReader, TranscriptField
from marbledx.genotype.synthetic import (
    SNPEFF_FIELDS,
    VEP_FIELDS,
    SyntheticTranscript,
    SyntheticVariant,
    write_vcf,
)
from tests.unit.genotype.evidence import for_disease

from .test_vcf_fastpath import _full_read, _same

P = "PROBAND"
OPTB1 = "OMIM:259700"  # TCIRG1, autosomal recessive, loss of function
ADO2 = (
    "OMIM:166600"  # CLCN7, autosomal dominant, dominant-negative; heterozygous nulls silent (PMID:11741829)
)
TCIRG1_POS = 68_042_300
CLCN7_POS = 1_450_200

# LIRICAL's missed-allele LR for a covered gene without a fitting genotype (docs/genotype.md).
NOTHING_RECESSIVE = 1 - 0.95**2
NOTHING_DOMINANT = 0.05
# The exact JSON contract of a listed variant.
VARIANT_KEYS = {
    "gene", "chrom", "pos", "ref", "alt", "genotype", "hgvs_c", "hgvs_p", "consequence", "gnomad_af",
    "clinvar", "acmg", "class",
}  # fmt: skip


def _tcirg1(gt: str = "1/1", **kwargs: object) -> SyntheticVariant:
    fields: dict[str, object] = {
        "chrom": "chr11",
        "pos": TCIRG1_POS,
        "ref": "C",
        "alt": "T",
        "gene": "TCIRG1",
        "consequence": "stop_gained",
        "genotypes": {P: gt},
        "hgvs_c": "c.1674G>A",
        "mane_select": "NM_006019.4",
    }
    fields |= kwargs
    return SyntheticVariant(**fields)  # type: ignore[arg-type]


def _clcn7(gt: str = "0/1", **kwargs: object) -> SyntheticVariant:
    fields: dict[str, object] = {
        "chrom": "chr16",
        "pos": CLCN7_POS,
        "ref": "G",
        "alt": "A",
        "gene": "CLCN7",
        "consequence": "stop_gained",
        "genotypes": {P: gt},
        "hgvs_c": "c.100C>T",
        "gnomad_af": 2e-5,
    }
    fields |= kwargs
    return SyntheticVariant(**fields)  # type: ignore[arg-type]


class _Clinvar:
    """A ClinVar table that knows the TCIRG1 and CLCN7 test alleles as pathogenic."""

    build: GenomeBuild = "GRCh38"

    def significance(self, chrom: str, pos: int, ref: str, alt: str) -> ClinvarSignificance | None:
        return "pathogenic" if pos in {TCIRG1_POS, CLCN7_POS} else None


# -- 1. one transcript choice per gene ------------------------------------------------------------------------

# VEP writes an entry for every gene within 5 kb, each with its own MANE Select transcript.
_NEIGHBOUR = SyntheticTranscript(
    "ENST00000265689", "downstream_gene_variant", gene="CHKA", canonical=True, mane_select="NM_001277.3"
)


@pytest.mark.parametrize("neighbour_first", [True, False])
def test_a_neighbouring_genes_mane_entry_does_not_hide_the_disease_genes_consequence(
    tmp_path: Path, model: GenotypeModel, neighbour_first: bool
) -> None:
    if neighbour_first:
        variant = _tcirg1(
            gene="CHKA",
            consequence="downstream_gene_variant",
            hgvs_c=None,
            transcript="ENST00000265689",
            mane_select="NM_001277.3",
            extra_transcripts=(
                SyntheticTranscript(
                    "ENST00000265686", "stop_gained", gene="TCIRG1", canonical=True,
                    mane_select="NM_006019.4", hgvs_c="c.1674G>A",
                ),
            ),
        )  # fmt: skip
    else:
        variant = _tcirg1(extra_transcripts=(_NEIGHBOUR,))
    result = read_vcf(write_vcf(tmp_path / "n.vcf", [variant]))
    assert len(result.calls) == 1  # one allele carried, however many genes it is in
    optb1 = for_disease(model, result, OPTB1)
    assert optb1.status == "qualifying"
    assert optb1.lr > 100
    (listed,) = optb1.alleles
    assert (listed.call.gene, listed.call.consequence, listed.call.hgvs_c) == (
        "TCIRG1",
        "stop_gained",
        "c.1674G>A",
    )
    assert "PVS1" in listed.acmg


def test_the_allele_is_set_aside_only_when_common_in_every_gene(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: GenotypeModel
) -> None:
    rare_in_tcirg1 = _tcirg1(
        gene="CHKA",
        consequence="downstream_gene_variant",
        mane_select="NM_001277.3",
        gnomad_af=0.3,
        extra_transcripts=(
            SyntheticTranscript(
                "ENST00000265686", "stop_gained", gene="TCIRG1", mane_select="NM_006019.4",
                extra={"gnomADe_AF": "1e-06"},
            ),
        ),
    )  # fmt: skip
    common_in_both = _tcirg1(
        pos=TCIRG1_POS + 500,
        gnomad_af=0.2,
        extra_transcripts=(
            SyntheticTranscript("ENST00000265689", "downstream_gene_variant", gene="CHKA", extra={"gnomADe_AF": "0.2"}),
        ),
    )  # fmt: skip
    path = write_vcf(tmp_path / "c.vcf", [rare_in_tcirg1, common_in_both])
    fast = read_vcf(path)
    _same(fast, _full_read(monkeypatch, path))
    assert [c.pos for c in fast.calls_to_interpret] == [TCIRG1_POS]
    assert (
        model.evaluate(fast, None).background_rate
        == model.evaluate(_full_read(monkeypatch, path), None).background_rate
    )
    set_aside = fast.calls[1]
    assert [(c.gene, c.gnomad_af) for c in (set_aside, *set_aside.other_genes)] == [
        ("TCIRG1", 0.2),
        ("CHKA", 0.2),
    ]
    assert for_disease(model, fast, OPTB1).lr > 100


# -- 2. gene-table mode: every overlapping gene --------------------------------------------------------------


def test_an_allele_overlapping_several_table_genes_is_assessed_in_each(
    tmp_path: Path, model: GenotypeModel
) -> None:
    # A GENCODE table holds every named gene, lncRNAs included; this one starts before TCIRG1.
    regions = GeneRegions(
        [("chr11", 68_030_000, 68_045_000, "LNC-OVERLAP"), ("chr11", 68_039_000, 68_053_000, "TCIRG1")],
        build="GRCh38",
    )
    path = write_vcf(tmp_path / "u.vcf", [_tcirg1(gene=None)], annotation=None)
    result = read_vcf(path, gene_locator=regions, clinvar=_Clinvar())
    (call,) = result.calls
    assert [call.gene, *(c.gene for c in call.other_genes)] == ["LNC-OVERLAP", "TCIRG1"]
    optb1 = for_disease(model, result, OPTB1)
    assert optb1.status == "qualifying"
    assert optb1.lr > 100
    assert optb1.alleles[0].call.gene == "TCIRG1"


# -- 3. the mechanism comes before ClinVar ---------------------------------------------------------------------


@pytest.mark.parametrize("clinvar", ["pathogenic", "likely_pathogenic"])
def test_a_clinvar_pathogenic_clcn7_null_does_not_qualify_for_ado2(
    tmp_path: Path, model: GenotypeModel, clinvar: str
) -> None:
    with_clinvar = read_vcf(write_vcf(tmp_path / "p.vcf", [_clcn7(clinvar=clinvar)]))
    without = read_vcf(write_vcf(tmp_path / "n.vcf", [_clcn7()]))
    ado2 = for_disease(model, with_clinvar, ADO2)
    assert ado2.status == "no_qualifying_variant"
    assert ado2.lr == pytest.approx(NOTHING_DOMINANT)
    assert ado2.lr == for_disease(model, without, ADO2).lr
    (shown,) = ado2.alleles
    assert shown.weight == 0
    assert "PP5" in shown.acmg  # kept as evidence, not as a reason to qualify
    assert "PVS1" not in shown.acmg
    assert "ClinVar" in ado2.note
    assert "not counted" in ado2.note
    assert "PMID:11741829" in ado2.note


def test_a_clinvar_pathogenic_clcn7_allele_of_unknown_consequence_does_not_qualify_for_ado2(
    tmp_path: Path, model: GenotypeModel
) -> None:
    regions = GeneRegions([("chr16", 1_440_000, 1_470_000, "CLCN7")], build="GRCh38")
    path = write_vcf(tmp_path / "u.vcf", [_clcn7(gene=None, gnomad_af=None)], annotation=None)
    result = read_vcf(path, gene_locator=regions, clinvar=_Clinvar())
    assert result.calls[0].clinvar == "pathogenic"
    ado2 = for_disease(model, result, ADO2)
    # It does not qualify; but it may be a dominant-negative missense, so it does not lower ADO2 either.
    assert ado2.alleles[0].weight == 0
    assert ado2.lr == 1.0
    assert "PP5" in ado2.alleles[0].acmg
    assert "consequence unknown" in ado2.note


def test_a_clinvar_pathogenic_lrp5_null_does_not_qualify_for_a_gain_of_function_disease(
    tmp_path: Path,
) -> None:
    ado1 = GeneRule("LRP5", ("AD",), loss_of_function=False, source="knowledge base: PMID:12579474")
    variant = SyntheticVariant(
        "chr11",
        68_400_000,
        "C",
        "T",
        "LRP5",
        "stop_gained",
        {P: "0/1"},
        hgvs_c="c.2000C>T",
        clinvar="pathogenic",
    )
    calls = read_vcf(write_vcf(tmp_path / "l.vcf", [variant])).calls
    result = assess_gene(ado1, calls, sex=None, background_rate=0.05)
    assert result.status == "no_qualifying_variant"
    assert result.lr == pytest.approx(NOTHING_DOMINANT)
    assert result.alleles[0].acmg == ("PM2", "PP5")


def test_a_clinvar_pathogenic_clcn7_missense_still_qualifies_for_ado2(
    tmp_path: Path, model: GenotypeModel
) -> None:
    missense = _clcn7(consequence="missense_variant", hgvs_c="c.2299C>T", clinvar="pathogenic", revel=0.9)
    ado2 = for_disease(model, read_vcf(write_vcf(tmp_path / "m.vcf", [missense])), ADO2)
    assert ado2.status == "qualifying"
    assert ado2.lr > 1


# -- 4. X with the sex unknown ---------------------------------------------------------------------------------


@pytest.mark.parametrize("gt", ["1", "1/1"])
def test_an_x_allele_counts_once_for_x_linked_recessive_when_the_sex_is_unknown(
    tmp_path: Path, gt: str
) -> None:
    xlr = GeneRule("IKBKG", ("XLR",), source="test")
    variant = SyntheticVariant(
        "chrX", 154_560_000, "C", "T", "IKBKG", "missense_variant", {P: gt}, hgvs_c="c.1000C>T", revel=0.9
    )
    calls = read_vcf(write_vcf(tmp_path / "x.vcf", [variant])).calls
    unknown = assess_gene(xlr, calls, sex=None, background_rate=0.05)
    male = assess_gene(xlr, read_vcf(tmp_path / "x.vcf", sex="male").calls, sex="male", background_rate=0.05)
    assert unknown.status == male.status == "qualifying"
    assert unknown.lr == pytest.approx(male.lr)
    # k = 0.8 (missense with PP3) against λ_d = 1, λ_b = 0.05: one allele, not two.
    assert unknown.lr == pytest.approx(math.exp(0.8 * math.log(1 / 0.05) - (1 - 0.05)))
    if gt == "1/1":
        assert "counted once" in unknown.note


# -- 5. PM2 only with a frequency source -------------------------------------------------------------------------


def test_no_pm2_without_a_frequency_column(tmp_path: Path, model: GenotypeModel) -> None:
    layout = [name for name in VEP_FIELDS if name != "gnomADe_AF"]
    result = read_vcf(write_vcf(tmp_path / "f.vcf", [_tcirg1()], annotation_fields=layout))
    optb1 = for_disease(model, result, OPTB1)
    (shown,) = optb1.alleles
    assert shown.call.gnomad_af is None
    assert "PM2" not in shown.acmg
    assert shown.acmg == ("PVS1",)
    assert "gnomAD frequency not annotated" in optb1.note
    assert "rarity is unverified" in optb1.note
    # Rarity is unverified, not refuted: the allele still qualifies.
    assert optb1.status == "qualifying"
    assert not result.frequency_annotated


def test_pm2_when_the_frequency_column_is_there_but_empty(tmp_path: Path, model: GenotypeModel) -> None:
    result = read_vcf(write_vcf(tmp_path / "f.vcf", [_tcirg1()]))
    assert result.frequency_annotated
    optb1 = for_disease(model, result, OPTB1)
    assert optb1.alleles[0].acmg == ("PVS1", "PM2")
    assert "not annotated" not in optb1.note


def test_gene_table_mode_claims_pm2_only_with_an_info_frequency_key(
    tmp_path: Path, model: GenotypeModel
) -> None:
    regions = GeneRegions([("chr11", 68_039_000, 68_053_000, "TCIRG1")], build="GRCh38")
    bare = read_vcf(
        write_vcf(tmp_path / "b.vcf", [_tcirg1(gene=None)], annotation=None),
        gene_locator=regions,
        clinvar=_Clinvar(),
    )
    assert for_disease(model, bare, OPTB1).alleles[0].acmg == ("PP5",)
    assert not bare.frequency_annotated
    header = ['##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD AF">']
    with_key = read_vcf(
        write_vcf(tmp_path / "k.vcf", [_tcirg1(gene=None)], annotation=None, extra_header=header),
        gene_locator=regions,
        clinvar=_Clinvar(),
    )
    assert with_key.frequency_annotated
    assert for_disease(model, with_key, OPTB1).alleles[0].acmg == ("PM2", "PP5")


# -- 6. FILTER -----------------------------------------------------------------------------------------------------


def test_a_call_the_vcfs_filters_rejected_is_never_evidence(tmp_path: Path, model: GenotypeModel) -> None:
    result = read_vcf(write_vcf(tmp_path / "f.vcf", [_tcirg1(filter="LowQual")]))
    assert len(result.calls) == 0
    assert result.n_records == 1
    assert "TCIRG1" in result.covered_genes
    assert [c.pos for c in result.filtered_calls] == [TCIRG1_POS]
    (warning,) = [w for w in result.warnings if "filters" in w]
    assert "1 call(s) not used as evidence" in warning
    assert "LowQual: 1" in warning
    optb1 = for_disease(model, result, OPTB1)
    # Not evidence for the disease, and not "looked at, nothing found" either: the allele may be real.
    assert optb1.status == "unverified"
    assert optb1.lr == 1.0
    assert optb1.alleles == ()
    assert "rejected" in optb1.note


def test_a_rejected_call_that_would_not_complete_a_genotype_changes_nothing(
    tmp_path: Path, model: GenotypeModel
) -> None:
    result = read_vcf(write_vcf(tmp_path / "f.vcf", [_tcirg1("0/1", filter="LowQual;DP10")]))
    optb1 = for_disease(model, result, OPTB1)
    assert optb1.lr == pytest.approx(NOTHING_RECESSIVE)
    assert any("LowQual;DP10: 1" in w for w in result.warnings)


def test_a_rejected_second_allele_keeps_a_recessive_gene_neutral_not_qualifying(
    tmp_path: Path, model: GenotypeModel
) -> None:
    passed = _tcirg1("0/1")
    rejected = _tcirg1("0/1", pos=TCIRG1_POS + 100, hgvs_c="c.1700del", filter="LowQual")
    optb1 = for_disease(model, read_vcf(write_vcf(tmp_path / "f.vcf", [passed, rejected])), OPTB1)
    assert optb1.lr == 1.0
    assert optb1.status == "unverified"
    assert [a.call.hgvs_c for a in optb1.alleles] == ["c.1674G>A"]  # only calls that passed are listed


def test_filter_pass_or_missing_counts(tmp_path: Path, model: GenotypeModel) -> None:
    for value in ("PASS", "."):
        result = read_vcf(write_vcf(tmp_path / f"f{value}.vcf", [_tcirg1(filter=value)]))
        assert not result.filtered_calls
        assert not result.warnings
        assert for_disease(model, result, OPTB1).lr > 100


def test_the_listed_variants_keep_their_exact_keys(tmp_path: Path, model: GenotypeModel) -> None:
    variants = [_tcirg1("0/1"), _tcirg1("0/1", pos=TCIRG1_POS + 100, filter="LowQual")]
    optb1 = for_disease(model, read_vcf(write_vcf(tmp_path / "f.vcf", variants)), OPTB1)
    assert [set(a.to_dict()) for a in optb1.alleles] == [VARIANT_KEYS]


# -- 7. SnpEff initiator_codon_variant ---------------------------------------------------------------------------


def test_snpeff_initiator_codon_variant_is_not_a_null_allele(tmp_path: Path, model: GenotypeModel) -> None:
    assert variant_class("initiator_codon_variant") == "other"
    assert variant_class("initiator_codon_variant&splice_region_variant") == "other"
    assert variant_class("start_lost") == "null"
    initiator = _tcirg1(consequence="initiator_codon_variant", hgvs_c="c.1A>G", mane_select=None)
    result = read_vcf(write_vcf(tmp_path / "i.vcf", [initiator], annotation="snpeff"))
    optb1 = for_disease(model, result, OPTB1)
    assert optb1.lr == pytest.approx(NOTHING_RECESSIVE)
    assert all("PVS1" not in a.acmg for a in optb1.alleles)

    start_lost = _tcirg1(consequence="start_lost", hgvs_c="c.1A>G", mane_select=None)
    lost = for_disease(
        model, read_vcf(write_vcf(tmp_path / "s.vcf", [start_lost], annotation="snpeff")), OPTB1
    )
    assert lost.lr > 100
    assert lost.alleles[0].acmg[0] == "PVS1"


def test_choose_by_gene_makes_one_choice_per_gene() -> None:
    field = TranscriptField("vep", VEP_FIELDS, NumberReader())

    def entry(
        gene: str, consequence: str, *, canonical: bool = False, mane: str = "", allele: str = "T"
    ) -> str:
        values = {
            "Allele": allele,
            "SYMBOL": gene,
            "Consequence": consequence,
            "CANONICAL": "YES" if canonical else "",
        }
        return "|".join(values.get(name, "") if name != "MANE_SELECT" else mane for name in VEP_FIELDS)

    value = ",".join(
        [
            entry("CHKA", "downstream_gene_variant", canonical=True, mane="NM_1"),  # 0
            entry("", "regulatory_region_variant"),  # 1: no gene, no choice of its own
            entry("TCIRG1", "intron_variant"),  # 2
            entry("TCIRG1", "stop_gained", canonical=True),  # 3: canonical within TCIRG1
            entry("LNC", "non_coding_transcript_exon_variant"),  # 4
            entry("LNC", "splice_donor_variant"),  # 5: most severe within LNC
        ]
    )
    entries = field.entries(value)
    assert field.choose_by_gene(entries, "C", ["T"], 0) == [0, 3, 5]
    assert field.choose_index(entries, "C", ["T"], 0) == 0
    # Multi-allelic: only the entries of the allele asked for.
    two = field.entries(
        ",".join([entry("CHKA", "intron_variant", allele="G"), entry("TCIRG1", "stop_gained")])
    )
    assert field.choose_by_gene(two, "C", ["G", "T"], 1) == [1]
    assert field.choose_by_gene(two, "C", ["G", "T"], 0) == [0]
    snpeff = TranscriptField("snpeff", SNPEFF_FIELDS, NumberReader())
    ann = ",".join(
        "|".join({"Allele": "T", "Gene_Name": g, "Annotation": c}.get(n, "") for n in SNPEFF_FIELDS)
        for g, c in [
            ("A", "missense_variant"),
            ("B", "stop_gained"),
            ("A", "stop_gained"),
            ("B", "intron_variant"),
        ]
    )
    assert snpeff.choose_by_gene(snpeff.entries(ann), "C", ["T"], 0) == [0, 1]  # SnpEff: each gene's first


def test_a_common_allele_in_two_table_genes_is_set_aside_with_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    regions = GeneRegions(
        [("chr11", 68_030_000, 68_045_000, "LNC-OVERLAP"), ("chr11", 68_039_000, 68_053_000, "TCIRG1")],
        build="GRCh38",
    )
    header = ['##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD AF">']
    variants = [
        _tcirg1(gene=None, info={"gnomAD_AF": "0.3"}),
        _tcirg1(gene=None, pos=TCIRG1_POS + 5, info={"gnomAD_AF": "1e-06"}),
    ]
    path = write_vcf(tmp_path / "g.vcf", variants, annotation=None, extra_header=header)
    fast = read_vcf(path, gene_locator=regions)
    _same(fast, _full_read(monkeypatch, path, gene_locator=regions))
    assert [c.pos for c in fast.calls_to_interpret] == [TCIRG1_POS + 5]
    for call in fast.calls:
        assert [call.gene, *(c.gene for c in call.other_genes)] == ["LNC-OVERLAP", "TCIRG1"]


@pytest.mark.parametrize("style", ["vep", "snpeff"])
def test_the_first_choice_per_gene_is_the_overall_choice(style: str) -> None:
    fields = VEP_FIELDS if style == "vep" else SNPEFF_FIELDS
    field = TranscriptField(style, fields, NumberReader())  # type: ignore[arg-type]
    column = {name: i for i, name in enumerate(fields)}
    gene_column = "SYMBOL" if style == "vep" else "Gene_Name"
    effect_column = "Consequence" if style == "vep" else "Annotation"
    rng = random.Random(11)
    effects = [
        "stop_gained",
        "missense_variant",
        "intron_variant",
        "downstream_gene_variant",
        "splice_region_variant",
    ]
    for _ in range(2000):
        entries = []
        for _ in range(rng.randint(1, 7)):
            parts = [""] * (len(fields) + 1)
            parts[column["Allele"]] = "T"
            parts[column[gene_column]] = rng.choice(["A", "B", "C", ""])
            parts[column[effect_column]] = "&".join(rng.sample(effects, rng.randint(1, 2)))
            if style == "vep":
                parts[column["CANONICAL"]] = "YES" if rng.random() < 0.3 else ""
                parts[column["MANE_SELECT"]] = "NM_1" if rng.random() < 0.2 else ""
            entries.append(parts)
        chosen = field.choose_by_gene(entries, "C", ["T"], 0)
        assert chosen[0] == field.choose_index(entries, "C", ["T"], 0)
        # One per gene, and each the gene's own choice.
        genes = [entries[j][column[gene_column]] for j in chosen]
        assert len(set(genes)) == len(genes)
        for j in chosen[1:]:
            gene = entries[j][column[gene_column]]
            members = [i for i, parts in enumerate(entries) if parts[column[gene_column]] == gene]
            within = field.choose_index([entries[i] for i in members], "C", ["T"], 0)
            assert within is not None
            assert j == members[within]
        named = {parts[column[gene_column]] for parts in entries} - {""}
        assert set(genes) - {""} == named
