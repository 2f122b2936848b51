"""Hostile input to the look-up commands: ``marbledx term``, ``subtypes`` and ``subtype``.

Expected everywhere: a one-line error naming the argument and what is expected, a hint where one is cheap,
never a traceback, and no raw control character on the terminal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from marbledx.ontology import Hpo

from ..conftest import MINI_RELEASE
from .cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)


def _ids(out: str) -> list[str]:
    return [row["id"] for row in json.loads(out)]


def _json_under_an_ascii_terminal(*argv: str, **env: str) -> Any:
    """``marbledx ARGV --format json`` in a child process whose stdout is ASCII: exit 0, and ASCII JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "marbledx", *argv, "--format", "json"],
        capture_output=True,
        env=dict(os.environ, PYTHONIOENCODING="ascii", **env),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.decode("ascii"))


# -- term: the limit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_term_limit_below_one_is_refused(capsys: pytest.CaptureFixture[str], limit: str) -> None:
    # -1 used to show every match but the last (a slice [:-1]); 0 said "no matching HPO terms".
    code, out, err = run_cli(capsys, "term", "anemia", "--limit", limit)
    assert (code, out) == (2, "")
    assert err == f"marbledx: error: --limit must be at least 1, got {limit}\n"


def test_term_says_how_many_matches_the_limit_leaves_out(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "term", "a", "--limit", "2")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2 + 2 + 1  # header, rule, two rows, the note
    assert lines[-1].startswith("note: 2 of ")
    assert lines[-1].endswith(" matching terms shown; --limit N shows more")
    code, out, err = run_cli(capsys, "term", "a", "--limit", "2", "--format", "json")
    assert len(json.loads(out)) == 2
    assert err.startswith("marbledx: note: 2 of ")


# -- term: ids in every form -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "hp:0001903",
        "HP_0001903",
        " HP:0001903\t",
        "0001903",
        "HP:1903",
        "hp 1903",
        "http://purl.obolibrary.org/obo/HP_0001903",
        "https://purl.obolibrary.org/obo/HP_0001903",
    ],
)
def test_term_reads_ids_as_they_are_pasted(capsys: pytest.CaptureFixture[str], query: str) -> None:
    code, out, _ = run_cli(capsys, "term", query, "--format", "json")
    assert code == 0
    assert [(row["id"], row["match_type"]) for row in json.loads(out)] == [("HP:0001903", "id")]


def test_term_tells_that_an_obsolete_id_was_replaced(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "term", "HP:0009999")
    assert code == 0
    assert out.splitlines()[-1] == "note: HP:0009999 is obsolete; replaced by HP:0000572 Visual loss"
    # In JSON the note goes to stderr, and stdout stays the same list of matches.
    code, out, err = run_cli(capsys, "term", "HP:0009999", "--format", "json")
    assert _ids(out) == ["HP:0000572"]
    assert err == "marbledx: note: HP:0009999 is obsolete; replaced by HP:0000572 Visual loss\n"


def test_term_tells_that_an_alternative_id_was_read(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "term", "HP:0004840")
    assert code == 0
    assert "HP:0001903  Anemia" in out
    assert out.splitlines()[-1] == "note: HP:0004840 is an alternative id of HP:0001903 Anemia"


@pytest.mark.parametrize(
    ("query", "note"),
    [
        ("HP:0009998", "note: HP:0009998 is obsolete in HPO release 2099-01-01 and has no replacement"),
        (
            "HP:1234567",
            "note: HP:1234567 is not a term of HPO release 2099-01-01; expected a current id such as HP:0011002 "
            "(a newer release: 'marbledx data update')",
        ),
    ],
)
def test_term_says_why_an_id_finds_nothing(capsys: pytest.CaptureFixture[str], query: str, note: str) -> None:
    code, out, err = run_cli(capsys, "term", query)
    assert (code, err) == (1, "")
    assert out.splitlines() == ["no matching HPO terms", note]


def test_term_looks_up_a_pasted_list_of_ids(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "term", "HP:0001903,", "HP:0009999;HP:0001744", "--format", "json")
    assert code == 0
    assert _ids(out) == ["HP:0001903", "HP:0000572", "HP:0001744"]
    assert "HP:0009999 is obsolete; replaced by HP:0000572" in err
    # One id the release lacks: the others are shown, and the exit status says something was not found.
    code, out, err = run_cli(capsys, "term", "HP:0001903", "HP:1234567", "--format", "json")
    assert code == 1
    assert _ids(out) == ["HP:0001903"]
    assert "HP:1234567 is not a term of HPO release 2099-01-01" in err


# -- term: text that is not words --------------------------------------------------------------------------


@pytest.mark.parametrize("query", [".*", "(", "[", "!!!", "\x1b", "\u8ca7\u8840", "\u00df"])
def test_term_without_letters_or_digits_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], query: str
) -> None:
    code, out, err = run_cli(capsys, "term", query)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith("marbledx: error: QUERY ")
    assert "has no letters or digits to search for; expected an HPO id (HP:0011002)" in err
    assert "\x1b" not in err


@pytest.mark.parametrize("query", ["'; DROP TABLE terms; --", "\x1b]0;pwned\x07", "HP:0001903\udcff"])
def test_term_hostile_words_find_nothing_quietly(capsys: pytest.CaptureFixture[str], query: str) -> None:
    code, out, err = run_cli(capsys, "term", query)
    assert (code, out, err) == (1, "no matching HPO terms\n", "")


