"""Hostile and messy pedigree input (PED and phenopacket Family) and ``marbledx risk`` flags.

Every problem is one line naming the file, the line (or ``pedigree.persons[i]``) and the field, with what is
expected; usable input is read (with the engine's assumptions saying what was assumed); nothing hangs.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

import marbledx.advice._risk as risk_module
from marbledx.advice._risk import (
    MAX_PEDIGREE_PEOPLE,
    RiskModel,
    pedigree_risk,
)
from marbledx.cli import main
from marbledx.errors import InputError
from marbledx.findings import read_family_pedigree, read_ped
from marbledx.findings._pedigree import MAX_ID_LENGTH, Pedigree, PedIndividual, read_test_results
from marbledx.knowledge import Inheritance

from ..conftest import TESTS

AR = Inheritance.AUTOSOMAL_RECESSIVE
TRIO = "F1 KID DAD MUM 1 2\nF1 DAD 0 0 1 1\nF1 MUM 0 0 2 1\n"
FAMILY_JSON = TESTS / "data" / "phenopackets" / "family.json"


def _write(tmp_path: Path, data: str | bytes, name: str = "family.ped") -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    return path


def _error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        read_ped(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def _trio_ids(path: Path) -> list[tuple[str, str | None, str | None, str | None, bool | None]]:
    return [(p.id, p.father, p.mother, p.sex, p.affected) for p in read_ped(path).individuals]


# ---------------------------------------------------------------------------------------------------------
# Layout: separators, line ends, byte-order mark, comments, headers


@pytest.mark.parametrize(
    "data",
    [
        TRIO.replace(" ", "\t"),
        "F1\tKID  DAD\t MUM 1\t2\nF1 DAD 0 0 1 1\nF1 MUM 0 0 2 1\n",
        TRIO.replace("\n", "\r\n"),
        TRIO.replace("\n", "\r"),
        "\ufeff" + TRIO,
        "# FID IID PAT MAT SEX PHENO\n\n   \n" + TRIO + "\n\n",
    ],
    ids=["tabs", "mixed", "crlf", "cr", "bom", "comments-and-blank-lines"],
)
def test_layout_variants_read_like_the_plain_file(tmp_path: Path, data: str) -> None:
    expected = _trio_ids(_write(tmp_path, TRIO, "plain.ped"))
    assert _trio_ids(_write(tmp_path, data)) == expected


def test_a_header_line_without_hash_is_named_as_a_header(tmp_path: Path) -> None:
    # It used to fail as "sex 'SEX' is not 1 (male) …", which does not say what to do.
    message = _error(_write(tmp_path, "FID IID PAT MAT SEX PHENOTYPE\n" + TRIO))
    assert "line 1: 'FID IID PAT MAT SEX PHENOTYPE' looks like a column header" in message
    assert "start with '#'" in message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "no individuals"),
        (b"# only a comment\n\n  \t \n", "no individuals"),
        (b"F1 KID DAD MUM 1 2\nF1 D\xe9D 0 0 1 1\n", "line 2 is not UTF-8 text"),
        (b"\xff\xfeF\x001\x00", "(UTF-16 text); expected UTF-8 text (save the file as UTF-8)"),
    ],
    ids=["empty", "comments-only", "latin-1", "utf-16"],
)
def test_empty_and_non_utf8_files(tmp_path: Path, data: bytes, expected: str) -> None:
    assert expected in _error(_write(tmp_path, data))


def test_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "family.ped"
    folder.mkdir()
    assert "is a folder" in _error(folder)


# ---------------------------------------------------------------------------------------------------------
# Characters: NUL, control, invisible and non-ASCII spaces


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # Accepted before: the id 'KID\x01' reached the JSON and the terminal.
        (
            "F1 KID\x01 DAD MUM 1 2",
            "line 1 column 2 (individual): character U+0001 (a control character) in 'KID\\x01'",
        ),
        # Before: "affected status '1\x00' is not …", which hides the NUL.
        ("F1 KID DAD MUM 1 2\x00", "line 1 column 6 (affected): character U+0000 (NUL) in '2\\x00'"),
        # Before: str.split() took the no-break space for a column break, shifting every column.
        ("F1 Mary\u00a0Ann DAD MUM 2 2", "line 1 column 2 (individual): character U+00A0 (NO-BREAK SPACE)"),
        # Before: 'DAD\u200b' silently became a parent "not in the file", unrelated to the listed DAD.
        ("F1 KID DAD\u200b MUM 1 2", "line 1 column 3 (father): character U+200B (ZERO WIDTH SPACE)"),
        ("F1 KID DAD MUM 1 2 carrier\x1b[31m", "line 1 column 7 (an extra column): character U+001B"),
        ("\x0cF1 KID DAD MUM 1 2", "line 1 column 1 (family): character U+000C"),
    ],
    ids=["control", "nul", "no-break-space", "zero-width-space", "escape", "form-feed"],
)
def test_control_and_invisible_characters_name_line_and_column(
    tmp_path: Path, line: str, expected: str
) -> None:
    message = _error(_write(tmp_path, line + "\nF1 DAD 0 0 1 1\nF1 MUM 0 0 2 1\n"))
    assert expected in message
    assert "expected printable text with columns separated by spaces or tabs" in message


def test_line_numbers_count_only_line_feeds_and_carriage_returns(tmp_path: Path) -> None:
    # str.splitlines() also breaks at U+2028 and form feeds, so the error used to name a line number the
    # editor does not show. Now the character itself is the error, on the line the editor shows.
    message = _error(_write(tmp_path, "F1 DAD 0 0 1 1\nF1 MUM 0\u20280 2 1\nF1 KID DAD MUM 1 x\n"))
    assert "line 2 column 3 (father): character U+2028 (LINE SEPARATOR)" in message


# ---------------------------------------------------------------------------------------------------------
# Long values


def test_a_huge_token_is_cut_in_the_message(tmp_path: Path) -> None:
    # A 2 MB junk column 7 used to be repeated whole in the one-line error.
    path = _write(tmp_path, "F1 KID DAD MUM 1 2 " + "x" * 2_000_000 + "\n")
    with pytest.raises(InputError) as info:
        read_test_results(read_ped(path))
    message = str(info.value)
    assert "line 1 column 7: test result 'xxxx" in message
    assert "…'" in message
    assert len(message) < 600


def test_an_id_longer_than_the_limit_is_refused(tmp_path: Path) -> None:
    long_id = "K" * (MAX_ID_LENGTH + 1)
    message = _error(_write(tmp_path, f"F1 {long_id} 0 0 1 2\n"))
    assert f"line 1 column 2 (individual): an id of {MAX_ID_LENGTH + 1} characters" in message
    assert f"expected at most {MAX_ID_LENGTH}" in message
    assert len(message) < 300


# ---------------------------------------------------------------------------------------------------------
# Ids, codes and relations


def test_an_individual_called_0_is_refused(tmp_path: Path) -> None:
    # '0' is the code for "no parent": a person with that id could never be named as a parent.
    message = _error(_write(tmp_path, "F1 0 0 0 1 2\n"))
    assert "line 1 column 2 (individual): '0' is the code for a parent not given" in message


def test_a_duplicate_id_in_another_family_says_ids_are_file_wide(tmp_path: Path) -> None:
    # PLINK keys people by (family, individual); here ids must be unique across the file, which the message
    # now says when the two lines are in different families.
    message = _error(_write(tmp_path, "F1 1 0 0 1 2\nF2 1 0 0 2 1\n"))
    assert "line 2: individual '1' is already defined at line 1 (family 'F1')" in message
    assert "unique across the file, also between families" in message


def test_a_parent_listed_in_another_family_is_refused(tmp_path: Path) -> None:
    # Before, KID (family F1) was linked to the DAD of family F2; PLINK reads F1's DAD as another person.
    message = _error(_write(tmp_path, "F1 KID DAD MUM 1 2\nF2 DAD 0 0 1 1\nF1 MUM 0 0 2 1\n"))
    assert "line 1: father 'DAD' is in family 'F2' (line 2), not in the child's family 'F1'" in message


def test_several_families_in_one_file_are_read(tmp_path: Path) -> None:
    path = _write(tmp_path, TRIO + "F2 K2 D2 M2 2 1\nF2 D2 0 0 1 1\nF2 M2 0 0 2 1\n")
    risk = pedigree_risk(read_ped(path), RiskModel(AR))
    assert risk.couple == ("DAD", "MUM")
    # Only the couple's family is computed; the other family is counted, not named (docs/counselling.md).
    assert [p.id for p in risk.individuals] == ["KID", "DAD", "MUM"]
    assert risk.left_out == 3


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("F1 KID DAD MUM 1 2\nF1 DAD KID 0 1 1\nF1 MUM 0 0 2 1\n", "parentage cycle (KID -> DAD -> KID"),
        ("F1 A B 0 1 2\nF1 B C 0 1 1\nF1 C A 0 1 1\n", "parentage cycle (A -> B -> C -> A"),
    ],
    ids=["parent-is-the-childs-child", "own-grandparent"],
)
def test_a_parentage_cycle_is_refused_by_the_reader(tmp_path: Path, data: str, expected: str) -> None:
    # Before, read_ped accepted a cycle and only the risk engine refused it; analyze --ped reads the file
    # even when it computes no risk, and is now told too.
    message = _error(_write(tmp_path, data))
    assert expected in message
    assert "nobody is their own ancestor" in message


def test_a_long_cycle_is_found_without_recursion_and_named_briefly(tmp_path: Path) -> None:
    n = 5000  # deeper than Python's recursion limit
    lines = [f"F P{i} P{(i + 1) % n} 0 1 1" for i in range(n)]
    message = _error(_write(tmp_path, "\n".join(lines) + "\n"))
    assert "parentage cycle (P0 -> P1 -> P2 -> P3 -> … -> " in message
    assert f"; {n} people, each the child of the next)" in message
    assert len(message) < 400


def test_a_father_coded_female_names_both_lines(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, "F1 KID DAD MUM 1 2\nF1 DAD 0 0 2 1\nF1 MUM 0 0 2 1\n"))
    assert "line 1: father 'DAD' has sex female in line 2" in message


@pytest.mark.parametrize("code", ["3", "1.5", "-1", "affected"])
def test_affected_codes_outside_0_1_2_minus9(tmp_path: Path, code: str) -> None:
    message = _error(_write(tmp_path, f"F1 KID 0 0 1 {code}\n"))
    assert (
        f"line 1: affected status '{code}' is not 1 (unaffected), 2 (affected) or 0/-9 (unknown)" in message
    )


def test_minus9_is_unknown_status_and_sex(tmp_path: Path) -> None:
    (person,) = read_ped(_write(tmp_path, "F1 KID 0 0 -9 -9\n")).individuals
    assert (person.sex, person.affected) == (None, None)


def test_an_id_with_a_space_gets_a_hint(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, "F1 Mary Ann DAD MUM 2 2\n"))
    assert (
        "line 1: sex 'MUM' is not 1 (male), 2 (female) or 0 (unknown); an id with a space in it?" in message
    )


def test_one_parent_and_a_parent_not_listed_are_usable_with_assumptions(tmp_path: Path) -> None:
    path = _write(tmp_path, "F1 KID DAD MUM 1 2\nF1 DAD 0 0 1 1\nF1 SIB DAD 0 2 1\n")
    risk = pedigree_risk(read_ped(path), RiskModel(AR))
    assert any("Parents named but not listed in the file (MUM)" in text for text in risk.assumptions)
    assert any("Where only one parent is given" in text for text in risk.assumptions)
    assert next(p for p in risk.individuals if p.id == "MUM").in_file is False


# ---------------------------------------------------------------------------------------------------------
# Size: a cohort file and a densely inbred pedigree are refused, not computed for hours


def _refuse_computation(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make the costly step fail loudly, so that a missing limit fails the test at once instead of hanging."""

    def reached(*args: Any, **kwargs: Any) -> Any:
        msg = f"{name} was reached: the input should have been refused before"
        raise AssertionError(msg)

    monkeypatch.setattr(risk_module, name, reached)


