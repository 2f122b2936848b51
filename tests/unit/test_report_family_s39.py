"""s39 review of the reports, read as a paediatric haematologist and as a parent: who the family summary speaks to
when the case gives no age, the red flags of a child whose sight is already lost, and the clinician report's lab
table and monitoring heading.

The rankings are built by hand; the ontology is the real HPO release, so the care plan marks its signs and red
flags as ``marbledx analyze`` does.
"""

from __future__ import annotations

from dataclasses import replace
from html import escape

from marbledx.advice import CarePlan
from marbledx.findings import Case, Finding
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.report import FamilySection, FamilySummary, analyze, family_summary, render_html
from tests.care_diagnoses import care_plan, dx

_YEAR = 365.25
OSTEOPETROSIS = "HP:0011002"
FRACTURE = "HP:0002756"
BLINDNESS = "HP:0000618"
VISUAL_IMPAIRMENT = "HP:0000505"
ANAEMIA = "HP:0001903"
OPTB9 = "OMIM:620366"  # SLC4A2: adult onset in the one reported patient (reference §1A)
TCIRG1 = "OMIM:259700"
EN_DASH = "\u2013"  # the interval's dash
RANKL = "OMIM:259710"  # OPTB2: HSCT not curative, so the plan carries no urgency


def _section(summary: FamilySummary, title: str) -> FamilySection:
    return next(s for s in summary.sections if s.title.startswith(title))


def _words(summary: FamilySummary) -> str:
    return summary.text()


# --- 1. Without an age, a top option that does not stand out does not decide who the summary speaks to ---------


def _optb9_plan(hpo: Hpo, kb: KnowledgeBase, *, age_days: float | None, lr: float = 1.0) -> CarePlan:
    ranking = [dx(OPTB9, 0.011, genotype_lr=lr), dx(TCIRG1, 0.008, rank=2)]
    return care_plan(hpo, kb, ranking, OSTEOPETROSIS, FRACTURE, age_days=age_days)


