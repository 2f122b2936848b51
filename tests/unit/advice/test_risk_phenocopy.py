"""A phenocopy rate must stay below the (lifetime) penetrance: otherwise being affected would count against the
disease genotype and every status update would silently run backwards."""

from __future__ import annotations

import pytest

from marbledx.advice import RiskModel, resolve_disease
from marbledx.advice._risk import PenetranceCurve
from marbledx.cli import main
from marbledx.errors import InputError
from marbledx.knowledge import Inheritance, KnowledgeBase

from ...conftest import TESTS

PED = str(TESTS / "data" / "pedigrees" / "ado2_family.ped")  # unaffected DAD, MUM unknown, affected KID
AD = Inheritance.AUTOSOMAL_DOMINANT
AR = Inheritance.AUTOSOMAL_RECESSIVE


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        # Before the fix these ran (exit 0) and the affected child came out a carrier with ~1e-4.
        (["--penetrance", "0.3", "--phenocopy", "0.4"],
         "--phenocopy 0.4 is not below --penetrance 0.3; expected a phenocopy rate below the penetrance, so that "
         "being affected is evidence for the disease genotype"),
        (["--penetrance", "0.3", "--phenocopy", "0.3"], "--phenocopy 0.3 is not below --penetrance 0.3; expected"),
        (["--penetrance-by-age", "0:0.1,20:0.3", "--phenocopy", "0.4"],
         "--phenocopy 0.4 is not below 0.3, the lifetime penetrance (last value) of --penetrance-by-age "
         "'0:0.1,20:0.3'"),
        (["--penetrance-by-age", "0:0.2", "--phenocopy", "0.2"],
         "--phenocopy 0.2 is not below 0.2, the lifetime penetrance (last value) of --penetrance-by-age '0:0.2'"),
    ],
)  # fmt: skip
def test_cli_refuses_a_phenocopy_rate_not_below_the_penetrance(
    capsys: pytest.CaptureFixture[str], flags: list[str], expected: str
) -> None:
    code = main(["risk", "--ped", PED, "--disease", "ADO2", *flags])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith(f"marbledx: error: {expected}")
    assert err.count("\n") == 1
    assert err.endswith("\n")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "flags",
    [
        ["--penetrance", "0.3", "--phenocopy", "0.29"],
        # Above the curve's early values only: an affected infant is then rightly more likely a phenocopy.
        ["--penetrance-by-age", "0:0.1,20:0.66", "--phenocopy", "0.2"],
        ["--penetrance-by-age", "0:0,20:0.66", "--phenocopy", "0.01"],
        ["--penetrance-by-age", "0:0,20:0.66"],
    ],
)
def test_cli_still_accepts_a_phenocopy_rate_below_the_penetrance(
    capsys: pytest.CaptureFixture[str], flags: list[str]
) -> None:
    assert main(["risk", "--ped", PED, "--disease", "ADO2", "--format", "json", *flags]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"penetrance": 0.3, "phenocopy": 0.4}, "phenocopy rate 0.4 is not below the penetrance 0.3; expected"),
        ({"penetrance": 0.3, "phenocopy": 0.3}, "phenocopy rate 0.3 is not below the penetrance 0.3; expected"),
        ({"penetrance": 0.3, "phenocopy": 0.4, "penetrance_by_age": PenetranceCurve.parse("0:0.1,20:0.3")},
         "phenocopy rate 0.4 is not below the penetrance 0.3; expected"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("mode", [AD, AR])
def test_model_refuses_a_phenocopy_rate_not_below_the_penetrance(
    mode: Inheritance, kwargs: dict[str, object], expected: str
) -> None:
    with pytest.raises(InputError, match=expected) as info:
        RiskModel(mode, **kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


def test_model_accepts_a_phenocopy_rate_above_the_curve_at_young_ages() -> None:
    curve = PenetranceCurve.parse("0:0,20:0.66")
    assert RiskModel(AD, penetrance=0.66, phenocopy=0.05, penetrance_by_age=curve).phenocopy == 0.05


def test_resolve_disease_names_the_flags(kb: KnowledgeBase) -> None:
    with pytest.raises(InputError, match=r"^--phenocopy 0\.4 is not below --penetrance 0\.3; expected"):
        resolve_disease(kb, "ADO2", penetrance=0.3, phenocopy=0.4)
    with pytest.raises(InputError, match=r"^--phenocopy 0\.4 is not below 0\.3, the lifetime penetrance"):
        resolve_disease(kb, "ADO2", penetrance_by_age="0:0.1,20:0.3", phenocopy=0.4)
    # Out of its own range: the range message, with the flag, as the command gives it.
    with pytest.raises(InputError, match=r"^--phenocopy 0\.7 is out of range; expected a number at least 0"):
        resolve_disease(kb, "ADO2", phenocopy=0.7)
