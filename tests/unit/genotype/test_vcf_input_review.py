"""Faults found by an adversarial review of VCF input (docs/genotype.md, "Input"), each on a synthetic VCF.

1. a CSQ/ANN layout without the gene-symbol or consequence column was read: every allele lost its gene, or a
   stop-gain was classed "other", and a causal genotype lowered its disease without a word;
2. a record without a genotype for the proband (no GT in FORMAT, GT "." or "./.") counted its genes as
   tested, so their diseases were lowered as if the test had found nothing there, without a warning;
3. a GT that is not the first FORMAT key (DP:GT, which htslib accepts) was ignored;
4. a haploid GT on an autosome counted as two alleles (a homozygous genotype) for a recessive disease;
5. an allele of unknown consequence (gene-table mode) that would complete a fitting genotype lowered its
   disease as if it were known to be harmless;
6. a symbolic allele (<DEL>) was placed in genes by its one-base REF, not by its END, in gene-table mode;
7. an empty body, repeated alleles, and both CSQ and ANN in one file went without a warning;
8. a ClinVar index left from an earlier release was used, and lookups through it silently missed records.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pysam
import pytest

from marbledx.cli import main
from marbledx.errors import InputError
from marbledx.genotype import (
    ClinvarVcf,
    GeneRegions,
    GeneRule,
    GenotypeModel,
    VariantCall,
    assess_gene,
    read_vcf,
)
from marbledx.genotype.synthetic import SNPEFF_FIELDS, VEP_FIELDS, SyntheticVariant, write_vcf
from tests.unit.genotype.evidence import TCIRG1_POS, for_disease
from tests.unit.genotype.evidence import tcirg1_variant as _tcirg1

P = "PROBAND"
OPTB1 = "OMIM:259700"  # TCIRG1, autosomal recessive, loss of function
NOTHING_RECESSIVE = 1 - 0.95**2  # LIRICAL's missed-allele LR for a covered recessive gene (docs/genotype.md)
TCIRG1_TABLE = GeneRegions([("chr11", 68_039_000, 68_053_000, "TCIRG1")], build="GRCh38")
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "infant-aro.json"


def _compound_het() -> list[SyntheticVariant]:
    return [_tcirg1(0), _tcirg1(2_000, consequence="frameshift_variant")]


def _edit_records(path: Path, change: Callable[[list[str]], list[str]], header: str = "") -> Path:
    """Rewrite each record's tab-separated columns with ``change``; ``header`` is added before #CHROM."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        if line.startswith("#CHROM") and header:
            out.append(header)
        out.append(line if line.startswith("#") else "\t".join(change(line.split("\t"))))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


# -- 1. the annotation layout must name the gene and the consequence ----------------------------------------


