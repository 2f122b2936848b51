"""Ranking the term search's hits as clinicians mean their queries (stop 39).

The search found the right terms but ranked them naively: a label won over a synonym however many words the
label added ("hearing lo" gave Low-frequency hearing loss before Hearing impairment's "Hearing loss"), a query
word that only began a word counted as much as one matched in full ("alp raised" gave Increased alpha-globulin),
and ties went to the more specific term and then to the lower id ("fractures" gave Fracture type). Now a text's
words that the query leaves out count against it (function words and words such as "level" or "count" aside),
then query words only begun; ties go to the term that subsumes more of the other hits, then to the term
annotated to more diseases. The evaluation set (tests/data/term_search_queries.tsv, benchmarks/
bench_term_search.py) measures it on the bundled release.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from marbledx._text import search_fold, search_typed_form
from marbledx.ontology import Hpo, load_hpo
from tests.conftest import TESTS, copy_release

QUERIES = TESTS / "data" / "term_search_queries.tsv"

# Terms added to the fixture release, each pair built so that only the rule under test separates them.
_TERMS = """
[Term]
id: HP:0020110
name: Bone fracture
is_a: HP:0000924 ! Abnormality of the skeletal system

[Term]
id: HP:0041159
name: Fractured rib
is_a: HP:0020110 ! Bone fracture

[Term]
id: HP:0041082
name: Fractured skull
is_a: HP:0020110 ! Bone fracture

[Term]
id: HP:0012000
name: Fracture type
is_a: HP:0000118 ! Phenotypic abnormality

[Term]
id: HP:0002756
name: Pathologic fracture
synonym: "Spontaneous fractures" EXACT []
is_a: HP:0000118 ! Phenotypic abnormality

[Term]
id: HP:0000365
name: Hearing impairment
synonym: "Deafness" EXACT layperson []
synonym: "Hearing loss" RELATED []
is_a: HP:0000118 ! Phenotypic abnormality

[Term]
id: HP:0008527
name: Low-frequency hearing loss
is_a: HP:0000118 ! Phenotypic abnormality

[Term]
id: HP:0003155
name: Elevated circulating alkaline phosphatase concentration
synonym: "Elevated ALP" EXACT abbreviation []
is_a: HP:0000118 ! Phenotypic abnormality

[Term]
id: HP:0010000
name: Increased alpha-globulin
is_a: HP:0000118 ! Phenotypic abnormality

[Term]
id: HP:0011878
name: Low platelet adhesion
is_a: HP:0001871 ! Abnormality of blood and blood-forming tissues

[Term]
id: HP:0002901
name: Hypocalcemia
synonym: "Low blood calcium levels" EXACT layperson []
is_a: HP:0000118 ! Phenotypic abnormality

[Term]
id: HP:0002199
name: Hypocalcemic seizures
synonym: "Low calcium seizures" EXACT layperson []
is_a: HP:0002901 ! Hypocalcemia

[Term]
id: HP:0000670
name: Carious teeth
synonym: "Dental cavities" EXACT []
is_a: HP:0000118 ! Phenotypic abnormality

[Term]
id: HP:0032445
name: Pulmonary cavity
is_a: HP:0000118 ! Phenotypic abnormality

[Term]
id: HP:0000706
name: Eruption failure
synonym: "Unerupted tooth" EXACT []
is_a: HP:0000118 ! Phenotypic abnormality

[Term]
id: HP:0004618
name: Sandwich appearance of vertebral bodies
is_a: HP:0000924 ! Abnormality of the skeletal system

