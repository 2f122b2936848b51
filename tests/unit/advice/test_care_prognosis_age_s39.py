"""An adult with an infantile form's genotype is not given the infants' survival figures as a prognosis (stop 39).

A 25-year-old with two TCIRG1 null alleles was shown "Without HSCT about 30% survive to age 6", the card's
figure for the infantile course (Gerritsen 1994), as this patient's prognosis.
"""

from __future__ import annotations

from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from tests.care_diagnoses import care_plan, dx

_YEAR = 365.25
TCIRG1 = "OMIM:259700"
TERMS = ("HP:0011002", "HP:0001903", "HP:0001744")


def test_an_adult_is_told_the_cards_prognosis_describes_the_infantile_course(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    plan = care_plan(real_hpo, kb, [dx(TCIRG1, 0.95, genotype_lr=300.0)], *TERMS, age_days=25 * _YEAR)
    assert plan.prognosis is not None
    text = plan.prognosis["text"]
    assert text.startswith("The subtype card's prognosis describes the usual course, which begins in infancy")
    assert "It does not describe an adult with this genotype" in text
    assert plan.prognosis["sources"]


def test_an_infant_and_a_child_keep_the_cards_prognosis(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    card = kb.get("OPTB1").prognosis
    assert card is not None
    for age in (60.0, 8 * _YEAR):
        plan = care_plan(real_hpo, kb, [dx(TCIRG1, 0.95, genotype_lr=300.0)], *TERMS, age_days=age)
        assert plan.prognosis is not None
        assert plan.prognosis["text"] == card.text


def test_a_form_that_begins_later_keeps_its_prognosis_in_an_adult(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    ado2 = kb.get("ADO2")
    plan = care_plan(real_hpo, kb, [dx("OMIM:166600", 0.95, genotype_lr=300.0)], *TERMS, age_days=30 * _YEAR)
    if ado2.prognosis is not None and not ado2.prognosis.unverified:
        assert plan.prognosis is not None
        assert plan.prognosis["text"] == ado2.prognosis.text
