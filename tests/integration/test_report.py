"""The analysis report: JSON contract, self-contained HTML, PDF text, family readability, atomic writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import textstat
from pypdf import PdfReader

from marbledx.cli import main
from marbledx.errors import InputError
from marbledx.findings import Case, Finding
from marbledx.genotype.synthetic import SyntheticVariant, write_vcf
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.report import AnalysisReport, analyze, render_html, write_report

EXAMPLE = Path(__file__).parents[2] / "examples" / "infant-aro.json"
DECISIONS = {"curative", "partial", "not_curative", "not_standard", "not_recommended", "unknown"}


def _infant(*terms: str, age_days: float = 120.0, sex: str = "male") -> Case:
    return Case("infant-1", "test", tuple(Finding(t) for t in terms), age_days=age_days, sex=sex)  # type: ignore[arg-type]


def _tcirg1_vcf(tmp_path: Path) -> Path:
    variants = [
        SyntheticVariant(
            "11", 68_040_000, "C", "T", "TCIRG1", "stop_gained", {"PROBAND": "1/1"}, hgvs_c="c.1C>T"
        ),
        SyntheticVariant("2", 1_000_000, "G", "A", "GENE1", "synonymous_variant", {"PROBAND": "0/1"}),
    ]
    return write_vcf(tmp_path / "tcirg1.vcf", variants)


@pytest.fixture(scope="module")
def phenotype_only(real_hpo: Hpo, kb: KnowledgeBase) -> AnalysisReport:
    return analyze(EXAMPLE, hpo=real_hpo, kb=kb)


def test_json_contract(real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path) -> None:
    report = analyze(EXAMPLE, hpo=real_hpo, kb=kb, vcf=_tcirg1_vcf(tmp_path))
    data = report.to_dict()
    assert data["case_id"] == "example-infant-aro"
    # Each finding carries its HPO label in the JSON (it was null for phenopacket findings).
    assert data["findings"]
    assert all(f["label"] for f in data["findings"])
    assert {"hpo_id": "HP:0011002", "label": "Osteopetrosis"}.items() <= next(
        f for f in data["findings"] if f["hpo_id"] == "HP:0011002"
    ).items()
    first = data["diagnoses"][0]
    assert {
        "rank",
        "disease_id",
        "label",
        "probability",
        "genes",
        "evidence",
        "genotype_lr",
        "variants",
    } <= set(first)
    plan = data["care_plan"]
    assert {"diagnosis_id", "hsct", "tests", "treatments", "monitoring", "red_flags", "prognosis"} <= set(
        plan
    )
    assert {"decision", "reason", "urgency", "sources"} <= set(plan["hsct"])
    assert plan["hsct"]["decision"] in DECISIONS
    # The genotype-supported top diagnosis is TCIRG1 ARO: curative, urgent in an infant.
    assert plan["diagnosis_id"] == "OMIM:259700"
    assert (plan["hsct"]["decision"], plan["hsct"]["urgency"]) == ("curative", "urgent")
    assert "counselling" not in data
    assert data["hpo_release"]
    assert data["marbledx_version"]
    assert "does not replace" in data["disclaimer"]
    json.dumps(data)  # serialisable


def test_without_dna_the_decision_is_not_claimed(phenotype_only: AnalysisReport) -> None:
    plan = phenotype_only.care_plan
    assert plan.certainty == "uncertain"
    assert plan.hsct.decision == "unknown"
    assert any(t.kind == "genetic" for t in plan.tests)


def test_html_is_self_contained(phenotype_only: AnalysisReport, real_hpo: Hpo, kb: KnowledgeBase) -> None:
    html = render_html(phenotype_only, hpo=real_hpo, kb=kb)
    assert "<svg" in html
    assert "HSCT decision" in html
    assert "supports, and does not replace, clinical judgement" in html
    # The example's excluded finding (no seizures) comes with what its likelihood ratio means.
    assert "pertinent negative" in html
    # Nothing is loaded from elsewhere: no external scripts, stylesheets, images, fonts or imports.
    assert not re.search(r"<(script|link|img|iframe)\b", html, re.IGNORECASE)
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html, re.IGNORECASE)
    assert "@import" not in html
    assert not re.search(r"url\(\s*['\"]?https?:", html)


def test_pdf_text(phenotype_only: AnalysisReport, real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path) -> None:
    out = write_report(phenotype_only, tmp_path / "report.pdf", hpo=real_hpo, kb=kb, fmt="pdf")
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    text = " ".join(text.split())
    assert "Osteopetrosis decision-support report" in text
    assert "HSCT decision" in text
    assert "does not replace" in text
    # Every page carries the footer from the stylesheet: the disclaimer and "page N of M".
    reader = PdfReader(out)
    for number, page in enumerate(reader.pages, start=1):
        footer = " ".join(page.extract_text().split())
        assert f"page {number} of {len(reader.pages)}" in footer
        assert "supports, does not replace, clinical judgement" in footer
    family = write_report(
        phenotype_only, tmp_path / "family.pdf", hpo=real_hpo, kb=kb, fmt="pdf", audience="family"
    )
    family_text = " ".join(" ".join(p.extract_text() for p in PdfReader(family).pages).split())
    assert "What happens next" in family_text


@pytest.mark.parametrize(
    ("terms", "age_days", "genotype"),
    [
        (("HP:0011002", "HP:0001903", "HP:0001744", "HP:0000639"), 120.0, True),  # TCIRG1 infant, DNA
        (("HP:0011002", "HP:0001903", "HP:0001744"), 120.0, False),  # infant, phenotype only
        (("HP:0004618", "HP:0002757", "HP:0007626"), 40 * 365.25, False),  # ADO2-like adult
        (("HP:0001947", "HP:0002514", "HP:0011002"), 3 * 365.25, False),  # CA2-like child
        (("HP:0001250", "HP:0002059", "HP:0011002"), 90.0, False),  # neuronopathic infant
    ],
)
def test_family_summary_reads_at_grade_8_or_below(
    real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path, terms: tuple[str, ...], age_days: float, genotype: bool
) -> None:
    case = _infant(*terms, age_days=age_days)
    report = analyze(case, hpo=real_hpo, kb=kb, vcf=_tcirg1_vcf(tmp_path) if genotype else None)
    text = report.family.text()
    assert textstat.flesch_kincaid_grade(text) <= 8
    titles = [s.title for s in report.family.sections]
    # An adult is addressed as "you" (web review 7); a child's summary speaks to the parents.
    meaning = "What it means for you" if age_days >= 18 * 365.25 else "What it means for your child"
    assert titles[:3] == ["What the condition is", meaning, "What happens next"]
    assert "How it runs in families" in titles
    assert "does not replace" in report.family.disclaimer


def test_json_report_files_and_the_family_json_holds_only_the_summary(
    phenotype_only: AnalysisReport, real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    out = write_report(phenotype_only, tmp_path / "report.json", hpo=real_hpo, kb=kb, fmt="json")
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(json.dumps(phenotype_only.to_dict()))
    family = write_report(
        phenotype_only, tmp_path / "family.json", hpo=real_hpo, kb=kb, fmt="json", audience="family"
    )
    data = json.loads(family.read_text(encoding="utf-8"))
    # A family's file carries the plain-language summary, not the clinician's differential or variants.
    assert set(data) == {"case_id", "family_summary", "disclaimer"}
    assert data["family_summary"]["sections"]
    assert "does not replace" in data["disclaimer"]


def test_report_paths_that_cannot_be_written_are_one_line_errors(
    phenotype_only: AnalysisReport, real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path
) -> None:
    with pytest.raises(
        InputError, match=r"missing/r.html: the folder .*missing does not exist; expected an existing folder"
    ) as caught:
        write_report(phenotype_only, tmp_path / "missing" / "r.html", hpo=real_hpo, kb=kb)
    assert "\n" not in str(caught.value)
    with pytest.raises(
        InputError, match=r"is a folder; expected a file name for the report \(e.g. report.html\)"
    ):
        write_report(phenotype_only, tmp_path, hpo=real_hpo, kb=kb)


def _renderer_fails(_html: str) -> bytes:
    msg = "renderer failed"
    raise InputError(msg)


def _disk_full(_fd: int) -> None:
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize(
    ("fmt", "target", "failure", "error"),
    [
        ("pdf", "marbledx.report._render.render_pdf", _renderer_fails, InputError),  # before the write
        ("html", "marbledx.report._render.os.fsync", _disk_full, OSError),  # during the write
    ],
)
def test_a_failed_report_keeps_the_previous_file_and_leaves_no_temporary_file(
    phenotype_only: AnalysisReport,
    real_hpo: Hpo,
    kb: KnowledgeBase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    target: str,
    failure: object,
    error: type[Exception],
) -> None:
    out = tmp_path / f"report.{fmt}"
    out.write_bytes(b"previous report")
    monkeypatch.setattr(target, failure)
    with pytest.raises(error):
        write_report(phenotype_only, out, hpo=real_hpo, kb=kb, fmt=fmt)  # type: ignore[arg-type]
    assert out.read_bytes() == b"previous report"
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_cli_analyze(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.html"
    assert main(["analyze", str(EXAMPLE), "-o", str(out)]) == 0
    assert "HSCT decision" in out.read_text(encoding="utf-8")
    written = capsys.readouterr().err
    assert "wrote" in written
    # Without a VCF the first entry is the top of the differential, not a diagnosis.
    assert "; top of the differential " in written
    assert "leading diagnosis" not in written
    assert main(["analyze", str(EXAMPLE), "-o", "-", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["care_plan"]["hsct"]["decision"] in DECISIONS
    assert main(["analyze", str(EXAMPLE), "-o", "-", "--format", "pdf"]) == 2
    assert "PDF cannot be written to the terminal" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path / "missing.json"), "-o", str(out)]) == 2
    assert main(["analyze", str(EXAMPLE), "-o", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_pedigree_adds_counselling(real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path) -> None:
    ped = tmp_path / "family.ped"
    ped.write_text(
        "F1 PROBAND dad mum 1 2\nF1 dad 0 0 1 1\nF1 mum 0 0 2 1\nF1 sister dad mum 2 1\n", encoding="utf-8"
    )
    case = _infant("HP:0011002", "HP:0001903", "HP:0001744", "HP:0000639")
    case = Case(
        case.case_id, case.input, case.findings, age_days=case.age_days, sex=case.sex, subject_id="PROBAND"
    )
    report = analyze(case, hpo=real_hpo, kb=kb, vcf=_tcirg1_vcf(tmp_path), ped=ped)
    counselling = report.to_dict()["counselling"]
    assert counselling["disease_id"] == "OMIM:259700"
    assert counselling["next_child"]["affected_probability"] == pytest.approx(0.25)
    sister = next(i for i in counselling["individuals"] if i["id"] == "sister")
    assert sister["carrier_probability"] == pytest.approx(2 / 3)
    html = render_html(report, hpo=real_hpo, kb=kb)
    assert "Genetic counselling" in html
    assert "25%" in html


def test_cli_risk_is_wired(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ped = tmp_path / "family.ped"
    ped.write_text("F1 kid dad mum 1 2\nF1 dad 0 0 1 1\nF1 mum 0 0 2 1\n", encoding="utf-8")
    assert main(["risk", "--ped", str(ped), "--disease", "OPTB1", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["next_child"]["affected_probability"] == pytest.approx(0.25)


def test_lab_values_enter_the_ranking_marked_as_lab(real_hpo: Hpo, kb: KnowledgeBase, tmp_path: Path) -> None:
    labs = tmp_path / "labs.csv"
    labs.write_text(
        "analyte,value,unit,date,low,high\nwbc,3.1,10^9/L,2026-01-02,6,17.5\nhemoglobin,7.5,g/dL,2026-01-02,9.5,13.5\n"
        "platelets,40,10^9/L,2026-01-02,150,450\n",
        encoding="utf-8",
    )
    report = analyze(EXAMPLE, hpo=real_hpo, kb=kb, labs=labs, lab_values=["pth=200 pg/mL low=15 high=65"])
    data = report.to_dict()
    assert {row["analyte"] for row in data["labs"]} >= {"wbc", "platelets", "pth"}
    evidence = {e["hpo_id"]: e["source"] for e in data["diagnoses"][0]["evidence"]}
    assert evidence["HP:0001882"] == "lab"  # leukopenia from the WBC
    assert evidence["HP:0001876"] == "lab"  # pancytopenia: all three lines low on one date
    assert evidence["HP:0001903"] == "entered"  # anaemia was entered; the lab does not repeat it
    assert any(f["source"] == "lab" for f in data["findings"])
    html = render_html(report, hpo=real_hpo, kb=kb)
    assert "Laboratory values" in html
