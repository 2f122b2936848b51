"""The genotype evidence of one disease, for the genotype tests."""

from __future__ import annotations

from marbledx.genotype import DiseaseGenotype, GenotypeModel, VcfReadResult

OPTB1 = "OMIM:259700"  # TCIRG1, autosomal recessive, loss of function


def for_disease(
    model: GenotypeModel, vcf: VcfReadResult, disease: str = OPTB1, sex: str | None = None
) -> DiseaseGenotype:
    """The genotype evidence ``vcf`` gives ``disease`` (OPTB1 unless named)."""
    return model.evaluate(vcf, sex).for_row(model.disease_ids.index(disease))
