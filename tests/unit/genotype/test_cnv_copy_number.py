"""``<CNV>`` alleles read by their copy number (docs/genotype.md, "Copy-number losses").

The fault: a ``<CNV>`` record was never a deletion, whatever its FORMAT ``CN``, and the usual form of such a
record, GT ``./.`` with ``CN=0`` (the VCF 4.3 examples write copy-number records so), gave the proband no
genotype at all. A homozygous loss of the whole of TCIRG1 was thus no evidence, and TCIRG1 was not even
counted as tested. CN is the total copy number over the allele's region (VCF 4.4, "FORMAT keys used for
structural variants"): below the normal two it is a loss, CN 0 of both copies and CN 1 of one. A deletion
of the whole gene is a null allele (transcript ablation: Richards et al. 2015, PMID:25741868; complete
overlap of a gene: ClinGen CNV guideline, Riggs et al. 2020, PMID:31690835).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from marbledx.genotype import GenotypeModel, VariantCall, VcfReadResult, read_vcf
from marbledx.genotype.synthetic import SyntheticVariant, write_vcf
from tests.unit.genotype.evidence import for_disease

from .test_vcf_fastpath import _full_read, _same
from .test_whole_gene_deletion import (
    ABLATION,
    HEADER,
    NOTHING_RECESSIVE,
    TABLE,
    TCIRG1_END,
    TCIRG1_START,
    _Clinvar,
)

P = "PROBAND"
DISAGREE = "disagrees with the copy number (FORMAT CN)"
NO_GENOTYPE = "give no genotype"
X_GENE = 50_000_000  # chrX outside both PARs (GRCh38 PAR1 ends at 2,781,479, PAR2 starts at 155,701,383)
X_PAR = 1_000_000  # chrX inside PAR1


def _cnv(
    cn: str | None,
    gt: str = "./.",
    *,
    alt: str = "<CNV>",
    chrom: str = "chr11",
    pos: int = TCIRG1_START - 500,
    end: int = TCIRG1_END + 500,
    **info: str,
) -> SyntheticVariant:
    return SyntheticVariant(
        chrom, pos, "A", alt, None, genotypes={P: gt}, info={"END": str(end), **info},
        copy_numbers={} if cn is None else {P: cn},
    )  # fmt: skip


def _write(tmp_path: Path, *variants: SyntheticVariant, header: tuple[str, ...] = ()) -> Path:
    return write_vcf(tmp_path / "c.vcf", list(variants), annotation=None, extra_header=[*HEADER, *header])


def _read(tmp_path: Path, *variants: SyntheticVariant, **kwargs: object) -> VcfReadResult:
    return read_vcf(_write(tmp_path, *variants), gene_locator=TABLE, **kwargs)  # type: ignore[arg-type]


def _line(path: Path) -> int:
    """The line number of the file's first record."""
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if not line.startswith("#"))


def _in_each_gene(call: VariantCall) -> dict[str | None, str | None]:
    return {c.gene: c.consequence for c in (call, *call.other_genes)}


# -- no GT called: the copy number gives the zygosity -------------------------------------------------------------


@pytest.mark.parametrize(
    ("gt", "cn"),
    [
        pytest.param("./.", "0", id="GT-./."),
        pytest.param(".", "0", id="GT-."),
        pytest.param("./.", "0.0", id="CN-float"),  # VCF 4.4 declares CN a Float
    ],
)
def test_a_cnv_of_copy_number_0_over_the_whole_gene_is_a_homozygous_null_allele(
    tmp_path: Path, model: GenotypeModel, gt: str, cn: str
) -> None:
    result = _read(tmp_path, _cnv(cn, gt))
    # Before: no call at all, and the record was counted among those without a genotype.
    assert not any(NO_GENOTYPE in w for w in result.warnings)
    (call,) = result.calls
    assert (call.alt, call.gene, call.consequence) == ("<CNV>", "TCIRG1", ABLATION)
    assert (call.zygosity, call.genotype, call.copy_number, call.copy_number_disputed) == (
        "homozygous", gt, 0, False,
    )  # fmt: skip
    assert "TCIRG1" in result.covered_genes
    optb1 = for_disease(model, result)
    assert optb1.status == "qualifying"
    assert optb1.lr > 100
    (allele,) = optb1.alleles
    assert (allele.variant_class, allele.acmg[0], allele.weight) == ("null", "PVS1", 1.0)
    # The GT listed does not show the zygosity, so the note says where it came from.
    assert f"no genotype called (GT {gt})" in optb1.note
    assert "copy number implies (CN=0, homozygous)" in optb1.note
    assert "taken as a deletion of the whole of TCIRG1" in optb1.note


def test_a_cnv_of_copy_number_1_over_the_whole_gene_is_carrier_status(
    tmp_path: Path, model: GenotypeModel
) -> None:
    result = _read(tmp_path, _cnv("1"))
    (call,) = result.calls
    assert (call.zygosity, call.consequence, call.copy_number) == ("heterozygous", ABLATION, 1)
    optb1 = for_disease(model, result)
    assert optb1.status == "carrier"
    assert optb1.lr == pytest.approx(NOTHING_RECESSIVE)
    assert "CN=1, heterozygous" in optb1.note


