"""Read GA4GH Phenopacket v2 files (and v2 Family files) into :class:`Case` objects.

Parsing uses the official ``phenopackets`` protobuf classes through ``google.protobuf.json_format``; an
unknown field, a v1 file or invalid JSON is an :class:`InputError` naming the file.
"""

from __future__ import annotations

import json
import os
import re
import stat
import urllib.parse
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import phenopackets
from google.protobuf import json_format

from marbledx._format import age_text, clipped, printable, quoted
from marbledx.errors import InputError
from marbledx.findings._case import (
    MAX_AGE_YEARS,
    Case,
    FamilyHistory,
    GenomicFile,
    Sex,
    normalise_findings,
    parse_iso_age,
)
from marbledx.findings._io import parse_json_object, read_text_file
from marbledx.findings._labs import (
    LabTable,
    LabValue,
    _checked_age_days,
    bundled_lab_table,
    interpret_labs,
    lab_findings,
    make_lab_value,
    prepare_lab_findings,
)
from marbledx.findings._pedigree import MAX_PED_PEOPLE
from marbledx.ontology import ONSET_LOWER_BOUND_DAYS, Ontology

__all__ = [
    "CaseInput",
    "PhenopacketLabs",
    "expand_inputs",
    "peek_case_id",
    "read_case_file",
    "read_phenopacket_labs",
    "scan_inputs",
]

_SUPPORTED_MAJOR = "2"
_SEX = {1: "female", 2: "male"}  # phenopackets Sex enum: 0 unknown, 1 female, 2 male, 3 other
_AFFECTED = phenopackets.Pedigree.Person.AffectedStatus.AFFECTED


class CaseInput(NamedTuple):
    """One input of a batch: a file named or found in a folder, or an input that gives no file (``error``).

    ``notes`` are warnings about the input itself (the same file named twice).
    """

    path: Path
    error: str | None = None
    notes: tuple[str, ...] = ()
    # The input as named, where ``str(path)`` would differ from it: Path("") is ".".
    named: str | None = None

    @property
    def shown(self) -> str:
        """The input as a result names it (the contract's ``input``)."""
        return self.named if self.named is not None else str(self.path)


def _reason(exc: OSError) -> str:
    """An OS error's reason in lower case: "permission denied", "input/output error"."""
    if isinstance(exc, PermissionError):
        return "permission denied"
    return (exc.strerror or str(exc)).lower()


def _folder_files(folder: Path) -> tuple[list[Path], dict[Path, str]]:
    """Every ``*.json`` (any case) below ``folder``, and the folders below it that cannot be listed, each with
    its error.

    Hidden files and folders (``.git``, the ``._x.json`` copies macOS leaves on shared drives) are skipped, and
    links to folders are not followed (no loops); a broken link, or a file that cannot be looked at, is kept,
    so that it is reported rather than silently left out. A folder that cannot be listed is reported too (it
    may hold cases): ``Path.rglob`` would skip it without a word.
    """
    files: list[Path] = []
    unreadable: dict[Path, str] = {}
    pending = [folder]  # a stack, not recursion: a deep tree must not hit Python's recursion limit
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as listing:
                children = list(listing)
        except OSError as exc:
            unreadable[current] = f"{current}: cannot be read ({_reason(exc)}); its files were not ranked"
            continue
        for child in children:
            if child.name.startswith("."):
                continue
            path = current / child.name
            try:
                if child.is_dir(follow_symlinks=False):
                    pending.append(path)
                    continue
            except OSError:
                pass  # cannot tell: treated as a file below
            if not child.name.lower().endswith(".json"):
                continue
            try:
                keep = child.is_file()  # follows a link to its target
            except OSError:
                keep = True  # a link into a folder that cannot be entered: the reader reports it
            if not keep and child.is_symlink():
                keep = not path.exists()  # a broken link
            if keep:
                files.append(path)
    return files, unreadable


def _kind(path: Path) -> str | None:
    """``"folder"`` or ``"file"``; ``None`` when a folder on the path cannot be entered (``stat`` needs only
    that, so permission denied means exactly this). A missing path, or one the system refuses otherwise (a
    name too long), counts as a file: the reader names its error."""
    try:
        mode = path.stat().st_mode
    except PermissionError:
        return None
    except OSError:
        return "file"
    return "folder" if stat.S_ISDIR(mode) else "file"


