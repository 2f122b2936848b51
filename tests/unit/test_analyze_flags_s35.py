"""``marbledx analyze`` without a phenopacket: the patient described by --hpo/--exclude/--text/--age/--sex.

A clinician's first note is a few words, not a phenopacket; ``rank`` has always taken them, and ``analyze`` (the
care plan, counselling and report) takes the same flags, with the same checks and messages, so that the full
analysis does not need a JSON file to be written by hand.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ..conftest import TESTS
from .cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)

PACKET = TESTS / "data" / "phenopackets" / "infant_aro.json"


def _analysis(capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[dict[str, Any], str]:
    code, out, err = run_cli(capsys, "analyze", *flags, "-o", "-", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert isinstance(data, dict)
    return data, err


def test_hpo_flags_give_the_full_analysis(capsys: pytest.CaptureFixture[str]) -> None:
    data, _ = _analysis(
        capsys, "--hpo", "HP:0011002,HP:0001744", "--exclude", "HP:0001873", "--age", "P8M", "--sex", "female"
    )
    assert data["case_id"] == "case"
    assert data["input"] == "(command line)"
    assert data["sex"] == "female"
    assert data["age_days"] == pytest.approx(8 * 30.4375, abs=1.0)
    findings = {(f["hpo_id"], f["status"]) for f in data["findings"]}
    assert {("HP:0011002", "observed"), ("HP:0001744", "observed"), ("HP:0001873", "excluded")} <= findings
    assert data["care_plan"]["diagnosis_id"]


def test_flags_and_a_phenopacket_file_rank_alike(capsys: pytest.CaptureFixture[str]) -> None:
    """The same findings from flags and from the phenopacket give the same differential."""
    packet = json.loads(PACKET.read_text(encoding="utf-8"))
    observed = [f["type"]["id"] for f in packet["phenotypicFeatures"] if not f.get("excluded")]
    excluded = [f["type"]["id"] for f in packet["phenotypicFeatures"] if f.get("excluded")]
    age = packet["subject"]["timeAtLastEncounter"]["age"]["iso8601duration"]
    sex = packet["subject"]["sex"].lower()
    flags = ["--hpo", ",".join(observed), "--age", age, "--sex", sex]
    if excluded:
        flags += ["--exclude", ",".join(excluded)]
    from_flags, _ = _analysis(capsys, *flags)
    from_file, _ = _analysis(capsys, str(PACKET))
    top = [(d["disease_id"], round(d["probability"], 6)) for d in from_flags["diagnoses"]]
    assert top == [(d["disease_id"], round(d["probability"], 6)) for d in from_file["diagnoses"]]


def test_text_mapping_is_shown_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    data, err = _analysis(capsys, "--text", "8-month-old girl with dense bones and no fractures")
    assert "marbledx: text: 'dense bones' -> HP:0011002" in err
    assert data["sex"] == "female"
    assert ("HP:0011002", "observed") in {(f["hpo_id"], f["status"]) for f in data["findings"]}


def test_family_flags_reach_a_case_from_flags(capsys: pytest.CaptureFixture[str]) -> None:
    plain, _ = _analysis(capsys, "--hpo", "HP:0011002", "--age", "P8M")
    related, _ = _analysis(capsys, "--hpo", "HP:0011002", "--age", "P8M", "--consanguineous")
    assert plain["diagnoses"] != related["diagnoses"]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ((), "nothing to analyse; expected a phenopacket (CASE), --hpo HP:… or --text '…'"),
        (
            (str(PACKET), "--hpo", "HP:0011002"),
            "give either a phenopacket (CASE) or --hpo/--exclude/--text/--age/--sex/--case-id, not both",
        ),
        (
            (str(PACKET), "--age", "P8M"),
            "give either a phenopacket (CASE) or --hpo/--exclude/--text/--age/--sex/--case-id, not both",
        ),
        (("--hpo", "HP:0011002", "--age", ""), "--age is empty; expected an ISO 8601 duration"),
        (("--hpo", "HP:0011002", "--case-id", " "), "--case-id is empty"),
        (("--hpo", "HP:0011002", "--sample", "X"), "--sample applies only to a VCF"),
    ],
)
def test_refused_combinations(
    capsys: pytest.CaptureFixture[str], flags: tuple[str, ...], message: str
) -> None:
    code, out, err = run_cli(capsys, "analyze", *flags, "-o", "-", "--format", "json")
    assert code == 2
    assert out == ""
    assert message in err
    assert err.count("\n") == 1


def test_unknown_term_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "analyze", "--hpo", "HP:9999999", "-o", "-", "--format", "json")
    assert code != 0
    assert out == ""
    assert "HP:9999999" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("command", ["rank", "analyze"])
def test_words_that_say_the_parents_are_related_are_consanguinity(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """ "first-cousin parents" in --text counts as --consanguineous, and the user is told so."""
    output = ["-o", "-"] if command == "analyze" else []

    def diagnoses(*flags: str) -> tuple[list[tuple[str, float]], str]:
        code, out, err = run_cli(capsys, command, *flags, *output, "--format", "json")
        assert code == 0, err
        data = json.loads(out)
        case = data if command == "analyze" else data[0]
        return [(d["disease_id"], round(d["probability"], 6)) for d in case["diagnoses"]], err

    words, err = diagnoses("--text", "8-month-old with dense bones; first-cousin parents")
    flagged, _ = diagnoses("--text", "8-month-old with dense bones", "--consanguineous")
    plain, plain_err = diagnoses("--text", "8-month-old with dense bones")
    assert "text: the parents are related -> family history (as --consanguineous)" in err
    assert "parents are related" not in plain_err
    assert words == flagged
    assert words != plain


def test_the_words_mapping_is_in_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    """The clinician checks what was read: the --text mapping leads the report's notes (JSON and HTML)."""
    data, _ = _analysis(capsys, "--text", "8-month-old girl with dense bones")
    assert "text: 'dense bones' -> HP:0011002 Osteopetrosis (observed)" in data["notes"]
    # It leads: the ranking's own notes (the age note of this 8-month-old) come after it.
    assert data["notes"][0].startswith("text: ")
    assert any(note.startswith("age: ") for note in data["notes"])
    code, html, err = run_cli(capsys, "analyze", "--text", "8-month-old girl with dense bones", "-o", "-")
    assert code == 0, err
    mapping = html.index("text: &#39;dense bones&#39; -&gt; HP:0011002 Osteopetrosis (observed)")
    assert mapping < html.index("Note: age: ")
    from_file, _ = _analysis(capsys, str(PACKET))
    assert not any(note.startswith("text: ") for note in from_file["notes"])