def test_a_format_without_gt_and_a_vcf_4_3_integer_cn_are_read(tmp_path: Path, model: GenotypeModel) -> None:
    path = _write(
        tmp_path,
        _cnv("0"),
        header=('##FORMAT=<ID=CN,Number=1,Type=Integer,Description="Copy number genotype">',),
    )
    text = path.read_text()
    path.write_text(text.replace("\tGT:CN\t./.:0", "\tCN\t0"))  # FORMAT without GT
    result = read_vcf(path, gene_locator=TABLE)
    (call,) = result.calls
    assert (call.genotype, call.zygosity, call.consequence) == (".", "homozygous", ABLATION)
    assert for_disease(model, result).status == "qualifying"


def test_a_compound_heterozygote_of_a_copy_number_loss_and_a_pathogenic_allele_qualifies(
    tmp_path: Path, model: GenotypeModel
) -> None:
    snv = SyntheticVariant("chr11", 68_045_000, "C", "T", None, genotypes={P: "0/1"})
    result = _read(tmp_path, _cnv("1"), snv, clinvar=_Clinvar())
    optb1 = for_disease(model, result)
    assert optb1.status == "qualifying"
    assert {a.call.alt for a in optb1.alleles} == {"<CNV>", "T"}


def test_each_gene_of_a_multi_gene_loss_keeps_the_copy_number(tmp_path: Path) -> None:
    # From inside UPSTREAM through TCIRG1 and NEIGHBOUR into DOWNSTREAM (the table of the deletion tests).
    (call,) = _read(tmp_path, _cnv("0", pos=68_030_000, end=68_060_000)).calls
    assert _in_each_gene(call) == {
        "UPSTREAM": None, "TCIRG1": ABLATION, "NEIGHBOUR": ABLATION, "DOWNSTREAM": None,
    }  # fmt: skip
    assert {(c.zygosity, c.copy_number) for c in (call, *call.other_genes)} == {("homozygous", 0)}


def test_a_partial_copy_number_loss_is_of_unknown_consequence(tmp_path: Path, model: GenotypeModel) -> None:
    result = _read(tmp_path, _cnv("0", pos=TCIRG1_START + 100))
    (call,) = result.calls
    assert (call.zygosity, call.consequence) == ("homozygous", None)
    optb1 = for_disease(model, result)
    assert optb1.status == "unverified"  # may or may not be null: neither for nor against
    assert optb1.lr == 1.0


def test_a_common_copy_number_loss_is_read_in_full_not_set_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Partial, so no whole-gene consequence keeps it from the fast path: only its copy number does.
    header = ('##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD AF">',)
    path = _write(tmp_path, _cnv("1", pos=TCIRG1_START + 100, gnomAD_AF="0.3"), header=header)
    fast = read_vcf(path, gene_locator=TABLE)
    _same(fast, _full_read(monkeypatch, path, gene_locator=TABLE))
    (call,) = fast.calls_to_interpret
    assert (call.copy_number, call.zygosity) == (1, "heterozygous")


def test_the_copy_number_gives_the_zygosity_in_vep_mode_too(tmp_path: Path) -> None:
    variant = SyntheticVariant(
        "chr11", TCIRG1_START - 500, "A", "<CNV>", "TCIRG1", "transcript_ablation",
        genotypes={P: "./."}, copy_numbers={P: "0"}, info={"END": str(TCIRG1_END + 500)},
    )  # fmt: skip
    (call,) = read_vcf(write_vcf(tmp_path / "v.vcf", [variant], extra_header=HEADER)).calls
    assert (call.gene, call.consequence, call.zygosity, call.copy_number) == (
        "TCIRG1", ABLATION, "homozygous", 0,
    )  # fmt: skip


# -- what is not a copy-number loss ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(_cnv("2"), id="CN2-normal"),
        pytest.param(_cnv("3"), id="CN3-gain"),
        pytest.param(_cnv("1.5"), id="CN-not-whole"),
        pytest.param(_cnv("."), id="CN-missing"),
        pytest.param(_cnv(None), id="no-CN"),
        pytest.param(_cnv("0", alt="<CNV:TR>"), id="tandem-repeat"),
        pytest.param(_cnv("0", alt="<DEL>"), id="DEL-unchanged"),  # <DEL> is read by its GT, as before
    ],
)
def test_without_a_copy_number_loss_a_record_without_gt_is_still_no_evidence(
    tmp_path: Path, model: GenotypeModel, variant: SyntheticVariant
) -> None:
    result = _read(tmp_path, variant)
    assert result.calls == ()
    assert any(NO_GENOTYPE in w for w in result.warnings)
    assert "TCIRG1" not in result.covered_genes
    assert for_disease(model, result).status == "not_covered"


