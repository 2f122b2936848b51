"""``marbledx rank`` with DNA: --vcf, phenopacket ``files``, PED parents, gene tables and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marbledx.genotype.synthetic import SyntheticVariant, write_vcf

from ...conftest import MINI_RELEASE, TESTS
from ..cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)

PACKETS = TESTS / "data" / "phenopackets"


def _variants(
    sample: str = "PROBAND", father: str | None = None, mother: str | None = None
) -> list[SyntheticVariant]:
    def gts(child: str, dad: str = "0/0", mum: str = "0/0") -> dict[str, str]:
        out = {sample: child}
        if father:
            out[father] = dad
        if mother:
            out[mother] = mum
        return out

    return [
        # A heterozygous CLCN7 null allele: silent for ADO2, carrier status for CLCN7 recessive disease.
        SyntheticVariant("chr16", 1_450_000, "C", "T", "CLCN7", "stop_gained", gts("0/1", "0/1"), hgvs_p="p.(Arg10Ter)"),
        # A ClinVar-benign missense decoy.
        SyntheticVariant("chr16", 1_460_000, "G", "A", "CLCN7", "missense_variant", gts("0/1", "0/0", "0/1"), clinvar="benign"),
        # The causal genotype: compound heterozygous TCIRG1 null alleles, one from each parent.
        SyntheticVariant("chr11", 68_040_000, "C", "T", "TCIRG1", "stop_gained", gts("0/1", "0/1", "0/0"), hgvs_c="c.100C>T"),
        SyntheticVariant("chr11", 68_045_000, "G", "GA", "TCIRG1", "frameshift_variant", gts("0/1", "0/0", "0/1"), hgvs_c="c.500dup"),
    ]  # fmt: skip


def test_vcf_lifts_the_gene_confirmed_diagnosis_and_reports_variants(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vcf = write_vcf(tmp_path / "p.vcf.gz", _variants(), index="tbi")
    code, out, _ = run_cli(
        capsys, "rank", str(PACKETS / "adult_ado.json"), "--vcf", str(vcf), "--format", "json"
    )
    assert code == 0
    (result,) = json.loads(out)
    assert result["genotype"]["mode"] == "vep"
    assert result["genotype"]["build"] == "GRCh38"
    # Both diseases the knowledge base links to biallelic TCIRG1 (OPTB1 and intermediate osteopetrosis)
    # get the genotype evidence; the phenotype decides between them. ADO2, first on phenotype alone,
    # falls below both: its CLCN7 null allele is clinically silent.
    ranked = {d["disease_id"]: d for d in result["diagnoses"]}
    optb1 = ranked["OMIM:259700"]
    assert optb1["genotype_lr"] > 100
    assert {v["hgvs_c"] for v in optb1["variants"]} == {"c.100C>T", "c.500dup"}
    assert "PVS1" in optb1["variants"][0]["acmg"]
    assert result["diagnoses"][0]["disease_id"] in {"OMIM:259700", "ORPHA:210110"}
    assert ranked["OMIM:166600"]["genotype_lr"] < 1
    assert ranked["OMIM:166600"]["rank"] > optb1["rank"]


def test_in_cis_alleles_from_one_parent_do_not_make_a_recessive_genotype(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    variants = _variants("KID", "DAD", "MUM")
    variants[3] = SyntheticVariant(
        "chr11",
        68_045_000,
        "G",
        "GA",
        "TCIRG1",
        "frameshift_variant",
        {"KID": "0/1", "DAD": "0/1", "MUM": "0/0"},
    )
    vcf = write_vcf(tmp_path / "trio.vcf", variants, samples=("KID", "DAD", "MUM"))
    ped = tmp_path / "family.ped"
    ped.write_text("F1 KID DAD MUM 2 2\nF1 DAD 0 0 1 1\nF1 MUM 0 0 2 1\n", encoding="utf-8")
    code, out, _ = run_cli(
        capsys, "rank", "--hpo", "HP:0011002", "--vcf", str(vcf), "--ped", str(ped), "--sample", "KID",
        "--format", "json", "--top", "5",
    )  # fmt: skip
    assert code == 0
    diagnoses = json.loads(out)[0]["diagnoses"]
    optb1 = next(d for d in diagnoses if d["disease_id"] == "OMIM:259700")
    assert optb1["genotype_lr"] < 1
    assert "cis" in optb1["genotype_note"]


def test_phenopacket_files_entry_names_the_vcf_and_the_sample(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_vcf(tmp_path / "family.vcf.gz", _variants("S-CHILD", "S-DAD"), samples=("S-DAD", "S-CHILD"))
    packet = json.loads((PACKETS / "adult_ado.json").read_text(encoding="utf-8"))
    subject = packet["subject"]["id"]
    packet["files"] = [
        {
            "uri": "file:family.vcf.gz",
            "individualToFileIdentifiers": {subject: "S-CHILD"},
            "fileAttributes": {"genomeAssembly": "GRCh38", "fileFormat": "vcf"},
        }
    ]
    path = tmp_path / "case.json"
    path.write_text(json.dumps(packet), encoding="utf-8")
    code, out, _ = run_cli(capsys, "rank", str(path), "--format", "jsonl")
    assert code == 0
    result = json.loads(out)
    assert result["genotype"]["sample"] == "S-CHILD"
    assert result["diagnoses"][0]["disease_id"] in {"OMIM:259700", "ORPHA:210110"}
    assert result["diagnoses"][0]["genotype_lr"] > 10


def test_batch_reports_a_bad_vcf_per_case_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_vcf(tmp_path / "b37.vcf", _variants(), build="GRCh37")
    packet = json.loads((PACKETS / "adult_ado.json").read_text(encoding="utf-8"))
    packet["files"] = [{"uri": "b37.vcf", "fileAttributes": {"genomeAssembly": "GRCh38"}}]
    (tmp_path / "bad.json").write_text(json.dumps(packet), encoding="utf-8")
    good = tmp_path / "good.json"
    good.write_text((PACKETS / "infant_aro.json").read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = run_cli(capsys, "rank", str(tmp_path / "bad.json"), str(good), "--format", "jsonl")
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert set(lines[0]) == {"case_id", "input", "error"}
    assert "GRCh37" in lines[0]["error"]
    assert "GRCh38" in lines[0]["error"]
    assert lines[1]["diagnoses"]


def test_unannotated_vcf_needs_a_gene_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vcf = write_vcf(tmp_path / "plain.vcf", _variants(), annotation=None)
    code, _, err = run_cli(capsys, "rank", "--hpo", "HP:0011002", "--vcf", str(vcf))
    assert code == 2
    assert "--genes-bed" in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err

    bed = tmp_path / "genes.bed"
    bed.write_text(
        "#build=GRCh38\nchr11\t68030000\t68050000\tTCIRG1\nchr16\t1440000\t1470000\tCLCN7\n", encoding="utf-8"
    )
    code, out, _ = run_cli(
        capsys, "rank", "--hpo", "HP:0011002", "--vcf", str(vcf), "--genes-bed", str(bed), "--format", "json"
    )
    assert code == 0
    result = json.loads(out)[0]
    assert result["genotype"]["mode"] == "gene-table"
    optb1 = next(d for d in result["diagnoses"] if d["disease_id"] == "OMIM:259700")
    # Without annotation a variant's consequence and frequency are unknown: it cannot qualify on its own, and
    # since the two TCIRG1 alleles may be null alleles, the gene counts neither for nor against OPTB1.
    assert optb1["genotype_lr"] == 1.0
    assert "consequence is unknown" in optb1["genotype_note"]
    assert optb1["variants"][0]["class"] == "other"

    # ClinVar supplies the significance of the exact alleles.
    clinvar = tmp_path / "clinvar.vcf"
    records = "".join(
        f"{v.chrom[3:]}\t{v.pos}\t1\t{v.ref}\t{v.alt}\t.\t.\tCLNSIG=Pathogenic\n" for v in _variants()[2:]
    )
    clinvar.write_text(
        "##fileformat=VCFv4.1\n##reference=GRCh38\n##contig=<ID=11>\n"
        '##INFO=<ID=CLNSIG,Number=.,Type=String,Description="Clinical significance">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" + records,
        encoding="utf-8",
    )
    code, out, _ = run_cli(
        capsys, "rank", "--hpo", "HP:0011002", "--vcf", str(vcf), "--genes-bed", str(bed), "--clinvar", str(clinvar),
        "--format", "json",
    )  # fmt: skip
    assert code == 0
    optb1 = next(d for d in json.loads(out)[0]["diagnoses"] if d["disease_id"] == "OMIM:259700")
    assert optb1["genotype_lr"] > 100
    assert {v["clinvar"] for v in optb1["variants"]} == {"pathogenic"}


def test_build_mismatch_with_genome_flag_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vcf = write_vcf(tmp_path / "p.vcf", _variants(), build="GRCh37")
    code, _, err = run_cli(capsys, "rank", "--hpo", "HP:0011002", "--vcf", str(vcf), "--genome", "GRCh38")
    assert code == 2
    assert err.startswith("marbledx: error:")
    assert "GRCh37" in err


def test_vcf_flag_is_for_one_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vcf = write_vcf(tmp_path / "p.vcf", _variants())
    code, _, err = run_cli(
        capsys, "rank", str(PACKETS / "adult_ado.json"), str(PACKETS / "infant_aro.json"), "--vcf", str(vcf)
    )
    assert code == 2
    assert "one case" in err


def test_table_shows_the_genotype(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vcf = write_vcf(tmp_path / "p.vcf", _variants())
    code, out, _ = run_cli(capsys, "rank", "--hpo", "HP:0011002", "--vcf", str(vcf), "--top", "3")
    assert code == 0
    assert "VEP" in out or "vep" in out
    assert "c.100C>T" in out
    assert "genotype LR" in out


def test_python_api_rank_matches_the_cli_contract(tmp_path: Path) -> None:
    import marbledx
    from marbledx.genotype import GenotypeOptions

    hpo = marbledx.load_hpo(MINI_RELEASE, cache=False)
    vcf = write_vcf(tmp_path / "p.vcf", _variants())
    results = marbledx.rank(
        PACKETS / "adult_ado.json", hpo=hpo, top=3, genotype=GenotypeOptions(vcf=vcf, use_installed=False)
    )
    assert len(results) == 1
    result = results[0]
    assert result.error is None
    assert result.genotype is not None
    assert result.genotype.mode == "vep"
    assert result.diagnoses[0].genotype_lr > 10
    batch = marbledx.rank([PACKETS / "infant_aro.json", PACKETS / "malformed.json"], hpo=hpo)
    assert batch[0].diagnoses[0].disease_id == "OMIM:259700"
    assert batch[1].error is not None


def test_unsupported_assembly_in_a_phenopacket_is_that_cases_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_vcf(tmp_path / "p.vcf", _variants())
    packet = json.loads((PACKETS / "adult_ado.json").read_text(encoding="utf-8"))
    packet["files"] = [{"uri": "p.vcf", "fileAttributes": {"genomeAssembly": "hg17"}}]
    (tmp_path / "case.json").write_text(json.dumps(packet), encoding="utf-8")
    code, out, _ = run_cli(capsys, "rank", str(tmp_path / "case.json"), "--format", "jsonl")
    assert code == 1
    assert "'hg17' is not supported; expected GRCh37 (hg19) or GRCh38 (hg38)" in json.loads(out)["error"]


def test_the_genotype_log_lr_is_not_tempered(tmp_path: Path) -> None:
    from marbledx import load_hpo, load_knowledge_base
    from marbledx.findings import read_case_file
    from marbledx.genotype import read_vcf
    from marbledx.ranking import Ranker

    hpo = load_hpo()
    ranker = Ranker(hpo, load_knowledge_base())
    case = read_case_file(PACKETS / "adult_ado.json", hpo.ontology)
    calls = read_vcf(write_vcf(tmp_path / "p.vcf", _variants()), sample="PROBAND")
    with_dna, phenotype = ranker.analyse(case, genotype=calls), ranker.analyse(case)
    assert with_dna.genotype is not None
    shown = with_dna.log_posterior > -float("inf")
    expected = phenotype.log_lr / ranker.phenotype_temperature + with_dna.genotype.log_lr
    assert with_dna.log_posterior[shown] == pytest.approx(expected[shown])
