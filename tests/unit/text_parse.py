"""The plain-words parser in the unit tests: what it found (its fixture, ``parser``, is in conftest.py)."""

from __future__ import annotations

from marbledx.findings import TextParser


def found(parser: TextParser, text: str) -> set[tuple[str, bool]]:
    """(term id, excluded) of every finding the parser reads in ``text``."""
    return {(m.hpo_id, m.excluded) for m in parser.parse(text).mappings}
