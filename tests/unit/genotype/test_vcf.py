"""read_vcf: builds, annotation modes, genotypes, samples and parents, and every kind of bad input."""

from __future__ import annotations

import dataclasses
import gzip
from pathlib import Path

import pysam
import pytest

from marbledx.errors import InputError
from marbledx.genotype import ClinvarSignificance, GenomeBuild, VariantCall, VcfReadResult
from marbledx.genotype._vcf import _stopped_early, detect_build, read_vcf
from marbledx.genotype.synthetic import (
    SNPEFF_FIELDS,
    VEP_FIELDS,
    SyntheticTranscript,
    SyntheticVariant,
    write_vcf,
)

P = "PROBAND"


def _variant(pos: int = 1_000_000, gt: str = "0/1", **kwargs: object) -> SyntheticVariant:
    fields: dict[str, object] = {
        "chrom": "chr1",
        "pos": pos,
        "ref": "C",
        "alt": "T",
        "gene": "CLCN7",
        "consequence": "missense_variant",
        "genotypes": {P: gt},
    }
    fields |= kwargs
    return SyntheticVariant(**fields)  # type: ignore[arg-type]


def _only(result: VcfReadResult) -> VariantCall:
    assert len(result.calls) == 1, result.calls
    return result.calls[0]


# -- genome build ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "build"),
    [
        ("file:///refs/hs37d5.fa", "GRCh37"),
        ("GRCh37", "GRCh37"),
        ("ftp://ftp.ncbi/human_g1k_b37.fasta", "GRCh37"),
        ("/data/HG19.fa", "GRCh37"),
        ("file:///refs/GRCh38_full_analysis_set_plus_decoy_hla.fa", "GRCh38"),
        ("hg38", "GRCh38"),
    ],
)
def test_build_from_the_reference_line(tmp_path: Path, reference: str, build: GenomeBuild) -> None:
    other: GenomeBuild = "GRCh38" if build == "GRCh37" else "GRCh37"
    # Contigs without lengths: only the ##reference line tells the build.
    path = write_vcf(tmp_path / "a.vcf", [_variant()], build=other, reference=reference, contig_lengths=False)
    assert read_vcf(path).build == build
    # Contig lengths of the other build contradict it: refused (tests/unit/genotype/test_header_and_proband.py).


@pytest.mark.parametrize("build", ["GRCh37", "GRCh38"])
def test_build_from_contig_lengths(tmp_path: Path, build: GenomeBuild) -> None:
    path = write_vcf(tmp_path / "a.vcf", [_variant()], build=build, reference=False)
    result = read_vcf(path)
    assert result.build == build
    with pysam.VariantFile(str(path)) as handle:
        assert detect_build(handle.header) == build


def test_a_path_given_as_text(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "a.vcf", [_variant()], build="GRCh38", reference=False)
    assert read_vcf(str(path)).build == "GRCh38"
    with pytest.raises(InputError, match=r"missing\.vcf"):
        read_vcf(str(tmp_path / "missing.vcf"))


@pytest.mark.parametrize(("length", "build"), [(155270560, "GRCh37"), (156040895, "GRCh38")])
def test_build_from_the_x_length_alone(tmp_path: Path, length: int, build: GenomeBuild) -> None:
    path = tmp_path / "x.vcf"
    path.write_text(
        "##fileformat=VCFv4.2\n"
        f"##contig=<ID=X,length={length}>\n"
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: Allele|Consequence|SYMBOL">\n'
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n"
        "X\t5000000\t.\tA\tG\t50\tPASS\tCSQ=G|missense_variant|XG\tGT\t0/1\n",
        encoding="utf-8",
    )
    assert read_vcf(path).build == build


def test_build_mismatch_is_refused(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "a.vcf", [_variant()], build="GRCh37", reference=False)
    with pytest.raises(
        InputError, match=r"a\.vcf: the VCF is GRCh37 \(from contig lengths\) but --genome GRCh38 was given"
    ):
        read_vcf(path, genome="GRCh38")
    path = write_vcf(tmp_path / "b.vcf", [_variant()], build="GRCh38")
    with pytest.raises(
        InputError, match=r"b\.vcf: the VCF is GRCh38 \(from ##reference\) but --genome GRCh37"
    ):
        read_vcf(path, genome="GRCh37")
    assert read_vcf(path, genome="GRCh38").build == "GRCh38"


def test_undetectable_build_needs_genome(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "a.vcf", [_variant()], build=None, reference=False)
    with pytest.raises(InputError, match=r"a\.vcf: .*pass --genome GRCh37\|GRCh38"):
        read_vcf(path)
    assert read_vcf(path, genome="GRCh37").build == "GRCh37"
    lengthless = write_vcf(
        tmp_path / "b.vcf", [_variant()], build="GRCh38", reference=False, contig_lengths=False
    )
    with pytest.raises(InputError, match="--genome"):
        read_vcf(lengthless)


# -- VEP and SnpEff annotation -----------------------------------------------------------------------------