@pytest.mark.parametrize(
    ("style", "missing"),
    [("vep", "SYMBOL"), ("vep", "Consequence"), ("snpeff", "Gene_Name"), ("snpeff", "Annotation")],
)
def test_a_layout_without_the_gene_or_consequence_column_is_refused(
    tmp_path: Path, style: str, missing: str
) -> None:
    fields = [f for f in (VEP_FIELDS if style == "vep" else SNPEFF_FIELDS) if f != missing]
    path = write_vcf(tmp_path / "a.vcf", _compound_het(), annotation=style, annotation_fields=fields)  # type: ignore[arg-type]
    with pytest.raises(InputError) as raised:
        read_vcf(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: the ##INFO=<ID={'CSQ' if style == 'vep' else 'ANN'}>")
    assert f"no {missing} column" in message
    assert "\n" not in message


# -- 2. no genotype, no test -----------------------------------------------------------------------------------


@pytest.mark.parametrize("gt", ["./.", "."])
def test_a_record_without_a_call_does_not_count_its_gene_as_tested(
    tmp_path: Path, model: GenotypeModel, gt: str
) -> None:
    path = write_vcf(tmp_path / "a.vcf", [_tcirg1(0, gt), _tcirg1(2_000, gt)])
    result = read_vcf(path)
    assert result.n_records == 2
    assert "TCIRG1" not in result.covered_genes
    optb1 = for_disease(model, result)
    assert optb1.lr == 1.0  # not NOTHING_RECESSIVE: the proband was not genotyped there
    assert optb1.status == "not_covered"
    (warning,) = result.warnings
    assert warning.startswith(f"{path}: 2 record(s) give no genotype for {P}")
    assert "line(s) " in warning
    lines = warning.split("line(s) ")[1].split(";")[0]
    body = [n for n, line in enumerate(path.read_text().splitlines(), 1) if not line.startswith("#")]
    assert lines == ", ".join(map(str, body))


def test_a_record_whose_format_has_no_gt_is_no_call(tmp_path: Path, model: GenotypeModel) -> None:
    path = write_vcf(tmp_path / "a.vcf", _compound_het())
    dp = '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">'
    _edit_records(path, lambda c: [*c[:8], "DP", "31"], header=dp)
    result = read_vcf(path)
    assert result.calls == ()
    assert result.covered_genes == frozenset()
    assert for_disease(model, result).lr == 1.0
    assert any("give no genotype" in w for w in result.warnings)


def test_a_half_called_genotype_still_counts_as_tested(tmp_path: Path) -> None:
    # "0/." saw the reference allele on one copy: the site was genotyped.
    result = read_vcf(write_vcf(tmp_path / "a.vcf", [_tcirg1(0, "0/.")]))
    assert result.covered_genes == {"TCIRG1"}
    assert result.warnings == ()


# -- 3. GT wherever FORMAT puts it -------------------------------------------------------------------------------


def test_gt_that_is_not_the_first_format_key_is_read(tmp_path: Path, model: GenotypeModel) -> None:
    variants = [
        _tcirg1(0, genotypes={P: "0/1", "DAD": "0/1", "MUM": "0/0"}),
        _tcirg1(2_000, consequence="frameshift_variant", genotypes={P: "0/1", "DAD": "0/0", "MUM": "0/1"}),
    ]
    path = write_vcf(tmp_path / "a.vcf", variants, samples=(P, "DAD", "MUM"))
    dp = '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">'
    _edit_records(path, lambda c: [*c[:8], "DP:GT", *(f"30:{gt}" for gt in c[9:])], header=dp)
    result = read_vcf(path, sample=P, father="DAD", mother="MUM")
    assert [(c.genotype, c.origin) for c in result.calls] == [("0/1", "paternal"), ("0/1", "maternal")]
    assert for_disease(model, result).status == "qualifying"


# -- 4. a haploid GT on an autosome is one allele ----------------------------------------------------------------


def test_a_haploid_gt_on_an_autosome_is_one_allele(tmp_path: Path, model: GenotypeModel) -> None:
    path = write_vcf(tmp_path / "a.vcf", [_tcirg1(0, "1")])
    result = read_vcf(path)
    optb1 = for_disease(model, result)
    assert optb1.status == "carrier"  # not a homozygous (biallelic) null genotype
    assert optb1.lr == pytest.approx(NOTHING_RECESSIVE)
    (warning,) = result.warnings
    assert warning.startswith(f"{path}: 1 call(s) of {P} have a haploid GT on an autosome at line(s) ")


def test_two_haploid_alleles_on_an_autosome_still_make_a_compound_heterozygote(
    tmp_path: Path, model: GenotypeModel
) -> None:
    variants = [_tcirg1(0, "1"), _tcirg1(2_000, "1", consequence="frameshift_variant")]
    assert for_disease(model, read_vcf(write_vcf(tmp_path / "a.vcf", variants))).status == "qualifying"


def test_a_hemizygous_x_allele_still_completes_a_recessive_genotype() -> None:
    # On X a haploid GT is a male's single copy: the whole genotype (unchanged by the autosome rule).
    call = VariantCall("X", 100, "C", "T", "1", "hemizygous", "G", "stop_gained", "c.1C>T")
    assessed = assess_gene(
        GeneRule("G", ("AR",), loss_of_function=True), [call], sex=None, background_rate=0.05
    )
    assert assessed.status == "qualifying"


# -- 5. unknown consequence is not "nothing found" --------------------------------------------------------------


def test_unannotated_alleles_that_would_complete_a_genotype_are_neutral(
    tmp_path: Path, model: GenotypeModel
) -> None:
    path = write_vcf(tmp_path / "a.vcf", _compound_het(), annotation=None)
    optb1 = for_disease(model, read_vcf(path, gene_locator=TCIRG1_TABLE))
    assert optb1.lr == 1.0  # was NOTHING_RECESSIVE: two possible null alleles counted against OPTB1
    assert optb1.status == "unverified"
    assert "consequence is unknown" in optb1.note
    assert all(a.weight == 0 for a in optb1.alleles)  # neutral, not evidence for the disease


def test_one_unannotated_allele_in_a_recessive_gene_is_at_most_carrier_status(
    tmp_path: Path, model: GenotypeModel
) -> None:
    # Even as a null allele it would not complete a recessive genotype: the gene counts as before.
    path = write_vcf(tmp_path / "a.vcf", [_tcirg1(0)], annotation=None)
    optb1 = for_disease(model, read_vcf(path, gene_locator=TCIRG1_TABLE))
    assert optb1.status == "no_qualifying_variant"
    assert optb1.lr == pytest.approx(NOTHING_RECESSIVE)


def test_a_common_unannotated_allele_is_not_neutralised() -> None:
    call = VariantCall("11", 1, "C", "T", "0/1", "heterozygous", "G", None, None, gnomad_af=0.2)
    assessed = assess_gene(GeneRule("G", ("AD",)), [call], sex=None, background_rate=0.05)
    assert "BA1" in assessed.alleles[0].acmg
    assert assessed.status == "no_qualifying_variant"
    assert assessed.lr == pytest.approx(0.05)


# -- 6. a symbolic allele spans to END ---------------------------------------------------------------------------


@pytest.mark.parametrize("info", [{"END": "68060000"}, {"SVLEN": "-30000"}])
def test_a_symbolic_deletion_is_placed_in_the_genes_it_spans(
    tmp_path: Path, model: GenotypeModel, info: dict[str, str]
) -> None:
    # Starts upstream of TCIRG1 (68,039,000-68,053,000 in the table) and deletes the whole gene.
    deletion = SyntheticVariant("chr11", 68_030_000, "A", "<DEL>", None, genotypes={P: "1/1"}, info=info)
    path = write_vcf(tmp_path / "a.vcf", [deletion], annotation=None)
    result = read_vcf(path, gene_locator=TCIRG1_TABLE)
    (call,) = result.calls
    assert call.gene == "TCIRG1"
    optb1 = for_disease(model, result)
    assert [a.call.alt for a in optb1.alleles] == ["<DEL>"]  # listed under the disease
    # It deletes the whole gene, so it is a null allele (test_whole_gene_deletion.py): homozygous, it qualifies.
    assert call.consequence == "transcript_ablation"
    assert optb1.status == "qualifying"


# -- 7. warnings for an empty body, repeats and two annotations --------------------------------------------------


def test_an_empty_body_is_named(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "a.vcf", [])
    result = read_vcf(path)
    assert result.warnings == (f"{path}: the VCF has no variant records, so it gives no genotype evidence",)


def test_a_repeated_allele_is_named_with_its_lines(tmp_path: Path, model: GenotypeModel) -> None:
    path = write_vcf(tmp_path / "a.vcf", [_tcirg1(0), _tcirg1(0)])
    result = read_vcf(path)
    first = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if not line.startswith("#"))
    (warning,) = result.warnings
    assert f"(line {first + 1} repeats line {first})" in warning
    # A repeated heterozygous allele is still one allele: carrier status, not a compound heterozygote.
    assert for_disease(model, result).status == "carrier"


