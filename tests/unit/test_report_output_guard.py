"""The report writer refuses an output path it would replace with a regular file (a device, a named pipe, a
socket, a symbolic link), from Python as from ``marbledx analyze -o``, by one rule (QA review follow-up).

No test writes to a real device: the paths refused are named pipes and links inside ``tmp_path``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import marbledx.report
from marbledx.errors import InputError
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.report import AnalysisReport, _render, analyze, write_report

from ..conftest import TESTS
from .cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)

CASE = TESTS / "data" / "phenopackets" / "infant_aro.json"


@pytest.fixture(scope="module")
def report(mini_hpo: Hpo, kb: KnowledgeBase) -> AnalysisReport:
    return analyze(CASE, hpo=mini_hpo, kb=kb)


def _write(report: AnalysisReport, out: Path, mini_hpo: Hpo, kb: KnowledgeBase) -> Path:
    # JSON: the refusal is the writer's, whatever the format, and JSON needs no rendering.
    return write_report(report, out, hpo=mini_hpo, kb=kb, fmt="json")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_refused_not_replaced(
    report: AnalysisReport, mini_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(InputError) as info:
        _write(report, pipe, mini_hpo, kb)
    assert str(info.value) == (
        f"{pipe}: not a regular file (a device, pipe or socket); expected a file name for the report"
    )
    assert pipe.is_fifo()
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]  # no temporary file left


@pytest.mark.parametrize("dangling", [False, True], ids=["to-a-file", "dangling"])
def test_a_symbolic_link_is_refused_and_its_target_kept(
    report: AnalysisReport, mini_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path, dangling: bool
) -> None:
    target = tmp_path / "target.json"
    if not dangling:
        target.write_text("previous report", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    with pytest.raises(InputError) as info:
        _write(report, link, mini_hpo, kb)
    assert str(info.value) == (
        f"{link}: a symbolic link (it would be replaced, and its target left as it is); expected a file name "
        "for the report"
    )
    assert link.is_symlink()
    assert target.exists() is not dangling
    if not dangling:
        assert target.read_text(encoding="utf-8") == "previous report"


def test_a_regular_file_is_still_replaced(
    report: AnalysisReport, mini_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    out = tmp_path / "r.json"
    out.write_text("previous report", encoding="utf-8")
    assert _write(report, out, mini_hpo, kb) == out
    assert '"care_plan"' in out.read_text(encoding="utf-8")


def test_the_cli_asks_the_writers_rule_before_the_analysis(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # One rule: whatever the writer refuses, -o refuses before any input is read (the case here is missing).
    asked: list[str] = []

    def refuse(out: str | Path) -> str:
        asked.append(str(out))
        return "refused by the writer's rule"

    # The writer's module and the package that exports it, where the CLI finds it.
    monkeypatch.setattr(_render, "report_path_problem", refuse)
    monkeypatch.setattr(marbledx.report, "report_path_problem", refuse)
    out = tmp_path / "r.html"
    code, stdout, err = run_cli(capsys, "analyze", str(tmp_path / "missing.json"), "-o", str(out))
    assert code == 2
    assert stdout == ""
    assert err == (
        f"marbledx: error: -o {out}: refused by the writer's rule; expected a file name for the report, or '-' "
        "for standard output\n"
    )
    assert asked == [str(out)]