def test_vep_fields_become_the_call(tmp_path: Path) -> None:
    variant = _variant(
        gt="0/1",
        hgvs_c="c.2299C>T",
        hgvs_p="p.Arg767Trp",
        gnomad_af=0.0002,
        clinvar="pathogenic&likely_pathogenic",
        revel=0.91,
        cadd=32.0,
        transcript="ENST00000382745.9",
        mane_select="NM_001287.6",
    )
    result = read_vcf(write_vcf(tmp_path / "a.vcf.gz", [variant]))
    assert result.mode == "vep"
    assert result.sample == P
    call = _only(result)
    assert call == VariantCall(
        chrom="1",
        pos=1_000_000,
        ref="C",
        alt="T",
        genotype="0/1",
        zygosity="heterozygous",
        gene="CLCN7",
        consequence="missense_variant",
        hgvs_c="c.2299C>T",
        hgvs_p="p.Arg767Trp",
        transcript="ENST00000382745.9",
        gnomad_af=pytest.approx(0.0002),  # type: ignore[arg-type]
        clinvar="likely_pathogenic",
        revel=pytest.approx(0.91),  # type: ignore[arg-type]
        cadd_phred=pytest.approx(32.0),  # type: ignore[arg-type]
        line=result.calls[0].line,
    )
    with gzip.open(tmp_path / "a.vcf.gz", "rt") as handle:
        first_record = next(n for n, line in enumerate(handle, start=1) if not line.startswith("#"))
    assert call.line == first_record == 31
    assert result.warnings == ()
    assert result.skipped_lines == ()


def test_vep_field_order_comes_from_the_header(tmp_path: Path) -> None:
    shuffled = list(reversed(VEP_FIELDS))
    variant = _variant(hgvs_p="p.Leu12=", consequence="synonymous_variant", gnomad_af=0.25, revel=0.1)
    straight = _only(read_vcf(write_vcf(tmp_path / "a.vcf", [variant])))
    reordered = _only(read_vcf(write_vcf(tmp_path / "b.vcf", [variant], annotation_fields=shuffled)))
    assert reordered == straight
    assert reordered.hgvs_p == "p.Leu12="
    assert reordered.gnomad_af == pytest.approx(0.25)


def test_gnomad_is_the_maximum_and_1000_genomes_af_is_ignored(tmp_path: Path) -> None:
    fields = [*VEP_FIELDS, "gnomADg_AF", "MAX_AF", "AF"]
    variant = _variant(gnomad_af=0.001, csq_extra={"gnomADg_AF": "0.004", "MAX_AF": "0.002", "AF": "0.6"})
    call = _only(read_vcf(write_vcf(tmp_path / "a.vcf", [variant], annotation_fields=fields)))
    assert call.gnomad_af == pytest.approx(0.004)


def test_info_values_complete_the_csq(tmp_path: Path) -> None:
    extra = [
        '##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD AF">',
        '##INFO=<ID=CLNSIG,Number=.,Type=String,Description="ClinVar">',
    ]
    variant = _variant(
        alt="T,G", gt="1/2", gnomad_af=0.001, info={"gnomAD_AF": "0.01,0.0001", "CLNSIG": "Benign"}
    )
    calls = read_vcf(write_vcf(tmp_path / "a.vcf", [variant], extra_header=extra)).calls
    # CSQ says 0.001 for both ALTs; INFO gnomAD_AF is per ALT; the larger one counts. No CLIN_SIG: INFO CLNSIG.
    assert [(c.alt, c.gnomad_af, c.clinvar) for c in calls] == [("T", 0.01, "benign"), ("G", 0.001, "benign")]


def test_non_numeric_scores_are_missing_with_a_warning(tmp_path: Path) -> None:
    variant = _variant(csq_extra={"REVEL": "high", "CADD_PHRED": "0.5&x"})
    result = read_vcf(write_vcf(tmp_path / "a.vcf", [variant, _variant(2_000_000, csq_extra={"REVEL": "?"})]))
    assert [c.revel for c in result.calls] == [None, None]
    assert result.calls[0].cadd_phred == pytest.approx(0.5)
    assert f"{tmp_path / 'a.vcf'}: 2 non-numeric REVEL value(s) treated as missing" in result.warnings
    assert any("1 non-numeric CADD_PHRED" in w for w in result.warnings)


