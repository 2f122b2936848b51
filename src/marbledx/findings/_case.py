"""The patient case: findings, age, sex and family history, independent of where they came from."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from marbledx._format import quoted
from marbledx.errors import InputError, UnknownTermError
from marbledx.ontology import PHENOTYPIC_ABNORMALITY_ID, Ontology

if TYPE_CHECKING:
    # Only for the annotation: _labs imports this module at run time.
    from marbledx.findings._labs import LabValue

__all__ = [
    "MAX_FINDINGS",
    "Case",
    "FamilyHistory",
    "Finding",
    "GenomicFile",
    "normalise_findings",
    "parse_iso_age",
]

Sex = Literal["female", "male"]

_NUMBER = r"\d+(?:\.\d+)?"
# ISO 8601 durations in years, months, weeks and days, with an optional time part in hours, minutes and
# seconds (a newborn's age is often written "PT12H"); a comma is ISO's other decimal sign ("P1,5Y").
_ISO_DURATION = re.compile(
    rf"P(?:(?P<y>{_NUMBER})Y)?(?:(?P<m>{_NUMBER})M)?(?:(?P<w>{_NUMBER})W)?(?:(?P<d>{_NUMBER})D)?"
    rf"(?:T(?:(?P<h>{_NUMBER})H)?(?:(?P<min>{_NUMBER})M)?(?:(?P<s>{_NUMBER})S)?)?",
    re.ASCII,  # ISO 8601 digits are 0-9; \d alone would also take other scripts' digits (Arabic-Indic ones)
)
_WELL_FORMED_ID = re.compile(r"HP:\d{7}", re.ASCII)
_ROOT_ID = "HP:0000001"
_DAYS_PER_YEAR = 365.25
# An age above this is a typing or date error, not a patient.
MAX_AGE_YEARS = 130
_DAYS_PER_MONTH = _DAYS_PER_YEAR / 12
# The most distinct findings (observed and excluded) of one case. A patient has tens; the ranking costs about a
# millisecond per finding, so a pasted list of every HPO term (16,000 ids: 18 s) is refused instead.
MAX_FINDINGS = 1_000


def parse_iso_age(text: str, *, where: str = "--age") -> float:
    """Age in days from an ISO 8601 duration such as ``P8M``, ``P2Y6M``, ``P10D``, ``PT12H`` or ``P1,5Y``.

    Raises :class:`InputError` naming ``where`` and the expected form; the text is quoted cut short, so that a
    pasted page in an age field makes a one-line error, not a page.
    """
    value = text.strip().upper().replace(",", ".")
    match = _ISO_DURATION.fullmatch(value)
    if (
        not value
        or value in {"P", "PT"}
        or value.endswith("T")
        or match is None
        or not any(match.groupdict().values())
    ):
        msg = (
            f"{where}: {quoted(text)} is not an ISO 8601 age; expected a duration such as P8M, P2Y6M or P10D"
        )
        raise InputError(msg)
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    days = (
        parts.get("y", 0.0) * _DAYS_PER_YEAR
        + parts.get("m", 0.0) * _DAYS_PER_MONTH
        + parts.get("w", 0.0) * 7
        + parts.get("d", 0.0)
        + parts.get("h", 0.0) / 24
        + parts.get("min", 0.0) / 1440
        + parts.get("s", 0.0) / 86400
    )
    if days > MAX_AGE_YEARS * _DAYS_PER_YEAR:
        msg = f"{where}: {quoted(text)} is older than {MAX_AGE_YEARS} years; expected a patient's age"
        raise InputError(msg)
    return days


@dataclass(frozen=True)
class Finding:
    """One phenotypic finding as entered, after obsolete-id replacement."""

    hpo_id: str
    excluded: bool = False
    source: str = "entered"  # entered | text | lab
    original_id: str | None = None  # set when an obsolete or alternative id was replaced


@dataclass(frozen=True)
class FamilyHistory:
    consanguineous: bool = False
    affected_parent: bool = False
    affected_sibling: bool = False

    @property
    def any(self) -> bool:
        return self.consanguineous or self.affected_parent or self.affected_sibling


@dataclass(frozen=True)
class GenomicFile:
    """A variant file named by a phenopacket's ``files`` (already resolved to a local path)."""

    path: str
    genome_assembly: str | None = None  # fileAttributes.genomeAssembly as written (e.g. GRCh38, hg19)
    sample: str | None = None  # the VCF sample of the proband, from individualToFileIdentifiers


