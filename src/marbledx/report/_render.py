"""Render an :class:`AnalysisReport` as self-contained HTML (Jinja2), PDF (WeasyPrint) or JSON, and write it
atomically (a temporary file renamed into place, so a report is never half-written)."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import jinja2
import markupsafe

from marbledx._api import SubtypeSummary
from marbledx._format import age_text, percent
from marbledx.errors import InputError
from marbledx.knowledge import EntityGroup, HsctDecision, KnowledgeBase, OsteoclastStatus
from marbledx.ontology import Hpo
from marbledx.report._analysis import DISCLAIMER, AnalysisReport

__all__ = [
    "Audience",
    "ReportFormat",
    "clinician_context",
    "posterior_chart",
    "render_html",
    "render_pdf",
    "render_result_html",
    "report_path_problem",
    "write_report",
]

Audience = Literal["clinician", "family"]
ReportFormat = Literal["html", "pdf", "json"]


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("marbledx.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


_pct = percent


def _number(value: object) -> str:
    """A lab value or limit without a decimal that was never measured: a whole number as one ("62", not "62.0", the
    float the reader stores), any other number in Python's shortest exact form ("7.9", "0.92")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def posterior_chart(diagnoses: list[dict[str, Any]], *, width: int = 640) -> str:
    """A horizontal bar chart of posterior probabilities as inline SVG (no scripts, no network).

    The probabilities are marbledx's estimates, and the chart says so."""
    rows = diagnoses[:10]
    bar_left, row_height = 250, 18
    height = row_height * len(rows) + 24
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="marbledx\'s estimated posterior probability of the leading diagnoses" '
        'font-family="DejaVu Sans, Arial, sans-serif" font-size="10">'
    ]
    span = width - bar_left - 60
    for index, diagnosis in enumerate(rows):
        y = 4 + index * row_height
        probability = float(diagnosis["probability"])
        label = str(diagnosis["label"])
        label = label if len(label) <= 40 else label[:39] + "…"
        colour = "#2b5797" if index == 0 else "#7f9cc9"
        parts.append(
            f'<text x="{bar_left - 6}" y="{y + 12}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{bar_left}" y="{y + 2}" width="{max(1.0, probability * span):.1f}" height="{row_height - 5}" '
            f'fill="{colour}"/>'
            f'<text x="{bar_left + max(1.0, probability * span) + 4:.1f}" y="{y + 12}">{escape(_pct(probability))}</text>'
        )
    axis_y = height - 16
    parts.append(
        f'<line x1="{bar_left}" y1="{axis_y}" x2="{bar_left + span}" y2="{axis_y}" stroke="#888"/>'
        f'<text x="{bar_left}" y="{axis_y + 12}">0</text>'
        f'<text x="{bar_left + span}" y="{axis_y + 12}" text-anchor="end">100% posterior probability (marbledx estimate)</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


# Where a source key is found, for the reference list: every source a report cites resolves to a citation or an
# address (docs/reports.md, "References"). Written as text, never as a link the report would load.
_SOURCE_ADDRESSES = {
    "PMID:": "https://pubmed.ncbi.nlm.nih.gov/{}/",
    "PMCID:": "https://pmc.ncbi.nlm.nih.gov/articles/{}/",
    "DOI:": "https://doi.org/{}",
    "OMIM:": "https://omim.org/entry/{}",
    "ORPHA:": "https://www.orpha.net/en/disease/detail/{}",
    "NCT": "https://clinicaltrials.gov/study/NCT{}",
}


def _reference_text(source: str, kb: KnowledgeBase, hpo_release: str) -> str:
    """The citation or address of one source key ("" for a key of unknown form)."""
    refs = kb.references
    if source.startswith("ref:") and source[4:] in refs:
        ref = refs[source[4:]]
        return ref.citation + ("" if ref.verified else " (not fully verified)")
    if source.startswith("seed:"):
        return "public patient-information page reviewed in the marbledx reference"
    release = f", HPO release {hpo_release}" if hpo_release else ""
    if source.startswith("HPO-hpoa:"):
        return f"HPO disease annotation of {source[9:]} (phenotype.hpoa{release})"
    if source.startswith("HPO-g2p:"):
        return f"HPO gene-disease link of {source[8:]} (genes_to_phenotype.txt{release})"
    for prefix, address in _SOURCE_ADDRESSES.items():
        if source.startswith(prefix) and source[len(prefix) :]:
            return address.format(source[len(prefix) :])
    return ""


def _references(sources: set[str], kb: KnowledgeBase, hpo_release: str = "") -> list[tuple[str, str]]:
    return [(source, _reference_text(source, kb, hpo_release)) for source in sorted(sources)]


# A report is shared and printed, and a folder often names the patient (/data/patients/Jane_Doe/case.vcf): the
# HTML/PDF reports show an input file by its name only (docs/reports.md, "File names, not paths"). The JSON
# keeps the paths as given, for the programs that read it.
_SEPARATORS = re.compile(r"[\\/]+")
# The kinds of file marbledx reads (phenopackets, VCF/BCF and their indexes, PED, lab CSVs, gene tables), for
# paths the report was not told of: a stored analysis, or a file named in a message of a reference table.
_FILE_SUFFIX = r"\.(?:vcf|bcf|ped|fam|csv|tsv|txt|json|bed|gtf|gff3?|ya?ml|tbi|csi)(?:\.b?gz)?(?![\w])"
# The folders of such a path, from the start of its word. A separator and a file suffix are needed, so "g/dL",
# "10^9/L" and a DOI (10.1002/jbmr.5650111010) stay as they are. A folder name is one or more characters, never
# empty, so that a run of separators is matched one way only (no exponential backtracking).
_FOLDER = r"[^\s\\/'\"()\[\]<>,;|=]+"
_FOLDERS_IN_TEXT = re.compile(
    r"(?<![^\s'\"(\[<=,;|])(?:[\\/]+|[\\/]*(?:" + _FOLDER + r"[\\/]+)+)"
    r"(?=[^\s\\/'\"()\[\]<>,;|:]*?" + _FILE_SUFFIX + ")",
    re.IGNORECASE,
)
# "FILE, line N" is how a lab value from a CSV names where it came from.
_LINE_SUFFIX = re.compile(r", line \d+.*$", re.DOTALL)


def _file_name(path: str) -> str:
    """The last part of ``path`` ("case.vcf" of "/data/patients/Jane_Doe/case.vcf"), for either separator."""
    parts = [part for part in _SEPARATORS.split(path) if part]
    return parts[-1] if parts else path


def _stored_input_paths(data: Mapping[str, Any]) -> list[str]:
    """The input paths a stored analysis (:meth:`AnalysisReport.to_dict`) names in its own fields."""
    found: list[object] = [data.get("input")]
    genotype = data.get("genotype")
    if isinstance(genotype, Mapping):
        found.extend(genotype.get(key) for key in ("vcf", "clinvar", "genes_bed"))
    counselling = data.get("counselling")
    if isinstance(counselling, Mapping):
        found.append(counselling.get("pedigree"))
    labs = data.get("labs")
    for row in labs if isinstance(labs, list) else []:
        if isinstance(row, Mapping) and isinstance(row.get("input"), str):
            found.append(_LINE_SUFFIX.sub("", row["input"]))
    return [path for path in found if isinstance(path, str)]


def _path_shower(paths: Iterable[str]) -> Callable[[str], str]:
    """A function that writes every input path in a text as its file name.

    The ``paths`` given are replaced wherever they occur, as given and as :class:`Path` writes them, so a folder
    with spaces (/data/Jane Doe/) goes too; the longest first, so that no path is cut by a shorter one. Any
    other path of a kind of file marbledx reads then loses its folders (:data:`_FOLDERS_IN_TEXT`).
    """
    spellings = {variant for path in paths if path for variant in (path, str(Path(path)))}
    known = sorted((s for s in spellings if _SEPARATORS.search(s)), key=len, reverse=True)

    def show(text: str) -> str:
        for path in known:
            if path in text:
                text = text.replace(path, _file_name(path))
        return _FOLDERS_IN_TEXT.sub("", text)

    return show


def _shown_paths(value: Any, show: Callable[[str], str]) -> Any:
    """``value`` (a stored analysis or part of one) with ``show`` applied to every string in it."""
    if isinstance(value, str):
        return show(value)
    if isinstance(value, Mapping):
        return {key: _shown_paths(item, show) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_shown_paths(item, show) for item in value]
    return value


def _without_folders(data: Mapping[str, Any], input_paths: Iterable[str] = ()) -> dict[str, Any]:
    """A stored analysis as the HTML/PDF reports show it: every input path written as its file name only.

    ``input_paths`` are the paths the analysis read (:attr:`AnalysisReport.input_paths`); those the analysis
    names in its own fields are added, for a stored analysis that has no such list.
    """
    show = _path_shower([*input_paths, *_stored_input_paths(data)])
    shown: dict[str, Any] = _shown_paths(data, show)
    return shown


def render_html(
    report: AnalysisReport, *, hpo: Hpo, kb: KnowledgeBase, audience: Audience = "clinician"
) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG; no external resources).

    Input files are shown by their names only, never their folders (docs/reports.md)."""
    return render_result_html(
        report.to_dict(), hpo=hpo, kb=kb, audience=audience, input_paths=report.input_paths
    )


def _hsct_qualifier(subtype: Mapping[str, Any] | None) -> str:
    """The limit of a subtype's curative HSCT decision ("if non-neuronopathic" for CLCN7 ARO), by the rule the
    CLI and the web app's subtype list use (:attr:`SubtypeSummary.hsct_qualifier`), from a stored subtype row."""
    if not subtype:
        return ""
    # A row stored by an older version may lack a field; the rule reads only the decision and the neuronopathy.
    values: dict[str, Any] = {f.name: subtype.get(f.name) for f in dataclasses.fields(SubtypeSummary)}
    return SubtypeSummary(**values).hsct_qualifier


