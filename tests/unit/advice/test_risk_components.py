"""Only the couple's family is computed: people of the file not linked to the couple through parents and
children (a clinic's file of many families) are left out, counted, and cannot change the risks."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import marbledx.advice._risk as risk_module
from marbledx.advice import RiskModel, counselling_report, pedigree_risk, resolve_disease
from marbledx.advice._risk import MAX_PEDIGREE_PEOPLE, PedigreeRisk
from marbledx.cli import _risk_cmd as risk_cmd
from marbledx.cli import main
from marbledx.errors import InputError
from marbledx.findings._pedigree import Pedigree, TestResult, read_ped
from marbledx.knowledge import Inheritance, KnowledgeBase

AR = Inheritance.AUTOSOMAL_RECESSIVE
AD = Inheritance.AUTOSOMAL_DOMINANT
XLR = Inheritance.X_LINKED_RECESSIVE

# The family the question is about: AR sibship with a tested-carrier aunt (through the father's parents).
FAMILY = (
    "F1 GF 0 0 1 1\n"
    "F1 GM 0 0 2 1\n"
    "F1 DAD GF GM 1 1\n"
    "F1 AUNT GF GM 2 1 carrier\n"
    "F1 MUM 0 0 2 1 . age=31\n"
    "F1 KID DAD MUM 1 2\n"
    "F1 SIS DAD MUM 2 0\n"
)
FAMILY_IDS = ["GF", "GM", "DAD", "AUNT", "MUM", "KID", "SIS"]
# A small unrelated family with data of its own (an affected child, a test result, an age).
OTHER = "F2 OD 0 0 1 0 positive\nF2 OM 0 0 2 2 . age=40\nF2 OK OD OM 2 2\nF2 OS OD OM 1 0\n"


def _block(people: int, family: str = "BIG") -> str:
    """One connected family of ``people`` (at least 3) people: a line of fathers, each son's mother a wife
    who married in, and a sister of the last son; some affected, some tested. Alone, 600 of them are over
    :data:`MAX_PEDIGREE_PEOPLE`."""
    lines = [f"{family} B0 0 0 1 1"]
    i = 1
    while len(lines) + 2 <= people:
        test = "carrier" if i % 50 == 0 else "."
        lines.append(f"{family} W{i - 1} 0 0 2 {'2' if i % 7 == 0 else '1'} {test}")
        lines.append(f"{family} B{i} B{i - 1} W{i - 1} 1 {'2' if i % 11 == 0 else '0'}")
        i += 1
    if len(lines) < people:
        lines.append(f"{family} S B{i - 2} W{i - 2} 2 0")
    return "\n".join(lines) + "\n"


def _write(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _whole_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch the restriction off: the whole file in one model, as the engine computed it before."""
    monkeypatch.setattr(
        risk_module, "_family_of_question", lambda pedigree, couple: (pedigree, risk_module._LeftOut())
    )


def _figures(risk: PedigreeRisk, ids: list[str]) -> dict[str, Any]:
    people = {
        i: (
            p.genotype_probabilities,
            p.carrier_probability,
            p.disease_genotype_probability,
            p.affected_probability,
        )
        for i in ids
        for p in [risk.individual(i)]
    }
    return {"people": people, "child": risk.next_child.to_dict(), "couple": risk.couple}


def test_the_block_is_a_connected_family_too_large_for_the_exact_calculation(tmp_path: Path) -> None:
    # The premise of the next test: computed on its own, the 600-person block is refused by the size limit.
    pedigree = read_ped(_write(tmp_path, _block(600), "big.ped"))
    assert len(pedigree.individuals) == 600 > MAX_PEDIGREE_PEOPLE
    with pytest.raises(InputError, match=r"600 people in the pedigree"):
        pedigree_risk(pedigree, RiskModel(AR), couple=("B1", "W1"))


def test_a_small_family_beside_a_600_person_block_gets_the_risks_of_the_family_alone(tmp_path: Path) -> None:
    # Before, the whole file was one model: 607 people, refused by the size limit (500).
    clinic = read_ped(_write(tmp_path, FAMILY + _block(600), "clinic.ped"))
    alone = read_ped(_write(tmp_path, FAMILY, "family.ped"))
    model = RiskModel(AR, allele_frequency=0.01)
    risk = pedigree_risk(clinic, model)
    expected = pedigree_risk(alone, model)
    assert [p.id for p in risk.individuals] == FAMILY_IDS
    assert _figures(risk, FAMILY_IDS) == _figures(expected, FAMILY_IDS)
    assert risk.log_likelihood == expected.log_likelihood
    assert (risk.left_out, expected.left_out) == (600, 0)


