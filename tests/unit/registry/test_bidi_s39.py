"""Unicode bidirectional control characters ("Trojan Source", CVE-2021-42574) in the free text the registry
stores: refused with one line naming the field, in the registry, the REST API and the pages alike."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marbledx.errors import InputError
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import Registry, UserInfo
from marbledx.web import create_app

from ..web.test_pages import csrf_of, new_case, sign_in
from .helpers import PASSWORD

# The embeddings and overrides, U+202A-U+202E, and the isolates, U+2066-U+2069 (Unicode UAX #9).
BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
RLO = "\u202e"


def _message(field: str, char: str = RLO) -> str:
    return f"^{re.escape(field)} contains a Unicode bidirectional control character \\(U\\+{ord(char):04X} "


@pytest.mark.parametrize("char", BIDI, ids=[f"U+{ord(c):04X}" for c in BIDI])
def test_a_case_label_with_a_bidi_control_is_refused(registry: Registry, alice: UserInfo, char: str) -> None:
    with pytest.raises(InputError, match=_message("case label", char)):
        registry.create_case(alice, f"patient {char}7fdp.exe")
    assert registry.list_cases(alice) == []


def test_every_free_text_field_refuses_it(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")
    with pytest.raises(InputError, match=_message("case label")):
        registry.update_case(alice, case.id, version=case.version, label=f"patient {RLO}7")
    with pytest.raises(InputError, match=_message("team name")):
        registry.add_user("erin", f"haem{RLO}atology", "clinician", PASSWORD)
    with pytest.raises(InputError, match=_message("user name")):
        registry.add_user(f"erin{RLO}", "haematology", "clinician", PASSWORD)
    with pytest.raises(InputError, match=_message("new user name")):
        registry.rename_user("alice", f"alice{RLO}")
    with pytest.raises(InputError, match=_message("lab analyte")):
        registry.add_lab(alice, case.id, f"haemo{RLO}globin", 8.0, "g/dL")
    with pytest.raises(InputError, match=_message("lab unit")):
        registry.add_lab(alice, case.id, "haemoglobin", 8.0, f"g/{RLO}dL")
    assert registry.get_case(alice, case.id).label == "patient 7"


def test_the_implicit_marks_of_right_to_left_text_are_kept(registry: Registry, alice: UserInfo) -> None:
    """U+200F (RIGHT-TO-LEFT MARK) is ordinary in Hebrew or Arabic text, and reorders nothing by itself."""
    label = "\u05de\u05d8\u05d5\u05e4\u05dc 7\u200f"
    assert registry.create_case(alice, label).label == label


@pytest.fixture
def site(registry: Registry, mini_hpo: Hpo, kb: KnowledgeBase) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The pages over HTTPS with alice (clinician) signed up, and alice's API token header."""
    alice = registry.add_user("alice", "haematology", "clinician", PASSWORD)
    headers = {"Authorization": f"Bearer {registry.issue_token(alice)}"}
    app = create_app(registry, hpo=mini_hpo, kb=kb)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client, headers


def test_the_api_and_the_pages_refuse_it_with_the_field_named(
    site: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = site
    expected = (
        "case label contains a Unicode bidirectional control character (U+202E RIGHT-TO-LEFT OVERRIDE), "
        "which can reverse how the text around it is shown; expected text without it"
    )
    body = {"label": f"patient {RLO}7", "age_days": 200, "findings": [{"hpo_id": "HP:0011002"}]}
    created = client.post("/api/cases", json=body, headers=headers)
    assert (created.status_code, created.json()) == (422, {"detail": expected})
    case = client.post("/api/cases", json=body | {"label": "patient 7"}, headers=headers).json()
    patched = client.patch(
        f"/api/cases/{case['id']}", json={"version": case["version"], "label": f"x{RLO}y"}, headers=headers
    )
    assert (patched.status_code, patched.json()) == (422, {"detail": expected})

    token = sign_in(client)
    form = client.post("/cases", data={"label": f"patient {RLO}8", "age": "4 months", "csrf_token": token})
    assert form.status_code == 422
    assert expected in html.unescape(form.text)
    assert RLO not in form.text.replace(f'value="patient {RLO}8"', "")  # only in the field, kept as typed
    case_id = new_case(client, token)
    page = client.get(f"/cases/{case_id}").text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version is not None
    details = client.post(
        f"/cases/{case_id}/details",
        data={
            "version": version.group(1),
            "label": f"case {RLO}12",
            "age": "4 months",
            "csrf_token": csrf_of(page),
        },
    )
    assert details.status_code == 422
    assert expected in html.unescape(details.text)
    assert client.get("/api/cases", headers=headers).json()["total"] == 2  # nothing stored by the refusals
