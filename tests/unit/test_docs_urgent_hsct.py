"""Every doc statement of which HSCT decisions are urgent names exactly the cards marked ``urgent: true``
(review: docs/counselling.md listed LAD3, whose card has ``urgent: false``)."""

from __future__ import annotations

import re

from marbledx.knowledge import KnowledgeBase

from ..conftest import TESTS

DOCS = TESTS.parent / "docs"


def _text(name: str) -> str:
    return " ".join((DOCS / name).read_text(encoding="utf-8").split())


def _urgent(kb: KnowledgeBase) -> list[str]:
    return [e.key for e in kb.subtypes if e.hsct is not None and e.hsct.urgent and not e.hsct.unverified]


def _genes(kb: KnowledgeBase) -> set[str]:
    return {g for key in _urgent(kb) for g in kb.get(key).gene_symbols}


def test_counselling_names_the_urgent_cards(kb: KnowledgeBase) -> None:
    match = re.search(r"marks the HSCT decision urgent \(([^)]*)\)", _text("counselling.md"))
    assert match is not None
    named, _, rest = match.group(1).partition(";")
    assert sorted(k.strip() for k in named.split(",")) == sorted(_urgent(kb))
    # A card the doc names as not urgent is not marked urgent.
    for key in re.findall(r"\bnot (\w+)", rest):
        assert key not in _urgent(kb)


def test_care_names_the_time_critical_genes(kb: KnowledgeBase) -> None:
    match = re.search(r"whose HSCT is curative and time-critical \(([^)]*)\)", _text("care.md"))
    assert match is not None
    genes = {part.split()[-1] for part in match.group(1).split(",")}
    assert genes == _genes(kb)


def test_knowledge_base_names_the_urgent_genes(kb: KnowledgeBase) -> None:
    match = re.search(
        r"where transplant must precede optic-nerve damage: ([^;]*);", _text("knowledge-base.md")
    )
    assert match is not None
    genes = {part.split()[-1] for part in match.group(1).split(",")}
    assert genes == _genes(kb)
