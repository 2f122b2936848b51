"""``marbledx labs``: lab values → HPO terms, from flags, a CSV file or a phenopacket's measurements.

Wired into the command line by ``cli/_main.py`` (``configure`` adds the arguments, ``run`` executes). Output
is written here with ``sys.stdout``; ``_main`` is imported only when run, for its JSON encoding.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from marbledx._format import age_text, printable, quoted
from marbledx.cli._args import file_path
from marbledx.errors import InputError
from marbledx.findings._case import parse_iso_age
from marbledx.findings._labs import LabReport, LabValue, lab_report, parse_lab_value, read_labs_csv
from marbledx.findings._phenopacket import read_phenopacket_labs

__all__ = ["configure", "render_lab_report", "run"]

HELP = "interpret lab values (haemoglobin, platelets, calcium, PTH, …) as HPO terms with cited intervals"


def configure(sub: argparse.ArgumentParser) -> None:
    """Add the ``labs`` arguments to its sub-parser."""
    sub.add_argument(
        "phenopacket",
        nargs="?",
        type=file_path,
        metavar="PHENOPACKET",
        help="a GA4GH Phenopacket v2 JSON file whose 'measurements' (LOINC-coded) are interpreted",
    )
    sub.add_argument(
        "--value",
        action="append",
        default=[],
        metavar="'ANALYTE=VALUE UNIT'",
        help="one value, e.g. 'hemoglobin=8 g/dL'; optional 'date=YYYY-MM-DD', the laboratory's "
        "'low=… high=…' limits and 'age=P6M' may follow (repeatable)",
    )
    sub.add_argument(
        "--labs",
        type=file_path,
        metavar="CSV",
        help="a CSV file (or a laboratory export) with a header row: analyte,value,unit and optional "
        "date,low,high,age,flag,reference range,comment,date of birth; or a wide export, one column per "
        "analyte with its unit ('date,Hb (g/dL),PLT (10^9/L)')",
    )
    sub.add_argument(
        "--age", help="age at the tests as an ISO 8601 duration, e.g. P6M (overrides the phenopacket)"
    )
    sub.add_argument("--sex", choices=("female", "male"), help="overrides the phenopacket's sex")
    sub.add_argument(
        "--no-exclusions",
        action="store_true",
        help="do not turn normal values into excluded terms (e.g. after a transfusion)",
    )
    sub.add_argument(
        "--format", choices=("table", "json"), default="table", help="output format (default table)"
    )


def run(args: argparse.Namespace) -> int:
    """Interpret the values named by ``args``; returns 0 (errors are raised as :class:`InputError`)."""
    # "is not None": an empty --age (an unset "$AGE") is refused as rank refuses it, not taken as no age.
    age_days = parse_iso_age(args.age) if args.age is not None else None
    sex: str | None = args.sex
    values: list[LabValue] = []
    warnings: list[str] = []
    if args.phenopacket is not None:
        packet = read_phenopacket_labs(args.phenopacket)
        values.extend(packet.labs)
        warnings.extend(packet.warnings)
        if age_days is None:
            age_days = packet.age_days
        if sex is None:
            sex = packet.sex
    if args.labs is not None:
        # A laboratory export holds other analytes (sodium) and rows without a measured value ("hemolysed",
        # "<5"): they are skipped with a warning, as a phenopacket's unknown measurements are.
        values.extend(read_labs_csv(args.labs, skipped=warnings))
    values.extend(parse_lab_value(text, where=f"--value {quoted(text)}") for text in args.value)
    if not values:
        where = f"{args.phenopacket}: no measurements of known analytes; " if args.phenopacket else ""
        msg = f"{where}nothing to interpret; expected --value 'hemoglobin=8 g/dL', --labs FILE.csv or a phenopacket with measurements"
        raise InputError(msg)
    if args.age is not None:
        # --age is the age at the tests: it overrides ages taken from the phenopacket or the CSV.
        values = [dataclasses.replace(value, age_days=None) for value in values]
    report = lab_report(values, age_days=age_days, sex=sex, exclusions=not args.no_exclusions)
    for warning in warnings:
        # Escaped: a phenopacket's assay id or a file name could carry terminal escape sequences.
        sys.stderr.write(f"marbledx: warning: {printable(warning)}\n")
    if args.format == "json":
        from marbledx.cli._main import _json_text  # ASCII escapes where stdout cannot take UTF-8

        sys.stdout.write(_json_text(report.to_dict(), indent=2) + "\n")
    else:
        sys.stdout.write(render_lab_report(report) + "\n")
    return 0


def _number(value: float) -> str:
    # Four significant digits, but never scientific notation: "150000 /uL" reads safely at the bedside,
    # "1.5e+05 /uL" does not.
    text = f"{value:.4g}"
    if "e" not in text:
        return text
    return f"{value:.6f}".rstrip("0").rstrip(".") if abs(value) < 1 else f"{round(value):d}"


def _value_text(value: LabValue) -> str:
    """The value as the laboratory reported it: a censored result keeps its direction ("> 1000 pg/mL", "not
    detected"), so that its bound never reads as a measured value."""
    if value.censored == "not detected":
        return "not detected"
    number = f"{_number(value.value)} {value.unit}".strip()
    return f"{value.censored} {number}" if value.censored else number


def _interval_text(report_row: dict[str, object]) -> str:
    interval = report_row["reference_interval"]
    if not isinstance(interval, dict):
        return "-"
    low, high, unit = interval["low"], interval["high"], interval["unit"]
    if isinstance(low, float | int) and isinstance(high, float | int):
        text = f"{_number(low)}-{_number(high)}"
    elif isinstance(low, float | int):
        text = f">= {_number(low)}"
    elif isinstance(high, float | int):
        text = f"<= {_number(high)}"
    else:
        text = "?"
    return f"{text} {unit}".strip()


def render_lab_report(report: LabReport) -> str:
    """A plain-text table of the report: one line per value, then derived findings, HPO terms and notes."""
    context = [
        age_text(report.age_days) or "age not given",
        report.sex or "sex not given",
    ]
    lines = [f"Lab values ({', '.join(context)})"]
    table = [("analyte", "value", "date", "reference interval", "result", "HPO term", "source")]
    used_exclusions = {f.hpo_id for f in report.findings if f.excluded}
    for row in report.rows:
        data = row.to_dict()
        term = "-"
        if row.hpo_id:
            term = f"{'NOT ' if row.excluded else ''}{row.hpo_id} {row.hpo_label}"
            if row.excluded and row.hpo_id not in used_exclusions:
                # --no-exclusions, or another value or finding of the case says otherwise: not an exclusion.
                term += " (not used)"
        interval = data["reference_interval"]
        source = interval["source"] if isinstance(interval, dict) else (row.source or "-")
        table.append(
            (
                row.value.analyte,
                _value_text(row.value),
                row.value.date or "-",
                _interval_text(data),
                row.interpretation,
                term,
                str(source),
            )
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    lines += [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    ]
    if report.derived:
        lines += ["", "Derived from several values on the same date:"]
        lines += [
            f"  {d.hpo_id} {d.hpo_label} ({d.date or 'undated'}): {d.rule} [{d.source}]"
            for d in report.derived
        ]
    observed = [
        f"{f.hpo_id} {report.labels.get(f.hpo_id, '')}".strip() for f in report.findings if not f.excluded
    ]
    excluded = [
        f"{f.hpo_id} {report.labels.get(f.hpo_id, '')}".strip() for f in report.findings if f.excluded
    ]
    lines += ["", f"HPO terms observed: {'; '.join(observed) or 'none'}"]
    if excluded:
        lines.append(f"HPO terms excluded: {'; '.join(excluded)}")
    notes = [
        f"  {row.value.analyte} ({printable(row.value.source)}): {row.note}"
        for row in report.rows
        if row.note
    ]
    notes += [f"  {note}" for note in report.notes]
    if notes:
        lines += ["", "Notes:", *notes]
    lines += [
        "",
        "Prefer the reporting laboratory's age-, sex- and assay-specific interval (give low=/high=). "
        "Supports, and does not replace, clinical judgement.",
    ]
    return "\n".join(lines)
