"""The HTML/PDF reports name an input file by its name only, never its folders.

A report is shared and printed, and real paths often name the patient (/data/patients/Jane_Doe/case.vcf). The
clinician report showed the VCF and PED as given (``VCF examples/infant-aro.vcf``; notes such as
``examples/infant-aro.vcf: the father … (named in examples/infant-aro.ped)``). The JSON report, a machine
contract, keeps the paths as given (docs/reports.md, "File names, not paths").

The fixture release (tests/data/hpo-mini), the example VCF and inline files only.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.report import AnalysisReport, analyze, render_html, render_result_html
from marbledx.report._render import _path_shower

from ..conftest import TESTS
from .cli_run import mini_release, run_cli  # noqa: F401 (mini_release: autouse)

EXAMPLE_VCF = TESTS.parent / "examples" / "infant-aro.vcf"  # one sample, 'example-infant'
# Folders named like a patient; the second has spaces and brackets, which no path pattern could cut.
PATIENT_FOLDERS = ["Jane_Doe_1990", "Jane Doe (1990)"]

# HP:0002240 (Hepatomegaly) is not in the fixture release: read leniently, it is dropped with a warning that
# names the phenopacket by its path.
PHENOPACKET = {
    "id": "path-test",
    "subject": {
        "id": "example-infant",
        "sex": "MALE",
        "timeAtLastEncounter": {"age": {"iso8601duration": "P4M"}},
    },
    "phenotypicFeatures": [
        {"type": {"id": term, "label": "x"}}
        for term in ("HP:0011002", "HP:0001903", "HP:0001873", "HP:0001744", "HP:0002240")
    ],
    "metaData": {"created": "2026-01-01T00:00:00Z", "phenopacketSchemaVersion": "2.0"},
}
# The parents are not samples of the VCF: the genotype notes name the VCF and the PED.
PED = "FAM1\texample-infant\tfather\tmother\t1\t2\nFAM1\tfather\t0\t0\t1\t1\nFAM1\tmother\t0\t0\t2\t1\n"
LABS = "analyte,value,unit,date,low,high\nhemoglobin,7.9,g/dL,2026-11-02,9.5,13.5\n"


def _patient_files(folder: Path, ped: str = PED) -> dict[str, Path]:
    folder.mkdir(parents=True)
    files = {
        "case": folder / "case.json",
        "vcf": folder / "infant-aro.vcf",
        "ped": folder / "family.ped",
        "labs": folder / "labs.csv",
    }
    files["case"].write_text(json.dumps(PHENOPACKET), encoding="utf-8")
    files["vcf"].write_bytes(EXAMPLE_VCF.read_bytes())
    files["ped"].write_text(ped, encoding="utf-8")
    files["labs"].write_text(LABS, encoding="utf-8")
    return files


def _analyze(files: dict[str, Path], hpo: Hpo, kb: KnowledgeBase) -> AnalysisReport:
    return analyze(
        files["case"], hpo=hpo, kb=kb, vcf=files["vcf"], ped=files["ped"], labs=files["labs"], strict=False
    )


def _shown_text(markup: str) -> str:
    """The report's text, tags and the stylesheet removed, entities decoded (a folder with "(" is escaped
    nowhere, but a folder with an apostrophe would be)."""
    markup = re.sub(r"<style>.*?</style>", " ", markup, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


@pytest.mark.parametrize("folder_name", PATIENT_FOLDERS)
def test_a_patient_folder_is_named_nowhere_in_the_html_reports(
    tmp_path: Path, folder_name: str, mini_hpo: Hpo, kb: KnowledgeBase
) -> None:
    folder = tmp_path / folder_name
    files = _patient_files(folder)
    report = _analyze(files, mini_hpo, kb)
    data = report.to_dict()
    # The messages the report shows do name the folder (else this test would prove nothing)…
    assert any(str(files["vcf"]) in n and str(files["ped"]) in n for n in data["notes"])
    assert any(w.startswith(f"{files['case']}: ") for w in data["warnings"])
    clinician = render_html(report, hpo=mini_hpo, kb=kb)
    text = _shown_text(clinician)
    # …and the report names each file by its name only.
    assert folder_name not in text
    assert str(tmp_path) not in text
    assert "VCF infant-aro.vcf · sample example-infant" in " ".join(text.split())
    assert (
        "Note: infant-aro.vcf: the father 'father' is not a sample of this VCF (named in family.ped)" in text
    )
    assert "Warning: case.json: unknown HPO term 'HP:0002240'" in text
    # The family summary names no file today; a path that reached it would lose its folders too.
    family = render_html(report, hpo=mini_hpo, kb=kb, audience="family")
    assert folder_name not in _shown_text(family)
    assert str(tmp_path) not in family
    stored = report.to_dict()
    stored["family_summary"]["sections"][0]["paragraphs"].append(f"The file {files['vcf']} was read.")
    family = render_result_html(
        stored, hpo=mini_hpo, kb=kb, audience="family", input_paths=report.input_paths
    )
    assert folder_name not in _shown_text(family)
    assert "The file infant-aro.vcf was read." in family


def test_the_json_report_keeps_the_paths_as_given(tmp_path: Path, mini_hpo: Hpo, kb: KnowledgeBase) -> None:
    # A machine contract: the fields keep their paths, for the programs that read them (docs/reports.md).
    files = _patient_files(tmp_path / "Jane_Doe_1990")
    data = _analyze(files, mini_hpo, kb).to_dict()
    assert data["input"] == str(files["case"])
    assert data["genotype"]["vcf"] == str(files["vcf"])
    assert data["counselling"]["pedigree"] == str(files["ped"])
    assert data["labs"][0]["input"] == f"{files['labs']}, line 2"
    assert any(str(files["ped"]) in note for note in data["notes"])
    assert "input_paths" not in data


def test_a_stored_result_shows_file_names_too(tmp_path: Path, mini_hpo: Hpo, kb: KnowledgeBase) -> None:
    # The web app renders a stored result (to_dict), which has no list of the paths read: the paths it names
    # in its own fields (input, genotype.vcf, counselling.pedigree, labs[].input) lose their folders…
    files = _patient_files(tmp_path / "Jane Doe (1990)")
    stored: dict[str, Any] = _analyze(files, mini_hpo, kb).to_dict()
    for audience in ("clinician", "family"):
        page = render_result_html(stored, hpo=mini_hpo, kb=kb, audience=audience)
        assert "Jane Doe" not in _shown_text(page)
    # …and so does a path of a kind of file marbledx reads that no field names (here a folder without spaces).
    del stored["counselling"]
    stored["notes"].append(
        f"counselling: not computed: {tmp_path}/Jane_Doe_1990/other.ped: no affected child"
    )
    page = _shown_text(render_result_html(stored, hpo=mini_hpo, kb=kb))
    assert "Jane_Doe" not in page
    assert "Note: counselling: not computed: other.ped: no affected child" in page


def test_a_file_named_only_in_a_message_loses_its_folder(
    tmp_path: Path, mini_hpo: Hpo, kb: KnowledgeBase
) -> None:
    # A PED in which no affected child has both parents: the counselling note names it, and no field of the
    # result does (no counselling is given). The analysis's own list of paths covers it, spaces and all.
    ped = "FAM1\texample-infant\t0\t0\t1\t2\n"
    files = _patient_files(tmp_path / "Jane Doe (1990)", ped=ped)
    report = _analyze(files, mini_hpo, kb)
    data = report.to_dict()
    assert "counselling" not in data
    assert any(n.startswith(f"counselling: not computed: {files['ped']}: ") for n in data["notes"])
    text = _shown_text(render_html(report, hpo=mini_hpo, kb=kb))
    assert "Jane Doe" not in text
    assert "Note: counselling: not computed: family.ped: " in text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # Units, ratios, DOIs and addresses are not paths.
        ("Hb 7.2 g/dL; platelets 50 10^9/L; AR/AD", "Hb 7.2 g/dL; platelets 50 10^9/L; AR/AD"),
        ("DOI:10.1002/jbmr.5650111010", "DOI:10.1002/jbmr.5650111010"),
        ("https://omim.org/entry/259700", "https://omim.org/entry/259700"),
        # Paths of files marbledx reads, relative or absolute, quoted, in brackets, as URIs or Windows paths.
        ("examples/infant-aro.vcf: no calls", "infant-aro.vcf: no calls"),
        ("(named in /data/patients/Jane_Doe/fam.PED)", "(named in fam.PED)"),
        ("'file:///data/Jane_Doe/case.vcf.gz'", "'case.vcf.gz'"),
        (r"C:\Users\Jane_Doe\labs.csv, line 3", "labs.csv, line 3"),
        ("~/Jane_Doe/case.json: dropped", "case.json: dropped"),
        # A run of separators that ends in no file name is left, and quickly.
        ("a" + "/" * 5000 + " b", "a" + "/" * 5000 + " b"),
    ],
)
def test_which_texts_are_paths(text: str, shown: str) -> None:
    assert _path_shower([])(text) == shown


def test_the_cli_report_names_the_files_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _patient_files(tmp_path / "Jane_Doe_1990")
    args = [str(files["case"]), "--vcf", str(files["vcf"]), "--ped", str(files["ped"]), "--lenient"]
    for audience in ("clinician", "family"):
        out = tmp_path / f"{audience}.html"
        code, _, err = run_cli(capsys, "analyze", *args, "--audience", audience, "-o", str(out))
        assert code == 0, err
        page = out.read_text(encoding="utf-8")
        assert "Jane_Doe_1990" not in page
        if audience == "clinician":
            assert "VCF infant-aro.vcf · sample example-infant" in page
