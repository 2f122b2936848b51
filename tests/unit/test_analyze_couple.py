"""``marbledx analyze --couple`` and ``analyze(couple=...)``: whose next child the counselling risks are for.

An adult patient's PED file often holds the patient, a partner and their children, but not the patient's own
parents; the risk engine's default couple (the parents of the first affected person with both parents) then
does not exist. analyze takes ``--couple FATHER,MOTHER`` as ``marbledx risk`` does (one parser, the same
messages), and by default computes the affected proband's own next child when the proband has exactly one
partner in the file. The family summary then speaks to the proband ("for each child you have with …"), and the
clinician report says which couple was computed. ADO2 figures: 50% for the child of an affected parent and,
with penetrance 0.66 (Waguespack 2003, PMID:12929941; reference §1D), 33% for signs (reference §4, 0.5 times 0.66).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import textstat

from marbledx.advice import counselling_report, resolve_disease
from marbledx.errors import InputError
from marbledx.findings import Case, Finding, read_ped
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.report import AnalysisReport, analyze, render_html
from tests.care_diagnoses import analyze_confirms

from .cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)

ADO2 = "OMIM:166600"
YEAR = 365.25
# An affected adult (the proband), her partner and their son, whose status is not known: no one has both
# parents in the file, so the engine has no default couple.
ADULT_FAMILY = "F ADULT 0 0 2 2\nF PARTNER 0 0 1 1\nF KID1 PARTNER ADULT 1 0\n"
# The same adult with children by two partners: whose next child is asked about is not known.
TWO_PARTNERS = "F ADULT 0 0 2 2\nF P1 0 0 1 1\nF P2 0 0 1 1\nF KID1 P1 ADULT 1 0\nF KID2 P2 ADULT 2 0\n"
# The adult with her own parents too: the engine's default is then her parents (GF, GM).
WITH_PARENTS = "F GF 0 0 1 1\nF GM 0 0 2 1\nF ADULT GF GM 2 2\nF PARTNER 0 0 1 1\nF KID1 PARTNER ADULT 1 0\n"
NOT_IN_FILE = "marbledx: error: --couple: 'ZED' is not in {ped}; expected two individual ids from the file, FATHER,MOTHER\n"
SYNTAX = "--couple {value!r}: expected two individual ids separated by a comma, FATHER,MOTHER"


def _ped(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "family.ped"
    path.write_text(text, encoding="utf-8")
    return path


def _packet(tmp_path: Path, age: str | None = "P30Y") -> Path:
    subject: dict[str, Any] = {"id": "ADULT", "sex": "FEMALE"}
    if age is not None:
        subject["timeAtLastEncounter"] = {"age": {"iso8601duration": age}}
    packet = {
        "id": "adult-ado2",
        "subject": subject,
        "phenotypicFeatures": [{"type": {"id": "HP:0011002", "label": "Osteopetrosis"}}],
        "metaData": {
            "created": "2026-01-01T00:00:00Z",
            "createdBy": "marbledx-tests",
            "phenopacketSchemaVersion": "2.0",
            "resources": [],
        },
    }
    path = tmp_path / "case.json"
    path.write_text(json.dumps(packet), encoding="utf-8")
    return path


def _case(age_days: float | None = 30 * YEAR) -> Case:
    return Case(
        "adult", "test", (Finding("HP:0011002"),), age_days=age_days, sex="female", subject_id="ADULT"
    )


@pytest.fixture
def ado2_confirmed(monkeypatch: pytest.MonkeyPatch) -> None:
    """analyze's care plan is an ADO2 diagnosis the genotype supports, so that recurrence risks are computed."""
    analyze_confirms(monkeypatch, ADO2, "ADO2")


def _chances(report: AnalysisReport) -> list[str]:
    section = next(s for s in report.family.sections if s.title == "The chances for your family")
    return section.bullets


