"""The plain-words parser in the unit tests: what it found (its fixture, ``parser``, is in conftest.py)."""

from __future__ import annotations

from marbledx.findings import TextParser


def found(parser: TextParser, text: str) -> set[tuple[str, bool]]:
    """(term id, excluded) of every finding the parser reads in ``text``."""
    return {(m.hpo_id, m.excluded) for m in parser.parse(text).mappings}


def assert_held_back(parser: TextParser, text: str, words: str) -> None:
    """``text`` yields no finding: one phrase, containing ``words``, is held back as uncertain, nothing is
    reported as not found."""
    parsed = parser.parse(text)
    assert parsed.mappings == ()
    assert len(parsed.uncertain) == 1
    assert words in parsed.uncertain[0]
    assert parsed.unmatched == ()
