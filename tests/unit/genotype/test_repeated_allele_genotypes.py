"""An allele that the VCF gives two different genotypes (issue 4; docs/genotype.md, "Repeated alleles").

When one record called an allele 0/1 and another 1/1 (a merge or concatenation of overlapping files), the
higher zygosity won: a recessive disease qualified on a homozygous call that the file itself contradicts. Such an
allele now counts once, at the lower zygosity, is listed once with that genotype, and the genotype note names
the conflict. A second, different allele in trans still completes the genotype; repeats with the same genotype
keep their behaviour.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from marbledx.genotype import (
    DiseaseGenotype,
    GeneRule,
    GenotypeModel,
    VariantCall,
    Zygosity,
    assess_gene,
    read_vcf,
)
from marbledx.genotype.synthetic import SyntheticVariant, write_vcf
from tests.unit.genotype.evidence import for_disease, ranked_with_vcf, tcirg1_variant

P = "PROBAND"
OPTB1 = "OMIM:259700"  # TCIRG1, autosomal recessive, loss of function (knowledge base)
NOTHING_RECESSIVE = 1 - 0.95**2  # the LR of a covered recessive gene without a fitting genotype
CONFLICT = "the VCF gives it two different genotypes"
RATE = 0.01


def _tcirg1(
    gt: str, offset: int = 0, consequence: str = "stop_gained", phase_set: int | None = None
) -> SyntheticVariant:
    return tcirg1_variant(offset, gt, consequence, phase_set=phase_set)


def _optb1(tmp_path: Path, model: GenotypeModel, variants: list[SyntheticVariant]) -> DiseaseGenotype:
    return for_disease(model, read_vcf(write_vcf(tmp_path / "a.vcf", variants)))


# -- the fault: 0/1 and 1/1 of one allele ------------------------------------------------------------------------


@pytest.mark.parametrize("order", [("0/1", "1/1"), ("1/1", "0/1")])
def test_an_allele_called_both_heterozygous_and_homozygous_does_not_complete_a_recessive_genotype(
    tmp_path: Path, model: GenotypeModel, order: tuple[str, str]
) -> None:
    path = write_vcf(tmp_path / "a.vcf", [_tcirg1(gt) for gt in order])
    result = read_vcf(path)
    assert sorted(c.zygosity for c in result.calls) == ["heterozygous", "homozygous"]  # both records read
    assert any("different genotypes count once, at the lower zygosity" in w for w in result.warnings)
    assert any("different phases count once, unphased" in w for w in result.warnings)
    optb1 = for_disease(model, result)
    # Was "qualifying" (a homozygous null allele, LR far above 1).
    assert optb1.status == "carrier"
    assert optb1.lr == pytest.approx(NOTHING_RECESSIVE)
    # Listed once, with the genotype it was counted at, never as homozygous.
    assert [(a.call.hgvs_c, a.call.genotype) for a in optb1.alleles] == [("c.100C>T", "0/1")]
    # The note names the allele, both genotypes with their lines, and what to do.
    first = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if not line.startswith("#"))
    assert f"c.100C>T: {CONFLICT} ({order[0]} at line {first}, {order[1]} at line {first + 1})" in optb1.note
    assert "counted once, at the lower zygosity (0/1, heterozygous)" in optb1.note
    assert "Sanger" in optb1.note


def test_a_second_allele_in_trans_still_completes_the_genotype(tmp_path: Path, model: GenotypeModel) -> None:
    second = _tcirg1("0/1", 2_000, "frameshift_variant")
    conflicted = _optb1(tmp_path, model, [_tcirg1("0/1"), _tcirg1("1/1"), second])
    plain = _optb1(tmp_path / "plain", model, [_tcirg1("0/1"), second])
    assert conflicted.status == "qualifying"
    # A compound heterozygote, counted as such: the same LR as without the repeat, not a homozygote's.
    assert conflicted.lr == pytest.approx(plain.lr)
    assert sorted((a.call.hgvs_c, a.call.genotype) for a in conflicted.alleles) == [
        ("c.100C>T", "0/1"),
        ("c.2100C>T", "0/1"),
    ]
    assert f"c.100C>T: {CONFLICT}" in conflicted.note


def test_a_second_allele_in_cis_does_not(tmp_path: Path, model: GenotypeModel) -> None:
    # The heterozygous record is phased with the second allele on the same haplotype: not biallelic.
    variants = [_tcirg1("1/1"), _tcirg1("0|1", phase_set=7), _tcirg1("0|1", 2_000, "frameshift_variant", 7)]
    optb1 = _optb1(tmp_path, model, variants)
    assert optb1.status == "in_cis"  # was "qualifying" on the homozygous record
    assert optb1.lr == pytest.approx(NOTHING_RECESSIVE)
    assert CONFLICT in optb1.note


# -- repeats with one genotype keep their behaviour ---------------------------------------------------------------


def test_a_homozygous_allele_repeated_with_the_same_genotype_still_qualifies(
    tmp_path: Path, model: GenotypeModel
) -> None:
    repeated = _optb1(tmp_path, model, [_tcirg1("1/1"), _tcirg1("1/1")])
    once = _optb1(tmp_path / "once", model, [_tcirg1("1/1")])
    assert repeated.status == "qualifying"
    assert repeated.lr == pytest.approx(once.lr)
    assert "different genotypes" not in repeated.note


def test_differently_written_calls_of_one_zygosity_are_no_conflict(
    tmp_path: Path, model: GenotypeModel
) -> None:
    # 0/1 and 1|0 are both heterozygous: one allele, no remark.
    optb1 = _optb1(tmp_path, model, [_tcirg1("0/1"), _tcirg1("1|0")])
    assert optb1.status == "carrier"
    assert "different genotypes" not in optb1.note


# -- other zygosities and modes (assess_gene directly) ------------------------------------------------------------


def _call(chrom: str, genotype: str, zygosity: Zygosity, line: int) -> VariantCall:
    return VariantCall(
        chrom,
        1_000,
        "C",
        "T",
        genotype,
        zygosity,
        "G",
        "stop_gained",
        "c.1C>T",
        gnomad_af=None,
        line=line,
    )


def test_a_haploid_and_a_homozygous_call_on_an_autosome_count_as_one_allele() -> None:
    # A haploid GT on an autosome is one allele (docs/genotype.md, "Haploid GT on an autosome").
    calls = [_call("11", "1/1", "homozygous", 10), _call("11", "1", "hemizygous", 11)]
    result = assess_gene(GeneRule("G", ("AR",), True), calls, sex=None, background_rate=RATE)
    assert result.status == "carrier"  # was "qualifying" on the 1/1 record
    assert [a.call.genotype for a in result.alleles] == ["1"]
    assert f"c.1C>T: {CONFLICT} (1/1 at line 10, 1 at line 11)" in result.note


def test_a_heterozygous_and_a_haploid_call_on_x_with_the_sex_unknown_count_as_a_female_allele() -> None:
    # With the sex unknown, a haploid GT on X is read as a male's single X (one allele suffices) and a
    # heterozygous one as a female's (two are needed): the file does not say which, so the lower reading holds.
    calls = [_call("X", "1", "hemizygous", 10), _call("X", "0/1", "heterozygous", 11)]
    rule = GeneRule("G", ("XLR",), True)
    unknown = assess_gene(rule, calls, sex=None, background_rate=RATE)
    assert unknown.status == "carrier"  # was "qualifying" on the haploid record
    assert [a.call.genotype for a in unknown.alleles] == ["0/1"]
    assert CONFLICT in unknown.note
    # In a male one allele is the whole genotype, however many copies the records claim; the note still says.
    male = assess_gene(rule, calls, sex="male", background_rate=RATE)
    assert male.status == "qualifying"
    assert CONFLICT in male.note


def test_a_dominant_disease_still_qualifies_on_the_lower_genotype() -> None:
    calls = [_call("11", "0/1", "heterozygous", 10), _call("11", "1/1", "homozygous", 11)]
    plain = assess_gene(GeneRule("G", ("AD",), True), calls[:1], sex=None, background_rate=RATE)
    result = assess_gene(GeneRule("G", ("AD",), True), calls, sex=None, background_rate=RATE)
    assert result.status == "qualifying"
    assert result.lr == pytest.approx(plain.lr)
    assert CONFLICT in result.note


# -- the command line ---------------------------------------------------------------------------------------------


def test_rank_json_shows_the_allele_once_with_the_lower_genotype(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    vcf = write_vcf(tmp_path / "p.vcf.gz", [_tcirg1("0/1"), _tcirg1("1/1")])
    optb1 = ranked_with_vcf(vcf, capsys, monkeypatch)
    assert [(v["hgvs_c"], v["genotype"]) for v in optb1["variants"]] == [("c.100C>T", "0/1")]
    assert optb1["genotype_lr"] == pytest.approx(NOTHING_RECESSIVE)  # was above 100
    assert CONFLICT in optb1["genotype_note"]


# -- a disagreeing record that the VCF's own filters rejected ----------------------------------------------------

REJECTED = "a record that the VCF's own filters rejected"


@pytest.mark.parametrize("order", [("PASS", "LowQual"), ("LowQual", "PASS")])
def test_a_rejected_record_with_fewer_copies_is_named_but_does_not_lower_the_call(
    tmp_path: Path, model: GenotypeModel, order: tuple[str, str]
) -> None:
    gts = {"PASS": "1/1", "LowQual": "0/1"}
    variants = [replace(_tcirg1(gts[f]), filter=f) for f in order]
    path = write_vcf(tmp_path / "a.vcf", variants)
    optb1 = for_disease(model, read_vcf(path))
    alone = _optb1(tmp_path / "alone", model, [_tcirg1("1/1")])
    # The passing homozygous call stands (the rejected record is not evidence) ...
    assert optb1.status == "qualifying"
    assert optb1.lr == pytest.approx(alone.lr)
    # ... but the note names the disagreement, where the rejected record is, and asks for confirmation.
    first = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if not line.startswith("#"))
    rejected_line = first + order.index("LowQual")
    assert f"c.100C>T: counted as 1/1 (homozygous), but {REJECTED} at line {rejected_line} calls it 0/1" in (
        optb1.note
    )
    assert "Sanger" in optb1.note
    assert REJECTED not in alone.note


def test_a_rejected_record_with_as_many_copies_or_more_is_not_named(
    tmp_path: Path, model: GenotypeModel
) -> None:
    same = [_tcirg1("1/1"), replace(_tcirg1("1/1"), filter="LowQual")]
    more = [_tcirg1("0/1"), replace(_tcirg1("1/1"), filter="LowQual")]
    assert REJECTED not in _optb1(tmp_path, model, same).note
    assert REJECTED not in _optb1(tmp_path / "more", model, more).note