def scan_inputs(paths: Sequence[str | Path]) -> list[CaseInput]:
    """The files of a batch in the order named, a folder standing for its ``*.json`` files (sorted).

    Each file is read once: a file named twice, or reached through a symbolic link as well, keeps its first
    place with a note. An input that gives no file is an entry with ``error`` set, so that a batch reports it
    and goes on: a folder without such a file, a folder (or subfolder) that cannot be read, a file behind a
    folder that cannot be entered, an empty path, or ``-`` (standard input, not supported).
    """
    entries: list[CaseInput] = []
    first: dict[str, int] = {}  # resolved path -> position in entries

    def add(path: Path, error: str | None = None, *, key: str | None = None) -> None:
        if key is None:
            try:
                key = os.path.realpath(path)
            except OSError:  # the current folder was removed
                key = str(path)
        if key in first:
            index = first[key]
            earlier = entries[index]
            if path != earlier.path:
                note = f"{path}: the same file as {earlier.path}; ranked once"
            else:
                note = f"{path}: named more than once; ranked once"
            if note not in earlier.notes:
                entries[index] = earlier._replace(notes=(*earlier.notes, note))
            return
        first[key] = len(entries)
        entries.append(CaseInput(path, error, named="" if key == "" else None))

    for item in paths:
        path = Path(item)
        if str(item) == "":
            # Path("") is ".": an unset "$DIR" must not rank the whole current folder.
            add(path, "'': an empty path; expected a phenopacket file or folder", key="")
            continue
        if str(item) == "-" and not os.path.lexists(path):
            add(
                path,
                "-: reading a phenopacket from standard input is not supported; expected a file or folder",
            )
            continue
        kind = _kind(path)
        if kind is None:
            add(
                path,
                f"{path}: permission denied; a folder on its path cannot be entered; expected a readable "
                "phenopacket file or folder",
            )
        elif kind == "folder":
            found, unreadable = _folder_files(path)
            if not found and not unreadable:
                add(path, f"{path}: no *.json files found; expected GA4GH Phenopacket v2 JSON files")
            for file in sorted([*found, *unreadable]):
                add(file, unreadable.get(file))
        else:
            add(path)
    return entries


def expand_inputs(paths: Sequence[str | Path]) -> list[Path]:
    """Files named directly, plus every ``*.json`` (any case) below named folders (recursively, sorted), each
    file once (see :func:`scan_inputs`).

    An input that gives no file (an empty folder, a folder that cannot be read, an empty path) is an
    :class:`InputError`: nothing ranked must not look like success.
    """
    files: list[Path] = []
    for entry in scan_inputs(paths):
        if entry.error is not None:
            raise InputError(entry.error)
        files.append(entry.path)
    return files


def peek_case_id(path: Path) -> str | None:
    """The case id a file would have (the phenopacket's ``id``; a Family's proband's), read without
    validating the file, for the error line of a case that cannot be read; ``None`` when it cannot be told."""
    try:
        document = json.loads(read_text_file(path))
    except (InputError, ValueError, RecursionError):  # RecursionError: JSON nested too deeply
        return None
    if isinstance(document, dict) and "proband" not in document and _family_field(document) is not None:
        return None  # a Family without its proband: the family's own id is not a case id
    packet = document.get("proband") if isinstance(document, dict) and "proband" in document else document
    identifier = packet.get("id") if isinstance(packet, dict) else None
    return identifier if isinstance(identifier, str) and identifier.strip() else None


# Fields a GA4GH Family v2 has and a Phenopacket has not, in either JSON spelling the parser accepts: a file
# with one of them is a Family, even when its 'proband' is missing.
_FAMILY_ONLY = ("pedigree", "consanguinousParents", "consanguinous_parents", "relatives")


def _family_field(document: dict[str, Any]) -> str | None:
    """The first Family-only field of a JSON document, or ``None``."""
    return next((key for key in _FAMILY_ONLY if key in document), None)


def _schema_version(document: dict[str, Any]) -> str:
    meta = document.get("metaData", document.get("meta_data"))
    if not isinstance(meta, dict):  # missing, or not an object: the v2 parser names the field
        return ""
    version = meta.get("phenopacketSchemaVersion", meta.get("phenopacket_schema_version"))
    return "" if version is None else str(version).strip()


def _check_version(path: Path, document: dict[str, Any]) -> None:
    version = _schema_version(document)
    # The major version decides: "2.0" and "2.0.2" are v2, "20.1" is not.
    major = version.lower().removeprefix("v").split(".", 1)[0]
    if version and major != _SUPPORTED_MAJOR:
        # The field may hold anything, a pasted page included.
        msg = f"{path}: phenopacket schema version {printable(clipped(version))} is not supported; expected a GA4GH Phenopacket v2 (2.x)"
        raise InputError(msg)


# Fields of GA4GH Phenopacket v1 that v2 renamed or removed (v1 "negated" is v2 "excluded"): a file with them
# and no schema version is a v1 file, and is named as one.
_V1_TOP = ("genes", "variants", "htsFiles", "hts_files")
_V1_SUBJECT = ("ageAtCollection", "age_at_collection")
_V1_FEATURE = ("negated", "classOfOnset", "class_of_onset")