def test_term_labels_from_a_release_are_escaped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, release_copy: Path
) -> None:
    # A release from a mirror (marbledx data use FOLDER) could carry a terminal escape sequence in a label.
    obo = release_copy / "hp.obo"
    obo.write_text(obo.read_text().replace("name: Splenomegaly", "name: Spleno\x1b[2Jmegaly"))
    monkeypatch.setenv("MARBLEDX_HPO", str(release_copy))
    code, out, _ = run_cli(capsys, "term", "spleno")
    assert code == 0
    assert "\x1b" not in out
    assert "Spleno\\x1b[2Jmegaly" in out


def test_term_json_is_valid_under_an_ascii_terminal() -> None:
    rows = _json_under_an_ascii_terminal("term", "Albers-Schönberg", MARBLEDX_HPO=str(MINI_RELEASE))
    assert [row["id"] for row in rows] == ["HP:0011002"]


# -- the search itself -------------------------------------------------------------------------------------


def test_search_counts_a_repeated_word_once(mini_hpo: Hpo) -> None:
    # The length penalty used the number of words with repeats, so "bone bone" scored otherwise than "bone".
    ontology = mini_hpo.ontology
    assert ontology.search("bone bone bone") == ontology.search("bone")
    assert ontology.search("anemia " * 20_000) == ontology.search("anemia anemia")


def test_search_skips_a_query_with_more_words_than_any_text(mini_hpo: Hpo) -> None:
    # 100 kB of distinct words used to be compared with every label and synonym; none can hold them all.
    ontology = mini_hpo.ontology
    ontology.search("anemia")  # builds the search table

    class Untouchable(list[tuple[int, str, str, str]]):
        def __iter__(self) -> object:  # type: ignore[override]
            msg = "the search table was read"
            raise AssertionError(msg)

    table = ontology.__dict__["_search_table"]
    try:
        ontology.__dict__["_search_table"] = Untouchable(table)
        assert ontology.search(" ".join(f"w{i}" for i in range(5_000))) == []
    finally:
        ontology.__dict__["_search_table"] = table


# -- subtype -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "key"),
    [
        (["OPTB 1"], "OPTB1"),
        (["optb-1"], "OPTB1"),
        (["OPTB", "1"], "OPTB1"),
        (["259700"], "OPTB1"),
        (["#259700"], "OPTB1"),
        (["MIM:259700"], "OPTB1"),
        (["OMIM 166600"], "ADO2"),
        (["intermediate", "osteopetrosis"], "IAO"),
        (["\uff2f\uff30\uff34\uff22\uff11"], "OPTB1"),  # full-width letters
    ],
)
def test_subtype_takes_names_as_they_are_typed(
    capsys: pytest.CaptureFixture[str], argv: list[str], key: str
) -> None:
    code, out, _ = run_cli(capsys, "subtype", *argv, "--format", "json")
    assert code == 0
    assert json.loads(out)["key"] == key


@pytest.mark.parametrize(("query", "suggested"), [("OPTB10", "OPTB1"), ("ADO 4", "ADO3, ADO2, ADO1")])
def test_unknown_subtype_suggests_close_names(
    capsys: pytest.CaptureFixture[str], query: str, suggested: str
) -> None:
    code, out, err = run_cli(capsys, "subtype", query)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith(
        f"marbledx: error: no osteopetrosis subtype or differential entity matches {query!r}"
    )
    assert err.endswith(f"; did you mean {suggested}?\n")


@pytest.mark.parametrize("query", ["", "   ", "\t"])
def test_empty_subtype_is_named_as_such(capsys: pytest.CaptureFixture[str], query: str) -> None:
    code, out, err = run_cli(capsys, "subtype", query)
    assert (code, out) == (2, "")
    assert err.startswith("marbledx: error: ID_OR_NAME is empty; expected an OMIM/ORPHA id, a short name")


def test_a_huge_subtype_query_is_quoted_clipped(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "subtype", "x" * 100_000)
    assert code == 2
    assert err.count("\n") == 1
    assert len(err) < 400
    assert "'" + "x" * 40 + "\u2026'" in err


def test_subtype_query_with_escapes_is_not_echoed_raw(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "subtype", "\x1b[31mOPTB9")
    assert code == 2
    assert "\x1b" not in err
    assert "\\x1b[31mOPTB9" in err
    assert err.endswith("; did you mean OPTB9?\n")


def test_a_gene_still_names_its_subtypes(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "subtype", "tcirg1")
    assert code == 2
    assert err.startswith("marbledx: error: 'tcirg1' is a gene, not an entity; it causes OPTB1")


def test_subtype_json_is_valid_under_an_ascii_terminal() -> None:
    entity = _json_under_an_ascii_terminal("subtype", "ADO2")
    assert "Albers-Schönberg disease" in entity["names"]["synonyms"]


def test_the_knowledge_base_itself_takes_loose_names_for_every_caller() -> None:
    # The looser matching lives in KnowledgeBase.get, so the Python API, the REST API, the pages and
    # `risk --disease` take "OPTB 1" as the command line does (it was only in the CLI).
    from marbledx.errors import UnknownEntityError
    from marbledx.knowledge import load_knowledge_base

    kb = load_knowledge_base()
    for query in ("OPTB 1", "optb-1", "#259700", "MIM:259700"):
        assert kb.get(query).key == kb.get("OPTB1").key, query
    with pytest.raises(UnknownEntityError, match=r"did you mean OPTB1"):
        kb.get("OPTB10")
