"""How ``marbledx rank`` scans its inputs (audit): a file behind a folder that cannot be entered, a subfolder
that cannot be listed, an empty path and a Family without its proband are each one case's error, and the
batch goes on.

Permission tests run as any user: where permissions are not enforced (root), ``os.stat`` and ``os.scandir``
are made to refuse the locked folder as the system would for anyone else.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import marbledx
from marbledx.cli import main
from marbledx.errors import InputError
from marbledx.findings import expand_inputs, read_case_file
from marbledx.findings._phenopacket import peek_case_id, scan_inputs
from marbledx.ontology import Hpo

from ..conftest import MINI_RELEASE


@pytest.fixture(autouse=True)
def mini_release(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))


def _packet(case_id: str = "case-1", **extra: Any) -> dict[str, Any]:
    return {
        "id": case_id,
        "subject": {"id": "s1"},
        "phenotypicFeatures": [{"type": {"id": "HP:0011002"}}],
        "metaData": {"phenopacketSchemaVersion": "2.0"},
        **extra,
    }


def _write(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, list[dict[str, Any]], str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert "internal error" not in err
    return code, [json.loads(line) for line in out.splitlines()], err


def _permissions_enforced(probe: Path) -> bool:
    probe.mkdir()
    probe.chmod(0)
    try:
        with os.scandir(probe):
            return False
    except PermissionError:
        return True
    finally:
        probe.chmod(0o755)


def _under(name: Any, folders: list[str], *, itself: bool) -> bool:
    if isinstance(name, int):  # a file descriptor
        return False
    path = str(Path(os.fsdecode(name)).absolute())
    return any(path.startswith(folder + os.sep) or (itself and path == folder) for folder in folders)


@pytest.fixture
def lock(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[Path], Path]]:
    """``lock(folder)``: ``chmod 000 folder`` (undone afterwards, so that the folder can be removed)."""
    locked: list[Path] = []
    simulated: list[str] = []  # where permissions are not enforced: the folders os.stat and os.scandir refuse
    simulate = not _permissions_enforced(tmp_path_factory.mktemp("probe") / "locked")
    if simulate:
        real_stat, real_scandir = os.stat, os.scandir

        def stat(name: Any, *args: Any, **kwargs: Any) -> os.stat_result:
            if _under(name, simulated, itself=False):  # stat needs to enter every folder on the path
                raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(name))
            return real_stat(name, *args, **kwargs)

        def scandir(name: Any = ".") -> Any:
            if _under(name, simulated, itself=True):  # listing needs read permission on the folder itself
                raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(name))
            return real_scandir(name)

        monkeypatch.setattr(os, "stat", stat)
        monkeypatch.setattr(os, "scandir", scandir)

    def lock(folder: Path) -> Path:
        folder.chmod(0)
        locked.append(folder)
        if simulate:
            simulated.append(str(folder.absolute()))
        return folder

    yield lock
    for folder in locked:
        folder.chmod(0o755)


# -- 1. a file behind a folder that cannot be entered --------------------------------------------------
def test_a_file_behind_a_locked_folder_is_one_error_line_and_the_batch_goes_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lock: Callable[[Path], Path]
) -> None:
    ok = _write(tmp_path / "ok.json", _packet("ok"))
    hidden = _write(tmp_path / "noexec" / "x.json", _packet("x"))
    ok2 = _write(tmp_path / "ok2.json", _packet("ok2"))
    lock(tmp_path / "noexec")
    code, lines, _ = _run(capsys, "rank", ok, hidden, ok2, "--format", "jsonl", "--top", "1")
    assert code == 1
    assert [line["case_id"] for line in lines] == ["ok", None, "ok2"]
    assert lines[1] == {
        "case_id": None,
        "input": str(hidden),
        "error": f"{hidden}: permission denied; a folder on its path cannot be entered; expected a readable "
        "phenopacket file or folder",
    }


def test_a_name_the_system_refuses_is_named_by_the_reader(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ok = _write(tmp_path / "ok.json", _packet("ok"))
    long = tmp_path / ("x" * 300 + ".json")  # longer than a file name may be (255 bytes)
    code, lines, _ = _run(capsys, "rank", long, ok, "--format", "jsonl", "--top", "1")
    assert code == 1
    assert lines[0]["input"] == str(long)
    assert "cannot read" in lines[0]["error"]
    assert lines[1]["case_id"] == "ok"


# -- 2. folders that cannot be listed ------------------------------------------------------------------
def test_a_subfolder_that_cannot_be_listed_is_reported_in_sorted_place(
    tmp_path: Path, lock: Callable[[Path], Path]
) -> None:
    first = _write(tmp_path / "a.json", _packet("a"))
    _write(tmp_path / "locked" / "x.json", _packet("x"))
    last = _write(tmp_path / "z.json", _packet("z"))
    _write(tmp_path / ".private" / "y.json", _packet("y"))
    locked = lock(tmp_path / "locked")
    lock(tmp_path / ".private")  # hidden: skipped, never listed, so not reported
    entries = scan_inputs([tmp_path])
    assert [(e.path, e.error) for e in entries] == [
        (first, None),
        (locked, f"{locked}: cannot be read (permission denied); its files were not ranked"),
        (last, None),
    ]
    with pytest.raises(InputError, match="cannot be read"):
        expand_inputs([tmp_path])


def test_a_named_folder_that_cannot_be_listed_is_not_called_empty(
    tmp_path: Path, lock: Callable[[Path], Path]
) -> None:
    _write(tmp_path / "locked" / "x.json", _packet("x"))
    locked = lock(tmp_path / "locked")
    (entry,) = scan_inputs([locked])
    assert entry.error == f"{locked}: cannot be read (permission denied); its files were not ranked"


def test_a_batch_reports_a_locked_subfolder_and_ranks_the_rest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lock: Callable[[Path], Path]
) -> None:
    _write(tmp_path / "cases" / "a.json", _packet("a"))
    _write(tmp_path / "cases" / "sub" / "x.json", _packet("x"))
    _write(tmp_path / "cases" / "z.json", _packet("z"))
    sub = lock(tmp_path / "cases" / "sub")
    code, lines, _ = _run(capsys, "rank", tmp_path / "cases", "--format", "jsonl", "--top", "1")
    assert code == 1
    assert [(line["case_id"], line.get("error")) for line in lines] == [
        ("a", None),
        (None, f"{sub}: cannot be read (permission denied); its files were not ranked"),
        ("z", None),
    ]


# -- 3. an empty path ----------------------------------------------------------------------------------
EMPTY = "'': an empty path; expected a phenopacket file or folder"


def test_an_empty_path_is_an_error_not_the_current_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path / "good.json", _packet("good"))
    monkeypatch.chdir(tmp_path)
    code, lines, _ = _run(capsys, "rank", "", "--format", "jsonl", "--top", "1")
    assert code == 1
    assert [(line["case_id"], line["input"], line["error"]) for line in lines] == [(None, "", EMPTY)]


def test_an_empty_path_and_the_current_folder_are_two_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path / "good.json", _packet("good"))
    monkeypatch.chdir(tmp_path)
    entries = scan_inputs(["", "."])
    assert [(e.path.name, e.error) for e in entries] == [("", EMPTY), ("good.json", None)]
    with pytest.raises(InputError, match="an empty path"):
        expand_inputs([""])


def test_the_python_api_reports_an_empty_path(
    mini_hpo: Hpo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path / "good.json", _packet("good"))
    monkeypatch.chdir(tmp_path)
    for source in ("", [""]):
        (result,) = marbledx.rank(source, hpo=mini_hpo, top=1)
        assert result.error == EMPTY
        assert result.case_id is None
        assert result.input == ""


# -- 4. a Family without its proband -------------------------------------------------------------------
@pytest.mark.parametrize(
    "family_field",
    [
        {"pedigree": {"persons": [{"individualId": "s1", "affectedStatus": "AFFECTED"}]}},
        {"consanguinousParents": True},
        {"relatives": [_packet("sister")]},
    ],
)
def test_a_family_without_its_proband_is_named_as_such(
    mini_hpo: Hpo, tmp_path: Path, family_field: dict[str, Any]
) -> None:
    family = _write(tmp_path / "family.json", {"id": "f1", **family_field})
    with pytest.raises(InputError) as caught:
        read_case_file(family, mini_hpo.ontology)
    assert str(caught.value) == (
        f"{family}: a Family needs 'proband' (the proband's Phenopacket); expected a GA4GH Family v2"
    )
    assert peek_case_id(family) is None  # the family's id is not the case id (the proband's would be)