def test_transcript_choice_mane_then_canonical_then_severity(tmp_path: Path) -> None:
    mane = _variant(
        1_000_000,
        consequence="intron_variant",
        transcript="ENST_MANE",
        canonical=False,
        mane_select="NM_1.1",
        extra_transcripts=(
            SyntheticTranscript("ENST_CANON", "stop_gained", canonical=True),
            SyntheticTranscript("ENST_SEVERE", "transcript_ablation"),
        ),
    )
    canonical = _variant(
        2_000_000,
        consequence="frameshift_variant",
        transcript="ENST_OTHER",
        canonical=False,
        extra_transcripts=(SyntheticTranscript("ENST_CANON", "synonymous_variant", canonical=True),),
    )
    severe = _variant(
        3_000_000,
        consequence="intron_variant",
        transcript="ENST_A",
        canonical=False,
        extra_transcripts=(
            SyntheticTranscript("ENST_B", "splice_region_variant&intron_variant"),
            SyntheticTranscript("ENST_C", "stop_gained", gene="OTHERGENE"),
        ),
    )
    result = read_vcf(write_vcf(tmp_path / "a.vcf", [mane, canonical, severe]))
    assert [(c.transcript, c.consequence) for c in result.calls] == [
        ("ENST_MANE", "intron_variant"),
        ("ENST_CANON", "synonymous_variant"),
        ("ENST_C", "stop_gained"),
    ]
    assert result.calls[2].gene == "OTHERGENE"
    assert result.covered_genes == {"CLCN7", "OTHERGENE"}


def test_csq_header_without_a_layout_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.vcf"
    path.write_text(
        "##fileformat=VCFv4.2\n##reference=GRCh38\n"
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP">\n'
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"a\.vcf: the ##INFO=<ID=CSQ> header has no readable field layout"):
        read_vcf(path)


@pytest.mark.parametrize("shuffle", [False, True])
def test_snpeff_annotation_and_info_values(tmp_path: Path, shuffle: bool) -> None:
    fields = list(SNPEFF_FIELDS)
    if shuffle:
        fields = fields[8:] + fields[:8]
    variant = _variant(
        hgvs_c="c.2299C>T",
        hgvs_p="p.Arg767Trp",
        transcript="NM_001287.6",
        gnomad_af=0.003,
        clinvar="Pathogenic",
        revel=0.8,
        cadd=29.1,
        extra_transcripts=(SyntheticTranscript("NM_999.1", "stop_gained", gene="LATER"),),
    )
    result = read_vcf(write_vcf(tmp_path / "a.vcf", [variant], annotation="snpeff", annotation_fields=fields))
    assert result.mode == "snpeff"
    call = _only(result)
    # SnpEff lists its most severe effect first itself; the reader keeps SnpEff's first entry.
    assert (call.gene, call.consequence, call.transcript) == ("CLCN7", "missense_variant", "NM_001287.6")
    assert (call.hgvs_c, call.hgvs_p) == ("c.2299C>T", "p.Arg767Trp")
    assert call.gnomad_af == pytest.approx(0.003)
    assert call.clinvar == "pathogenic"
    assert call.revel == pytest.approx(0.8)
    assert call.cadd_phred == pytest.approx(29.1)
    assert result.covered_genes == {"CLCN7", "LATER"}


# -- alleles and zygosity ----------------------------------------------------------------------------------


def test_multi_allelic_record_gives_one_call_per_carried_alt(tmp_path: Path) -> None:
    variant = _variant(
        ref="CAT",
        alt="C,CA",
        gt="1/2",
        consequence="frameshift_variant",
        extra_transcripts=(SyntheticTranscript("ENST_X", "inframe_deletion", canonical=True, allele="CA"),),
        canonical=True,
    )
    # The main transcript annotates both ALTs; the extra one only "CA" (VEP's allele "A").
    calls = read_vcf(write_vcf(tmp_path / "a.vcf", [variant])).calls
    assert [(c.alt, c.zygosity, c.genotype, c.consequence) for c in calls] == [
        ("C", "heterozygous", "1/2", "frameshift_variant"),
        ("CA", "heterozygous", "1/2", "frameshift_variant"),
    ]
    only_second = read_vcf(
        write_vcf(tmp_path / "b.vcf", [dataclasses.replace(variant, genotypes={P: "0/2"})])
    )
    assert [(c.alt, c.zygosity) for c in only_second.calls] == [("CA", "heterozygous")]
    both_second = read_vcf(
        write_vcf(tmp_path / "c.vcf", [dataclasses.replace(variant, genotypes={P: "2/2"})])
    )
    assert [(c.alt, c.zygosity) for c in both_second.calls] == [("CA", "homozygous")]


def test_multi_allelic_annotation_follows_the_allele(tmp_path: Path) -> None:
    variant = _variant(
        ref="CAT",
        alt="C,CA",
        gt="1/2",
        consequence="frameshift_variant",
        extra_transcripts=(SyntheticTranscript("ENST_Y", "stop_gained", gene="OTHER", allele="CA"),),
    )
    calls = read_vcf(write_vcf(tmp_path / "a.vcf", [dataclasses.replace(variant, canonical=False)])).calls
    assert [(c.alt, c.consequence, c.gene) for c in calls] == [
        ("C", "frameshift_variant", "CLCN7"),
        ("CA", "stop_gained", "OTHER"),
    ]


