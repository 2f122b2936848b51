"""QA review s39 (a paediatric haematology team's walk-through): the finding box takes what the term search
folds (British spelling, lay words, plurals, other id forms) as the autocomplete suggests it; a subtype name
that is no one card (a group such as "ARO", a gene, a misspelling) answers with the cards it names, on the
page and in the REST API, in the web's words rather than the command line's."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from marbledx.knowledge import ENTITY_EXPECTED, KnowledgeBase
from marbledx.ontology import Hpo, TermMatch
from marbledx.registry import Registry
from marbledx.web import _pages, create_app

from .conftest import PASSWORD, Web
from .test_pages import new_case, sign_in, version_of
from .test_pages_hostile_input import error_of

_CARD_LINK = re.compile(r'<a href="/subtypes/([^"]+)">')


@pytest.fixture
def site(registry: Registry, mini_hpo: Hpo, kb: KnowledgeBase) -> Iterator[TestClient]:
    registry.add_user("alice", "haematology", "clinician", PASSWORD)
    app = create_app(registry, hpo=mini_hpo, kb=kb)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


def _add(site: TestClient, token: str, case_id: str, term: str) -> Response:
    return site.post(
        f"/cases/{case_id}/findings",
        data={"term": term, "status": "observed", "version": version_of(site, case_id), "csrf_token": token},
    )


def _findings(registry: Registry, case_id: str) -> list[str]:
    return [f.hpo_id for f in registry.list_findings(registry.get_user("alice"), case_id)]


# -- the finding box -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "hpo_id"),
    [
        (
            "big spleen",
            "HP:0001744",
        ),  # the box's own placeholder example: lay word, folded to "Enlarged spleen"
        ("Big spleens", "HP:0001744"),  # and its plural
        ("Anaemia.", "HP:0001903"),  # a synonym with a full stop
        ("low haemoglobins", "HP:0001903"),
        ("hp:0001903", "HP:0001903"),  # an id as people paste it, which the search reads
        ("0011002", "HP:0011002"),
    ],
)
def test_finding_box_takes_what_the_search_folds_to_one_term(
    site: TestClient, registry: Registry, typed: str, hpo_id: str
) -> None:
    token = sign_in(site)
    case_id = new_case(site, token)
    added = _add(site, token, case_id, typed)
    assert added.status_code == 303, error_of(added)  # was 422 "… is not an exact HPO label; did you mean …"
    assert _findings(registry, case_id) == [hpo_id]


def test_finding_box_still_refuses_word_prefix_hits(site: TestClient, registry: Registry) -> None:
    token = sign_in(site)
    case_id = new_case(site, token)
    refused = _add(site, token, case_id, "marble bones")  # words of a synonym, not the synonym
    assert refused.status_code == 422
    assert "did you mean: Osteopetrosis (HP:0011002)" in error_of(refused)
    assert _findings(registry, case_id) == []


def test_finding_box_asks_when_two_terms_match_alike(
    site: TestClient, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A text that two terms share as an exact synonym is not taken as the first of them."""
    token = sign_in(site)
    case_id = new_case(site, token)
    tied = [
        TermMatch("HP:0001744", "Splenomegaly", "Shared words", "synonym", 80.0),
        TermMatch("HP:0001903", "Anemia", "Shared words", "synonym", 80.0),
    ]
    monkeypatch.setattr(_pages, "search_terms", lambda *_args, **_kwargs: tied)
    refused = _add(site, token, case_id, "shared words")
    assert refused.status_code == 422
    assert error_of(refused) == (
        "'shared words' names more than one HPO term: Splenomegaly (HP:0001744); Anemia (HP:0001903); "
        "pick one from the suggestions"
    )
    assert _findings(registry, case_id) == []


