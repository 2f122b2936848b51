"""The pedigree risk engine against hand-worked textbook examples, a brute-force enumeration, and bad input."""

from __future__ import annotations

import itertools
import json
import math
import random
import time
from pathlib import Path

import pytest

from marbledx.advice import (
    CounsellingPoint,
    RiskModel,
    counselling_report,
    format_probability,
    parse_inheritance,
    pedigree_risk,
    resolve_disease,
)
from marbledx.errors import InputError
from marbledx.findings._pedigree import (
    Pedigree,
    PedIndividual,
    TestResult,
    read_family_pedigree,
    read_ped,
    read_test_results,
)
from marbledx.knowledge import Inheritance, KnowledgeBase

from ...conftest import TESTS

PEDS = TESTS / "data" / "pedigrees"
AR = Inheritance.AUTOSOMAL_RECESSIVE
AD = Inheritance.AUTOSOMAL_DOMINANT
XLR = Inheritance.X_LINKED_RECESSIVE


def _ped(tmp_path: Path, text: str, name: str = "family.ped") -> Pedigree:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_ped(path)


# ---------------------------------------------------------------------------------------------------------
# Textbook examples


def test_unaffected_sibling_of_an_ar_patient_is_a_carrier_with_probability_two_thirds() -> None:
    """Both parents are obligate carriers; the unaffected sister is not 'aa', leaving AA:Aa = 1:2 → 2/3."""
    risk = pedigree_risk(read_ped(PEDS / "ar_sibship.ped"), RiskModel(AR))
    assert risk.individual("SIS").carrier_probability == pytest.approx(2 / 3, abs=1e-12)
    assert risk.individual("SIS").affected_probability == 0.0
    for parent in ("DAD", "MUM"):
        assert risk.individual(parent).carrier_probability == pytest.approx(1.0, abs=1e-12)
    assert risk.individual("KID").disease_genotype_probability == pytest.approx(1.0)
    assert risk.couple == ("DAD", "MUM")  # default: the parents of the first affected person


@pytest.mark.parametrize(
    ("file", "couple"), [("ar_sibship.ped", None), ("ar_tested_carriers.ped", ("DAD", "MUM"))]
)
def test_next_child_of_two_carriers_is_one_quarter_affected_and_one_half_carrier(
    file: str, couple: tuple[str, str] | None
) -> None:
    """Aa x Aa: aa 1/4, Aa 1/2 (parents of an affected child, or two tested carriers)."""
    risk = pedigree_risk(read_ped(PEDS / file), RiskModel(AR), couple=couple)
    assert risk.next_child.affected_probability == pytest.approx(0.25, abs=1e-12)
    assert risk.next_child.carrier_probability == pytest.approx(0.5, abs=1e-12)
    assert risk.next_child.by_sex is None


def _ado2_unaffected_father(q: float, p: float) -> float:
    """Exact P(father carries | data) by summing the 3 x 3 parental genotypes (the hand calculation).

    Weights: father h(g)·(1 - p·[g ≥ 1]) (clinically unaffected), mother h(g) (status unknown), child
    affected with probability p·(1 - (1 - g_f/2)(1 - g_m/2)), h = Hardy-Weinberg.
    """
    h = [(1 - q) ** 2, 2 * q * (1 - q), q * q]
    total = carrier = 0.0
    for gf, gm in itertools.product(range(3), range(3)):
        w = h[gf] * (1 - p * (gf >= 1)) * h[gm] * p * (1 - (1 - gf / 2) * (1 - gm / 2))
        total += w
        carrier += w * (gf >= 1)
    return carrier / total


def test_clinically_unaffected_parent_of_an_ado2_patient() -> None:
    """ADO2, penetrance 0.66, no new mutations; father unaffected, mother of unknown status, child affected.

    By hand, as q → 0 exactly one parent carries the variant: the father with weight 2q x (1 - 0.66) x 1/2
    (carrier, not expressing, transmits), the mother with weight 2q x 1 x 1/2. So
    P(father carries) = 0.34 / (0.34 + 1) = 17/67 ≈ 0.2537, and P(mother carries) = 50/67 ≈ 0.7463.
    """
    q, p = 1e-7, 0.66
    risk = pedigree_risk(read_ped(PEDS / "ado2_family.ped"), RiskModel(AD, penetrance=p, allele_frequency=q))
    father = risk.individual("DAD")
    assert father.carrier_probability == pytest.approx(_ado2_unaffected_father(q, p), abs=1e-12)
    assert father.carrier_probability == pytest.approx(17 / 67, abs=1e-6)
    assert father.affected_probability == 0.0  # his status is given
    mother = risk.individual("MUM")
    assert mother.carrier_probability == pytest.approx(50 / 67, abs=1e-6)
    assert mother.affected_probability == pytest.approx(50 / 67 * p, abs=1e-6)  # unknown status: expected
    # The child carries one variant from one parent: the next child inherits it with probability 1/2.
    assert risk.next_child.carrier_probability == pytest.approx(0.5, abs=1e-6)
    assert risk.next_child.affected_probability == pytest.approx(0.5 * p, abs=1e-6)


