"""Overlapping deletions of two callers, and VEP's partial coding deletions (docs/genotype.md, "Structural variants").

The faults: (1) two callers' heterozygous ``<DEL>`` records of one deletion, left unmerged in one VCF (Manta
beside CNVnator), counted as two alleles, a false compound heterozygote in TCIRG1 (OPTB1 LR ~228). (2) A
VEP-annotated ``<DEL>`` removing part of TCIRG1's coding sequence (``coding_sequence_variant&feature_truncation``)
was read as harmless, so a stop-gain beside it left OPTB1 at carrier (LR ~0.1).
"""

from __future__ import annotations

from pathlib import Path

from marbledx.genotype import GeneRegions, GenotypeModel, VcfReadResult, read_vcf, variant_class
from marbledx.genotype.synthetic import SyntheticVariant, write_vcf
from tests.unit.genotype.evidence import for_disease, tcirg1_variant

P = "PROBAND"
TCIRG1_START, TCIRG1_END = 68_039_001, 68_053_000
TABLE = GeneRegions([("chr11", TCIRG1_START - 1, TCIRG1_END, "TCIRG1")], build="GRCh38")
HEADER = [
    '##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the variant">',
    '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type">',
]


def _deletion(
    pos: int, end: int, gt: str = "0/1", phase_set: int | None = None, consequence: str | None = None
) -> SyntheticVariant:
    return SyntheticVariant(
        "chr11",
        pos,
        "A",
        "<DEL>",
        "TCIRG1" if consequence else None,
        consequence,
        genotypes={P: gt},
        phase_sets={P: phase_set} if phase_set is not None else {},
        info={"END": str(end), "SVTYPE": "DEL"},
    )


def _table_read(tmp_path: Path, *variants: SyntheticVariant) -> VcfReadResult:
    path = write_vcf(tmp_path / "d.vcf", list(variants), annotation=None, extra_header=HEADER)
    return read_vcf(path, gene_locator=TABLE)


# -- (1) one deletion called twice ---------------------------------------------------------------------------------


def test_a_reader_call_carries_the_end_of_a_symbolic_deletion(tmp_path: Path) -> None:
    vcf = _table_read(tmp_path, _deletion(68_030_000, 68_060_000))
    (call,) = vcf.calls
    assert call.end == 68_060_000


def test_two_callers_overlapping_heterozygous_deletions_count_once(
    tmp_path: Path, model: GenotypeModel
) -> None:
    # Manta and CNVnator calls of one whole-TCIRG1 deletion, breakpoints a few hundred bases apart.
    vcf = _table_read(tmp_path, _deletion(68_030_000, 68_060_000), _deletion(68_030_400, 68_059_500))
    genotype = for_disease(model, vcf)
    assert genotype.status == "carrier"
    assert genotype.lr < 1
    assert "68030000-68060000" in genotype.note
    assert "68030400-68059500" in genotype.note
    assert "one deletion called twice" in genotype.note


def test_overlapping_deletions_phased_in_trans_stay_two_alleles(tmp_path: Path, model: GenotypeModel) -> None:
    vcf = _table_read(
        tmp_path,
        _deletion(68_030_000, 68_060_000, "0|1", phase_set=68_000_000),
        _deletion(68_030_400, 68_059_500, "1|0", phase_set=68_000_000),
    )
    genotype = for_disease(model, vcf)
    assert genotype.status == "qualifying"
    assert genotype.lr > 100


def test_overlapping_deletions_under_a_homozygous_deletion_stay_two_alleles(
    tmp_path: Path, model: GenotypeModel
) -> None:
    # A third record says both copies are lost over the shared region: two haplotypes.
    vcf = _table_read(
        tmp_path,
        _deletion(68_030_000, 68_060_000),
        _deletion(68_030_400, 68_059_500),
        _deletion(68_030_300, 68_059_600, "1/1"),
    )
    genotype = for_disease(model, vcf)
    assert genotype.status == "qualifying"
    assert "one deletion called twice" not in genotype.note


def test_deletions_overlapping_by_less_than_half_stay_two_alleles(
    tmp_path: Path, model: GenotypeModel
) -> None:
    # Each removes the whole gene, but they share under half of the larger one: two different events.
    vcf = _table_read(tmp_path, _deletion(68_030_000, 68_060_000), _deletion(68_038_000, 68_200_000))
    genotype = for_disease(model, vcf)
    assert genotype.status == "qualifying"


# -- (2) a partial coding deletion is a null allele ------------------------------------------------------------------


def test_variant_class_of_a_partial_coding_deletion() -> None:
    partial = "coding_sequence_variant&feature_truncation"
    assert variant_class(partial, deletion=True) == "null"
    assert variant_class("feature_truncation&exon_loss_variant", deletion=True) == "null"
    assert variant_class(partial) == "other"  # not known to be a deletion
    assert variant_class("intron_variant&feature_truncation", deletion=True) == "other"
    assert (
        variant_class("inframe_deletion&coding_sequence_variant&feature_truncation", deletion=True)
        == "missense"
    )


def test_vep_partial_coding_deletion_completes_a_compound_heterozygote(
    tmp_path: Path, model: GenotypeModel
) -> None:
    variants = [
        tcirg1_variant(),
        _deletion(68_045_000, 68_049_000, consequence="coding_sequence_variant&feature_truncation"),
    ]
    path = write_vcf(tmp_path / "v.vcf", variants, extra_header=HEADER)
    genotype = for_disease(model, read_vcf(path))
    assert genotype.status == "qualifying"
    assert genotype.lr > 100


def test_vep_intronic_only_deletion_is_not_counted(tmp_path: Path, model: GenotypeModel) -> None:
    variants = [
        tcirg1_variant(),
        _deletion(68_045_000, 68_045_400, consequence="intron_variant&feature_truncation"),
    ]
    path = write_vcf(tmp_path / "v.vcf", variants, extra_header=HEADER)
    genotype = for_disease(model, read_vcf(path))
    assert genotype.status == "carrier"
