"""Ages and age-dependent penetrance in the pedigree risk engine: hand-worked examples, a brute-force
enumeration, PED and phenopacket ages, the curve syntax, the JSON and table output, and the advice."""

from __future__ import annotations

import argparse
import itertools
import json
import random
from pathlib import Path

import pytest

from marbledx.advice import RiskModel, counselling_report, pedigree_risk, resolve_disease
from marbledx.advice._risk import PenetranceCurve
from marbledx.cli import _risk_cmd
from marbledx.errors import InputError, MarbledxError
from marbledx.findings._pedigree import (
    Pedigree,
    PedIndividual,
    TestResult,
    parse_age_token,
    read_family_pedigree,
    read_ped,
    read_test_results,
)
from marbledx.knowledge import Inheritance, KnowledgeBase

from ...conftest import TESTS

PEDS = TESTS / "data" / "pedigrees"
AR = Inheritance.AUTOSOMAL_RECESSIVE
AD = Inheritance.AUTOSOMAL_DOMINANT
CURVE_TEXT = "0:0.1,10:0.4,20:0.66"
CURVE = PenetranceCurve.parse(CURVE_TEXT)
YOUNG = PEDS / "ad_young_child.ped"  # affected DAD (38), noncarrier MUM (P36Y), unaffected KID aged 5


def _ped(tmp_path: Path, text: str, name: str = "family.ped") -> Pedigree:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_ped(path)


