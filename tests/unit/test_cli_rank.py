"""``marbledx rank``: the output contract (benchmarks depend on it), batch errors and flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marbledx.cli import main

from ..conftest import MINI_RELEASE, TESTS
from .cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)

PACKETS = TESTS / "data" / "phenopackets"
DIAGNOSIS_KEYS = {
    "rank", "disease_id", "label", "probability", "genes", "evidence", "subtype",
    "genotype_lr", "variants", "genotype_note", "same_as", "same_as_labels",
}  # fmt: skip
EVIDENCE_KEYS = {"hpo_id", "label", "status", "lr", "match", "source"}


def test_jsonl_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys, "rank", str(PACKETS / "infant_aro.json"), "--format", "jsonl", "--top", "3"
    )
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert set(result) == {"case_id", "input", "genotype", "diagnoses"}
    assert result["genotype"] is None  # no VCF
    assert result["case_id"] == "infant-aro"
    assert result["input"] == str(PACKETS / "infant_aro.json")
    assert len(result["diagnoses"]) == 3
    first = result["diagnoses"][0]
    assert set(first) == DIAGNOSIS_KEYS
    assert first["rank"] == 1
    assert first["disease_id"] == "OMIM:259700"
    assert isinstance(first["probability"], float)
    assert first["genes"] == ["TCIRG1"]
    assert first["subtype"]["hsct_decision"] == "curative"
    assert first["genotype_lr"] == 1.0
    assert first["variants"] == []
    for item in first["evidence"]:
        assert set(item) == EVIDENCE_KEYS
        assert item["status"] in {"observed", "excluded"}
        assert item["lr"] > 0


def test_batch_reports_bad_cases_and_goes_on(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "rank", str(PACKETS), "--format", "jsonl", "--top", "1")
    assert code == 1
    results = [json.loads(line) for line in out.splitlines()]
    errors = {r["input"].rsplit("/", 1)[-1]: r for r in results if "error" in r}
    ranked = {r["input"].rsplit("/", 1)[-1] for r in results if "diagnoses" in r}
    assert set(errors) == {
        "malformed.json",
        "no_features.json",
        "only_excluded.json",
        "schema_v1.json",
        "unknown_field.json",
        "unknown_term.json",
    }
    assert set(errors["unknown_term.json"]) == {"case_id", "input", "error"}
    assert errors["unknown_term.json"]["case_id"] == "unknown"
    assert errors["malformed.json"]["case_id"] is None
    assert {"infant_aro.json", "adult_ado.json", "family.json", "obsolete_term.json"} == ranked
    assert "HP:0009999" in err
    assert "Traceback" not in err


def test_json_is_one_array_of_the_same_objects(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys, "rank", str(PACKETS / "infant_aro.json"), str(PACKETS / "adult_ado.json"), "--format", "json"
    )
    assert code == 0
    results = json.loads(out)
    assert [r["case_id"] for r in results] == ["infant-aro", "adult-ado"]
    assert all(len(r["diagnoses"]) == 4 for r in results)  # only 4 diseases in the fixture release


def test_flags_case_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys,
        "rank",
        "--hpo",
        "HP:0011002,HP:0001744",
        "--exclude",
        "HP:0001873",
        "--age",
        "P4M",
        "--sex",
        "female",
        "--consanguineous",
    )
    assert code == 0
    assert "OMIM:259700" in out
    assert "Why #1" in out
    assert "consanguinity favours autosomal recessive" in out
    assert "does not replace, clinical judgement" in out
    # The explained excluded finding comes with what its LR means.
    assert "pertinent negative" in out


def test_table_explains_excluded_findings_only_when_shown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "rank", "--hpo", "HP:0011002,HP:0001744")
    assert code == 0
    assert "pertinent negative" not in out


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["rank"], "nothing to rank"),
        (["rank", "x.json", "--hpo", "HP:0011002"], "either phenopacket files or --hpo"),
        (["rank", "--hpo", "HP:1234567"], "unknown HPO term 'HP:1234567'"),
        (
            ["rank", "--hpo", "HP:1234567"],
            "newer than this release needs 'marbledx data update' (--lenient drops it)",
        ),
        (["rank", "--hpo", "hp:1234567"], "newer than this release needs 'marbledx data update'"),
        (
            ["rank", "--hpo", "HP:12"],
            "HP:0011002 ('marbledx term WORDS' finds one)\n",
        ),  # not an id's shape: no hint about releases
        (["rank", "--hpo", "HP:0011002", "--age", "eight months"], "not an ISO 8601 age"),
        (["rank", "--hpo", "HP:0011002", "--top", "0"], "--top must be at least 1"),
        (["rank", "--exclude", "HP:0011002"], "no observed phenotypic features"),
    ],
)
def test_rank_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str) -> None:
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1
    assert fragment in err
    assert "Traceback" not in err


def test_lenient_flag_ranks_despite_unknown_terms(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        capsys, "rank", str(PACKETS / "unknown_term.json"), "--lenient", "--format", "jsonl"
    )
    assert code == 0
    assert json.loads(out)["diagnoses"]
    assert "dropped" in err


def test_a_deeply_nested_file_does_not_stop_the_batch(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    deep = tmp_path / "a-deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    good = tmp_path / "b-good.json"
    good.write_text(
        json.dumps(
            {
                "id": "good",
                "subject": {"id": "p"},
                "phenotypicFeatures": [{"type": {"id": "HP:0011002", "label": "Osteopetrosis"}}],
                "metaData": {"phenopacketSchemaVersion": "2.0"},
            }
        ),
        encoding="utf-8",
    )
    code = main(["rank", str(deep), str(good), "--format", "jsonl", "--top", "1"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert "error" in lines[0]
    assert lines[1]["case_id"] == "good"
    assert lines[1]["diagnoses"]
