"""Where a case's genotype comes from (GenotypeReader): PED files, declared builds, gene tables.

A PED whose parents were not sequenced still gives the VCF, with a warning per missing parent; a proband
missing from the PED, a build the phenopacket contradicts and a gene table for a VCF of unknown build are
one-line errors.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from marbledx.errors import InputError
from marbledx.findings import Case, Finding
from marbledx.findings._case import GenomicFile
from marbledx.genotype import GenotypeOptions, GenotypeReader, VcfReadResult
from marbledx.genotype.synthetic import SyntheticVariant, write_vcf


def test_parents_missing_from_the_vcf_give_warnings_not_errors(tmp_path: Path) -> None:
    vcf = write_vcf(
        tmp_path / "trio.vcf",
        [
            SyntheticVariant("1", 1000, "C", "T", "GENE1", "stop_gained", {"KID": "0/1", "MUM": "0/1"}),
            SyntheticVariant("1", 2000, "G", "A", "GENE1", "stop_gained", {"KID": "0/1", "MUM": "0/0"}),
        ],
        samples=("KID", "MUM"),
    )
    ped = tmp_path / "family.ped"
    ped.write_text("F KID DAD MUM 1 2\nF DAD 0 0 1 1\nF MUM 0 0 2 1\n", encoding="utf-8")
    case = Case("c", "c.json", (Finding("HP:0000001"),), subject_id="KID")
    result = GenotypeReader(GenotypeOptions(vcf=vcf, ped=ped, use_installed=False)).read(case)
    assert result is not None
    assert any("father 'DAD' is not a sample" in w for w in result.warnings)
    assert not any("MUM" in w for w in result.warnings)
    # The sequenced mother still gives the origin of each allele.
    assert [c.origin for c in result.calls] == ["maternal", "unknown"]


def _one_variant(path: Path, **kwargs: object) -> Path:
    variant = SyntheticVariant("1", 1000, "C", "T", "GENE1", "stop_gained", {"KID": "0/1"})
    return write_vcf(path, [variant], samples=("KID",), **kwargs)  # type: ignore[arg-type]


def _case(*files: GenomicFile) -> Case:
    return Case("c", "c.json", (Finding("HP:0000001"),), subject_id="KID", genomic_files=files)


def _read(case: Case, **options: object) -> VcfReadResult | None:
    return GenotypeReader(GenotypeOptions(use_installed=False, **options)).read(case)  # type: ignore[arg-type]


def test_a_proband_missing_from_the_ped_is_named(tmp_path: Path) -> None:
    ped = tmp_path / "family.ped"
    ped.write_text("F OTHER DAD MUM 1 2\nF DAD 0 0 1 1\nF MUM 0 0 2 1\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"family.ped: the proband 'KID' is not in the PED file \(individuals: OTHER"
    ):
        _read(_case(), vcf=_one_variant(tmp_path / "kid.vcf"), ped=ped)


def test_a_build_the_phenopacket_contradicts_is_refused(tmp_path: Path) -> None:
    vcf = _one_variant(tmp_path / "kid.vcf", build="GRCh37")
    case = _case(GenomicFile(str(vcf), genome_assembly="hg19", sample="KID"))
    with pytest.raises(
        InputError, match=r"c.json: the phenopacket declares GRCh37 for .*kid.vcf but --genome GRCh38"
    ):
        _read(case, genome="GRCh38")
    # Without --genome, the declared build is used.
    result = _read(case)
    assert result is not None
    assert result.build == "GRCh37"


def test_a_gene_table_needs_the_vcf_build(tmp_path: Path) -> None:
    vcf = _one_variant(tmp_path / "plain.vcf", build=None, reference=False, annotation=None)
    bed = tmp_path / "genes.bed"
    bed.write_text("1\t900\t1100\tGENE1\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"genes.bed: the genome build of the VCF is unknown; pass --genome GRCh37 or GRCh38"
    ):
        _read(_case(), vcf=vcf, genes_bed=bed)
    located = _read(_case(), vcf=vcf, genes_bed=bed, genome="GRCh38")
    assert located is not None
    assert [c.gene for c in located.calls] == ["GENE1"]
