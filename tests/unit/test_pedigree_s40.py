"""PED files as other tools write them (round 40): NA and -9 for a missing parent, sex or status."""

from __future__ import annotations

from pathlib import Path

import pytest

from marbledx.advice import pedigree_risk, resolve_disease
from marbledx.errors import InputError
from marbledx.findings import read_ped
from marbledx.knowledge import KnowledgeBase


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "family.ped"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("code", ["NA", "-9"])
def test_na_and_minus9_parents_are_not_given(tmp_path: Path, code: str) -> None:
    # Before: read as a person called NA (or -9), who was then both the father and the mother ("mother 'NA'
    # has sex male").
    (person,) = read_ped(_write(tmp_path, f"F1 KID {code} {code} 1 2\n")).individuals
    assert (person.father, person.mother) == (None, None)


def test_na_sex_and_status_are_unknown(tmp_path: Path) -> None:
    (person,) = read_ped(_write(tmp_path, "F1 KID 0 0 NA NA\n")).individuals
    assert (person.sex, person.affected) == (None, None)


def test_an_individual_called_na_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        InputError, match=r"line 1 column 2 \(individual\): 'NA' is the code for a parent not given"
    ):
        read_ped(_write(tmp_path, "F1 NA 0 0 1 1\n"))


def test_na_fathers_do_not_make_two_children_half_siblings(tmp_path: Path, kb: KnowledgeBase) -> None:
    # A: affected, father NA; B: unaffected, father NA, another mother. Read as one person "NA", the father made
    # B a paternal half-sibling of an affected child (carrier about 1/2); unknown fathers are unrelated people.
    text = "F1 M1 0 0 2 1\nF1 M2 0 0 2 1\nF1 A NA M1 1 2\nF1 B NA M2 2 1\nF1 P 0 0 1 1\n"
    pedigree = read_ped(_write(tmp_path, text))
    risk = pedigree_risk(pedigree, resolve_disease(kb, "OPTB1").model, couple=("P", "B"))
    assert "NA" not in [p.id for p in risk.individuals]
    q = risk.model.allele_frequency
    b = risk.individual("B").carrier_probability
    # B's parents are a founder M2 and an unknown father, both unaffected-or-unknown population members: B is a
    # carrier with about 2q, far from 1/2.
    assert b == pytest.approx(2 * q, rel=0.05)