def _v1_field(packet: Any) -> str | None:
    """The first Phenopacket v1 field found in a phenopacket document, as ``field`` or ``parent.field``."""
    if not isinstance(packet, dict):
        return None
    top = next((key for key in _V1_TOP if key in packet), None)
    if top is not None:
        return top
    subject = packet.get("subject")
    if isinstance(subject, dict):
        key = next((k for k in _V1_SUBJECT if k in subject), None)
        if key is not None:
            return f"subject.{key}"
    features = packet.get("phenotypicFeatures", packet.get("phenotypic_features"))
    for feature in features if isinstance(features, list) else []:
        key = next((k for k in _V1_FEATURE if isinstance(feature, dict) and k in feature), None)
        if key is not None:
            return f"phenotypicFeatures[].{key}"
    return None


def _family_history(family: Any, proband_id: str, path: Path, warnings: list[str]) -> FamilyHistory:
    persons = list(family.pedigree.persons)
    proband = next((p for p in persons if p.individual_id == proband_id), None)
    if proband is None:
        warnings.append(
            f"{path}: the proband's subject.id {proband_id!r} is not among pedigree.persons; the pedigree's "
            "affected parents and siblings are not used"
        )
    parents = {proband.paternal_id, proband.maternal_id} - {"", "0"} if proband else set()
    affected_parent = any(p.individual_id in parents and p.affected_status == _AFFECTED for p in persons)
    affected_sibling = any(
        p.individual_id != proband_id
        and p.affected_status == _AFFECTED
        and parents
        and ({p.paternal_id, p.maternal_id} - {"", "0"}) & parents
        for p in persons
    )
    return FamilyHistory(
        consanguineous=bool(family.consanguinous_parents),
        affected_parent=affected_parent,
        affected_sibling=bool(affected_sibling),
    )


def _age_days(
    packet: Any, path: Path, warnings: list[str] | None = None, *, ranking: bool = False
) -> float | None:
    """The subject's age in days from ``timeAtLastEncounter``: an age, the start of an age range, or a
    timestamp or the start of an interval with ``dateOfBirth``. Other forms are not used, with a warning in
    ``warnings``.

    With ``ranking``, the forms :func:`_encounter_lower_bound_days` reads for the ranking (an HPO onset class
    in the table, a gestational age) get no warning here: that function's warning says what was done.
    """
    subject = packet.subject
    if not subject.HasField("time_at_last_encounter"):
        return None
    where = f"{path}: subject.timeAtLastEncounter"
    time = subject.time_at_last_encounter
    notes = warnings if warnings is not None else []
    if time.HasField("age"):
        return parse_iso_age(time.age.iso8601duration, where=f"{where}.age")
    if time.HasField("age_range"):
        start = time.age_range.start.iso8601duration
        if start:
            notes.append(f"{where}.ageRange: using its start ({start}) as the age")
            return parse_iso_age(start, where=f"{where}.ageRange.start")
    if time.HasField("timestamp") and subject.HasField("date_of_birth"):
        return _days_since_birth(subject, time.timestamp, f"{where}.timestamp")
    if time.HasField("interval") and subject.HasField("date_of_birth") and time.interval.HasField("start"):
        # The last encounter fell within the interval: its start gives the age, as an age range's start does.
        days = _days_since_birth(subject, time.interval.start, f"{where}.interval.start")
        notes.append(
            f"{where}.interval: using its start ({age_text(days)} after subject.dateOfBirth) as the age"
        )
        return days
    kind = time.WhichOneof("element")
    if kind is None:  # "timeAtLastEncounter": {}
        notes.append(f"{where} is empty; age unknown")
        return None
    if ranking and _encounter_bound_form(time):
        return None
    field = {"age_range": "ageRange", "gestational_age": "gestationalAge", "ontology_class": "ontologyClass"}
    notes.append(
        f"{where}.{field.get(str(kind), str(kind))} is not used (an age such as P8M is); age unknown"
    )
    return None


def _days_since_birth(subject: Any, moment: Any, where: str) -> float:
    """Days from ``subject.dateOfBirth`` to the protobuf Timestamp ``moment``; a moment before the birth, or
    more than :data:`MAX_AGE_YEARS` after it, is an :class:`InputError` naming ``where``."""
    days = float((moment.ToDatetime() - subject.date_of_birth.ToDatetime()).total_seconds()) / 86400
    if days < 0:
        msg = f"{where} is before subject.dateOfBirth; correct one of them"
        raise InputError(msg)
    if days > MAX_AGE_YEARS * 365.25:
        msg = (
            f"{where} is {days / 365.25:,.0f} years after subject.dateOfBirth, older than "
            f"{MAX_AGE_YEARS} years; correct one of them"
        )
        raise InputError(msg)
    return days


