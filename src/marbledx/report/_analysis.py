"""``marbledx analyze``: everything for one patient in one run — ranking, genotype, labs, care plan, counselling.

The result is an :class:`AnalysisReport`, whose :meth:`~AnalysisReport.to_dict` is the JSON contract (the
rank fields plus ``care_plan`` and, with a pedigree, ``counselling``) and which the HTML/PDF renderers draw.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from marbledx.advice import CarePlan, build_care_plan, counselling_report, resolve_disease
from marbledx.errors import InputError
from marbledx.findings import (
    Case,
    lab_report,
    normalise_findings,
    parse_lab_value,
    prepare_lab_findings,
    read_case_file,
    read_labs_csv,
    read_ped,
)
from marbledx.genotype import GenotypeOptions, GenotypeReader
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.ranking import CaseResult, Ranker
from marbledx.report._family import FamilySummary, family_summary

__all__ = ["DISCLAIMER", "AnalysisReport", "analyze"]

DISCLAIMER = (
    "marbledx is decision support: it supports, and does not replace, clinical judgement. Probabilities come "
    "from a statistical model of published annotations and may be wrong for an individual patient; confirm "
    "every diagnosis and decision with the clinical team and an accredited laboratory."
)


@dataclass(frozen=True)
class AnalysisReport:
    """One patient's full analysis."""

    case: Case
    result: CaseResult
    care_plan: CarePlan
    family: FamilySummary
    hpo_release: str
    marbledx_version: str
    generated: str
    labs: list[dict[str, Any]] = field(default_factory=list)
    counselling: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    def findings(self, hpo: Hpo | None = None) -> list[dict[str, Any]]:
        """The findings used, with where each came from (entered, plain words or a lab value)."""
        rows = []
        for finding in self.case.findings:
            label = hpo.ontology.label(finding.hpo_id) if hpo is not None else None
            rows.append(
                {
                    "hpo_id": finding.hpo_id,
                    "label": label,
                    "status": "excluded" if finding.excluded else "observed",
                    "source": finding.source,
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        data = self.result.to_dict()
        data.update(
            {
                "age_days": self.case.age_days,
                "sex": self.case.sex,
                "findings": self.findings(),
                "labs": self.labs,
                "care_plan": self.care_plan.to_dict(),
                "family_summary": self.family.to_dict(),
                "hpo_release": self.hpo_release,
                "marbledx_version": self.marbledx_version,
                "generated": self.generated,
                "notes": [*self.result.notes, *self.notes],
                "warnings": self.result.warnings,
                "disclaimer": DISCLAIMER,
            }
        )
        if self.counselling is not None:
            data["counselling"] = self.counselling
        return data


def _version() -> str:
    from marbledx import __version__

    return __version__


def _with_lab_values(case: Case, labs: Path | None, texts: list[str], hpo: Hpo, *, strict: bool) -> Case:
    """The case with lab values from a CSV and ``--value`` texts added, and their HPO terms as lab findings."""
    values = [*(read_labs_csv(labs) if labs is not None else [])]
    values.extend(parse_lab_value(text, where=f"--value {text!r}") for text in texts)
    derived = lab_report(values, age_days=case.age_days, sex=case.sex)
    entered = [(f.hpo_id, f.excluded, f.source) for f in case.findings]
    where = str(labs) if labs is not None else "--value"
    extra, warnings = prepare_lab_findings(hpo.ontology, derived.findings, entered, where=where)
    findings, more = normalise_findings(hpo.ontology, [*entered, *extra], where=case.input, strict=strict)
    return replace(
        case,
        findings=findings,
        labs=(*case.labs, *values),
        warnings=(*case.warnings, *warnings, *more),
    )


# HPO mode-of-inheritance terms the counselling engine models.
_HPO_MODES = {"HP:0000007": "AR", "HP:0000006": "AD", "HP:0001419": "XLR"}


def _counselling(
    ped: Path, plan: CarePlan, kb: KnowledgeBase, hpo: Hpo
) -> tuple[dict[str, Any] | None, list[str]]:
    """Pedigree risks for the plan's diagnosis, or ``None`` with the reason as a note."""
    pedigree = read_ped(ped)
    query = plan.subtype or plan.diagnosis_id
    if query is None:
        return None, ["counselling: no diagnosis to compute risks for"]
    inheritance = None
    if plan.subtype is None and plan.diagnosis_id is not None:
        # Outside the knowledge base, the HPO annotation's single Mendelian mode is used, if it has one.
        terms = set(hpo.annotations.inheritance_by_disease().get(plan.diagnosis_id, ()))
        mendelian = {mode for term, mode in _HPO_MODES.items() if term in terms}
        if len(mendelian) == 1:
            inheritance = mendelian.pop()
    try:
        disease = resolve_disease(kb, query, inheritance=inheritance)
        report = counselling_report(pedigree, disease)
    except InputError as exc:
        return None, [f"counselling: {exc}"]
    data = report.to_dict()
    notes = []
    if plan.certainty == "uncertain":
        notes.append(
            f"counselling: risks are computed for the leading diagnosis {query}, which is not confirmed; "
            "they change if another diagnosis is confirmed"
        )
    data["for_diagnosis"] = {
        "disease_id": plan.diagnosis_id,
        "subtype": plan.subtype,
        "confirmed": plan.certainty != "uncertain",
    }
    return data, notes


def analyze(
    source: Case | str | Path,
    *,
    hpo: Hpo,
    kb: KnowledgeBase,
    vcf: str | Path | None = None,
    ped: str | Path | None = None,
    labs: str | Path | None = None,
    lab_values: list[str] | None = None,
    genotype: GenotypeOptions | None = None,
    top: int = 10,
    strict: bool = True,
    ranker: Ranker | None = None,
    version: str | None = None,
) -> AnalysisReport:
    """Analyse one patient: rank with phenotype (+ labs) and genotype, then plan care and counselling.

    ``source`` is a phenopacket path or a :class:`Case`. ``vcf``/``ped`` override the phenopacket's files;
    ``genotype`` carries the other VCF options (sample, build, ClinVar, gene table). Raises
    :class:`~marbledx.errors.InputError` with a one-line message for bad input.
    """
    case = source if isinstance(source, Case) else read_case_file(Path(source), hpo.ontology, strict=strict)
    vcf, ped, labs = (Path(p) if p is not None else None for p in (vcf, ped, labs))
    lab_notes: list[str] = []
    if labs is not None or lab_values:
        case = _with_lab_values(case, labs, list(lab_values or []), hpo, strict=strict)
    lab_rows: list[dict[str, Any]] = []
    if case.labs:
        table = lab_report(case.labs, age_days=case.age_days, sex=case.sex)
        lab_rows = [row.to_dict() for row in table.rows]
        lab_notes = [f"labs: {note}" for note in table.notes]
    options = replace(genotype or GenotypeOptions(), vcf=vcf or (genotype.vcf if genotype else None))
    if ped is not None:
        options = replace(options, ped=ped)
    engine = ranker or Ranker(hpo, kb)
    calls = GenotypeReader(options).read(case) if (options.vcf or case.genomic_files) else None
    result = engine.report(engine.analyse(case, genotype=calls), top=top)
    result = replace(result, warnings=[*case.warnings, *result.warnings])
    plan = build_care_plan(result, case, kb, hpo.ontology)
    counselling = None
    notes: list[str] = list(lab_notes)
    if ped is not None:
        counselling, counselling_notes = _counselling(ped, plan, kb, hpo)
        notes.extend(counselling_notes)
    return AnalysisReport(
        case=case,
        result=result,
        care_plan=plan,
        family=family_summary(plan, kb, counselling_given=counselling is not None),
        hpo_release=hpo.version,
        marbledx_version=version or _version(),
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        labs=lab_rows,
        counselling=counselling,
        notes=notes,
    )