def test_next_child_of_an_affected_ad_parent_half_carrier_and_033_affected(kb: KnowledgeBase) -> None:
    """Affected (heterozygous) x unaffected: the child inherits the variant with 1/2, shows it 1/2 x 0.66."""
    disease = resolve_disease(kb, "ADO2", allele_frequency=1e-9)
    assert disease.model.penetrance == 0.66  # default from the knowledge base
    risk = pedigree_risk(read_ped(PEDS / "ad_affected_parent.ped"), disease.model, couple=("DAD", "MUM"))
    assert risk.next_child.carrier_probability == pytest.approx(0.5, abs=1e-6)
    assert risk.next_child.affected_probability == pytest.approx(0.33, abs=1e-6)


def test_mother_of_an_isolated_x_linked_case_is_a_carrier_with_two_thirds() -> None:
    """Haldane: at mutation-selection equilibrium a female is a carrier with prior ≈ 4μ; an affected son
    arises from a carrier mother with probability 1/2, or from a new mutation with probability μ. So
    P(carrier | one affected son) = 4μ·½ / (4μ·½ + μ) = 2/3 as μ → 0.

    Exactly, with the engine's founder prior (maternal X 3μ, paternal X μ): het h1 = 3μ(1-μ) + μ(1-3μ),
    h0 = (1-3μ)(1-μ), and the unaffected mother is not homozygous.
    """
    mu = 1e-6
    model = RiskModel(XLR, mutation_rate=mu, founder_prior="mutation_selection")
    risk = pedigree_risk(read_ped(PEDS / "xlr_isolated.ped"), model)
    h1 = 3 * mu * (1 - mu) + mu * (1 - 3 * mu)
    h0 = (1 - 3 * mu) * (1 - mu)
    son_from_carrier = 0.5 + 0.5 * mu
    expected = h1 * son_from_carrier / (h1 * son_from_carrier + h0 * mu)
    mother = risk.individual("MUM")
    assert mother.carrier_probability == pytest.approx(expected, abs=1e-12)
    assert mother.carrier_probability == pytest.approx(2 / 3, abs=1e-5)
    assert risk.individual("DAD").carrier_probability == 0.0  # males are never 'carriers' under XLR
    by_sex = risk.next_child.by_sex
    assert by_sex is not None
    assert by_sex["male"]["affected_probability"] == pytest.approx(2 / 3 * 0.5, abs=1e-5)
    assert by_sex["female"]["carrier_probability"] == pytest.approx(2 / 3 * 0.5, abs=1e-5)
    assert risk.next_child.affected_probability == pytest.approx(
        (by_sex["male"]["affected_probability"] + by_sex["female"]["affected_probability"]) / 2
    )


def test_first_cousin_marriage_with_the_common_grandparents_in_the_pedigree() -> None:
    """Loop GF/GM → A, B → C, D → next child, GF a tested carrier, q ≈ 0.

    By hand: A and B each receive GF's variant with probability 1/2, independently; C from A and D from B
    again 1/2. So C and D each carry with 1/4, both with 1/16, and their child is affected with
    1/16 x 1/4 = 1/64 and a carrier with 2 x (1/8)(7/8) = 7/32 (each parent transmits with 1/4 x 1/2 = 1/8).
    """
    risk = pedigree_risk(
        read_ped(PEDS / "cousins_loop.ped"), RiskModel(AR, allele_frequency=1e-12), couple=("C", "D")
    )
    assert risk.individual("A").carrier_probability == pytest.approx(0.5, abs=1e-9)
    assert risk.individual("C").carrier_probability == pytest.approx(0.25, abs=1e-9)
    assert risk.next_child.affected_probability == pytest.approx(1 / 64, abs=1e-9)
    assert risk.next_child.carrier_probability == pytest.approx(7 / 32, abs=1e-9)
    assert (risk.consanguineous, risk.consanguinity, risk.inbreeding) == (True, "pedigree", None)


COUSINS_UNTESTED = """\
F GF 0 0 1 0
F GM 0 0 2 0
F A GF GM 1 0
F SA 0 0 2 0
F B GF GM 2 0
F SB 0 0 1 0
F C A SA 1 0
F D SB B 2 0
"""