@pytest.mark.parametrize(
    ("gt", "zygosity"),
    [
        ("0/1", "heterozygous"),
        ("1/0", "heterozygous"),
        ("1/1", "homozygous"),
        ("1", "hemizygous"),
        ("1/.", "heterozygous"),
    ],
)
def test_zygosity(tmp_path: Path, gt: str, zygosity: str) -> None:
    call = _only(read_vcf(write_vcf(tmp_path / "a.vcf", [_variant(gt=gt)])))
    assert call.zygosity == zygosity
    assert call.genotype == gt


@pytest.mark.parametrize(("gt", "covered"), [("0/0", True), ("./.", False), (".", False), ("0", True)])
def test_reference_and_missing_genotypes_give_no_call(tmp_path: Path, gt: str, covered: bool) -> None:
    result = read_vcf(write_vcf(tmp_path / "a.vcf", [_variant(gt=gt)]))
    assert result.calls == ()
    assert result.n_records == 1
    # A missing genotype is no call: the site was not tested in the proband (test_vcf_input_review.py).
    assert result.covered_genes == ({"CLCN7"} if covered else set())


@pytest.mark.parametrize(
    ("build", "chrom", "pos", "sex", "zygosity"),
    [
        ("GRCh38", "chrX", 50_000_000, "male", "hemizygous"),
        ("GRCh38", "chrX", 50_000_000, "female", "homozygous"),
        ("GRCh38", "chrX", 50_000_000, None, "homozygous"),
        ("GRCh38", "chrX", 2_781_479, "male", "homozygous"),  # last base of PAR1
        ("GRCh38", "chrX", 2_781_480, "male", "hemizygous"),
        ("GRCh38", "chrX", 155_701_383, "male", "homozygous"),  # first base of PAR2
        ("GRCh37", "X", 2_699_520, "male", "homozygous"),
        ("GRCh37", "X", 2_699_521, "male", "hemizygous"),
        ("GRCh37", "X", 155_000_000, "male", "homozygous"),
        ("GRCh38", "chrY", 10_000_000, "male", "hemizygous"),
        ("GRCh38", "chr7", 10_000_000, "male", "homozygous"),
    ],
)
def test_male_hemizygosity_outside_the_pars(
    tmp_path: Path, build: GenomeBuild, chrom: str, pos: int, sex: str | None, zygosity: str
) -> None:
    path = write_vcf(tmp_path / "a.vcf", [_variant(pos, gt="1/1", chrom=chrom)], build=build)
    assert _only(read_vcf(path, sex=sex)).zygosity == zygosity  # type: ignore[arg-type]


def test_phased_calls_carry_haplotype_and_phase_set(tmp_path: Path) -> None:
    variants = [
        _variant(1_000_000, gt="0|1", phase_sets={P: 999_000}),
        _variant(1_000_100, gt="1|0", phase_sets={P: 999_000}),
        _variant(1_000_200, gt="1|0"),
        _variant(1_000_300, gt="0/1"),
        _variant(1_000_400, gt="1|1", phase_sets={P: 999_000}),
    ]
    calls = read_vcf(write_vcf(tmp_path / "a.vcf", variants)).calls
    assert [(c.haplotype, c.phase_set) for c in calls] == [
        (1, 999_000),
        (0, 999_000),
        (0, 0),
        (None, None),
        (None, None),
    ]


def test_spanning_deletion_allele_is_not_a_call(tmp_path: Path) -> None:
    calls = read_vcf(write_vcf(tmp_path / "a.vcf", [_variant(alt="T,*", gt="1/2")])).calls
    assert [c.alt for c in calls] == ["T"]


def test_records_and_covered_genes_include_uncarried_sites(tmp_path: Path) -> None:
    variants = [
        _variant(1_000_000, gt="0/0", gene="TCIRG1"),
        _variant(2_000_000, gt="0/1", gene="CLCN7"),
        _variant(3_000_000, gt="./.", gene="OSTM1"),
    ]
    result = read_vcf(write_vcf(tmp_path / "a.vcf", variants))
    assert result.n_records == 3
    # OSTM1's only record has no genotype for the proband, so OSTM1 was not tested in this person.
    assert result.covered_genes == {"TCIRG1", "CLCN7"}
    assert [c.gene for c in result.calls] == ["CLCN7"]
    assert not result.genome_wide


def test_genome_wide_by_chromosomes_or_genes(tmp_path: Path) -> None:
    chroms = [f"chr{c}" for c in range(1, 21)]
    by_chrom = [_variant(1_000_000, chrom=chrom, gene=f"G{i}") for i, chrom in enumerate(chroms)]
    assert read_vcf(write_vcf(tmp_path / "a.vcf", by_chrom)).genome_wide
    assert not read_vcf(write_vcf(tmp_path / "b.vcf", by_chrom[:19])).genome_wide
    by_gene = [_variant(1_000 + 10 * i, gene=f"G{i}") for i in range(1000)]
    assert read_vcf(write_vcf(tmp_path / "c.vcf", by_gene)).genome_wide
    assert not read_vcf(write_vcf(tmp_path / "d.vcf", by_gene[:999])).genome_wide