def test_autocomplete_shows_the_text_a_words_match_came_from(site: TestClient) -> None:
    sign_in(site)
    options = site.get("/ui/hpo-suggest?q=marble").text
    assert "<strong>Osteopetrosis</strong>" in options
    assert "from “Marble bone disease”" in options  # else the user sees "Osteopetrosis" with no reason


# -- subtype names that are no one card -------------------------------------------------------------------


def _members(message: str) -> list[str]:
    """The keys a group message lists: '…: the autosomal recessive subtypes are OPTB1, OPTB2; give one …'."""
    match = re.search(r"(?:subtypes are|holds|it causes) ([A-Z0-9, -]+?); ", message)
    assert match is not None, message
    return match.group(1).split(", ")


@pytest.mark.parametrize("name", ["ARO", "malignant infantile osteopetrosis", "TCIRG1"])
def test_subtype_page_of_a_group_or_gene_links_the_cards_it_names(
    site: TestClient, kb: KnowledgeBase, name: str
) -> None:
    sign_in(site)
    page = site.get(f"/subtypes/{name}")
    assert page.status_code == 404
    text = html.unescape(page.text)
    assert "<h1>Which subtype or disorder?</h1>" in text  # not "Not found"
    message = re.search(r'<p id="lookup-message">(.*?)</p>', text)
    assert message is not None
    assert "marbledx subtypes" not in message.group(1)  # a command the browser's user cannot run
    members = _members(message.group(1))
    assert "OPTB1" in members
    links = _CARD_LINK.findall(page.text.split('id="lookup-message"')[1])
    assert links[: len(members)] == members  # each a link to its card, in the message's order
    assert site.get(f"/subtypes/{links[0]}").status_code == 200


def test_subtype_page_of_a_misspelling_offers_close_names_as_guesses(site: TestClient) -> None:
    sign_in(site)
    page = site.get("/subtypes/ARO2")
    assert page.status_code == 404
    assert "<h1>Not found</h1>" in page.text
    assert "Close names (not necessarily what you meant):" in page.text
    assert '<a href="/subtypes/ADO2">' in page.text


def test_subtype_page_of_an_unknown_name_lists_no_cards(site: TestClient) -> None:
    sign_in(site)
    page = site.get("/subtypes/no-such-thing")
    assert page.status_code == 404
    assert "<h1>Not found</h1>" in page.text
    assert "see the Subtypes page, or GET /api/subtypes" in page.text
    # ENTITY_EXPECTED names OPTB1 and ADO2 as examples of a short name: they are not offered as answers.
    assert "Pick one card" not in page.text
    assert _CARD_LINK.findall(page.text.split('id="lookup-message"')[1]) == []


def test_api_subtype_of_a_group_answers_its_members(web: Web) -> None:
    answer = web.client.get("/api/subtypes/ARO", headers=web.alice)
    assert answer.status_code == 404
    body = answer.json()
    assert "marbledx subtypes" not in body["detail"]
    assert "see the Subtypes page, or GET /api/subtypes" in body["detail"]
    keys = [row["key"] for row in body["candidates"]]
    assert keys == _members(body["detail"])
    optb1 = body["candidates"][keys.index("OPTB1")]
    assert optb1["genes"] == ["TCIRG1"]
    assert optb1["hsct_decision"] == "curative"  # the summary, as GET /api/subtypes gives it


def test_api_subtype_unknown_has_no_candidates(web: Web) -> None:
    answer = web.client.get("/api/subtypes/no-such-thing", headers=web.alice)
    assert answer.status_code == 404
    assert answer.json()["candidates"] == []
    assert "OPTB1" in ENTITY_EXPECTED  # the example in the message is not a candidate


def test_api_unknown_hpo_id_names_the_search_not_a_command(web: Web) -> None:
    refused = web.client.post(
        "/api/cases",
        json={"label": "x", "findings": [{"hpo_id": "HP:9999999"}]},
        headers=web.alice,
    )
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert "marbledx term" not in detail
    assert detail.count("GET /api/hpo/search") == 1
