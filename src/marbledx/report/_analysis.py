"""``marbledx analyze``: everything for one patient in one run — ranking, genotype, labs, care plan, counselling.

The result is an :class:`AnalysisReport`, whose :meth:`~AnalysisReport.to_dict` is the JSON contract (the
rank fields plus ``care_plan`` and, with a pedigree, ``counselling``) and which the HTML/PDF renderers draw.
Recurrence risks are given only for a diagnosis the genotype supports; otherwise ``counselling`` names the
leading options and their modes of inheritance, on which the family's risks depend.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from marbledx._format import percent, quoted
from marbledx.advice import (
    SUPPORTED_INHERITANCE,
    CarePlan,
    DiseaseRisk,
    build_care_plan,
    counselling_report,
    resolve_disease,
)
from marbledx.advice._counsel_text import DE_NOVO_SEED, MOSAICISM_2023
from marbledx.advice._risk import couple_in_file, first_affected_parents
from marbledx.errors import InputError
from marbledx.findings import (
    Case,
    Finding,
    LabInterpretation,
    LabReport,
    Pedigree,
    TestResult,
    interpret_labs,
    lab_findings,
    lab_report,
    parse_lab_value,
    prepare_lab_findings,
    read_case_file,
    read_labs_csv,
    read_ped,
    read_test_results,
)
from marbledx.genotype import GenotypeOptions, GenotypeReader
from marbledx.knowledge import EntityGroup, Inheritance, KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.ranking import CaseResult, Ranker
from marbledx.report._family import FamilySummary, family_summary
from marbledx.report._inheritance import HPO_MODES, InheritanceOption, inheritance_options, mode_text

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
    # The HPO labels of the case's findings, from the release the analysis used.
    finding_labels: dict[str, str] = field(default_factory=dict)
    # The paths of the files the analysis read, as given (the phenopacket, VCF, PED, lab CSV, ClinVar and gene
    # tables). Not part of the JSON: the HTML/PDF reports use them to name each file by its name only, since a
    # folder may name the patient (docs/reports.md), and a message may name a file no JSON field does.
    input_paths: tuple[str, ...] = ()

    def findings(self, hpo: Hpo | None = None) -> list[dict[str, Any]]:
        """The findings used, with where each came from (entered, plain words or a lab value)."""
        rows = []
        for finding in self.case.findings:
            label = (
                hpo.ontology.label(finding.hpo_id)
                if hpo is not None
                else self.finding_labels.get(finding.hpo_id)
            )
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
                "notes": [*self.notes, *self.result.notes],  # the input mapping (--text) leads
                "warnings": self.result.warnings,
                "disclaimer": DISCLAIMER,
            }
        )
        if self.counselling is not None:
            data["counselling"] = self.counselling
        return data


# The --inheritance values of 'marbledx risk', for the hint when a diagnosis has several modes.
_MODE_FLAGS = {
    Inheritance.AUTOSOMAL_RECESSIVE: "AR",
    Inheritance.AUTOSOMAL_DOMINANT: "AD",
    Inheritance.X_LINKED_RECESSIVE: "XLR",
}


def _version() -> str:
    from marbledx import __version__

    return __version__


def _needs_warning(row: LabInterpretation) -> str:
    """A lab value left uninterpreted for want of the age or sex, saying what the case can give instead.

    ``analyze`` has no ``--age``/``--sex`` (the phenopacket holds them), so the warning names only what the
    value, the CSV or the case itself can carry.
    """
    value = row.value
    if row.needs == "age":
        how = "give the age at the test with the value (e.g. 'age=P6M', or an age column in the CSV) or in the case"
    else:
        how = "give the laboratory's interval with the value (e.g. 'low=… high=…') or the patient's sex in the case"
    return (
        f"{value.source}: {value.analyte} not interpreted; its reference interval depends on {row.needs}, "
        f"which is not known ({how})"
    )


def _value_where(text: object) -> str:
    """How an error names one of ``lab_values``: cut short as the lab code quotes a value, since a pasted
    10,000-digit number must not fill the screen. Not a string, it is named as it is (``--value None``)."""
    return f"--value {quoted(text) if isinstance(text, str) else repr(text)}"


def _optional_path(value: object, name: str, what: str) -> Path | None:
    """``value`` (the ``vcf``, ``ped`` or ``labs`` argument) as a path; anything else is an :class:`InputError`
    naming the argument, where ``Path(5)`` raised a TypeError."""
    if value is None:
        return None
    if not isinstance(value, str | Path):
        msg = f"{name}: expected {what} path (str or Path), found {type(value).__name__}"
        raise InputError(msg)
    return Path(value)


def _input_paths(
    source: Case | str | Path, case: Case, options: GenotypeOptions, labs: Path | None
) -> tuple[str, ...]:
    """The paths of the files an analysis read, each as given and as :class:`Path` writes it (messages use
    both), for the reports to show by file name only."""
    given: list[str | Path | None] = [
        source if isinstance(source, str | Path) else None,
        case.input,
        options.vcf,
        options.ped,
        options.clinvar,
        options.genes_bed,
        labs,
        *(entry.path for entry in case.genomic_files),
    ]
    return tuple(dict.fromkeys(str(path) for path in given if path is not None and str(path)))


def _with_labs(
    case: Case,
    labs: Path | None,
    texts: list[str],
    hpo: Hpo,
    *,
    exclusions: bool,
) -> tuple[Case, LabReport | None]:
    """The case with every lab value (its phenopacket's, the CSV's and ``--value``'s) interpreted together.

    All values are interpreted in one pass, so same-date rules combine values from every source and a low
    haemoglobin anywhere overrides a normal one elsewhere. They are read leniently, as ``rank`` reads a
    phenopacket's measurements: a value whose interval needs an unknown age or sex is a warning, never an
    error. ``exclusions=False`` keeps normal values from excluding terms (a transfused infant's normal
    haemoglobin does not rule out anaemia). The lab findings the phenopacket reader added are replaced.
    """
    # A row marbledx does not interpret (another analyte, "<5", a haemolysed sample) is a warning, as in
    # ``marbledx labs``: one such row of a laboratory's export must not refuse the whole analysis.
    skipped: list[str] = []
    extra = [*(read_labs_csv(labs, skipped=skipped) if labs is not None else [])]
    extra.extend(parse_lab_value(text, where=_value_where(text)) for text in texts)
    values = [*case.labs, *extra]
    if not values:
        return case, None
    table = lab_report(values, age_days=case.age_days, sex=case.sex, exclusions=exclusions, strict=False)
    kept = [f for f in case.findings if f.source != "lab"]
    entered = [(f.hpo_id, f.excluded, f.source) for f in kept]
    warnings = list(case.warnings)
    if case.labs:
        # The phenopacket reader merged its measurements' terms (with exclusions) and warned about conflicts
        # with the entered findings; those warnings are replaced by the ones of the merge below.
        rows = interpret_labs(case.labs, age_days=case.age_days, sex=case.sex, strict=False)
        _, replayed = prepare_lab_findings(
            hpo.ontology, lab_findings(rows), entered, where=f"{case.input}: measurements"
        )
        stale = set(replayed)
        warnings = [w for w in warnings if w not in stale]
    where = "lab values" if extra else f"{case.input}: measurements"
    triples, merged = prepare_lab_findings(hpo.ontology, table.findings, entered, where=where)
    findings = (*kept, *(Finding(term, excluded, source) for term, excluded, source in triples))
    if not any(not f.excluded for f in findings):
        msg = f"{case.input}: the case has no observed phenotypic features; expected at least one HPO term"
        raise InputError(msg)
    uninterpreted = [_needs_warning(row) for row in table.rows[len(case.labs) :] if row.needs]
    case = replace(
        case,
        findings=findings,
        labs=tuple(values),
        warnings=tuple(dict.fromkeys([*warnings, *skipped, *merged, *uninterpreted])),
    )
    return case, table


# Only to check that a new variant is what the pedigree lacks: any rate above 0 makes a de novo child possible
# in the model, and the figures computed with it are not used (no rate is sourced for a dominant form).
_CHECK_MUTATION_RATE = 1e-6


def _new_in_child(
    pedigree: Pedigree, disease: DiseaseRisk, couple: tuple[str, str] | None = None
) -> tuple[str, str, str] | None:
    """(child, father, mother) when a dominant model without new variants fails because an affected person's
    parents both tested negative for the variant, and allowing new variants makes the pedigree fit.

    The variant was then not found in either parent: it is new in the child, or in some of a parent's eggs or
    sperm (germline mosaicism, which no figure of the model covers). Anything else the pedigree gets wrong
    (a test that contradicts a status, say) is not explained by a new variant, and gives None. With a
    ``couple`` (the one whose next child is asked about), only that couple's child counts: the reason says
    what the chance for another child of the tested parents is, which is not the question for another couple
    (an adult proband's own next child, whose chance from an affected parent is not lowered by a new variant).
    """
    model = disease.model
    if model.inheritance is not Inheritance.AUTOSOMAL_DOMINANT or model.mutation_rate > 0.0:
        return None
    tests = read_test_results(pedigree)
    found: tuple[str, str, str] | None = None
    for person in pedigree.individuals:
        father, mother = person.father, person.mother
        if (
            person.affected is True
            and father is not None
            and mother is not None
            and tests.get(father) is TestResult.NONCARRIER
            and tests.get(mother) is TestResult.NONCARRIER
        ):
            found = (person.id, father, mother)
            break
    if found is None or (couple is not None and set(couple) != set(found[1:])):
        return None
    try:
        counselling_report(
            pedigree,
            replace(disease, model=replace(model, mutation_rate=_CHECK_MUTATION_RATE)),
            couple=couple,
        )
    except InputError:
        return None
    return found


def _de_novo_counselling(
    ped: Path,
    query: str,
    disease: DiseaseRisk,
    found: tuple[str, str, str],
    for_diagnosis: dict[str, Any],
    options: list[InheritanceOption],
    plan: CarePlan,
) -> tuple[dict[str, Any], list[str]]:
    """No figures, and why, for a dominant variant that neither tested parent has (docs/reports.md).

    De novo variants occur in ADO (reference §4.1, seed:004). A parent's negative blood test does not rule out
    germline mosaicism (Hum Genomics 2023, PMID:37798624), which keeps the chance for another child above zero,
    and no figure fits every family (docs/counselling.md, "The advice text"), so none is made up here.
    """
    child, father, mother = found
    # The reference's de novo fact is about ADO (§4.1): it is cited for the dominant osteopetrosis forms only.
    entity = disease.entity
    ado = entity is not None and entity.group is EntityGroup.OSTEOPETROSIS
    seed = f" (de novo variants occur in ADO, {DE_NOVO_SEED})" if ado else ""
    reason = (
        f"no recurrence risks are given: the {query} variant was not found in either parent of {child} "
        f"({father} and {mother} tested noncarrier), so it is probably new in {child}{seed}. The chance for "
        f"another child of {father} and {mother} is lower than if a "
        "parent carried it, but not zero, because a negative blood test does not rule out the variant in some "
        f"of a parent's eggs or sperm (germline mosaicism, {MOSAICISM_2023}); the risk model has no figure for "
        f"that. 'marbledx risk --ped FILE --disease {query} --mutation-rate MU' computes the other figures for a "
        "stated rate of new variants, without germline mosaicism"
    )
    shown = [o for o in options if o.disease_id == plan.diagnosis_id]
    data = {
        "for_diagnosis": for_diagnosis,
        "risks_given": False,
        "reason": reason[0].upper() + reason[1:] + ".",
        "new_in_child": {"child": child, "father": father, "mother": mother},
        "inheritance": disease.model.inheritance.value,
        "inheritance_options": [o.to_dict() for o in shown],
        "pedigree": str(ped),
        "sources": sorted({*([DE_NOVO_SEED] if ado else []), MOSAICISM_2023, *disease.sources}),
    }
    return data, [f"counselling: {reason}"]


# How the couple whose next child the risks are for was chosen (the counselling JSON's couple.chosen_by):
# named by the user, the engine's default (the parents of the first affected person with both parents in the
# file), or the affected proband and their one partner in the file (an adult asking about their own children).
CoupleBasis = Literal["stated", "affected_child", "proband_partner"]


def _checked_couple(value: object) -> tuple[str, str] | None:
    """The ``couple`` argument as (FATHER, MOTHER); anything else is an :class:`InputError` naming it. Its ids
    are checked against the PED file when the file is read."""
    if value is None:
        return None
    if (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(isinstance(name, str) and name.strip() for name in value)
    ):
        return value[0], value[1]
    found = f"the string {quoted(value)}" if isinstance(value, str) else type(value).__name__
    msg = f"couple: expected two individual ids of the PED file, (FATHER, MOTHER) such as ('DAD', 'MUM'), found {found}"
    raise InputError(msg)


def _proband_couple(pedigree: Pedigree, proband: str | None) -> tuple[tuple[str, str] | None, str | None]:
    """The couple of an affected proband and their one partner in the file, or why there is none.

    Asked only when no affected person has both parents in the file (the engine's default): an adult patient's
    file holds the patient, a partner and perhaps children, but not the patient's own parents. A PED file shows
    a partner only as the other parent of a child, so the partners are the co-parents of the proband's
    children; with exactly one, the couple is (father, mother) of those children. With none or several the
    choice is the user's (``--couple``), and the reason says so; (None, None) when the proband is not an
    affected person of the file, where the engine's own message asks for a couple.
    """
    person = pedigree.get(proband) if proband else None
    if person is None or person.affected is not True:
        return None, None
    pairs = dict.fromkeys(
        (child.father, child.mother)
        for child in pedigree.individuals
        if proband in (child.father, child.mother) and child.father is not None and child.mother is not None
    )
    if len(pairs) == 1:
        father, mother = next(iter(pairs))
        assert father is not None  # the pairs were filtered for both parents
        assert mother is not None
        return (father, mother), None
    where = (
        f"{pedigree.path}: no affected individual has both parents in the file, and the proband {proband!r}"
    )
    if not pairs:
        return None, (
            f"{where} has no partner in it (the other parent of a child of theirs); name the partner with "
            "--couple FATHER,MOTHER (a partner may be listed without a child)"
        )
    partners = sorted({name for pair in pairs for name in pair if name != proband})
    return None, (
        f"{where} has children with {len(partners)} partners in it ({', '.join(partners)}); choose whose next "
        "child to compute with --couple FATHER,MOTHER"
    )


def _couple_text(couple: tuple[str, str], basis: CoupleBasis, proband: str | None, pedigree: Pedigree) -> str:
    """Which couple the figures are for, and why (the first assumption of the clinician report's counselling).
    No flag is written with its dashes: the report marks assumptions naming a flag as 'marbledx risk' flags."""
    father, mother = couple
    if basis == "stated":
        why = "the couple named for this analysis"
        if proband in couple:
            why += f", of whom {proband} is the proband (the patient)"
    elif basis == "proband_partner":
        partner = mother if father == proband else father
        why = (
            f"the affected proband {proband} and {partner}, the other parent of {proband}'s children in the "
            "file. No affected person in the file has both parents given, so the proband's own next child is "
            "computed (the default; the couple option names another couple)"
        )
    else:
        child = next(
            (p.id for p in pedigree.individuals if p.affected and (p.father, p.mother) == couple), None
        )
        of = f"the parents of {child}, " if child is not None else "the parents of "
        why = (
            f"{of}the first affected person in the file with both parents given (the default; the couple option "
            "names another couple)"
        )
    return f"The figures are for the next child of {father} (father) and {mother} (mother): {why}."


def _marbledx_risk_flags(text: str) -> str:
    """The hint that the flags an engine message names are those of 'marbledx risk', when it names any that
    analyze does not have (analyze has --couple)."""
    flags = set(re.findall(r"--[a-z][a-z-]*", text)) - {"--couple"}
    return " (the flags named are those of 'marbledx risk')" if flags else ""


def _shared_mode(options: Sequence[InheritanceOption]) -> Inheritance | None:
    """The one mode of inheritance every leading option has (each with that single mode), else None."""
    modes = {option.modes for option in options}
    if len(modes) != 1:
        return None
    (only,) = modes
    return only[0] if len(only) == 1 else None


def _unconfirmed_reason(query: str, probability: float, options: Sequence[InheritanceOption]) -> str:
    """Why an unconfirmed diagnosis gets no recurrence figures, also when every leading option has one mode.

    A shared mode says how the condition would be passed on if one of the options is confirmed, not what this
    family's figures are: the figures hold only if the diagnosis is right (the leading options are not the
    whole differential, and a finding-based posterior is not a confirmation), and they depend on the form as
    well as the mode (ADO2's penetrance is 0.66, PMID:12929941; two CLCN7 variants cause OPTB4, not ADO2; a
    carrier of an OPTB6 variant may have ADO3). So none are given before the genotype supports the diagnosis
    (docs/reports.md), and the reason says so rather than that the mode is unknown, naming the command that
    computes them conditional on the leading diagnosis.
    """
    head = (
        f"no recurrence risks are given: the leading diagnosis {query} ({percent(probability)}) is not "
        "confirmed by the genotype"
    )
    shared = _shared_mode(options)
    if shared is None:
        return f"{head}, and the family's risks depend on which diagnosis is confirmed"
    which = (
        f"{query} is {mode_text(shared)}"
        if len(options) == 1
        else f"every leading option ({', '.join(o.name for o in options)}) is {mode_text(shared)}"
    )
    text = (
        f"{head}. {which[0].upper() + which[1:]}, but figures for this family would hold only if the "
        "diagnosis is right, and they depend on the form as well as the mode (its penetrance, and what one or "
        "two changed copies of its gene cause). A gene test that confirms the diagnosis gives them"
    )
    if shared not in SUPPORTED_INHERITANCE:
        return f"{text}; the risk model does not compute {mode_text(shared)} inheritance"
    # A diagnosis outside the knowledge base (no subtype) needs its mode stated to 'marbledx risk'.
    leading = next((o for o in options if query in (o.subtype, o.disease_id)), None)
    stated = f" --inheritance {_MODE_FLAGS[shared]}" if leading is None or leading.subtype is None else ""
    return (
        f"{text}; until then 'marbledx risk --ped FILE --disease {query}{stated}' computes them conditional on "
        f"{query}, for the genetic counsellor to weigh"
    )


def _parents_tested(ped: Path, proband: str | None) -> dict[str, TestResult] | None:
    """Both parents' genetic test results (PED column 7) when the file holds the proband and both parents with
    one; ``None`` otherwise."""
    pedigree = read_ped(ped)
    if not proband or pedigree.get(proband) is None:
        return None
    father, mother = pedigree.parents_of(proband)
    results = read_test_results(pedigree)
    if father is None or mother is None or father not in results or mother not in results:
        return None
    return {father: results[father], mother: results[mother]}


def _with_parents_tested(plan: CarePlan, tested: dict[str, TestResult]) -> CarePlan:
    """The plan's confirmation items, which ask to "test both parents", with the parents' results that the PED file
    already gives (and the counselling figures use): the test is not left as one still to do."""
    done = "; ".join(f"{person}: {result.value}" for person, result in tested.items())
    note = (
        f" The PED file already gives both parents' test results ({done}), which the counselling uses: check that"
        " they were tests for these variants rather than testing the parents again."
    )
    tests = [
        replace(t, text=t.text + note) if t.kind == "confirmation" and "both parents" in t.text else t
        for t in plan.tests
    ]
    return replace(plan, tests=tests)


def _counselling(
    ped: Path,
    plan: CarePlan,
    options: list[InheritanceOption],
    kb: KnowledgeBase,
    hpo: Hpo,
    *,
    couple: tuple[str, str] | None = None,
    proband: str | None = None,
    parents_related: bool = False,
) -> tuple[dict[str, Any] | None, list[str]]:
    """Pedigree risks for the plan's diagnosis when the genotype supports it; otherwise why not, with the modes
    of the leading options, so that no recurrence figure rests on an unconfirmed diagnosis.

    ``couple`` is whose next child to compute (its ids are checked against the file even when no risk is
    computed); by default the engine's (the parents of the first affected person with both parents in the
    file), else the affected ``proband`` and their one partner in the file (:func:`_proband_couple`).
    ``parents_related`` is the case's family history (``--consanguineous``, the web case's box): the
    patient's parents are related. It is stated to the engine when the couple is the ``proband``'s parents
    in the file, or, with the proband not in the file, the engine's default couple (the parents of the first
    affected person); the engine then assumes first cousins where the common ancestors are not in the file.
    """
    pedigree = read_ped(ped)  # read even when no risk is computed: a broken file is reported now
    if couple is not None:
        couple = couple_in_file(pedigree, couple)
    query = plan.subtype or plan.diagnosis_id
    if query is None:
        return None, ["counselling: no diagnosis to compute risks for"]
    confirmed = plan.certainty == "genotype_supported"
    for_diagnosis = {"disease_id": plan.diagnosis_id, "subtype": plan.subtype, "confirmed": confirmed}
    entity = kb.get(plan.subtype) if plan.subtype else None
    several = (
        [m for m in entity.inheritance.modes if m in SUPPORTED_INHERITANCE]
        if entity is not None and not entity.inheritance.unverified
        else []
    )
    if not confirmed or len(several) > 1:
        if not confirmed:
            shown = options
            reason = _unconfirmed_reason(query, plan.probability, options)
        else:
            shown = [o for o in options if o.disease_id == plan.diagnosis_id]
            reason = (
                f"no recurrence risks are given: {query} is reported as "
                f"{' or '.join(mode_text(m) for m in several)}, and which mode applies in this family is not "
                f"settled; 'marbledx risk --ped FILE --disease {query} --inheritance "
                f"{'|'.join(_MODE_FLAGS[m] for m in several)}' computes them for a stated mode"
            )
        modes = "; ".join(
            f"{o.subtype or o.disease_id} ({percent(o.probability)}): "
            + (" or ".join(mode_text(m) for m in o.modes) or "mode not known")
            for o in shown
        )
        data = {
            "for_diagnosis": for_diagnosis,
            "risks_given": False,
            "reason": reason[0].upper() + reason[1:] + ".",
            "inheritance_options": [o.to_dict() for o in shown],
            "pedigree": str(ped),
            "sources": sorted({s for o in shown for s in o.sources}),
        }
        return data, [f"counselling: {reason} (modes: {modes})"]
    inheritance = None
    if entity is None and plan.diagnosis_id is not None:
        # Outside the knowledge base, the HPO annotation's single Mendelian mode is used, if it has one.
        terms = (
            set(hpo.annotations.inheritance(plan.diagnosis_id))
            if plan.diagnosis_id in hpo.annotations
            else set()
        )
        mendelian = {
            mode for term, mode in HPO_MODES.items() if term in terms and mode in SUPPORTED_INHERITANCE
        }
        if len(mendelian) == 1:
            inheritance = mendelian.pop()
    basis: CoupleBasis = "stated"
    chosen = couple
    if chosen is None:
        chosen = first_affected_parents(pedigree)
        basis = "affected_child"
    if chosen is None:
        chosen, problem = _proband_couple(pedigree, proband)
        basis = "proband_partner"
        if problem is not None:
            return None, [f"counselling: not computed: {problem}"]
    disease = None
    try:
        disease = resolve_disease(kb, query, inheritance=inheritance)
        # The engine's own default is left to it (chosen is then its default couple, or None with its message).
        proband_parents = set(pedigree.parents_of(proband)) if proband and pedigree.get(proband) else None
        stated = parents_related and (
            chosen is not None and set(chosen) == proband_parents
            if proband_parents is not None
            else basis == "affected_child"
        )
        report = counselling_report(
            pedigree,
            disease,
            couple=None if basis == "affected_child" else chosen,
            consanguineous=True if stated else None,
        )
    except InputError as exc:
        # Both parents of a dominant child tested negative: the model (no new variants) cannot fit, and the
        # reason is told to the clinician and the family, not only as the engine's error.
        found = _new_in_child(pedigree, disease, chosen) if disease is not None else None
        if found is not None and disease is not None:
            return _de_novo_counselling(ped, query, disease, found, for_diagnosis, options, plan)
        text = " ".join(str(exc).split())
        # The engine's messages may name flags of 'marbledx risk' that analyze does not have.
        return None, [f"counselling: not computed: {text}{_marbledx_risk_flags(text)}"]
    risks: dict[str, Any] = report.to_dict()
    risks["for_diagnosis"] = for_diagnosis
    risks["risks_given"] = True
    # Who the figures are for: the family summary speaks to an adult proband of the couple as "you".
    listed = proband if proband is not None and pedigree.get(proband) is not None else None
    risks["proband"] = listed
    risks["couple"]["chosen_by"] = basis
    father, mother = report.risk.couple
    risks["assumptions"] = [_couple_text((father, mother), basis, listed, pedigree), *risks["assumptions"]]
    return risks, []


def analyze(
    source: Case | str | Path,
    *,
    hpo: Hpo,
    kb: KnowledgeBase,
    vcf: str | Path | None = None,
    ped: str | Path | None = None,
    couple: tuple[str, str] | None = None,
    labs: str | Path | None = None,
    lab_values: list[str] | None = None,
    genotype: GenotypeOptions | None = None,
    top: int = 10,
    strict: bool = True,
    exclusions: bool = True,
    ranker: Ranker | None = None,
    version: str | None = None,
    input_notes: Sequence[str] = (),
) -> AnalysisReport:
    """Analyse one patient: rank with phenotype (+ labs) and genotype, then plan care and counselling.

    ``source`` is a phenopacket path or a :class:`Case`. ``vcf``/``ped`` override the phenopacket's files;
    ``genotype`` carries the other VCF options (sample, build, ClinVar, gene table). Lab values (the
    phenopacket's ``measurements``, ``labs`` and ``lab_values``) are read leniently: one whose interval needs
    an unknown age or sex is a warning. ``exclusions=False`` keeps normal lab values from excluding terms
    (``marbledx labs --no-exclusions``). Recurrence risks are computed from ``ped`` only when the genotype
    supports the diagnosis, for the next child of ``couple`` (FATHER, MOTHER: two ids of the PED file, as
    ``marbledx risk --couple``). Without it they are for the parents of the first affected person with both
    parents in the file, or else for the affected proband (the genotype ``sample`` or the case's subject id)
    and their one partner in the file; with several partners a note asks for the couple. ``input_notes`` say
    how the case was read (``marbledx analyze --text`` gives the mapping of the words to HPO terms); they lead
    the report's notes, so that the clinician can check what was read. Raises
    :class:`~marbledx.errors.InputError` with a one-line message for bad input.
    """
    if not isinstance(source, Case | str | Path):
        msg = f"source: expected a phenopacket path (str or Path) or a Case, found {type(source).__name__}"
        raise InputError(msg)
    if lab_values is not None and not isinstance(lab_values, list | tuple):
        # A single string would be read as a list of its characters.
        msg = (
            "lab_values: expected a list of strings ANALYTE=VALUE UNIT such as ['hemoglobin=8 g/dL'], "
            f"found {type(lab_values).__name__}"
        )
        raise InputError(msg)
    vcf, ped, labs = (
        _optional_path(value, name, what)
        for value, name, what in (
            (vcf, "vcf", "a VCF/BCF file"),
            (ped, "ped", "a PED file"),
            (labs, "labs", "a CSV file"),
        )
    )
    couple = _checked_couple(couple)
    if couple is not None and ped is None:
        msg = "couple: names two people of the family's PED file; give ped with it"
        raise InputError(msg)
    case = source if isinstance(source, Case) else read_case_file(Path(source), hpo.ontology, strict=strict)
    case, table = _with_labs(case, labs, list(lab_values or []), hpo, exclusions=exclusions)
    lab_rows = [row.to_dict() for row in table.rows] if table is not None else []
    lab_notes = [f"labs: {note}" for note in table.notes] if table is not None else []
    options = replace(genotype or GenotypeOptions(), vcf=vcf or (genotype.vcf if genotype else None))
    if ped is not None:
        options = replace(options, ped=ped)
    engine = ranker or Ranker(hpo, kb)
    calls = GenotypeReader(options).read(case) if (options.vcf or case.genomic_files) else None
    result = engine.report(engine.analyse(case, genotype=calls), top=top)
    # The ranking already carries the case's warnings; each is shown once.
    result = replace(result, warnings=list(dict.fromkeys([*case.warnings, *result.warnings])))
    plan = build_care_plan(result, case, kb, hpo.ontology)
    leading = inheritance_options(plan, kb, hpo, result)
    counselling = None
    tested: dict[str, TestResult] | None = None
    notes: list[str] = [*input_notes, *lab_notes]
    if ped is not None:
        # The proband as the genotype reader finds it in the PED file: the VCF sample, else the subject id.
        proband = options.sample or case.subject_id
        counselling, counselling_notes = _counselling(
            ped,
            plan,
            leading,
            kb,
            hpo,
            couple=couple,
            proband=proband,
            parents_related=case.family.consanguineous,
        )
        notes.extend(counselling_notes)
        tested = _parents_tested(ped, proband)
        if tested is not None:
            plan = _with_parents_tested(plan, tested)
    return AnalysisReport(
        case=case,
        result=result,
        care_plan=plan,
        family=family_summary(
            plan,
            kb,
            options=leading,
            counselling=counselling,
            pedigree_given=ped is not None,
            age_days=case.age_days,
            parents_tested=tested is not None,
        ),
        hpo_release=hpo.version,
        marbledx_version=version or _version(),
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        labs=lab_rows,
        counselling=counselling,
        notes=notes,
        finding_labels={
            f.hpo_id: hpo.ontology.label(f.hpo_id) for f in case.findings if f.hpo_id in hpo.ontology
        },
        input_paths=_input_paths(source, case, options, labs),
    )