# -- samples and parents -----------------------------------------------------------------------------------


def test_sample_choice_in_a_multi_sample_file(tmp_path: Path) -> None:
    variant = _variant(genotypes={"A": "0/1", "B": "1/1", "C": "0/0"})
    path = write_vcf(tmp_path / "a.vcf", [variant], samples=("A", "B", "C"))
    assert _only(read_vcf(path, sample="B")).zygosity == "homozygous"
    assert read_vcf(path, sample="C").calls == ()
    with pytest.raises(InputError, match=r"a\.vcf: the VCF has 3 samples \(A, B, C\); pass --sample NAME"):
        read_vcf(path)
    with pytest.raises(InputError, match=r"sample 'D' is not a sample of the VCF; samples: A, B, C"):
        read_vcf(path, sample="D")


def test_single_sample_file_checks_a_given_name(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "a.vcf", [_variant()])
    assert read_vcf(path, sample=P).sample == P
    with pytest.raises(InputError, match=r"sample 'KID' is not a sample of the VCF; samples: PROBAND"):
        read_vcf(path, sample="KID")


def test_parental_origin(tmp_path: Path) -> None:
    def trio(pos: int, kid: str, dad: str, mum: str) -> SyntheticVariant:
        return _variant(pos, genotypes={"KID": kid, "DAD": dad, "MUM": mum})

    variants = [
        trio(1_000_000, "0/1", "0/1", "0/0"),
        trio(2_000_000, "0/1", "0/0", "1/1"),
        trio(3_000_000, "1/1", "0/1", "0/1"),
        trio(4_000_000, "0/1", "0/0", "0/0"),
        trio(5_000_000, "0/1", "./.", "0/0"),
        trio(6_000_000, "0/1", "0/.", "0/0"),
    ]
    path = write_vcf(tmp_path / "trio.vcf", variants, samples=("DAD", "KID", "MUM", "SIB"))
    calls = read_vcf(path, sample="KID", father="DAD", mother="MUM").calls
    assert [c.origin for c in calls] == ["paternal", "maternal", "both", "de_novo", "unknown", "unknown"]
    father_only = read_vcf(path, sample="KID", father="DAD").calls
    assert [c.origin for c in father_only] == [
        "paternal",
        "unknown",
        "paternal",
        "unknown",
        "unknown",
        "unknown",
    ]
    assert {c.origin for c in read_vcf(path, sample="KID").calls} == {"unknown"}
    with pytest.raises(
        InputError, match=r"father 'PAPA' is not a sample of the VCF; samples: DAD, KID, MUM, SIB"
    ):
        read_vcf(path, sample="KID", father="PAPA")
    with pytest.raises(InputError, match=r"mother 'KID' is the proband's own sample"):
        read_vcf(path, sample="KID", mother="KID")


# -- gene table and ClinVar --------------------------------------------------------------------------------


class FakeGenes:
    def __init__(self, build: GenomeBuild = "GRCh38") -> None:
        self._build: GenomeBuild = build
        self.asked: list[tuple[str, int, int]] = []

    @property
    def build(self) -> GenomeBuild:
        return self._build

    def genes_at(self, chrom: str, start: int, end: int) -> tuple[str, ...]:
        self.asked.append((chrom, start, end))
        if chrom == "1" and start < 2_000_000:
            return ("CLCN7", "OVERLAP")
        if chrom == "1":
            return ("TCIRG1",)
        return ()


class FakeClinvar:
    def __init__(self, build: GenomeBuild = "GRCh38") -> None:
        self._build: GenomeBuild = build

    @property
    def build(self) -> GenomeBuild:
        return self._build

    def significance(self, chrom: str, pos: int, ref: str, alt: str) -> ClinvarSignificance | None:
        return "pathogenic" if (chrom, pos, ref, alt) == ("1", 1_000_000, "C", "T") else None


def test_gene_table_mode(tmp_path: Path) -> None:
    variants = [
        _variant(1_000_000, ref="CAT", alt="C"),
        _variant(3_000_000, gt="0/0"),
        _variant(5_000_000, chrom="chr2"),
    ]
    genes = FakeGenes()
    result = read_vcf(write_vcf(tmp_path / "a.vcf", variants, annotation=None), gene_locator=genes)
    assert result.mode == "gene-table"
    assert [(c.pos, c.gene, c.consequence) for c in result.calls] == [
        (1_000_000, "CLCN7", None),
        (5_000_000, None, None),
    ]
    assert result.covered_genes == {"CLCN7", "OVERLAP", "TCIRG1"}
    assert genes.asked[0] == ("1", 1_000_000, 1_000_002)


def test_gene_table_of_another_build_is_refused(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "a.vcf", [_variant()], annotation=None)
    with pytest.raises(InputError, match=r"the VCF is GRCh38 but the gene table is GRCh37"):
        read_vcf(path, gene_locator=FakeGenes("GRCh37"))


