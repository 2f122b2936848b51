"""``marbledx rank`` as a lab's script reads it (review 25): every json/jsonl line checked against the
documented schema, batch inputs (duplicates, links, hidden files, empty folders, Cohort and v1 files) and
the Python API giving the same content."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest

import marbledx
from marbledx.cli import main
from marbledx.errors import InputError
from marbledx.findings import Case, FamilyHistory, Finding, normalise_findings, parse_iso_age, read_case_file
from marbledx.findings._phenopacket import scan_inputs
from marbledx.ontology import Hpo, load_hpo
from marbledx.ranking import CaseResult, Ranker

from ..conftest import MINI_RELEASE, TESTS, copy_release

PACKETS = TESTS / "data" / "phenopackets"
# Documented extra keys (docs/cli.md): a lab's strict schema allows these and no others.
CASE_KEYS = {"case_id", "input", "diagnoses"}
CASE_EXTRA = {"genotype"}
DIAGNOSIS_TYPES = {
    "rank": int, "disease_id": str, "label": str, "probability": float, "genes": list, "evidence": list,
}  # fmt: skip
DIAGNOSIS_EXTRA = {"genotype_lr", "variants", "genotype_note", "same_as", "same_as_labels", "subtype"}
EVIDENCE_TYPES = {"hpo_id": str, "label": str, "status": str, "lr": float, "match": str}
EVIDENCE_EXTRA = {"source"}


@pytest.fixture(autouse=True)
def mini_release(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))


def _reject_constant(name: str) -> None:
    msg = f"non-finite number {name} in the JSON"
    raise AssertionError(msg)


def _check_case(obj: dict[str, Any]) -> None:
    """The documented schema, strictly: required keys with exact types, documented extras only."""
    if "error" in obj:
        assert set(obj) == {"case_id", "input", "error"}
        assert obj["case_id"] is None or (isinstance(obj["case_id"], str) and obj["case_id"])
        assert isinstance(obj["input"], str)
        assert isinstance(obj["error"], str)
        assert "\n" not in obj["error"]
        return
    assert CASE_KEYS <= set(obj) <= CASE_KEYS | CASE_EXTRA
    assert isinstance(obj["case_id"], str)
    assert obj["case_id"]
    assert isinstance(obj["input"], str)
    diagnoses = obj["diagnoses"]
    assert diagnoses
    assert [d["rank"] for d in diagnoses] == list(range(1, len(diagnoses) + 1))
    assert sum(d["probability"] for d in diagnoses) <= 1 + 1e-9
    for diagnosis in diagnoses:
        assert set(DIAGNOSIS_TYPES) <= set(diagnosis) <= set(DIAGNOSIS_TYPES) | DIAGNOSIS_EXTRA
        for key, kind in DIAGNOSIS_TYPES.items():
            assert type(diagnosis[key]) is kind, key
        assert 0 <= diagnosis["probability"] <= 1
        assert all(isinstance(gene, str) for gene in diagnosis["genes"])
        for item in diagnosis["evidence"]:
            assert set(EVIDENCE_TYPES) <= set(item) <= set(EVIDENCE_TYPES) | EVIDENCE_EXTRA
            for key, kind in EVIDENCE_TYPES.items():
                assert type(item[key]) is kind, key
            assert item["status"] in {"observed", "excluded"}
            assert math.isfinite(item["lr"])
            assert item["lr"] >= 0


def _run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _jsonl(out: str) -> list[dict[str, Any]]:
    lines = [json.loads(line, parse_constant=_reject_constant) for line in out.splitlines()]
    for line in lines:
        _check_case(line)
    return lines


def _array(out: str) -> list[dict[str, Any]]:
    document = json.loads(out, parse_constant=_reject_constant)
    assert isinstance(document, list)
    for item in document:
        _check_case(item)
    return document


def _packet(case_id: str = "case-1", *features: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": case_id,
        "subject": {"id": "s1"},
        "phenotypicFeatures": [{"type": {"id": f}} for f in features or ("HP:0011002",)],
        "metaData": {"phenopacketSchemaVersion": "2.0"},
        **extra,
    }


def _write(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


# -- documents that stopped the whole batch with an internal error ---------------------------------------
@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ({**_packet("md"), "metaData": "2.0"}, "metaData"),  # was: AttributeError, exit 70
        ({"proband": "oops", "pedigree": {}}, "proband: expected the proband's Phenopacket"),  # was: exit 70
        ({"proband": ["x"], "pedigree": {}}, "found list"),  # was: exit 70
    ],
)
def test_odd_documents_are_errors_of_their_case_and_the_batch_goes_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, document: Any, fragment: str
) -> None:
    bad = _write(tmp_path / "a-bad.json", document)
    good = _write(tmp_path / "b-good.json", _packet("good"))
    for fmt, parse in (("jsonl", _jsonl), ("json", _array)):
        code, out, _ = _run(capsys, "rank", bad, good, "--format", fmt, "--top", "2")
        lines = parse(out)
        assert code == 1
        assert fragment in lines[0]["error"]
        assert lines[1]["case_id"] == "good"


@pytest.mark.parametrize(
    ("version", "accepted"), [("2.0", True), ("2.0.2", True), ("2", True), ("20.1", False), ("1.0.0", False)]
)
def test_the_schema_version_is_read_by_its_major_number(
    mini_hpo: Hpo, tmp_path: Path, version: str, accepted: bool
) -> None:
    path = _write(tmp_path / "p.json", {**_packet(), "metaData": {"phenopacketSchemaVersion": version}})
    if accepted:
        assert read_case_file(path, mini_hpo.ontology).case_id == "case-1"
    else:
        with pytest.raises(InputError, match=f"schema version {version} is not supported"):
            read_case_file(path, mini_hpo.ontology)


def test_a_cohort_is_named_as_one(mini_hpo: Hpo, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "cohort.json",
        {"id": "c", "members": [_packet()], "metaData": {"phenopacketSchemaVersion": "2.0"}},
    )
    with pytest.raises(InputError, match=r"cohort\.json: a GA4GH Cohort is not supported; expected one"):
        read_case_file(path, mini_hpo.ontology)


def test_a_v1_file_without_a_version_is_named_as_v1(mini_hpo: Hpo, tmp_path: Path) -> None:
    # v1's "negated" is v2's "excluded": the file must not be read as observed findings, and the error says why.
    document = _packet()
    del document["metaData"]
    document["phenotypicFeatures"].append({"type": {"id": "HP:0001903"}, "negated": True})
    path = _write(tmp_path / "v1.json", document)
    with pytest.raises(InputError, match=r"Phenopacket v1 file \(field 'phenotypicFeatures\[\]\.negated'\)"):
        read_case_file(path, mini_hpo.ontology)


# -- the batch: each file once, every input reported ----------------------------------------------------
def test_a_file_named_twice_or_through_a_link_is_ranked_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = _write(tmp_path / "good.json", _packet("good"))
    link = tmp_path / "link.json"
    link.symlink_to(good)
    code, out, err = _run(capsys, "rank", good, good, link, tmp_path, "--format", "jsonl", "--top", "1")
    assert code == 0
    assert [line["case_id"] for line in _jsonl(out)] == ["good"]
    assert f"{link}: the same file as {good}; ranked once" in err
    assert "named more than once" in err


def test_two_files_with_one_id_are_both_ranked_with_a_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first = _write(tmp_path / "a.json", _packet("same"))
    second = _write(tmp_path / "b.json", _packet("same", "HP:0001903"))
    code, out, err = _run(capsys, "rank", tmp_path, "--format", "jsonl", "--top", "1")
    assert code == 0
    assert [(r["case_id"], r["input"]) for r in _jsonl(out)] == [("same", str(first)), ("same", str(second))]
    assert f"{second}: case id 'same' is also the id of {first}" in err


def test_an_empty_folder_is_reported_and_the_others_are_ranked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    good = _write(tmp_path / "cases" / "good.json", _packet("good"))
    code, out, _ = _run(capsys, "rank", tmp_path / "empty", good, "--format", "json", "--top", "1")
    results = _array(out)
    assert code == 1
    assert results[0] == {
        "case_id": None,
        "input": str(tmp_path / "empty"),
        "error": f"{tmp_path / 'empty'}: no *.json files found; expected GA4GH Phenopacket v2 JSON files",
    }
    assert results[1]["case_id"] == "good"


def test_folders_skip_hidden_files_and_report_broken_links(tmp_path: Path) -> None:
    good = _write(tmp_path / "a" / "good.json", _packet("good"))
    _write(tmp_path / "a" / "._good.json", "\x00\x05")  # macOS metadata next to a copied file
    _write(tmp_path / ".git" / "x.json", "{}")
    (tmp_path / "a" / "gone.json").symlink_to(tmp_path / "nowhere.json")
    (tmp_path / "a" / "up").symlink_to(tmp_path)  # a loop, not followed
    assert [e.path for e in scan_inputs([tmp_path])] == [tmp_path / "a" / "gone.json", good]


def test_a_broken_link_and_standard_input_are_named(mini_hpo: Hpo, tmp_path: Path) -> None:
    gone = tmp_path / "gone.json"
    gone.symlink_to(tmp_path / "nowhere.json")
    with pytest.raises(InputError, match=r"gone\.json: broken symbolic link \(its target .*nowhere\.json"):
        read_case_file(gone, mini_hpo.ontology)
    (entry,) = scan_inputs(["-"])
    assert entry.error is not None
    assert "standard input is not supported" in entry.error


def test_an_error_line_carries_the_id_the_case_would_have(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A Family's case id is its proband's (as when it is ranked), not the family's.
    family = _write(tmp_path / "family.json", {"id": "fam", "proband": _packet("proband", "HP:1234567")})
    blank = _write(tmp_path / "blank.json", _packet(""))
    code, out, _ = _run(capsys, "rank", family, blank, "--format", "jsonl")
    lines = _jsonl(out)
    assert code == 1
    assert [line["case_id"] for line in lines] == ["proband", None]


# -- command-line cases ---------------------------------------------------------------------------------
def test_hpo_lists_may_use_spaces_and_semicolons(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "rank", "--hpo", " HP:0011002; hp:0001744  HP:0001903,", "--format", "jsonl", "--top", "1"
    )
    assert code == 0
    (line,) = _jsonl(out)
    assert [e["hpo_id"] for e in line["diagnoses"][0]["evidence"]] == [
        "HP:0011002",
        "HP:0001744",
        "HP:0001903",
    ]


def test_an_empty_case_id_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "rank", "--hpo", "HP:0011002", "--case-id", " ")
    assert code == 2
    assert out == ""
    assert "--case-id is empty" in err


def test_ages_with_a_comma_or_a_time_part(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_iso_age("P1,5Y") == parse_iso_age("P1.5Y")
    assert parse_iso_age("PT12H") == 0.5  # a newborn's age in hours
    code, _, err = _run(capsys, "rank", "--hpo", "HP:0011002", "--age", "PT12X")
    assert code == 2
    assert "'PT12X' is not an ISO 8601 age" in err


def test_a_replaced_id_that_is_not_a_phenotype_is_named_as_given(tmp_path: Path) -> None:
    release = copy_release(tmp_path / "release")
    obo = release / "hp.obo"
    text = obo.read_text(encoding="utf-8")
    obo.write_text(
        text.replace(
            "name: Autosomal recessive inheritance\n",
            "name: Autosomal recessive inheritance\nalt_id: HP:0001111\n",
        ),
        encoding="utf-8",
    )
    ontology = load_hpo(release, cache=False).ontology
    with pytest.raises(
        InputError, match=r"--hpo: HP:0001111 \(now HP:0000007\) Autosomal recessive inheritance"
    ):
        normalise_findings(ontology, [("HP:0001111", False, "entered")], where="--hpo")


# -- output never holds NaN or Infinity -----------------------------------------------------------------
def test_a_non_finite_number_becomes_the_case_error_and_the_array_stays_valid(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real_rank = Ranker.rank

    def rank(self: Ranker, case: Case, **kwargs: Any) -> CaseResult:
        result = real_rank(self, case, **kwargs)
        if case.case_id == "bad":
            first = result.diagnoses[0]
            object.__setattr__(first, "probability", math.nan)
        return result

    monkeypatch.setattr(Ranker, "rank", rank)
    bad = _write(tmp_path / "a.json", _packet("bad"))
    good = _write(tmp_path / "b.json", _packet("good"))
    code, out, _ = _run(capsys, "rank", bad, good, "--format", "json", "--top", "2")
    results = _array(out)
    assert code == 1
    assert results[0]["case_id"] == "bad"
    assert "non-finite number" in results[0]["error"]
    assert results[1]["case_id"] == "good"
    code, out, _ = _run(capsys, "rank", bad, good, "--top", "2")
    assert code == 1
    assert "error: internal error: the result holds a non-finite number" in out
    assert "Case bad" in out
    assert "nan%" not in out.split("Case good")[0]


# -- the Python API -------------------------------------------------------------------------------------
def test_the_api_gives_the_cli_json(
    capsys: pytest.CaptureFixture[str], mini_hpo: Hpo, tmp_path: Path
) -> None:
    bad = _write(tmp_path / "bad.json", "{")
    inputs = [PACKETS / "infant_aro.json", PACKETS / "family.json", bad, PACKETS / "obsolete_term.json"]
    code, out, _ = _run(capsys, "rank", *inputs, "--format", "json", "--top", "3", "--prior", "prevalence")
    assert code == 1
    results = marbledx.rank(inputs, hpo=mini_hpo, top=3, prior="prevalence")
    assert all(isinstance(r, CaseResult) for r in results)
    assert json.loads(out) == [r.to_dict() for r in results]
    assert results[1].diagnoses[0].evidence[0].status == "observed"


def test_the_api_adds_family_history_to_a_case(mini_hpo: Hpo) -> None:
    case = Case("c", "(api)", (Finding("HP:0011002"),))
    plain = marbledx.rank(case, hpo=mini_hpo, top=4)[0]
    related = marbledx.rank(case, hpo=mini_hpo, top=4, family=FamilyHistory(consanguineous=True))[0]
    assert any("consanguinity" in note for note in related.notes)  # was: family= ignored for a Case
    assert related.to_dict() != plain.to_dict()


@pytest.mark.parametrize(
    ("source", "kwargs", "fragment"),
    [
        ([], {}, "nothing to rank"),
        (b"case.json", {}, "found bytes"),
        (5, {}, "found int"),
        ([PACKETS / "malformed.json", 3], {}, "found int 3"),
        # checked before any file
        ([PACKETS / "malformed.json"], {"top": 0}, "^top must be at least 1, got 0$"),
        ([PACKETS / "malformed.json"], {"top": True}, "^top must be at least 1, got True$"),
    ],
)
def test_the_api_refuses_a_source_or_top_it_cannot_use(
    mini_hpo: Hpo, source: Any, kwargs: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(InputError, match=fragment):
        marbledx.rank(source, hpo=mini_hpo, **kwargs)


def test_the_api_takes_any_iterable_of_paths(mini_hpo: Hpo) -> None:
    results = marbledx.rank(PACKETS.glob("infant_*.json"), hpo=mini_hpo, top=1)
    assert [r.case_id for r in results] == ["infant-aro"]


def test_top_larger_than_the_release_lists_every_shown_disease(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "rank", PACKETS / "infant_aro.json", "--format", "jsonl", "--top", "100000")
    (line,) = _jsonl(out)
    assert code == 0
    assert 1 <= len(line["diagnoses"]) <= 4  # the fixture release has 4 diseases


@pytest.mark.skipif(os.name != "posix", reason="file names as bytes")
def test_names_that_are_not_utf8_give_valid_utf8_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A file name with a byte that is not UTF-8, and an id with an unpaired surrogate escape: the write
    # crashed (exit 70, the batch lost) or put invalid UTF-8 on stdout.
    odd_name = tmp_path / os.fsdecode(b"case-\xff.json")
    _write(odd_name, _packet("odd"))
    odd_id = tmp_path / "surrogate.json"
    odd_id.write_text(json.dumps(_packet("a\ud800b")), encoding="utf-8")
    for fmt in ("jsonl", "table"):
        code, out, _ = _run(capsys, "rank", odd_name, odd_id, "--format", fmt, "--top", "1")
        assert code == 1  # the surrogate id is refused by the phenopacket parser
        out.encode("utf-8")  # no lone surrogate reaches stdout
    code, out, _ = _run(capsys, "rank", odd_name, odd_id, "--format", "jsonl", "--top", "1")
    lines = _jsonl(out)
    assert lines[0]["input"] == str(odd_name)  # the same string back, so the file can be opened
    assert lines[1]["case_id"] == "a\ud800b"


@pytest.mark.skipif(os.name != "posix", reason="unicode file names")
def test_unicode_paths_round_trip(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _write(tmp_path / "dossier é" / "cas ü.json", _packet("ü-1"))
    code, out, _ = _run(capsys, "rank", path.parent, "--format", "jsonl", "--top", "1")
    (line,) = _jsonl(out)
    assert code == 0
    assert (line["case_id"], line["input"]) == ("ü-1", str(path))
