"""The genotype evidence of one disease, for the genotype tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from marbledx.cli import main
from marbledx.genotype import DiseaseGenotype, GenotypeModel, VcfReadResult
from marbledx.genotype.synthetic import SyntheticVariant

from ...conftest import MINI_RELEASE, TESTS

OPTB1 = "OMIM:259700"  # TCIRG1, autosomal recessive, loss of function
PROBAND = "PROBAND"
TCIRG1_POS = 68_042_300  # inside TCIRG1 (GRCh38)


def for_disease(
    model: GenotypeModel, vcf: VcfReadResult, disease: str = OPTB1, sex: str | None = None
) -> DiseaseGenotype:
    """The genotype evidence ``vcf`` gives ``disease`` (OPTB1 unless named)."""
    return model.evaluate(vcf, sex).for_row(model.disease_ids.index(disease))


def tcirg1_variant(
    offset: int = 0,
    gt: str = "0/1",
    consequence: str = "stop_gained",
    *,
    genotypes: dict[str, str] | None = None,
    phase_set: int | None = None,
) -> SyntheticVariant:
    """A TCIRG1 allele (a null one unless ``consequence`` says otherwise) ``offset`` bases into the gene, with
    the proband's ``gt`` (or ``genotypes`` of several samples) and HGVS c.(100 + offset)C>T."""
    return SyntheticVariant(
        "chr11",
        TCIRG1_POS + offset,
        "C",
        "T",
        "TCIRG1",
        consequence,
        genotypes=genotypes or {PROBAND: gt},
        hgvs_c=f"c.{100 + offset}C>T",
        phase_sets={PROBAND: phase_set} if phase_set is not None else {},
    )


def ranked_with_vcf(
    vcf: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, disease: str = OPTB1
) -> dict[str, Any]:
    """The diagnosis ``disease`` (OPTB1 unless named) in ``marbledx rank --format json`` of a fixture
    phenopacket with ``vcf``, on the tiny fixture ontology."""
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    packet = TESTS / "data" / "phenopackets" / "adult_ado.json"
    code = main(["rank", str(packet), "--vcf", str(vcf), "--format", "json"])
    out, _ = capsys.readouterr()
    assert code == 0
    (result,) = json.loads(out)
    diagnosis: dict[str, Any] = next(d for d in result["diagnoses"] if d["disease_id"] == disease)
    return diagnosis