def test_child_of_first_cousins_has_inbreeding_one_sixteenth_whether_the_loop_is_drawn_or_stated(
    tmp_path: Path,
) -> None:
    """P(aa) for the child of first cousins = q² + F·q(1 - q) with F = 1/16 (Wright), with everyone untested:
    exactly from the loop, from a stated consanguinity of two founders, and from a stated consanguinity of
    two spouses whose parents are in the file but whose common ancestors are not (kinship moved up to the
    founders)."""
    q = 0.01
    expected = q * q + q * (1 - q) / 16
    model = RiskModel(AR, allele_frequency=q)
    loop = pedigree_risk(_ped(tmp_path, COUSINS_UNTESTED, "loop.ped"), model, couple=("C", "D"))
    assert loop.next_child.disease_genotype_probability == pytest.approx(expected, rel=1e-12)
    founders = _ped(tmp_path, "F C 0 0 1 0\nF D 0 0 2 0\n", "founders.ped")
    stated = pedigree_risk(founders, model, couple=("C", "D"), consanguineous=True)
    assert stated.next_child.disease_genotype_probability == pytest.approx(expected, rel=1e-12)
    assert (stated.consanguinity, stated.inbreeding) == ("stated", 1 / 16)
    unlinked = _ped(
        tmp_path, "F X 0 0 1 0\nF Y 0 0 2 0\nF W 0 0 1 0\nF Z 0 0 2 0\nF C X Y 1 0\nF D W Z 2 0\n", "u.ped"
    )
    moved = pedigree_risk(unlinked, model, couple=("C", "D"), consanguineous=True)
    assert moved.next_child.disease_genotype_probability == pytest.approx(expected, rel=1e-12)
    unrelated = pedigree_risk(founders, model, couple=("C", "D"))
    assert unrelated.next_child.disease_genotype_probability == pytest.approx(q * q, rel=1e-12)
    assert not unrelated.consanguineous


def test_consanguinity_raises_the_risk_for_the_unaffected_sibling_of_a_patient(tmp_path: Path) -> None:
    """With related parents the next child's risk stays 1/4 (both are obligate carriers), and stating a
    larger F for a couple too close to the founders is refused."""
    pedigree = read_ped(PEDS / "cousins_unlinked.ped")
    risk = pedigree_risk(pedigree, RiskModel(AR), consanguineous=True)
    assert risk.next_child.affected_probability == pytest.approx(0.25, abs=1e-12)
    deep = _ped(tmp_path, "F X 0 0 1 0\nF Y 0 0 2 0\nF W 0 0 1 0\nF Z 0 0 2 0\nF C X Y 1 0\nF D W Z 2 0\n")
    with pytest.raises(InputError, match="too large for a couple 2 generation"):
        pedigree_risk(deep, RiskModel(AR), couple=("C", "D"), consanguineous=True, inbreeding=0.125)


def test_phenopacket_family_gives_the_same_pedigree_and_its_consanguinity_flag() -> None:
    path = TESTS / "data" / "phenopackets" / "family.json"
    pedigree = read_family_pedigree(path)
    assert pedigree.ids == ["proband-subject", "father", "mother", "brother"]
    assert pedigree.parents_of("brother") == ("father", "mother")
    assert (pedigree.consanguineous, pedigree.proband) == (True, "proband-subject")
    assert pedigree.location(pedigree.individuals[3]).endswith("pedigree.persons[3]")
    risk = pedigree_risk(pedigree, RiskModel(AR))
    assert (risk.couple, risk.consanguinity, risk.inbreeding) == (("father", "mother"), "phenopacket", 1 / 16)
    assert risk.next_child.affected_probability == pytest.approx(0.25)


def test_bare_phenopacket_pedigree_and_its_errors(tmp_path: Path) -> None:
    persons = [
        {"familyId": "f", "individualId": "dad", "paternalId": "0", "maternalId": "0", "sex": "MALE",
         "affectedStatus": "UNAFFECTED"},
        {"familyId": "f", "individualId": "kid", "paternalId": "dad", "maternalId": "mum", "sex": "FEMALE",
         "affectedStatus": "AFFECTED"},
    ]  # fmt: skip
    path = tmp_path / "pedigree.json"
    path.write_text(json.dumps({"persons": persons}), encoding="utf-8")
    pedigree = read_family_pedigree(path)
    assert pedigree.get("kid") == PedIndividual("f", "kid", "dad", "mum", "female", True, (), 2)
    risk = pedigree_risk(pedigree, RiskModel(AR))
    mum = risk.individual("mum")  # named as a parent, not listed: a person of unknown status
    assert (mum.in_file, mum.sex) == (False, "female")
    assert mum.genotype_probabilities[0] == pytest.approx(0.0)  # she must carry (status unknown: maybe aa)
    path.write_text(json.dumps({"persons": [*persons, persons[0]]}), encoding="utf-8")
    with pytest.raises(InputError, match=r"pedigree.persons\[2\]: individual 'dad' is already defined"):
        read_family_pedigree(path)
    path.write_text(json.dumps({"persons": [{**persons[1], "paternalId": "kid"}]}), encoding="utf-8")
    with pytest.raises(InputError, match="their own father"):
        read_family_pedigree(path)
    path.write_text(json.dumps({"id": "x"}), encoding="utf-8")
    with pytest.raises(InputError, match="no 'pedigree'"):
        read_family_pedigree(path)
    path.write_text(json.dumps({"persons": [{"individualId": "a", "colour": "red"}]}), encoding="utf-8")
    with pytest.raises(InputError, match="not a valid GA4GH Phenopacket v2 Family"):
        read_family_pedigree(path)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="malformed JSON"):
        read_family_pedigree(path)


