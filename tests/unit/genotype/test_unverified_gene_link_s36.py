"""A gene link the reference marks [UNVERIFIED] drives no genotype evidence (reference: such facts never drive a
decision). Van Buchem disease (OMIM:239100) is stored with an unverified SOST link: HPO links no gene to it, and
its cause is a deletion downstream of SOST. A homozygous SOST stop variant gave it the same genotype LR as
sclerosteosis, ranking it first."""

from __future__ import annotations

import pytest

from marbledx.genotype import GenotypeModel
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo

VAN_BUCHEM, ADO2 = "OMIM:239100", "OMIM:166600"


@pytest.mark.integration
def test_an_unverified_gene_link_gives_no_rule(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    entity = kb.for_disease_id(VAN_BUCHEM)
    assert entity is not None
    assert [link.symbol for link in entity.genes if link.unverified] == ["SOST"]  # the premise of the test
    model = GenotypeModel(real_hpo, kb, [VAN_BUCHEM, ADO2])
    van_buchem_genes = {rule.gene for rule in model.rules[0]}
    assert "SOST" not in van_buchem_genes
    assert model.rows_for_gene("SOST") == []


@pytest.mark.integration
def test_verified_links_still_give_the_knowledge_base_rules(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    model = GenotypeModel(real_hpo, kb, [VAN_BUCHEM, ADO2])
    (rule,) = model.rules[1]
    assert rule.gene == "CLCN7"
    assert rule.modes == ("AD",)
    assert rule.source.startswith("knowledge base")