def _ad(curve: PenetranceCurve | None = CURVE, **kwargs: float) -> RiskModel:
    return RiskModel(AD, penetrance=0.66, allele_frequency=1e-9, penetrance_by_age=curve, **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------
# Hand-worked examples


def test_unaffected_five_year_old_child_of_an_affected_ad_parent() -> None:
    """The child inherits the father's variant with 1/2; a carrier is still unaffected at 5 with 1 - pen(5)
    = 0.9, a non-carrier with 1. So P(carrier) = 0.5·0.9 / (0.5·0.9 + 0.5) = 0.45/0.95 ≈ 0.4737."""
    risk = pedigree_risk(read_ped(YOUNG), _ad(), couple=("DAD", "MUM"))
    kid = risk.individual("KID")
    assert kid.carrier_probability == pytest.approx(0.45 / 0.95, abs=1e-6)
    assert round(kid.carrier_probability, 4) == 0.4737
    assert (kid.age, kid.penetrance, kid.penetrance_basis) == (5.0, 0.1, "at_age")
    assert risk.individual("DAD").penetrance == 0.66  # 38 years: past the last breakpoint
    # The virtual next child uses the lifetime penetrance: 1/2 x 0.66.
    assert risk.next_child.carrier_probability == pytest.approx(0.5, abs=1e-6)
    assert risk.next_child.affected_probability == pytest.approx(0.33, abs=1e-6)


def test_the_same_child_at_forty_counts_with_the_lifetime_penetrance() -> None:
    """At 40 the curve has reached its last value 0.66: 0.5·0.34 / (0.5·0.34 + 0.5) = 0.17/0.67 ≈ 0.2537."""
    risk = pedigree_risk(read_ped(YOUNG), _ad(), couple=("DAD", "MUM"), ages={"DAD": 38, "KID": 40})
    kid = risk.individual("KID")
    assert kid.carrier_probability == pytest.approx(0.17 / 0.67, abs=1e-6)
    assert round(kid.carrier_probability, 4) == 0.2537
    assert (kid.age, kid.penetrance, kid.penetrance_basis) == (40, 0.66, "at_age")
    assert risk.individual("MUM").age is None  # the ages given replace the file's


def test_an_unaffected_person_of_unknown_age_counts_with_the_lifetime_penetrance() -> None:
    risk = pedigree_risk(read_ped(YOUNG), _ad(), couple=("DAD", "MUM"), ages={})
    kid = risk.individual("KID")
    assert kid.carrier_probability == pytest.approx(0.17 / 0.67, abs=1e-6)
    assert (kid.age, kid.penetrance, kid.penetrance_basis) == (None, 0.66, "lifetime_age_unknown")
    assert any(a.startswith("No age for DAD, MUM, KID") for a in risk.assumptions)


def test_ages_without_a_curve_keep_the_single_penetrance_and_say_so() -> None:
    """Backward compatible: without --penetrance-by-age the ages change nothing, and the assumptions say
    that everyone counts with the single penetrance."""
    with_ages = pedigree_risk(read_ped(YOUNG), _ad(None), couple=("DAD", "MUM"))
    without = pedigree_risk(read_ped(YOUNG), _ad(None), couple=("DAD", "MUM"), ages={})
    kid = with_ages.individual("KID")
    assert kid.carrier_probability == pytest.approx(0.17 / 0.67, abs=1e-6)
    assert kid.carrier_probability == without.individual("KID").carrier_probability
    assert (kid.age, kid.penetrance, kid.penetrance_basis) == (5.0, 0.66, "lifetime_no_curve")
    assert any(
        "Ages are given (DAD, MUM, KID) but no age-dependent penetrance" in a
        and "single penetrance 0.66" in a
        for a in with_ages.assumptions
    )
    assert not any("Ages are given" in a for a in without.assumptions)


def test_an_affected_person_counts_with_the_penetrance_at_their_age(tmp_path: Path) -> None:
    """Tested carrier father, non-carrier mother, child affected at 5, phenocopy rate 0.01. The child is a
    carrier (1/2) affected by 5 with pen(5) = 0.1, or a non-carrier (1/2) with a phenocopy 0.01:
    P(carrier) = 0.1 / (0.1 + 0.01) = 10/11. Age unknown: the lifetime 0.66 / (0.66 + 0.01) = 66/67."""
    text = "F DAD 0 0 1 0 carrier\nF MUM 0 0 2 1 noncarrier\nF KID DAD MUM 1 2 age=5\n"
    pedigree = _ped(tmp_path, text)
    risk = pedigree_risk(pedigree, _ad(phenocopy=0.01))
    kid = risk.individual("KID")
    assert kid.carrier_probability == pytest.approx(10 / 11, abs=1e-9)
    assert (kid.penetrance, kid.penetrance_basis) == (0.1, "at_age")
    unknown = pedigree_risk(pedigree, _ad(phenocopy=0.01), ages={})
    assert unknown.individual("KID").carrier_probability == pytest.approx(66 / 67, abs=1e-9)
    assert unknown.individual("KID").penetrance_basis == "lifetime_age_unknown"
    assert unknown.individual("DAD").penetrance_basis == "lifetime_status_unknown"


def test_an_affected_person_below_the_age_of_any_penetrance_is_reported_as_inconsistent(
    tmp_path: Path,
) -> None:
    """pen(5) = 0 and no phenocopies: an affected 5-year-old cannot be explained; the message names the age."""
    pedigree = _ped(tmp_path, "F DAD 0 0 1 2\nF MUM 0 0 2 1\nF KID DAD MUM 1 2 age=5\n")
    model = RiskModel(AD, penetrance=0.66, penetrance_by_age=PenetranceCurve.parse("0:0,20:0.66"))
    with pytest.raises(InputError, match=r"line 3: the status and test result of 'KID' \(affected, age 5\)"):
        pedigree_risk(pedigree, model)


def test_phenopacket_family_ages_from_the_proband_and_relatives() -> None:
    """Family file: DAD unaffected (P40Y), MUM status unknown (an age range: not read), KID affected
    (P12Y6M), SIS unaffected (P5Y). As q → 0 one parent carries; the children's terms are the same either
    way, so P(DAD carries) = 0.34 / 1.34 = 17/67 as without ages, and SIS, whose carrier parent transmits
    with 1/2, carries with 0.5·0.9 / (0.5·0.9 + 0.5) = 9/19."""
    pedigree = read_family_pedigree(PEDS / "ado2_family_ages.json")
    assert [(p.id, p.age) for p in pedigree.individuals] == [
        ("DAD", 40.0),
        ("MUM", None),
        ("KID", 12.5),
        ("SIS", 5.0),
    ]
    risk = pedigree_risk(pedigree, _ad())
    assert risk.individual("DAD").carrier_probability == pytest.approx(17 / 67, abs=1e-6)
    assert risk.individual("SIS").carrier_probability == pytest.approx(9 / 19, abs=1e-6)
    assert risk.individual("KID").penetrance == 0.4
    flat = pedigree_risk(pedigree, _ad(None))
    assert flat.individual("SIS").carrier_probability == pytest.approx(17 / 67, abs=1e-6)
    # The existing Family file: the proband's timeAtLastEncounter is P3M.
    family = read_family_pedigree(TESTS / "data" / "phenopackets" / "family.json")
    assert [p.age for p in family.individuals] == [0.25, None, None, None]


# ---------------------------------------------------------------------------------------------------------
# Brute-force enumeration with ages (autosomal)

Person = tuple[str, str | None, str | None, str, bool | None, float | None]


def _random_aged_family(seed: int) -> list[Person]:
    """Seven people over three generations with a loop (C6 is the child of two sibs), random statuses and
    ages (some unknown)."""
    rng = random.Random(seed)
    shape = [
        ("F0", None, None, "male"),
        ("F1", None, None, "female"),
        ("C2", "F0", "F1", "male"),
        ("C3", "F0", "F1", "female"),
        ("F4", None, None, "female"),
        ("C5", "C2", "F4", rng.choice(["male", "female"])),
        ("C6", "C2", "C3", rng.choice(["male", "female"])),
    ]
    return [
        (*person, rng.choice([None, False, True]), rng.choice([None, 3.0, 12.0, 25.0, 50.0]))
        for person in shape
    ]


def _enumerate(people: list[Person], model: RiskModel) -> dict[str, list[float]]:
    """Posterior genotype distributions by summing over every genotype combination (autosomal)."""
    q, pen_life, eps = model.allele_frequency, model.penetrance, model.phenocopy
    curve = model.penetrance_by_age
    marginals = {p[0]: [0.0] * 3 for p in people}
    for combo in itertools.product(range(3), repeat=len(people)):
        g = dict(zip((p[0] for p in people), combo, strict=True))
        w = 1.0
        for pid, father, mother, _sex, affected, age in people:
            n = g[pid]
            if father is None or mother is None:
                w *= [(1 - q) ** 2, 2 * q * (1 - q), q * q][n]
            else:
                tf, tm = g[father] / 2, g[mother] / 2
                w *= [(1 - tf) * (1 - tm), tf * (1 - tm) + (1 - tf) * tm, tf * tm][n]
            if affected is not None:
                pen = curve.at(age) if curve is not None and age is not None else pen_life
                diseased = n >= 1 if model.inheritance is AD else n == 2
                pa = pen if diseased else eps
                w *= pa if affected else 1 - pa
        for pid, n in g.items():
            marginals[pid][n] += w
    for values in marginals.values():
        total = sum(values)
        values[:] = [v / total for v in values]
    return marginals


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("mode", [AD, AR])
def test_age_dependent_penetrance_matches_brute_force_enumeration(seed: int, mode: Inheritance) -> None:
    people = _random_aged_family(seed)
    curve = PenetranceCurve.parse("0:0.05,10:0.3,20:0.8")
    model = RiskModel(mode, penetrance=0.8, allele_frequency=0.05, phenocopy=0.02, penetrance_by_age=curve)
    pedigree = Pedigree(
        "aged.ped",
        tuple(
            PedIndividual("F", pid, father, mother, sex, affected, (), i + 1, age)  # type: ignore[arg-type]
            for i, (pid, father, mother, sex, affected, age) in enumerate(people)
        ),
    )
    risk = pedigree_risk(pedigree, model, couple=("C2", "F4"))
    expected = _enumerate(people, model)
    for person in risk.individuals:
        assert list(person.genotype_probabilities) == pytest.approx(expected[person.id], abs=1e-10)


# ---------------------------------------------------------------------------------------------------------
# The curve


def test_curve_is_a_step_function_from_age_zero() -> None:
    curve = PenetranceCurve.parse(" 0:0.1, 10 : 0.4 ,20:0.66 ")
    assert curve.points == ((0.0, 0.1), (10.0, 0.4), (20.0, 0.66))
    assert [curve.at(a) for a in (0, 5, 9.99, 10, 19.5, 20, 80)] == [0.1, 0.1, 0.1, 0.4, 0.4, 0.66, 0.66]
    assert curve.lifetime == 0.66
    assert curve.text == CURVE_TEXT
    assert curve.describe() == "0.1 from birth, 0.4 from age 10, 0.66 from age 20"
    assert curve.to_dict()["interpolation"] == "step"
    assert PenetranceCurve.parse("0:1").lifetime == 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "an empty breakpoint"),
        ("0:0.1,,20:0.66", "an empty breakpoint"),
        ("0:0.1,", "an empty breakpoint"),
        ("0:0.1,10", "'10' is not AGE:P"),
        ("0:0.1,10:0.4:1", "'10:0.4:1' is not AGE:P"),
        ("0:0.1,x:0.4", "'x:0.4' is not two numbers"),
        ("0:0.1,10:40%", "'10:40%' is not two numbers"),
        ("0:0.1,10:1.2", "penetrance 1.2 at age 10 is out of range"),
        ("0:-0.1,10:0.4", "penetrance -0.1 at age 0 is out of range"),
        ("0:nan", "penetrance nan at age 0 is out of range"),
        ("0:0.1,-5:0.4", "age -5.0 is out of range"),
        ("0:0.1,200:0.4", "age 200.0 is out of range"),
        ("5:0.1,20:0.66", "the first age is 5; expected the curve to start at age 0"),
        ("0:0.1,10:0.4,10:0.5", "age 10 follows age 10; expected strictly increasing ages"),
        ("0:0.1,20:0.4,10:0.5", "age 10 follows age 20; expected strictly increasing ages"),
        ("0:0.5,10:0.4", "penetrance 0.4 at age 10 is below 0.5 at age 0"),
        ("0:0,10:0", "the last (lifetime) penetrance is 0"),
    ],
)
def test_bad_curves_are_one_line_errors(text: str, expected: str) -> None:
    with pytest.raises(InputError, match=r"^--penetrance-by-age ") as info:
        PenetranceCurve.parse(text)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_curve_and_penetrance_must_agree() -> None:
    with pytest.raises(InputError, match=r"penetrance 1 differs from the lifetime penetrance 0\.66"):
        RiskModel(AD, penetrance_by_age=CURVE)
    with pytest.raises(InputError, match="penetrance curve: no breakpoints"):
        PenetranceCurve(())


