"""Clinical wording of the subtype cards in the care plan, from a review of the reports on published patients
(session s36): a transplant row's first-months window read to an older child, Raine syndrome's prognosis read
to surviving patients, and the transient-infantile-osteopetrosis check before conditioning.

Reference: ../shared/reference/osteopetrosis-knowledge.md §1B, §3.2, §6.1. The rankings are built by hand
(tests/care_diagnoses.py); the ontology is the real HPO.
"""

from __future__ import annotations

import pytest

from marbledx.advice import CareItem, CarePlan
from marbledx.findings import Case, Finding
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.ranking import Diagnosis
from marbledx.report import analyze, render_html
from tests.care_diagnoses import analyze_confirms, care_plan, dx

_YEAR = 365.25
# The findings of `marbledx analyze --hpo HP:0011002,HP:0001903,HP:0001876`: osteopetrosis, anaemia, pancytopenia.
FINDINGS = ("HP:0011002", "HP:0001903", "HP:0001876")
TCIRG1_ARO = "OMIM:259700"
CLCN7_ARO = "OMIM:611490"
OSTM1_ARO = "OMIM:259720"
RAINE = "OMIM:259775"
DRIESSEN_2003 = "DOI:10.1038/sj.bmt.1704194"
TRANSIENT_SOURCES = {"ref:osteopetrosis-co-uk-types", "ref:socialstyrelsen-transient"}


def _plan(hpo: Hpo, kb: KnowledgeBase, ranking: list[Diagnosis], *, age_days: float | None) -> CarePlan:
    return care_plan(hpo, kb, ranking, *FINDINGS, age_days=age_days)


def _transplant(care: CarePlan) -> CareItem:
    (row,) = [t for t in care.treatments if "transplant" in t.name.lower()]
    return row


def _radiographs(care: CarePlan) -> list[CareItem]:
    return [c for c in care.hsct.checks if "radiographs" in c.text.lower()]


# --- 1. A transplant row's "ideally before 3 months" past that age ---------------------------------------------


@pytest.mark.parametrize(("disease_id", "key"), [(CLCN7_ARO, "OPTB4"), (TCIRG1_ARO, "OPTB1")])
def test_an_older_childs_transplant_row_does_not_offer_the_three_month_window(
    real_hpo: Hpo, kb: KnowledgeBase, disease_id: str, key: str
) -> None:
    # A 2.5-year-old with a CLCN7 result read "Curative; transplant as early as possible, ideally before 3 months
    # of age, to preserve vision": a timing the child can no longer meet. The sources say, for an older child,
    # that HSCT is still the only curative treatment, done as early as possible, and that vision was better
    # preserved when it was done before 3 months (Driessen 2003; reference §1B, §3.2).
    care = _plan(real_hpo, kb, [dx(disease_id, 0.99, genotype_lr=2000.0)], age_days=2.5 * _YEAR)
    assert (care.certainty, care.subtype, care.hsct.decision) == ("genotype_supported", key, "curative")
    row = _transplant(care)
    assert "ideally before 3 months" not in row.text
    assert "still the only curative treatment" in row.text
    assert "as early as possible" in row.text
    assert "before 3 months of age; that age has passed" in row.text
    assert DRIESSEN_2003 in row.sources


@pytest.mark.parametrize("age_days", [60.0, None])
def test_a_young_infant_or_a_case_without_an_age_keeps_the_cards_window(
    real_hpo: Hpo, kb: KnowledgeBase, age_days: float | None
) -> None:
    # Within the window (or with no age to say it has passed) the card's own row stands.
    care = _plan(real_hpo, kb, [dx(CLCN7_ARO, 0.99, genotype_lr=2000.0)], age_days=age_days)
    assert "ideally before 3 months of age" in _transplant(care).text


