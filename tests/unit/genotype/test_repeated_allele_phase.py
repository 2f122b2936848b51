"""An allele that two records of one VCF phase differently (docs/genotype.md, "Repeated alleles").

Two records (a merge or concatenation of overlapping files) may give one heterozygous allele different phases:
``0|1`` and ``1|0`` with one PS, or two phase sets. The file then contradicts itself about the haplotype that
decides whether a second allele is in cis or in trans. Before, where a third record gave the allele another
zygosity, the first heterozygous record's phase was read, so record order decided between "in cis" and a
compound heterozygote; and the note never said that the phase was in dispute. Such an allele now counts once,
unphased, whatever the record order, and the note names both phases with their lines. Repeats that agree keep
their behaviour.
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
    assess_gene,
    read_vcf,
)
from marbledx.genotype.synthetic import SyntheticVariant, write_vcf
from tests.unit.genotype.evidence import PROBAND, for_disease, ranked_with_vcf, tcirg1_variant

OPTB1 = "OMIM:259700"  # TCIRG1, autosomal recessive, loss of function (knowledge base)
NOTHING_RECESSIVE = 1 - 0.95**2  # the LR of a covered recessive gene without a fitting genotype
PHASES = "the VCF gives it two different phases"
ASK = "confirm the phase by another method (such as testing the parents or long-read sequencing)"
RATE = 0.01


def _a(gt: str, phase_set: int | None = 7) -> SyntheticVariant:
    """The allele whose records disagree: c.100C>T, a TCIRG1 null allele."""
    return tcirg1_variant(0, gt, phase_set=phase_set)


def _second(gt: str = "0|1", phase_set: int | None = 7) -> SyntheticVariant:
    """A second, different TCIRG1 null allele, c.2100C>T."""
    return tcirg1_variant(2_000, gt, "frameshift_variant", phase_set=phase_set)


def _optb1(path: Path, model: GenotypeModel, variants: list[SyntheticVariant]) -> DiseaseGenotype:
    return for_disease(model, read_vcf(write_vcf(path, variants)))


def _first_line(path: Path) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if not line.startswith("#"))


def _listed(result: DiseaseGenotype) -> list[tuple[str | None, str]]:
    return sorted((a.call.hgvs_c, a.call.genotype) for a in result.alleles)


# -- the fault: two phases of one allele ---------------------------------------------------------------------------

# (record 1, record 2) of c.100C>T, each a (GT, PS) and how the note writes it.
CONFLICTS = {
    "two haplotypes, one phase set": (("0|1", 7, "0|1 PS=7"), ("1|0", 7, "1|0 PS=7")),
    "two phase sets": (("0|1", 7, "0|1 PS=7"), ("0|1", 9, "0|1 PS=9")),
    "phased without PS and with PS": (("0|1", None, "0|1 without PS"), ("0|1", 7, "0|1 PS=7")),
}


@pytest.mark.parametrize("reverse", [False, True], ids=["in order", "reversed"])
@pytest.mark.parametrize("conflict", list(CONFLICTS))
def test_an_allele_phased_two_ways_counts_once_unphased_and_the_note_names_both_phases(
    tmp_path: Path, model: GenotypeModel, conflict: str, reverse: bool
) -> None:
    records = list(CONFLICTS[conflict])
    if reverse:
        records.reverse()
    path = write_vcf(tmp_path / "a.vcf", [*(_a(gt, ps) for gt, ps, _ in records), _second()])
    optb1 = for_disease(model, read_vcf(path))
    plain = _optb1(tmp_path / "plain.vcf", model, [_a("0/1", None), _second()])
    # Not shown to be in cis (the rule): a compound heterozygote, as with an unphased call.
    assert optb1.status == "qualifying"
    assert optb1.lr == pytest.approx(plain.lr)
    # Listed once, unphased (was listed twice, once per record, with both phases).
    assert _listed(optb1) == [("c.100C>T", "0/1"), ("c.2100C>T", "0|1")]
    # The note names the allele, both phases with their lines, and asks for the phase to be confirmed.
    first = _first_line(path)
    given = f"{records[0][2]} at line {first}, {records[1][2]} at line {first + 1}"
    assert f"c.100C>T: {PHASES} ({given}), so its phase is unknown" in optb1.note
    assert "counted once, unphased (0/1)" in optb1.note
    assert ASK in optb1.note


@pytest.mark.parametrize("het", [("0|1", "1|0"), ("0|1", "0/1")], ids=["two phases", "phased and unphased"])
def test_record_order_does_not_decide_cis_or_trans_when_a_homozygous_record_is_set_aside(
    tmp_path: Path, model: GenotypeModel, het: tuple[str, str]
) -> None:
    # A 1/1 record of the allele is set aside (the lower zygosity is read: test_repeated_allele_genotypes).
    # Before, the first heterozygous record then stood for the allele: 0|1 PS=7 made it in cis with the second
    # allele, and 1|0 PS=7 or 0/1 in trans, so swapping two lines changed the diagnosis.
    outcomes = []
    for name, order in (("in order", het), ("reversed", het[::-1])):
        hets = [_a(gt, 7 if "|" in gt else None) for gt in order]
        optb1 = _optb1(tmp_path / f"{name}.vcf", model, [_a("1/1", None), *hets, _second()])
        outcomes.append((optb1.status, optb1.lr, _listed(optb1)))
    plain = _optb1(tmp_path / "plain.vcf", model, [_a("0/1", None), _second()])
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == "qualifying"
    assert outcomes[0][1] == pytest.approx(plain.lr)
    assert outcomes[0][2] == [("c.100C>T", "0/1"), ("c.2100C>T", "0|1")]


def test_the_zygosity_and_the_phase_conflicts_are_both_named(tmp_path: Path, model: GenotypeModel) -> None:
    path = write_vcf(tmp_path / "a.vcf", [_a("1/1", None), _a("0|1"), _a("1|0"), _second()])
    optb1 = for_disease(model, read_vcf(path))
    first = _first_line(path)
    assert "c.100C>T: the VCF gives it two different genotypes" in optb1.note
    assert "at the lower zygosity (0/1, heterozygous)" in optb1.note
    assert f"{PHASES} (0|1 PS=7 at line {first + 1}, 1|0 PS=7 at line {first + 2})" in optb1.note


# -- a second allele in cis on both records stays in cis -----------------------------------------------------------


def _trio(gt: str, offset: int = 0, phase_set: int = 7) -> SyntheticVariant:
    """A TCIRG1 null allele that the proband has from the father (the mother does not carry it)."""
    consequence = "stop_gained" if offset == 0 else "frameshift_variant"
    genotypes = {PROBAND: gt, "FATHER": "0/1", "MOTHER": "0/0"}
    return tcirg1_variant(offset, consequence=consequence, genotypes=genotypes, phase_set=phase_set)


@pytest.mark.parametrize("order", [("0|1", "1|0"), ("1|0", "0|1")])
def test_a_second_allele_from_the_same_parent_as_both_records_stays_in_cis(
    tmp_path: Path, model: GenotypeModel, order: tuple[str, str]
) -> None:
    # The proband's phase is disputed, but the parents' genotypes put both alleles on the father's haplotype
    # in every record: in cis, as before.
    variants = [*(_trio(gt) for gt in order), _trio("0|1", 2_000)]
    path = write_vcf(tmp_path / "trio.vcf", variants, samples=(PROBAND, "FATHER", "MOTHER"))
    result = read_vcf(path, sample=PROBAND, father="FATHER", mother="MOTHER")
    assert {c.origin for c in result.calls} == {"paternal"}
    optb1 = for_disease(model, result)
    assert optb1.status == "in_cis"
    assert optb1.lr == pytest.approx(NOTHING_RECESSIVE)
    assert PHASES in optb1.note  # the file still contradicts itself about the phase


@pytest.mark.parametrize("reverse", [False, True], ids=["in order", "reversed"])
def test_a_second_allele_that_agreeing_repeats_put_in_cis_stays_in_cis(
    tmp_path: Path, model: GenotypeModel, reverse: bool
) -> None:
    variants = [_a("0|1"), _a("0|1"), _second("0|1")]
    optb1 = _optb1(tmp_path / "a.vcf", model, variants[::-1] if reverse else variants)
    assert optb1.status == "in_cis"
    assert optb1.lr == pytest.approx(NOTHING_RECESSIVE)
    assert "different phases" not in optb1.note


# -- repeats that agree keep their behaviour ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("repeats", "second", "status"),
    [
        (("0|1", "0|1"), "1|0", "qualifying"),  # one phase, in trans
        (("0|1", "0/1"), "0|1", "qualifying"),  # phased and unphased: not shown to be in cis, as before
        (("0/1", "0/1"), "0|1", "qualifying"),
        (("1|0", "1|0"), "1|0", "in_cis"),
    ],
)
def test_repeats_that_agree_on_phase_or_leave_it_open_are_unchanged(
    tmp_path: Path, model: GenotypeModel, repeats: tuple[str, str], second: str, status: str
) -> None:
    variants = [*(_a(gt, 7 if "|" in gt else None) for gt in repeats), _second(second)]
    optb1 = _optb1(tmp_path / "a.vcf", model, variants)
    assert optb1.status == status
    assert "different phases" not in optb1.note
    # Both records are still listed, as before.
    assert [a.call.genotype for a in optb1.alleles if a.call.hgvs_c == "c.100C>T"] == list(repeats)


# -- modes (assess_gene directly) -----------------------------------------------------------------------------------


def _call(genotype: str, haplotype: int, phase_set: int, line: int, offset: int = 0) -> VariantCall:
    return VariantCall(
        "11",
        1_000 + offset,
        "C",
        "T",
        genotype,
        "heterozygous",
        "G",
        "stop_gained",
        f"c.{1 + offset}C>T",
        gnomad_af=None,
        haplotype=haplotype,
        phase_set=phase_set,
        line=line,
    )


def test_the_phase_is_named_only_where_a_genotype_needs_two_alleles() -> None:
    calls = [_call("0|1", 1, 7, 10), _call("1|0", 0, 7, 11)]
    recessive = assess_gene(GeneRule("G", ("AR",), True), calls, sex=None, background_rate=RATE)
    dominant = assess_gene(GeneRule("G", ("AD",), True), calls, sex=None, background_rate=RATE)
    assert recessive.status == "carrier"
    assert f"c.1C>T: {PHASES} (0|1 PS=7 at line 10, 1|0 PS=7 at line 11)" in recessive.note
    assert dominant.status == "qualifying"
    assert [a.call.genotype for a in dominant.alleles] == ["0/1"]
    assert "phase" not in dominant.note  # one allele is the whole genotype: its phase does not matter


def test_records_that_disagree_on_the_parent_leave_the_origin_unknown_whatever_their_order() -> None:
    # Two records of one allele at the lower zygosity, one from the father and one of unknown origin; the
    # second allele is from the father. Before, the first record's origin was read (in cis, or not).
    rule = GeneRule("G", ("AR",), True)
    homozygous = replace(_call("1/1", 0, 0, 9), zygosity="homozygous", haplotype=None, phase_set=None)
    paternal = replace(_call("0/1", 0, 0, 10), haplotype=None, phase_set=None, origin="paternal")
    unknown = replace(paternal, line=11, origin="unknown")
    second = replace(_call("0/1", 0, 0, 12, 2_000), haplotype=None, phase_set=None, origin="paternal")
    results = [
        assess_gene(rule, [homozygous, *pair, second], sex=None, background_rate=RATE)
        for pair in ((paternal, unknown), (unknown, paternal))
    ]
    assert [r.status for r in results] == ["qualifying", "qualifying"]
    assert [a.call.origin for a in results[0].alleles] == ["unknown", "paternal"]


# -- the command line ----------------------------------------------------------------------------------------------


def test_rank_json_lists_the_allele_once_unphased_and_names_the_phases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    vcf = write_vcf(tmp_path / "p.vcf.gz", [_a("0|1"), _a("1|0"), _second()])
    optb1 = ranked_with_vcf(vcf, capsys, monkeypatch)
    assert sorted((v["hgvs_c"], v["genotype"]) for v in optb1["variants"]) == [
        ("c.100C>T", "0/1"),
        ("c.2100C>T", "0|1"),
    ]
    assert PHASES in optb1["genotype_note"]