def test_disease_with_a_curve_takes_its_lifetime_penetrance(kb: KnowledgeBase) -> None:
    ado2 = resolve_disease(kb, "ADO2", penetrance_by_age="0:0.2,20:0.9")
    assert ado2.model.penetrance == 0.9
    assert ado2.model.penetrance_by_age == PenetranceCurve(((0.0, 0.2), (20.0, 0.9)))
    assert "the knowledge base gives 0.66" in ado2.penetrance_basis
    same = resolve_disease(kb, "ADO2", penetrance=0.66, penetrance_by_age=CURVE)
    assert same.model.penetrance == 0.66
    with pytest.raises(InputError, match=r"--penetrance 0\.9 differs from the last \(lifetime\) value 0\.66"):
        resolve_disease(kb, "ADO2", penetrance=0.9, penetrance_by_age=CURVE)
    # No curve is ever assumed from the knowledge base.
    assert resolve_disease(kb, "ADO2").model.penetrance_by_age is None


# ---------------------------------------------------------------------------------------------------------
# Ages in PED files and phenopackets


def test_ped_age_tokens(tmp_path: Path) -> None:
    pedigree = _ped(
        tmp_path,
        "F A 0 0 1 1 carrier age=34\n"
        "F B 0 0 2 1 age=P2Y6M\n"
        "F C A B 1 0 . note AGE=2.5\n"
        "F D A B 2 0 noncarrier age=p3m\n"
        "F E A B 1 0 age=.\n"
        "F G A B 2 0 age=NA . x\n"
        "F H A B 1 2\n",
    )
    ages = {p.id: p.age for p in pedigree.individuals}
    assert ages == {"A": 34.0, "B": 2.5, "C": 2.5, "D": 0.25, "E": None, "G": None, "H": None}
    # Column 7 stays the test result; an age= token in column 7 moves it to column 8 (here '.', untested).
    assert read_test_results(pedigree) == {"A": TestResult.CARRIER, "D": TestResult.NONCARRIER}
    assert pedigree.get("B") == PedIndividual("F", "B", None, None, "female", False, ("age=P2Y6M",), 2, 2.5)
    assert parse_age_token("age=P34Y", "x") == 34.0


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("F A 0 0 1 1 age=abc", "line 2 column 7: 'age=abc' is not an age; expected years (age=34"),
        ("F A 0 0 1 1 . age=-3", "line 2 column 8: 'age=-3' is not an age"),
        ("F A 0 0 1 1 . age=", "line 2 column 8: 'age=' is not an age"),
        ("F A 0 0 1 1 age=34y", "line 2 column 7: 'age=34y' is not an age"),
        ("F A 0 0 1 1 age=200", "line 2 column 7: 'age=200' is older than 130 years"),
        ("F A 0 0 1 1 age=P3X", "line 2 column 7: 'P3X' is not an ISO 8601 age"),
        ("F A 0 0 1 1 age=P200Y", "line 2 column 7: 'P200Y' is older than 130 years"),
        ("F A 0 0 1 1 age=3 age=4", "line 2 column 8: a second age token 'age=4' (the first is in column 7)"),
    ],
)
def test_bad_ped_ages_name_the_file_line_and_column(tmp_path: Path, line: str, expected: str) -> None:
    path = tmp_path / "ages.ped"
    path.write_text(f"# ages\n{line}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_ped(path)
    message = str(info.value)
    assert message.startswith(f"{path} line 2 column ")
    assert expected in message
    assert "\n" not in message


def test_phenopacket_age_errors(tmp_path: Path) -> None:
    document = json.loads((PEDS / "ado2_family_ages.json").read_text(encoding="utf-8"))
    document["relatives"][0]["subject"]["timeAtLastEncounter"]["age"]["iso8601duration"] = "forty"
    path = tmp_path / "family.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(
        InputError, match=r"family.json relatives\[0\].subject.timeAtLastEncounter.age: 'forty'"
    ):
        read_family_pedigree(path)
    document = json.loads((PEDS / "ado2_family_ages.json").read_text(encoding="utf-8"))
    document["relatives"].append({"id": "kid2", "subject": {"id": "KID", "timeAtLastEncounter": {"age": {"iso8601duration": "P3Y"}}}})  # fmt: skip
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(InputError, match=r"relatives\[4\].*'KID' has a different age in proband.subject"):
        read_family_pedigree(path)


