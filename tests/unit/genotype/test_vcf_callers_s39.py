"""VCFs in the shapes real callers write (stop 39): each test pins one fault found on such a file.

* GATK's gCNV writes every copy-number segment with a haploid GT naming the allele (``<DEL>,<DUP>``, GT 1) and
  the copy number in FORMAT CN; a homozygous deletion of TCIRG1 (CN 0) was read as one allele, carrier status.
* gCNV also declares GT ``Type=Integer``; htslib then reads every GT as missing, and the file gave no evidence
  without saying why.
* GATK 3 (and GenotypeGVCFs) keep read-backed phase in PGT/PID beside an unphased GT; two TCIRG1 alleles on one
  read haplotype were taken for a compound heterozygote.
* A haploid GT on a female's X (a pipeline run with a male's ploidy) was counted as both copies.
* VEP's CLIN_SIG lists every submitted classification; ``uncertain_significance&benign`` was read as benign (BP6),
  ``uncertain_significance&pathogenic`` as pathogenic (PP5), where ClinVar itself says "conflicting".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from marbledx.genotype import GeneRegions, GenotypeModel, VcfReadResult, read_vcf
from marbledx.genotype import _interpret as interp
from marbledx.genotype._model import normalise_clinvar
from tests.unit.genotype.evidence import for_disease

OPTB1 = "OMIM:259700"  # TCIRG1, autosomal recessive, loss of function
TCIRG1_START, TCIRG1_END = 68_039_001, 68_053_000
TABLE = GeneRegions([("chr11", TCIRG1_START - 1, TCIRG1_END, "TCIRG1")], build="GRCh38")
CONTIGS = [
    "##contig=<ID=chr1,length=248956422>",
    "##contig=<ID=chr11,length=135086622>",
    "##contig=<ID=chr16,length=90338345>",
    "##contig=<ID=chrX,length=156040895>",
]
CSQ_LAYOUT = "Allele|Consequence|IMPACT|SYMBOL|Feature|HGVSc|HGVSp|CANONICAL|gnomADe_AF|CLIN_SIG|REVEL"
CSQ_HEADER = f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: {CSQ_LAYOUT}">'


def _write(path: Path, header: list[str], sample: str, rows: list[str]) -> Path:
    lines = ["##fileformat=VCFv4.2", "##reference=GRCh38", *CONTIGS, *header]
    lines.append(f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}")
    path.write_text("\n".join(lines + rows) + "\n", encoding="utf-8")
    return path


# -- GATK gCNV segments -------------------------------------------------------------------------------------------

GCNV_HEADER = [
    '##ALT=<ID=DEL,Description="Deletion">',
    '##ALT=<ID=DUP,Description="Duplication">',
    '##FORMAT=<ID=CN,Number=1,Type=Integer,Description="Segment most-likely copy-number call">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Segment genotype">',
    '##FORMAT=<ID=NP,Number=1,Type=Integer,Description="Number of points in the segment">',
    '##INFO=<ID=END,Number=1,Type=Integer,Description="End coordinate of this variant">',
    "##source=PostprocessGermlineCNVCalls",
]


def _gcnv(tmp_path: Path, gt: str, cn: int, chrom: str = "chr11", **kwargs: object) -> VcfReadResult:
    rows = [
        "chr1\t10000\tCNV_chr1_10000_10999\tN\t<DEL>,<DUP>\t.\t.\tEND=10999\tGT:CN:NP\t0:2:10",
        f"{chrom}\t{TCIRG1_START - 1000}\tCNV_1\tN\t<DEL>,<DUP>\t.\t.\tEND={TCIRG1_END + 1000}\tGT:CN:NP\t{gt}:{cn}:20",
    ]
    path = _write(tmp_path / "gcnv.vcf", GCNV_HEADER, "SAMPLE1", rows)
    return read_vcf(path, gene_locator=TABLE, **kwargs)  # type: ignore[arg-type]


def test_gcnv_haploid_deletion_with_copy_number_0_is_homozygous(tmp_path: Path, model: GenotypeModel) -> None:
    vcf = _gcnv(tmp_path, "1", 0)
    (call,) = vcf.calls
    assert (call.alt, call.genotype, call.zygosity, call.copy_number) == ("<DEL>", "1", "homozygous", 0)
    assert call.consequence == "transcript_ablation"
    assert not any("haploid" in warning for warning in vcf.warnings)
    evidence = for_disease(model, vcf, OPTB1)
    assert evidence.status == "qualifying"
    assert evidence.lr > 10
    assert "CN=0, homozygous" in evidence.note


def test_gcnv_haploid_deletion_with_copy_number_1_is_heterozygous(
    tmp_path: Path, model: GenotypeModel
) -> None:
    vcf = _gcnv(tmp_path, "1", 1)
    (call,) = vcf.calls
    assert (call.zygosity, call.copy_number) == ("heterozygous", 1)
    assert for_disease(model, vcf, OPTB1).status == "carrier"


def test_gcnv_deletion_on_a_male_x_is_hemizygous_and_a_duplication_stays_haploid(tmp_path: Path) -> None:
    table = GeneRegions([("chrX", 154_500_000, 154_600_000, "IKBKG")], build="GRCh38")
    rows = [
        "chrX\t154490000\tCNV_X\tN\t<DEL>,<DUP>\t.\t.\tEND=154610000\tGT:CN:NP\t1:0:20",
        "chr11\t68038000\tCNV_11\tN\t<DEL>,<DUP>\t.\t.\tEND=68060000\tGT:CN:NP\t2:3:20",
    ]
    path = _write(tmp_path / "x.vcf", GCNV_HEADER, "SAMPLE1", rows)
    x_call, dup = read_vcf(path, gene_locator=TABLE, sex="male").calls
    assert (x_call.zygosity, x_call.copy_number) == ("hemizygous", 0)
    assert (dup.alt, dup.zygosity, dup.copy_number) == ("<DUP>", "hemizygous", None)
    assert read_vcf(path, gene_locator=table).calls[0].zygosity == "homozygous"  # sex not given: CN 0 on X


def test_gt_declared_integer_is_named_in_a_warning(tmp_path: Path) -> None:
    header = [line.replace("Type=String", "Type=Integer") for line in GCNV_HEADER]
    rows = [f"chr11\t{TCIRG1_START}\tCNV_1\tN\t<DEL>,<DUP>\t.\t.\tEND={TCIRG1_END}\tGT:CN:NP\t1:0:20"]
    vcf = read_vcf(_write(tmp_path / "gcnv.vcf", header, "S", rows), gene_locator=TABLE)
    assert list(vcf.calls) == []
    assert any("declares FORMAT GT as Type=Integer" in warning for warning in vcf.warnings)


# -- GATK physical phasing (PGT/PID) ------------------------------------------------------------------------------

PGT_HEADER = [
    CSQ_HEADER,
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
    '##FORMAT=<ID=PGT,Number=1,Type=String,Description="Physical phasing haplotype information">',
    '##FORMAT=<ID=PID,Number=1,Type=String,Description="Physical phasing ID information">',
]


def _pgt_rows(second_pgt: str, second_pid: str = "68042300_C_T") -> list[str]:
    def row(pos: int, ref: str, alt: str, hgvs: str, pgt: str, pid: str) -> str:
        csq = f"{alt}|stop_gained|HIGH|TCIRG1|ENST1|{hgvs}||YES|||"
        return f"chr11\t{pos}\t.\t{ref}\t{alt}\t800\tPASS\tCSQ={csq}\tGT:AD:PGT:PID\t0/1:20,20:{pgt}:{pid}"

    return [
        row(68042300, "C", "T", "c.1674G>A", "0|1", "68042300_C_T"),
        row(68042310, "G", "A", "c.1684C>T", second_pgt, second_pid),
    ]


def test_pgt_pid_put_two_tcirg1_alleles_in_cis(tmp_path: Path, model: GenotypeModel) -> None:
    vcf = read_vcf(_write(tmp_path / "cis.vcf", PGT_HEADER, "S", _pgt_rows("0|1")))
    first, second = vcf.calls
    assert (first.genotype, first.haplotype, first.phase_set) == ("0/1", 1, 68042300)
    assert (second.haplotype, second.phase_set) == (1, 68042300)
    evidence = for_disease(model, vcf, OPTB1)
    assert evidence.status == "in_cis"
    assert evidence.lr < 1


def test_pgt_pid_in_trans_or_in_different_groups_stay_a_compound_heterozygote(
    tmp_path: Path, model: GenotypeModel
) -> None:
    trans = read_vcf(_write(tmp_path / "trans.vcf", PGT_HEADER, "S", _pgt_rows("1|0")))
    assert [c.haplotype for c in trans.calls] == [1, 0]
    other = read_vcf(_write(tmp_path / "other.vcf", PGT_HEADER, "S", _pgt_rows("0|1", "68042305_A_G")))
    assert [c.phase_set for c in other.calls] == [68042300, 68042305]
    for vcf in (trans, other):
        assert for_disease(model, vcf, OPTB1).status == "qualifying"


# -- a haploid GT on a female's X ---------------------------------------------------------------------------------


def test_haploid_gt_on_a_female_x_is_one_allele(tmp_path: Path) -> None:
    header = [CSQ_HEADER, '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">']
    csq = "T|missense_variant|MODERATE|IKBKG|ENST2|c.1000C>T|p.Arg334Trp|YES||| 0.9".replace(" ", "")
    rows = [f"chrX\t154560000\t.\tC\tT\t500\tPASS\tCSQ={csq}\tGT\t1"]
    path = _write(tmp_path / "x.vcf", header, "S", rows)
    (female,) = read_vcf(path, sex="female").calls
    assert female.zygosity == "heterozygous"
    assert any("haploid GT" in w and "female" in w for w in read_vcf(path, sex="female").warnings)
    for sex in ("male", None):
        vcf = read_vcf(path, sex=sex)  # type: ignore[arg-type]
        assert vcf.calls[0].zygosity == "hemizygous"
        assert not any("haploid GT" in w for w in vcf.warnings)
    # One allele of a female's X-linked recessive disease: carrier status, not a homozygous genotype.
    allele = interp.AlleleAssessment(female, "missense", (), 1.0)
    assert interp._genotype_for_mode([allele], "XLR", "female")[2] == "carrier"


# -- ClinVar values that mix uncertain significance with a side -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("uncertain_significance&benign", "conflicting"),
        ("uncertain_significance&pathogenic", "conflicting"),
        ("likely_pathogenic&uncertain_significance", "conflicting"),
        ("Uncertain_significance|risk_factor", "uncertain"),
        ("Pathogenic|risk_factor", "pathogenic"),
        (
            "Pathogenic&Uncertain_risk_allele",
            "pathogenic",
        ),  # a risk term, not a classification of pathogenicity
        ("benign&likely_benign", "likely_benign"),
    ],
)
def test_uncertain_next_to_pathogenic_or_benign_is_conflicting(text: str, expected: str) -> None:
    assert normalise_clinvar(text) == expected


def test_a_vep_vus_and_benign_missense_is_not_benign(tmp_path: Path) -> None:
    header = [CSQ_HEADER, '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">']
    csq = (
        "A|missense_variant|MODERATE|CLCN7|ENST3|c.2299C>T|p.Arg767Trp|YES||uncertain_significance&benign|0.9"
    )
    rows = [f"chr16\t1450200\t.\tG\tA\t500\tPASS\tCSQ={csq}\tGT\t0/1"]
    (call,) = read_vcf(_write(tmp_path / "c.vcf", header, "S", rows)).calls
    assert call.clinvar == "conflicting"
