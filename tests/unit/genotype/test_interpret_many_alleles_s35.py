"""Many qualifying alleles in one gene: the pair search and the per-disease reading stay linear, same results.

A badly filtered or hostile VCF may hold thousands of rare alleles in one gene. The recessive pair search used to
check every pair of them (about two million pairs for 2,000 alleles, per disease and mode), and each disease of
the gene assessed every allele again. These tests compare the search with the plain double loop it replaces,
on random allele lists, and count the cis checks and gene readings instead of timing them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from marbledx.genotype import VariantCall, VcfReadResult
from marbledx.genotype import _interpret as interp
from marbledx.genotype._interpret import (
    AlleleAssessment,
    DiseaseGenotype,
    GeneRule,
    GenotypeModel,
    GenotypeStatus,
    Mode,
    assess_gene,
)
from marbledx.genotype._model import ParentalOrigin, Zygosity

RATE = 0.01
MODES: tuple[Mode, ...] = ("AR", "AD", "XLR", "XLD", "YL")
SEXES: tuple[str | None, ...] = (None, "male", "female")
Result = tuple[float, tuple[AlleleAssessment, ...], GenotypeStatus, str | None]


def _reference(assessed: list[AlleleAssessment], mode: Mode, sex: str | None) -> Result:
    """``_genotype_for_mode`` as it was: every pair of qualifying alleles checked in a plain double loop."""
    qualifying = sorted((a for a in assessed if a.weight > 0), key=lambda a: -a.weight)
    if not qualifying:
        return 0.0, (), "no_qualifying_variant", None
    if mode in {"AD", "XLD", "YL"} or (mode == "XLR" and sex == "male"):
        return qualifying[0].weight, (qualifying[0],), "qualifying", None
    if mode == "XLR" and sex is None:
        for allele in qualifying:
            if allele.call.zygosity == "hemizygous":
                return allele.weight, (allele,), "qualifying", None
            if allele.call.zygosity == "homozygous":
                name = allele.call.hgvs_c or allele.call.key
                remark = (
                    f"{name} is called homozygous (1/1) on X and the sex is not given, so it is counted once, "
                    "as one allele"
                )
                return allele.weight, (allele,), "qualifying", remark
    for allele in qualifying:
        if allele.call.zygosity == "homozygous" or (
            allele.call.zygosity == "hemizygous" and allele.call.chrom in {"X", "Y"}
        ):
            return 2 * allele.weight, (allele,), "qualifying", None
    best_pair: tuple[AlleleAssessment, AlleleAssessment] | None = None
    cis_seen = False
    for i, first in enumerate(qualifying):
        for second in qualifying[i + 1 :]:
            if first.call.key == second.call.key:
                continue
            if interp._in_cis(first.call, second.call):
                cis_seen = True
                continue
            if best_pair is None or first.weight + second.weight > best_pair[0].weight + best_pair[1].weight:
                best_pair = (first, second)
    if best_pair is not None:
        return best_pair[0].weight + best_pair[1].weight, best_pair, "qualifying", None
    return 0.0, (qualifying[0],), "in_cis" if cis_seen else "carrier", None


def _same(got: Result, expected: Result) -> bool:
    """Equal results, with the very same allele objects chosen (not merely equal ones: repeats are equal)."""
    k, alleles, status, remark = got
    k0, alleles0, status0, remark0 = expected
    return (
        k == k0
        and status == status0
        and remark == remark0
        and [id(a) for a in alleles] == [id(a) for a in alleles0]
    )


def _allele(
    pos: int,
    weight: float,
    *,
    chrom: str = "11",
    zygosity: Zygosity = "heterozygous",
    haplotype: int | None = None,
    phase_set: int | None = None,
    origin: ParentalOrigin = "unknown",
) -> AlleleAssessment:
    genotype = {"heterozygous": "0/1", "homozygous": "1/1", "hemizygous": "1"}[zygosity]
    if haplotype is not None:
        genotype = "0|1" if haplotype == 1 else "1|0"
    call = VariantCall(
        chrom=chrom,
        pos=pos,
        ref="C",
        alt="T",
        genotype=genotype,
        zygosity=zygosity,
        gene="G",
        consequence="missense_variant",
        hgvs_c=f"c.{pos}C>T",
        haplotype=haplotype,
        phase_set=phase_set,
        origin=origin,
    )
    return AlleleAssessment(call, "missense", (), weight)


# Weights with ties, zeros (not qualifying) and sums that floating point rounds (0.1 + 0.2 != 0.3).
_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.5, 0.8, 0.8, 0.9, 1.0, 1.0)
_ORIGINS: tuple[ParentalOrigin, ...] = ("unknown", "paternal", "maternal", "both", "de_novo")


def _random_alleles(rng: random.Random, n: int, *, hostile: bool) -> list[AlleleAssessment]:
    """Random alleles of one gene: repeated keys, phase sets in cis and trans, parents, a few homozygous or
    hemizygous calls; ``hostile`` puts most of them in cis (one phase set, one parent)."""
    chrom = rng.choice(("11", "X"))
    positions = rng.randint(1, max(1, n))  # few positions: repeated alleles (same key)
    alleles = []
    for _ in range(n):
        zygosity: Zygosity = rng.choices(("heterozygous", "homozygous", "hemizygous"), (40, 1, 1))[0]
        phased = rng.random() < (0.9 if hostile else 0.5)
        origin = rng.choices(_ORIGINS, (3, 6, 2, 1, 1) if hostile else (6, 2, 2, 1, 1))[0]
        alleles.append(
            _allele(
                rng.randint(1, positions),
                rng.choice(_WEIGHTS),
                chrom=chrom,
                zygosity=zygosity,
                haplotype=rng.choices((0, 1), (6, 1) if hostile else (1, 1))[0] if phased else None,
                phase_set=rng.choice((0, 1, 1, 2)) if phased and rng.random() < 0.95 else None,
                origin=origin,
            )
        )
    return alleles


def test_the_search_gives_what_the_double_loop_gives_on_random_alleles() -> None:
    rng = random.Random(35)
    statuses: set[str] = set()
    checked = 0
    for trial in range(2500):
        alleles = _random_alleles(rng, rng.randint(0, 24), hostile=trial % 2 == 1)
        for mode in MODES:
            for sex in SEXES:
                got = interp._genotype_for_mode(alleles, mode, sex)
                expected = _reference(alleles, mode, sex)
                assert _same(got, expected), (trial, mode, sex, got, expected)
                statuses.add(expected[2])
                checked += 1
    # Every outcome of the pair search was met, so the comparison covered each of them.
    assert statuses == {"qualifying", "carrier", "in_cis", "no_qualifying_variant"}
    assert checked == 2500 * len(MODES) * len(SEXES)


def test_the_pair_chosen_among_equal_sums_is_the_double_loops_first() -> None:
    # Only heterozygous alleles, all weights tied or nearly: the choice rests on the order of the loop alone.
    rng = random.Random(350)
    for _ in range(3000):
        alleles = [
            _allele(
                rng.randint(1, 12),
                rng.choice((0.5, 0.8, 0.8, 1.0, 1.0)),
                haplotype=rng.choice((None, 0, 1)),
                phase_set=rng.choice((None, 0, 7)),
                origin=rng.choice(("unknown", "paternal", "maternal")),
            )
            for _ in range(rng.randint(2, 16))
        ]
        got = interp._genotype_for_mode(alleles, "AR", None)
        assert _same(got, _reference(alleles, "AR", None))


def _counting_cis(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the cis checks of the search: calls of ``_cis_link``, the test behind ``_in_cis`` (and of
    ``_in_cis`` itself, which the double loop called for each pair of different alleles)."""
    count = [0]

    def counting(
        check: Callable[[VariantCall, VariantCall], object],
    ) -> Callable[[VariantCall, VariantCall], object]:
        def counted(a: VariantCall, b: VariantCall) -> object:
            count[0] += 1
            return check(a, b)

        return counted

    for name in ("_in_cis", "_cis_link"):
        if hasattr(interp, name):
            monkeypatch.setattr(interp, name, counting(getattr(interp, name)))
    return count