@pytest.mark.parametrize(
    ("mode", "options"),
    [
        (AR, {}),
        (AR, {"consanguineous": True, "couple": ("DAD", "MUM")}),  # the spread kinship factor
        (AD, {"penetrance": 0.66, "phenocopy": 0.01}),
        (XLR, {"mutation_rate": 1e-6, "founder_prior": "mutation_selection"}),
    ],
    ids=["ar", "ar-stated-consanguinity", "ad-penetrance-phenocopy", "xlr"],
)
def test_the_family_risks_equal_the_whole_file_computation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: Inheritance, options: dict[str, Any]
) -> None:
    options = dict(options)
    stated = options.pop("consanguineous", None)
    couple = options.pop("couple", None)
    pedigree = read_ped(_write(tmp_path, FAMILY + OTHER + _block(40, "F3"), "clinic.ped"))
    model = RiskModel(mode, allele_frequency=0.01, **options)
    risk = pedigree_risk(pedigree, model, couple=couple, consanguineous=stated)
    _whole_file(monkeypatch)
    whole = pedigree_risk(pedigree, model, couple=couple, consanguineous=stated)
    assert len(whole.individuals) == len(pedigree.individuals)  # the old computation, everyone in one model
    assert [p.id for p in risk.individuals] == FAMILY_IDS
    # Exact: the other families' factors only ever become scalars that the normalisation divides out.
    assert _figures(risk, FAMILY_IDS) == _figures(whole, FAMILY_IDS)
    assert risk.consanguinity == whole.consanguinity


