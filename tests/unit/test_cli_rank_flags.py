"""``marbledx rank`` flags: repeated lists, flags mixed with files, the prior, id spellings, output that the
terminal cannot encode, and long --text in error messages."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest

import marbledx
from marbledx._pipeline import iter_rank
from marbledx.cli import main
from marbledx.findings import Case, Finding, normalise_findings
from marbledx.ontology import Hpo
from marbledx.ranking import Ranker

from ..conftest import TESTS
from .cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)

PACKET = TESTS / "data" / "phenopackets" / "infant_aro.json"


def _findings(capsys: pytest.CaptureFixture[str], *flags: str) -> list[tuple[str, str]]:
    code, out, err = run_cli(capsys, "rank", *flags, "--format", "json", "--top", "1")
    assert code == 0, err
    (case,) = json.loads(out)
    return sorted((e["hpo_id"], e["status"]) for e in case["diagnoses"][0]["evidence"])


# -- 1. a repeated --hpo or --exclude adds to the earlier ones ---------------------------------------------


def test_repeated_hpo_and_exclude_are_combined(capsys: pytest.CaptureFixture[str]) -> None:
    repeated = _findings(
        capsys,
        "--hpo",
        "HP:0011002",
        "--hpo",
        "HP:0001744",
        "--exclude",
        "HP:0001873",
        "--exclude",
        "HP:0000572",
    )
    listed = _findings(capsys, "--hpo", "HP:0011002,HP:0001744", "--exclude", "HP:0001873,HP:0000572")
    assert (
        repeated
        == listed
        == [
            ("HP:0000572", "excluded"),
            ("HP:0001744", "observed"),
            ("HP:0001873", "excluded"),
            ("HP:0011002", "observed"),
        ]
    )


def test_repeated_hpo_keeps_comma_lists(capsys: pytest.CaptureFixture[str]) -> None:
    assert [i for i, _ in _findings(capsys, "--hpo", "HP:0011002,HP:0001744", "--hpo", "HP:0001903")] == [
        "HP:0001744",
        "HP:0001903",
        "HP:0011002",
    ]


def test_repeated_text_flags_are_paragraphs_of_one_note(capsys: pytest.CaptureFixture[str]) -> None:
    # The second --text used to replace the first. As paragraphs, the first one's negation ends with it.
    assert _findings(capsys, "--text", "no low platelets, anaemia", "--text", "splenomegaly") == [
        ("HP:0001744", "observed"),
        ("HP:0001873", "excluded"),
    ]


# -- 2. the Python API refuses an unknown prior ------------------------------------------------------------


@pytest.mark.parametrize("prior", ["foo", "Prevalence", None])
def test_api_refuses_an_unknown_prior(mini_hpo: Hpo, prior: Any) -> None:
    case = Case("c", "(test)", (Finding("HP:0011002"),))
    with pytest.raises(marbledx.InputError, match=r"prior: expected 'uniform' or 'prevalence', got "):
        marbledx.rank(case, hpo=mini_hpo, prior=prior)
    with pytest.raises(marbledx.InputError, match=repr(prior)):
        Ranker(mini_hpo, marbledx.load_knowledge_base()).analyse(case, prior=prior)


def test_api_refuses_an_unknown_prior_for_files(mini_hpo: Hpo) -> None:
    prior: Any = "foo"
    with pytest.raises(marbledx.InputError, match=r"prior: expected 'uniform' or 'prevalence', got 'foo'"):
        marbledx.rank(PACKET, hpo=mini_hpo, prior=prior)
    # Before any file is read: a missing file would otherwise be a result with its error.
    with pytest.raises(marbledx.InputError, match="prior: expected"):
        iter_rank(["/nonexistent/case.json"], hpo=mini_hpo, prior=prior)


# -- 3. case flags with files, and empty flags -------------------------------------------------------------


@pytest.mark.parametrize("flags", [["--case-id", "foo"], ["--age", ""], ["--age", "P8M"], ["--hpo", ""]])
def test_case_flags_with_files_are_a_usage_error(
    capsys: pytest.CaptureFixture[str], flags: list[str]
) -> None:
    code, out, err = run_cli(capsys, "rank", str(PACKET), *flags)
    assert code == 2
    assert out == ""
    assert "give either phenopacket files or --hpo/--exclude/--text/--age/--sex/--case-id, not both" in err


def test_an_empty_age_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "rank", "--hpo", "HP:0011002", "--age", "")
    assert code == 2
    assert out == ""
    assert err == "marbledx: error: --age is empty; expected an ISO 8601 duration such as P8M or P2Y6M\n"


def test_case_id_still_names_a_flag_case(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "rank", "--hpo", "HP:0011002", "--case-id", "p7", "--format", "jsonl")
    assert code == 0
    assert json.loads(out)["case_id"] == "p7"
    code, out, _ = run_cli(capsys, "rank", "--hpo", "HP:0011002", "--format", "jsonl")
    assert json.loads(out)["case_id"] == "case"


# -- 4. another spelling of a current id is not "obsolete" -------------------------------------------------


@pytest.mark.parametrize("spelling", ["HP_0001903", "hp:0001903", " HP:0001903 ", "hp_0001903"])
def test_a_current_id_spelt_otherwise_gives_no_warning(mini_hpo: Hpo, spelling: str) -> None:
    findings, warnings = normalise_findings(mini_hpo.ontology, [(spelling, False, "entered")], where="--hpo")
    assert [(f.hpo_id, f.original_id) for f in findings] == [("HP:0001903", None)]
    assert warnings == ()


@pytest.mark.parametrize(("given", "current"), [("HP:0009999", "HP:0000572"), ("HP_0004840", "HP:0001903")])
def test_an_obsolete_or_alternative_id_still_warns(mini_hpo: Hpo, given: str, current: str) -> None:
    findings, warnings = normalise_findings(mini_hpo.ontology, [(given, False, "entered")], where="--hpo")
    assert [(f.hpo_id, f.original_id) for f in findings] == [(current, given)]
    (warning,) = warnings
    assert f"HPO term {given} is obsolete or an alternative id; using {current}" in warning


def test_cli_warns_only_for_the_replaced_id(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "rank", "--hpo", "HP_0011002,HP:0009999", "--format", "json", "--top", "1")
    assert code == 0
    assert "HP_0011002" not in err
    assert "HPO term HP:0009999 is obsolete or an alternative id; using HP:0000572" in err


# -- 5. a terminal that cannot encode the output -----------------------------------------------------------


def _ascii_streams(monkeypatch: pytest.MonkeyPatch) -> tuple[io.BytesIO, io.BytesIO]:
    out, err = io.BytesIO(), io.BytesIO()
    # What PYTHONIOENCODING=ascii gives: strict ASCII on stdout.
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(out, encoding="ascii", errors="strict"))
    monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(err, encoding="ascii", errors="strict"))
    return out, err


def _written(buffer: io.BytesIO) -> str:
    sys.stdout.flush()
    sys.stderr.flush()
    return buffer.getvalue().decode("ascii")


def test_table_on_an_ascii_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = _ascii_streams(monkeypatch)
    code = main(["rank", str(PACKET), "--top", "1"])
    assert code == 0, _written(err)
    text = _written(out)
    assert "Case infant-aro \\u2014 " in text  # the dash of the title, escaped
    assert "internal error" not in _written(err)


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_on_an_ascii_terminal_stays_valid(monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    out, err = _ascii_streams(monkeypatch)
    code = main(["rank", "--hpo", "HP:0011002", "--case-id", "café 😀", "--format", fmt, "--top", "1"])
    assert code == 0, _written(err)
    document = json.loads(_written(out))
    case = document[0] if fmt == "json" else document
    assert case["case_id"] == "café 😀"


def test_a_warning_on_an_ascii_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = _ascii_streams(monkeypatch)
    code = main(["rank", "--hpo", "HP:0011002", "--text", "splenomegaly, pürple elbows", "--top", "1"])
    assert code == 0, _written(err)
    assert "p\\xfcrple elbows" in _written(out)  # the --text line that names the unread words


# -- 6. a long --text is not echoed in full ----------------------------------------------------------------


@pytest.mark.parametrize("text", ["purple elbows " * 40, "xqzw, " * 100])
def test_long_text_is_clipped_in_the_error(capsys: pytest.CaptureFixture[str], text: str) -> None:
    code, out, err = run_cli(capsys, "rank", "--text", text)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "no HPO term found for 'xqzw'" in err or "no HPO term found for 'purple elbows purple" in err
    assert "…);" in err
    assert len(err) < 400  # the quoted part at most 200 characters, and the message's own words
    assert err.endswith("expected clinical findings such as 'anaemia' or 'big spleen', or give --hpo HP:…\n")


def test_short_text_is_quoted_whole(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "rank", "--text", "purple elbows")
    assert code == 2
    assert "(no HPO term found for 'purple elbows');" in err