[Term]
id: HP:0001085
name: Papilledema
is_a: HP:0000118 ! Phenotypic abnormality
"""

# Three more diseases: Low platelet adhesion, Carious teeth and Pathologic fracture are annotated to more
# diseases (lower information content) than the terms the rules should put first.
_ANNOTATIONS = "".join(
    f"OMIM:90000{n}\tFixture disease {n}\t\t{term}\tPMID:1\tPCS\t\t1/1\t\t\tP\tHPO:test[2099-01-01]\n"
    for n in (1, 2, 3)
    for term in ("HP:0011878", "HP:0000670", "HP:0002756")
)


@pytest.fixture(scope="module")
def hpo(tmp_path_factory: pytest.TempPathFactory) -> Hpo:
    release = copy_release(tmp_path_factory.mktemp("ranking") / "release")
    with (release / "hp.obo").open("a", encoding="utf-8") as obo:
        obo.write(_TERMS)
    with (release / "phenotype.hpoa").open("a", encoding="utf-8") as hpoa:
        hpoa.write(_ANNOTATIONS)
    return load_hpo(release, cache=False)


def _first(hpo: Hpo, query: str) -> tuple[str, str]:
    hits = hpo.ontology.search(query)
    assert hits, query
    return hits[0].id, hits[0].matched


def test_a_text_with_no_extra_words_beats_a_label_with_one(hpo: Hpo) -> None:
    # Was Low-frequency hearing loss (a label) and Unilateral deafness-style labels: labels got 5 points.
    assert _first(hpo, "hearing lo") == ("HP:0000365", "Hearing loss")
    assert _first(hpo, "deafn") == ("HP:0000365", "Deafness")


def test_a_word_matched_in_full_beats_one_only_begun(hpo: Hpo) -> None:
    # "alp" is the whole word "ALP" in Elevated ALP and only begins "alpha" in Increased alpha-globulin.
    assert _first(hpo, "alp raised") == ("HP:0003155", "Elevated ALP")
    assert hpo.ontology.search("alp raised")[1].id == "HP:0010000"


def test_words_that_name_how_a_quantity_was_measured_are_not_extra(hpo: Hpo) -> None:
    # "count" adds nothing to "low platelets"; "adhesion" does. Low platelet adhesion is a label and is
    # annotated to more diseases, so it came first before, and would again if "count" counted.
    assert _first(hpo, "low platelets") == ("HP:0001873", "Low platelet count")


def test_the_term_that_subsumes_the_other_hits_comes_first(hpo: Hpo) -> None:
    # Bone fracture, Fracture type and Pathologic fracture each add one word; Bone fracture is the ancestor of
    # the other hits (Fractured rib, Fractured skull). Before, Fracture type won on its lower id.
    ids = [hit.id for hit in hpo.ontology.search("fractures")]
    assert ids[0] == "HP:0020110"
    # Subsumption outranks the annotation prior: Pathologic fracture is annotated to more diseases.
    assert ids.index("HP:0020110") < ids.index("HP:0002756")
    assert _first(hpo, "frac")[0] == "HP:0020110"  # while typing too
    # "Low blood calcium levels" and "Low calcium seizures" each add one word; Hypocalcemia subsumes the other.
    assert _first(hpo, "low calcium") == ("HP:0002901", "Low blood calcium levels")


def test_the_term_annotated_to_more_diseases_breaks_remaining_ties(hpo: Hpo) -> None:
    # "Dental cavities" and "Pulmonary cavity" each add one word and neither term subsumes the other; Carious
    # teeth is annotated to three diseases, Pulmonary cavity to none. Before, the more specific term won.
    assert _first(hpo, "cavities") == ("HP:0000670", "Dental cavities")


def test_exact_and_folded_texts_still_outrank_word_matches(hpo: Hpo) -> None:
    hit = hpo.ontology.search("deafness")[0]
    assert (hit.id, hit.match_type, hit.score) == ("HP:0000365", "synonym", 80.0)
    assert all(other.score <= 50.0 for other in hpo.ontology.search("fracture"))


@pytest.mark.parametrize(
    ("query", "first", "match_type"),
    [
        ("pathological fractures", "HP:0002756", "label"),  # -logical as HPO's -logic, folded
        ("unerupted teeth", "HP:0000706", "synonym"),  # teeth as tooth
        ("sandwich vertebrae", "HP:0004618", "words"),  # Latin -ae: "vertebra" begins "vertebral"
        ("papilloe", "HP:0001085", "words"),  # British "oe" cut off while typing "papilloedema"
    ],
)
def test_search_only_folds_find_what_nothing_found(hpo: Hpo, query: str, first: str, match_type: str) -> None:
    hits = hpo.ontology.search(query)
    assert hits, query  # found nothing before
    assert (hits[0].id, hits[0].match_type) == (first, match_type)


def test_search_only_folds() -> None:
    assert search_fold("pathological") == "pathologic"
    assert search_fold("vertebrae") == "vertebra"
    assert search_fold("teeth") == "tooth"
    assert search_fold("feet") == "foot"
    assert search_typed_form("papilloe") == "papille"
    assert search_typed_form("papilloed") is None  # "oed" folds already


def test_the_typed_digraph_is_tried_only_when_nothing_begins_with_the_word(hpo: Hpo) -> None:
    # "osteopetrosae" is no word, but "anae" begins "Anaemia" as written: no "ane…" words are added.
    assert [hit.id for hit in hpo.ontology.search("anae")] == ["HP:0001903"]


def test_query_word_order_does_not_change_the_ranking(hpo: Hpo) -> None:
    assert [h.id for h in hpo.ontology.search("calcium low")] == [
        h.id for h in hpo.ontology.search("low calcium")
    ]


# -- the evaluation set ----------------------------------------------------------------------------------


def _rows() -> list[dict[str, str]]:
    lines = [line for line in QUERIES.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]


def test_evaluation_set_is_well_formed() -> None:
    rows = _rows()
    assert len(rows) >= 150
    assert len({row["query"] for row in rows}) == len(rows)
    assert {row["domain"] for row in rows} == {
        "haem",
        "eye",
        "ear",
        "bone",
        "neuro",
        "endo",
        "dent",
        "growth",
    }
    splits = Counter(row["split"] for row in rows)
    assert set(splits) == {"tune", "test"}
    assert abs(splits["tune"] - splits["test"]) < 0.2 * len(rows)


@pytest.mark.integration
def test_evaluation_set_on_the_bundled_release(real_hpo: Hpo) -> None:
    """Every expected term is a current term with the label the file gives, found in the top five, and first for
    at least 95% of the queries of each split (the rules were chosen on 'tune'; 'test' was only reported).
    Before stop 39's ranking, 90% were first."""
    ontology = real_hpo.ontology
    first: Counter[str] = Counter()
    for row in _rows():
        expected = row["expected"].split("|")
        assert [ontology.label(curie) for curie in expected] == row["label"].split("|"), row
        hits = [hit.id for hit in ontology.search(row["query"], limit=5)]
        assert set(expected) & set(hits), row
        first[row["split"]] += hits[0] in expected
    splits = Counter(row["split"] for row in _rows())
    assert all(first[split] >= 0.95 * splits[split] for split in splits), (first, splits)


def test_queries_file_is_the_benchmark_default() -> None:
    bench = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_term_search.py"
    assert '"term_search_queries.tsv"' in bench.read_text(encoding="utf-8")