@dataclass(frozen=True)
class Case:
    """Everything the ranking needs about one patient. Holds no names or other identifiers beyond ``case_id``."""

    case_id: str
    input: str
    findings: tuple[Finding, ...]
    age_days: float | None = None
    sex: Sex | None = None
    family: FamilyHistory = field(default_factory=FamilyHistory)
    warnings: tuple[str, ...] = ()
    subject_id: str | None = None
    genomic_files: tuple[GenomicFile, ...] = ()
    labs: tuple[LabValue, ...] = ()  # lab values as entered; their HPO terms are in findings (source "lab")
    # The latest onset of an observed finding or disease that the phenopacket gives, in days.
    onset_days: float | None = None
    # A lower bound on the age at last encounter, in days, when the phenopacket gives that time only as an HPO
    # onset class (its lower bound) or a gestational age (0 days: not yet born). For the ranking only: it is
    # not an age, so age_days stays unknown for the labs and the care plan.
    encounter_lower_bound_days: float | None = None

    @property
    def ranking_age_days(self) -> float | None:
        """The age the ranking weighs onsets against: the age at last encounter, else the latest lower bound
        on it that the case gives (the latest onset, or the lower bound of an onset class or gestational age
        given as the time at last encounter), else None.

        A patient is at least as old as the onset of each of their findings and as the lower bound of the
        class their last encounter falls in, so the largest of these is the tightest lower bound on the age
        that the case gives (docs/engine.md, "Age, sex and family history").
        """
        if self.age_days is not None:
            return self.age_days
        bounds = [d for d in (self.onset_days, self.encounter_lower_bound_days) if d is not None]
        return max(bounds) if bounds else None

    @property
    def observed(self) -> tuple[str, ...]:
        return tuple(f.hpo_id for f in self.findings if not f.excluded)

    @property
    def excluded(self) -> tuple[str, ...]:
        return tuple(f.hpo_id for f in self.findings if f.excluded)


def _implied_indices(ontology: Ontology, observed: list[Finding]) -> set[int]:
    """Indices of the observed findings and all their ancestors."""
    return {int(i) for f in observed for i in ontology.ancestor_indices(ontology.index(f.hpo_id))}


