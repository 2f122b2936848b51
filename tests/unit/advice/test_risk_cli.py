"""``marbledx risk``: the JSON contract, the table, and one-line errors (through the module's own parser)."""

from __future__ import annotations

import argparse
import json

import pytest

from marbledx.cli import _risk_cmd
from marbledx.errors import InputError, MarbledxError

from ...conftest import TESTS

PEDS = TESTS / "data" / "pedigrees"
CONTRACT_INDIVIDUAL = {"id", "carrier_probability", "affected_probability"}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(message)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Parse and run like ``marbledx risk …``; errors come back as exit 2 with the one-line message."""
    parser = _Parser(prog="marbledx risk")
    _risk_cmd.configure(parser)
    try:
        code = _risk_cmd.run(parser.parse_args(list(argv)))
    except MarbledxError as exc:
        return 2, str(exc)
    out, _ = capsys.readouterr()
    return code, out


def test_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "--ped", str(PEDS / "ar_sibship.ped"), "--disease", "OPTB1", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data.keys() >= {"disease_id", "inheritance", "individuals", "next_child", "penetrance", "couple",
                           "advice", "assumptions", "sources"}  # fmt: skip
    assert (data["disease_id"], data["inheritance"]) == ("OMIM:259700", "autosomal_recessive")
    assert [p["id"] for p in data["individuals"]] == ["DAD", "MUM", "KID", "SIS"]
    for person in data["individuals"]:
        assert person.keys() >= CONTRACT_INDIVIDUAL
    sister = next(p for p in data["individuals"] if p["id"] == "SIS")
    assert sister["carrier_probability"] == pytest.approx(2 / 3)
    assert data["next_child"] == {
        "affected_probability": pytest.approx(0.25),
        "carrier_probability": pytest.approx(0.5),
        "disease_genotype_probability": pytest.approx(0.25),
        # An extra (autosomal modes): P(0, 1, 2 disease alleles), separating one copy from two.
        "genotype_probabilities": {
            "0": pytest.approx(0.25),
            "1": pytest.approx(0.5),
            "2": pytest.approx(0.25),
        },
    }
    assert data["couple"]["father"] == "DAD"
    assert all(isinstance(item, str) for item in data["advice"])
    assert any("does not replace, a genetic counsellor" in item for item in data["advice"])
    assert "PMCID:PMC2654865" in data["sources"]


def test_table_shows_people_next_child_and_advice(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "--ped", str(PEDS / "ado2_family.ped"), "--disease", "ADO2")
    assert code == 0
    assert "Genetic risk for ADO2: OMIM:166600" in out
    assert "penetrance 0.66" in out
    assert "Next child of DAD and MUM: affected 33%, carries variant 50%" in out
    assert "X-rays of the parents' skeleton" in out
    assert "DAD     male    unaffected  -     25.4%" in out


def test_phenopacket_family_input(capsys: pytest.CaptureFixture[str]) -> None:
    path = TESTS / "data" / "phenopackets" / "family.json"
    code, out = _run(capsys, "--phenopacket", str(path), "--disease", "OMIM:259700", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["couple"]["consanguinity"] == "phenopacket"
    assert data["next_child"]["affected_probability"] == pytest.approx(0.25)


def test_x_linked_disease_not_in_the_knowledge_base_with_stated_inheritance(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = _run(
        capsys, "--ped", str(PEDS / "xlr_isolated.ped"), "--disease", "OMIM:300000", "--inheritance", "XLR",
        "--mutation-rate", "1e-7", "--format", "json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    mother = next(p for p in data["individuals"] if p["id"] == "MUM")
    assert mother["carrier_probability"] == pytest.approx(2 / 3, abs=1e-6)
    assert data["next_child"]["by_sex"]["male"]["affected_probability"] == pytest.approx(1 / 3, abs=1e-6)


def test_couple_consanguinity_and_penetrance_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(
        capsys, "--ped", str(PEDS / "ad_affected_parent.ped"), "--disease", "ADO2", "--couple", "DAD,MUM",
        "--penetrance", "0.9", "--allele-frequency", "1e-9", "--format", "json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["penetrance"] == 0.9
    assert data["next_child"]["affected_probability"] == pytest.approx(0.45, abs=1e-6)
    code, out = _run(
        capsys, "--ped", str(PEDS / "cousins_unlinked.ped"), "--disease", "OPTB1", "--consanguineous",
        "--inbreeding", "0.125", "--format", "json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["couple"]["inbreeding_coefficient"] == 0.125


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--disease", "OPTB1"], "one of the arguments --ped --phenopacket is required"),
        (["--ped", "a.ped", "--phenopacket", "b.json", "--disease", "OPTB1"], "not allowed with argument"),
        (["--ped", str(PEDS / "ar_sibship.ped"), "--disease", "OMIM:999999"], "is not in the knowledge base"),
        (["--ped", str(PEDS / "ar_sibship.ped"), "--disease", "ADO2", "--penetrance", "0"], "--penetrance 0.0 is out of range"),
        (["--ped", str(PEDS / "ar_sibship.ped"), "--disease", "ADO2", "--penetrance", "x"], "'x' is not a number"),
        (["--ped", str(PEDS / "ar_sibship.ped"), "--disease", "ADO2", "--couple", "DAD"], "--couple 'DAD': expected two"),
        (["--ped", str(PEDS / "ar_sibship.ped"), "--disease", "ADO2", "--couple", "DAD,KID"], "are both male"),
        (["--ped", str(PEDS / "ar_sibship.ped"), "--disease", "ADO2", "--couple", "DAD,ZZ"], "'ZZ' is not in"),
        (["--ped", str(PEDS / "ar_inconsistent.ped"), "--disease", "OPTB1"], "inconsistent with autosomal recessive"),
        (["--ped", str(PEDS / "cycle.ped"), "--disease", "OPTB1", "--couple", "A,B"], "parentage cycle"),
        (["--ped", str(PEDS / "bad_test_word.ped"), "--disease", "OPTB1"], "line 1 column 7: test result 'maybe'"),
        (["--ped", str(PEDS / "absent.ped"), "--disease", "OPTB1"], "no such file"),
        (["--ped", str(PEDS / "ar_sibship.ped"), "--disease", "OPTB1", "--allele-frequency", "0.9"], "--allele-frequency 0.9"),
        (["--ped", str(PEDS / "ar_sibship.ped"), "--disease", "OPTB1", "--mutation-rate", "-1"], "--mutation-rate -1.0"),
        (["--ped", str(PEDS / "ar_sibship.ped"), "--disease", "OPTB1", "--inbreeding", "0.5"], "--inbreeding 0.5"),
    ],
)  # fmt: skip
def test_errors_are_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], expected: str) -> None:
    code, message = _run(capsys, *argv)
    assert code == 2
    assert expected in message
    assert "\n" not in message
