"""``marbledx risk``: the JSON contract, the table, and one-line errors (through the module's own parser)."""

from __future__ import annotations

import argparse
import json

import pytest

from marbledx.cli import _risk_cmd, main
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
        (["--ped", str(PEDS / "ar_sibship.ped"), "--disease", "ADO2", "--penetrance", "0"], "--penetrance 0 is out of range"),
        (["--ped", str(PEDS / "ar_sibship.ped"), "--disease", "ADO2", "--penetrance", "x"], "'x' is not a number"),
        (["--ped", str(PEDS / "ar_sibship.ped"), "--disease", "ADO2", "--couple", "DAD"], "--couple 'DAD': expected two"),
        (["--ped", str(PEDS / "ar_sibship.ped"), "--disease", "ADO2", "--couple", "DAD,KID"], "are both male"),
        (["--ped", str(PEDS / "ar_sibship.ped"), "--disease", "ADO2", "--couple", "DAD,ZZ"], "'ZZ' is not in"),
        (["--ped", str(PEDS / "ar_inconsistent.ped"), "--disease", "OPTB1"], "inconsistent with autosomal recessive"),
        (["--ped", str(PEDS / "cycle.ped"), "--disease", "OPTB1", "--couple", "A,B"], "parentage cycle"),
        (["--ped", str(PEDS / "bad_test_word.ped"), "--disease", "OPTB1"], "line 1 column 7: test result 'maybe'"),
        (["--ped", str(PEDS / "absent.ped"), "--disease", "OPTB1"], "no such file"),
        (["--ped", str(PEDS / "ar_sibship.ped"), "--disease", "OPTB1", "--allele-frequency", "0.9"], "--allele-frequency 0.9"),
        (["--ped", str(PEDS / "ar_sibship.ped"), "--disease", "OPTB1", "--mutation-rate", "-1"], "--mutation-rate -1"),
        (["--ped", str(PEDS / "ar_sibship.ped"), "--disease", "OPTB1", "--inbreeding", "0.5"], "--inbreeding 0.5"),
    ],
)  # fmt: skip
def test_errors_are_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], expected: str) -> None:
    code, message = _run(capsys, *argv)
    assert code == 2
    assert expected in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("flag", "value", "expected"),
    [
        # 0.5 passed the command's own check and then failed in the model, whose message named no flag.
        ("--phenocopy", "0.5", "--phenocopy 0.5 is out of range; expected a number at least 0 and below 0.5"),
        ("--phenocopy", "0.7", "--phenocopy 0.7 is out of range; expected a number at least 0 and below 0.5"),
        ("--phenocopy", "-0.1", "--phenocopy -0.1 is out of range; expected a number at least 0 and below 0.5"),
        ("--phenocopy", "nan", "--phenocopy nan is out of range; expected a number at least 0 and below 0.5"),
        ("--penetrance", "1.5", "--penetrance 1.5 is out of range; expected a number above 0 and at most 1"),
        ("--penetrance", "inf", "--penetrance inf is out of range; expected a number above 0 and at most 1"),
        ("--allele-frequency", "0", "--allele-frequency 0 is out of range; expected a number above 0 and at most 0.5"),
        ("--mutation-rate", "0.02", "--mutation-rate 0.02 is out of range; expected a number at least 0 and at most 0.01"),
        ("--inbreeding", "0.3", "--inbreeding 0.3 is out of range; expected a number above 0 and at most 0.25"),
    ],
)  # fmt: skip
def test_every_range_error_names_its_flag_and_range_in_one_line(
    capsys: pytest.CaptureFixture[str], flag: str, value: str, expected: str
) -> None:
    # Through the real command line: one line on stderr, exit status 2, no traceback.
    code = main(["risk", "--ped", str(PEDS / "ado2_family.ped"), "--disease", "ADO2", f"{flag}={value}"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err == f"marbledx: error: {expected}\n"


@pytest.mark.parametrize(
    ("flag", "key"),
    [
        ("--penetrance", "penetrance"),
        ("--allele-frequency", "allele_frequency"),
        ("--mutation-rate", "mutation_rate"),
        ("--phenocopy", "phenocopy"),
        ("--inbreeding", "inbreeding"),
    ],
)
def test_the_command_accepts_every_value_the_model_accepts_and_refuses_the_rest(
    capsys: pytest.CaptureFixture[str], flag: str, key: str
) -> None:
    from marbledx.advice._risk import PARAMETER_RANGES

    # The command and the model share their bounds: every boundary the model refuses, the command refuses first
    # with its flag; every one the model accepts, the command runs.
    allowed = PARAMETER_RANGES[key]
    for value, ok in (
        (allowed.low, allowed.low_inclusive),
        (allowed.high, allowed.high_inclusive),
        ((allowed.low + allowed.high) / 2, True),
    ):
        argv = ["--ped", str(PEDS / "ado2_family.ped"), "--disease", "ADO2", f"{flag}={value!r}"]
        if key == "inbreeding":
            argv.append("--consanguineous")
        code, message = _run(capsys, *argv)
        assert (code == 0) is ok, (flag, value, message)
        if not ok:
            assert message.startswith(f"{flag} "), message