# --- the command line ----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("ado2_confirmed")
def test_the_couple_flag_chooses_whose_next_child_is_computed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ped, case = _ped(tmp_path, WITH_PARENTS), _packet(tmp_path)
    args = ["analyze", str(case), "--ped", str(ped), "-o", "-", "--format", "json"]
    code, out, err = run_cli(capsys, *args)
    assert code == 0, err
    default = json.loads(out)["counselling"]
    assert (default["couple"]["father"], default["couple"]["mother"]) == ("GF", "GM")
    assert default["couple"]["chosen_by"] == "affected_child"
    # The mother first: the engine puts the couple in order by sex, as 'marbledx risk --couple' does.
    code, out, err = run_cli(capsys, *args, "--couple", " ADULT , PARTNER ")
    assert code == 0, err
    counselling = json.loads(out)["counselling"]
    assert counselling["risks_given"] is True
    assert (counselling["couple"]["father"], counselling["couple"]["mother"]) == ("PARTNER", "ADULT")
    assert counselling["couple"]["chosen_by"] == "stated"
    assert counselling["proband"] == "ADULT"
    assert counselling["assumptions"][0] == (
        "The figures are for the next child of PARTNER (father) and ADULT (mother): the couple named for this "
        "analysis, of whom ADULT is the proband (the patient)."
    )
    assert counselling["next_child"]["carrier_probability"] == pytest.approx(0.5, abs=1e-3)


