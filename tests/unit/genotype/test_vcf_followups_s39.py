"""Genotype follow-ups of stop 39: breakend pairs, a male's heterozygous X calls, and why a record was skipped.

* The two records of one breakend pair (linked by INFO MATEID, by INFO EVENT, or by the IDs their caller gives
  mates) counted as two alleles of unknown consequence, so a pair inside a recessive gene kept it at LR 1 (as if
  it could be a compound heterozygote) instead of the single-allele value. GATK-SV's ``<BND>`` record, whose END
  may be a position on another chromosome, was placed in every gene between POS and that END.
* A heterozygous call on a male's X outside the pseudoautosomal regions counted as his hemizygous qualifying
  allele, with no warning.
* The warning about skipped malformed records gave no reason unless ``--strict`` was used.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from marbledx.genotype import GeneRegions, GenotypeModel, VariantCall, VcfReadResult, read_vcf
from marbledx.genotype import _interpret as interp
from marbledx.genotype._model import outside_pars
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from tests.unit.genotype.evidence import for_disease

OPTB1 = "OMIM:259700"  # TCIRG1, autosomal recessive
OPTB4 = "OMIM:611490"  # CLCN7, autosomal recessive
EDA_ID = "OMIM:300291"  # IKBKG, X-linked recessive
INCONTINENTIA = "OMIM:308300"  # IKBKG, X-linked dominant
ONE_ALLELE_OF_TWO = (
    1 - (1 - interp.MISSED_ALLELE_RATE) ** 2
)  # a recessive gene with one allele (or none): 0.0975

CLCN7_START, CLCN7_END = 1_444_934, 1_475_084
TABLE = GeneRegions(
    [
        ("chr16", CLCN7_START - 1, CLCN7_END, "CLCN7"),
        ("chr11", 68_039_000, 68_053_000, "TCIRG1"),
        ("chrX", 154_542_000, 154_565_000, "IKBKG"),
    ],
    build="GRCh38",
)
HEADER = [
    "##fileformat=VCFv4.2",
    "##reference=GRCh38",
    "##contig=<ID=chr1,length=248956422>",
    "##contig=<ID=chr11,length=135086622>",
    "##contig=<ID=chr16,length=90338345>",
    "##contig=<ID=chrX,length=156040895>",
    '##FILTER=<ID=LowQual,Description="Low quality">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">',
    '##INFO=<ID=MATEID,Number=.,Type=String,Description="ID of mate breakends">',
    '##INFO=<ID=EVENT,Number=1,Type=String,Description="ID of event associated to breakend">',
    '##INFO=<ID=END,Number=1,Type=Integer,Description="End position">',
    '##INFO=<ID=CHR2,Number=1,Type=String,Description="Chromosome of the other breakend">',
    '##INFO=<ID=END2,Number=1,Type=Integer,Description="Position of the other breakend">',
    '##ALT=<ID=BND,Description="Breakend">',
]
CSQ_LAYOUT = "Allele|Consequence|IMPACT|SYMBOL|Feature|HGVSc|HGVSp|CANONICAL|gnomADe_AF|CLIN_SIG|REVEL"
CSQ_HEADER = f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: {CSQ_LAYOUT}">'


@pytest.fixture(scope="module")
def model(real_hpo: Hpo, kb: KnowledgeBase) -> GenotypeModel:
    """The genotype model of the diseases these tests need (the fixture release has no X-linked one)."""
    return GenotypeModel(real_hpo, kb, [OPTB1, OPTB4, EDA_ID, INCONTINENTIA])


def _write(path: Path, rows: list[str], header: list[str] = HEADER, reference: str = "GRCh38") -> Path:
    lines = [line.replace("##reference=GRCh38", f"##reference={reference}") for line in header]
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1")
    path.write_text("\n".join(lines + rows) + "\n", encoding="utf-8")
    return path


def _bnd(
    chrom: str, pos: int, record_id: str, alt: str, info: str, gt: str = "0/1", flt: str = "PASS"
) -> str:
    return f"{chrom}\t{pos}\t{record_id}\tN\t{alt}\t500\t{flt}\tSVTYPE=BND{info}\tGT\t{gt}"


# -- breakend pairs -----------------------------------------------------------------------------------------------

A, B = 1_450_000, 1_460_000  # two positions inside CLCN7: an intragenic rearrangement

PAIRS: dict[str, list[str]] = {
    # Manta: MantaBND:…:0 and :1, each naming the other in MATEID.
    "manta": [
        _bnd("chr16", A, "MantaBND:7:0:1:0:0:0:0", f"N]chr16:{B}]", ";MATEID=MantaBND:7:0:1:0:0:0:1"),
        _bnd("chr16", B, "MantaBND:7:0:1:0:0:0:1", f"N]chr16:{A}]", ";MATEID=MantaBND:7:0:1:0:0:0:0"),
    ],
    # GRIDSS: gridss…o and gridss…h, with MATEID and EVENT.
    "gridss": [
        _bnd("chr16", A, "gridss3_12o", f"N[chr16:{B}[", ";MATEID=gridss3_12h;EVENT=gridss3_12"),
        _bnd("chr16", B, "gridss3_12h", f"]chr16:{A}]N", ";MATEID=gridss3_12o;EVENT=gridss3_12"),
    ],
    # A Manta pair whose MATEID a later tool dropped: linked by the ID without its last field, and by the ALTs
    # naming each other's positions.
    "manta without MATEID": [
        _bnd("chr16", A, "MantaBND:7:0:1:0:0:0:0", f"N]chr16:{B}]", ""),
        _bnd("chr16", B, "MantaBND:7:0:1:0:0:0:1", f"N]chr16:{A}]", ""),
    ],
    # LUMPY (smoove): 1_1 and 1_2.
    "lumpy": [
        _bnd("chr16", A, "1_1", f"N]chr16:{B}]", ";MATEID=1_2;EVENT=1"),
        _bnd("chr16", B, "1_2", f"N]chr16:{A}]", ";MATEID=1_1;EVENT=1"),
    ],
}


@pytest.mark.parametrize("caller", list(PAIRS))
def test_a_breakend_pair_inside_a_recessive_gene_is_one_allele(
    tmp_path: Path, model: GenotypeModel, caller: str
) -> None:
    vcf = read_vcf(_write(tmp_path / "pair.vcf", PAIRS[caller]), gene_locator=TABLE)
    first, second = vcf.calls
    assert first.breakend_event is not None
    assert first.breakend_event == second.breakend_event
    if "MATEID" in PAIRS[caller][0]:
        assert (first.mate_id, second.mate_id) == (second_id(PAIRS[caller]), first_id(PAIRS[caller]))
    evidence = for_disease(model, vcf, OPTB4)
    # One event of unknown consequence on one haplotype: the value of one allele of a recessive gene, as for one
    # record of the pair alone, not "could be a compound heterozygote" (LR 1).
    assert evidence.lr == pytest.approx(ONE_ALLELE_OF_TWO)
    alone = read_vcf(_write(tmp_path / "one.vcf", PAIRS[caller][:1]), gene_locator=TABLE)
    assert for_disease(model, alone, OPTB4).lr == pytest.approx(evidence.lr)
    assert "2 breakend records of one rearrangement" in evidence.note
    assert "counted as one allele (0/1, heterozygous)" in evidence.note


def first_id(rows: list[str]) -> str:
    return rows[0].split("\t")[2]


def second_id(rows: list[str]) -> str:
    return rows[1].split("\t")[2]


def test_a_homozygous_pair_is_one_allele_on_each_haplotype(tmp_path: Path, model: GenotypeModel) -> None:
    rows = [row.replace("\t0/1", "\t1/1") for row in PAIRS["manta"]]
    vcf = read_vcf(_write(tmp_path / "hom.vcf", rows), gene_locator=TABLE)
    evidence = for_disease(model, vcf, OPTB4)
    # Both haplotypes carry the event: it could complete the recessive genotype, so the gene is neutral.
    assert (evidence.status, evidence.lr) == ("unverified", 1.0)
    assert "counted as one allele (1/1, homozygous)" in evidence.note


def test_mates_with_different_genotypes_count_once_at_the_lower_zygosity(
    tmp_path: Path, model: GenotypeModel
) -> None:
    first, second = PAIRS["manta"]
    vcf = read_vcf(
        _write(tmp_path / "mixed.vcf", [first, second.replace("\t0/1", "\t1/1")]), gene_locator=TABLE
    )
    evidence = for_disease(model, vcf, OPTB4)
    assert evidence.lr == pytest.approx(ONE_ALLELE_OF_TWO)
    assert "the lower of the zygosities they give; confirm the genotype" in evidence.note


def _annotated(rows: list[str]) -> list[str]:
    """``rows`` with a VEP entry that makes each breakend a null allele of CLCN7 (exon loss)."""
    csq = "N|exon_loss_variant|HIGH|CLCN7|ENST00000382745|||YES|||"
    return [row.replace("\tGT\t", f";CSQ={csq}\tGT\t") for row in rows]


def test_an_annotated_pair_is_carrier_status_not_a_compound_heterozygote(
    tmp_path: Path, model: GenotypeModel
) -> None:
    header = [*HEADER, CSQ_HEADER]
    vcf = read_vcf(_write(tmp_path / "vep.vcf", _annotated(PAIRS["manta"]), header))
    assert [c.consequence for c in vcf.calls] == ["exon_loss_variant"] * 2
    evidence = for_disease(model, vcf, OPTB4)
    assert (evidence.status, evidence.lr) == ("carrier", pytest.approx(ONE_ALLELE_OF_TWO))


def test_a_rejected_mate_does_not_complete_a_genotype_with_its_passing_mate(
    tmp_path: Path, model: GenotypeModel
) -> None:
    first, second = _annotated(PAIRS["manta"])
    rejected = second.replace("\tPASS\t", "\tLowQual\t")
    vcf = read_vcf(_write(tmp_path / "filtered.vcf", [first, rejected], [*HEADER, CSQ_HEADER]))
    assert (len(vcf.calls), len(vcf.filtered_calls)) == (1, 1)
    evidence = for_disease(model, vcf, OPTB4)
    # Not "a genotype would need the rejected call" (LR 1): the rejected record is the same event.
    assert (evidence.status, evidence.lr) == ("carrier", pytest.approx(ONE_ALLELE_OF_TWO))


def test_a_translocation_between_two_genes_is_one_allele_in_each(
    tmp_path: Path, model: GenotypeModel
) -> None:
    rows = [
        _bnd("chr16", A, "MantaBND:9:0", "N[chr11:68045000[", ";MATEID=MantaBND:9:1"),
        _bnd("chr11", 68_045_000, "MantaBND:9:1", f"]chr16:{A}]N", ";MATEID=MantaBND:9:0"),
    ]
    vcf = read_vcf(_write(tmp_path / "tra.vcf", rows), gene_locator=TABLE)
    assert [c.gene for c in vcf.calls] == ["CLCN7", "TCIRG1"]
    for disease in (OPTB4, OPTB1):
        evidence = for_disease(model, vcf, disease)
        assert evidence.lr == pytest.approx(ONE_ALLELE_OF_TWO)
        assert "breakend records" not in evidence.note  # one record in each gene: nothing to merge


def test_records_that_do_not_name_each_other_are_not_mates(tmp_path: Path) -> None:
    # DELLY writes each junction of a translocation as one record with no mate (BND00018142 and BND00018143
    # for the two junctions of one reciprocal translocation, github.com/dellytools/delly/issues/101): they do
    # not name each other, so neither has a mate id. Since stop 40 the two junctions of one event (both sides
    # within DELLY's merge distance) are one event by position instead (tests/unit/genotype/test_vcf_s40.py).
    rows = [
        _bnd("chr16", A, "BND00018142", "N[chr1:154142762[", ";CHR2=chr1;END=154142762"),
        _bnd("chr16", A + 1, "BND00018143", "]chr1:154142761]N", ";CHR2=chr1;END=154142761"),
    ]
    first, second = read_vcf(_write(tmp_path / "delly.vcf", rows), gene_locator=TABLE).calls
    assert first.mate_id is None
    assert second.mate_id is None
    assert first.breakend_event == second.breakend_event


def test_a_gatk_sv_breakend_is_placed_at_its_position_not_up_to_its_end(tmp_path: Path) -> None:
    # GATK-SV writes a breakend as one <BND> record with the other side in CHR2/END2; svtk's older form put that
    # position in END. Read as a span, the record fell in every gene from POS to END (here IKBKG).
    rows = [
        "chrX\t100000000\tgatksv_BND_1\tN\t<BND>\t500\tPASS\tSVTYPE=BND;END=155000000;CHR2=chr1;END2=155000000\tGT\t0/1",
        "chrX\t100000000\tgatksv_BND_2\tN\t<BND>\t500\tPASS\tSVTYPE=BND;END=154550000;CHR2=chrX;END2=154550000\tGT\t0/1",
    ]
    vcf = read_vcf(_write(tmp_path / "gatksv.vcf", rows), gene_locator=TABLE)
    assert [c.gene for c in vcf.calls] == [None, None]
    # The first record's other side (chr1) is in no gene of the table, so its span to END would have been the
    # only way to reach IKBKG; since stop 40 the second record's other side (END2 inside IKBKG) covers it.
    assert [c.partner for c in vcf.calls] == ["1:155000000", "X:154550000"]
    first_only = read_vcf(_write(tmp_path / "first.vcf", rows[:1]), gene_locator=TABLE)
    assert "IKBKG" not in first_only.covered_genes


def test_a_deletion_still_spans_to_its_end(tmp_path: Path) -> None:
    rows = [
        f"chr16\t{CLCN7_START - 10}\tdel1\tN\t<DEL>\t500\tPASS\tSVTYPE=DEL;END={CLCN7_START + 10}\tGT\t0/1"
    ]
    (call,) = read_vcf(_write(tmp_path / "del.vcf", rows), gene_locator=TABLE).calls
    assert call.gene == "CLCN7"


def _call(pos: int, event: str | None, gene: str = "CLCN7") -> VariantCall:
    return VariantCall(
        "16",
        pos,
        "N",
        f"N]chr16:{pos + 1}]",
        "0/1",
        "heterozygous",
        gene,
        "exon_loss_variant",
        breakend_event=event,
    )


def test_the_background_rate_counts_a_pair_once() -> None:
    calls = [_call(A, "MATEID=a,b"), _call(B, "MATEID=a,b"), _call(B + 5, None)]
    assert len(interp._one_call_per_allele(calls)) == 2
    # In two genes, the event is one allele in each.
    assert len(interp._one_call_per_allele([_call(A, "e", "CLCN7"), _call(B, "e", "TCIRG1")])) == 2


# -- a heterozygous call on a male's X ---------------------------------------------------------------------------

CSQ_ROWS = [CSQ_HEADER, '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">']


def _ikbkg(tmp_path: Path, gt: str, pos: int = 154_550_000, reference: str = "GRCh38") -> Path:
    csq = "T|stop_gained|HIGH|IKBKG|ENST2|c.1000C>T|p.Arg334Ter|YES|||"
    contigs = ["##contig=<ID=chrX,length=156040895>"] if reference == "GRCh38" else []
    header = ["##fileformat=VCFv4.2", f"##reference={reference}", *contigs, *CSQ_ROWS]
    rows = [f"chrX\t{pos}\t.\tC\tT\t500\tPASS\tCSQ={csq}\tGT\t{gt}"]
    return _write(tmp_path / f"ikbkg_{gt.replace('/', '')}_{pos}.vcf", rows, header, reference)


def _read(path: Path, sex: str | None) -> VcfReadResult:
    return read_vcf(path, sex=sex)  # type: ignore[arg-type]


def test_a_male_heterozygous_x_call_is_not_his_hemizygous_allele(
    tmp_path: Path, model: GenotypeModel
) -> None:
    vcf = _read(_ikbkg(tmp_path, "0/1"), "male")
    (warning,) = vcf.warnings
    assert "heterozygous call(s) of S1, a male, on X or Y outside the pseudoautosomal regions" in warning
    assert "X:154550000 (line 7)" in warning
    for possibility in ("mosaicism", "47,XXY", "IKBKGP1", "contaminated"):
        assert possibility in warning
    for disease in (EDA_ID, INCONTINENTIA):
        evidence = for_disease(model, vcf, disease, sex="male")
        # Neither a hemizygous null allele (LR > 4 before) nor absence (LR 0.05): neutral, with the reason.
        assert (evidence.status, evidence.lr) == ("unverified", 1.0)
        assert "c.1000C>T (0/1 at X:154550000)" in evidence.note
        assert "confirm it by another method" in evidence.note


def test_a_male_hemizygous_call_and_other_sexes_are_read_as_before(
    tmp_path: Path, model: GenotypeModel
) -> None:
    hemizygous = _read(_ikbkg(tmp_path, "1/1"), "male")
    assert hemizygous.warnings == ()
    assert for_disease(model, hemizygous, EDA_ID, sex="male").status == "qualifying"
    for sex in ("female", None):
        vcf = _read(_ikbkg(tmp_path, "0/1"), sex)
        assert vcf.warnings == ()
        assert for_disease(model, vcf, INCONTINENTIA, sex=sex).status == "qualifying"
        assert for_disease(model, vcf, EDA_ID, sex=sex).status == "carrier"


def test_a_male_heterozygous_call_of_unknown_consequence_is_not_counted_against(
    tmp_path: Path, model: GenotypeModel
) -> None:
    vcf = read_vcf(
        _write(tmp_path / "table.vcf", ["chrX\t154550000\t.\tC\tT\t500\tPASS\t.\tGT\t0/1"]),
        gene_locator=TABLE,
        sex="male",
    )
    evidence = for_disease(model, vcf, EDA_ID, sex="male")
    assert (evidence.status, evidence.lr) == ("unverified", 1.0)
    assert "outside the pseudoautosomal regions" in evidence.note


@pytest.mark.parametrize(
    ("reference", "pos", "outside"),
    [
        ("GRCh38", 50_000, False),  # PAR1 of GRCh38 starts at 10,001
        ("GRCh37", 50_000, True),  # PAR1 of GRCh37 starts at 60,001 on X
        ("GRCh37", 2_700_000, True),  # past PAR1 of GRCh37 (2,699,520)
        ("GRCh38", 2_700_000, False),  # inside PAR1 of GRCh38 (to 2,781,479)
    ],
)
def test_a_male_heterozygous_call_in_a_par_is_a_diploid_call(
    tmp_path: Path, reference: str, pos: int, outside: bool
) -> None:
    vcf = _read(_ikbkg(tmp_path, "0/1", pos, reference), "male")
    assert vcf.calls[0].zygosity == "heterozygous"
    assert bool(vcf.warnings) is outside


@pytest.mark.parametrize(
    ("build", "chrom", "inside"),
    [
        ("GRCh37", "X", [(60_001, 2_699_520), (154_931_044, 155_260_560)]),
        ("GRCh37", "Y", [(10_001, 2_649_520), (59_034_050, 59_363_566)]),
        ("GRCh38", "X", [(10_001, 2_781_479), (155_701_383, 156_030_895)]),
        ("GRCh38", "Y", [(10_001, 2_781_479), (56_887_903, 57_217_415)]),
    ],
)
def test_the_pars_are_the_grc_definitions(build: str, chrom: str, inside: list[tuple[int, int]]) -> None:
    # https://www.ncbi.nlm.nih.gov/grc/human (PAR1 and PAR2 of each assembly)
    for start, end in inside:
        assert outside_pars(build, chrom, start - 1)  # type: ignore[arg-type]
        assert not outside_pars(build, chrom, start)  # type: ignore[arg-type]
        assert not outside_pars(build, chrom, end)  # type: ignore[arg-type]
        assert outside_pars(build, chrom, end + 1)  # type: ignore[arg-type]
    assert not outside_pars(build, "7", 100_000)  # type: ignore[arg-type]


# -- why a malformed record was skipped ---------------------------------------------------------------------------


@pytest.mark.parametrize("strict_reason", [False, True])
def test_the_skipped_records_warning_gives_the_first_reason(tmp_path: Path, strict_reason: bool) -> None:
    rows = [
        "chr11\t68045000\t.\tC\tT\t50\tPASS\t.\tGT\t0/1",
        "chr11\tXX\t.\tC\tT\t50\tPASS\t.\tGT\t0/1",  # line 18
        "chr11\t68046000\t.\t.\tT\t50\tPASS\t.\tGT\t0/1",  # line 19: REF missing
    ]
    if strict_reason:  # the first bad line is one that htslib parses and the reader refuses
        rows = [rows[0], rows[2], rows[1]]
    path = _write(tmp_path / "bad.vcf", rows)
    vcf = read_vcf(path, gene_locator=TABLE)
    assert vcf.skipped_lines == (18, 19)
    reason = "REF is missing" if strict_reason else "POS 'XX' is not a position"
    assert f"{path}: the first malformed record skipped, at line 18: {reason}" in vcf.warnings
