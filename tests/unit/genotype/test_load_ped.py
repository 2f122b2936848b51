"""A PED whose parents were not sequenced: the VCF is still read, with a warning per missing parent."""

from __future__ import annotations

from pathlib import Path

from marbledx.findings import Case, Finding
from marbledx.genotype import GenotypeOptions, GenotypeReader
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