def _encounter_bound_form(time: Any) -> bool:
    """Whether a ``timeAtLastEncounter`` is a form that gives a lower bound on the age but no age: an HPO onset
    class that ``ONSET_LOWER_BOUND_DAYS`` knows, or a gestational age."""
    if time.HasField("ontology_class"):
        return time.ontology_class.id in ONSET_LOWER_BOUND_DAYS
    return bool(time.HasField("gestational_age"))


def _encounter_lower_bound_days(
    packet: Any, path: Path, ontology: Ontology, onset_days: float | None, warnings: list[str]
) -> float | None:
    """A lower bound on the age at last encounter, in days, for the ranking only, with a warning saying so.

    ``timeAtLastEncounter`` given as an HPO onset class gives the class's lower bound (ONSET_LOWER_BOUND_DAYS,
    the table disease and feature onsets use); a gestational age gives 0 days (the patient was not yet born).
    Neither is an age, so the age for the labs and the care plan stays unknown. The ranking takes the larger of
    this bound and the latest onset (:attr:`Case.ranking_age_days`); the warning names the one it uses. An
    onset class the table does not know gives None (:func:`_age_days` warns that it is not used).
    """
    subject = packet.subject
    if not subject.HasField("time_at_last_encounter") or not _encounter_bound_form(
        subject.time_at_last_encounter
    ):
        return None
    where = f"{path}: subject.timeAtLastEncounter"
    time = subject.time_at_last_encounter
    if time.HasField("ontology_class"):
        term = time.ontology_class
        days = ONSET_LOWER_BOUND_DAYS[term.id]
        # The release's label, not the file's, which may be wrong or missing.
        label = ontology.label(term.id) if term.id in ontology else clipped(printable(term.label))
        field = f"{where}.ontologyClass {term.id}" + (f" ({label})" if label else "")
        own = f"its lower bound, {age_text(days)}"
    else:
        days = 0.0
        gestation = time.gestational_age
        weeks = f"{gestation.weeks} weeks" + (f" {gestation.days} days" if gestation.days else "")
        field = f"{where}.gestationalAge ({weeks})"
        own = "0 days (the patient was not yet born)"
    uses = (
        f"the latest onset given, {age_text(onset_days)}, later than {own}"
        if onset_days is not None and onset_days > days
        else own
    )
    warnings.append(f"{field}: the ranking uses {uses}; age unknown for labs and care")
    return days


def _latest_onset_days(packet: Any, path: Path, warnings: list[str]) -> float | None:
    """The latest onset the phenopacket gives, in days: of an observed phenotypic feature or of a disease.

    The patient was at least this old when last seen, so it stands in for the age when
    ``timeAtLastEncounter`` gives no age (missing, or only a lower bound: :func:`_encounter_lower_bound_days`;
    docs/engine.md, "Age, sex and family history"). An onset is an age
    (ISO 8601), the start of an age range, an HPO onset class (its lower bound, as for disease onsets), a
    gestational age (before birth: 0 days), or a timestamp or the start of an interval, counted from
    ``subject.dateOfBirth`` (the COVID-19 example of the schema dates its onsets so). An onset that cannot be
    read, and a date without a date of birth, is left out with a warning.
    """
    onsets: list[tuple[str, Any]] = [
        (f"phenotypicFeatures[{i}].onset", feature.onset)
        for i, feature in enumerate(packet.phenotypic_features)
        if not feature.excluded and feature.HasField("onset")
    ]
    onsets += [
        (f"diseases[{i}].onset", disease.onset)
        for i, disease in enumerate(packet.diseases)
        if not disease.excluded and disease.HasField("onset")
    ]
    subject = packet.subject
    born = subject.HasField("date_of_birth")
    undated: list[str] = []  # dated onsets that no date of birth turns into ages
    latest: float | None = None
    for field, onset in onsets:
        where = f"{path}: {field}"
        days: float | None = None
        try:
            if onset.HasField("age"):
                days = parse_iso_age(onset.age.iso8601duration, where=f"{where}.age")
            elif onset.HasField("age_range") and onset.age_range.start.iso8601duration:
                days = parse_iso_age(onset.age_range.start.iso8601duration, where=f"{where}.ageRange.start")
            elif onset.HasField("ontology_class"):
                days = ONSET_LOWER_BOUND_DAYS.get(onset.ontology_class.id)
            elif onset.HasField("gestational_age"):
                days = 0.0
            elif onset.HasField("timestamp"):
                if born:
                    days = _days_since_birth(subject, onset.timestamp, f"{where}.timestamp")
                else:
                    undated.append(f"{field}.timestamp")
            elif onset.HasField("interval") and onset.interval.HasField("start"):
                # The finding began within the interval, so no earlier than its start.
                if born:
                    days = _days_since_birth(subject, onset.interval.start, f"{where}.interval.start")
                else:
                    undated.append(f"{field}.interval")
        except InputError as exc:
            warnings.append(f"{exc}; this onset is not used")
            continue
        if days is not None and (latest is None or days > latest):
            latest = days
    if undated:
        # One line for them all: a case dated throughout (the schema's COVID-19 example) has one per feature.
        shown = ", ".join(undated[:3]) + (f" and {len(undated) - 3} more" if len(undated) > 3 else "")
        warnings.append(
            f"{path}: {shown}: a date is an age only with subject.dateOfBirth, which is not given; "
            f"{'this onset is' if len(undated) == 1 else 'these onsets are'} not used"
        )
    return latest


