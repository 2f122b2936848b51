"""QA of a PED upload's couple and a case's family history in the registry: hostile and careless input.

A couple id that only looks like an id of the file (a Cyrillic letter for a Latin one, full-width letters, a
decomposed accent, an invisible character) is refused with a message that says why, instead of a bare "is not in
the PED file; its individuals: P1", which reads as a contradiction when the id looks like P1. Runs on SQLite (the ``registry``
fixture of this folder).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from marbledx.errors import InputError
from marbledx.registry import NotFoundError, Registry, UserInfo
from marbledx.registry._checks import couple_in_ped

FAMILY = b"F KID P1 MUM 1 2\nF P1 0 0 1 1\nF MUM 0 0 2 1\nF Jos\xc3\xa9 0 0 1 1\n"
NOT_IN = "is not in the PED file; expected two individual ids from the file, FATHER,MOTHER"
LISTING = "; its individuals: KID, P1, MUM, José"


def _ped(tmp_path: Path) -> Path:
    path = tmp_path / "family.ped"
    path.write_bytes(FAMILY)
    return path


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        # A Cyrillic capital ER (U+0420) for the Latin P: looks the same on every screen.
        (
            "\u04201",
            "; '\u04201' holds U+0420 (CYRILLIC CAPITAL LETTER ER), which may look like a plain letter",
        ),
        # Full-width letters and digits (an East Asian keyboard): the same id in compatibility form.
        ("\uff30\uff11", "; did you mean 'P1'? ids must match the file exactly"),
        # The accent typed as a combining mark: the same name, another spelling.
        ("Jose\u0301", "; did you mean 'José'? ids must match the file exactly"),
        # An invisible character pasted with the id, and a non-breaking space inside it.
        ("P1\u200b", "; 'P1\\u200b' holds U+200B (ZERO WIDTH SPACE), which may look like a plain letter"),
        ("M\u00a0UM", "; 'M\\xa0UM' holds U+00A0 (NO-BREAK SPACE), which may look like a plain letter"),
    ],
)
def test_a_look_alike_couple_id_is_refused_saying_why(tmp_path: Path, typed: str, hint: str) -> None:
    with pytest.raises(InputError) as refused:
        couple_in_ped((typed, "MUM"), _ped(tmp_path))
    message = str(refused.value)
    assert message.startswith(f"couple: {typed!r} {NOT_IN}{hint}")
    assert message.endswith(LISTING)
    assert "\n" not in message


@pytest.mark.parametrize("typed", ["ZED", "p1", "Josè"])
def test_a_plainly_wrong_couple_id_gets_no_look_alike_hint(tmp_path: Path, typed: str) -> None:
    """A typo, a case slip (the listing shows the id plainly) or a character the file's own ids use in other
    names gets the listing only; "è" is not in the file, so it is named."""
    with pytest.raises(InputError) as refused:
        couple_in_ped((typed, "MUM"), _ped(tmp_path))
    message = str(refused.value)
    if typed == "Josè":
        assert "holds U+00E8 (LATIN SMALL LETTER E WITH GRAVE)" in message
    else:
        assert message == f"couple: {typed!r} {NOT_IN}{LISTING}"


def test_an_id_in_the_files_own_script_is_no_look_alike(tmp_path: Path) -> None:
    path = tmp_path / "cyrillic.ped"
    path.write_text(
        "F \u041f\u0435\u0442\u0440 0 0 1 1\nF \u0410\u043d\u043d\u0430 0 0 2 1\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as refused:
        couple_in_ped(("\u041f\u0435\u0442\u0440\u0430", "\u0410\u043d\u043d\u0430"), path)
    assert "holds" not in str(refused.value)
    assert couple_in_ped(("\u041f\u0435\u0442\u0440", "\u0410\u043d\u043d\u0430"), path) == ("Петр", "Анна")


def test_a_look_alike_couple_keeps_no_upload(registry: Registry, alice: UserInfo) -> None:
    case = registry.create_case(alice, "patient 7")
    with pytest.raises(InputError, match="U\\+0420"):
        registry.store_upload(
            alice, case.id, "ped", io.BytesIO(FAMILY), max_bytes=1 << 16, couple="\u04201,MUM"
        )
    assert registry.case_detail(alice, case.id).uploads == ()
    assert not [p for p in registry.uploads_dir.iterdir() if not p.name.startswith(".")]


def test_another_teams_case_takes_no_couple_nor_family_history(
    registry: Registry, alice: UserInfo, bob: UserInfo
) -> None:
    """Team scoping: bob (another team) can neither upload a PED file with a couple to alice's case nor
    change its family history; both answer "no case" and change nothing."""
    case = registry.create_case(alice, "patient 7")
    with pytest.raises(NotFoundError):
        registry.store_upload(bob, case.id, "ped", io.BytesIO(FAMILY), max_bytes=1 << 16, couple="P1,MUM")
    with pytest.raises(NotFoundError):
        registry.update_case(bob, case.id, version=1, consanguineous=True)
    detail = registry.case_detail(alice, case.id)
    assert (detail.uploads, detail.case.consanguineous, detail.case.version) == ((), False, 1)
