"""The HPO term layer on the tiny fixture release."""

from __future__ import annotations

import math

import pytest

from marbledx.errors import UnknownTermError
from marbledx.ontology import Hpo


def test_release_versions_come_from_the_files(mini_hpo: Hpo) -> None:
    assert mini_hpo.version == "2099-01-01"
    assert mini_hpo.annotations.version == "2099-01-02"


def test_terms_by_id_label_and_synonym(mini_hpo: Hpo) -> None:
    ontology = mini_hpo.ontology
    assert len(ontology) == 26  # obsolete terms are not current terms
    assert ontology.label("HP:0011002") == "Osteopetrosis"
    term = ontology.term("HP:0011002")
    assert term.synonyms == ("Marble bone disease", "Albers-Schonberg disease")
    assert term.definition.startswith("Abnormally dense bone")
    assert ontology.find_exact("marble  BONE disease") == "HP:0011002"
    assert ontology.find_exact("anaemia") == "HP:0001903"
    assert ontology.find_exact("no such thing") is None


def test_alternative_and_obsolete_ids_resolve_to_replacements(mini_hpo: Hpo) -> None:
    ontology = mini_hpo.ontology
    assert ontology.resolve("HP:0004840") == "HP:0001903"  # alt_id
    assert ontology.is_obsolete("HP:0009999")
    assert ontology.replacement("HP:0009999") == "HP:0000572"
    assert ontology.resolve("HP:0009999") == "HP:0000572"
    assert "HP:0009999" not in ontology
    assert ontology.resolve(" hp_0011002 ") == "HP:0011002"


def test_obsolete_without_replacement_and_unknown_ids_raise(mini_hpo: Hpo) -> None:
    ontology = mini_hpo.ontology
    with pytest.raises(
        UnknownTermError, match=r"'HP:0009998' cannot be used in HPO release 2099-01-01: it is obsolete"
    ):
        ontology.resolve("HP:0009998")
    with pytest.raises(UnknownTermError, match=r"unknown HPO term 'HP:1234567' in HPO release 2099-01-01"):
        ontology.index("HP:1234567")
    with pytest.raises(UnknownTermError):
        ontology.label("not an id")


def test_ancestors_and_descendants_follow_every_parent(mini_hpo: Hpo) -> None:
    ontology = mini_hpo.ontology
    assert ontology.parents("HP:0001876") == {"HP:0001903", "HP:0001873"}
    assert ontology.ancestors("HP:0001876") == {
        "HP:0001903",
        "HP:0001873",
        "HP:0001871",
        "HP:0000118",
        "HP:0000001",
    }
    assert "HP:0001876" in ontology.ancestors("HP:0001876", include_self=True)
    assert ontology.descendants("HP:0001871") == {"HP:0001903", "HP:0001873", "HP:0001876"}
    assert ontology.children("HP:0001903") == {"HP:0001876"}
    assert ontology.is_ancestor("HP:0000118", "HP:0011002")
    assert not ontology.is_ancestor("HP:0011002", "HP:0000118")
    assert not ontology.is_ancestor("HP:0011002", "HP:0011002")
    # Phenotypic abnormality and the terms below it are phenotypes; the root, modes of inheritance, onsets and
    # frequencies are not.
    assert ontology.is_phenotype("HP:0000118")
    assert ontology.is_phenotype("HP:0001876")
    assert not any(ontology.is_phenotype(t) for t in ("HP:0000001", "HP:0000006", "HP:0003674", "HP:0040283"))


def test_information_content_counts_diseases_with_the_term_or_a_descendant(mini_hpo: Hpo) -> None:
    ic = mini_hpo.ontology.information_content
    # 4 diseases have positive phenotype annotations.
    assert ic("HP:0000001") == pytest.approx(0.0)
    assert ic("HP:0011002") == pytest.approx(math.log(4 / 3))  # OPTB1, ADO2, IAO
    # Anemia: OPTB1, ADO2 (annotated through its alt id) and the fixture disease (via Pancytopenia).
    assert ic("HP:0001903") == pytest.approx(math.log(4 / 3))
    # Thrombocytopenia: OPTB1 and the Pancytopenia disease; the NOT row of IAO does not count.
    assert ic("HP:0001873") == pytest.approx(math.log(2))
    # Splenomegaly: only OPTB1, because ADO2's 0/4 means absent.
    assert ic("HP:0001744") == pytest.approx(math.log(4))
    # A term no disease uses gets the maximum.
    assert ic("HP:0040285") == pytest.approx(math.log(4))


def test_ic_array_is_read_only(mini_hpo: Hpo) -> None:
    with pytest.raises(ValueError, match="read-only"):
        mini_hpo.ontology.ic[0] = 1.0


@pytest.mark.parametrize(
    ("query", "first", "match_type"),
    [
        ("HP:0011002", "HP:0011002", "id"),
        ("HP:0009999", "HP:0000572", "id"),  # obsolete id finds its replacement
        ("Anemia", "HP:0001903", "label"),
        ("anaemia", "HP:0001903", "synonym"),
        ("marble bone", "HP:0011002", "words"),
        ("enlarged spl", "HP:0001744", "words"),
        ("visual impair", "HP:0000505", "words"),
    ],
)
def test_search_ranks_ids_labels_synonyms_and_words(
    mini_hpo: Hpo, query: str, first: str, match_type: str
) -> None:
    hits = mini_hpo.ontology.search(query)
    assert hits[0].id == first
    assert hits[0].match_type == match_type


def test_search_returns_nothing_for_nonsense(mini_hpo: Hpo) -> None:
    assert mini_hpo.ontology.search("zebra stripes") == []
    assert mini_hpo.ontology.search("   ") == []
    assert mini_hpo.ontology.search("HP:1234567") == []


def test_search_respects_limit(mini_hpo: Hpo) -> None:
    assert len(mini_hpo.ontology.search("a", limit=3)) == 3