# The HSCT decisions as the report words them ("not curative", as `marbledx subtypes` and the web app do). The
# care plan words its reason so since stop 33; analyses stored in the registry before then name the options'
# decisions by their values, which carry underscores.
_DECISION_VALUE = re.compile(r"\b(" + "|".join(d.value for d in HsctDecision if "_" in d.value) + r")\b")


def _decision_words(text: str) -> str:
    return _DECISION_VALUE.sub(lambda m: m.group(1).replace("_", " "), text)


def _osteoclast_caveat(key: str | None, kb: KnowledgeBase) -> dict[str, Any] | None:
    """The caveat of a form of the osteopetrosis group that is not an osteoclast defect (ADO1, LRP5 high bone
    mass: "may not be a genuine form" of osteopetrosis, Whyte 1996, DOI:10.1002/jbmr.5650111010; PMID:12579474).

    Listing LRP5 as an osteopetrosis gene with no caveat is an error of the public pages (reference §7.5 item 2).
    """
    entity = next((e for e in kb if e.key == key), None) if key else None
    status = entity.osteoclasts if entity is not None else None
    if (
        entity is None
        or entity.group is not EntityGroup.OSTEOPETROSIS
        or status is None
        or status.unverified
        or status.status is not OsteoclastStatus.NOT_OSTEOCLAST_DEFECT
    ):
        return None
    return {
        "text": "not an osteoclast defect; may not be a true osteopetrosis",
        "sources": list(status.sources),
    }


