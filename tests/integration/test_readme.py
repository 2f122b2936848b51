"""The README's Python example runs and gives the values its comments state."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import marbledx

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.integration


def _python_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"## Python API\n\n```python\n(.*?)```", text, re.DOTALL)
    assert match, "README.md has no Python API block"
    return match.group(1)


def test_the_readme_python_example_gives_the_values_its_comments_state(
    monkeypatch: pytest.MonkeyPatch, real_hpo: marbledx.Hpo
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(marbledx, "load_hpo", lambda: real_hpo)  # the release already loaded for the tests
    namespace: dict[str, object] = {}
    checked = 0
    statement = ""
    for line in _python_block().splitlines():
        code, _, comment = line.partition("#")
        statement += code + "\n"
        try:
            tree = ast.parse(statement)
        except SyntaxError:
            continue  # a statement over several lines
        expected = re.match(r"\s*(\[.*?\]|'[^']*'|[0-9.]+)", comment)
        if expected and len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
            value = eval(compile(ast.Expression(tree.body[0].value), "README.md", "eval"), namespace)
            assert value == ast.literal_eval(expected.group(1)), statement
            checked += 1
        else:
            exec(compile(tree, "README.md", "exec"), namespace)
        statement = ""
    assert checked >= 6