_DETAIL = 200  # characters of a parser's message shown; it may echo much of the file
# protobuf's words for a google.protobuf.Timestamp it cannot read (json_format, _ConvertTimestamp/FromJsonString).
_TIMESTAMP_FAULT = re.compile(
    r"does not match format '%Y-%m-%dT|parse timestamp|timezone offset", re.IGNORECASE
)


def _one_line(detail: str) -> str:
    """A parser's message as one line of at most ``_DETAIL`` characters."""
    detail = " ".join(detail.split())
    return detail[:_DETAIL] + "…" if len(detail) > _DETAIL else detail


def _load_packet(
    path: Path, warnings: list[str] | None = None
) -> tuple[Any, FamilyHistory, list[Any], dict[str, Any]]:
    """The proband's Phenopacket message, the Family pedigree's history, the Family's ``files`` and the
    proband's JSON object as read (it tells a number left out from a 0, which the message cannot)."""
    notes = warnings if warnings is not None else []
    document = parse_json_object(
        path,
        read_text_file(path),
        expected="a GA4GH Phenopacket v2",
        list_limits={"pedigree.persons": MAX_PED_PEOPLE},
    )
    _check_version(path, document)
    if "members" in document and "phenotypicFeatures" not in document:
        msg = (
            f"{path}: a GA4GH Cohort is not supported; expected one Phenopacket or Family per file (write each "
            "of the cohort's members to a file of its own)"
        )
        raise InputError(msg)
    if "proband" in document and not isinstance(document["proband"], dict):
        msg = f"{path}: proband: expected the proband's Phenopacket (a JSON object), found {type(document['proband']).__name__}"
        raise InputError(msg)
    if "proband" not in document and _family_field(document) is not None:
        # Parsed as a Phenopacket, it would fail on the family field ("no field named pedigree"), which
        # hides what is missing.
        msg = f"{path}: a Family needs 'proband' (the proband's Phenopacket); expected a GA4GH Family v2"
        raise InputError(msg)
    pedigree_history = FamilyHistory()
    family_files: list[Any] = []
    try:
        if "proband" in document:
            if "pedigree" not in document:
                msg = (
                    f"{path}: a Family needs 'pedigree' (the proband's relatives); expected a GA4GH Family v2"
                )
                raise InputError(msg)
            family_message = json_format.ParseDict(document, phenopackets.Family())
            packet = family_message.proband
            pedigree_history = _family_history(family_message, packet.subject.id, path, notes)
            family_files = list(family_message.files)
        else:
            packet = json_format.ParseDict(document, phenopackets.Phenopacket())
    except json_format.ParseError as exc:
        v1 = _v1_field(document.get("proband", document))
        if v1 is not None:
            msg = (
                f"{path}: looks like a GA4GH Phenopacket v1 file (field {v1!r}); expected a Phenopacket v2 "
                "(convert the file to v2 first)"
            )
            raise InputError(msg) from None
        detail = _one_line(str(exc))
        if _TIMESTAMP_FAULT.search(str(exc)):
            # A date alone ("2010-05-01", as many registries write a date of birth) is the usual cause, and the
            # parser's words do not say what a Timestamp looks like.
            detail += "; a date is written as an RFC 3339 timestamp, such as 2010-05-01T00:00:00Z"
        msg = f"{path}: not a valid GA4GH Phenopacket v2 ({detail})"
        raise InputError(msg) from None
    except RecursionError:
        msg = f"{path}: JSON nested too deeply; expected a GA4GH Phenopacket v2"
        raise InputError(msg) from None
    except OverflowError:  # protobuf's double conversion of an integer beyond the float range
        msg = f"{path}: a number is too large for its field; expected a GA4GH Phenopacket v2"
        raise InputError(msg) from None
    proband: dict[str, Any] = document.get("proband", document)  # a dict: checked above
    return packet, pedigree_history, family_files, proband