def test_one_missing_parent_is_an_unknown_unrelated_person(tmp_path: Path) -> None:
    pedigree = _ped(tmp_path, "F MUM 0 0 2 1 carrier\nF A 0 MUM 1 2\nF B 0 MUM 2 1\n")
    risk = pedigree_risk(pedigree, RiskModel(AR), couple=("A", "B"))
    assert [p.id for p in risk.individuals] == ["MUM", "A", "B"]  # placeholders are not reported
    # B's own unknown father (not A's) transmits the allele with probability q; MUM with 1/2; B is not aa:
    # P(Aa) = 1/2 (1 - q) + 1/2 q = 1/2, P(aa) = q/2, so P(carrier | unaffected) = (1/2) / (1 - q/2).
    q = 1e-3
    assert risk.individual("B").carrier_probability == pytest.approx(0.5 / (1 - q / 2), abs=1e-12)
    assert any("only one parent" in a for a in risk.assumptions)


# ---------------------------------------------------------------------------------------------------------
# Brute-force enumeration on random small pedigrees (loops included)

Person = tuple[str, str | None, str | None, str, bool | None, TestResult | None]


def _random_family(seed: int) -> tuple[list[Person], tuple[str, str]]:
    rng = random.Random(seed)
    people: list[Person] = []
    for i in range(rng.randint(2, 3)):
        people.append(
            (f"F{i}", None, None, "male" if i % 2 == 0 else "female", rng.choice([None, False, True]), None)
        )
    while len(people) < 6:
        males = [p[0] for p in people if p[3] == "male"]
        females = [p[0] for p in people if p[3] == "female"]
        people.append(
            (f"C{len(people)}", rng.choice(males), rng.choice(females), rng.choice(["male", "female"]),
             rng.choice([None, False, True]), rng.choice([None, None, None, TestResult.CARRIER, TestResult.NONCARRIER]))
        )  # fmt: skip
    males = [p[0] for p in people if p[3] == "male"]
    females = [p[0] for p in people if p[3] == "female"]
    return people, (rng.choice(males), rng.choice(females))


def _brute_force(
    people: list[Person], model: RiskModel, couple: tuple[str, str]
) -> tuple[dict[str, list[float]], list[float], list[float]]:
    """Posterior genotype distributions by summing the joint over every genotype combination.

    The couple's next son and daughter (or child) are added as people of unknown status.
    """
    x = model.inheritance is XLR
    kids: list[Person] = (
        [("son", *couple, "male", None, None), ("daughter", *couple, "female", None, None)]
        if x
        else [("child", *couple, "male", None, None)]
    )
    everyone = people + kids
    q, mu, pen, eps = model.allele_frequency, model.mutation_rate, model.penetrance, model.phenocopy

    def levels(sex: str) -> range:
        return range(2) if x and sex == "male" else range(3)

    def disease(sex: str, n: int) -> bool:
        if model.inheritance is AD:
            return n >= 1
        if model.inheritance is AR:
            return n == 2
        return n == (1 if sex == "male" else 2)

    def allows(test: TestResult | None, n: int) -> bool:
        return test is None or (n == 0 if test is TestResult.NONCARRIER else n == 1)

    marginals = {p[0]: [0.0] * 3 for p in everyone}
    for combo in itertools.product(*(levels(p[3]) for p in everyone)):
        g = dict(zip((p[0] for p in everyone), combo, strict=True))
        w = 1.0
        for pid, father, mother, sex, affected, test in everyone:
            n = g[pid]
            if father is None:
                w *= (q if n else 1 - q) if x and sex == "male" else [(1 - q) ** 2, 2 * q * (1 - q), q * q][n]
            else:
                assert mother is not None
                tm = g[mother] / 2 + (1 - g[mother] / 2) * mu
                tf = (g[father] + (1 - g[father]) * mu) if x else g[father] / 2 + (1 - g[father] / 2) * mu
                if x and sex == "male":
                    w *= tm if n else 1 - tm
                else:
                    w *= [(1 - tf) * (1 - tm), tf * (1 - tm) + (1 - tf) * tm, tf * tm][n]
            if affected is not None:
                pa = pen if disease(sex, n) else eps
                w *= pa if affected else 1 - pa
            w *= allows(test, n)
        for pid, n in g.items():
            marginals[pid][n] += w
    for values in marginals.values():
        total = sum(values)
        values[:] = [v / total for v in values]
    return marginals, marginals[kids[0][0]], marginals[kids[-1][0]]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(
    "model",
    [
        RiskModel(AR, allele_frequency=0.05, phenocopy=0.01),
        RiskModel(AD, penetrance=0.66, allele_frequency=0.02, mutation_rate=0.001, phenocopy=0.01),
        RiskModel(XLR, penetrance=0.9, allele_frequency=0.03, mutation_rate=0.002, phenocopy=0.01),
    ],
    ids=["AR", "AD", "XLR"],
)
def test_variable_elimination_matches_brute_force_enumeration(seed: int, model: RiskModel) -> None:
    people, couple = _random_family(seed)
    if model.inheritance is XLR:  # a male's positive test is 'hemizygous' (one allele, as for 'carrier')
        people = [
            (*p[:5], TestResult.HEMIZYGOUS if p[3] == "male" and p[5] is TestResult.CARRIER else p[5])
            for p in people
        ]
    pedigree = Pedigree(
        "random.ped",
        tuple(
            PedIndividual("F", pid, father, mother, sex, affected, (test.value,) if test else (), i + 1)  # type: ignore[arg-type]
            for i, (pid, father, mother, sex, affected, test) in enumerate(people)
        ),
    )
    risk = pedigree_risk(pedigree, model, couple=couple)
    expected, first_kid, last_kid = _brute_force(people, model, couple)
    for person in risk.individuals:
        got = list(person.genotype_probabilities) + [0.0] * (3 - len(person.genotype_probabilities))
        assert got == pytest.approx(expected[person.id], abs=1e-10), person.id
    if model.inheritance is XLR:
        assert risk.next_child.by_sex is not None
        son, daughter = risk.next_child.by_sex["male"], risk.next_child.by_sex["female"]
        assert son["disease_genotype_probability"] == pytest.approx(first_kid[1], abs=1e-10)
        assert daughter["carrier_probability"] == pytest.approx(last_kid[1], abs=1e-10)
    else:
        disease = first_kid[2] if model.inheritance is AR else first_kid[1] + first_kid[2]
        assert risk.next_child.disease_genotype_probability == pytest.approx(disease, abs=1e-10)


