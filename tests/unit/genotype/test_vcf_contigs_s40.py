"""Genotype review of stop 40 (second part): contigs outside the primary assembly, and breakends at one position.

* A record on an alt, decoy, unplaced or HLA contig (GRCh38 ``chr11_KI270721v1_random``, ``chrUn_…``, ``…_alt``,
  ``HLA-…``; GRCh37 ``GL000…``, ``hs37d5``) that VEP, SnpEff or the gene table put in TCIRG1 counted beside the
  chromosome 11 alleles: one heterozygous stop on chr11 and one on the contig made a compound heterozygote (OPTB1
  LR in the hundreds, HSCT "curative"). A gene's alleles are reported on the primary assembly, so such a call is
  no gene's allele, and a warning names it; so is a mitochondrial record annotated with a nuclear gene.
* Two ``<BND>`` records at one position with different other sides were warned about as repeats of one allele.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from marbledx.genotype import GeneRegions, GeneRule, GenotypeModel, VariantCall, _vcf, assess_gene, read_vcf
from marbledx.genotype import _interpret as interp
from tests.unit.genotype.evidence import for_disease

ONE_ALLELE_OF_TWO = 1 - (1 - interp.MISSED_ALLELE_RATE) ** 2  # a recessive gene with one allele: 0.0975
TCIRG1_AT = 68_042_300
CSQ_HEADER = (
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: '
    'Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|HGVSc|HGVSp|gnomADe_AF|CLIN_SIG">'
)
HEADER = [
    "##fileformat=VCFv4.2",
    "##reference=GRCh38",
    "##contig=<ID=chr1,length=248956422>",
    "##contig=<ID=chr11,length=135086622>",
    "##contig=<ID=chr13,length=114364328>",
    "##contig=<ID=chr16,length=90338345>",
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##ALT=<ID=BND,Description="Breakend">',
    '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">',
    '##INFO=<ID=CHR2,Number=1,Type=String,Description="Chromosome of the other side">',
    '##INFO=<ID=END2,Number=1,Type=Integer,Description="Position of the other side">',
]
TABLE = GeneRegions(
    [
        ("chr11", 68_039_000, 68_053_000, "TCIRG1"),
        ("chr16", 1_444_933, 1_475_084, "CLCN7"),
        # UCSC's and RefSeq's tables place a gene's copy on an alt haplotype under the same symbol.
        ("chr11_KI270827v1_alt", 1_000, 20_000, "TCIRG1"),
        ("chrM", 3_229, 3_304, "MT-TL1"),
        ("chrM", 3_305, 3_400, "TCIRG1"),  # a damaged table: a nuclear gene on the mitochondrial genome
    ],
    build="GRCh38",
)
# The names of contigs outside the primary assembly that GRCh38 and GRCh37 analysis sets carry.
OTHER_CONTIGS = [
    "chr11_KI270721v1_random",
    "chrUn_KI270742v1",
    "chr11_KI270827v1_alt",
    "chrUn_JTFH01000001v1_decoy",
    "HLA-A*01:01:01:01",
    "chrEBV",
    "GL000192.1",
    "hs37d5",
    "NC_007605",
]


def _csq(
    gene: str = "TCIRG1", hgvs: str = "c.1674G>A", af: str = "", consequence: str = "stop_gained"
) -> str:
    return (
        f"T|{consequence}|HIGH|{gene}|ENSG00000110719|Transcript|ENST00000265686|protein_coding|{hgvs}||{af}|"
    )


def _row(chrom: str, pos: int, gt: str, info: str = ".", alt: str = "T", ref: str = "C") -> str:
    return f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\t{info}\tGT\t{gt}"


def _write(path: Path, rows: list[str], *, annotated: bool = True) -> Path:
    lines = [*HEADER, *([CSQ_HEADER] if annotated else [])]
    lines += ["#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tP1", *rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("contig", OTHER_CONTIGS)
def test_a_vep_call_on_another_contig_is_no_second_allele(
    tmp_path: Path, model: GenotypeModel, contig: str
) -> None:
    rows = [
        _row("chr11", TCIRG1_AT, "0/1", f"CSQ={_csq()}"),
        _row(contig, 5_000, "0/1", f"CSQ={_csq(hgvs='c.1700C>T')}"),
    ]
    vcf = read_vcf(_write(tmp_path / "alt.vcf", rows))
    # Read, but in no gene (and without its annotation).
    assert [(c.pos, c.gene, c.consequence) for c in vcf.calls] == [
        (TCIRG1_AT, "TCIRG1", "stop_gained"),
        (5_000, None, None),
    ]
    (warning,) = [w for w in vcf.warnings if "outside the primary assembly" in w]
    assert f"{contig}:5000 T in TCIRG1 (line 15)" in warning
    assert "lift such a call over" in warning
    evidence = for_disease(model, vcf)
    # One allele of a recessive gene, not a compound heterozygote (before: LR 228, "fits").
    assert evidence.lr == pytest.approx(ONE_ALLELE_OF_TWO)
    assert len(evidence.alleles) == 1


def test_a_call_on_an_alt_haplotype_of_the_gene_table_is_in_no_gene(
    tmp_path: Path, model: GenotypeModel
) -> None:
    rows = [_row("chr11", TCIRG1_AT, "0/1"), _row("chr11_KI270827v1_alt", 5_000, "1/1")]
    vcf = read_vcf(_write(tmp_path / "table.vcf", rows, annotated=False), gene_locator=TABLE)
    assert [c.gene for c in vcf.calls] == ["TCIRG1", None]
    assert any("chr11_KI270827v1_alt:5000 T in TCIRG1 (line 14)" in w for w in vcf.warnings)
    evidence = for_disease(model, vcf)
    assert len(evidence.alleles) == 1
    assert evidence.lr < 1


def test_an_alt_contig_alone_does_not_make_its_gene_tested(tmp_path: Path, model: GenotypeModel) -> None:
    # Common and unclassified, so the bulk screen takes such a line (the genotype tests screen every file): it
    # must leave it to the reader, or TCIRG1 would count as looked at and found clean.
    rows = [
        _row("chr1", 5_000_000, "0/1", f"CSQ={_csq('GENE1', af='0.3', consequence='synonymous_variant')}"),
        _row("chrUn_KI270742v1", 5_000, "1/1", f"CSQ={_csq(af='0.3', consequence='synonymous_variant')}"),
    ]
    vcf = read_vcf(_write(tmp_path / "common.vcf", rows))
    assert vcf.covered_genes == frozenset({"GENE1"})
    assert [c.gene for c in vcf.calls] == ["GENE1", None]
    # Common and unclassified: it could not count in any gene, so the warning does not name it.
    assert not any("outside the primary assembly" in w for w in vcf.warnings)
    assert for_disease(model, vcf).status == "not_covered"


def test_the_screen_and_the_per_record_read_agree_on_other_contigs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        _row(contig, 5_000 + i, gt, f"CSQ={_csq(af=af, consequence='synonymous_variant')}")
        for i, contig in enumerate([*OTHER_CONTIGS, "chrM", "chr11"])
        for af, gt in (("0.3", "0/1"), ("", "1/1"))
    ]
    path = _write(tmp_path / "mixed.vcf", rows)
    screened = read_vcf(path)
    # The screen takes every common line (it only leaves their genes and contig out of what was tested).
    assert sum(type(item) is int for item in screened.calls._items) == 11  # type: ignore[attr-defined]
    monkeypatch.setattr(_vcf, "_SCREEN", False)
    plain = read_vcf(path)
    assert list(screened.calls) == list(plain.calls)
    assert tuple(screened.calls_to_interpret) == tuple(plain.calls_to_interpret)
    assert (screened.covered_genes, screened.warnings) == (plain.covered_genes, plain.warnings)
    assert screened.covered_genes == frozenset({"TCIRG1"})  # from chromosome 11 alone
    assert {c.chrom for c in plain.calls if c.gene is not None} == {"11"}


def test_a_mitochondrial_record_is_placed_only_in_a_mitochondrial_gene(tmp_path: Path) -> None:
    rows = [
        _row(
            "chrM", 3_243, "1", f"CSQ={_csq('MT-TL1', hgvs='m.3243A>G', consequence='non_coding_transcript')}"
        ),
        _row("chrM", 3_350, "1", f"CSQ={_csq()}"),  # annotated with a nuclear gene: a haploid 1 is no 1/1
    ]
    vcf = read_vcf(_write(tmp_path / "mt.vcf", rows))
    assert [(c.chrom, c.gene) for c in vcf.calls] == [("MT", "MT-TL1"), ("MT", None)]
    assert any("chrM:3350 T in TCIRG1 (line 15)" in w for w in vcf.warnings)
    assert "TCIRG1" not in vcf.covered_genes
    table = read_vcf(
        _write(
            tmp_path / "mt_table.vcf", [_row("chrM", 3_243, "1"), _row("chrM", 3_350, "1")], annotated=False
        ),
        gene_locator=TABLE,
    )
    assert [(c.chrom, c.gene) for c in table.calls] == [("MT", "MT-TL1"), ("MT", None)]


def test_refseq_chromosome_names_are_the_primary_chromosomes(tmp_path: Path, model: GenotypeModel) -> None:
    rows = [_row("NC_000011.10", TCIRG1_AT, "1/1", f"CSQ={_csq()}")]
    vcf = read_vcf(_write(tmp_path / "refseq.vcf", rows))
    (call,) = vcf.calls
    assert call.chrom == "11"
    assert for_disease(model, vcf).status == "qualifying"


def test_interpretation_leaves_out_a_call_on_another_contig_given_directly() -> None:
    def call(chrom: str, pos: int) -> VariantCall:
        return VariantCall(
            chrom, pos, "C", "T", "0/1", "heterozygous", "TCIRG1", "stop_gained", f"c.{pos}C>T"
        )

    rule = GeneRule("TCIRG1", ("AR",))
    both = [call("11", TCIRG1_AT), call("11_KI270721v1_random", 5_000)]
    reading = assess_gene(rule, both, sex=None, background_rate=0.05)
    assert reading.status != "qualifying"
    assert len(reading.alleles) == 1
    assert "11_KI270721v1_random:5000: on a contig outside the primary assembly" in reading.note
    assert assess_gene(rule, [both[0], call("chr11", 68_043_000)], sex=None, background_rate=0.05).status == (
        "qualifying"
    )


def _bnd(pos: int, chrom2: str, end2: int, record_id: str) -> str:
    return f"chr11\t{pos}\t{record_id}\tN\t<BND>\t60\tPASS\tSVTYPE=BND;CHR2={chrom2};END2={end2}\tGT\t0/1"


def test_two_bnd_records_at_one_position_with_different_partners_are_not_repeats(tmp_path: Path) -> None:
    rows = [_bnd(68_045_000, "chr13", 42_580_000, "gsv1"), _bnd(68_045_000, "chr16", 1_450_000, "gsv2")]
    vcf = read_vcf(_write(tmp_path / "bnd.vcf", rows, annotated=False), gene_locator=TABLE)
    assert not any("repeat" in w for w in vcf.warnings)
    first, second = vcf.calls
    assert first.key != second.key
    # The same junction written twice (two callers' files merged) is still a repeat.
    rows = [_bnd(68_045_000, "chr13", 42_580_000, "gsv1"), _bnd(68_045_000, "chr13", 42_580_000, "delly1")]
    vcf = read_vcf(_write(tmp_path / "twice.vcf", rows, annotated=False), gene_locator=TABLE)
    assert any("line 14 repeats line 13" in w for w in vcf.warnings)
