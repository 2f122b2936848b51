"""Counselling faults found in review (/tmp/review/risk.md findings 1-3, 7-11, 13, 14), each pinned by a family.

Each test is a small family written inline; the comment on each test names the finding it covers.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pytest

from marbledx.advice import CounsellingPoint, RiskReport, counselling_report, pedigree_risk, resolve_disease
from marbledx.advice._risk import RiskModel
from marbledx.cli import _risk_cmd
from marbledx.findings._pedigree import Pedigree, read_ped
from marbledx.knowledge import Inheritance, KnowledgeBase

AR = Inheritance.AUTOSOMAL_RECESSIVE

AR_NEWBORN = "F DAD 0 0 1 1\nF MUM 0 0 2 1\nF KID DAD MUM 1 2\nF NEWBORN DAD MUM 1 0\n"
XLR_NEWBORN = (
    "F DAD 0 0 1 1\nF MUM 0 0 2 1 carrier\nF KID DAD MUM 1 2 hemizygous\n"
    "F NEWBORN DAD MUM 1 0\nF NEWSIS DAD MUM 2 0\n"
)
ADO2_DE_NOVO = "F DAD 0 0 1 1 noncarrier\nF MUM 0 0 2 1 noncarrier\nF KID DAD MUM 1 2 carrier\n"
XLR_MUM_NEGATIVE = "F DAD 0 0 1 1\nF MUM 0 0 2 1 noncarrier\nF KID DAD MUM 1 2 hemizygous\n"
ADO2_BOTH_PARENTS = "F DAD 0 0 1 2 carrier\nF MUM 0 0 2 2 carrier\n"
STATED_WITH_GRANDPARENTS = (
    "F DAD 0 0 1 1\nF GF 0 0 1 1\nF GM 0 0 2 1\nF MUM GF GM 2 1\nF UNCLE GF GM 1 1\nF KID DAD MUM 1 2\n"
)
ADO2_THREE_GENERATIONS = (
    "F GF 0 0 1 2\nF GM 0 0 2 1\nF DAD GF GM 1 1\nF MUM 0 0 2 1\nF KID DAD MUM 1 2\nF SIB DAD MUM 2 1\n"
)
AR_SIBSHIP = "F DAD 0 0 1 1\nF MUM 0 0 2 1\nF KID DAD MUM 1 2\nF SIS DAD MUM 2 1\n"


def _ped(tmp_path: Path, text: str, name: str = "family.ped") -> Pedigree:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_ped(path)


def _report(tmp_path: Path, kb: KnowledgeBase, text: str, disease: str, **kwargs: object) -> RiskReport:
    inheritance = kwargs.pop("inheritance", None)
    mutation_rate = kwargs.pop("mutation_rate", None)
    curve = kwargs.pop("penetrance_by_age", None)
    resolved = resolve_disease(
        kb,
        disease,
        inheritance=inheritance,  # type: ignore[arg-type]
        mutation_rate=mutation_rate,  # type: ignore[arg-type]
        penetrance_by_age=curve,  # type: ignore[arg-type]
    )
    return counselling_report(_ped(tmp_path, text), resolved, **kwargs)  # type: ignore[arg-type]


def _text(points: tuple[CounsellingPoint, ...]) -> str:
    return "\n".join(point.render() for point in points)


def _point(report: RiskReport, *words: str) -> CounsellingPoint:
    found = [p for p in report.advice if all(word in p.text for word in words)]
    assert found, f"no advice point with {words}: {_text(report.advice)}"
    return found[0]


# ---------------------------------------------------------------------------------------------------------
# Finding 1: a relative of unknown status who may have the disease is named as such, with their chance


def test_an_unassessed_sibling_at_one_in_four_is_named_as_possibly_affected_not_only_as_a_carrier(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    report = _report(tmp_path, kb, AR_NEWBORN, "OPTB1")
    point = _point(report, "NEWBORN", "may have")
    assert "NEWBORN (25%, or 1 in 4)" in point.text
    assert "examined" in point.text
    assert "now" in point.text
    # NEWBORN is not also listed as just a possible carrier.
    assert not any("may be carriers" in p.text and "NEWBORN" in p.text for p in report.advice)
    # OPTB1: early HSCT matters, with the knowledge base's sources for that.
    early = _point(report, "early")
    assert "DOI:10.1038/sj.bmt.1704194" in early.sources


def test_an_unassessed_son_of_a_carrier_mother_is_named_as_possibly_affected_under_x_linked(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    report = _report(tmp_path, kb, XLR_NEWBORN, "OL-EDA-ID")
    point = _point(report, "NEWBORN", "may have")
    assert "NEWBORN (50%" in point.text
    assert any("NEWSIS (50%)" in p.text and "carrier" in p.text for p in report.advice)


def test_a_tested_relative_with_the_disease_genotype_but_no_assessment_is_named(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    text = AR_NEWBORN.replace("F NEWBORN DAD MUM 1 0", "F NEWBORN DAD MUM 1 0 biallelic")
    report = _report(tmp_path, kb, text, "OPTB1")
    point = _point(report, "NEWBORN", "not been assessed")
    assert "show the genotype" in point.text
    assert "may have" not in point.text


def test_a_relative_whose_status_is_known_is_not_called_possibly_affected(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    report = _report(tmp_path, kb, AR_SIBSHIP, "OPTB1")
    assert "may have" not in _text(report.advice)
    assert any("SIS (66.7%)" in p.text for p in report.advice)


# ---------------------------------------------------------------------------------------------------------
# Finding 2: parents with negative blood tests: germline mosaicism is named as not included


def test_apparently_de_novo_dominant_case_warns_about_germline_mosaicism(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    report = _report(tmp_path, kb, ADO2_DE_NOVO, "ADO2", mutation_rate=1e-5)
    text = _text(report.advice)
    mosaic = _point(report, "germline mosaicism")
    assert "eggs or sperm" in mosaic.text
    assert "higher than shown" in mosaic.text
    assert "the same in every pregnancy" not in text
    assert "A parent without any signs can still carry the variant" not in text
    assert "X-rays of the parents' skeleton" not in text
    assert any("germline mosaicism" in a and "not included" in a for a in report.assumptions)


def test_x_linked_mother_with_a_negative_test_warns_about_germline_mosaicism(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    report = _report(tmp_path, kb, XLR_MUM_NEGATIVE, "OL-EDA-ID")
    mosaic = _point(report, "germline mosaicism")
    assert "MUM" in mosaic.text
    assert any("germline mosaicism" in a for a in report.assumptions)


def test_a_negative_parent_whose_partner_explains_the_variant_gets_no_mosaicism_caveat(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    """The affected father passed the variant on; the mother's negative test is no de novo question."""
    text = "F DAD 0 0 1 2\nF MUM 0 0 2 1 noncarrier\nF KID DAD MUM 2 2\n"
    report = _report(tmp_path, kb, text, "ADO2")
    assert "mosaicism" not in _text(report.advice)
    assert not any("mosaicism" in a for a in report.assumptions)
    assert "The chance is the same in every pregnancy." in report.advice[0].text