def clinician_context(
    data: Mapping[str, Any], *, hpo: Hpo, kb: KnowledgeBase, input_paths: Iterable[str] = ()
) -> dict[str, Any]:
    """What ``clinician_body.html.j2`` needs, from an :meth:`AnalysisReport.to_dict` result.

    The web app includes the same body in its results page, so the page and the report agree. Input files
    (the VCF line, notes, warnings) are named by their file names only: the paths the result names and
    ``input_paths`` lose their folders, and so does any other path of a kind of file marbledx reads.
    """
    data = _without_folders(data, input_paths)
    sources = {str(s) for s in data["care_plan"].get("sources", [])}
    for diagnosis in data["diagnoses"][:3]:
        subtype = diagnosis.get("subtype")
        if subtype:
            sources.update(str(s) for s in subtype.get("sources", []))
    counselling = data.get("counselling")
    if counselling:
        sources.update(str(s) for s in counselling.get("sources", []))
    findings = [
        {**row, "label": row.get("label") or hpo.ontology.label(str(row["hpo_id"])) or row["hpo_id"]}
        for row in data.get("findings", [])
    ]
    # Analyses stored before diagnoses carried the names of their same-disorder records get them from the
    # release, so the report can name every record it joins.
    annotations = hpo.annotations
    diagnoses = [
        {
            **diagnosis,
            "same_as_labels": diagnosis.get("same_as_labels")
            or [
                annotations.disease(i).name if i in annotations else "" for i in diagnosis.get("same_as", [])
            ],
            # The subtype column says "curative if non-neuronopathic" as the CLI and the web app do.
            "subtype": {**diagnosis["subtype"], "hsct_qualifier": _hsct_qualifier(diagnosis["subtype"])}
            if diagnosis.get("subtype")
            else None,
            "caveat": _osteoclast_caveat((diagnosis.get("subtype") or {}).get("key"), kb),
        }
        for diagnosis in data["diagnoses"]
    ]
    sources.update(s for d in diagnoses if d["caveat"] for s in d["caveat"]["sources"])
    # The plan's decision carries the same limit when it is its subtype card's curative decision (CLCN7 ARO
    # before the neurological work-up has shown the neuronopathic form: reference §1B OPTB4).
    plan = data["care_plan"]
    plan_subtype = next(
        (d["subtype"] for d in diagnoses if d["subtype"] and d["subtype"].get("key") == plan.get("subtype")),
        None,
    )
    plan_qualifier = (
        plan_subtype["hsct_qualifier"]
        if plan_subtype and plan["hsct"]["decision"] == plan_subtype.get("hsct_decision")
        else ""
    )
    # A stored analysis may have no HSCT advice (an older one, or a result without a care plan).
    shown_plan = (
        {**plan, "hsct": {**plan["hsct"], "reason": _decision_words(str(plan["hsct"].get("reason", "")))}}
        if isinstance(plan.get("hsct"), dict)
        else plan
    )
    return {
        "data": {**data, "diagnoses": diagnoses, "care_plan": shown_plan},
        "hsct_qualifier": plan_qualifier,
        "age": age_text(data.get("age_days")),
        "chart": posterior_chart(list(data["diagnoses"])),
        "findings": findings,
        "references": _references(sources, kb, str(data.get("hpo_release") or "")),
        "disclaimer": DISCLAIMER,
        "pct": _pct,
        "num": _number,
    }