def test_a_cohort_sized_file_computes_only_the_couples_family(tmp_path: Path) -> None:
    # 1,800 people in 600 other families used to run for many minutes (the work grows faster than the square
    # of the number of people); only the couple's own family bears on their risks.
    lines = [TRIO.strip()]
    for i in range(600):
        lines += [f"F{i} K{i} D{i} M{i} 1 1", f"F{i} D{i} 0 0 1 1", f"F{i} M{i} 0 0 2 1"]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    risk = pedigree_risk(read_ped(path), RiskModel(AR))
    assert [p.id for p in risk.individuals] == ["KID", "DAD", "MUM"]
    assert risk.left_out == 1800


def test_the_people_count_includes_parents_not_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    _refuse_computation(monkeypatch, "_elimination_order")
    people = tuple(
        PedIndividual("F", f"K{i}", f"D{i}", None, "male", False, (), i + 1)
        for i in range(MAX_PEDIGREE_PEOPLE // 2)
    )
    with pytest.raises(InputError) as info:
        pedigree_risk(Pedigree("one-parent.ped", people), RiskModel(AR))
    assert (
        "750 people in the pedigree (250 listed, 250 parents named but not listed, 250 unknown other"
        in str(info.value)
    )


def _inbred(founders: int, generations: int, per_generation: int, seed: int = 1) -> Pedigree:
    """A closed population mating at random: loops everywhere (its elimination width is about 20)."""
    rng = random.Random(seed)
    people: list[PedIndividual] = []
    males: list[str] = []
    females: list[str] = []

    def add(pid: str, father: str | None, mother: str | None, sex: str, affected: bool) -> None:
        people.append(PedIndividual("F", pid, father, mother, sex, affected, (), len(people) + 1))  # type: ignore[arg-type]
        (males if sex == "male" else females).append(pid)

    for i in range(founders):
        add(f"P{i}", None, None, "male" if i % 2 == 0 else "female", False)
    count = 0
    for generation in range(generations):
        fathers, mothers = males[-per_generation:], females[-per_generation:]
        for j in range(per_generation):
            count += 1
            affected = generation == generations - 1 and j == 0
            add(
                f"C{count}",
                rng.choice(fathers),
                rng.choice(mothers),
                "male" if j % 2 == 0 else "female",
                affected,
            )
    return Pedigree("inbred.ped", tuple(people))


def test_a_densely_inbred_pedigree_is_refused_before_building_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    # 96 people: the calculation used to allocate tens of GB (3^20 genotype combinations) and run for minutes.
    _refuse_computation(monkeypatch, "_all_marginals")
    pedigree = _inbred(16, 5, 16)
    with pytest.raises(InputError) as info:
        pedigree_risk(pedigree, RiskModel(AR))
    message = str(info.value)
    assert message.startswith(
        "inbred.ped: the pedigree is too interlinked to compute exactly: with 96 people"
    )
    assert "expected fewer relatives" in message


# ---------------------------------------------------------------------------------------------------------
# Phenopacket Family


def _family(tmp_path: Path, change: Any) -> Path:
    document = json.loads(FAMILY_JSON.read_text(encoding="utf-8"))
    change(document)
    path = tmp_path / "family.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_family_id_with_an_invisible_character_is_refused(tmp_path: Path) -> None:
    path = _family(tmp_path, lambda d: d["pedigree"]["persons"][1].update(individualId="fa\u200bther"))
    with pytest.raises(InputError) as info:
        read_family_pedigree(path)
    assert str(info.value) == (
        f"{path} pedigree.persons[1].individualId: character U+200B (ZERO WIDTH SPACE) in 'fa\\u200bther'; "
        "expected printable text"
    )


def test_family_consanguinity_flag_with_the_proband_missing_is_refused(tmp_path: Path) -> None:
    # Before, the flag was dropped silently (the proband was not a person of the pedigree).
    path = _family(tmp_path, lambda d: d["proband"]["subject"].update(id="nobody"))
    with pytest.raises(
        InputError, match=r"consanguinousParents is true but 'nobody' is not in pedigree.persons"
    ):
        read_family_pedigree(path)


def test_family_parent_in_another_family_is_refused(tmp_path: Path) -> None:
    path = _family(tmp_path, lambda d: d["pedigree"]["persons"][1].update(familyId="other"))
    with pytest.raises(
        InputError, match=r"persons\[0\]: father 'father' is in family 'other' \(pedigree.persons\[1\]\)"
    ):
        read_family_pedigree(path)


# ---------------------------------------------------------------------------------------------------------
# Number flags


def _risk_cli(capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str, str]:
    path = TESTS / "data" / "pedigrees" / "ado2_family.ped"
    code = main(["risk", "--ped", str(path), "--disease", "ADO2", *flags])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("flag", "value", "expected"),
    [
        # float('1_0') is 10, so the message used to say "--penetrance 10", a number nobody typed.
        ("--penetrance", "1_0", "argument --penetrance: '1_0' is not a number"),
        ("--penetrance", "\u0660.\u0665", "argument --penetrance: '\u0660.\u0665' is not a number"),
        ("--penetrance", "-inf", "--penetrance -inf is out of range"),
        ("--allele-frequency", "NaN", "--allele-frequency nan is out of range"),
        ("--mutation-rate", "-1e-9", "--mutation-rate -1e-09 is out of range"),
        ("--inbreeding", "2", "--inbreeding 2 is out of range"),
    ],
)
def test_number_flags_refuse_odd_numbers_in_one_line(
    capsys: pytest.CaptureFixture[str], flag: str, value: str, expected: str
) -> None:
    code, out, err = _risk_cli(capsys, f"{flag}={value}")
    assert (code, out) == (2, "")
    assert err.startswith(f"marbledx: error: {expected}")
    assert err.count("\n") == 1


def test_minus_zero_is_read_as_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _risk_cli(capsys, "--mutation-rate=-0", "--format", "json")
    assert code == 0
    assert '"mutation_rate": 0.0' in out