def read_case_file(
    path: Path, ontology: Ontology, family: FamilyHistory | None = None, *, strict: bool = True
) -> Case:
    """Read one phenopacket (or Family) JSON file into a :class:`Case`.

    ``family`` flags given on the command line are combined (logical or) with a Family file's pedigree.
    Lab ``measurements`` are kept on ``Case.labs`` and their HPO terms (see :mod:`marbledx.findings._labs`)
    are added to the findings with ``source="lab"``; an entered finding wins over a contradicting lab term.
    """
    load_warnings: list[str] = []
    packet, pedigree_history, family_files, document = _load_packet(path, load_warnings)
    if not packet.id:
        msg = f"{path}: the phenopacket has no 'id'; expected a case identifier"
        raise InputError(msg)
    for index, feature in enumerate(packet.phenotypic_features):
        if not feature.type.id.strip():
            label = (
                f" (type.label {quoted(feature.type.label)} is not looked up)" if feature.type.label else ""
            )
            msg = f"{path}: phenotypicFeatures[{index}]: type.id is missing{label}; expected an HPO id such as HP:0011002"
            raise InputError(msg)
    raw = [(f.type.id, bool(f.excluded), "entered") for f in packet.phenotypic_features]
    # Where each finding came from, so that an error about one names its field.
    fields = [f"phenotypicFeatures[{i}].type.id" for i in range(len(raw))]
    labs, lab_warnings = _measurements(packet, document, path, strict=strict)
    lab_warnings = load_warnings + lab_warnings
    if not raw and not labs:
        msg = f"{path}: the case has no phenotypic features; expected at least one HPO term in phenotypicFeatures"
        raise InputError(msg)
    age_days = _age_days(packet, path, lab_warnings, ranking=True)
    onset_days = _latest_onset_days(packet, path, lab_warnings)
    lower_bound_days = _encounter_lower_bound_days(packet, path, ontology, onset_days, lab_warnings)
    sex = _sex(packet)
    if labs:
        # Lab terms never fail a case: an age-dependent value with no known age is reported, not guessed.
        rows = interpret_labs(labs, age_days=age_days, sex=sex, strict=False)
        lab_warnings += [
            f"{row.value.source}: {row.value.analyte} not interpreted; its reference interval depends on "
            f"{row.needs}, which the phenopacket does not give"
            for row in rows
            if row.needs
        ]
        lab_raw, merge_warnings = prepare_lab_findings(
            ontology, lab_findings(rows), raw, where=f"{path}: measurements"
        )
        lab_warnings += merge_warnings
        if not raw and not lab_raw:
            msg = (
                f"{path}: the case has no phenotypic features and its measurements map to no HPO term; "
                "expected at least one HPO term in phenotypicFeatures"
            )
            raise InputError(msg)
        raw += lab_raw
        fields += ["measurements"] * len(lab_raw)
    findings, warnings = normalise_findings(ontology, raw, where=str(path), strict=strict, fields=fields)
    given = family or FamilyHistory()
    return Case(
        case_id=packet.id,
        input=str(path),
        findings=findings,
        age_days=age_days,
        onset_days=onset_days,
        encounter_lower_bound_days=lower_bound_days,
        sex=sex,
        family=FamilyHistory(
            consanguineous=given.consanguineous or pedigree_history.consanguineous,
            affected_parent=given.affected_parent or pedigree_history.affected_parent,
            affected_sibling=given.affected_sibling or pedigree_history.affected_sibling,
        ),
        warnings=(*warnings, *lab_warnings),
        subject_id=packet.subject.id or None,
        genomic_files=_genomic_files(path, [*packet.files, *family_files], packet.subject.id),
        labs=labs,
    )


def _sex(packet: Any) -> Sex | None:
    return _SEX.get(int(packet.subject.sex))  # type: ignore[return-value]


class PhenopacketLabs(NamedTuple):
    """The lab values of a phenopacket with the subject's age (days) and sex, for ``marbledx labs``."""

    labs: tuple[LabValue, ...]
    age_days: float | None
    sex: Sex | None
    warnings: tuple[str, ...]


def read_phenopacket_labs(
    path: str | Path, *, strict: bool = True, table: LabTable | None = None
) -> PhenopacketLabs:
    """Read only the ``measurements`` (and subject age and sex) of a phenopacket; no HPO release is needed.

    Measurements whose assay is not an analyte marbledx interprets (by LOINC code, else by assay label) are
    skipped with a warning. A bad unit or value is an :class:`InputError` naming the field, or with
    ``strict=False`` a warning.
    """
    if not isinstance(path, str | Path):
        msg = f"path: expected a phenopacket file path (str or Path), found {type(path).__name__}"
        raise InputError(msg)
    path = Path(path)
    packet, _, _, document = _load_packet(path)
    labs, warnings = _measurements(packet, document, path, strict=strict, table=table)
    age_days = _age_days(packet, path, warnings)
    return PhenopacketLabs(labs, age_days, _sex(packet), tuple(warnings))


