"""Output: the full analysis of one patient and its clinician and family reports (HTML, PDF, JSON)."""

from marbledx.report._analysis import DISCLAIMER, AnalysisReport, analyze
from marbledx.report._family import FamilySection, FamilySummary, family_summary
from marbledx.report._render import (
    Audience,
    ReportFormat,
    clinician_context,
    posterior_chart,
    render_html,
    render_pdf,
    render_result_html,
    report_path_problem,
    write_report,
)

__all__ = [
    "DISCLAIMER",
    "AnalysisReport",
    "Audience",
    "FamilySection",
    "FamilySummary",
    "ReportFormat",
    "analyze",
    "clinician_context",
    "family_summary",
    "posterior_chart",
    "render_html",
    "render_pdf",
    "render_result_html",
    "report_path_problem",
    "write_report",
]