def test_ages_given_to_the_engine_are_checked() -> None:
    pedigree = read_ped(YOUNG)
    with pytest.raises(InputError, match="age given for 'ZZ', who is not in the pedigree"):
        pedigree_risk(pedigree, _ad(), couple=("DAD", "MUM"), ages={"ZZ": 3.0})
    with pytest.raises(InputError, match="age -1 of 'KID' is out of range"):
        pedigree_risk(pedigree, _ad(), couple=("DAD", "MUM"), ages={"KID": -1})


# ---------------------------------------------------------------------------------------------------------
# Advice


def test_ado2_advice_says_signs_can_appear_later_with_its_source(kb: KnowledgeBase) -> None:
    report = counselling_report(read_ped(PEDS / "ado2_family.ped"), resolve_disease(kb, "ADO2"))
    later = next(p for p in report.advice if "after age 20" in p.text)
    assert "a younger relative without signs may still develop them" in later.text
    assert later.sources == ("DOI:10.1016/S8756-3282(99)00244-6",)
    text = "\n".join(p.render() for p in report.advice)
    assert "by age" not in text  # no curve is invented
    assert "entered for this calculation" not in text


def test_advice_with_an_entered_curve_says_where_the_figures_come_from(kb: KnowledgeBase) -> None:
    disease = resolve_disease(kb, "ADO2", penetrance_by_age=CURVE)
    report = counselling_report(read_ped(YOUNG), disease, couple=("DAD", "MUM"))
    curve = next(p for p in report.advice if "rises with age" in p.text)
    assert "10% from birth, 40% by age 10 and 66% by age 20" in curve.text
    assert "the figures entered for this calculation; this tool has no sourced age curve" in curve.text
    assert curve.sources == ()  # the user's numbers: no literature is cited for them (review finding 9)
    assert "at some time in life is 33%" in report.advice[0].text
    assert any("KID (47.4%, age 5)" in p.text for p in report.advice)
    # Besides the entered curve, only the statements that are not facts go without a source.
    unsourced = [p for p in report.advice if not p.sources and p is not curve]
    assert all("genetic counsellor" in p.text for p in unsourced)
    assert any(
        a.startswith("Penetrance depends on age, as given (a step function") for a in report.assumptions
    )
    assert not any("Penetrance does not depend on age" in a for a in report.assumptions)