def normalise_findings(
    ontology: Ontology,
    raw: list[tuple[str, bool, str]],
    *,
    where: str,
    strict: bool = True,
    fields: Sequence[str] | None = None,
) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
    """Resolve (id, excluded, source) triples against the ontology.

    Obsolete and alternative ids are replaced (with a warning naming old and new). Unknown ids raise an
    :class:`InputError` naming the id, or with ``strict=False`` are dropped with a warning naming them (the
    lenient policy for batches coded with a newer HPO release). A term outside Phenotypic abnormality (a mode
    of inheritance, an onset, a frequency) is not a finding and is rejected the same way. A term both
    observed and excluded is a contradiction and is rejected, and so is an excluded term that is an ancestor
    of an observed one (an observed finding implies its ancestors); where a lab-derived term is one side of
    such a pair, the lab term is dropped with a warning, and with ``strict=False`` the excluded broader term
    is dropped with a warning (a hierarchy that changed between HPO releases makes such pairs). Duplicates are
    merged. More than :data:`MAX_FINDINGS` distinct findings is an :class:`InputError` whatever the policy.

    ``fields`` names where each of ``raw`` came from (``phenotypicFeatures[2].type.id``), in the same order;
    an error about a finding then names its field (or the fields of a contradicting pair) after ``where``.
    Warnings keep their wording: reports and scripts quote them.
    """
    if fields is not None and len(fields) != len(raw):
        msg = f"fields: {len(fields)} names for {len(raw)} findings; expected one per finding"
        raise ValueError(msg)

    def at(index: int | None) -> str:
        """``where``, with the field of ``raw[index]`` when ``fields`` names it."""
        return f"{where}: {fields[index]}" if fields is not None and index is not None else where

    findings: dict[tuple[str, bool], Finding] = {}
    origin: dict[tuple[str, bool], int] = {}  # the index in raw that each finding was first given at
    warnings: list[str] = []
    dropped: list[str] = []  # observed ids dropped under the lenient policy, with why
    for index, (term_id, excluded, source) in enumerate(raw):
        try:
            current = ontology.resolve(term_id)
        except UnknownTermError as exc:
            if strict:
                msg = f"{at(index)}: {exc}"
                if _WELL_FORMED_ID.fullmatch(term_id.strip().upper()) and not ontology.is_obsolete(
                    term_id.strip()
                ):
                    # Most such ids in practice are terms added after the installed release.
                    msg += (
                        "; a term newer than this release needs 'marbledx data update' (--lenient drops it)"
                    )
                raise InputError(msg) from None
            warnings.append(f"{where}: {exc} (dropped)")
            if not excluded:
                dropped.append(f"{term_id.strip()} unknown")
            continue
        if not ontology.is_phenotype(current):
            branches = set(ontology.children(_ROOT_ID))
            branch = next(
                (ontology.label(a) for a in (current, *ontology.ancestors(current)) if a in branches), ""
            )
            kind = f" ({branch})" if branch else ""
            # Name the id as the user wrote it when an obsolete or alternative id was replaced.
            given = term_id.strip()
            shown = current if given in ontology else f"{given} (now {current})"
            what = (
                f"{shown} {ontology.label(current)}{kind} is not a phenotypic feature; expected a term "
                f"under {PHENOTYPIC_ABNORMALITY_ID} Phenotypic abnormality (family history and age have their own "
                "fields)"
            )
            if strict:
                msg = f"{at(index)}: {what}"
                raise InputError(msg)
            warnings.append(f"{where}: {what} (dropped)")
            if not excluded:
                dropped.append(f"{given} not a phenotypic feature")
            continue
        # "hp:0011002", "HP_0011002" (the OBO PURL's form) and " HP:0011002 " are the current id written
        # otherwise, not a replaced one: only an id the release knows as obsolete or alternative is replaced.
        original = None if term_id in ontology else term_id.strip()
        if original is not None:
            warnings.append(
                f"{where}: HPO term {original} is obsolete or an alternative id; using {current} ({ontology.label(current)})"
            )
        if (current, excluded) not in findings:
            origin[(current, excluded)] = index
        findings.setdefault((current, excluded), Finding(current, excluded, source, original))
        if len(findings) > MAX_FINDINGS:
            msg = f"{where}: more than {MAX_FINDINGS:,} distinct findings; expected at most {MAX_FINDINGS:,} HPO terms per case"
            raise InputError(msg)
    both = sorted(
        {hpo for hpo, excluded in findings if excluded} & {hpo for hpo, excluded in findings if not excluded}
    )
    if both:
        # The fields of the first such term, observed and excluded, when they are known.
        pair = (
            f"{fields[origin[(both[0], False)]]} and {fields[origin[(both[0], True)]]}: "
            if fields is not None
            else ""
        )
        msg = f"{where}: {pair}{', '.join(both)} is both observed and excluded; expected each finding once"
        raise InputError(msg)
    observed = [f for f in findings.values() if not f.excluded]
    # Every term the observed findings imply (no term is both observed and excluded by now), so that most
    # excluded findings are cleared with one lookup; a case may list dozens of each.
    implied = _implied_indices(ontology, observed)
    for (hpo, excluded), finding in list(findings.items()):
        if not excluded or ontology.index(hpo) not in implied:
            continue
        below = next((o for o in observed if ontology.is_ancestor(hpo, o.hpo_id)), None)
        if below is None:
            continue
        if "lab" in {finding.source, below.source}:
            # A lab value is a measurement, not the user's word: the entered finding wins.
            lab = finding if finding.source == "lab" else below
            del findings[(lab.hpo_id, lab.excluded)]
            other = below if lab is finding else finding
            warnings.append(
                f"{where}: lab finding {lab.hpo_id} ({ontology.label(lab.hpo_id)}) contradicts the "
                f"{'observed' if lab.excluded else 'excluded'} {other.hpo_id} ({ontology.label(other.hpo_id)}); dropped"
            )
            observed = [f for f in findings.values() if not f.excluded]
            implied = _implied_indices(ontology, observed)
            continue
        # The fields of the observed and of the excluded term, when they are known.
        pair = (
            f": {fields[origin[(below.hpo_id, False)]]} and {fields[origin[(hpo, True)]]}"
            if fields is not None
            else ""
        )
        msg = (
            f"{where}{pair}: {below.hpo_id} {ontology.label(below.hpo_id)} is observed but its broader term "
            f"{hpo} {ontology.label(hpo)} is excluded; an observed finding implies its ancestors"
        )
        if finding.source == "text":
            # Words such as "easy bruising +ve, bleeding -ve" say that there is no bleeding other than the
            # bruising: the writer excludes the rest of the broader term, which no HPO term expresses. The words'
            # exclusion gives way to the observed finding, as a lab term does, with a warning.
            del findings[(hpo, True)]
            warnings.append(
                f"{msg}; the exclusion read from the words is dropped (read as none other than the observed finding)"
            )
            continue
        if not strict:
            # The observed, narrower finding is what was seen; the excluded broader term contradicts it in this
            # release's hierarchy only. pyphetools' OntologyQC, which curates the phenopacket-store cases,
            # likewise removes a "negated superclass" of an observed term as an error in the original data
            # (https://github.com/monarch-initiative/pyphetools, src/pyphetools/validation/ontology_qc.py,
            # OntologyQC._fix_conflicts).
            del findings[(hpo, True)]
            warnings.append(f"{msg}; the excluded term is dropped")
            continue
        if fields is not None:
            # A file coded with another HPO release: the term may have moved in the hierarchy since.
            msg += " (--lenient drops the excluded term)"
        raise InputError(msg)
    if not any(not excluded for _, excluded in findings):
        msg = f"{where}: the case has no observed phenotypic features; expected at least one HPO term"
        if dropped:
            # With the lenient policy the user would otherwise not learn why nothing is left.
            msg += f" (dropped: {', '.join(dropped)})"
        raise InputError(msg)
    return tuple(findings.values()), tuple(warnings)
