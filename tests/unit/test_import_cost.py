"""What ``marbledx rank`` imports: only what it needs (issue 3's 1.5 s target for one case end to end).

The modules of the other commands, the plain-words parser and the registry and web stacks are imported when
used, not at start-up. Timings are in docs/benchmarks.md; these tests check the imports themselves, in a fresh
interpreter (this one has imported everything already).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import marbledx
import marbledx.advice
import marbledx.findings
import marbledx.genotype
from marbledx.cli import build_parser, main

from ..conftest import MINI_RELEASE, TESTS

# Modules that ranking a phenopacket does not use.
NOT_FOR_RANK = (
    "marbledx.findings._text",  # plain words: only --text
    "marbledx.findings._text_labs",
    "marbledx.advice",  # care plan and counselling: analyze, risk
    "marbledx.advice._care",
    "marbledx.advice._risk",
    "marbledx.cli._labs_cmd",
    "marbledx.cli._risk_cmd",
    "marbledx.cli._registry_cmd",
    "marbledx.cli._serve_cmd",
    "marbledx.registry",
    "marbledx.report",
    "marbledx.web",
    "sqlalchemy",
    "alembic",
    "fastapi",
    "starlette",
    "jinja2",
    "weasyprint",
    "getpass",
    "pysam",  # the VCF reader: only with a VCF
    "marbledx.genotype._vcf",
    "numba",  # the VCF reader's screen: only with a single-sample text VCF
    "isal",  # its decompression of bgzipped text
    "marbledx.genotype._screen",
    "marbledx.genotype._clinvar",
    "marbledx.genotype._fetch",
)

_RUN = """
import contextlib, io, json, sys
from marbledx.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    try:
        code = main(sys.argv[1:])
    except SystemExit as stop:  # --help
        code = stop.code
print(json.dumps({"code": code, "output": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def _modules_after(*argv: str) -> tuple[int, str, set[str]]:
    """Exit code, output and imported modules of ``marbledx ARGV`` run in a new interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", _RUN, *argv], capture_output=True, text=True, check=True, timeout=300
    )
    seen = json.loads(done.stdout.splitlines()[-1])
    return seen["code"], seen["output"], set(seen["modules"])


def test_rank_imports_only_what_it_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    code, output, modules = _modules_after(
        "rank", str(TESTS / "data" / "phenopackets" / "infant_aro.json"), "--format", "jsonl"
    )
    assert code == 0
    assert json.loads(output)["diagnoses"]  # the case was ranked
    assert "marbledx.ranking" in modules  # the check sees the imports of a ranking run
    assert sorted(set(NOT_FOR_RANK) & modules) == []


def test_rank_with_text_imports_the_text_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    code, output, modules = _modules_after("rank", "--text", "osteopetrosis and anaemia", "--format", "jsonl")
    assert code == 0
    assert json.loads(output)["diagnoses"]
    assert "marbledx.findings._text" in modules


def test_command_modules_are_imported_for_their_command_only() -> None:
    code, output, modules = _modules_after("labs", "--help")
    assert code == 0
    assert "usage: marbledx labs" in output
    assert "marbledx.cli._labs_cmd" in modules
    assert "marbledx.cli._risk_cmd" not in modules
    assert "marbledx.cli._registry_cmd" not in modules


def test_every_command_is_listed_by_help(capsys: pytest.CaptureFixture[str]) -> None:
    from marbledx.cli._main import _MODULE_COMMANDS, _OWN_COMMANDS

    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    listed = capsys.readouterr().out
    for name in (*_OWN_COMMANDS, *_MODULE_COMMANDS):
        assert f"\n    {name} " in listed, name


def test_the_full_parser_has_every_command_and_the_lists_are_complete() -> None:
    from marbledx.cli._main import _MODULE_COMMANDS, _OWN_COMMANDS

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    assert isinstance(commands.choices, dict)
    # A command added to _main.py but to neither list would import every command module when it runs.
    assert set(commands.choices) == _OWN_COMMANDS | set(_MODULE_COMMANDS)
    assert not _OWN_COMMANDS & set(_MODULE_COMMANDS)


@pytest.mark.parametrize("command", ["risk", "users", "labs"])
def test_a_command_from_its_module_has_its_arguments(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    assert f"usage: marbledx {command} [-h]" in capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"marbledx {marbledx.__version__}\n"
    assert marbledx.__version__


@pytest.mark.parametrize("package", [marbledx, marbledx.findings, marbledx.advice, marbledx.genotype])
def test_lazy_names_resolve(package: ModuleType) -> None:
    names: list[str] = package.__all__
    assert set(names) <= set(dir(package))
    for name in names:
        assert getattr(package, name) is not None, name
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        _ = package.no_such_name


def test_names_resolve_to_their_modules() -> None:
    from marbledx.findings._text import TextParser

    assert marbledx.findings.TextParser is TextParser
    assert marbledx.findings.read_ped.__module__ == "marbledx.findings._pedigree"
    assert marbledx.advice.counselling_report.__module__ == "marbledx.advice._risk"


def test_rank_with_a_vcf_imports_the_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    vcf = TESTS.parent / "examples" / "infant-aro.vcf"
    case = TESTS / "data" / "phenopackets" / "infant_aro.json"
    code, output, modules = _modules_after("rank", str(case), "--vcf", str(vcf), "--format", "jsonl")
    assert code == 0
    assert json.loads(output)["genotype"]["vcf"] == str(vcf)
    assert {"pysam", "marbledx.genotype._vcf"} <= modules
    # A small VCF is read record by record: the bulk screen (genotype/_screen.py) would not pay for loading
    # numba (about 0.35 s, or 12 s to compile it the first time; genotype/_vcf.py, _SCREEN_MIN_BYTES_*).
    assert not {"numba", "marbledx.genotype._screen"} & modules


def test_rank_with_a_large_vcf_imports_the_screen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    lines = (TESTS.parent / "examples" / "infant-aro.vcf").read_text().splitlines()
    # The example's records behind 7 MiB of header lines: above the size from which a text VCF is screened.
    padding = ["##padding=" + "x" * 1024] * (7 * 1024)
    vcf = tmp_path / "large.vcf"
    vcf.write_text("\n".join([lines[0], *padding, *lines[1:]]) + "\n")
    case = TESTS / "data" / "phenopackets" / "infant_aro.json"
    code, output, modules = _modules_after("rank", str(case), "--vcf", str(vcf), "--format", "jsonl")
    assert code == 0
    assert json.loads(output)["genotype"]["vcf"] == str(vcf)
    # A single-sample text VCF that large is screened in bulk, with numba.
    assert {"numba", "marbledx.genotype._screen"} <= modules


def test_rank_with_a_multi_sample_vcf_does_not_import_the_screen(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    lines = (TESTS.parent / "examples" / "infant-aro.vcf").read_text().splitlines()
    # The proband's column again as a second sample: such files take the per-record path (see read_vcf).
    two = [line if line.startswith("##") else f"{line}\t{line.split(chr(9))[-1]}" for line in lines]
    two = [line.replace("example-infant\texample-infant", "example-infant\tsibling") for line in two]
    vcf = tmp_path / "two.vcf"
    vcf.write_text("\n".join(two) + "\n")
    case = TESTS / "data" / "phenopackets" / "infant_aro.json"
    args = ("rank", str(case), "--vcf", str(vcf), "--sample", "example-infant", "--format", "jsonl")
    code, _, modules = _modules_after(*args)
    assert code == 0
    assert "marbledx.genotype._vcf" in modules
    assert not {"numba", "isal", "marbledx.genotype._screen"} & modules