def test_the_note_counts_the_people_left_out_and_names_none_of_them(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    # A relative listed without her parents has the family id but no link: counted separately.
    text = FAMILY + _block(30, "F9") + OTHER + "F1 COUSIN 0 0 2 1\n"
    pedigree = read_ped(_write(tmp_path, text, "clinic.ped"))
    report = counselling_report(pedigree, resolve_disease(kb, "OPTB1"))
    (note,) = [text for text in report.assumptions if text.startswith("Only the family of")]
    assert report.risk.assumptions[0] == note
    assert note == (
        "Only the family of DAD and MUM is computed: 35 other people in the file are not linked to them "
        "through parents and children, so under the model they share no genes by descent with this family "
        "and cannot change these risks; they are left out and not reported. 1 of them has this family's "
        "family id but no parent-child link to it, so the model treats them as unrelated; give their "
        "parents in the file if they are relatives."
    )
    data = report.to_dict()
    assert data["people_left_out"] == 35
    shown = json.dumps(data)
    for other in ["OD", "OM", "OK", "OS", "COUSIN", "B0", "W0", "F9", "F2"]:
        assert re.search(rf"\b{other}\b", shown) is None, other
    # The age note names only the family's people (OM's age is left out with OM).
    assert any("Ages are given (MUM)" in text for text in report.assumptions)


def test_a_file_of_one_family_has_no_note(tmp_path: Path) -> None:
    risk = pedigree_risk(read_ped(_write(tmp_path, FAMILY, "family.ped")), RiskModel(AR))
    assert risk.left_out == 0
    assert not any("Only the family of" in text for text in risk.assumptions)


def test_a_couple_in_another_family_computes_that_family(tmp_path: Path) -> None:
    pedigree = read_ped(_write(tmp_path, FAMILY + OTHER, "clinic.ped"))
    risk = pedigree_risk(pedigree, RiskModel(AR, phenocopy=0.01), couple=("OD", "OM"))
    assert [p.id for p in risk.individuals] == ["OD", "OM", "OK", "OS"]
    assert risk.left_out == len(FAMILY_IDS)
    alone = pedigree_risk(
        read_ped(_write(tmp_path, OTHER, "other.ped")), RiskModel(AR, phenocopy=0.01), couple=("OD", "OM")
    )
    assert _figures(risk, ["OD", "OM", "OK", "OS"]) == _figures(alone, ["OD", "OM", "OK", "OS"])


def test_a_couple_from_two_families_keeps_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A couple planning a child with no child in the file yet: the next child links their two families.
    pedigree = read_ped(_write(tmp_path, FAMILY + OTHER + _block(20, "F3"), "clinic.ped"))
    model = RiskModel(AR, allele_frequency=0.01)
    risk = pedigree_risk(pedigree, model, couple=("OS", "SIS"))
    ids = [*FAMILY_IDS, "OD", "OM", "OK", "OS"]
    assert [p.id for p in risk.individuals] == ids
    assert risk.left_out == 20
    _whole_file(monkeypatch)
    assert _figures(risk, ids) == _figures(pedigree_risk(pedigree, model, couple=("OS", "SIS")), ids)


def test_tests_and_ages_of_other_families_are_accepted_but_unknown_ids_are_still_errors(
    tmp_path: Path,
) -> None:
    pedigree = read_ped(_write(tmp_path, FAMILY + OTHER, "clinic.ped"))
    model = RiskModel(AR)
    given = pedigree_risk(pedigree, model, tests={"OS": TestResult.CARRIER}, ages={"OK": 3.0})
    plain = pedigree_risk(pedigree, model, tests={}, ages={})
    assert _figures(given, FAMILY_IDS) == _figures(plain, FAMILY_IDS)
    with pytest.raises(InputError, match=r"test result given for 'NOBODY', who is not in the pedigree"):
        pedigree_risk(pedigree, model, tests={"NOBODY": TestResult.CARRIER})
    with pytest.raises(InputError, match=r"--couple: 'NOBODY' is not in .*clinic.ped"):
        pedigree_risk(pedigree, model, couple=("DAD", "NOBODY"))


def test_inconsistent_data_in_another_family_does_not_stop_the_couple(tmp_path: Path) -> None:
    # An affected child of two tested non-carriers is impossible under AR with mu = 0; it is not this family.
    impossible = "F2 XD 0 0 1 1 noncarrier\nF2 XM 0 0 2 1 noncarrier\nF2 XK XD XM 1 2\n"
    pedigree = read_ped(_write(tmp_path, FAMILY + impossible, "clinic.ped"))
    risk = pedigree_risk(pedigree, RiskModel(AR))
    assert risk.couple == ("DAD", "MUM")
    with pytest.raises(InputError, match=r"inconsistent with autosomal recessive"):
        pedigree_risk(pedigree, RiskModel(AR), couple=("XD", "XM"))


def test_a_couples_family_over_the_limit_is_refused_with_the_count_left_out(tmp_path: Path) -> None:
    pedigree = read_ped(_write(tmp_path, FAMILY + _block(600), "clinic.ped"))
    with pytest.raises(InputError) as info:
        pedigree_risk(pedigree, RiskModel(AR), couple=("B1", "W1"))
    message = str(info.value)
    assert "600 people in the couple's family" in message
    assert f"the {len(FAMILY_IDS)} other people in the file are left out" in message
    assert f"at most {MAX_PEDIGREE_PEOPLE} people" in message


def test_without_a_couple_the_size_message_suggests_one(tmp_path: Path) -> None:
    # No affected person with both parents: no question to restrict to, so the whole file is checked.
    text = "".join(f"F{i} P{i} 0 0 1 1\n" for i in range(MAX_PEDIGREE_PEOPLE + 1))
    with pytest.raises(InputError) as info:
        pedigree_risk(read_ped(_write(tmp_path, text, "cohort.ped")), RiskModel(AR))
    assert "name the couple with --couple FATHER,MOTHER to compute only their family" in str(info.value)


def test_the_cli_computes_a_family_in_a_clinic_file_over_the_size_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before, 'marbledx risk --ped' stopped reading at line 501 of any file.
    # The block comes first: --couple picks the family (by default the first affected person's parents).
    path = _write(tmp_path, _block(600) + FAMILY, "clinic.ped")
    code = main(["risk", "--ped", str(path), "--disease", "OPTB1", "--couple", "DAD,MUM", "--format", "json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert [p["id"] for p in data["individuals"]] == FAMILY_IDS
    assert data["people_left_out"] == 600
    assert any(
        text.startswith("Only the family of DAD and MUM is computed: 600 other people")
        for text in data["assumptions"]
    )


def test_a_phenopacket_proband_in_another_family_keeps_its_flag_off_this_couple(tmp_path: Path) -> None:
    # The Family flag is about the proband's parents; a couple elsewhere in the file is not made related.
    base = read_ped(_write(tmp_path, FAMILY + OTHER, "clinic.ped"))
    pedigree = Pedigree(base.path, base.individuals, consanguineous=True, proband="OK")
    risk = pedigree_risk(pedigree, RiskModel(AR))
    assert (risk.couple, risk.consanguinity) == (("DAD", "MUM"), "none")
    assert any("consanguinousParents flag is about the proband's parents" in a for a in risk.assumptions)
    flagged = pedigree_risk(pedigree, RiskModel(AR), couple=("OD", "OM"))
    assert flagged.consanguinity == "phenopacket"


def test_the_cli_still_stops_reading_a_file_beyond_its_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The cap is now on the file (100,000 people), not the family; a smaller cap keeps the test quick.
    monkeypatch.setattr(risk_cmd, "MAX_PED_FILE_PEOPLE", 50)
    monkeypatch.setattr(
        risk_cmd, "counselling_report", lambda *a, **k: pytest.fail("the file was not refused")
    )
    path = _write(tmp_path, "".join(f"F{i} K{i} 0 0 1 1\n" for i in range(300)), "cohort.ped")
    code = main(["risk", "--ped", str(path), "--disease", "OPTB1"])
    _, err = capsys.readouterr()
    assert code == 2
    assert err == (
        f"marbledx: error: {path} line 51: more than 50 individuals; expected at most 50 in one PED file\n"
    )