def test_csq_and_ann_together_are_named(tmp_path: Path) -> None:
    ann = (
        "##INFO=<ID=ANN,Number=.,Type=String,Description=\"Functional annotations: '"
        + " | ".join(SNPEFF_FIELDS)
        + " '\">"
    )
    path = write_vcf(tmp_path / "a.vcf", [_tcirg1(0)], extra_header=[ann])
    result = read_vcf(path)
    assert result.mode == "vep"
    assert result.warnings == (
        f"{path}: the VCF has both VEP CSQ and SnpEff ANN annotation; CSQ is read, ANN is not",
    )


# -- the command line: one line per problem, and a batch goes on ------------------------------------------------


def _packet(tmp_path: Path, name: str, vcf: Path) -> Path:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["id"] = name
    data["files"] = [
        {
            "uri": vcf.as_uri(),
            "individualToFileIdentifiers": {data["subject"]["id"]: P},
            "fileAttributes": {"genomeAssembly": "GRCh38", "fileFormat": "VCF"},
        }
    ]
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_batch_reports_the_bad_vcf_on_its_line_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_vcf(tmp_path / "good dir" / "good.vcf", _compound_het())
    bad = write_vcf(tmp_path / "bad.vcf", _compound_het(), annotation_fields=VEP_FIELDS[:3])
    folder = tmp_path / "cases"
    folder.mkdir()
    _packet(folder, "a", good)
    _packet(folder, "b", bad)
    code = main(["rank", str(folder), "--format", "jsonl", "--top", "3"])
    out, _ = capsys.readouterr()
    assert code == 1
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["diagnoses"][0]["disease_id"] == OPTB1
    variant = first["diagnoses"][0]["variants"][0]
    assert set(variant) == {
        "gene", "chrom", "pos", "ref", "alt", "genotype", "hgvs_c", "hgvs_p", "consequence", "gnomad_af",
        "clinvar", "acmg", "class",
    }  # fmt: skip
    assert second["error"].startswith(f"{bad}: the ##INFO=<ID=CSQ> field layout")
    assert "\n" not in second["error"]


