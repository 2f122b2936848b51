"""The ``marbledx`` command: a thin argparse layer over the Python API.

Errors the user can fix print one line, ``marbledx: error: …``, and exit with status 2; no traceback
is ever shown (``MARBLEDX_DEBUG=1`` re-raises unexpected errors for developers).
"""

from __future__ import annotations

import argparse
import codecs
import errno
import importlib
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

from marbledx._api import data_info, search_terms, subtype_card, subtype_summaries
from marbledx._format import percent, printable, quoted
from marbledx._text import normalise_text

# Only what every command, or ``rank``, needs is imported here: the modules of the other commands (labs,
# counselling, registry, web), the plain-words parser and the package version are imported when used, to
# keep the start of ``marbledx rank`` short (docs/benchmarks.md, "One case end to end").
from marbledx.cli._args import COUPLE_METAVAR, file_path, parse_couple
from marbledx.cli._render import render_card, render_data_info, render_results, render_subtypes, render_terms
from marbledx.errors import InputError, MarbledxError
from marbledx.findings import (
    Case,
    FamilyHistory,
    Finding,
    normalise_findings,
    parse_iso_age,
    prepare_lab_findings,
)
from marbledx.knowledge import ENTITY_EXPECTED, load_knowledge_base
from marbledx.ontology import (
    OFFICIAL_RELEASE_URL,
    RELEASE_FILES,
    DirectoryRelease,
    Ontology,
    TermMatch,
    activate_release,
    data_dir,
    default_source,
    load_hpo,
    update_release,
)
from marbledx.ontology._ontology import search_id
from marbledx.ontology._update import VERSION_PATTERN, installed_releases
from marbledx.ranking import CaseResult

__all__ = ["build_parser", "main"]

EXIT_USAGE = 2
EXIT_INTERNAL = 70
EXIT_IO = 74  # sysexits.h EX_IOERR: the output could not be written
_OUTPUT_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})
_DEFAULT_CASE_ID = "case"


class UsageError(InputError):
    """A command line that argparse rejected."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        msg = f"{message} (see '{self.prog} --help')"
        raise UsageError(msg)


def _utf8(text: str) -> str:
    """``text`` as valid UTF-8. A lone surrogate (a file name that is not UTF-8, a bad ``\\ud800`` escape in
    a file) is written as its escape, ``\\udcff``: within a JSON string that is JSON's own escape, so a
    reader gets the same string back, where the raw surrogate would crash the write or emit invalid UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _emit(text: str) -> None:
    sys.stdout.write(_utf8(text.rstrip("\n")) + "\n")


def _lenient_output() -> None:
    """Write what stdout or stderr cannot encode (``PYTHONIOENCODING=ascii``, a Latin-1 terminal) as escapes
    such as ``\\u2014``, instead of failing with an internal error at the first dash or accented label."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _json_text(payload: Any, *, indent: int | None = None) -> str:
    """``payload`` as JSON for stdout: UTF-8 text where stdout takes it, else ASCII with JSON's own escapes
    (``\\u00e9``), since the stream's replacement escapes (``\\xe9``) would make the JSON invalid."""
    text = json.dumps(payload, indent=indent, ensure_ascii=False)
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        if codecs.lookup(encoding).name != "utf-8":
            text.encode(encoding)
    except (LookupError, UnicodeEncodeError):  # an encoding Python does not know, or one without the text
        return json.dumps(payload, indent=indent)
    return text


def _emit_json(payload: Any) -> None:
    _emit(_json_text(payload, indent=2))


def _cmd_subtypes(args: argparse.Namespace) -> int:
    summaries = subtype_summaries(load_knowledge_base(), include_differential=args.all)
    if args.format == "json":
        _emit_json([s.to_dict() for s in summaries])
    else:
        _emit(render_subtypes(summaries))
    return 0


def _cmd_subtype(args: argparse.Namespace) -> int:
    # Several words are one name, so that "marbledx subtype intermediate osteopetrosis" needs no quotes.
    query = " ".join(args.query)
    if not query.strip():
        msg = f"ID_OR_NAME is empty; {ENTITY_EXPECTED}"
        raise UsageError(msg)
    kb = load_knowledge_base()
    card = subtype_card(kb, kb.get(query).key)
    if args.format == "json":
        _emit_json(card)
    else:
        _emit(render_card(card))
    return 0


def _id_notes(ontology: Ontology, term_id: str, found: Sequence[TermMatch]) -> list[str]:
    """What a search by ``term_id`` should tell the user: that the id was replaced, or why it found nothing."""
    if not found:
        if ontology.is_obsolete(term_id):
            return [f"{term_id} is obsolete in HPO release {ontology.version} and has no replacement"]
        return [
            f"{term_id} is not a term of HPO release {ontology.version}; expected a current id such as "
            "HP:0011002 (a newer release: 'marbledx data update')"
        ]
    current = found[0]
    if current.id == term_id:
        return []
    how = "is obsolete; replaced by" if ontology.is_obsolete(term_id) else "is an alternative id of"
    return [f"{term_id} {how} {current.id} {current.label}"]