def _ucum(unit: Any) -> str:
    """The unit of a quantity: the UCUM code of its ontology class (``UCUM:g/dL``), else its label."""
    identifier = str(unit.id).strip()
    if identifier.upper().startswith("UCUM:"):
        return identifier[5:]
    return str(unit.label).strip() or identifier


def _observed(packet: Any, measurement: Any, where: str) -> tuple[str | None, float | None]:
    """The date (ISO) and age in days of a measurement's ``timeObserved``, when it gives them."""
    time = measurement.time_observed
    if not measurement.HasField("time_observed"):
        return None, None
    if time.HasField("age"):
        return None, parse_iso_age(time.age.iso8601duration, where=f"{where}.timeObserved.age")
    if time.HasField("timestamp"):
        observed = time.timestamp.ToDatetime()
        age = None
        if packet.subject.HasField("date_of_birth"):
            born = packet.subject.date_of_birth.ToDatetime()
            days = (observed - born).total_seconds() / 86400
            if days < 0:
                # The date or the date of birth is wrong, and so would be the age band chosen for the value.
                msg = (
                    f"{where}.timeObserved.timestamp: {observed.date().isoformat()} is before the date of birth "
                    f"({born.date().isoformat()}, subject.dateOfBirth); correct one of them"
                )
                raise InputError(msg)
            # Checked here, where the error can name the timestamp: the value's own check names its quantity.
            age = _checked_age_days(days, where=f"{where}.timeObserved.timestamp (age at the test)")
        return observed.date().isoformat(), age
    return None, None


def _json_member(node: Any, *names: str) -> Any:
    """The first of ``names`` that a JSON object read from a file gives (protobuf's parser takes a field by
    its JSON name or its proto name), else ``None``; a JSON ``null`` is not given (protobuf reads it as
    absent)."""
    if not isinstance(node, dict):
        return None
    return next((node[name] for name in names if node.get(name) is not None), None)


def _json_quantity(document: dict[str, Any], index: int) -> Any:
    """The JSON of ``measurements[index].value.quantity`` as read, else ``None``.

    Protobuf (proto3) keeps no presence for a number: a number left out (or ``null``) reads as 0, so only the
    JSON tells a 0 the file gives from one it leaves out. The parsed message keeps the JSON's order of
    ``measurements``, so ``index`` is the same in both.
    """
    measurements = _json_member(document, "measurements")
    if not isinstance(measurements, list) or not 0 <= index < len(measurements):
        return None
    return _json_member(_json_member(measurements[index], "value"), "quantity")


def _value_given(document: dict[str, Any], index: int) -> bool:
    """Whether the JSON of ``measurements[index].value.quantity`` gives its ``value``: one left out reads as
    0, which would be a haemoglobin of 0 g/dL (anaemia) that nobody measured."""
    return _json_member(_json_quantity(document, index), "value") is not None


def _range_limits_given(document: dict[str, Any], index: int) -> frozenset[str]:
    """Which of ``low`` and ``high`` the JSON of ``measurements[index].value.quantity.referenceRange`` gives.

    A limit left out reads as 0 (see :func:`_json_quantity`), which a lower limit can be (CK-BB 0-5 U/L) and
    which must not stand in for a limit the laboratory did not give.
    """
    limits = _json_member(_json_quantity(document, index), "referenceRange", "reference_range")
    return frozenset(name for name in ("low", "high") if _json_member(limits, name) is not None)