def test_annotated_file_does_not_use_the_gene_table(tmp_path: Path) -> None:
    genes = FakeGenes("GRCh37")  # another build, but unused: no error
    result = read_vcf(write_vcf(tmp_path / "a.vcf", [_variant()]), gene_locator=genes)
    assert result.mode == "vep"
    assert genes.asked == []


def test_missing_annotation_without_gene_table(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "a.vcf", [_variant()], annotation=None)
    message = (
        f"{path}: the VCF has no VEP CSQ or SnpEff ANN annotation; annotate it, or pass --genes-bed FILE "
        "(or run `marbledx data fetch genes`) so genes can be located"
    )
    with pytest.raises(InputError) as caught:
        read_vcf(path)
    assert str(caught.value) == message


def test_clinvar_lookup_fills_only_missing_values(tmp_path: Path) -> None:
    # The fake knows 1:1000000 C>T as pathogenic and nothing else.
    variants = [_variant(1_000_000), _variant(1_000_000, alt="G")]
    result = read_vcf(write_vcf(tmp_path / "a.vcf", variants), clinvar=FakeClinvar())
    assert [c.clinvar for c in result.calls] == ["pathogenic", None]
    assert read_vcf(tmp_path / "a.vcf").calls[0].clinvar is None
    # The VCF's own value wins over the lookup.
    own = read_vcf(write_vcf(tmp_path / "b.vcf", [_variant(clinvar="benign")]), clinvar=FakeClinvar())
    assert _only(own).clinvar == "benign"
    with pytest.raises(InputError, match=r"the VCF is GRCh38 but the ClinVar data is GRCh37"):
        read_vcf(tmp_path / "a.vcf", clinvar=FakeClinvar("GRCh37"))


