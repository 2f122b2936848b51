"""Counselling QA round 40: consanguinity of several degrees, the unaffected sibling and a partner from the
population, prenatal testing only where the variants are known, AD obligate carriers that rest on "no new
variants", and the recessive child of a tested-negative parent. The figures are checked against hand
calculations (Wright's F, Mendelian 2/3, Hardy-Weinberg) written out in each test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marbledx.advice import CounsellingPoint, RiskReport, counselling_report, resolve_disease
from marbledx.advice._counsel_text import DE_NOVO_SEED
from marbledx.findings._pedigree import read_family_pedigree, read_ped
from marbledx.knowledge import KnowledgeBase

AR_SIB_AND_PARTNER = (
    "F DAD 0 0 1 1\nF MUM 0 0 2 1\nF KID DAD MUM 1 2\nF SIB DAD MUM 2 1 . age=25\nF PART 0 0 1 1\n"
)
AR_PARENTS = "F DAD 0 0 1 1\nF MUM 0 0 2 1\nF KID DAD MUM 1 2\n"
# The affected father's mother tested negative: his unaffected father "must" carry the variant only if it was
# inherited (no new variants in the model).
ADO2_QUIET_GRANDFATHER = (
    "F GF 0 0 1 1 . age=70\nF GM 0 0 2 1 noncarrier age=68\nF P GF GM 1 2 . age=40\n"
    "F W 0 0 2 1 . age=38\nF K1 P W 2 0 . age=8\n"
)
CVS = "chorionic villus sampling"


def _report(tmp_path: Path, kb: KnowledgeBase, text: str, disease: str, **kwargs: object) -> RiskReport:
    path = tmp_path / "family.ped"
    path.write_text(text, encoding="utf-8")
    mutation_rate = kwargs.pop("mutation_rate", None)
    resolved = resolve_disease(kb, disease, mutation_rate=mutation_rate)  # type: ignore[arg-type]
    return counselling_report(read_ped(path), resolved, **kwargs)  # type: ignore[arg-type]


def _point(report: RiskReport, *words: str) -> CounsellingPoint:
    found = [p for p in report.advice if all(word in p.text for word in words)]
    assert found, f"no advice point with {words}: {[p.text for p in report.advice]}"
    return found[0]


def _no_point(report: RiskReport, *words: str) -> None:
    assert not [p for p in report.advice if all(word in p.text for word in words)]


# ---------------------------------------------------------------------------------------------------------
# The unaffected adult sibling of an affected child, and her partner from the general population


def test_the_sibling_and_a_population_partner_get_hand_checked_figures_with_their_basis(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    report = _report(tmp_path, kb, AR_SIB_AND_PARTNER, "OPTB1", couple=("PART", "SIB"))
    q = report.risk.model.allele_frequency
    sib, part = report.risk.individual("SIB"), report.risk.individual("PART")
    # SIB is not aa: Aa / (AA + Aa) = (1/2) / (3/4).
    assert sib.carrier_probability == pytest.approx(2 / 3, abs=1e-12)
    # PART is a founder without signs: 2q(1-q) / (1 - q^2).
    assert part.carrier_probability == pytest.approx(2 * q * (1 - q) / (1 - q * q), rel=1e-9)
    # SIB transmits with 2/3 * 1/2 = 1/3; PART with P(a) = q(1-q)/(1-q^2) + 0 = q/(1+q).
    affected = (1 / 3) * q / (1 + q)
    assert report.risk.next_child.affected_probability == pytest.approx(affected, rel=1e-9)
    # Before: "less than 0.1%" alone, the same for 1 in 2,000 as for 1 in 10 million.
    first = report.advice[0].text
    assert "less than 0.1% (about 1 in 2,000)" in first
    assert "The chance is the same in every pregnancy" not in first  # SIB may or may not carry
    # The partner's chance is the population's, said so and cited to the knowledge base's incidence figures.
    entity = kb.get("OPTB1")
    assert entity.prevalence is not None
    point = _point(report, "Nothing in the family tree changes the chance that PART carries")
    assert "PART (0.3%, about 1 in 330)" in point.text
    assert set(entity.prevalence.sources) <= set(point.sources)


def test_a_partner_with_a_stated_allele_frequency_is_not_cited_to_the_knowledge_base(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    path = tmp_path / "family.ped"
    path.write_text(AR_SIB_AND_PARTNER, encoding="utf-8")
    resolved = resolve_disease(kb, "OPTB1", allele_frequency=0.01)
    report = counselling_report(read_ped(path), resolved, couple=("PART", "SIB"))
    point = _point(report, "PART carries")
    assert "the disease allele frequency used in this calculation" in point.text
    assert point.sources == ()


# ---------------------------------------------------------------------------------------------------------
# Prenatal testing is offered only where the family's variants are known (reference §4.3, seed:002)


def test_cvs_is_offered_to_obligate_carrier_parents(tmp_path: Path, kb: KnowledgeBase) -> None:
    report = _report(tmp_path, kb, AR_PARENTS, "OPTB1")
    point = _point(report, CVS)
    assert point.text.startswith("When both of the family's variants are known")


def test_cvs_waits_for_a_carrier_test_of_a_couple_member_of_open_status(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    # Before: "When both of the family's variants are known, a pregnancy can be tested early ..." to a couple
    # whose child's chance is 1 in 2,000 and of whom neither is known to carry anything.
    report = _report(tmp_path, kb, AR_SIB_AND_PARTNER, "OPTB1", couple=("PART", "SIB"))
    point = _point(report, CVS)
    assert "only when both parents' variants are known" in point.text
    assert "First, a genetic test of PART and SIB can look for a variant." in point.text
    assert "If both parents carry one" in point.text
    _no_point(report, "When both of the family's variants are known")


def test_a_tested_carrier_couple_member_is_not_sent_for_a_test_again(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    text = AR_SIB_AND_PARTNER.replace("F SIB DAD MUM 2 1 . age=25", "F SIB DAD MUM 2 1 carrier age=25")
    report = _report(tmp_path, kb, text, "OPTB1", couple=("PART", "SIB"))
    assert "First, a genetic test of PART can look for a variant." in _point(report, CVS).text


# ---------------------------------------------------------------------------------------------------------
# Consanguinity: the degree, what F does to a recessive subtype's figure, and the assumption that states it


@pytest.mark.parametrize(
    ("f", "one_in", "named"),
    [
        (1 / 16, "1 in 10,000", "as for first cousins: the default when the relationship is not given"),
        (1 / 8, "1 in 5,200", "as for uncle and niece"),
        (1 / 64, "1 in 38,000", "as for second cousins"),
    ],
)
def test_a_stated_relationship_gives_wrights_figure_and_names_its_degree(
    tmp_path: Path, kb: KnowledgeBase, f: float, one_in: str, named: str
) -> None:
    # Status unknown: nothing conditions the couple, so the child's chance is Wright's q^2 + F q (1 - q).
    text = "F C 0 0 1 0\nF D 0 0 2 0\n"
    report = _report(tmp_path, kb, text, "OPTB1", couple=("C", "D"), consanguineous=True, inbreeding=f)
    q = report.risk.model.allele_frequency
    assert report.risk.next_child.affected_probability == pytest.approx(q * q + f * q * (1 - q), rel=1e-9)
    # Before: "less than 0.1%" for every degree, so the advice did not show what consanguinity changes.
    assert f"less than 0.1% (about {one_in})" in report.advice[0].text
    assumption = next(a for a in report.assumptions if "common ancestors are not in the file" in a)
    assert named in assumption
    assert "one line of descent" in assumption
    assert "double first cousins" in assumption


def test_unaffected_related_spouses_are_conditioned_on_not_being_affected(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    # Both unaffected: the pair prior with k1 = 4F, restricted to genotypes 0 and 1, by hand.
    report = _report(
        tmp_path, kb, "F C 0 0 1 1\nF D 0 0 2 1\n", "OPTB1", couple=("C", "D"), consanguineous=True
    )
    q = report.risk.model.allele_frequency
    hw = [(1 - q) ** 2, 2 * q * (1 - q), q * q]
    k1 = 4 / 16

    def pair(gx: int, gy: int) -> float:
        shared = 0.0
        for s, ps in ((1, q), (0, 1 - q)):
            rx, ry = gx - s, gy - s
            if rx in (0, 1) and ry in (0, 1):
                shared += ps * (q if rx else 1 - q) * (q if ry else 1 - q)
        return (1 - k1) * hw[gx] * hw[gy] + k1 * shared

    weights = {(x, y): pair(x, y) for x in (0, 1) for y in (0, 1)}
    expected = sum(w * (x / 2) * (y / 2) for (x, y), w in weights.items()) / sum(weights.values())
    assert report.risk.next_child.affected_probability == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    ("text", "couple", "f"),
    [
        (  # double first cousins: two brothers married two sisters
            "F GA1 0 0 1 0\nF GA2 0 0 2 0\nF GB1 0 0 1 0\nF GB2 0 0 2 0\nF A1 GA1 GA2 1 0\n"
            "F A2 GA1 GA2 1 0\nF B1 GB1 GB2 2 0\nF B2 GB1 GB2 2 0\nF C A1 B1 1 0\nF D A2 B2 2 0\n",
            ("C", "D"),
            1 / 8,
        ),
        (  # uncle and niece
            "F GP1 0 0 1 0\nF GP2 0 0 2 0\nF U GP1 GP2 1 0\nF S GP1 GP2 1 0\nF SP 0 0 2 0\nF N S SP 2 0\n",
            ("U", "N"),
            1 / 8,
        ),
        (  # second cousins
            "F GG1 0 0 1 0\nF GG2 0 0 2 0\nF X1 GG1 GG2 1 0\nF X2 GG1 GG2 1 0\nF Y1 0 0 2 0\nF Y2 0 0 2 0\n"
            "F P1 X1 Y1 1 0\nF P2 X2 Y2 1 0\nF Q1 0 0 2 0\nF Q2 0 0 2 0\nF C P1 Q1 1 0\nF D P2 Q2 2 0\n",
            ("C", "D"),
            1 / 64,
        ),
    ],
)
def test_drawn_loops_of_several_degrees_give_wrights_figure(
    tmp_path: Path, kb: KnowledgeBase, text: str, couple: tuple[str, str], f: float
) -> None:
    report = _report(tmp_path, kb, text, "OPTB1", couple=couple)
    assert report.risk.consanguinity == "pedigree"
    q = report.risk.model.allele_frequency
    assert report.risk.next_child.affected_probability == pytest.approx(q * q + f * q * (1 - q), rel=1e-9)


def test_a_family_files_consanguinity_flag_states_its_default_degree(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    def person(pid: str, father: str, mother: str, sex: str, status: str) -> dict[str, str]:
        return {
            "familyId": "F",
            "individualId": pid,
            "paternalId": father,
            "maternalId": mother,
            "sex": sex,
            "affectedStatus": status,
        }

    family = {
        "id": "fam",
        "proband": {"id": "p", "subject": {"id": "KID"}},
        "consanguinousParents": True,
        "pedigree": {
            "persons": [
                person("DAD", "", "", "MALE", "UNAFFECTED"),
                person("MUM", "", "", "FEMALE", "UNAFFECTED"),
                person("KID", "DAD", "MUM", "MALE", "AFFECTED"),
                person("SIB", "DAD", "MUM", "FEMALE", "UNAFFECTED"),
            ]
        },
    }
    path = tmp_path / "family.json"
    path.write_text(json.dumps(family), encoding="utf-8")
    report = counselling_report(read_family_pedigree(path), resolve_disease(kb, "OPTB1"))
    assert report.risk.consanguinity == "phenopacket"
    assert report.risk.individual("SIB").carrier_probability == pytest.approx(2 / 3, abs=1e-9)
    assert report.risk.next_child.affected_probability == pytest.approx(0.25, abs=1e-12)
    # Before: "F = 0.0625." with nothing to say it was assumed (the Family file gives no degree).
    assumption = next(a for a in report.assumptions if "F = 0.0625" in a)
    assert "first cousins: the default when the relationship is not given" in assumption


# ---------------------------------------------------------------------------------------------------------
# ADO2: an unaffected "obligate" carrier grandparent rests on no new variants


def test_an_unaffected_obligate_ado2_grandparent_is_named_with_the_inherited_assumption(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    report = _report(tmp_path, kb, ADO2_QUIET_GRANDFATHER, "ADO2", couple=("P", "W"))
    assert report.risk.individual("GF").carrier_probability == pytest.approx(1.0, abs=1e-12)
    # K1, untested, aged 8: 1/2 carries; signs 1/2 * 0.66.
    assert report.risk.individual("K1").carrier_probability == pytest.approx(0.5, abs=1e-4)
    assert report.risk.next_child.affected_probability == pytest.approx(0.33, abs=1e-4)
    point = _point(report, "almost certainly carry the variant", "GF")
    # Before: "almost certainly" with no word that it holds only if P's variant was not new in P.
    assert (
        "This assumes that the variant of their affected relatives was inherited, not new in them"
        in point.text
    )
    assert "If they carry it, each of their children has a 50% chance" in point.text
    assert DE_NOVO_SEED in point.sources


def test_with_new_variants_allowed_the_grandparent_is_no_longer_certain(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    report = _report(tmp_path, kb, ADO2_QUIET_GRANDFATHER, "ADO2", couple=("P", "W"), mutation_rate=1e-6)
    gf = report.risk.individual("GF").carrier_probability
    q = report.risk.model.allele_frequency
    # GF carries (2q(1-q)·0.34·1/2) against a new variant in P (mu from each of GF and GM, not penetrance-free).
    assert gf < 0.999
    assert q > 0
    _no_point(report, "This assumes that the variant of their affected relatives was inherited")


# ---------------------------------------------------------------------------------------------------------
# A recessive child of a tested-negative parent


def test_a_recessive_child_of_a_negative_parent_states_what_the_model_leaves_out(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    text = "F DAD 0 0 1 1 noncarrier\nF MUM 0 0 2 1\nF KID DAD MUM 1 2 biallelic\n"
    report = _report(tmp_path, kb, text, "OPTB1", mutation_rate=1e-6)
    # DAD's copy is a new mutation (mu). MUM's: she carries (2q(1-q), transmits 1/2) or it is new too
    # ((1-q)^2, mu); she is unaffected, so not aa.
    q, mu = report.risk.model.allele_frequency, 1e-6
    carrier, new = 2 * q * (1 - q) * 0.5, (1 - q) ** 2 * mu
    mum = carrier / (carrier + new)
    assert report.risk.individual("MUM").carrier_probability == pytest.approx(mum, rel=1e-6)
    expected = mu * (mum * (0.5 + 0.5 * mu) + (1 - mum) * mu)
    assert report.risk.next_child.affected_probability == pytest.approx(expected, rel=1e-6)
    assert any("uniparental disomy" in a and "DAD" in a for a in report.assumptions)
    # No "about 1 in N" for a figure that is only the stated mutation rate.
    assert "(about 1 in" not in report.advice[0].text