def _cmd_term(args: argparse.Namespace) -> int:
    if args.limit < 1:
        msg = f"--limit must be at least 1, got {args.limit}"
        raise UsageError(msg)
    query = " ".join(args.query)
    if not query.strip():
        msg = "empty query; expected an HPO id (HP:0011002), a label or words"
        raise UsageError(msg)
    term_id = search_id(query)
    parts = _split_ids([query])
    part_ids = [search_id(part) for part in parts]
    if term_id is None and not normalise_text(query):
        # Nothing the search compares is left (only punctuation, symbols or a script HPO does not use): say so
        # rather than "no matching HPO terms", which reads as if the words had been looked for.
        msg = (
            f"QUERY {quoted(query)} has no letters or digits to search for; expected an HPO id (HP:0011002), "
            "an English label or words (patterns such as '.*' are not supported)"
        )
        raise UsageError(msg)
    hpo = load_hpo()
    notes: list[str] = []
    if term_id is None and parts and all(part_ids):
        # A pasted list of ids ("HP:0001903, HP:0000057"): each is looked up, in the order given.
        matches: list[TermMatch] = []
        missing = False
        for part, part_id in zip(parts, part_ids, strict=True):
            found = search_terms(hpo, part, limit=1)
            notes += _id_notes(hpo.ontology, str(part_id), found)
            matches += found
            missing = missing or not found
        shown = matches
    else:
        # Every match, to say how many --limit leaves out (the search ranks them all anyway).
        matches = search_terms(hpo, query, limit=len(hpo.ontology))
        if term_id is not None:
            notes += _id_notes(hpo.ontology, term_id, matches)
        missing = not matches
        shown = matches[: args.limit]
        if len(shown) < len(matches):
            notes.append(f"{len(shown)} of {len(matches):,} matching terms shown; --limit N shows more")
    if args.format == "json":
        _emit_json([m.__dict__ for m in shown])
        for note in notes:
            sys.stderr.write(f"marbledx: note: {printable(note)}\n")
    else:
        _emit(render_terms(shown, notes))
    return 1 if missing else 0


def _split_ids(values: Sequence[str] | None) -> list[str]:
    """The ids of a repeatable flag (``--hpo A,B --hpo C``), in the order given."""
    # Commas as documented; semicolons and spaces too, as pasted lists have them (an HPO id has neither).
    return [item for value in values or () for item in re.split(r"[,;\s]+", value) if item]


# The longest part of the user's --text quoted back in an error message: enough to recognise the words, short
# enough that a pasted clinical letter does not fill the terminal with one line.
_QUOTE_LIMIT = 200


