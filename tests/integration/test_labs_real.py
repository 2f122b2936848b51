"""The lab table's HPO terms checked against the real bundled HPO release."""

from __future__ import annotations

import pytest

from marbledx.findings import read_case_file
from marbledx.findings._labs import bundled_lab_table
from marbledx.ontology import Hpo

from ..conftest import TESTS

pytestmark = pytest.mark.integration


def test_every_lab_hpo_id_is_current_with_the_table_label(real_hpo: Hpo) -> None:
    ontology = real_hpo.ontology
    table = bundled_lab_table()
    problems = []
    for hpo_id in table.hpo_ids:
        if hpo_id not in ontology:
            problems.append(f"{hpo_id} is not a current term")
        elif ontology.label(hpo_id) != table.hpo_label(hpo_id):
            problems.append(
                f"{hpo_id}: table label {table.hpo_label(hpo_id)!r} != {ontology.label(hpo_id)!r}"
            )
    assert problems == []


def test_phenopacket_lab_findings_with_the_real_release(real_hpo: Hpo) -> None:
    case = read_case_file(TESTS / "data" / "labs" / "case_measurements.json", real_hpo.ontology)
    lab = [f.hpo_id for f in case.findings if f.source == "lab"]
    assert lab == ["HP:0001903", "HP:0001873", "HP:0001882", "HP:0001876"]
    assert not any("dropped" in w for w in case.warnings)