# -- a ClinVar index older than its file ----------------------------------------------------------------------


def test_a_clinvar_index_older_than_its_file_is_refused(tmp_path: Path) -> None:
    header = (
        "##fileformat=VCFv4.1\n##reference=GRCh38\n##contig=<ID=11>\n"
        '##INFO=<ID=CLNSIG,Number=.,Type=String,Description="Clinical significance">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    )
    plain = tmp_path / "clinvar.vcf"
    plain.write_text(header + "11\t1000\t1\tC\tT\t.\t.\tCLNSIG=Benign\n", encoding="utf-8")
    path = tmp_path / "clinvar.vcf.gz"
    pysam.tabix_compress(str(plain), str(path), force=True)
    pysam.tabix_index(str(path), preset="vcf", force=True)
    # A newer release replaces the file; the old index stays (its time set back, as a later copy would leave it).
    records = "".join(f"11\t{100 + i}\t{i}\tA\tG\t.\t.\tCLNSIG=Benign\n" for i in range(5_000))
    plain.write_text(
        header + records + f"11\t{TCIRG1_POS}\t9\tC\tT\t.\t.\tCLNSIG=Pathogenic\n", encoding="utf-8"
    )
    pysam.tabix_compress(str(plain), str(path), force=True)
    index = Path(f"{path}.tbi")
    stamp = path.stat().st_mtime - 60
    os.utime(index, (stamp, stamp))
    with pytest.raises(InputError) as raised:
        ClinvarVcf.open(path, build="GRCh38")
    assert str(raised.value).startswith(f"{index}: the index is older than clinvar.vcf.gz")
    # Re-created, it finds the record the stale one missed.
    pysam.tabix_index(str(path), preset="vcf", force=True)
    with ClinvarVcf.open(path, build="GRCh38") as clinvar:
        assert clinvar.significance("11", TCIRG1_POS, "C", "T") == "pathogenic"