def test_no_age_and_a_weak_adult_onset_top_option_is_not_addressed_as_an_adult(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # The real case CLCN7_HumGenet2003-IARO-patientA (an infant, no age given) ranks OPTB9 first at 1.1%, whose
    # typical onset (adult) the care plan took as the age band; since stop 39 the plan itself keeps the child
    # default for a top option that does not stand out (tests/unit/advice/test_care_followups_s39.py).
    plan = _optb9_plan(real_hpo, kb, age_days=None)
    assert plan.age_band == "child"
    assert plan.certainty != "genotype_supported"
    summary = family_summary(plan, kb, age_days=None)
    titles = [s.title for s in summary.sections]
    assert "What it means for your child" in titles
    assert "What it means for you" not in titles
    flags = _section(summary, "When to get help fast")
    assert flags.paragraphs == ["Call your child's team or go to the emergency department if you see:"]
    assert "Sight that gets worse or blurred, or eyes that shake." not in flags.bullets
    # A child of any age: not the infant's "soft spot" either.
    assert "Eyes that wander or shake, or your child seems to see less well." in flags.bullets
    assert not any("soft spot" in b for b in flags.bullets)


def test_a_given_adult_age_or_a_confirmed_adult_form_still_speaks_to_the_adult(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    aged = _optb9_plan(real_hpo, kb, age_days=40 * _YEAR)
    assert "What it means for you" in [
        s.title for s in family_summary(aged, kb, age_days=40 * _YEAR).sections
    ]
    # Confirmed by the genotype, the form's typical onset is the best guess at the patient's age.
    confirmed = _optb9_plan(real_hpo, kb, age_days=None, lr=200.0)
    assert confirmed.certainty == "genotype_supported"
    assert confirmed.age_band == "adult"
    titles = [s.title for s in family_summary(confirmed, kb, age_days=None).sections]
    assert "What it means for you" in titles


# --- 2. A child whose sight is already lost is not sent to the emergency department for it ---------------------

_SIGHT_WORDS = ("follow faces or toys", "see less well", "Sight that gets worse")


def _flags(plan: CarePlan, kb: KnowledgeBase, age_days: float) -> list[str]:
    return _section(family_summary(plan, kb, age_days=age_days), "When to get help fast").bullets


def test_a_blind_childs_eye_flag_does_not_describe_the_sight_already_lost(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    for age in (200.0, 5 * _YEAR, 30 * _YEAR):
        plan = care_plan(
            real_hpo, kb, [dx(TCIRG1, 0.95, genotype_lr=200.0)], OSTEOPETROSIS, BLINDNESS, age_days=age
        )
        summary = family_summary(plan, kb, age_days=age)
        # The summary says that a transplant will not bring the sight back ...
        assert "A transplant will not bring back sight that is already lost." in _words(summary)
        flags = _section(summary, "When to get help fast").bullets
        # ... so the list of emergencies does not name the sight as a sign to watch for.
        assert not [b for b in flags if any(w in b for w in _SIGHT_WORDS)], (age, flags)
        assert "New changes in the eyes, such as eyes that start to wander or shake." in flags


def test_blindness_rewords_the_eye_flag_without_an_hsct_urgency(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    # RANKL deficiency: HSCT is not curative, so no urgency carries the blindness; the red flag still shows it.
    plan = care_plan(
        real_hpo, kb, [dx(RANKL, 0.95, genotype_lr=200.0)], OSTEOPETROSIS, BLINDNESS, age_days=400.0
    )
    assert not plan.hsct.urgent_because
    assert any("(HP:0000618)" in shown for flag in plan.red_flags for shown in flag.present)
    flags = _flags(plan, kb, 400.0)
    assert not [b for b in flags if any(w in b for w in _SIGHT_WORDS)]
    assert "New changes in the eyes, such as eyes that start to wander or shake." in flags


def test_a_child_who_still_sees_keeps_the_usual_eye_flag(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    plan = care_plan(
        real_hpo, kb, [dx(TCIRG1, 0.95, genotype_lr=200.0)], OSTEOPETROSIS, VISUAL_IMPAIRMENT, age_days=200.0
    )
    flags = _flags(plan, kb, 200.0)
    assert "Eyes that wander or shake, or your child does not follow faces or toys." in flags
    assert not any(b.startswith("New changes in the eyes") for b in flags)


# --- 3. The clinician report: lab table and monitoring heading --------------------------------------------------


def test_lab_table_names_the_analyte_and_shows_numbers_and_one_sided_limits_plainly(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    case = Case("lab-case", "test", (Finding(OSTEOPETROSIS), Finding(ANAEMIA)), age_days=120.0)
    values = ["platelets=62 10^9/L low=150 high=450", "ionised calcium=0.92 mmol/L low=1.15 high=1.35"]
    report = analyze(case, hpo=real_hpo, kb=kb, lab_values=[*values, "calcium=7.3 mg/dL"])
    html = render_html(report, hpo=real_hpo, kb=kb)
    table = html[html.index("<h2>Laboratory values</h2>") : html.index("<h2>Care plan</h2>")]
    # The analyte's name, not its key.
    assert "<td>Ionised calcium</td>" in table
    assert "ionised_calcium" not in table
    # Numbers without a decimal that was never measured.
    assert "<td>62 10^9/L</td>" in table
    assert "62.0" not in table
    assert f"150{EN_DASH}450 10^9/L" in table
    assert "0.92 mmol/L" in table
    # A calcium interval with only an upper limit (hypercalcaemia above 11.0 mg/dL) is not an en dash and "11.0", which reads as
    # a negative number.
    assert "upper limit 11 mg/dL" in table
    assert f"<td>{EN_DASH}" not in table


def test_monitoring_heading_says_when_the_age_band_is_assumed(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    case = Case("no-age", "test", (Finding(OSTEOPETROSIS), Finding(FRACTURE)))
    report = analyze(case, hpo=real_hpo, kb=kb)
    html = render_html(report, hpo=real_hpo, kb=kb)
    band = report.care_plan.age_band
    note = report.care_plan.age_band_note
    assert note is not None
    assert f"<h3>Monitoring ({band}: age not given, band assumed)</h3>" in html
    # How the band was assumed (the care plan's note), below the heading.
    assert f'<p class="small">{escape(note)}</p>' in html
    aged = analyze(
        Case("aged", "test", (Finding(OSTEOPETROSIS), Finding(FRACTURE)), age_days=10 * _YEAR),
        hpo=real_hpo,
        kb=kb,
    )
    assert "<h3>Monitoring (child)</h3>" in render_html(aged, hpo=real_hpo, kb=kb)


# --- 4. The donor search is said as a precaution while the transplant question is open --------------------------

_IN_CASE = (
    "A blood test of your child and brothers and sisters to find a match, in case a transplant is needed."
)
_FOR = "A blood test of your child and brothers and sisters to find a match for a transplant."


def test_donor_search_is_in_case_while_the_hsct_decision_is_unknown(real_hpo: Hpo, kb: KnowledgeBase) -> None:
    # An infant whose top options differ in their decision: the plan types the siblings, the decision is unknown.
    ranking = [dx(RANKL, 0.23), dx("OMIM:612301", 0.21, rank=2), dx(TCIRG1, 0.13, rank=3)]
    plan = care_plan(real_hpo, kb, ranking, OSTEOPETROSIS, ANAEMIA, VISUAL_IMPAIRMENT, age_days=120.0)
    assert plan.hsct.decision == "unknown"
    assert any(t.name.startswith("HLA typing") for t in plan.tests)
    steps = _section(family_summary(plan, kb, age_days=120.0), "What happens next").bullets
    assert _IN_CASE in steps
    assert _FOR not in steps
    # A confirmed form for which HSCT is curative keeps the plain purpose.
    confirmed = care_plan(real_hpo, kb, [dx(TCIRG1, 0.95, genotype_lr=200.0)], OSTEOPETROSIS, age_days=120.0)
    assert confirmed.hsct.decision == "curative"
    assert _FOR in _section(family_summary(confirmed, kb, age_days=120.0), "What happens next").bullets


def test_after_a_vcf_that_found_no_cause_the_family_is_not_told_a_gene_test_will_find_the_form(
    real_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # The care plan's gene-test item after a negative VCF has plain words of its own; the summary said "A gene
    # test, from a blood sample, to find the exact form" as if no test had been done.
    plan = _optb9_plan(real_hpo, kb, age_days=None)
    plain = "The gene test that was done did not find the cause. Another gene test can look for changes."
    genetic = [t for t in plan.tests if t.kind == "genetic"]
    assert genetic
    tests = [replace(t, plain=plain) if t.kind == "genetic" else t for t in plan.tests]
    summary = family_summary(replace(plan, tests=tests), kb, age_days=None)
    steps = _section(summary, "What happens next").bullets
    assert plain in steps
    assert not any(step.startswith("A gene test, from a blood sample") for step in steps)
    # Without plain words of its own, the item keeps the general sentence.
    bare = family_summary(plan, kb, age_days=None)
    assert any(
        step.startswith("A gene test, from a blood sample")
        for step in _section(bare, "What happens next").bullets
    )