def _clip(text: str, limit: int = _QUOTE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _flag_case(args: argparse.Namespace, ontology: Any, family: FamilyHistory) -> tuple[Case, list[str]]:
    from marbledx.findings import TextParser  # imported here: only --text needs it

    raw = [(i, False, "entered") for i in _split_ids(args.hpo)]
    raw += [(i, True, "entered") for i in _split_ids(args.exclude)]
    age_days = parse_iso_age(args.age) if args.age is not None else None
    sex = args.sex
    shown: list[str] = []
    if args.text:
        # Lab values in the words ("Hb 7.2 g/dL") are read at --age/--sex, else at the age and sex the words
        # give; their terms join the case as lab findings (docs/engine.md, "Plain words").
        # Repeated --text flags are paragraphs of one note: a blank line ends a sentence (and a negation).
        text = "\n\n".join(args.text)
        parsed = TextParser(ontology).parse(text, labs=True, age_days=age_days, sex=sex)
        raw += [(m.hpo_id, m.excluded, "text") for m in parsed.mappings if not m.lab]
        # As for --labs/--value, an entered finding (--hpo/--exclude) wins over a lab term that contradicts it.
        lab_terms = [Finding(m.hpo_id, m.excluded, "lab") for m in parsed.mappings if m.lab]
        lab_triples, lab_warnings = prepare_lab_findings(ontology, lab_terms, raw, where="--text lab values")
        raw += lab_triples
        for m in parsed.mappings:
            state = "excluded" if m.excluded else "observed"
            how = f"; lab value {m.lab}" if m.lab else ""
            shown.append(f"text: '{m.phrase}' -> {m.hpo_id} {m.label} ({state}{how})")
        shown.extend(f"text: no HPO term found for '{phrase}'" for phrase in parsed.unmatched)
        shown.extend(
            f"text: '{words}' is about a relative, not read as the patient's findings "
            "(family history: --affected-parent, --affected-sibling, --consanguineous)"
            for words in parsed.about_relatives
        )
        shown.extend(
            f"text: '{words}' is uncertain, hypothetical or ambiguous, not read (give it with --hpo if it is a "
            "finding)"
            for words in parsed.uncertain
        )
        # Why each phrase was held back (an ambiguous negation scope, several ages, …).
        shown.extend(f"text: note: {note}" for note in parsed.notes)
        shown.extend(f"text: note: {warning}" for warning in lab_warnings)
        unread = [
            why + " '" + "', '".join(words) + "'"
            for why, words in (
                ("no HPO term found for", parsed.unmatched),
                ("uncertain, hypothetical or ambiguous:", parsed.uncertain),
                ("about a relative:", parsed.about_relatives),
                ("lab values not used:", tuple(lab.written for lab in parsed.labs if not lab.interpreted)),
            )
            if words
        ]
        if not _split_ids(args.hpo) and unread and not any(not m.excluded for m in parsed.mappings):
            # Say which words were not read, and why, instead of only "no observed features".
            why = f"; {parsed.notes[0]}" if parsed.notes else ""
            msg = (
                f"--text: no observed finding was recognised ({_clip('; '.join(unread) + why)}); "
                "expected clinical findings such as 'anaemia' or 'big spleen', or give --hpo HP:…"
            )
            raise InputError(msg)
        if age_days is None and parsed.age_days is not None:
            age_days = parsed.age_days
            shown.append(f"text: age {parsed.age_days:.0f} days")
        if sex is None and parsed.sex is not None:
            sex = parsed.sex
            shown.append(f"text: sex {parsed.sex}")
        if parsed.consanguineous and not family.consanguineous:
            # Words that state it ("first-cousin parents", "Consanguinity: yes") are --consanguineous.
            family = replace(family, consanguineous=True)
            shown.append("text: the parents are related -> family history (as --consanguineous)")
    where = "/".join(f"--{flag}" for flag in ("hpo", "exclude", "text") if getattr(args, flag)) or "--hpo"
    findings, warnings = normalise_findings(ontology, raw, where=where, strict=not args.lenient)
    case = Case(
        case_id=args.case_id if args.case_id is not None else _DEFAULT_CASE_ID,
        input="(command line)",
        findings=findings,
        age_days=age_days,
        sex=sex,
        family=family,
        warnings=warnings,
    )
    return case, shown


# The options that only the reading of a VCF uses: flag and argparse name, in the order of the error message.
_VCF_OPTIONS = (
    ("--sample", "sample"),
    ("--genome", "genome"),
    ("--clinvar", "clinvar"),
    ("--genes-bed", "genes_bed"),
    ("--ped", "ped"),
    ("--strict", "strict"),
)


def _refuse_vcf_options(args: argparse.Namespace, *, used_without_vcf: Collection[str] = ()) -> None:
    """Refuse the VCF options given when there is no VCF to read, since they would be ignored silently; those
    in ``used_without_vcf`` are left alone (analyze reads --ped for the counselling risks too)."""
    # None: not given; False: --strict not given. An empty value ('--sample ""') is given.
    given = [
        flag
        for flag, name in _VCF_OPTIONS
        if flag not in used_without_vcf and getattr(args, name) not in (None, False)
    ]
    if given:
        verb = "applies" if len(given) == 1 else "apply"
        msg = f"{', '.join(given)} {verb} only to a VCF; give --vcf (or a phenopacket whose 'files' name one)"
        raise UsageError(msg)


def _result_json(result: CaseResult) -> tuple[dict[str, Any], bool]:
    """The JSON object of one result and whether it is an error line. JSON has no NaN or Infinity, and a
    strict reader rejects them: a result holding one becomes that case's error line, and the batch goes on."""
    data = result.to_dict()
    try:
        json.dumps(data, allow_nan=False)
    except ValueError:
        error = "internal error: the result holds a non-finite number; please report it"
        return {"case_id": result.case_id, "input": result.input, "error": error}, True
    return data, result.error is not None


def _check_case_flags(args: argparse.Namespace, *, files_given: bool, files: str, verb: str) -> bool:
    """Whether the patient is described by flags (--hpo/--exclude/--text) rather than ``files``; refuses both
    at once, neither, and an empty --case-id or --age."""
    # "is not None": an empty flag (--age '', --hpo '') is a flag given too, refused rather than ignored.
    flag_input = any(flag is not None for flag in (args.hpo, args.exclude, args.text))
    case_flags = (args.age, args.sex, args.case_id)
    if files_given and (flag_input or any(flag is not None for flag in case_flags)):
        msg = f"give either {files} or --hpo/--exclude/--text/--age/--sex/--case-id, not both"
        raise UsageError(msg)
    if not files_given and not flag_input:
        msg = f"nothing to {verb}; expected {files}, --hpo HP:… or --text '…'"
        raise UsageError(msg)
    if args.case_id is not None and not args.case_id.strip():
        msg = "--case-id is empty; expected an identifier for the command-line case"
        raise UsageError(msg)
    if args.age is not None and not args.age.strip():
        msg = "--age is empty; expected an ISO 8601 duration such as P8M or P2Y6M"
        raise UsageError(msg)
    return flag_input


def _cmd_rank(args: argparse.Namespace) -> int:
    from marbledx._pipeline import iter_rank
    from marbledx.findings._phenopacket import scan_inputs
    from marbledx.genotype import GenotypeOptions
    from marbledx.ranking import Ranker

    flag_input = _check_case_flags(
        args, files_given=bool(args.inputs), files="phenopacket files", verb="rank"
    )
    if args.top < 1:
        msg = f"--top must be at least 1, got {args.top}"
        raise UsageError(msg)
    if flag_input and args.vcf is None:
        # A case from flags has no phenopacket 'files' to name a VCF.
        _refuse_vcf_options(args)
    family = FamilyHistory(args.consanguineous, args.affected_parent, args.affected_sibling)
    genotype = GenotypeOptions(
        vcf=args.vcf,
        sample=args.sample,
        genome=args.genome,
        clinvar=args.clinvar,
        genes_bed=args.genes_bed,
        ped=args.ped,
        strict=args.strict,
    )
    if args.vcf is not None and len(scan_inputs(args.inputs)) > 1:
        msg = "--vcf names the VCF of one case; for several cases, list each VCF in its phenopacket's 'files'"
        raise UsageError(msg)
    hpo = load_hpo()
    ranker = Ranker(hpo, load_knowledge_base())
    results: Iterable[CaseResult]
    if flag_input:
        case, shown = _flag_case(args, hpo.ontology, family)
        for line in shown:
            # Escaped: they quote the user's words, which could carry terminal escape sequences.
            if args.format == "table":
                _emit(printable(line))
            else:
                sys.stderr.write(f"marbledx: {printable(line)}\n")
        results = iter_rank(
            case,
            hpo=hpo,
            ranker=ranker,
            top=args.top,
            prior=args.prior,
            genotype=genotype if args.vcf is not None else None,
        )
    else:
        results = iter_rank(
            args.inputs,
            hpo=hpo,
            ranker=ranker,
            top=args.top,
            prior=args.prior,
            family=family,
            strict=not args.lenient,
            genotype=genotype,
        )
    failed = 0
    collected = []
    for result in results:
        data, error = _result_json(result)
        failed += error
        # The VCF's warnings (genotype.warnings in the JSON) go to stderr too, in every format, so that a
        # pipeline reading only stdout's diagnoses still shows them to whoever runs it.
        vcf_warnings = (data.get("genotype") or {}).get("warnings", [])
        for warning in [*result.warnings, *vcf_warnings]:
            # Escaped: a file name or a phenopacket field could carry terminal escape sequences.
            sys.stderr.write(f"marbledx: warning: {printable(warning)}\n")
        if args.format == "jsonl":
            _emit(_json_text(data))
            sys.stdout.flush()  # a reader of the stream sees each case when it is ranked
        elif args.format == "table":
            if error and result.error is None:  # a non-finite number: shown as the error the JSON gives
                result = replace(result, diagnoses=[], error=data["error"])
            _emit(render_results([result]))
        else:
            collected.append(data)
    if args.format == "json":
        _emit_json(collected)
    return 1 if failed else 0


def _check_report_output(output: str) -> None:
    """Refuse, before the analysis runs, an ``-o`` that cannot take the report as a file."""
    if not output:
        # An unset "$OUT" is not the current folder.
        msg = (
            "-o is empty; expected a file name for the report (e.g. report.html), or '-' for standard output"
        )
        raise UsageError(msg)
    if output == "-":
        return
    # The report writer's own rule, asked before the analysis runs.
    from marbledx.report import report_path_problem

    problem = report_path_problem(output)
    if problem is not None:
        msg = f"-o {printable(output)}: {problem}; expected a file name for the report, or '-' for standard output"
        raise UsageError(msg)


def _cmd_analyze(args: argparse.Namespace) -> int:
    from marbledx.findings import read_case_file
    from marbledx.genotype import GenotypeOptions
    from marbledx.report import analyze, render_html, write_report

    if args.top < 1:
        msg = f"--top must be at least 1, got {args.top}"
        raise UsageError(msg)
    if args.case == "":
        msg = "CASE is empty; expected the patient's phenopacket (JSON)"
        raise UsageError(msg)
    flag_input = _check_case_flags(
        args, files_given=args.case is not None, files="a phenopacket (CASE)", verb="analyse"
    )
    if args.output == "-" and args.format == "pdf":
        msg = "-o -: a PDF cannot be written to the terminal; expected a file name such as report.pdf"
        raise UsageError(msg)
    _check_report_output(args.output)
    # The form is checked before the slow part; the ids are checked against the PED file by analyze().
    couple = parse_couple(args.couple)
    if couple is not None and args.ped is None:
        msg = "--couple names two people of the family's PED file; give --ped FAMILY.ped with it"
        raise UsageError(msg)
    hpo, kb = load_hpo(), load_knowledge_base()
    family = FamilyHistory(args.consanguineous, args.affected_parent, args.affected_sibling)
    if flag_input:
        # As in the web app, lab values in the words become findings; --labs/--value give the values the
        # care plan reads over time.
        case, shown = _flag_case(args, hpo.ontology, family)
        for line in shown:
            # Escaped: they quote the user's words, which could carry terminal escape sequences.
            sys.stderr.write(f"marbledx: {printable(line)}\n")
    else:
        shown = []
        # Read here, not by analyze(), to know whether the phenopacket's 'files' name a VCF.
        case = read_case_file(Path(args.case), hpo.ontology, family, strict=not args.lenient)
    if args.vcf is None and not case.genomic_files:
        _refuse_vcf_options(args, used_without_vcf={"--ped"})
    genotype = GenotypeOptions(
        sample=args.sample,
        genome=args.genome,
        clinvar=args.clinvar,
        genes_bed=args.genes_bed,
        strict=args.strict,
    )
    report = analyze(
        case,
        hpo=hpo,
        kb=kb,
        vcf=args.vcf,
        ped=args.ped,
        couple=couple,
        labs=args.labs,
        lab_values=args.value,
        genotype=genotype,
        top=args.top,
        strict=not args.lenient,
        exclusions=not args.no_exclusions,
        # How the words were read goes into the report too, for the clinician to check.
        input_notes=shown,
    )
    for warning in report.result.warnings:
        # Escaped: a file name or a phenopacket field could carry terminal escape sequences.
        sys.stderr.write(f"marbledx: warning: {printable(warning)}\n")
    if args.output == "-":
        if args.format == "json":
            data = report.to_dict()
            _emit_json(
                data
                if args.audience == "clinician"
                else {
                    "case_id": data["case_id"],
                    "family_summary": data["family_summary"],
                    "disclaimer": data["disclaimer"],
                }
            )
        else:
            _emit(render_html(report, hpo=hpo, kb=kb, audience=args.audience))
        return 0
    out = write_report(report, Path(args.output), hpo=hpo, kb=kb, fmt=args.format, audience=args.audience)
    plan = report.care_plan
    sys.stderr.write(
        f"marbledx: wrote {printable(str(out))} ({args.audience} {args.format}); "
        # Only the genotype's support makes the first entry of the differential a diagnosis (docs/care.md).
        f"{'leading diagnosis' if plan.certainty == 'genotype_supported' else 'top of the differential'} "
        f"{plan.diagnosis_id} {plan.diagnosis_label} ({percent(plan.probability)}), HSCT decision {plan.hsct.decision}"
        # The plan's limit while a work-up it depends on is not known (CLCN7 ARO before ERG and brain MRI).
        f"{' ' + plan.hsct.condition if plan.hsct.condition else ''} ({plan.hsct.urgency})\n"
    )
    if plan.other_genotype_supported:
        # A second disorder the genotype supports in another gene: named, outside the plan (docs/care.md).
        named = "; ".join(
            f"{o.disease_id} {o.label} ({', '.join(o.genes)}, {percent(o.probability)})"
            for o in plan.other_genotype_supported
        )
        them = "them" if len(plan.other_genotype_supported) > 1 else "it"
        sys.stderr.write(
            f"marbledx: the genotype also supports, in another gene: {printable(named)}; the care plan does not "
            f"cover {them}\n"
        )
    return 0


def _cmd_data_info(args: argparse.Namespace) -> int:
    source = default_source()
    if isinstance(source, DirectoryRelease):
        # The loads of other commands notice a changed file by its size and time; here every byte is checked.
        source.verify()
    info = data_info(load_hpo(source), load_knowledge_base())
    if args.format == "json":
        _emit_json({**info.to_dict(), "data_dir": str(data_dir())})
    else:
        _emit(render_data_info(info) + f"\nDownloaded data:      {data_dir()}")
    return 0


def _warn_if_overridden() -> None:
    configured = os.environ.get("MARBLEDX_HPO", "").strip()
    if configured:
        sys.stderr.write(
            f"marbledx: warning: MARBLEDX_HPO={printable(configured)} is set and overrides this choice until it is unset\n"
        )


def _cmd_data_update(args: argparse.Namespace) -> int:
    sys.stderr.write(f"downloading the HPO release from {printable(args.base_url)} …\n")
    installed = update_release(args.base_url, timeout=args.timeout, activate=not args.no_activate)
    state = "now active" if not args.no_activate else "installed, not activated"
    _emit(
        f"HPO release {installed.version} (annotations {installed.annotation_version}) {state}: {installed.folder}"
    )
    if not args.no_activate:
        _warn_if_overridden()
    return 0


def _cmd_data_use(args: argparse.Namespace) -> int:
    if args.release == "bundled":
        activate_release(None)
        _emit("using the bundled HPO release")
        _warn_if_overridden()
        return 0
    releases = data_dir() / "hpo"
    candidate = Path(args.release)
    # A bare version names an installed release (never a path out of the data folder), even when the
    # current folder happens to hold a folder of that name; anything else is a folder path.
    is_version = VERSION_PATTERN.fullmatch(args.release) is not None and args.release not in {".", ".."}
    if is_version and (releases / args.release).is_dir():
        folder = releases / args.release
    elif candidate.is_dir():
        folder = candidate
    elif candidate.exists():
        msg = f"{args.release} is a file; expected 'bundled', an installed version or a folder holding {', '.join(RELEASE_FILES)}"
        raise UsageError(msg)
    else:
        installed = ", ".join(installed_releases()) or "none; 'marbledx data update' installs one"
        msg = (
            f"no downloaded HPO release {args.release!r} in {releases} (installed: {installed}); "
            "expected 'bundled', a version or a folder"
        )
        raise UsageError(msg)
    activate_release(folder)
    _emit(f"using the HPO release in {folder}")
    _warn_if_overridden()
    return 0


def _cmd_data_fetch(args: argparse.Namespace) -> int:
    # Imported here: only this command needs the download code.
    from marbledx.genotype._fetch import clinvar_url, fetch_clinvar, fetch_genes, genes_url

    if args.dataset == "clinvar":
        sys.stderr.write(f"downloading ClinVar {args.genome} from {clinvar_url(args.genome, args.url)} …\n")
        fetched = fetch_clinvar(args.genome, base_url=args.url, timeout=args.timeout)
        dated = f"file date {fetched.release}, " if fetched.release else ""
        _emit(f"ClinVar {fetched.build} ({dated}{fetched.records:,} records) installed: {fetched.path}")
    else:
        sys.stderr.write(
            f"downloading gene regions {args.genome} from {genes_url(args.genome, args.url)} …\n"
        )
        fetched = fetch_genes(args.genome, url=args.url, timeout=args.timeout)
        _emit(
            f"gene regions {fetched.build} ({fetched.records:,} regions, {fetched.extra['genes']:,} genes)"
            f" installed: {fetched.path}"
        )
    return 0


# The commands whose code is in a module of its own: name -> (module, and the module's names of the help
# text, the function that adds the arguments and the one that runs the command). A module is imported only
# when the parser is built for its command or for all of them (as for --help), not for every command: they
# import the lab, counselling, registry and web code that ``marbledx rank`` does not need.
_MODULE_COMMANDS: dict[str, tuple[str, str, str, str]] = {
    "labs": ("marbledx.cli._labs_cmd", "HELP", "configure", "run"),
    "risk": ("marbledx.cli._risk_cmd", "HELP", "configure", "run"),
    "serve": ("marbledx.cli._serve_cmd", "HELP", "configure", "run"),
    "users": ("marbledx.cli._registry_cmd", "USERS_HELP", "configure_users", "run_users"),
    "backup": ("marbledx.cli._registry_cmd", "BACKUP_HELP", "configure_backup", "run_backup"),
    "restore": ("marbledx.cli._registry_cmd", "RESTORE_HELP", "configure_restore", "run_restore"),
    "audit": ("marbledx.cli._registry_cmd", "AUDIT_HELP", "configure_audit", "run_audit"),
}
# The commands defined in this module (the parser built for one of them needs none of the modules above).
_OWN_COMMANDS = frozenset({"subtypes", "subtype", "term", "rank", "analyze", "data"})


class _VersionAction(argparse.Action):
    """argparse's ``version`` action, reading the installed version only when it is asked for: the read scans
    the installed packages' metadata, which the other commands do not need."""

    def __init__(
        self,
        option_strings: Sequence[str],
        dest: str = argparse.SUPPRESS,
        default: Any = argparse.SUPPRESS,
        help: str = "show program's version number and exit",
    ) -> None:
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> NoReturn:
        import marbledx

        sys.stdout.write(f"marbledx {marbledx.__version__}\n")
        parser.exit()


def _command_word(argv: Sequence[str]) -> str | None:
    """The command of a command line that starts with it (``rank …``), else None (``--help``)."""
    return argv[0] if argv and not argv[0].startswith("-") else None


def _add_case_flags(sub: argparse.ArgumentParser) -> None:
    """The flags that describe a patient on the command line (``rank`` and ``analyze``), and family history."""
    sub.add_argument(
        "--hpo", action="append", help="observed HPO terms, comma-separated or repeated (instead of files)"
    )
    sub.add_argument(
        "--exclude", action="append", help="excluded (absent) HPO terms, comma-separated or repeated"
    )
    sub.add_argument(
        "--text",
        action="append",
        help="plain words, e.g. '8-month-old with anaemia, big spleen and no fractures'; repeated, each is a "
        "paragraph of one note",
    )
    sub.add_argument("--age", help="age as an ISO 8601 duration, e.g. P8M or P2Y6M")
    sub.add_argument("--sex", choices=("female", "male"))
    sub.add_argument("--case-id", help=f"identifier for a command-line case (default {_DEFAULT_CASE_ID!r})")
    sub.add_argument("--consanguineous", action="store_true", help="the parents are related")
    sub.add_argument("--affected-parent", action="store_true", help="a parent has the same condition")
    sub.add_argument("--affected-sibling", action="store_true", help="a sibling has the same condition")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of the ``marbledx`` command line. Given the ``command`` that is to run, the commands defined
    in other modules are left out unless they are that command, so that their modules are not imported."""
    parser = _Parser(
        prog="marbledx",
        description="Decision support for osteopetrosis and its mimics. Supports, and does not replace, clinical judgement.",
    )
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    def add(
        name: str, handler: Callable[[argparse.Namespace], int], help_text: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    def add_format(sub: argparse.ArgumentParser, choices: tuple[str, ...]) -> None:
        sub.add_argument(
            "--format", choices=choices, default=choices[0], help=f"output format (default {choices[0]})"
        )

    sub = add(
        "subtypes", _cmd_subtypes, "list the osteopetrosis subtypes with genes, inheritance and HSCT decision"
    )
    add_format(sub, ("table", "json"))
    sub.add_argument("--all", action="store_true", help="include the differential diagnosis entities")

    sub = add("subtype", _cmd_subtype, "show the knowledge-base card of one subtype or differential entity")
    sub.add_argument(
        "query",
        nargs="+",
        metavar="ID_OR_NAME",
        help="OMIM/ORPHA id (OMIM:259700, 259700), short name (OPTB1, ADO2) or name; any case, spaces and "
        "accents; several words are one name",
    )
    add_format(sub, ("text", "json"))

    sub = add("term", _cmd_term, "find HPO terms by id, label, synonym or words")
    sub.add_argument(
        "query",
        nargs="+",
        metavar="QUERY",
        help="an HPO id (HP:0001903, hp_0001903, HP:1903 or its PURL; obsolete ids find their replacement), "
        "several ids, or English words, each the start of a word of the label or a synonym (a query "
        "starting with '-' goes after '--')",
    )
    sub.add_argument("--limit", type=int, default=10, help="number of terms to show, at least 1 (default 10)")
    add_format(sub, ("table", "json"))

    sub = add("rank", _cmd_rank, "rank every annotated rare disease for one or more patients")
    sub.add_argument(
        "inputs", nargs="*", metavar="INPUT", help="phenopacket JSON files or folders (recursive)"
    )
    _add_case_flags(sub)
    sub.add_argument(
        "--prior",
        choices=("uniform", "prevalence"),
        default="uniform",
        help="disease prior (default uniform)",
    )
    sub.add_argument("--top", type=int, default=20, help="diagnoses to report per case (default 20)")
    sub.add_argument(
        "--lenient",
        action="store_true",
        help="drop HPO ids unknown to this release (with a warning) instead of failing the case",
    )
    dna = sub.add_argument_group("genotype (VCF) evidence")
    dna.add_argument(
        "--vcf",
        type=file_path,
        help="the patient's VCF/BCF (one case); otherwise each phenopacket's 'files' entry",
    )
    dna.add_argument("--sample", help="the proband's sample name in a multi-sample VCF")
    dna.add_argument("--genome", choices=("GRCh37", "GRCh38"), help="the VCF's build; a mismatch is refused")
    dna.add_argument(
        "--clinvar",
        type=file_path,
        help="a ClinVar VCF (default: the one from 'marbledx data fetch clinvar')",
    )
    dna.add_argument(
        "--genes-bed",
        type=file_path,
        help="gene regions (BED) for VCFs without VEP/SnpEff annotation (default: 'marbledx data fetch genes')",
    )
    dna.add_argument(
        "--ped", type=file_path, help="PED file naming the proband's parents (samples in the same VCF)"
    )
    dna.add_argument(
        "--strict", action="store_true", help="stop at the first malformed VCF record instead of skipping it"
    )
    add_format(sub, ("table", "json", "jsonl"))

    sub = add(
        "analyze",
        _cmd_analyze,
        "the full analysis of one patient: differential, genotype, labs, care plan, counselling, report",
    )
    sub.add_argument(
        "case",
        nargs="?",
        metavar="CASE",
        help="the patient's phenopacket (JSON); or describe the patient with --hpo/--exclude/--text/--age/--sex",
    )
    _add_case_flags(sub)
    sub.add_argument(
        "-o", "--output", required=True, help="the report file to write ('-' for html/json on stdout)"
    )
    sub.add_argument(
        "--audience",
        choices=("clinician", "family"),
        default="clinician",
        help="clinician report, or the plain-language family summary (default clinician)",
    )
    add_format(sub, ("html", "pdf", "json"))
    sub.add_argument(
        "--vcf", type=file_path, help="the patient's VCF/BCF (default: the phenopacket's 'files' entry)"
    )
    sub.add_argument(
        "--ped", type=file_path, help="the family's PED file: phase, de novo calls and counselling risks"
    )
    sub.add_argument(
        "--couple",
        metavar=COUPLE_METAVAR,
        help="whose next child the counselling risks are for, two ids of the --ped file, as in 'marbledx "
        "risk' (default: the parents of the first affected person with both parents; else the affected "
        "proband and the one other parent of their children in the file)",
    )
    sub.add_argument("--labs", type=file_path, help="lab values as CSV (analyte, value, unit, date)")
    sub.add_argument(
        "--value", action="append", metavar="ANALYTE=VALUE UNIT", help="a lab value, e.g. 'hemoglobin=8 g/dL'"
    )
    sub.add_argument(
        "--no-exclusions",
        action="store_true",
        help="do not turn normal lab values into excluded terms (e.g. a normal haemoglobin after a transfusion)",
    )
    sub.add_argument("--sample", help="the proband's sample name in a multi-sample VCF")
    sub.add_argument("--genome", choices=("GRCh37", "GRCh38"), help="the VCF's build; a mismatch is refused")
    sub.add_argument(
        "--clinvar", type=file_path, help="a ClinVar VCF (default: 'marbledx data fetch clinvar')"
    )
    sub.add_argument(
        "--genes-bed", type=file_path, help="gene regions (BED) for VCFs without VEP/SnpEff annotation"
    )
    sub.add_argument("--strict", action="store_true", help="stop at the first malformed VCF record")
    sub.add_argument("--top", type=int, default=10, help="diagnoses in the report (default 10)")
    sub.add_argument(
        "--lenient", action="store_true", help="drop HPO ids unknown to this release instead of failing"
    )

    if command in _OWN_COMMANDS:
        wanted: Collection[str | None] = ()
    elif command in _MODULE_COMMANDS:
        wanted = (command,)
    else:  # no command (--help) or an unknown one: all of them, so that argparse's error lists them all
        wanted = _MODULE_COMMANDS.keys()
    for name, (module_name, help_name, configure_name, run_name) in _MODULE_COMMANDS.items():
        if name in wanted:
            module = importlib.import_module(module_name)
            sub = add(name, getattr(module, run_name), getattr(module, help_name))
            getattr(module, configure_name)(sub)

    data = add("data", lambda _args: 0, "HPO data in use, and explicit downloads")
    data_commands = data.add_subparsers(dest="data_command", metavar="ACTION", parser_class=_Parser)
    data_commands.required = True
    info = data_commands.add_parser("info", help="HPO release in use, counts, and where the data lives")
    info.set_defaults(handler=_cmd_data_info)
    add_format(info, ("table", "json"))
    update = data_commands.add_parser("update", help="download the current official HPO release and use it")
    update.set_defaults(handler=_cmd_data_update)
    update.add_argument("--base-url", default=OFFICIAL_RELEASE_URL, help="where the release files are served")
    update.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds to wait for data before giving up (a download that stays below 10 kB/s also stops; docs/ontology.md)",
    )
    update.add_argument(
        "--no-activate", action="store_true", help="download and install but keep the current release"
    )
    use = data_commands.add_parser(
        "use", help="choose the HPO release: 'bundled', a downloaded version or a folder"
    )
    use.set_defaults(handler=_cmd_data_use)
    use.add_argument("release", metavar="RELEASE")
    fetch = data_commands.add_parser(
        "fetch", help="download reference data for VCF analysis: ClinVar, or a gene-region table"
    )
    fetch.set_defaults(handler=_cmd_data_fetch)
    fetch.add_argument(
        "dataset",
        choices=("clinvar", "genes"),
        help="clinvar: NCBI's ClinVar VCF and index; genes: gene regions from the GENCODE basic annotation",
    )
    fetch.add_argument(
        "--genome", choices=("GRCh38", "GRCh37"), default="GRCh38", help="genome build (default GRCh38)"
    )
    fetch.add_argument(
        "--url",
        help="download from here instead: the file's URL, or a folder laid out like the official server "
        "(default $MARBLEDX_CLINVAR_URL / $MARBLEDX_GENES_URL, else NCBI / GENCODE)",
    )
    fetch.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds to wait for data before giving up (a download that stays below 10 kB/s also stops; docs/ontology.md)",
    )
    return parser


class _CliFormatter(logging.Formatter):
    """The library's log warnings in the CLI's own form: ``marbledx: warning: …``."""

    def format(self, record: logging.LogRecord) -> str:
        return f"marbledx: {record.levelname.lower()}: {' '.join(record.getMessage().split())}"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record (it may be replaced, e.g. by tests)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _route_library_warnings() -> None:
    """Send the data layers' warnings (an unwritable cache, a corrupt one rebuilt) to stderr as the CLI's other
    warnings are. The web app logs through its own handlers ("marbledx.web", "marbledx.registry")."""
    for name in ("marbledx.ontology", "marbledx.evidence"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            handler = _StderrHandler()
            handler.setFormatter(_CliFormatter())
            logger.addHandler(handler)
            logger.setLevel(logging.WARNING)
            logger.propagate = False


def _detach_stdout() -> None:
    """Point standard output at /dev/null, dropping what is buffered (the stream cannot take it)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (an embedding application's stream)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 1 nothing found, 2 user error, 70 internal error, 74 the
    output could not be written)."""
    _lenient_output()
    _route_library_warnings()
    parser = build_parser(_command_word(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(argv)
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except MarbledxError as exc:
        # Escaped: a message quotes file names and fields, which could carry terminal escape sequences.
        sys.stderr.write(f"marbledx: error: {printable(' '.join(str(exc).split()))}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("marbledx: interrupted\n")
        return 130
    except BrokenPipeError:
        # Output piped into a command that stopped reading (e.g. head); not an error for the user.
        sys.stderr.close()
        return 0
    except Exception as exc:  # last resort: never show a traceback to a clinician
        if isinstance(exc, OSError) and exc.errno in _OUTPUT_FULL:
            # Inputs are read behind InputError, so a full disk, a quota or a device error here is the output
            # failing. Nothing more can be written to it, and Python's final flush at exit would fail again
            # with a traceback, so standard output is pointed at /dev/null first.
            _detach_stdout()
            where = f" ({exc.filename})" if exc.filename else ""
            sys.stderr.write(
                f"marbledx: error: {printable(f'cannot write the output{where}: {exc.strerror or exc}')}\n"
            )
            return EXIT_IO
        if os.environ.get("MARBLEDX_DEBUG"):
            raise
        detail = printable(" ".join(str(exc).split()))
        sys.stderr.write(
            f"marbledx: internal error ({type(exc).__name__}: {detail}); please report it, "
            "and set MARBLEDX_DEBUG=1 to see the details\n"
        )
        return EXIT_INTERNAL