N = 2000


def test_two_thousand_alleles_in_cis_but_one_give_the_heaviest_and_the_one_in_trans(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # All on haplotype 0 of phase set 1 (in cis with each other), and one allele on haplotype 1 at the end: the
    # only pairs are with it. Unscored missense alleles weigh 0.5 and ClinVar pathogenic ones 1.0, so the
    # first pathogenic allele in the file (c.105C>T) pairs with the one in trans.
    calls = [_allele(100 + p, 0.0, haplotype=0, phase_set=1).call for p in range(N - 1)]
    calls[5] = replace(calls[5], clinvar="pathogenic")
    calls[7] = replace(calls[7], clinvar="pathogenic")
    calls.append(_allele(99_999, 0.0, haplotype=1, phase_set=1).call)
    count = _counting_cis(monkeypatch)
    result = assess_gene(GeneRule("G", ("AR",), True), calls, sex=None, background_rate=RATE)
    assert result.status == "qualifying"
    assert len(result.alleles) == N
    assert result.note.startswith("G: c.105C>T, c.99999C>T fit an autosomal recessive mode")
    # The double loop checked about N²/2 = 2,000,000 pairs; the search a few per allele.
    assert count[0] <= 10 * N


def test_two_thousand_alleles_all_in_cis_are_in_cis_with_few_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    # No pair qualifies, so no bound can stop the search early: the double loop checked every pair.
    alleles = [_allele(100 + p, 1.0, haplotype=1, phase_set=4) for p in range(N)]
    count = _counting_cis(monkeypatch)
    k, chosen, status, _ = interp._genotype_for_mode(alleles, "AR", "female")
    assert (k, status) == (0.0, "in_cis")
    assert chosen == (alleles[0],)
    assert count[0] <= 10 * N


def test_two_thousand_alleles_from_one_parent_or_one_phase_pair_only_the_light_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The heaviest third is paternal and on haplotype 0 of phase set 1, in cis with everything else: paternal
    # unphased alleles and maternal ones on haplotype 0. Only a paternal unphased allele and a maternal phased
    # one pair, so the best pair comes after checking the whole heavy third against everything.
    third = N // 3
    heavy = [_allele(p, 1.0, haplotype=0, phase_set=1, origin="paternal") for p in range(third)]
    rest = [
        _allele(third + p, 0.8, origin="paternal")
        if p % 2 == 0
        else _allele(third + p, 0.8, haplotype=0, phase_set=1, origin="maternal")
        for p in range(N - third)
    ]
    alleles = heavy + rest
    count = _counting_cis(monkeypatch)
    got = interp._genotype_for_mode(alleles, "AR", None)
    assert count[0] <= 10 * N
    assert got[2] == "qualifying"
    assert [a.call.pos for a in got[1]] == [third, third + 1]
    assert got[0] == pytest.approx(1.6)


def test_two_thousand_repeats_of_one_allele_are_a_carrier(monkeypatch: pytest.MonkeyPatch) -> None:
    # One allele in 2,000 records (a merged file): never paired with itself, so a carrier, not a genotype.
    alleles = [_allele(500, 1.0) for _ in range(N)]
    count = _counting_cis(monkeypatch)
    k, chosen, status, _ = interp._genotype_for_mode(alleles, "AR", None)
    assert (k, status, chosen) == (0.0, "carrier", (alleles[0],))
    assert count[0] <= 10 * N


def _model(rules: list[tuple[GeneRule, ...]]) -> GenotypeModel:
    """A genotype model with these rules per disease, built without an HPO release."""
    model = GenotypeModel.__new__(GenotypeModel)
    model.disease_ids = [f"OMIM:{100000 + i}" for i in range(len(rules))]
    model.rules = rules
    model.assessable = [True] * len(rules)
    rows_by_gene: dict[str, list[int]] = {}
    for row, rules_of_row in enumerate(rules):
        for rule in rules_of_row:
            rows_by_gene.setdefault(rule.gene, []).append(row)
    model._rows_by_gene = rows_by_gene  # type: ignore[assignment]
    return model


def _counting_genes(monkeypatch: pytest.MonkeyPatch) -> list[GeneRule]:
    readings: list[GeneRule] = []
    assess: Callable[..., DiseaseGenotype] = interp.assess_gene

    def counted(rule: GeneRule, *args: object, **kwargs: object) -> DiseaseGenotype:
        readings.append(rule)
        return assess(rule, *args, **kwargs)

    monkeypatch.setattr(interp, "assess_gene", counted)
    return readings


def test_diseases_that_share_a_gene_rule_read_the_gene_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Five diseases of one gene with the same HPO rule, one with another mode, and one with two genes.
    shared = GeneRule("G", ("AR",))
    dominant = GeneRule("G", ("AD",))
    other = GeneRule("H", ("AR",))
    rules = [(shared,)] * 5 + [(dominant,), (shared, other)]
    alleles = [_allele(100 + p, 1.0) for p in range(N)]
    calls = tuple(replace(a.call, gnomad_af=1e-5) for a in alleles)
    vcf = VcfReadResult(
        path="many.vcf",
        build="GRCh38",
        sample="proband",
        mode="vep",
        calls=calls,
        n_records=len(calls),
        covered_genes=frozenset({"G", "H"}),
        genome_wide=False,
    )
    readings = _counting_genes(monkeypatch)
    evidence = _model(rules).evaluate(vcf, sex=None)
    # One reading per distinct rule: G's shared rule once for its six diseases, not six times.
    assert sorted(readings, key=repr) == sorted([shared, dominant, other], key=repr)
    # The same evidence as reading the gene for each disease on its own.
    own = assess_gene(shared, list(calls), sex=None, background_rate=evidence.background_rate)
    for row in range(5):
        assert evidence.for_row(row) == own
        assert evidence.log_lr[row] == pytest.approx(np.log(own.lr))
    assert evidence.for_row(5).mode == "AD"
    assert evidence.for_row(6).note.endswith("(1 of 2 genes of this disease)")
