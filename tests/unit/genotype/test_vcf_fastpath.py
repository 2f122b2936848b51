"""read_vcf's fast path: common alleles without ClinVar significance are set aside and built on demand.

Every test compares the fast read with the full read of the same file (the fast path switched off by raising
its frequency limit to infinity): the calls, the counts, the warnings and the genotype evidence must be the
same, and only alleles that no interpretation rule can use may be set aside.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import pickle
from pathlib import Path

import numpy as np
import pytest

from marbledx.errors import InputError
from marbledx.genotype import (
    ClinvarSignificance,
    GenomeBuild,
    GenotypeModel,
    VariantCall,
    VcfReadResult,
    read_vcf,
)
from marbledx.genotype import _vcf as vcf_module
from marbledx.genotype._interpret import BA1_AF, MAX_AF_DOMINANT, MAX_AF_RECESSIVE
from marbledx.genotype._model import CallSequence, make_call
from marbledx.genotype.synthetic import SyntheticTranscript, SyntheticVariant, write_vcf
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.ranking import Ranker

P = "PROBAND"
INFO_HEADER = [
    '##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD AF">',
    '##INFO=<ID=CLNSIG,Number=.,Type=String,Description="ClinVar">',
]


def _v(chrom: str, pos: int, gene: str | None, gt: str = "0/1", **kwargs: object) -> SyntheticVariant:
    fields: dict[str, object] = {
        "chrom": chrom,
        "pos": pos,
        "ref": "C",
        "alt": "T",
        "gene": gene,
        "consequence": "missense_variant",
        "genotypes": {P: gt},
        "hgvs_c": f"c.{pos}C>T",
        "revel": 0.5,
        "cadd": 20.0,
    }
    fields |= kwargs
    return SyntheticVariant(**fields)  # type: ignore[arg-type]


def mixed_variants() -> list[SyntheticVariant]:
    """Common, rare, ClinVar-classified and oddly annotated alleles, in the genes of the fixture release."""
    return [
        # Common, unclassified: set aside.
        _v("chr1", 1000, "TCIRG1", consequence="synonymous_variant", gnomad_af=0.25, hgvs_p="p.Leu12="),
        _v("chr1", 2000, "TCIRG1", "1/1", gnomad_af=0.0051),
        _v("chr1", 2500, "CLCN7", "0|1", gnomad_af=0.4, phase_sets={P: 2400}),
        # Common but pathogenic in the VCF's own ClinVar column (below BA1, so it can qualify): kept.
        _v("chr1", 3000, "TCIRG1", consequence="stop_gained", gnomad_af=0.02, clinvar="pathogenic"),
        _v("chr1", 3100, "CLCN7", gnomad_af=0.2, clinvar="likely_pathogenic"),
        # Common and benign (shown with BP6) or of uncertain significance: kept.
        _v("chr1", 4000, "CLCN7", gnomad_af=0.3, clinvar="benign"),
        _v("chr1", 4100, "CLCN7", gnomad_af=0.3, clinvar="uncertain_significance"),
        # Rare, missing or exactly at the limit: kept.
        _v("chr1", 5000, "TCIRG1", consequence="stop_gained", gnomad_af=1e-5),
        _v("chr1", 6000, "TCIRG1", consequence="frameshift_variant", gnomad_af=None),
        _v("chr1", 7000, "CLCN7", gnomad_af=MAX_AF_RECESSIVE),
        # Odd values: the full path reads (and counts) them.
        _v("chr1", 8000, "CLCN7", gnomad_af=0.3, csq_extra={"REVEL": "high"}),
        _v("chr1", 8100, "CLCN7", gnomad_af=0.3, csq_extra={"CADD_PHRED": "nan"}),
        _v("chr1", 8200, "CLCN7", csq_extra={"gnomADe_AF": "0.1&0.2"}),
        _v("chr1", 8300, "CLCN7", csq_extra={"gnomADe_AF": "common"}),
        # Not carried, or carried only as a spanning deletion.
        _v("chr2", 1000, "GENEA", "0/0", gnomad_af=0.3),
        _v("chr2", 1100, "GENEB", "./.", gnomad_af=1e-6),
        _v("chr2", 1200, "GENEC", "0/2", alt="T,*", gnomad_af=0.3),
        # Multi-allelic: one common ALT, one rare one, each with its own entry.
        _v(
            "chr2",
            2000,
            "CLCN7",
            "1/2",
            alt="T,G",
            gnomad_af=0.3,
            extra_transcripts=(
                SyntheticTranscript("ENSTG1", "stop_gained", canonical=True, allele="G", extra={"gnomADe_AF": "1e-06"}),
            ),
        ),
        # Several transcripts: the MANE entry decides, whatever the others say.
        _v(
            "chr2",
            3000,
            "TCIRG1",
            gnomad_af=0.3,
            canonical=False,
            mane_select="NM_1.1",
            extra_transcripts=(
                SyntheticTranscript("ENST2", "stop_gained", canonical=True, extra={"gnomADe_AF": "1e-06"}),
            ),
        ),
        _v(
            "chr2",
            3100,
            "TCIRG1",
            gnomad_af=1e-6,
            canonical=False,
            mane_select="NM_2.1",
            extra_transcripts=(
                SyntheticTranscript("ENST3", "intron_variant", gene="OTHER", extra={"gnomADe_AF": "0.5"}),
            ),
        ),
        # Common on X in a male (hemizygous outside the PAR) and in the PAR.
        _v("chrX", 5_000_000, "IKBKG", "1/1", gnomad_af=0.3),
        _v("chrX", 20_000, "IKBKG", "1/1", gnomad_af=0.3),
        # Common, and pathogenic only in the external ClinVar table.
        _v("chr3", 1000, "TCIRG1", gnomad_af=0.04),
        _v("chr3", 1100, "TCIRG1", gnomad_af=0.04),
        # A record the reader skips (REF missing) and one without annotation.
        _v("chr3", 2000, "TCIRG1", ref=".", gnomad_af=0.3),
        _v("chr3", 3000, None, gnomad_af=0.3),
    ]  # fmt: skip


class _Clinvar:
    """A ClinVar table that calls one common allele pathogenic and another benign."""

    build: GenomeBuild = "GRCh38"

    def significance(self, chrom: str, pos: int, ref: str, alt: str) -> ClinvarSignificance | None:
        return {("3", 1000): "pathogenic", ("3", 1100): "benign"}.get((chrom, pos))  # type: ignore[return-value]


class _Genes:
    """A gene table: TCIRG1 on chr1 and chr3, CLCN7 on chr2."""

    build: GenomeBuild = "GRCh38"

    def genes_at(self, chrom: str, start: int, end: int) -> tuple[str, ...]:
        return {"1": ("TCIRG1",), "2": ("CLCN7",), "3": ("TCIRG1",)}.get(chrom.removeprefix("chr"), ())


def _full_read(monkeypatch: pytest.MonkeyPatch, path: Path, **kwargs: object) -> VcfReadResult:
    with monkeypatch.context() as patch:
        patch.setattr(vcf_module, "_COMMON_AF", math.inf)
        return read_vcf(path, **kwargs)  # type: ignore[arg-type]


def _same(fast: VcfReadResult, full: VcfReadResult) -> None:
    assert len(fast.calls) == len(full.calls)
    assert list(fast.calls) == list(full.calls)
    assert fast.calls == full.calls
    assert fast == full
    for field in ("n_records", "covered_genes", "genome_wide", "skipped_lines", "warnings", "mode"):
        assert getattr(fast, field) == getattr(full, field), field


def _set_aside(result: VcfReadResult) -> list[VariantCall]:
    kept = {id(call) for call in result.calls_to_interpret}
    return [call for call in result.calls if id(call) not in kept]


def _is_common_unclassified(call: VariantCall) -> bool:
    return call.gnomad_af is not None and call.gnomad_af > MAX_AF_RECESSIVE and call.clinvar is None


@pytest.mark.parametrize("compress", [False, True])
def test_fast_read_equals_full_read_for_vep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compress: bool
) -> None:
    path = write_vcf(tmp_path / ("m.vcf.gz" if compress else "m.vcf"), mixed_variants())
    kwargs: dict[str, object] = {"sex": "male", "clinvar": _Clinvar()}
    fast = read_vcf(path, **kwargs)  # type: ignore[arg-type]
    full = _full_read(monkeypatch, path, **kwargs)
    assert isinstance(fast.calls, CallSequence)
    _same(fast, full)
    assert fast.skipped_lines == (fast.calls[0].line + 24,)  # type: ignore[operator]
    assert any("non-numeric REVEL" in w for w in fast.warnings)
    assert any("non-numeric CADD_PHRED" in w for w in fast.warnings)
    assert any("non-numeric gnomADe_AF" in w for w in fast.warnings)

    aside = _set_aside(fast)
    # Exactly the common alleles without any ClinVar significance, with clean annotation, are set aside.
    assert [(c.chrom, c.pos, c.alt) for c in aside] == [
        ("1", 1000, "T"), ("1", 2000, "T"), ("1", 2500, "T"), ("2", 2000, "T"), ("2", 2000, "G"), ("2", 3000, "T"),
        ("X", 5_000_000, "T"), ("X", 20_000, "T"), ("3", 3000, "T"),
    ]  # fmt: skip
    assert all(_is_common_unclassified(c) for c in aside)
    # Common unclassified alleles with odd values took the full path, which counted the odd values.
    assert {c.pos for c in fast.calls_to_interpret if _is_common_unclassified(c)} == {8000, 8100, 8200}
    at = {(c.chrom, c.pos, c.alt): c for c in fast.calls}
    assert at["2", 3000, "T"].gnomad_af == pytest.approx(0.3)  # set aside: the MANE entry is common
    assert at["2", 3100, "T"].gnomad_af == pytest.approx(1e-6)  # kept: the MANE entry is rare
    assert at["2", 2000, "G"].consequence == "missense_variant"  # the canonical entry of the ALT G
    assert at["1", 1000, "T"].hgvs_p == "p.Leu12="
    assert (at["1", 2500, "T"].haplotype, at["1", 2500, "T"].phase_set) == (1, 2400)
    assert at["X", 5_000_000, "T"].zygosity == "hemizygous"
    assert at["X", 20_000, "T"].zygosity == "homozygous"
    clinvar_common = [c for c in fast.calls_to_interpret if c.chrom == "3"]
    assert [(c.pos, c.clinvar) for c in clinvar_common] == [(1000, "pathogenic"), (1100, "benign")]


def test_fast_read_equals_full_read_with_info_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    variants = [
        # CSQ rare, INFO common: the larger counts, so it is common.
        _v("chr1", 1000, "TCIRG1", gnomad_af=1e-5, info={"gnomAD_AF": "0.2"}),
        # CSQ common, INFO ClinVar pathogenic: kept.
        _v("chr1", 2000, "TCIRG1", gnomad_af=0.2, info={"CLNSIG": "Pathogenic"}),
        # CSQ without a frequency, INFO common: the full path decides.
        _v("chr1", 3000, "TCIRG1", info={"gnomAD_AF": "0.2"}),
        # Per-ALT INFO values on a multi-allelic record.
        _v("chr1", 4000, "CLCN7", "1/2", alt="T,G", gnomad_af=0.001, info={"gnomAD_AF": "0.01,0.0001"}),
        _v("chr1", 5000, "CLCN7", gnomad_af=0.3, info={"gnomAD_AF": "x"}),
    ]
    path = write_vcf(tmp_path / "i.vcf", variants, extra_header=INFO_HEADER)
    fast = read_vcf(path)
    _same(fast, _full_read(monkeypatch, path))
    assert [(c.pos, c.alt) for c in _set_aside(fast)] == [(1000, "T"), (3000, "T"), (4000, "T"), (5000, "T")]


def test_fast_read_equals_full_read_for_snpeff_and_gene_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    variants = [v for v in mixed_variants() if v.ref != "." and not v.csq_extra]
    snpeff = write_vcf(tmp_path / "s.vcf", variants, annotation="snpeff")
    fast = read_vcf(snpeff, clinvar=_Clinvar())
    _same(fast, _full_read(monkeypatch, snpeff, clinvar=_Clinvar()))
    assert fast.mode == "snpeff"
    assert _set_aside(fast)
    assert all(_is_common_unclassified(c) for c in _set_aside(fast))

    plain = write_vcf(tmp_path / "g.vcf.gz", variants, annotation=None)
    fast = read_vcf(plain, gene_locator=_Genes(), clinvar=_Clinvar())
    _same(fast, _full_read(monkeypatch, plain, gene_locator=_Genes(), clinvar=_Clinvar()))
    assert fast.mode == "gene-table"
    assert {c.gene for c in _set_aside(fast)} <= {"TCIRG1", "CLCN7", None}
    assert all(_is_common_unclassified(c) for c in _set_aside(fast))


def test_fast_read_equals_full_read_with_parents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    variants = [
        dataclasses.replace(v, genotypes={"KID": gt, "DAD": dad, "MUM": mum})
        for v, gt, dad, mum in zip(
            [v for v in mixed_variants() if v.ref != "."][:8],
            ["0/1", "1/1", "0/1", "0/1", "0/1", "0/1", "0/1", "0/1"],
            ["0/1", "0/1", "0/0", "./.", "0/0", "0/1", "0/0", "1/1"],
            ["0/0", "0/1", "0/0", "0/1", "0/0", "0/1", "0/1", "0/0"],
            strict=True,
        )
    ]
    path = write_vcf(tmp_path / "f.vcf.gz", variants, samples=("KID", "DAD", "MUM", "AUNT"))
    kwargs: dict[str, object] = {"sample": "KID", "father": "DAD", "mother": "MUM"}
    fast = read_vcf(path, **kwargs)  # type: ignore[arg-type]
    _same(fast, _full_read(monkeypatch, path, **kwargs))
    assert {c.origin for c in _set_aside(fast)} == {"paternal", "both", "de_novo"}


def test_strict_mode_stops_at_the_same_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_vcf(tmp_path / "m.vcf", mixed_variants())
    (line,) = read_vcf(path).skipped_lines
    with pytest.raises(InputError, match=f"line {line}: malformed VCF record \\(REF is missing\\)"):
        read_vcf(path, strict=True)
    with pytest.raises(InputError, match=f"line {line}: malformed VCF record"):
        _full_read(monkeypatch, path, strict=True)


def test_genotype_evidence_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mini_hpo: Hpo, kb: KnowledgeBase
) -> None:
    model = GenotypeModel(mini_hpo, kb, Ranker(mini_hpo, kb).phenotype.disease_ids)
    # Many genes and chromosomes make the file genome-wide, so λ_b comes from the file itself.
    background = [
        _v(f"chr{1 + i % 22}", 100_000 + i, f"BG{i}", gnomad_af=0.3 if i % 4 else 1e-5) for i in range(1200)
    ]
    path = write_vcf(tmp_path / "e.vcf.gz", sorted(mixed_variants() + background, key=lambda v: v.chrom))
    fast = read_vcf(path, clinvar=_Clinvar())
    full = _full_read(monkeypatch, path, clinvar=_Clinvar())
    assert fast.genome_wide
    # Interpret only what the fast read built, without touching the set-aside alleles...
    only_kept = dataclasses.replace(fast, calls=tuple(fast.calls_to_interpret))
    assert len(fast.calls) - len(fast.calls_to_interpret) > 800
    for sex in (None, "male", "female"):
        expected = model.evaluate(full, sex)
        for result in (only_kept, fast):
            evidence = model.evaluate(result, sex)
            assert evidence.background_rate == expected.background_rate
            np.testing.assert_array_equal(evidence.log_lr, expected.log_lr)
            assert evidence.detail == expected.detail
            assert evidence.default == expected.default
    assert model.background_rate(full) > 0.005  # the rare background alleles count


def test_the_limit_covers_every_rule() -> None:
    assert max(MAX_AF_DOMINANT, MAX_AF_RECESSIVE) == vcf_module._COMMON_AF < BA1_AF


# -- the call sequence and the fast constructor ------------------------------------------------------------


def _call(pos: int, **kwargs: object) -> VariantCall:
    fields: dict[str, object] = {
        "chrom": "1",
        "pos": pos,
        "ref": "C",
        "alt": "T",
        "genotype": "0/1",
        "zygosity": "heterozygous",
        "gene": "G",
    }
    return VariantCall(**(fields | kwargs))  # type: ignore[arg-type]


def test_make_call_builds_an_ordinary_frozen_variant_call() -> None:
    values = [getattr(_call(5, gnomad_af=0.1, line=3), f.name) for f in dataclasses.fields(VariantCall)]
    made = make_call(*values)
    assert type(made) is VariantCall
    assert made == _call(5, gnomad_af=0.1, line=3)
    assert hash(made) == hash(_call(5, gnomad_af=0.1, line=3))
    assert made.key == "1:5:C>T"
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.pos = 6  # type: ignore[misc]
    assert dataclasses.replace(made, line=None) == _call(5, gnomad_af=0.1)
    assert pickle.loads(pickle.dumps(made)) == made
    assert copy.deepcopy(made) == made
    assert repr(made) == repr(_call(5, gnomad_af=0.1, line=3))


def test_call_sequence_behaves_like_a_tuple_and_builds_each_call_once() -> None:
    built: list[tuple[int]] = []

    def build(item: tuple[int]) -> VariantCall:
        built.append(item)
        return _call(item[0])

    first, third = _call(1), _call(3)
    calls = CallSequence([first, (2,), third, (4,)], build, [first, third])
    assert len(calls) == 4
    assert calls.eager == (first, third)
    assert built == []
    assert calls[1] is calls[1]
    assert calls[-1] == _call(4)
    assert built == [(2,), (4,)]
    expected = (first, _call(2), third, _call(4))
    assert tuple(calls) == expected
    assert calls == expected
    assert expected == calls
    assert calls != expected[:3]
    assert calls != list(expected)
    assert calls[1:3] == expected[1:3]
    assert hash(calls) == hash(expected)
    assert repr(calls) == repr(expected)
    assert calls.index(third) == 2
    assert third in calls
    assert built == [(2,), (4,)]
    assert CallSequence([]) == ()
    plain = CallSequence([first, third])
    assert plain.eager == (first, third)
