"""The real bundled HPO 2025-01-16 release, parsed by marbledx (offline; built once per session)."""

from __future__ import annotations

import pytest

from marbledx.ontology import Hpo

pytestmark = pytest.mark.integration


def test_release_and_counts(real_hpo: Hpo) -> None:
    assert real_hpo.version == "2025-01-16"
    assert real_hpo.annotations.version == "2025-01-16"
    assert len(real_hpo.ontology) > 19_000
    counts = real_hpo.annotations.counts_by_database()
    # phenotype.hpoa 2025-01-16 header: 8359 OMIM, 47 DECIPHER, 4283 ORPHANET (2 Orphanet ids have no rows).
    assert counts["OMIM"] == 8359
    assert counts["DECIPHER"] == 47
    assert counts["ORPHA"] >= 4281
    assert real_hpo.annotations.n_annotations == 271_702


def test_osteopetrosis_term_and_synonyms(real_hpo: Hpo) -> None:
    ontology = real_hpo.ontology
    assert ontology.label("HP:0011002") == "Osteopetrosis"
    assert "Marble bone disease" in ontology.synonyms("HP:0011002")
    assert ontology.search("marble bone disease")[0].id == "HP:0011002"
    # Osteoporosis is the opposite condition and must never be matched to osteopetrosis.
    assert all(hit.id != "HP:0011002" for hit in ontology.search("osteoporosis"))


def test_zero_of_n_annotations_survive(real_hpo: Hpo) -> None:
    # ADO1 (LRP5 high bone mass): recurrent fractures 0/10 and elevated acid phosphatase 0/10.
    rows = {a.hpo_id: a for a in real_hpo.annotations.annotations("OMIM:607634")}
    for hpo_id in ("HP:0002757", "HP:0003148"):
        frequency = rows[hpo_id].frequency
        assert frequency is not None
        assert frequency.is_absent
        assert (frequency.numerator, frequency.denominator) == (0, 10)


def test_not_rows_survive(real_hpo: Hpo) -> None:
    negated = {a.hpo_id for a in real_hpo.annotations.annotations("ORPHA:210110") if a.negated}
    assert {"HP:0001873", "HP:0002901"} <= negated


def test_onset_inheritance_and_genes(real_hpo: Hpo) -> None:
    annotations = real_hpo.annotations
    assert "HP:0000007" in annotations.inheritance("OMIM:259700")
    assert "HP:0003593" in annotations.onsets("OMIM:259700")
    assert annotations.genes_for("OMIM:259700") == ["TCIRG1"]
    assert "OMIM:611490" in annotations.diseases_for_gene("CLCN7")
    assert "OMIM:166600" in annotations.diseases_for_gene("CLCN7")
    # ITGB3 links to platelet disorders only, never to osteopetrosis (reference 7.2).
    osteopetrosis_diseases = {"OMIM:259700", "OMIM:166600", "ORPHA:667", "ORPHA:210110"}
    assert not osteopetrosis_diseases & set(annotations.diseases_for_gene("ITGB3"))


def test_ic_is_higher_for_specific_terms(real_hpo: Hpo) -> None:
    ic = real_hpo.ontology.information_content
    assert ic("HP:0000001") == pytest.approx(0.0)
    assert ic("HP:0011002") > ic("HP:0000924") > ic("HP:0000118")
