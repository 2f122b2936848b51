"""Names of groups of subtypes and eponyms typed without "disease" (stop 39).

`marbledx subtype ARO` and `marbledx subtype "malignant infantile osteopetrosis"` answered "no osteopetrosis
subtype or differential entity matches"; `marbledx subtype "Camurati Engelmann"` too, though the card is
Camurati-Engelmann disease.
"""

from __future__ import annotations

import pytest

from marbledx.errors import UnknownEntityError
from marbledx.knowledge import KnowledgeBase


@pytest.mark.parametrize("query", ["ARO", "aro", "Autosomal recessive osteopetrosis"])
def test_aro_lists_the_recessive_subtypes(kb: KnowledgeBase, query: str) -> None:
    with pytest.raises(UnknownEntityError) as raised:
        kb.get(query)
    message = str(raised.value)
    assert "names a group, not one entity: the autosomal recessive subtypes are OPTB1, OPTB2" in message
    assert "ADO2" not in message
    assert "no osteopetrosis subtype" not in message


def test_ado_lists_the_dominant_subtypes(kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownEntityError, match=r"the autosomal dominant subtypes are ADO2, ADO1, ADO3"):
        kb.get("ADO")


@pytest.mark.parametrize(
    "query",
    ["malignant infantile osteopetrosis", "Infantile malignant osteopetrosis", "malignant osteopetrosis"],
)
def test_malignant_infantile_osteopetrosis_is_orphanets_umbrella_not_all_aro(
    kb: KnowledgeBase, query: str
) -> None:
    # Not every recessive form is malignant or infantile (reference 7.3 item 3): CA2 deficiency (OPTB3) is not.
    with pytest.raises(UnknownEntityError) as raised:
        kb.get(query)
    message = str(raised.value)
    assert "Orphanet's umbrella entry ORPHA:667 holds OPTB1, OPTB2, OPTB4, OPTB8" in message
    assert "OPTB3" not in message


def test_a_name_of_one_card_is_still_that_card(kb: KnowledgeBase) -> None:
    assert kb.get("ADO2").key == "ADO2"
    assert kb.get("IAO").key == "IAO"
    assert kb.get("Albers-Schonberg disease").key == "ADO2"


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("Camurati Engelmann", "CAEND"),
        ("camurati-engelmann", "CAEND"),
        ("Van Buchem", "VBCH"),
        ("Raine", "RAINE"),
    ],
)
def test_an_eponym_without_its_last_generic_word(kb: KnowledgeBase, query: str, key: str) -> None:
    assert kb.get(query).key == key


@pytest.mark.parametrize(
    ("query", "candidates", "guessed"),
    [
        ("ARO", ("OPTB1", "OPTB2"), False),
        ("malignant infantile osteopetrosis", ("OPTB1", "OPTB2", "OPTB4", "OPTB8"), False),
        ("ORPHA:667", ("OPTB1", "OPTB2", "OPTB4", "OPTB8"), False),
        ("TCIRG1", ("OPTB1",), False),
        ("OPTB10", ("OPTB1",), True),
        ("zzzz", (), False),
    ],
)
def test_the_error_carries_the_cards_it_names(
    kb: KnowledgeBase, query: str, candidates: tuple[str, ...], guessed: bool
) -> None:
    # The web page and the API list these as links; they read them from the message text before.
    with pytest.raises(UnknownEntityError) as raised:
        kb.get(query)
    error = raised.value
    assert error.candidates[: len(candidates)] == candidates
    assert not candidates or all(key in str(error) for key in error.candidates)
    assert error.guessed is guessed