def _big_pedigree(generations: int = 6) -> Pedigree:
    """About 50 people over six generations with two cousin marriages per generation (many loops)."""
    people: list[PedIndividual] = []

    def add(pid: str, father: str | None, mother: str | None, sex: str, affected: bool | None) -> None:
        people.append(PedIndividual("F", pid, father, mother, sex, affected, (), len(people) + 1))  # type: ignore[arg-type]

    add("G1", None, None, "male", False)
    add("G2", None, None, "female", False)
    couples = [("G1", "G2")]
    for g in range(1, generations):
        children: list[tuple[str, str]] = []
        for c, (father, mother) in enumerate(couples):
            for k, sex in enumerate(("male", "female", "male")):
                pid = f"P{g}.{c}.{k}"
                add(pid, father, mother, sex, False if k else None)
                children.append((pid, sex))
        sons = [pid for pid, sex in children if sex == "male"]
        daughters = [pid for pid, sex in children if sex == "female"]
        couples = []
        for i, son in enumerate(sons[:3]):
            if i < len(daughters) and i > 0:
                couples.append((son, daughters[(i + 1) % len(daughters)]))  # cousins (or sibs' children)
            else:
                spouse = f"S{g}.{i}"
                add(spouse, None, None, "female", False)
                couples.append((son, spouse))
    index = max(i for i, p in enumerate(people) if p.father is not None)
    last = people[index]
    people[index] = PedIndividual("F", last.id, last.father, last.mother, last.sex, True, (), last.line)
    return Pedigree("big.ped", tuple(people))


@pytest.mark.parametrize("mode", [AR, AD, XLR])
def test_a_few_dozen_people_with_loops_run_well_under_a_second(mode: Inheritance) -> None:
    pedigree = _big_pedigree()
    assert len(pedigree.individuals) >= 40
    model = RiskModel(mode, penetrance=0.8, allele_frequency=0.01, mutation_rate=1e-6 if mode is XLR else 0.0)
    start = time.perf_counter()
    risk = pedigree_risk(pedigree, model)
    assert time.perf_counter() - start < 1.0
    assert 0.0 < risk.next_child.affected_probability < 1.0


# ---------------------------------------------------------------------------------------------------------
# Test results (PED column 7)


def test_column_seven_vocabulary_is_case_insensitive(tmp_path: Path) -> None:
    pedigree = _ped(
        tmp_path,
        "F A 0 0 1 1 NonCarrier\nF B 0 0 2 1 HET\nF C A B 1 2 biallelic\nF D A B 2 0 .\nF E A B 1 0 0 x y\n",
    )
    assert read_test_results(pedigree) == {
        "A": TestResult.NONCARRIER,
        "B": TestResult.CARRIER,
        "C": TestResult.BIALLELIC,
    }


def test_unknown_test_word_names_file_line_and_allowed_words() -> None:
    path = PEDS / "bad_test_word.ped"
    with pytest.raises(
        InputError, match=r"bad_test_word.ped line 1 column 7: test result 'maybe'.*noncarrier"
    ):
        pedigree_risk(read_ped(path), RiskModel(AR))