# -- files that are not usable -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b'{"subject": {"id": "x"}}\n', "htslib finds no ##fileformat=VCF header"),
        (b"hello\nworld\n", "htslib finds no ##fileformat=VCF header"),
        (b"", "the file is empty"),
    ],
)
def test_non_vcf_files(tmp_path: Path, content: bytes, detail: str) -> None:
    path = tmp_path / "case.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=rf"case\.json: not a VCF/BCF file \(.*{detail}"):
        read_vcf(path)


def test_unreadable_paths(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.vcf: no such file"):
        read_vcf(tmp_path / "missing.vcf")
    folder = tmp_path / "folder.vcf"
    folder.mkdir()
    with pytest.raises(InputError, match=r"folder\.vcf: is a folder"):
        read_vcf(folder)


def test_plain_gzip_is_refused_with_advice(tmp_path: Path) -> None:
    plain = write_vcf(tmp_path / "a.vcf", [_variant()])
    path = tmp_path / "a.vcf.gz"
    path.write_bytes(gzip.compress(plain.read_bytes()))
    with pytest.raises(InputError, match=r"a\.vcf\.gz: compressed with plain gzip.*bgzip"):
        read_vcf(path)


@pytest.mark.parametrize("kind", ["tbi", "csi"])
def test_indexes_good_and_bad(tmp_path: Path, kind: str) -> None:
    path = write_vcf(tmp_path / "a.vcf.gz", [_variant(), _variant(2_000_000)], index=kind)  # type: ignore[arg-type]
    index = Path(f"{path}.{kind}")
    assert index.is_file()
    assert len(read_vcf(path).calls) == 2
    index.write_bytes(b"this is not an index")
    with pytest.raises(InputError) as caught:
        read_vcf(path)
    assert str(caught.value).startswith(f"{index}: the index file cannot be read")
    assert "\n" not in str(caught.value)


def test_missing_gt_and_sites_only(tmp_path: Path) -> None:
    path = tmp_path / "a.vcf"
    header = (
        "##fileformat=VCFv4.2\n##reference=GRCh38\n"
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: Allele|Consequence|SYMBOL">\n'
    )
    path.write_text(
        header + '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n"
        "1\t100\t.\tA\tG\t50\tPASS\tCSQ=G|missense_variant|ABC\tDP\t30\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"a\.vcf: no GT field; genotypes are needed"):
        read_vcf(path)
    sites = tmp_path / "sites.vcf"
    sites.write_text(
        header
        + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\t100\t.\tA\tG\t50\tPASS\tCSQ=G|missense_variant|ABC\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"sites\.vcf: the VCF has no sample columns"):
        read_vcf(sites)


def test_bcf_input_matches_the_vcf(tmp_path: Path) -> None:
    variants = [
        _variant(1_000_000),
        _variant(50_000_000, gt="1|1", chrom="chrX"),
        _variant(3_000_000, alt="G,T", gt="1/2"),
    ]
    vcf = write_vcf(tmp_path / "a.vcf.gz", variants)
    bcf = tmp_path / "a.bcf"
    with (
        pysam.VariantFile(str(vcf)) as source,
        pysam.VariantFile(str(bcf), "wb", header=source.header) as out,
    ):
        for record in source:
            out.write(record)
    from_vcf = read_vcf(vcf, sex="male")
    from_bcf = read_vcf(bcf, sex="male")
    assert len(from_bcf.calls) == 4
    assert all(c.line is None for c in from_bcf.calls)
    assert [dataclasses.replace(c, line=None) for c in from_vcf.calls] == list(from_bcf.calls)
    assert from_bcf.calls[1].zygosity == "hemizygous"
    assert from_bcf.build == "GRCh38"
    assert from_bcf.mode == "vep"
    assert from_bcf.covered_genes == {"CLCN7"}


# -- malformed records ---------------------------------------------------------------------------------------

MALFORMED_HEADER = (
    "##fileformat=VCFv4.2\n"
    "##reference=GRCh37\n"
    "##contig=<ID=1,length=249250621>\n"
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: Allele|Consequence|SYMBOL">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
)


def _record(pos: int | str, gt: str = "0/1", gene: str = "ABC") -> str:
    return f"1\t{pos}\t.\tA\tG\t50\tPASS\tCSQ=G|missense_variant|{gene}\tGT\t{gt}\n"


MALFORMED_BODY = [
    _record(100),  # line 7
    _record("XX"),  # 8: POS is not a number (htslib rejects it)
    _record(300, gt="0/3"),  # 9: GT names an allele that does not exist (htslib accepts it)
    "\n",  # 10: a blank line is not a record
    "1\t400\t.\tA\n",  # 11: too few columns
    "1\t500\t.\tA\tG\t50\tPASS\tCSQ=G|missense_variant|DEF\n",  # 12: no FORMAT/sample columns
    _record(600, gt="1/1"),  # 13
    _record(700, gt="0/x"),  # 14: GT is not a genotype (htslib rejects it)
    "1 800 . A G 50 PASS . GT 0/1\n",  # 15: spaces for tabs
    _record(900, gt="1/1"),  # 16
    "1\t1000\t.\tA\tG\t50\tPA",  # 17: cut off, no line end
]


def _malformed(tmp_path: Path, *, compressed: bool) -> Path:
    plain = tmp_path / "bad.vcf"
    plain.write_text(MALFORMED_HEADER + "".join(MALFORMED_BODY), encoding="utf-8")
    if not compressed:
        return plain
    packed = tmp_path / "bad.vcf.gz"
    pysam.tabix_compress(str(plain), str(packed), force=True)
    plain.unlink()
    return packed


@pytest.mark.parametrize("compressed", [False, True])
def test_malformed_records_are_skipped_and_listed(tmp_path: Path, compressed: bool) -> None:
    path = _malformed(tmp_path, compressed=compressed)
    result = read_vcf(path)
    assert [(c.pos, c.line, c.zygosity) for c in result.calls] == [
        (100, 7, "heterozygous"),
        (600, 13, "homozygous"),
        (900, 16, "homozygous"),
    ]
    assert result.skipped_lines == (8, 9, 11, 12, 14, 15, 17)
    assert result.n_records == 3
    assert result.covered_genes == {"ABC"}
    assert result.warnings[0] == f"{path}: skipped 7 malformed record(s) at line(s) 8, 9, 11, 12, 14, 15, 17"
    if not compressed:
        assert result.warnings[1] == f"{path}: the last line has no line end; the file may be truncated"


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize(
    ("first_bad", "reason"),
    [
        (8, "POS 'XX' is not a position"),
        (9, "GT '0/3' names an allele beyond the 1 ALT allele(s)"),
        (11, "4 tab-separated columns, 10 expected"),
        (12, "8 columns, 10 expected (sample values missing)"),
        (14, "htslib cannot parse it"),
        (15, "columns separated by spaces instead of tabs"),
        (17, "incomplete last line, the file may be truncated"),
    ],
)
def test_strict_mode_stops_at_the_first_malformed_record(
    tmp_path: Path, compressed: bool, first_bad: int, reason: str
) -> None:
    # Keep the good lines and the blank line 10 (never an error), and the bad lines from first_bad on.
    keep_plain = MALFORMED_HEADER + "".join(
        line
        for number, line in enumerate(MALFORMED_BODY, start=7)
        if number in {7, 10, 13, 16} or number >= first_bad
    )
    plain = tmp_path / "strict.vcf"
    plain.write_text(keep_plain, encoding="utf-8")
    target = plain
    if compressed:
        target = tmp_path / "strict.vcf.gz"
        pysam.tabix_compress(str(plain), str(target), force=True)
    before = sum(1 for number in range(7, first_bad) if number in {7, 10, 13, 16})
    expected_line = 7 + before
    with pytest.raises(InputError) as caught:
        read_vcf(target, strict=True)
    message = str(caught.value)
    assert message.startswith(f"{target} line {expected_line}: malformed VCF record (")
    assert reason in message


def test_blank_lines_alone_are_not_malformed(tmp_path: Path) -> None:
    path = tmp_path / "a.vcf"
    path.write_text(MALFORMED_HEADER + _record(100) + "\n" + _record(200) + "\n\n", encoding="utf-8")
    result = read_vcf(path, strict=True)
    assert [(c.pos, c.line) for c in result.calls] == [(100, 7), (200, 9)]
    assert result.skipped_lines == ()
    assert result.warnings == ()


def _big(tmp_path: Path, n: int = 4000) -> Path:
    variants = [_variant(1_000 + 10 * i, gene=f"G{i // 100}") for i in range(n)]
    return write_vcf(tmp_path / "big.vcf.gz", variants)


def test_truncated_bgzip_is_refused(tmp_path: Path) -> None:
    path = _big(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"big\.vcf\.gz: the compressed file is truncated"):
        read_vcf(path)


@pytest.mark.parametrize("strict", [False, True])
def test_damaged_bgzip_block_stops_the_read(tmp_path: Path, strict: bool) -> None:
    path = _big(tmp_path)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    for i in range(middle, middle + 200):
        data[i] ^= 0x55
    path.write_bytes(bytes(data))
    with pytest.raises(
        InputError,
        match=r"big\.vcf\.gz: the file is damaged at or after line \d+ .*it cannot be decompressed past there",
    ):
        read_vcf(path, strict=strict)


def test_truncated_bcf_is_refused(tmp_path: Path) -> None:
    vcf = _big(tmp_path)
    bcf = tmp_path / "big.bcf"
    with (
        pysam.VariantFile(str(vcf)) as source,
        pysam.VariantFile(str(bcf), "wb", header=source.header) as out,
    ):
        for record in source:
            out.write(record)
    data = bcf.read_bytes()
    bcf.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(InputError, match=r"big\.bcf: the compressed file is truncated"):
        read_vcf(bcf)


def test_damaged_bcf_block_stops_the_read(tmp_path: Path) -> None:
    vcf = _big(tmp_path)
    bcf = tmp_path / "big.bcf"
    with (
        pysam.VariantFile(str(vcf)) as source,
        pysam.VariantFile(str(bcf), "wb", header=source.header) as out,
    ):
        for record in source:
            out.write(record)
    data = bytearray(bcf.read_bytes())
    middle = len(data) // 2
    for i in range(middle, middle + 200):
        data[i] ^= 0x55
    bcf.write_bytes(bytes(data))
    # There is no text to read back in a BCF: htslib failing twice at the same offset is what stops the read.
    with pytest.raises(
        InputError, match=r"big\.bcf: the file is damaged at or after record \d+ .*htslib cannot read on"
    ):
        read_vcf(bcf)
    with pytest.raises(InputError, match=r"big\.bcf record \d+: malformed BCF record \(htslib: "):
        read_vcf(bcf, strict=True)


@pytest.mark.parametrize("name", ["a.vcf", "a.vcf.gz", "a.bcf"])
def test_an_early_stop_is_noticed(tmp_path: Path, name: str) -> None:
    # htslib has not been seen to stop early without an error; this guards the check that would notice.
    path = write_vcf(tmp_path / "a.vcf.gz", [_variant(1_000 + i) for i in range(3000)])
    if name == "a.vcf":
        with gzip.open(path, "rb") as packed:
            (tmp_path / name).write_bytes(packed.read())
    elif name == "a.bcf":
        with (
            pysam.VariantFile(str(path)) as source,
            pysam.VariantFile(str(tmp_path / name), "wb", header=source.header) as out,
        ):
            for record in source:
                out.write(record)
    target = tmp_path / name
    with pysam.VariantFile(str(target)) as handle:
        for _ in zip(range(10), handle, strict=False):
            pass
        assert _stopped_early(handle, target) is not None
        for _ in handle:
            pass
        assert _stopped_early(handle, target) is None


def test_short_sample_columns_in_a_multi_sample_file(tmp_path: Path) -> None:
    path = tmp_path / "trio.vcf"
    header = MALFORMED_HEADER.replace("FORMAT\tS1\n", "FORMAT\tDAD\tKID\tMUM\tSIB\n")
    path.write_text(
        header
        + "1\t100\t.\tA\tG\t50\tPASS\tCSQ=G|missense_variant|ABC\tGT\t0/1\t0/1\t0/0\t0/0\n"
        + "1\t200\t.\tA\tG\t50\tPASS\tCSQ=G|missense_variant|ABC\tGT\t0/1\t0/1\n"
        + "1\t300\t.\tA\tG\t50\tPASS\tCSQ=G|missense_variant|ABC\tGT\t0/0\t1/1\t0/1\t0/1\n",
        encoding="utf-8",
    )
    result = read_vcf(path, sample="KID", father="DAD", mother="MUM")
    assert [(c.pos, c.origin) for c in result.calls] == [(100, "paternal"), (300, "maternal")]
    assert result.skipped_lines == (8,)
    with pytest.raises(
        InputError, match=r"trio\.vcf line 8: malformed VCF record \(11 tab-separated columns, 13 expected\)"
    ):
        read_vcf(path, sample="KID", father="DAD", mother="MUM", strict=True)