def test_a_couple_id_not_in_the_file_is_one_line_naming_the_file_and_the_id(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Checked whether or not risks are computed (here the diagnosis is not confirmed), so a typo is never lost.
    ped = _ped(tmp_path, ADULT_FAMILY)
    code, out, err = run_cli(
        capsys, "analyze", str(_packet(tmp_path)), "--ped", str(ped), "--couple", "PARTNER,ZED", "-o", "-"
    )
    assert (code, out) == (2, "")
    assert err == NOT_IN_FILE.format(ped=ped)
    # The same words as 'marbledx risk'.
    code, _, risk_err = run_cli(
        capsys, "risk", "--ped", str(ped), "--disease", "ADO2", "--couple", "PARTNER,ZED"
    )
    assert (code, risk_err) == (2, err)


@pytest.mark.parametrize("value", ["PARTNER", "PARTNER,ADULT,KID1", ",ADULT", "PARTNER, ", ""])
@pytest.mark.parametrize("command", ["analyze", "risk"])
def test_a_malformed_couple_is_the_same_one_line_error_in_both_commands(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, value: str, command: str
) -> None:
    ped = _ped(tmp_path, ADULT_FAMILY)
    argv = (
        ["analyze", str(_packet(tmp_path)), "--ped", str(ped), "-o", "-"]
        if command == "analyze"
        else ["risk", "--ped", str(ped), "--disease", "ADO2"]
    )
    code, out, err = run_cli(capsys, *argv, "--couple", value)
    assert (code, out) == (2, "")
    assert err == f"marbledx: error: {SYNTAX.format(value=value)}\n"


def test_the_couple_needs_a_pedigree(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run_cli(
        capsys, "analyze", str(_packet(tmp_path)), "--couple", "PARTNER,ADULT", "-o", "-"
    )
    assert (code, out) == (2, "")
    assert err == (
        "marbledx: error: --couple names two people of the family's PED file; give --ped FAMILY.ped with it\n"
    )


# --- the Python API ------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("ado2_confirmed")
def test_the_api_takes_the_couple(mini_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path) -> None:
    ped = _ped(tmp_path, WITH_PARENTS)
    report = analyze(_case(), hpo=mini_hpo, kb=kb, ped=ped, couple=("PARTNER", "ADULT"))
    counselling = report.to_dict()["counselling"]
    assert (counselling["couple"]["father"], counselling["couple"]["mother"]) == ("PARTNER", "ADULT")
    assert "For each child you have with PARTNER" in _chances(report)[0]
    with pytest.raises(InputError, match=r"^--couple: 'ZED' is not in .*family\.ped; expected two"):
        analyze(_case(), hpo=mini_hpo, kb=kb, ped=ped, couple=("PARTNER", "ZED"))


@pytest.mark.parametrize(
    ("couple", "found"),
    [
        ("PARTNER,ADULT", "the string 'PARTNER,ADULT'"),
        (("PARTNER",), "tuple"),
        (("PARTNER", ""), "tuple"),
        (("PARTNER", 5), "tuple"),
        (7, "int"),
    ],
)
def test_the_api_refuses_a_couple_that_is_not_two_ids(
    mini_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path, couple: Any, found: str
) -> None:
    with pytest.raises(InputError) as error:
        analyze(_case(), hpo=mini_hpo, kb=kb, ped=_ped(tmp_path, ADULT_FAMILY), couple=couple)
    assert str(error.value) == (
        "couple: expected two individual ids of the PED file, (FATHER, MOTHER) such as ('DAD', 'MUM'), "
        f"found {found}"
    )


def test_the_api_couple_needs_a_pedigree(mini_hpo: Hpo, kb: KnowledgeBase) -> None:
    with pytest.raises(InputError, match=r"^couple: names two people of the family's PED file; give ped"):
        analyze(_case(), hpo=mini_hpo, kb=kb, couple=("PARTNER", "ADULT"))


# --- the default: an affected adult proband and their one partner ------------------------------------------


@pytest.mark.usefixtures("ado2_confirmed")
def test_an_affected_adult_with_one_partner_gets_the_chances_for_her_own_next_child(
    mini_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    report = analyze(_case(), hpo=mini_hpo, kb=kb, ped=_ped(tmp_path, ADULT_FAMILY))
    counselling = report.to_dict()["counselling"]
    assert counselling is not None
    assert counselling["risks_given"] is True
    assert (counselling["couple"]["father"], counselling["couple"]["mother"]) == ("PARTNER", "ADULT")
    assert counselling["couple"]["chosen_by"] == "proband_partner"
    assert not [n for n in report.notes if n.startswith("counselling")]
    # The clinician report's counselling section says which couple, and why.
    html = render_html(report, hpo=mini_hpo, kb=kb)
    section = html[html.index("<h2>Genetic counselling</h2>") : html.index("<h2>Findings used</h2>")]
    assert (
        "The figures are for the next child of PARTNER (father) and ADULT (mother): the affected proband ADULT "
        "and PARTNER, the other parent of ADULT&#39;s children in the file." in section
    )
    # It names no flag, so it is not marked as one of 'marbledx risk' (only the engine's own assumption is).
    assert " --" not in counselling["assumptions"][0]


@pytest.mark.usefixtures("ado2_confirmed")
def test_two_partners_are_not_guessed_between(mini_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path) -> None:
    ped = _ped(tmp_path, TWO_PARTNERS)
    report = analyze(_case(), hpo=mini_hpo, kb=kb, ped=ped)
    assert report.counselling is None
    assert [n for n in report.notes if n.startswith("counselling")] == [
        f"counselling: not computed: {ped}: no affected individual has both parents in the file, and the "
        "proband 'ADULT' has children with 2 partners in it (P1, P2); choose whose next child to compute with "
        "--couple FATHER,MOTHER"
    ]
    # The family is told that no chances were worked out, not given a guess.
    assert "could not be used to work out the chances" in report.family.text()
    # Naming one of them settles it.
    chosen = analyze(_case(), hpo=mini_hpo, kb=kb, ped=ped, couple=("P2", "ADULT"))
    assert chosen.counselling is not None
    assert chosen.counselling["couple"]["father"] == "P2"


@pytest.mark.usefixtures("ado2_confirmed")
def test_an_adult_without_a_partner_in_the_file_is_asked_to_name_one(
    mini_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    ped = _ped(tmp_path, "F ADULT 0 0 2 2\nF PARTNER 0 0 1 1\n")
    report = analyze(_case(), hpo=mini_hpo, kb=kb, ped=ped)
    note = next(n for n in report.notes if n.startswith("counselling"))
    assert "the proband 'ADULT' has no partner in it" in note
    assert "name the partner with --couple FATHER,MOTHER" in note
    # A partner listed without a child can be named: the next child links them.
    named = analyze(_case(), hpo=mini_hpo, kb=kb, ped=ped, couple=("PARTNER", "ADULT"))
    assert named.counselling is not None
    assert named.counselling["risks_given"] is True


@pytest.mark.usefixtures("ado2_confirmed")
def test_the_engine_asking_for_a_couple_is_not_said_to_be_a_risk_flag(
    mini_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    # The proband is not in the file: no default at all, and analyze has --couple now.
    case = Case("c", "test", (Finding("HP:0011002"),), age_days=30 * YEAR, subject_id="SOMEONE")
    report = analyze(case, hpo=mini_hpo, kb=kb, ped=_ped(tmp_path, ADULT_FAMILY))
    note = next(n for n in report.notes if n.startswith("counselling"))
    assert note.endswith("choose whose next child to compute with --couple FATHER,MOTHER")
    assert "those of 'marbledx risk'" not in note


# --- what the family summary and the advice say to an adult proband ----------------------------------------


@pytest.mark.usefixtures("ado2_confirmed")
@pytest.mark.parametrize("age_days", [30 * YEAR, None])
def test_the_family_summary_gives_an_adult_the_chances_for_her_next_child(
    mini_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path, age_days: float | None
) -> None:
    report = analyze(_case(age_days), hpo=mini_hpo, kb=kb, ped=_ped(tmp_path, ADULT_FAMILY))
    first = _chances(report)[0]
    # 50% from the affected parent; 0.5 times 0.66 = 33% with signs (reference §1D and §4, PMID:12929941).
    assert first == (
        "For each child you have with PARTNER, the chance that your child gets the changed copy is 50%. Not "
        "everyone with it has signs. The chance that your child has signs is 33%. The chance is the same in "
        "every pregnancy."
    )
    section = next(s for s in report.family.sections if s.title == "The chances for your family")
    assert {"PMID:12929941", "ORPHA:53"} <= set(section.sources)
    text = report.family.text()
    assert "For each pregnancy of PARTNER and ADULT" not in text
    assert not any(b.startswith("ADULT") for b in section.bullets)  # the patient is "you", not a relative
    assert any(b.startswith("KID1: a 33% chance of having signs") for b in section.bullets)
    # A parent is addressed as "you" even when the case gives no age.
    assert "What it means for you" in [s.title for s in report.family.sections]
    assert textstat.flesch_kincaid_grade(text) <= 8


def test_the_advice_does_not_send_an_unrelated_partner_for_x_rays(kb: KnowledgeBase, tmp_path: Path) -> None:
    # The variant is the affected adult's; her partner's chance of carrying it is the population's.
    report = counselling_report(
        read_ped(_ped(tmp_path, ADULT_FAMILY)), resolve_disease(kb, "ADO2"), couple=("PARTNER", "ADULT")
    )
    text = " ".join(point.text for point in report.advice)
    assert (
        "For each pregnancy of PARTNER and ADULT, the chance that the child inherits the variant is 50%"
        in text
    )
    assert "A parent without any signs can still carry the variant" not in text
    assert "X-rays of the parents' skeleton" not in text
    assert "The numbers above assume that it was inherited." not in text
    penetrance = next(p for p in report.advice if "62 of 94" in p.text)
    assert penetrance.text.startswith("Not everyone who carries the variant has signs.")
    assert penetrance.sources == ("PMID:12929941",)


@pytest.mark.usefixtures("ado2_confirmed")
def test_a_new_variant_in_an_adult_lowers_her_siblings_chance_not_her_childrens(
    mini_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    ped = _ped(
        tmp_path,
        "F GF 0 0 1 1 noncarrier\nF GM 0 0 2 1 noncarrier\nF ADULT GF GM 2 2\nF PARTNER 0 0 1 1\n",
    )
    report = analyze(_case(), hpo=mini_hpo, kb=kb, ped=ped)
    assert report.counselling is not None
    assert report.counselling["new_in_child"]["child"] == "ADULT"
    text = report.family.text()
    assert "the chance for another child of GF and GM, a brother or sister of yours, is lower" in text
    assert "Please also ask them about the chances for your own children." in text
    # Asked about her own next child, the reason about her parents' next child is not given as the answer.
    named = analyze(_case(), hpo=mini_hpo, kb=kb, ped=ped, couple=("PARTNER", "ADULT"))
    assert named.counselling is None
    note = next(n for n in named.notes if n.startswith("counselling"))
    assert note.startswith("counselling: not computed: the pedigree is inconsistent")
    assert "probably new" not in note
