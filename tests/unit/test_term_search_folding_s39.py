"""Looking a term up by words as clinicians write them: British spelling, lay words and plurals (stop 39).

The search (``marbledx term``, the web app's term picker, ``GET /api/terms``) compared words only as written,
so "thrombocytopaenia", "big spleen" and "marble bones" found nothing: the HPO labels are American, and its
British and lay synonyms cover only some terms.
"""

from __future__ import annotations

import pytest

from marbledx._text import search_fold, singular
from marbledx.ontology import Hpo


@pytest.mark.parametrize(
    ("query", "first", "match_type", "matched"),
    [
        ("thrombocytopaenia", "HP:0001873", "label", "Thrombocytopenia"),  # no British synonym in the fixture
        ("big spleen", "HP:0001744", "synonym", "Enlarged spleen"),  # big and enlarged are one lay word
        ("anaemic", "HP:0001903", "label", "Anemia"),
        ("low haemoglobins", "HP:0001903", "synonym", "Low haemoglobin"),
        ("marble bones", "HP:0011002", "words", "Marble bone disease"),  # a plural after a singular
        ("low platelet counts", "HP:0001873", "synonym", "Low platelet count"),
    ],
)
def test_search_folds_spelling_lay_words_and_plurals(
    mini_hpo: Hpo, query: str, first: str, match_type: str, matched: str
) -> None:
    hits = mini_hpo.ontology.search(query)
    assert hits, query
    assert (hits[0].id, hits[0].match_type, hits[0].matched) == (first, match_type, matched)


def test_a_text_as_written_outranks_the_same_text_folded(mini_hpo: Hpo) -> None:
    # "Anaemia" is a synonym written as the user wrote it; the label "Anemia" only equals it folded.
    hit = mini_hpo.ontology.search("anaemia")[0]
    assert (hit.id, hit.match_type, hit.matched, hit.score) == ("HP:0001903", "synonym", "Anaemia", 80.0)
    folded = mini_hpo.ontology.search("anaemic")[0]
    assert folded.score < hit.score


def test_a_word_being_typed_still_finds_the_words_it_begins(mini_hpo: Hpo) -> None:
    # Folding "enlarged" to "large" must not lose the prefix a user is typing into the term picker.
    assert mini_hpo.ontology.search("enlarg")[0].id == "HP:0001744"
    assert mini_hpo.ontology.search("haemo")[0].id == "HP:0001903"


def test_words_in_no_text_find_nothing_after_folding(mini_hpo: Hpo) -> None:
    assert mini_hpo.ontology.search("big zebras") == []
    assert mini_hpo.ontology.search("spleens bone") == []  # both words must be in one text


@pytest.mark.parametrize(
    ("word", "folded"),
    [
        ("papilloedema", "papilledema"),
        ("oesophageal", "esophageal"),
        ("leucopenia", "leukopenia"),
        ("tumour", "tumor"),
        ("enlarged", "large"),
        ("raised", "high"),
        ("fractures", "fracture"),
        ("abnormalities", "abnormality"),
        ("abscess", "abscess"),
        ("pelvis", "pelvis"),
        ("bronchus", "bronchus"),
        ("gas", "gas"),
    ],
)
def test_search_fold(word: str, folded: str) -> None:
    assert search_fold(word) == folded


def test_singular_says_whether_it_took_an_ending_off() -> None:
    assert singular("bones") == ("bone", True)
    assert singular("bone") == ("bone", False)
    assert singular("crutches") == ("crutch", True)
