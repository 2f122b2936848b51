"""The command line: contracts of each command, one-line errors, exit codes, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marbledx.cli import _main as cli_module
from marbledx.cli import main

from ..conftest import MINI_RELEASE

SUBTYPE_FIELDS = {"id", "name", "genes", "inheritance", "hsct_decision", "sources"}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_subtypes_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "subtypes", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert rows
    for row in rows:
        assert row.keys() >= SUBTYPE_FIELDS
        assert row["id"] is None or row["id"].startswith(("OMIM:", "ORPHA:"))
        assert row["sources"]
        assert isinstance(row["genes"], list)
        assert row["hsct_decision"] in {
            "curative",
            "partial",
            "not_curative",
            "not_standard",
            "not_recommended",
            "unknown",
        }


def test_subtypes_table_lists_keys_and_the_disclaimer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "subtypes")
    assert code == 0
    assert "OPTB1" in out
    assert "OMIM:259700" in out
    assert "does not replace, clinical judgement" in out
    # CLCN7 ARO is curative only without its neuronopathic subset (reference §1B OPTB4).
    assert "curative if non-neuronopathic (urgent)" in next(
        line for line in out.splitlines() if "OPTB4" in line
    )


def test_subtypes_all_adds_the_differential(capsys: pytest.CaptureFixture[str]) -> None:
    _, subtypes_only, _ = _run(capsys, "subtypes", "--format", "json")
    _, everything, _ = _run(capsys, "subtypes", "--all", "--format", "json")
    assert len(json.loads(everything)) > len(json.loads(subtypes_only))


@pytest.mark.parametrize("query", ["OPTB1", "OMIM:259700", "optb1", "TCIRG1-related osteopetrosis"])
def test_subtype_card_by_id_short_name_or_synonym(capsys: pytest.CaptureFixture[str], query: str) -> None:
    code, out, _ = _run(capsys, "subtype", query)
    assert code == 0
    assert out.startswith("Osteopetrosis, autosomal recessive 1  (OPTB1)")
    assert "HSCT decision" in out
    assert "PMID:10888887" in out


def test_subtype_card_json_has_sources_and_bibliography(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "subtype", "Albers-Schönberg disease", "--format", "json")
    assert code == 0
    card = json.loads(out)
    assert card["key"] == "ADO2"
    assert card["id"] == "OMIM:166600"
    assert card["hsct"]["decision"] == "not_standard"
    assert card["inheritance"]["penetrance"] == pytest.approx(0.66)


def test_unknown_subtype_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "subtype", "OPTB42")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("marbledx: error: no osteopetrosis subtype or differential entity matches 'OPTB42'")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["subtypes", "--format", "xml"], "invalid choice: 'xml'"),
        (["term", "anemia", "--limit", "many"], "invalid int value: 'many'"),
        (["data"], "the following arguments are required: ACTION"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1
    assert fragment in err
    assert "Traceback" not in err


def test_term_search_on_a_chosen_release(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    code, out, _ = _run(capsys, "term", "marble", "bone")
    assert code == 0
    assert "HP:0011002" in out
    code, out, _ = _run(capsys, "term", "HP:0009999", "--format", "json")
    assert json.loads(out)[0]["id"] == "HP:0000572"
    code, out, _ = _run(capsys, "term", "zebra")
    assert (code, out.strip()) == (1, "no matching HPO terms")


def test_data_info_reports_release_and_counts(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    code, out, _ = _run(capsys, "data", "info", "--format", "json")
    assert code == 0
    info = json.loads(out)
    assert info["hpo_version"] == "2099-01-01"
    assert info["annotation_version"] == "2099-01-02"
    assert (info["terms"], info["annotations"], info["genes"]) == (26, 16, 3)
    assert info["diseases"] == {"OMIM": 3, "ORPHA": 1}
    code, out, _ = _run(capsys, "data", "info")
    assert "HPO release:          2099-01-01" in out


def test_missing_release_folder_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", "/nonexistent/hpo")
    code, _, err = _run(capsys, "data", "info")
    assert code == 2
    assert err == (
        "marbledx: error: HPO release folder /nonexistent/hpo: missing hp.obo, phenotype.hpoa, "
        "genes_to_phenotype.txt; expected hp.obo, phenotype.hpoa, genes_to_phenotype.txt\n"
    )


def test_unexpected_failure_never_shows_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        msg = "disk on fire\nsecond line"
        raise RuntimeError(msg)

    monkeypatch.setattr(cli_module, "subtype_summaries", explode)
    code, _, err = _run(capsys, "subtypes")
    assert code == 70
    assert err.count("\n") == 1
    assert "internal error (RuntimeError: disk on fire second line)" in err
    monkeypatch.setenv("MARBLEDX_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["subtypes"])


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.startswith("marbledx ")


def test_percent_never_rounds_up_to_certainty() -> None:
    from marbledx._format import percent

    assert percent(0.997) == "99.7%"
    assert percent(0.99996) == ">99.9%"
    assert percent(1.0) == "100%"
    assert percent(0.0004) == "<0.1%"
    assert percent(0.0) == "0%"
    assert percent(0.42) == "42%"
    assert percent(0.042) == "4.2%"
    assert percent(None) == "—"


def test_a_data_layer_warning_reaches_stderr_in_the_cli_form(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    monkeypatch.setenv("MARBLEDX_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    code, _, err = _run(capsys, "term", "osteopetrosis")
    assert code == 0
    assert "marbledx: warning: cannot write HPO index cache" in err
