"""Genotype review of stop 40: breakend junctions that name no mate, and caller-shaped VCFs.

* DELLY writes each junction of a translocation as one record (SVTYPE=BND, INFO CHR2 and POS2, CT, no MATEID):
  the two junctions of one reciprocal translocation were two unlinked records, so inside one gene they counted
  as two alleles (a recessive gene stayed at LR 1, "could be a compound heterozygote"), and the gene at the
  other side (POS2) counted no allele at all. GRIDSS's PARID was not read as a mate link.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from marbledx.genotype import GeneRegions, GenotypeModel, read_vcf
from marbledx.genotype import _interpret as interp
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from tests.unit.genotype.evidence import for_disease

OPTB1 = "OMIM:259700"  # TCIRG1, autosomal recessive
OPTB4 = "OMIM:611490"  # CLCN7, autosomal recessive
ONE_ALLELE_OF_TWO = 1 - (1 - interp.MISSED_ALLELE_RATE) ** 2  # a recessive gene with one allele: 0.0975

TABLE = GeneRegions(
    [("chr16", 1_444_933, 1_475_084, "CLCN7"), ("chr11", 68_039_000, 68_053_000, "TCIRG1")],
    build="GRCh38",
)
HEADER = [
    "##fileformat=VCFv4.2",
    "##reference=GRCh38",
    "##contig=<ID=chr1,length=248956422>",
    "##contig=<ID=chr11,length=135086622>",
    "##contig=<ID=chr16,length=90338345>",
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">',
    '##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the structural variant">',
    '##INFO=<ID=CHR2,Number=1,Type=String,Description="Chromosome for POS2 coordinate">',
    '##INFO=<ID=POS2,Number=1,Type=Integer,Description="Genomic position for CHR2">',
    '##INFO=<ID=END2,Number=1,Type=Integer,Description="Position of the other breakend">',
    '##INFO=<ID=CT,Number=1,Type=String,Description="Paired-end signature induced connection type">',
    '##INFO=<ID=PARID,Number=1,Type=String,Description="ID of partner breakend">',
    '##INFO=<ID=MATEID,Number=.,Type=String,Description="ID of mate breakends">',
    '##ALT=<ID=BND,Description="Translocation">',
]

TCIRG1_AT, CLCN7_AT = 68_045_000, 1_450_000


@pytest.fixture(scope="module")
def model(real_hpo: Hpo, kb: KnowledgeBase) -> GenotypeModel:
    return GenotypeModel(real_hpo, kb, [OPTB1, OPTB4])


def _write(path: Path, rows: list[str]) -> Path:
    lines = [*HEADER, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1", *rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _delly(
    chrom: str, pos: int, record_id: str, alt: str, chrom2: str, pos2: int, ct: str, gt: str = "0/1"
) -> str:
    info = f"PRECISE;SVTYPE=BND;END={pos + 1};CHR2={chrom2};POS2={pos2};CT={ct}"
    return f"{chrom}\t{pos}\t{record_id}\tA\t{alt}\t60\tPASS\t{info}\tGT\t{gt}"


# The two junctions of one reciprocal t(11;16) with breakpoints inside TCIRG1 and CLCN7, as DELLY writes them
# (github.com/dellytools/delly, src/util.h: 3to5 is t[p[, 5to3 is ]p]t), a few bases apart on each side.
DELLY_RECIPROCAL = [
    _delly("chr11", TCIRG1_AT, "BND00000007", f"A[chr16:{CLCN7_AT}[", "chr16", CLCN7_AT, "3to5"),
    _delly("chr11", TCIRG1_AT + 4, "BND00000008", f"]chr16:{CLCN7_AT - 3}]A", "chr16", CLCN7_AT - 3, "5to3"),
]


def test_the_two_delly_junctions_of_one_translocation_are_one_allele_in_each_gene(
    tmp_path: Path, model: GenotypeModel
) -> None:
    vcf = read_vcf(_write(tmp_path / "delly.vcf", DELLY_RECIPROCAL), gene_locator=TABLE)
    first, second = vcf.calls
    assert first.breakend_event is not None
    assert first.breakend_event == second.breakend_event
    assert (first.gene, first.partner) == ("TCIRG1", f"16:{CLCN7_AT}")
    # The other side (POS2) is placed in the gene it breaks, at its own position.
    (view,) = first.other_genes
    assert (view.gene, view.chrom, view.pos, view.partner) == ("CLCN7", "16", CLCN7_AT, f"11:{TCIRG1_AT}")
    assert "CLCN7" in vcf.covered_genes
    for disease, gene in ((OPTB1, "TCIRG1"), (OPTB4, "CLCN7")):
        evidence = for_disease(model, vcf, disease)
        # One event on one haplotype: the value of one allele of a recessive gene, not "could be a compound
        # heterozygote" (LR 1) in TCIRG1, and not "nothing there" in CLCN7.
        assert evidence.lr == pytest.approx(ONE_ALLELE_OF_TWO)
        assert "2 breakend records of one rearrangement" in evidence.note
        assert f"lies inside {gene} and disrupts it" in evidence.note
        assert len(evidence.alleles) == 1


def test_a_homozygous_delly_translocation_can_complete_a_recessive_genotype(
    tmp_path: Path, model: GenotypeModel
) -> None:
    rows = [row.replace("\t0/1", "\t1/1") for row in DELLY_RECIPROCAL]
    vcf = read_vcf(_write(tmp_path / "hom.vcf", rows), gene_locator=TABLE)
    evidence = for_disease(model, vcf, OPTB4)
    # Both copies of CLCN7 broken (consequence unknown in gene-table mode): neutral, not "nothing found".
    assert (evidence.status, evidence.lr) == ("unverified", 1.0)


def test_delly_junctions_more_than_1000_bases_apart_are_two_events(tmp_path: Path) -> None:
    rows = [
        DELLY_RECIPROCAL[0],
        _delly("chr11", TCIRG1_AT + 1_500, "BND00000009", f"]chr16:{CLCN7_AT}]A", "chr16", CLCN7_AT, "5to3"),
    ]
    first, second = read_vcf(_write(tmp_path / "far.vcf", rows), gene_locator=TABLE).calls
    assert first.breakend_event != second.breakend_event


def test_a_delly_junction_written_from_the_other_chromosome_joins_the_same_event(tmp_path: Path) -> None:
    # The second junction written at its CLCN7 side: the sides are matched in either order.
    rows = [
        DELLY_RECIPROCAL[0],
        _delly(
            "chr16", CLCN7_AT - 3, "BND00000008", f"]chr11:{TCIRG1_AT + 4}]A", "chr11", TCIRG1_AT + 4, "5to3"
        ),
    ]
    first, second = read_vcf(_write(tmp_path / "swap.vcf", rows), gene_locator=TABLE).calls
    assert first.breakend_event == second.breakend_event
    assert second.gene == "CLCN7"
    assert [v.gene for v in second.other_genes] == ["TCIRG1"]


def test_a_single_delly_junction_counts_in_the_gene_at_its_other_side(
    tmp_path: Path, model: GenotypeModel
) -> None:
    # POS in no gene of the table, POS2 inside TCIRG1: before, TCIRG1 was neither covered nor given an allele.
    row = _delly("chr1", 5_000_000, "BND00000001", f"A[chr11:{TCIRG1_AT}[", "chr11", TCIRG1_AT, "3to5", "1/1")
    vcf = read_vcf(_write(tmp_path / "one.vcf", [row]), gene_locator=TABLE)
    (call,) = vcf.calls
    assert call.gene is None
    assert [(v.gene, v.chrom, v.pos) for v in call.other_genes] == [("TCIRG1", "11", TCIRG1_AT)]
    evidence = for_disease(model, vcf, OPTB1)
    assert (evidence.status, evidence.lr) == ("unverified", 1.0)  # both copies broken, consequence unknown
    assert f"the breakend junction at 11:{TCIRG1_AT} (line 17), joined to 1:5000000" in evidence.note


def test_a_gatk_sv_bnd_places_its_other_side_from_chr2_and_end2(tmp_path: Path) -> None:
    row = f"chr1\t5000000\tgatksv_BND_1\tN\t<BND>\t500\tPASS\tSVTYPE=BND;END=5000001;CHR2=chr16;END2={CLCN7_AT}\tGT\t0/1"
    (call,) = read_vcf(_write(tmp_path / "gatksv.vcf", [row]), gene_locator=TABLE).calls
    assert [v.gene for v in call.other_genes] == ["CLCN7"]
    assert call.partner == f"16:{CLCN7_AT}"


def test_gridss_partner_ids_link_the_two_mates(tmp_path: Path, model: GenotypeModel) -> None:
    # Older GRIDSS releases name the other breakend in PARID, not MATEID, and give no EVENT.
    rows = [
        f"chr16\t{CLCN7_AT}\tgridss0_1o\tA\tA[chr16:1460000[\t500\tPASS\tSVTYPE=BND;PARID=gridss0_1h\tGT\t0/1",
        f"chr16\t1460000\tgridss0_1h\tA\t]chr16:{CLCN7_AT}]A\t500\tPASS\tSVTYPE=BND;PARID=gridss0_1o\tGT\t0/1",
    ]
    vcf = read_vcf(_write(tmp_path / "gridss.vcf", rows), gene_locator=TABLE)
    first, second = vcf.calls
    assert (first.mate_id, second.mate_id) == ("gridss0_1h", "gridss0_1o")
    assert first.breakend_event == second.breakend_event == "MATEID=gridss0_1h,gridss0_1o"
    # A pair that names its mates places each side by its own record, not twice.
    assert (first.other_genes, second.other_genes) == ((), ())
    assert for_disease(model, vcf, OPTB4).lr == pytest.approx(ONE_ALLELE_OF_TWO)


# -- caller-shaped VCFs ------------------------------------------------------------------------------------------

CSQ_LAYOUT = "Allele|Consequence|IMPACT|SYMBOL|Feature|HGVSc|HGVSp|CANONICAL|gnomADe_AF|CLIN_SIG|REVEL"
CSQ_HEADER = f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: {CSQ_LAYOUT}">'
FRAMESHIFT = "A|frameshift_variant|HIGH|TCIRG1|ENST00000265686|ENST00000265686.8:c.2005dup|p.Ser669fs|YES|||"
STOP = "T|stop_gained|HIGH|TCIRG1|ENST00000265686|ENST00000265686.8:c.1674G>A|p.Trp558Ter|YES|||"


def _annotated(path: Path, rows: list[str], extra: tuple[str, ...] = ()) -> Path:
    lines = [*HEADER, CSQ_HEADER, *extra, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1", *rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_one_indel_written_normalised_and_not_is_one_allele(tmp_path: Path, model: GenotypeModel) -> None:
    # A merge of two callers' files: the same insertion in a homopolymer, left-aligned (G>GA) and not (A>AA).
    # VEP shifts both to the same HGVS (c.2005dup); counted as two alleles, it made a compound heterozygote.
    rows = [
        f"chr11\t68044210\t.\tG\tGA\t50\tPASS\tCSQ={FRAMESHIFT}\tGT\t0/1",
        f"chr11\t68044213\t.\tA\tAA\t50\tPASS\tCSQ={FRAMESHIFT}\tGT\t0/1",
    ]
    vcf = read_vcf(_annotated(tmp_path / "merged.vcf", rows))
    evidence = for_disease(model, vcf, OPTB1)
    assert evidence.status == "carrier"
    assert evidence.lr == pytest.approx(ONE_ALLELE_OF_TWO)
    assert "2 records at different positions" in evidence.note
    assert "normalise the VCF (bcftools norm)" in evidence.note
    # Two different changes still pair.
    other = rows[1].replace(FRAMESHIFT, STOP.replace("T|", "A|", 1))
    two = read_vcf(_annotated(tmp_path / "two.vcf", [rows[0], other]))
    assert for_disease(model, two, OPTB1).status == "qualifying"


def test_a_call_whose_sample_genotype_filter_failed_is_not_evidence(
    tmp_path: Path, model: GenotypeModel
) -> None:
    # Strelka2, DELLY and GATK's VariantFiltration write FORMAT FT; FILTER may be PASS while the proband's own
    # genotype failed (LowGQX). Such a call completed a compound heterozygote.
    ft = '##FORMAT=<ID=FT,Number=1,Type=String,Description="Sample filter">'
    rows = [
        f"chr11\t68042300\t.\tC\tT\t50\tPASS\tCSQ={STOP}\tGT:FT\t0/1:PASS",
        f"chr11\t68044210\t.\tG\tGA\t50\tPASS\tCSQ={FRAMESHIFT}\tGT:FT\t0/1:LowGQX",
    ]
    vcf = read_vcf(_annotated(tmp_path / "strelka.vcf", rows, (ft,)))
    assert (len(vcf.calls), len(vcf.filtered_calls)) == (1, 1)
    assert any("FT LowGQX: 1" in w for w in vcf.warnings)
    evidence = for_disease(model, vcf, OPTB1)
    # Not a compound heterozygote, and not counted against the disease either (as for a failed FILTER).
    assert (evidence.status, evidence.lr) == ("unverified", 1.0)
    passing = read_vcf(_annotated(tmp_path / "pass.vcf", [rows[0], rows[1].replace("LowGQX", ".")], (ft,)))
    assert for_disease(model, passing, OPTB1).status == "qualifying"


def test_a_gene_table_without_a_build_line_is_named_in_a_warning(tmp_path: Path) -> None:
    from marbledx.findings import Case, Finding
    from marbledx.genotype import GenotypeOptions, GenotypeReader

    vcf = _write(tmp_path / "plain.vcf", ["chr11\t68042300\t.\tC\tT\t50\tPASS\t.\tGT\t1/1"])
    case = Case("c", "c.json", (Finding("HP:0000001"),))
    warnings = {}
    for name, first in (("bare.bed", ""), ("declared.bed", "#build=GRCh38\n")):
        bed = tmp_path / name
        bed.write_text(first + "chr11\t68039000\t68053000\tTCIRG1\n", encoding="utf-8")
        options = GenotypeOptions(vcf=vcf, genes_bed=bed, use_installed=False)
        result = GenotypeReader(options).read(case)
        assert result is not None
        assert [c.gene for c in result.calls] == ["TCIRG1"]
        warnings[name] = [w for w in result.warnings if "does not say its genome build" in w]
    assert len(warnings["bare.bed"]) == 1
    assert "taken to be the VCF's build, GRCh38" in warnings["bare.bed"][0]
    assert warnings["declared.bed"] == []


def test_the_bulk_screen_leaves_a_common_call_whose_genotype_filter_failed_to_the_reader(
    tmp_path: Path,
) -> None:
    # The genotype tests screen every file (conftest). A common allele is set aside by the screen; with a failing
    # FT it must still land among the rejected calls, as the per-record read puts it.
    ft = '##FORMAT=<ID=FT,Number=1,Type=String,Description="Sample filter">'
    common = STOP.replace("|YES|||", "|YES|0.2||")
    rows = [
        f"chr11\t68042300\t.\tC\tT\t50\tPASS\tCSQ={common}\tGT:FT\t0/1:LowGQX",
        f"chr11\t68042400\t.\tC\tT\t50\tPASS\tCSQ={common}\tGT:FT\t0/1:PASS",
    ]
    vcf = read_vcf(_annotated(tmp_path / "common.vcf", rows, (ft,)))
    assert [c.pos for c in vcf.filtered_calls] == [68042300]
    assert [c.pos for c in vcf.calls] == [68042400]