def _measurements(
    packet: Any, document: dict[str, Any], path: Path, *, strict: bool, table: LabTable | None = None
) -> tuple[tuple[LabValue, ...], list[str]]:
    """Quantitative measurements of known analytes as validated :class:`LabValue` rows, plus warnings.

    ``document`` is the phenopacket's JSON object as read, which tells a value or a reference limit left out
    from a 0.
    """
    lab = table or bundled_lab_table()
    values: list[LabValue] = []
    warnings: list[str] = []
    for index, measurement in enumerate(packet.measurements):
        where = f"{path}: measurements[{index}]"
        assay = measurement.assay
        analyte = lab.for_loinc(assay.id) if str(assay.id).upper().startswith("LOINC:") else None
        if analyte is None and assay.label:
            analyte = lab.find(assay.label)
        if analyte is None:
            shown = assay.id or assay.label or "(none)"
            warnings.append(f"{where}.assay: {shown} is not a lab analyte marbledx interprets; skipped")
            continue
        if not measurement.value.HasField("quantity"):
            warnings.append(f"{where}.value: {analyte.key} has no value.quantity; skipped")
            continue
        quantity = measurement.value.quantity
        try:
            date, age = _observed(packet, measurement, where)
            unit = _ucum(quantity.unit)
            value_spec = lab.unit(analyte, unit, where=f"{where}.value.quantity.unit")
            if not _value_given(document, index):
                # Not read as 0: a haemoglobin of 0 g/dL would count as anaemia. Protobuf's JSON writers
                # leave out a measured 0, hence the hint.
                msg = (
                    f"{where}.value.quantity.value is missing; expected the measured {analyte.key} value, a "
                    f'number in {value_spec.unit} (write "value": 0 for a measured 0)'
                )
                raise InputError(msg)
            low = high = None
            if quantity.HasField("reference_range"):
                # The reporting laboratory's interval wins over the bundled one (reference §5).
                limits = quantity.reference_range
                given = _range_limits_given(document, index)
                if given != {"low", "high"}:
                    # The schema requires both limits (low and high 1..1 REQUIRED; phenopacket-schema v2,
                    # https://phenopacket-schema.readthedocs.io/en/latest/reference-range.html). A limit left
                    # out is not read as 0: a 0 low would call any haemoglobin "normal" and exclude anaemia.
                    # Protobuf's JSON writers leave out a 0, hence the hint.
                    missing = {"low": "'high' is", "high": "'low' is"}.get(
                        "".join(given), "'low' and 'high' are"
                    )
                    hint = ' (write "low": 0 for an interval from 0)' if given == {"high"} else ""
                    msg = (
                        f"{where}.value.quantity.referenceRange: {missing} missing; expected the laboratory's "
                        f"interval as 'low' and 'high'{hint}"
                    )
                    raise InputError(msg)
                range_unit = _ucum(limits.unit) if limits.HasField("unit") else unit
                range_spec = lab.unit(
                    analyte, range_unit, where=f"{where}.value.quantity.referenceRange.unit"
                )
                low = limits.low * range_spec.factor / value_spec.factor
                high = limits.high * range_spec.factor / value_spec.factor
            values.append(
                make_lab_value(
                    analyte.key,
                    quantity.value,
                    unit,
                    where=f"{where}.value.quantity",
                    date=date,
                    age_days=age,
                    low=low,
                    high=high,
                    table=lab,
                )
            )
        except InputError as exc:
            if strict:
                raise
            warnings.append(f"{exc} (skipped)")
    return tuple(values), warnings


_VARIANT_SUFFIXES = (".vcf", ".vcf.gz", ".vcf.bgz", ".bcf")


def _genomic_files(path: Path, files: list[Any], subject_id: str) -> tuple[GenomicFile, ...]:
    """VCF/BCF entries of a phenopacket's ``files``, resolved against the phenopacket's folder.

    ``uri`` may be ``file:///abs/path``, ``file:relative``, ``file://relative/path`` (as the schema's examples
    write it) or a bare path. Entries that are not variant files
    (by ``fileAttributes.fileFormat`` or suffix) are ignored; remote URIs are refused because marbledx never
    downloads patient data.
    """
    found = []
    for entry in files:
        uri = str(entry.uri)
        attributes = dict(entry.file_attributes)
        file_format = attributes.get("fileFormat", "").lower()
        if not uri:
            continue
        if not (file_format in {"vcf", "bcf"} or uri.lower().endswith(_VARIANT_SUFFIXES)):
            continue
        parsed = urllib.parse.urlparse(uri)
        if parsed.scheme not in {"", "file"}:
            msg = f"{path}: files[].uri {uri!r} is not a local file; expected file:// or a path"
            raise InputError(msg)
        if parsed.scheme == "file" and parsed.netloc not in {"", "localhost"}:
            # "file://data/genomes/P1.vcf", as the schema's own examples write a relative path
            # (the comprehensive Family example, P2GX/phenopackets-rust data/v2/family.json): read as
            # data/genomes/P1.vcf beside the phenopacket,
            # not as /genomes/P1.vcf on a host named "data".
            written = parsed.netloc + parsed.path
        else:
            written = parsed.path if parsed.scheme == "file" else uri
        local = Path(urllib.parse.unquote(written))
        if not local.is_absolute():
            local = path.parent / local
        mapping = dict(entry.individual_to_file_identifiers)
        found.append(
            GenomicFile(
                path=str(local),
                genome_assembly=attributes.get("genomeAssembly") or None,
                sample=mapping.get(subject_id) if subject_id else None,
            )
        )
    return tuple(found)


def iter_case_files(
    paths: Sequence[str | Path],
    ontology: Ontology,
    family: FamilyHistory | None = None,
    *,
    strict: bool = True,
) -> Iterator[tuple[Path, Case | InputError]]:
    """Yield each input file with its case, or with the error that stopped it (batch mode goes on)."""
    for entry in scan_inputs(paths):
        path = entry.path
        if entry.error is not None:
            yield path, InputError(entry.error)
            continue
        try:
            yield path, read_case_file(path, ontology, family, strict=strict)
        except InputError as exc:
            yield path, exc