@pytest.mark.parametrize(
    ("text", "mode", "expected"),
    [
        (
            "F A 0 0 1 1 hemizygous\nF B 0 0 2 1\nF C A B 1 2\n",
            AR,
            "'hemizygous' is impossible for autosomal",
        ),
        ("F A 0 0 1 1 carrier\nF B 0 0 2 1\nF C A B 1 2\n", XLR, "a male has one X chromosome"),
        (
            "F A 0 0 1 1\nF B 0 0 2 1 hemizygous\nF C A B 1 2\n",
            XLR,
            "'hemizygous' is impossible for a female",
        ),
    ],
)
def test_test_results_impossible_for_the_mode(
    tmp_path: Path, text: str, mode: Inheritance, expected: str
) -> None:
    with pytest.raises(InputError, match=expected) as info:
        pedigree_risk(_ped(tmp_path, text), RiskModel(mode, mutation_rate=1e-4))
    assert "line " in str(info.value)


def test_x_linked_test_words(tmp_path: Path) -> None:
    pedigree = _ped(tmp_path, "F A 0 0 1 2 hemizygous\nF B 0 0 2 1 carrier\nF C A B 2 1 positive\n")
    risk = pedigree_risk(pedigree, RiskModel(XLR, allele_frequency=0.01), couple=("A", "B"))
    assert risk.individual("C").carrier_probability == pytest.approx(1.0)  # her father's X
    assert risk.next_child.by_sex is not None
    assert risk.next_child.by_sex["male"]["affected_probability"] == pytest.approx(0.5)
    assert risk.next_child.by_sex["female"]["affected_probability"] == pytest.approx(0.5)


# ---------------------------------------------------------------------------------------------------------
# Errors


def test_affected_child_of_two_tested_noncarriers_is_inconsistent_with_ar() -> None:
    with pytest.raises(InputError) as info:
        pedigree_risk(read_ped(PEDS / "ar_inconsistent.ped"), RiskModel(AR))
    message = str(info.value)
    assert message.startswith("the pedigree is inconsistent with autosomal recessive inheritance: ")
    assert "ar_inconsistent.ped line 4: 'KID' (affected) cannot be a child of 'DAD'" in message
    assert "\n" not in message
    # New mutations (or phenocopies) make it possible again.
    relaxed = pedigree_risk(read_ped(PEDS / "ar_inconsistent.ped"), RiskModel(AR, mutation_rate=1e-6))
    assert relaxed.individual("KID").disease_genotype_probability == pytest.approx(1.0)


def test_status_contradicting_a_test_result_is_named(tmp_path: Path) -> None:
    pedigree = _ped(tmp_path, "F A 0 0 1 2 noncarrier\nF B 0 0 2 1\n")
    with pytest.raises(
        InputError,
        match=r"line 1: the status and test result of 'A' \(affected, tested noncarrier\) contradict",
    ):
        pedigree_risk(pedigree, RiskModel(AD), couple=("A", "B"))


@pytest.mark.parametrize(
    ("couple", "expected"),
    [
        (("DAD", "NOBODY"), "--couple: 'NOBODY' is not in"),
        (("DAD", "KID"), "'DAD' and 'KID' are both male"),
        (("DAD", "DAD"), "names 'DAD' twice"),
    ],
)
def test_bad_couples(couple: tuple[str, str], expected: str) -> None:
    with pytest.raises(InputError, match=expected):
        pedigree_risk(read_ped(PEDS / "ar_sibship.ped"), RiskModel(AR), couple=couple)


def test_couple_given_mother_first_is_reordered() -> None:
    risk = pedigree_risk(read_ped(PEDS / "ar_sibship.ped"), RiskModel(AR), couple=("MUM", "DAD"))
    assert risk.couple == ("DAD", "MUM")


def test_no_default_couple() -> None:
    with pytest.raises(InputError, match="no affected individual has both parents"):
        pedigree_risk(read_ped(PEDS / "ar_tested_carriers.ped"), RiskModel(AR))


def test_parentage_cycle() -> None:
    with pytest.raises(InputError, match=r"cycle.ped line \d: parentage cycle \((A -> B -> A|B -> A -> B)"):
        pedigree_risk(read_ped(PEDS / "cycle.ped"), RiskModel(AR), couple=("A", "B"))


def test_person_both_father_and_mother(tmp_path: Path) -> None:
    pedigree = _ped(tmp_path, "F X 0 0 0 0\nF Y 0 0 0 0\nF A X Y 1 2\nF B Y X 2 0\n")
    with pytest.raises(InputError, match="both as a father and as a mother"):
        pedigree_risk(pedigree, RiskModel(AR))