def render_result_html(
    data: Mapping[str, Any],
    *,
    hpo: Hpo,
    kb: KnowledgeBase,
    audience: Audience = "clinician",
    input_paths: Iterable[str] = (),
) -> str:
    """A stored analysis result (:meth:`AnalysisReport.to_dict`) as the clinician or family HTML report.

    Input files are named by their file names only (see :func:`clinician_context`); ``input_paths`` are paths
    the analysis read that the result may not name in its own fields (:attr:`AnalysisReport.input_paths`).
    """
    input_paths = tuple(input_paths)
    env = _environment()
    # The bundled stylesheet is trusted markup: escaped, its quotes became &#34; and the PDF lost its page
    # footer (the disclaimer and page numbers).
    css = markupsafe.Markup(
        resources.files("marbledx.report").joinpath("templates/style.css").read_text(encoding="utf-8")
    )
    if audience == "family":
        # The family summary names no file today; a path that reached it would lose its folders too.
        data = _without_folders(data, input_paths)
        summary = data["family_summary"]
        family_sources = sorted({str(s) for section in summary["sections"] for s in section["sources"]})
        return env.get_template("family.html.j2").render(
            css=css, data=data, summary=summary, sources=family_sources
        )
    context = clinician_context(data, hpo=hpo, kb=kb, input_paths=input_paths)
    return env.get_template("clinician.html.j2").render(css=css, **context)


