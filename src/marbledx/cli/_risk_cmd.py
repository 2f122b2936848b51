"""``marbledx risk``: recurrence and carrier risks for a family (genetic counselling).

Wiring (in ``_main.build_parser``)::

    sub = add("risk", _risk_cmd.run, _risk_cmd.HELP)
    _risk_cmd.configure(sub)

``configure`` adds every option, ``--format`` included; ``run`` returns the exit status and raises
:class:`~marbledx.errors.InputError` (one line) for anything the user can fix.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from marbledx.advice._counsel_text import TWO_COPIES_LOW, format_age, format_probability
from marbledx.advice._risk import (
    PARAMETER_RANGES,
    PenetranceCurve,
    RiskReport,
    counselling_report,
    resolve_disease,
)
from marbledx.cli._args import COUPLE_METAVAR, file_path, parse_couple
from marbledx.errors import InputError
from marbledx.findings._pedigree import read_family_pedigree, read_ped
from marbledx.knowledge import Inheritance, load_knowledge_base

__all__ = ["HELP", "MAX_PED_FILE_PEOPLE", "configure", "render_risk_table", "run"]

HELP = "genetic counselling: carrier and recurrence risks for a family pedigree (PED or phenopacket Family)"

# The most people a PED file may hold. The engine computes only the couple's family (at most
# advice._risk.MAX_PEDIGREE_PEOPLE people), so a clinic's file of many families is fine; reading and linking
# 100,000 lines takes about a second, and a larger file is refused without reading all of it.
MAX_PED_FILE_PEOPLE = 100_000


def _probability(text: str) -> float:
    """A flag's number. Python's float() also takes "1_0" (as 10) and digits of other scripts, which the range
    message would then echo as a number the user did not type, so those are refused; "nan" and "inf" are read
    and refused by the range check, which names the flag."""
    try:
        if "_" in text or not text.isascii():
            raise ValueError
        return float(text) + 0.0  # + 0.0: "-0" is read as 0, not shown as -0.0
    except ValueError:
        msg = f"{text!r} is not a number; expected a decimal number such as 0.66 or 1e-6"
        raise argparse.ArgumentTypeError(msg) from None


_RANGE = {key: allowed.describe() for key, allowed in PARAMETER_RANGES.items()}


def configure(sub: argparse.ArgumentParser) -> None:
    """Add the ``risk`` options to a sub-command parser."""
    source = sub.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--ped",
        type=file_path,
        metavar="FAMILY.ped",
        help="PED file (column 7: test result, or column 8 when column 7 is an age= token; an age=34 or "
        "age=P34Y token in column 7 or later: the age)",
    )
    source.add_argument(
        "--phenopacket", type=file_path, metavar="FAMILY.json", help="GA4GH phenopacket v2 Family file"
    )
    sub.add_argument(
        "--disease", required=True, metavar="ID", help="OMIM/ORPHA id or short name (ADO2, OPTB1, …)"
    )
    sub.add_argument(
        "--inheritance",
        metavar="AR|AD|XLR",
        help="mode of inheritance, for a disease not in the knowledge base (or to choose one, e.g. for IAO)",
    )
    sub.add_argument(
        "--penetrance",
        type=_probability,
        metavar="P",
        help=f"P(affected | disease genotype), {_RANGE['penetrance']} (default: knowledge base, e.g. ADO2 0.66; "
        "else 1)",
    )
    sub.add_argument(
        "--penetrance-by-age",
        metavar="AGE:P,…",
        help="age-dependent penetrance: cumulative P(affected by AGE years | disease genotype), a step "
        "function from age 0, e.g. 0:0.1,10:0.4,20:0.66; its last value is the lifetime penetrance "
        "(default: none, ages do not change the penetrance)",
    )
    sub.add_argument(
        "--allele-frequency",
        type=_probability,
        metavar="Q",
        help=f"disease allele frequency for founders, {_RANGE['allele_frequency']} (default: the knowledge-base "
        "incidence times the subtype's share of its group; else 0.001, a default that is not a sourced figure)",
    )
    sub.add_argument(
        "--mutation-rate",
        type=_probability,
        metavar="MU",
        help=f"new-mutation rate per transmitted allele, {_RANGE['mutation_rate']} (default 0; X-linked 1e-6)",
    )
    sub.add_argument(
        "--phenocopy",
        type=_probability,
        default=0.0,
        metavar="RATE",
        help=f"P(affected | no disease genotype), {_RANGE['phenocopy']}, below the (lifetime) penetrance "
        "(default 0)",
    )
    sub.add_argument(
        "--couple",
        metavar=COUPLE_METAVAR,
        help="whose next child to compute; only the people linked to them through parents and children are "
        "computed and reported (default: the parents of the first affected person with both parents)",
    )
    sub.add_argument(
        "--consanguineous",
        action="store_true",
        default=None,
        help="the couple are related (default: from a shared ancestor in the pedigree or the Family file)",
    )
    sub.add_argument(
        "--inbreeding",
        type=_probability,
        default=1 / 16,
        metavar="F",
        help="inbreeding coefficient of the couple's children when their common ancestors are not in the "
        f"file, {_RANGE['inbreeding']} (default 0.0625, first cousins)",
    )
    sub.add_argument(
        "--format", choices=("table", "json"), default="table", help="output format (default table)"
    )


# Each numeric flag and the model parameter whose range it takes (advice._risk.PARAMETER_RANGES), so that the
# command names the flag for any value the model would refuse.
_NUMERIC_FLAGS = (
    ("--penetrance", "penetrance"),
    ("--allele-frequency", "allele_frequency"),
    ("--mutation-rate", "mutation_rate"),
    ("--phenocopy", "phenocopy"),
    ("--inbreeding", "inbreeding"),
)


def _check_ranges(args: argparse.Namespace) -> None:
    """One line naming the flag, its value and the allowed range, for a value out of range."""
    for flag, key in _NUMERIC_FLAGS:
        value = getattr(args, key)
        allowed = PARAMETER_RANGES[key]
        if value is not None and not allowed.contains(value):
            msg = f"{flag} {value:g} is out of range; expected a number {allowed.describe()}"
            raise InputError(msg)


def run(args: argparse.Namespace) -> int:
    """Run ``marbledx risk``; 0 on success. Problems the user can fix raise :class:`InputError`."""
    _check_ranges(args)
    couple = parse_couple(args.couple)
    curve = PenetranceCurve.parse(args.penetrance_by_age) if args.penetrance_by_age is not None else None
    pedigree = (
        read_ped(args.ped, max_individuals=MAX_PED_FILE_PEOPLE)
        if args.ped is not None
        else read_family_pedigree(args.phenopacket)
    )
    disease = resolve_disease(
        load_knowledge_base(),
        args.disease,
        inheritance=args.inheritance,
        penetrance=args.penetrance,
        allele_frequency=args.allele_frequency,
        mutation_rate=args.mutation_rate,
        phenocopy=args.phenocopy,
        penetrance_by_age=curve,
    )
    report = counselling_report(
        pedigree,
        disease,
        couple=couple,
        consanguineous=True if args.consanguineous else None,
        inbreeding=args.inbreeding,
    )
    if args.format == "json":
        _emit(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        _emit(render_risk_table(report))
    return 0


def _emit(text: str) -> None:
    sys.stdout.write(text.rstrip("\n") + "\n")


def _percent(p: float) -> str:
    if p <= 0.0:
        return "0%"
    if p >= 1.0:
        return "100%"
    if p < 0.001:
        return "<0.1%"
    if p > 0.999:
        return ">99.9%"
    return f"{100 * p:.1f}%"


def _age(years: float | None) -> str:
    # The advice's formatter: a baby's age in days, weeks or months, as the advice text writes it.
    return "-" if years is None else format_age(years)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(header)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows)
    return lines


def render_risk_table(report: RiskReport) -> str:
    """The readable text form of a :class:`RiskReport`: who may carry, the next child, the advice."""
    data: dict[str, Any] = report.to_dict()
    risk = report.risk
    model = risk.model
    name = f" {report.disease.name}" if report.disease.name else ""
    key = (
        f"{report.disease.key}: "
        if report.disease.key and report.disease.key != report.disease.disease_id
        else ""
    )
    curve = model.penetrance_by_age
    by_age = f" (lifetime); by age, a step function: {curve.describe()}" if curve is not None else ""
    lines = [
        f"Genetic risk for {key}{report.disease.disease_id}{name}",
        f"Inheritance: {model.mode_text}, penetrance {model.penetrance:g}{by_age}",
    ]
    related = {
        "pedigree": "related (common ancestors in the pedigree)",
        "stated": f"related (stated; inbreeding coefficient of their children {risk.inbreeding or 0:g})",
        "phenopacket": f"related (Family file; inbreeding coefficient of their children {risk.inbreeding or 0:g})",
        "none": "not known to be related",
    }[risk.consanguinity]
    father, mother = risk.couple
    lines += [f"Couple: {father} (father) and {mother} (mother), {related}", ""]
    carrier_label = "Carries variant" if model.inheritance is Inheritance.AUTOSOMAL_DOMINANT else "Carrier"
    # The age column appears when an age is known or a curve is given; the penetrance column with a curve.
    show_age = curve is not None or any(person.age is not None for person in risk.individuals)
    header = ["Person", "Sex", *(["Age"] if show_age else []), "Status", "Test", carrier_label]
    header += ["Disease genotype", "Affected", *(["Penetrance"] if curve is not None else [])]
    rows = []
    for person in risk.individuals:
        row = [person.id + ("" if person.in_file else " *"), person.sex or "?"]
        row += [_age(person.age)] if show_age else []
        row += [
            {None: "unknown", True: "affected", False: "unaffected"}[person.affected],
            person.test.value if person.test else "-",
            _percent(person.carrier_probability),
            _percent(person.disease_genotype_probability),
            _percent(person.affected_probability),
        ]
        if curve is not None:
            used = person.penetrance if person.penetrance is not None else model.penetrance
            row.append(f"{used:g}" + ("" if person.penetrance_basis == "at_age" else " (lifetime)"))
        rows.append(row)
    lines += _table(header, rows)
    if any(not person.in_file for person in risk.individuals):
        lines.append("* named as a parent but not listed in the file")
    if show_age:
        lines.append(
            "Age in years at the last examination; under 2 years in months, weeks or days ('-': not known)"
        )
    child = risk.next_child
    lines += [
        "",
        f"Next child of {father} and {mother}: affected {format_probability(child.affected_probability)}, "
        f"{carrier_label.lower()} {format_probability(child.carrier_probability)}",
    ]
    genotypes = child.genotype_probabilities
    if model.inheritance is Inheritance.AUTOSOMAL_DOMINANT and genotypes and genotypes[2] >= TWO_COPIES_LOW:
        forms = report.disease.allelic_forms
        what = (
            f": two copies of {' or '.join(dict.fromkeys(f.gene for f in forms))} cause "
            f"{' or '.join(f.entity.key for f in forms)}, not {report.disease.key or 'this disease'} "
            "(the affected figure above counts them with its penetrance)"
            if forms
            else " (counted like one copy)"
        )
        lines.append(
            f"  one copy {format_probability(genotypes[1])}; "
            f"two copies (one from each parent) {format_probability(genotypes[2])}{what}"
        )
    if child.by_sex:
        son, daughter = child.by_sex.get("male", {}), child.by_sex.get("female", {})
        lines.append(
            f"  son: affected {format_probability(son.get('affected_probability', 0.0))}; "
            f"daughter: carrier {format_probability(daughter.get('carrier_probability', 0.0))}, "
            f"affected {format_probability(daughter.get('affected_probability', 0.0))}"
        )
    lines += ["", "What this means for the family"]
    lines += [f"  - {text}" for text in data["advice"]]
    lines += ["", "Assumptions"]
    lines += [f"  - {text}" for text in data["assumptions"]]
    if data["sources"]:
        lines += ["", "Sources: " + "; ".join(data["sources"])]
    return "\n".join(lines)