def test_the_analyze_report_of_a_clcn7_child_reads_the_older_childs_row(
    monkeypatch: pytest.MonkeyPatch, real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # `marbledx analyze --hpo HP:0011002,HP:0001903,HP:0001876 --age P2Y6M` with a CLCN7 result.
    analyze_confirms(monkeypatch, CLCN7_ARO, "OPTB4")
    case = Case("p", "test", tuple(Finding(t) for t in FINDINGS), age_days=2.5 * _YEAR)
    report = analyze(case, hpo=real_hpo, kb=kb)
    treatments = render_html(report, hpo=real_hpo, kb=kb).split("<h3>Treatments</h3>")[1].split("<h3>")[0]
    assert "ideally before 3 months" not in treatments
    assert "still the only curative treatment" in treatments


def test_every_transplant_row_that_names_an_age_window_has_its_wording_past_it(kb: KnowledgeBase) -> None:
    # The other cards' transplant rows were checked for the same problem: only OPTB1 and OPTB4 name a window a
    # patient can pass ("months of age"). Each wording names a row its cards have.
    guide = kb.care
    assert guide is not None
    covered = set()
    for wording in guide.treatment_windows:
        for fit in wording.fits:
            rows = [t.name for t in kb.get(fit.scope).treatments]
            assert wording.name in rows, (fit.scope, wording.name)
            covered.add((fit.scope, wording.name))
    windowed = {
        (entity.key, t.name)
        for entity in kb.entities
        for t in entity.treatments
        if "transplant" in t.name.lower() and "months of age" in t.text
    }
    assert (
        windowed
        == covered
        == {
            ("OPTB1", "Haematopoietic stem cell transplantation"),
            ("OPTB4", "Haematopoietic stem cell transplantation (non-neuronopathic form)"),
        }
    )


# --- 2. Raine syndrome is not always lethal ------------------------------------------------------------------


def test_raine_syndromes_prognosis_says_that_non_lethal_forms_exist(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    # FAM20C patients alive at 2 and 14 years read "Often lethal in the neonatal period". Often, not always:
    # survival into childhood and, in a few, into adulthood has been reported (Faundes 2014, PMID:25019372;
    # PMID:31297960); reference §6.1 keeps "often lethal in the neonatal period".
    prognosis = kb.get("RAINE").prognosis
    assert prognosis is not None
    assert prognosis.text.startswith("Often lethal in the neonatal period")
    assert "non-lethal forms exist" in prognosis.text
    assert "survival into childhood" in prognosis.text
    assert {"PMID:25019372", "PMID:31297960"} <= set(prognosis.sources)
    care = _plan(real_hpo, kb, [dx(RAINE, 0.95, genotype_lr=500.0)], age_days=2 * _YEAR)
    assert care.prognosis is not None
    assert "non-lethal forms exist" in care.prognosis["text"]


# --- 3. Transient infantile osteopetrosis: radiographs again before conditioning ---------------------------


def test_an_infant_without_genotype_support_is_told_to_repeat_radiographs_before_conditioning(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # Reference §3.2: transient infantile osteopetrosis resolves by itself; check radiographs again just before
    # conditioning. Its card has no disease id, so it never leads a ranking: the plan of an infant in whom HSCT
    # is being considered, with no causal variants found, must carry the check in its HSCT part, sourced.
    for lr in (1.0, 1.7):  # no variants, or a single allele of uncertain significance (not genotype support)
        ranking = [dx(TCIRG1_ARO, 0.6, genotype_lr=lr), dx(CLCN7_ARO, 0.3, rank=2)]
        care = _plan(real_hpo, kb, ranking, age_days=60)
        assert care.certainty == "uncertain"
        (check,) = _radiographs(care)
        assert "just before conditioning" in check.text
        assert "transient infantile osteopetrosis" in check.text.lower()
        assert set(check.sources) == TRANSIENT_SOURCES
        assert check.text in care.hsct.reason
        assert set(care.hsct.sources) >= TRANSIENT_SOURCES
        assert care.hsct.to_dict()["checks"][0]["sources"] == check.sources


def test_no_radiograph_check_when_the_genotype_supports_a_subtype(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    care = _plan(real_hpo, kb, [dx(TCIRG1_ARO, 0.99, genotype_lr=2000.0)], age_days=60)
    assert care.certainty == "genotype_supported"
    assert not _radiographs(care)
    assert "radiographs" not in care.hsct.reason


def test_no_radiograph_check_past_infancy_or_when_hsct_is_not_being_considered(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # A self-resolving infantile form has resolved by the second year; and without a form that HSCT can help
    # among the options there is no conditioning to check before.
    child = _plan(real_hpo, kb, [dx(TCIRG1_ARO, 0.6), dx(CLCN7_ARO, 0.3, rank=2)], age_days=2 * _YEAR)
    assert child.certainty == "uncertain"
    assert not _radiographs(child)
    no_hsct = _plan(real_hpo, kb, [dx(OSTM1_ARO, 0.9)], age_days=60)
    assert no_hsct.certainty == "uncertain"
    assert not any(o.decision in ("curative", "partial") for o in no_hsct.hsct.options)
    assert not _radiographs(no_hsct)