def test_related_couple_cannot_be_declared_unrelated() -> None:
    with pytest.raises(InputError, match="share ancestors in the pedigree"):
        pedigree_risk(
            read_ped(PEDS / "cousins_loop.ped"), RiskModel(AR), couple=("C", "D"), consanguineous=False
        )


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"penetrance": 0.0}, "penetrance 0.0 is out of range"),
        ({"penetrance": 1.5}, "penetrance 1.5 is out of range"),
        ({"allele_frequency": 0.0}, "allele frequency 0.0 is out of range"),
        ({"mutation_rate": -1e-6}, "mutation rate"),
        ({"phenocopy": 0.7}, "phenocopy rate"),
        ({"penetrance": float("nan")}, "penetrance nan"),
        ({"founder_prior": "mutation_selection"}, "needs a mutation rate above 0"),
    ],
)
def test_model_parameters_out_of_range(kwargs: dict[str, object], expected: str) -> None:
    with pytest.raises(InputError, match=expected):
        RiskModel(XLR, **kwargs)  # type: ignore[arg-type]


def test_mutation_selection_is_x_linked_only_and_unsupported_modes_are_refused() -> None:
    with pytest.raises(InputError, match="is for X-linked recessive"):
        RiskModel(AR, mutation_rate=1e-6, founder_prior="mutation_selection")
    with pytest.raises(InputError, match="not supported"):
        RiskModel(Inheritance.X_LINKED_DOMINANT)


def test_inbreeding_out_of_range() -> None:
    with pytest.raises(InputError, match=r"inbreeding coefficient 0\.5"):
        pedigree_risk(read_ped(PEDS / "ar_sibship.ped"), RiskModel(AR), consanguineous=True, inbreeding=0.5)


def test_test_result_for_someone_not_in_the_pedigree() -> None:
    with pytest.raises(InputError, match="'ZZ', who is not in the pedigree"):
        pedigree_risk(read_ped(PEDS / "ar_sibship.ped"), RiskModel(AR), tests={"ZZ": TestResult.CARRIER})


# ---------------------------------------------------------------------------------------------------------
# Disease look-up in the knowledge base


def test_disease_parameters_come_from_the_knowledge_base(kb: KnowledgeBase) -> None:
    optb1 = resolve_disease(kb, "OMIM:259700")
    assert (optb1.disease_id, optb1.key, optb1.model.inheritance) == ("OMIM:259700", "OPTB1", AR)
    # sqrt(ARO birth incidence 4e-6 x TCIRG1's share of ARO, the middle of 0.5-0.664)
    assert optb1.model.allele_frequency == pytest.approx(math.sqrt(4e-6 * 0.582))
    assert optb1.model.penetrance == 1.0
    ado2 = resolve_disease(kb, "ado2")
    assert (ado2.disease_id, ado2.model.inheritance, ado2.model.penetrance) == ("OMIM:166600", AD, 0.66)
    assert ado2.model.allele_frequency == pytest.approx(5e-5 * 0.75 / 0.66 / 2, rel=1e-4)  # CLCN7: 75% of ADO
    assert "PMID:12929941" in ado2.sources
    xl = resolve_disease(kb, "OL-EDA-ID")
    assert (xl.model.inheritance, xl.model.founder_prior, xl.model.mutation_rate) == (
        XLR,
        "mutation_selection",
        1e-6,
    )
    given = resolve_disease(kb, "OL-EDA-ID", allele_frequency=0.01)
    assert given.model.founder_prior == "hardy_weinberg"
    iao = resolve_disease(kb, "IAO", inheritance="AD")
    assert iao.model.inheritance is AD
    other = resolve_disease(kb, "OMIM:123456", inheritance="ar", penetrance=0.9)
    assert (other.disease_id, other.key, other.model.allele_frequency, other.model.penetrance) == (
        "OMIM:123456",
        None,
        1e-3,
        0.9,
    )


def test_a_gene_names_the_one_entity_it_causes(kb: KnowledgeBase) -> None:
    assert resolve_disease(kb, "tnfsf11").key == "OPTB2"
    # A gene of several entities does not fix the mode: CLCN7 is dominant ADO2 and recessive OPTB4.
    with pytest.raises(
        InputError, match=r"'CLCN7' is a gene of several entities: ADO2 \(autosomal dominant\)"
    ):
        resolve_disease(kb, "CLCN7", inheritance="AR")


@pytest.mark.parametrize(
    ("query", "kwargs", "expected"),
    [
        ("OMIM:999999", {}, "'OMIM:999999' is not in the knowledge base; give --inheritance AR, AD or XLR"),
        ("IAO", {}, "choose one with --inheritance"),
        ("TIO", {}, "no Mendelian mode of inheritance"),
        ("ADO2", {"inheritance": "XLR"}, "contradicts the knowledge base"),
        ("ADO2", {"inheritance": "codominant"}, "--inheritance 'codominant' is not supported"),
        ("ADO2", {"penetrance": 1.2}, "--penetrance 1.2 is out of range"),
        ("  ", {}, "--disease is empty"),
    ],
)
def test_disease_lookup_errors(
    kb: KnowledgeBase, query: str, kwargs: dict[str, object], expected: str
) -> None:
    with pytest.raises(InputError, match=expected):
        resolve_disease(kb, query, **kwargs)  # type: ignore[arg-type]


