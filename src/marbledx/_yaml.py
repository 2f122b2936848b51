"""Reading the package's YAML data files (knowledge base, lab reference table) with one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from marbledx.errors import KnowledgeBaseError

__all__ = ["read_yaml_document"]

# libyaml's safe loader is several times faster; fall back to the pure-Python one when it is not built.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml_document(path: Path, *, what: str, expected: str) -> Any:
    """The parsed YAML of ``path``; unreadable or malformed files raise :class:`KnowledgeBaseError` naming
    the file (and line), ``what`` the file is, and the ``expected`` content."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"{path}: cannot read {what} ({exc.strerror})"
        raise KnowledgeBaseError(msg) from exc
    try:
        return yaml.load(text, Loader=_SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        msg = f"{path.name}:{where} {problem}; expected {expected}"
        raise KnowledgeBaseError(msg) from exc
