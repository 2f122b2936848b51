"""An OMIM or Orphanet id that no card is, but that cards list as broader, narrower or related (ORPHA:667, the
Orphanet group of autosomal recessive malignant osteopetrosis), is answered with the cards that list it; it was
answered with names that merely look alike ("did you mean ECD, PYCD?")."""

from __future__ import annotations

import pytest

from marbledx.errors import UnknownEntityError
from marbledx.knowledge import KnowledgeBase


@pytest.mark.parametrize("query", ["ORPHA:667", "orpha 667", "667"])
def test_a_group_id_names_the_cards_it_is_broader_than(kb: KnowledgeBase, query: str) -> None:
    with pytest.raises(UnknownEntityError) as raised:
        kb.get(query)
    message = str(raised.value)
    assert "is not one entity of the knowledge base: it is broader than OPTB1, OPTB2, OPTB4" in message
    assert "did you mean" not in message


def test_a_related_id_names_its_card(kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownEntityError, match=r"it is related to VBCH; give one of them"):
        kb.get("ORPHA:3416")


def test_an_exact_id_and_an_unknown_id_are_as_before(kb: KnowledgeBase) -> None:
    assert kb.get("OMIM:259700").key == "OPTB1"
    assert kb.get("ORPHA:210110").key == "IAO"  # exact for IAO, though broader than OPTB4 elsewhere
    with pytest.raises(UnknownEntityError, match="no osteopetrosis subtype or differential entity matches"):
        kb.get("ORPHA:99999")