def test_recessive_child_of_a_negative_parent_gets_the_mosaicism_caveat(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    """Two copies in the child: one must come from the tested-negative father's side."""
    text = "F DAD 0 0 1 1 noncarrier\nF MUM 0 0 2 1 carrier\nF KID DAD MUM 1 2\n"
    report = _report(tmp_path, kb, text, "OPTB1", mutation_rate=1e-5)
    assert "DAD's test did not find the variant" in _point(report, "germline mosaicism").text
    assert "The chance is the same in every pregnancy." in report.advice[0].text  # MUM carries


def test_untested_parents_get_no_mosaicism_caveat(tmp_path: Path, kb: KnowledgeBase) -> None:
    report = _report(tmp_path, kb, "F DAD 0 0 1 1\nF MUM 0 0 2 0\nF KID DAD MUM 1 2\n", "ADO2")
    assert "mosaicism" not in _text(report.advice)
    assert "X-rays of the parents' skeleton" in _text(report.advice)


# ---------------------------------------------------------------------------------------------------------
# Finding 3: two ADO2 parents: two copies of CLCN7 (OPTB4) are separated from one copy (ADO2)


def test_two_ado2_parents_separate_two_copies_from_one(tmp_path: Path, kb: KnowledgeBase) -> None:
    report = _report(tmp_path, kb, ADO2_BOTH_PARENTS, "ADO2", couple=("DAD", "MUM"))
    genotypes = report.risk.next_child.genotype_probabilities
    assert genotypes is not None
    assert genotypes == pytest.approx((0.25, 0.5, 0.25), abs=1e-12)
    first = report.advice[0]
    assert "one copy" in first.text
    assert "50% (1 in 2)" in first.text
    assert "signs of Osteopetrosis, autosomal dominant 2" in first.text
    assert "33%" in first.text
    assert "75%" not in first.text
    assert "49.5%" not in first.text
    both = _point(report, "OPTB4")
    assert "25% (1 in 4)" in both.text
    assert "PMID:11207362" in both.sources  # the OPTB4 gene link's sources
    data = report.to_dict()
    assert data["next_child"]["genotype_probabilities"] == pytest.approx({"0": 0.25, "1": 0.5, "2": 0.25})


def test_table_shows_the_two_copies_line_for_two_ado2_parents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "both.ped"
    path.write_text(ADO2_BOTH_PARENTS, encoding="utf-8")
    parser = argparse.ArgumentParser()
    _risk_cmd.configure(parser)
    assert (
        _risk_cmd.run(parser.parse_args(["--ped", str(path), "--disease", "ADO2", "--couple", "DAD,MUM"]))
        == 0
    )
    out = capsys.readouterr().out
    assert "two copies (one from each parent) 25% (1 in 4)" in out
    assert "OPTB4" in out.split("What this means")[0]


def test_two_copies_of_a_gene_without_a_known_recessive_form_are_flagged_without_a_claim(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    disease = resolve_disease(kb, "OMIM:123456", inheritance="AD", penetrance=0.8)
    report = counselling_report(_ped(tmp_path, ADO2_BOTH_PARENTS), disease, couple=("DAD", "MUM"))
    point = _point(report, "two copies")
    assert "25% (1 in 4)" in point.text
    assert "counts a child with two copies like a child with one" in point.text
    assert point.sources == ()


def test_one_ado2_parent_gives_no_two_copies_advice(tmp_path: Path, kb: KnowledgeBase) -> None:
    report = _report(tmp_path, kb, "F DAD 0 0 1 2\nF MUM 0 0 2 1\nF KID DAD MUM 1 2\n", "ADO2")
    assert "OPTB4" not in _text(report.advice)


# ---------------------------------------------------------------------------------------------------------
# Finding 7: stated consanguinity with grandparents in the file: the grandparents are symmetric


def test_stated_consanguinity_does_not_pin_the_shared_ancestry_on_one_grandparent(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    report = _report(tmp_path, kb, STATED_WITH_GRANDPARENTS, "OPTB1", consanguineous=True)
    gf = report.risk.individual("GF").carrier_probability
    gm = report.risk.individual("GM").carrier_probability
    assert gf == pytest.approx(gm, abs=1e-12)
    assert 0.45 < gf < 0.6
    relatives = _point(report, "may be carriers")
    assert "GF (" in relatives.text
    assert "GM (" in relatives.text
    assert any("GF" in a and "GM" in a and "each parent equally likely" in a for a in report.assumptions)


def test_stated_consanguinity_spread_over_founders_keeps_wright_and_matches_a_drawn_loop(
    tmp_path: Path,
) -> None:
    """Untested first cousins with their parents in the file (common grandparents not drawn) still give
    their child q² + F·q(1 - q); and with one grandparent per side drawn as the shared couple, the
    spread prior matches the average of the two drawn routes for the mother's parents."""
    q = 0.01
    model = RiskModel(AR, allele_frequency=q)
    spouses_parents = _ped(
        tmp_path, "F X 0 0 1 0\nF Y 0 0 2 0\nF C 0 0 1 0\nF D X Y 2 0\nF K C D 1 2\n", "s.ped"
    )
    stated = pedigree_risk(spouses_parents, model, couple=("C", "D"), consanguineous=True)
    # Each route (via X or via Y) is a first-cousin-like kinship F·2 between C and that parent of D.
    routes = []
    for via in ("X", "Y"):
        other = "Y" if via == "X" else "X"
        # The drawn relationship: C and the parent ``via`` of D are half-sibs' children-like relatives with
        # kinship 2F = 1/8, i.e. half siblings (kinship 1/8) sharing a parent P.
        text = (
            f"F P 0 0 1 0\nF PM1 0 0 2 0\nF PM2 0 0 2 0\nF C P PM1 1 0\nF {via} P PM2 "
            f"{'1' if via == 'X' else '2'} 0\nF {other} 0 0 {'2' if via == 'X' else '1'} 0\n"
            f"F D X Y 2 0\nF K C D 1 2\n"
        )
        routes.append(pedigree_risk(_ped(tmp_path, text, f"{via}.ped"), model, couple=("C", "D")))
    # P(route) = 1/2 each, weighted by how well each route explains the data (the likelihood).
    weights = [math.exp(r.log_likelihood) for r in routes]
    total = sum(weights)
    for person in ("X", "Y", "C", "D"):
        mixed = sum(
            w / total * r.individual(person).carrier_probability for w, r in zip(weights, routes, strict=True)
        )
        assert stated.individual(person).carrier_probability == pytest.approx(mixed, rel=1e-9)
    untested = _ped(tmp_path, "F X 0 0 1 0\nF Y 0 0 2 0\nF C 0 0 1 0\nF D X Y 2 0\n", "u.ped")
    child = pedigree_risk(untested, model, couple=("C", "D"), consanguineous=True).next_child
    assert child.disease_genotype_probability == pytest.approx(q * q + q * (1 - q) / 16, rel=1e-12)


# ---------------------------------------------------------------------------------------------------------
# Finding 8: the founder allele frequency uses the knowledge base's share of the group's incidence


def test_allele_frequency_uses_the_subtype_share_of_the_group_incidence(kb: KnowledgeBase) -> None:
    optb1 = resolve_disease(kb, "OPTB1")
    share = (0.5 + 0.664) / 2
    assert optb1.model.allele_frequency == pytest.approx(math.sqrt(4e-6 * share), rel=1e-9)
    assert "share" in optb1.allele_frequency_basis
    assert "ARO" in optb1.allele_frequency_basis
    assert "seed:002_54fb8aa32f4b3b69.txt" in optb1.allele_frequency_basis
    ado2 = resolve_disease(kb, "ADO2")
    assert ado2.model.allele_frequency == pytest.approx(1 - math.sqrt(1 - 5e-5 * 0.75 / 0.66), rel=1e-9)
    assert "ADO" in ado2.allele_frequency_basis
    assert "0.75" in ado2.allele_frequency_basis


def test_the_default_allele_frequency_is_called_a_default_not_a_sourced_figure(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    optb9 = resolve_disease(kb, "OPTB9")
    assert optb9.model.allele_frequency == 1e-3
    report = counselling_report(_ped(tmp_path, AR_SIBSHIP), optb9)
    frequency = next(a for a in report.assumptions if a.startswith("Disease allele frequency"))
    assert "a default" in frequency
    assert "not a sourced figure" in frequency


# ---------------------------------------------------------------------------------------------------------
# Finding 9: a user-entered age curve carries no literature citation


def test_entered_age_curve_sentence_has_no_literature_sources(tmp_path: Path, kb: KnowledgeBase) -> None:
    text = "F DAD 0 0 1 2\nF MUM 0 0 2 1 noncarrier\nF SON DAD MUM 1 1 . age=5\nF KID DAD MUM 2 2\n"
    report = _report(tmp_path, kb, text, "ADO2", penetrance_by_age="0:0.1,10:0.4,20:0.66")
    curve = _point(report, "rises with age")
    assert curve.sources == ()
    assert "entered for this calculation" in curve.text


# ---------------------------------------------------------------------------------------------------------
# Finding 10: the ultrasound sentence (Orphanet ARO page) only for the infantile ARO subtypes


@pytest.mark.parametrize(
    ("disease", "inheritance", "ultrasound"),
    [
        ("OPTB1", None, True),
        ("OPTB8", None, True),
        ("OPTB9", None, False),
        ("OPTB6", None, False),
        ("OPTB3", None, False),
        ("COMMAD", None, False),
        ("BANDDOS", None, False),
        ("LAD3", None, False),
        ("IAO", "AR", False),
    ],
)
def test_ultrasound_sentence_only_for_infantile_aro_subtypes(
    tmp_path: Path, kb: KnowledgeBase, disease: str, inheritance: str | None, ultrasound: bool
) -> None:
    report = _report(tmp_path, kb, AR_SIBSHIP, disease, inheritance=inheritance)
    assert ("ultrasound" in _text(report.advice)) is ultrasound


# ---------------------------------------------------------------------------------------------------------
# Finding 11: carriers are not called healthy where one copy of the gene can cause a dominant form


@pytest.mark.parametrize(
    ("disease", "inheritance", "dominant"), [("OPTB6", None, "ADO3"), ("IAO", "AR", "ADO2")]
)
def test_carriers_are_not_called_healthy_when_the_gene_also_causes_a_dominant_form(
    tmp_path: Path, kb: KnowledgeBase, disease: str, inheritance: str | None, dominant: str
) -> None:
    report = _report(tmp_path, kb, AR_SIBSHIP, disease, inheritance=inheritance)
    text = _text(report.advice)
    assert "healthy carrier" not in text
    assert "expected to be healthy" not in text
    caveat = _point(report, "Ask which kind")
    assert dominant in caveat.text
    assert set(kb.get(dominant).genes[0].sources) <= set(caveat.sources)


def test_carriers_of_a_purely_recessive_subtype_are_still_called_healthy(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    report = _report(tmp_path, kb, AR_SIBSHIP, "OPTB1")
    assert "healthy carrier" in report.advice[0].text


# ---------------------------------------------------------------------------------------------------------
# Finding 14: unaffected (near-)obligate carriers are named


def test_a_non_penetrant_obligate_carrier_is_named(tmp_path: Path, kb: KnowledgeBase) -> None:
    report = _report(tmp_path, kb, ADO2_THREE_GENERATIONS, "ADO2")
    assert report.risk.individual("DAD").carrier_probability == pytest.approx(1.0, abs=1e-3)
    point = _point(report, "almost certainly")
    assert "DAD" in point.text
    assert "no signs" in point.text
    assert "SIB (25.4%)" in _text(report.advice)


def test_json_output_carries_the_new_advice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "three.ped"
    path.write_text(ADO2_THREE_GENERATIONS, encoding="utf-8")
    parser = argparse.ArgumentParser()
    _risk_cmd.configure(parser)
    args = parser.parse_args(["--ped", str(path), "--disease", "ADO2", "--format", "json"])
    assert _risk_cmd.run(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert any("DAD" in item and "almost certainly" in item for item in data["advice"])