def test_dominant_disease_outside_the_knowledge_base_gets_no_unsourced_age_fact(kb: KnowledgeBase) -> None:
    disease = resolve_disease(kb, "OMIM:123456", inheritance="AD", penetrance=0.8)
    report = counselling_report(read_ped(YOUNG), disease, couple=("DAD", "MUM"))
    text = "\n".join(p.text for p in report.advice)
    assert "after age 20" not in text
    assert "rises with age" not in text
    aged = resolve_disease(kb, "OMIM:123456", inheritance="AD", penetrance_by_age="0:0.2,30:0.8")
    report = counselling_report(read_ped(YOUNG), aged, couple=("DAD", "MUM"))
    assert any("20% from birth and 80% by age 30" in p.text for p in report.advice)


# ---------------------------------------------------------------------------------------------------------
# The command


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(message)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    parser = _Parser(prog="marbledx risk")
    _risk_cmd.configure(parser)
    try:
        code = _risk_cmd.run(parser.parse_args(list(argv)))
    except MarbledxError as exc:
        return 2, str(exc)
    out, _ = capsys.readouterr()
    return code, out


def test_json_carries_each_age_and_the_penetrance_used(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(
        capsys, "--ped", str(YOUNG), "--disease", "ADO2", "--couple", "DAD,MUM", "--allele-frequency", "1e-9",
        "--penetrance-by-age", CURVE_TEXT, "--format", "json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    people = {p["id"]: p for p in data["individuals"]}
    assert {k: (p["age"], p["penetrance"], p["penetrance_basis"]) for k, p in people.items()} == {
        "DAD": (38.0, 0.66, "at_age"),
        "MUM": (36.0, 0.66, "at_age"),
        "KID": (5.0, 0.1, "at_age"),
    }
    assert people["KID"]["carrier_probability"] == pytest.approx(0.45 / 0.95, abs=1e-6)
    assert data["penetrance"] == 0.66
    assert data["penetrance_by_age"] == {
        "interpolation": "step",
        "points": [{"age": 0.0, "penetrance": 0.1}, {"age": 10.0, "penetrance": 0.4},
                   {"age": 20.0, "penetrance": 0.66}],
    }  # fmt: skip
    assert data["next_child"]["affected_probability"] == pytest.approx(0.33, abs=1e-6)
    code, out = _run(
        capsys, "--ped", str(YOUNG), "--disease", "ADO2", "--couple", "DAD,MUM", "--format", "json"
    )
    data = json.loads(out)
    assert data["penetrance_by_age"] is None
    assert [(p["age"], p["penetrance"]) for p in data["individuals"]] == [
        (38.0, 0.66),
        (36.0, 0.66),
        (5.0, 0.66),
    ]


def test_table_shows_the_age(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(
        capsys, "--ped", str(YOUNG), "--disease", "ADO2", "--couple", "DAD,MUM", "--penetrance-by-age", CURVE_TEXT
    )  # fmt: skip
    assert code == 0
    assert "penetrance 0.66 (lifetime); by age, a step function: 0.1 from birth, 0.4 from age 10" in out
    assert "Person  Sex     Age  Status" in out
    assert "KID     male    5    unaffected  -           47.4%" in out
    kid = next(line for line in out.splitlines() if line.startswith("KID "))
    assert kid.endswith("  0.1")  # the penetrance used for KID, at 5 years
    assert "Age in years at the last examination" in out
    code, out = _run(capsys, "--ped", str(PEDS / "ado2_family.ped"), "--disease", "ADO2")
    assert "Age" not in out.split("What this means")[0]  # no ages, no curve: the table is as before


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--penetrance-by-age", "0:0.5,10:0.4"], "--penetrance-by-age '0:0.5,10:0.4': penetrance 0.4 at age 10"),
        (["--penetrance-by-age", "10:0.4"], "expected the curve to start at age 0"),
        (["--penetrance-by-age", "0:0.1,10:0.4", "--penetrance", "0.9"], "--penetrance 0.9 differs"),
    ],
)  # fmt: skip
def test_curve_errors_on_the_command_line(
    capsys: pytest.CaptureFixture[str], extra: list[str], expected: str
) -> None:
    code, message = _run(capsys, "--ped", str(YOUNG), "--disease", "ADO2", "--couple", "DAD,MUM", *extra)
    assert code == 2
    assert expected in message
    assert "\n" not in message


def test_bad_age_in_a_ped_file_on_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.ped"
    path.write_text("F DAD 0 0 1 2\nF MUM 0 0 2 1\nF KID DAD MUM 1 2 . age=five\n", encoding="utf-8")
    code, message = _run(capsys, "--ped", str(path), "--disease", "ADO2")
    assert code == 2
    assert f"{path} line 3 column 8: 'age=five' is not an age" in message