def test_parse_inheritance_words() -> None:
    assert parse_inheritance("AR") is AR
    assert parse_inheritance("autosomal dominant") is AD
    assert parse_inheritance(XLR) is XLR


# ---------------------------------------------------------------------------------------------------------
# Plain-language advice


def _texts(points: tuple[CounsellingPoint, ...]) -> str:
    return "\n".join(point.render() for point in points)


def test_ado2_advice_unaffected_parent_radiographs_and_sources(kb: KnowledgeBase) -> None:
    report = counselling_report(read_ped(PEDS / "ado2_family.ped"), resolve_disease(kb, "ADO2"))
    text = _texts(report.advice)
    assert "A parent without any signs can still carry the variant" in text
    assert "X-rays of the parents' skeleton" in text
    assert "does not replace, a genetic counsellor" in text
    radiographs = next(p for p in report.advice if "X-rays" in p.text)
    assert radiographs.sources == ("ORPHA:53",)
    assert "The numbers above assume that it was inherited." in text  # no de novo modelled by default
    assert {"ORPHA:53", "PMID:12929941"} <= set(report.sources)
    data = report.to_dict()
    assert data["disease_id"] == "OMIM:166600"
    assert data["penetrance"] == 0.66
    assert any("age" in a for a in data["assumptions"])


def test_ar_advice_prenatal_options_with_sources(kb: KnowledgeBase) -> None:
    report = counselling_report(read_ped(PEDS / "ar_sibship.ped"), resolve_disease(kb, "OPTB1"))
    prenatal = next(p for p in report.advice if "chorionic villus sampling" in p.text)
    assert "11 to 13 weeks" in prenatal.text
    assert "seed:002_54fb8aa32f4b3b69.txt" in prenatal.sources
    assert any("SIS (66.7%)" in p.text for p in report.advice)
    assert "25% (1 in 4)" in report.advice[0].text
    unsourced = [p for p in report.advice if not p.sources]
    # Only the statements that are not facts go without a source: the referral and the disclaimer.
    assert all("genetic counsellor" in p.text for p in unsourced)
    # Facts the reference marks [UNVERIFIED] (e.g. carrier siblings as donors) are not stated.
    assert "donor" not in _texts(report.advice)


def test_clcn7_recessive_advice_mentions_the_dual_mode(kb: KnowledgeBase) -> None:
    report = counselling_report(read_ped(PEDS / "ar_sibship.ped"), resolve_disease(kb, "OPTB4"))
    dual = next(p for p in report.advice if "CLCN7" in p.text)
    assert dual.sources == ("PMID:11741829",)


def test_x_linked_advice_by_sex(kb: KnowledgeBase) -> None:
    report = counselling_report(read_ped(PEDS / "xlr_isolated.ped"), resolve_disease(kb, "OL-EDA-ID"))
    assert "a son has a 33.3% chance" in report.advice[0].text
    data = report.to_dict()
    assert data["next_child"]["by_sex"]["male"]["affected_probability"] == pytest.approx(1 / 3, abs=1e-5)
    assert data["allele_frequency"] is None
    assert data["founder_prior"] == "mutation_selection"


@pytest.mark.parametrize(
    ("p", "text"),
    [(0.0, "0%"), (1.0, "100%"), (0.25, "25% (1 in 4)"), (2 / 3, "66.7%"), (0.33, "33%"), (1e-5, "less than 0.1%"),
     (0.9999, "more than 99.9%"), (1 / 64, "1.6% (1 in 64)")],
)  # fmt: skip
def test_format_probability(p: float, text: str) -> None:
    assert format_probability(p) == text


def test_x_linked_child_of_unknown_sex_has_both_sexes_states(tmp_path: Path) -> None:
    """Carrier mother, unaffected father, a child of unknown sex and status: son (1/2) hemizygous with 1/2,
    daughter (1/2) a carrier with 1/2, so P(disease genotype) = 1/4 and P(carrier daughter) = 1/4."""
    pedigree = _ped(tmp_path, "F DAD 0 0 1 1 noncarrier\nF MUM 0 0 2 1 carrier\nF KID DAD MUM 0 0\n")
    risk = pedigree_risk(pedigree, RiskModel(XLR, allele_frequency=0.01), couple=("DAD", "MUM"))
    kid = risk.individual("KID")
    assert kid.sex is None
    assert kid.disease_genotype_probability == pytest.approx(0.25, abs=1e-12)
    assert kid.carrier_probability == pytest.approx(0.25, abs=1e-12)
    assert kid.affected_probability == pytest.approx(0.25, abs=1e-12)