def _refuse_fetch(url: str, timeout: int = 10, ssl_context: object = None) -> dict[str, Any]:
    # Reports are self-contained: WeasyPrint must never reach the network (or the file system) for them.
    msg = f"the report tried to load {url!r}; reports must be self-contained"
    raise InputError(msg)


def render_pdf(html: str) -> bytes:
    """The HTML report as PDF bytes (WeasyPrint; needs the pango library from the system)."""
    try:
        import weasyprint
    except OSError as exc:  # pango missing: say what to install, no traceback
        msg = f"PDF output needs the pango library (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0): {exc}"
        raise InputError(msg) from None
    # WeasyPrint's page-by-page progress lines are not for a server log (web.md: the app logs its route lines).
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    document = weasyprint.HTML(string=html, url_fetcher=_refuse_fetch)
    pdf: bytes = document.write_pdf()
    return pdf


def report_path_problem(out: str | Path) -> str | None:
    """Why an existing ``out`` cannot take a report as a file, or ``None`` (a file, a folder, or nothing yet).

    A report goes to a temporary file that then replaces ``out``. A device (/dev/null), a named pipe or a
    socket would be replaced by a regular file, in /dev too when run as root; so would a symbolic link
    (/dev/stdout), whose target would not get the report. Following the link instead would let a link
    planted in a shared folder aim the write at any file. ``marbledx analyze`` asks this before the analysis
    runs, and the write asks it again.
    """
    try:
        mode = os.lstat(out).st_mode
    except OSError:  # not there yet, or not reachable: the write names the problem
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link (it would be replaced, and its target left as it is)"
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return "not a regular file (a device, pipe or socket)"
    return None


def _write_atomically(out: Path, payload: bytes) -> None:
    folder = out.parent if str(out.parent) else Path()
    if not folder.is_dir():
        msg = f"{out}: the folder {folder} does not exist; expected an existing folder for the report"
        raise InputError(msg)
    problem = report_path_problem(out)
    if problem is not None:
        msg = f"{out}: {problem}; expected a file name for the report"
        raise InputError(msg)
    handle, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=folder)
    umask = os.umask(0)
    os.umask(umask)
    try:
        # mkstemp creates the file private (0600); a report gets the user's normal permissions.
        os.fchmod(handle, 0o666 & ~umask)
        with os.fdopen(handle, "wb") as temp:
            temp.write(payload)
            temp.flush()
            os.fsync(temp.fileno())
        Path(temp_name).replace(out)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def write_report(
    report: AnalysisReport,
    out: Path,
    *,
    hpo: Hpo,
    kb: KnowledgeBase,
    fmt: ReportFormat = "html",
    audience: Audience = "clinician",
) -> Path:
    """Render and write a report; returns the path written. Raises :class:`InputError` for a bad ``out``."""
    if out.is_dir():
        msg = f"{out} is a folder; expected a file name for the report (e.g. report.{fmt})"
        raise InputError(msg)
    if fmt == "json":
        data = report.to_dict()
        if audience == "family":
            data = {
                "case_id": data["case_id"],
                "family_summary": data["family_summary"],
                "disclaimer": DISCLAIMER,
            }
        payload = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    else:
        html = render_html(report, hpo=hpo, kb=kb, audience=audience)
        payload = html.encode("utf-8") if fmt == "html" else render_pdf(html)
    _write_atomically(out, payload)
    return out