@pytest.mark.parametrize("cn", ["2", "3"])
def test_a_carried_cnv_of_normal_or_raised_copy_number_stays_of_unknown_consequence(
    tmp_path: Path, cn: str
) -> None:
    (call,) = _read(tmp_path, _cnv(cn, "0/1")).calls
    assert (call.zygosity, call.consequence, call.copy_number) == ("heterozygous", None, None)


# -- GT and CN disagree: the lower zygosity, and a request for confirmation ------------------------------------------


@pytest.mark.parametrize(
    ("gt", "cn", "zygosity"),
    [
        pytest.param("0/1", "0", "heterozygous", id="het-GT-CN0"),
        pytest.param("1/1", "1", "heterozygous", id="hom-GT-CN1"),
    ],
)
def test_gt_and_copy_number_that_disagree_count_at_the_lower_zygosity(
    tmp_path: Path, model: GenotypeModel, gt: str, cn: str, zygosity: str
) -> None:
    path = _write(tmp_path, _cnv(cn, gt))
    result = read_vcf(path, gene_locator=TABLE)
    (call,) = result.calls
    assert (call.zygosity, call.consequence, call.copy_number_disputed) == (zygosity, ABLATION, True)
    assert any(DISAGREE in w and f"line(s) {_line(path)}" in w for w in result.warnings)
    optb1 = for_disease(model, result)
    # A homozygous null allele by one reading, one allele by the other: carrier status, not a diagnosis.
    assert optb1.status == "carrier"
    assert optb1.lr == pytest.approx(NOTHING_RECESSIVE)
    assert f"its GT ({gt}) and its copy number (CN={cn}) disagree" in optb1.note
    assert f"counted at the lower zygosity ({zygosity})" in optb1.note
    assert "confirm the copy number by another method" in optb1.note


def test_gt_and_copy_number_that_agree_need_no_remark(tmp_path: Path, model: GenotypeModel) -> None:
    result = _read(tmp_path, _cnv("0", "1/1"))
    (call,) = result.calls
    assert (call.zygosity, call.copy_number, call.copy_number_disputed) == ("homozygous", 0, False)
    assert not any(DISAGREE in w for w in result.warnings)
    optb1 = for_disease(model, result)
    assert optb1.status == "qualifying"
    assert "copy number" not in optb1.note


@pytest.mark.parametrize("gt", ["0/0", "0"])
def test_a_gt_without_the_allele_disputes_a_copy_number_loss(tmp_path: Path, gt: str) -> None:
    # GT says no copy is lost, CN that both are: the lower reading is no allele, and the warning says so.
    result = _read(tmp_path, _cnv("0", gt))
    assert result.calls == ()
    assert any(DISAGREE in w for w in result.warnings)
    assert "TCIRG1" in result.covered_genes  # the site was genotyped, as for any 0/0


# -- X and Y: a male has one copy outside the PARs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chrom", "pos", "sex", "cn", "zygosity"),
    [
        pytest.param("chrX", X_GENE, "male", "0", "hemizygous", id="X-male-CN0"),
        pytest.param("chrX", X_GENE, "male", "1", None, id="X-male-CN1-normal"),
        pytest.param("chrX", X_GENE, "female", "0", "homozygous", id="X-female-CN0"),
        pytest.param("chrX", X_GENE, "female", "1", "heterozygous", id="X-female-CN1"),
        pytest.param("chrX", X_GENE, None, "0", "homozygous", id="X-unknown-CN0"),
        pytest.param("chrX", X_GENE, None, "1", None, id="X-unknown-CN1-ambiguous"),
        pytest.param("chrX", X_PAR, "male", "1", "heterozygous", id="X-PAR-male-CN1"),
        pytest.param("chrY", X_GENE, "male", "0", "hemizygous", id="Y-male-CN0"),
        pytest.param("chrY", X_GENE, "female", "0", None, id="Y-female-CN0-normal"),
        pytest.param("chrY", X_GENE, None, "0", None, id="Y-unknown-CN0"),
        pytest.param("chrM", 100, None, "0", None, id="MT"),
    ],
)
def test_the_copy_number_of_a_sex_chromosome_is_read_by_the_sex(
    tmp_path: Path, chrom: str, pos: int, sex: str | None, cn: str, zygosity: str | None
) -> None:
    result = _read(tmp_path, _cnv(cn, chrom=chrom, pos=pos, end=pos + 10_000), sex=sex)
    assert [c.zygosity for c in result.calls] == ([zygosity] if zygosity else [])
    assert not any("haploid GT" in w for w in result.warnings)


def test_a_male_hemizygous_gt_agrees_with_copy_number_0(tmp_path: Path) -> None:
    result = _read(tmp_path, _cnv("0", "1", chrom="chrX", pos=X_GENE, end=X_GENE + 10_000), sex="male")
    (call,) = result.calls
    assert (call.zygosity, call.copy_number_disputed) == ("hemizygous", False)
    assert not any(DISAGREE in w for w in result.warnings)
