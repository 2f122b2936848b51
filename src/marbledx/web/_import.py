"""A new case from a GA4GH Phenopacket v2 file: ``POST /api/cases/import`` and the cases page's import form.

The file is read by :func:`marbledx.findings.read_case_file`, the reader of ``marbledx rank``, so every rule of
``rank`` holds: the same one-line errors naming the field, obsolete and alternative HPO ids replaced with a
warning, ``lenient`` as ``rank --lenient`` (unknown ids and unreadable lab values dropped with a warning),
and the reader's size and list limits. The reader takes a path, so the uploaded bytes are written to a private
temporary folder in the registry's uploads folder (where the patients' files live) and removed at once; its
messages name the file as the user sent it, never that folder.

The case gets what the reader gives: the observed and excluded findings of ``phenotypicFeatures`` (after
replacement; lab terms are not stored, since the analysis derives them from the lab values afresh), the age
and sex, the family history (a Family file's pedigree) and the lab ``measurements`` marbledx interprets. What
the registry cannot keep is said in a warning rather than dropped in silence: a VCF named in ``files`` (on the
user's computer, never read by the server: they upload it to the case), an age the ranking takes from the
onsets only, and the phenopacket's interpretations. Each lab value keeps its own age at the test
(``timeObserved``; schema revision 0010), so it is read at that age, as ``marbledx rank`` reads it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import tempfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Final

from marbledx._format import age_text, clipped, printable, quoted
from marbledx.errors import InputError
from marbledx.findings import LabValue, parse_iso_age, read_case_file
from marbledx.findings._io import MAX_TEXT_BYTES
from marbledx.ontology import Ontology
from marbledx.registry import (
    CaseRecord,
    FindingRecord,
    NewLab,
    Registry,
    RegistryError,
    UserInfo,
    check_age_at_test,
)
from marbledx.web._messages import SAMPLE_LABEL, for_web

__all__ = [
    "DEFAULT_MAX_PHENOPACKET_BYTES",
    "ImportNotice",
    "PhenopacketImport",
    "VariantFile",
    "import_phenopacket",
    "phenopacket_name",
    "read_phenopacket",
    "too_large",
    "variant_sample",
]

DEFAULT_MAX_PHENOPACKET_BYTES: Final = MAX_TEXT_BYTES
"""The largest phenopacket the web app imports by default: the reader's own limit for ``marbledx rank`` (64
MiB), so that a file the command line ranks can be imported. A phenopacket is kilobytes; a cohort's Family a
few megabytes."""

_NAME_LIMIT: Final = 100
_UNNAMED: Final = "phenopacket"
_LENIENT_HINT: Final = re.compile(r"--lenient\b")
_DATA_UPDATE: Final = "needs 'marbledx data update'"


def phenopacket_name(filename: str | None) -> str:
    """How messages name an uploaded phenopacket: the file name the client sent (without any folder: some
    browsers send ``C:\\fakepath\\P1.json``), one line, cut short; ``phenopacket`` when none was sent."""
    text = (filename or "").strip()
    base = PureWindowsPath(PurePosixPath(text).name).name if text else ""
    return clipped(printable(base), _NAME_LIMIT) if base.strip() else _UNNAMED


def too_large(limit: int) -> str:
    """The one-line error of a phenopacket over ``limit`` bytes (413)."""
    size = f"{limit // 2**20} MiB" if limit % 2**20 == 0 else f"{limit:,} bytes"
    return f"phenopacket larger than {size}; expected a GA4GH Phenopacket v2 JSON file of at most {size}"


@dataclass(frozen=True)
class VariantFile:
    """A VCF or BCF named in the phenopacket's ``files``: the path as written (relative to the phenopacket's
    folder, or absolute), its genome assembly and the proband's sample (``individualToFileIdentifiers``)."""

    path: str
    genome_assembly: str | None
    sample: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "genome_assembly": self.genome_assembly, "sample": self.sample}


@dataclass(frozen=True)
class PhenopacketImport:
    """A phenopacket read for the registry: what the new case gets, and what the user is told.

    ``warnings`` are the reader's (as ``marbledx rank`` prints them, naming the file as the user sent it) and
    the import's own (what the registry does not keep), worded for the web (:func:`for_web`).
    """

    name: str
    phenopacket_id: str
    label: str
    findings: tuple[FindingRecord, ...]
    labs: tuple[NewLab, ...]
    age_days: float | None
    sex: str | None
    consanguineous: bool
    affected_parent: bool
    affected_sibling: bool
    warnings: tuple[str, ...]
    variant_files: tuple[VariantFile, ...]
    lenient: bool

    def summary(self, case: CaseRecord) -> dict[str, Any]:
        """The REST API's answer: the new case, what it got, the warnings and the variant files to upload."""
        return {
            "case": case.to_dict(),
            "source": self.name,
            "phenopacket_id": self.phenopacket_id,
            "lenient": self.lenient,
            "findings": [
                {"hpo_id": f.hpo_id, "excluded": f.excluded, "source": f.source} for f in self.findings
            ],
            "labs": len(self.labs),
            "warnings": list(self.warnings),
            "variant_files": [
                {**file.to_dict(), "upload": _upload_hint(case.id, file)} for file in self.variant_files
            ],
        }


_NOTICE_CONTEXT: Final = b"marbledx import notice v1"
_NOTICE_BYTES: Final = 3500  # a cookie's value, well inside the 4096 bytes browsers keep of a cookie


@dataclass(frozen=True)
class ImportNotice:
    """What the case page says after the cases page's import, carried across its redirect (Post/Redirect/Get):
    the file's name, the phenopacket's id, what the case got (counts), the warnings and the VCF's sample.

    It travels in a short-lived cookie (:meth:`encode`), signed with the session's secret and bound to the
    new case, since a query string must never carry the warnings (they quote the file). Warnings that would
    make the cookie too large are left out and counted (``more``).
    """

    name: str
    phenopacket_id: str
    lenient: bool
    observed: int
    excluded: int
    labs: int
    warnings: tuple[str, ...]
    variant_files: int
    sample: str | None
    more: int = 0

    @classmethod
    def of(cls, imported: PhenopacketImport) -> ImportNotice:
        """The notice of an import."""
        observed = sum(not finding.excluded for finding in imported.findings)
        return cls(
            name=imported.name,
            phenopacket_id=imported.phenopacket_id,
            lenient=imported.lenient,
            observed=observed,
            excluded=len(imported.findings) - observed,
            labs=len(imported.labs),
            warnings=imported.warnings,
            variant_files=len(imported.variant_files),
            sample=variant_sample(imported.variant_files),
        )

    def _payload(self, warnings: Sequence[str], more: int) -> str:
        fields = [self.name, self.phenopacket_id, self.lenient, self.observed, self.excluded, self.labs]
        data = [*fields, list(warnings), self.variant_files, self.sample, more]
        packed = zlib.compress(json.dumps(data, ensure_ascii=False).encode("utf-8"), 9)
        return base64.urlsafe_b64encode(packed).decode("ascii")

    def encode(self, secret: str, case_id: str) -> str:
        """The cookie's value: the notice, compressed, and its HMAC-SHA256 keyed by the session ``secret``
        over ``case_id`` too (so it reads only in this session, on this case's page)."""
        kept = list(self.warnings)
        while True:
            payload = self._payload(kept, self.more + len(self.warnings) - len(kept))
            if len(payload) <= _NOTICE_BYTES or not kept:
                return f"{payload}.{_notice_mac(secret, case_id, payload)}"
            kept.pop()

    @classmethod
    def decode(cls, value: str, secret: str, case_id: str) -> ImportNotice | None:
        """The notice in a cookie's ``value`` made by :meth:`encode` for this session and case; None when it
        is not one (another case's, another session's, altered or malformed)."""
        payload, _, mac = value.partition(".")
        expected = _notice_mac(secret, case_id, payload)
        if not hmac.compare_digest(mac.encode("ascii", "replace"), expected.encode("ascii")):
            return None
        try:
            data = json.loads(zlib.decompress(base64.urlsafe_b64decode(payload)))
            name, packet_id, lenient, observed, excluded, labs, warnings, files, sample, more = data
            return cls(
                name=str(name),
                phenopacket_id=str(packet_id),
                lenient=bool(lenient),
                observed=int(observed),
                excluded=int(excluded),
                labs=int(labs),
                warnings=tuple(str(w) for w in warnings),
                variant_files=int(files),
                sample=None if sample is None else str(sample),
                more=int(more),
            )
        except (ValueError, TypeError, zlib.error, binascii.Error):
            return None


def _notice_mac(secret: str, case_id: str, payload: str) -> str:
    message = b"\0".join(
        (_NOTICE_CONTEXT, case_id.encode("utf-8", "replace"), payload.encode("ascii", "replace"))
    )
    return hmac.new(secret.encode("utf-8", "replace"), message, hashlib.sha256).hexdigest()


def _upload_hint(case_id: str, file: VariantFile) -> str:
    """Where the REST API takes the VCF a phenopacket names (``?sample=`` when the phenopacket names one)."""
    url = f"/api/cases/{case_id}/uploads/vcf"
    return f"{url}?sample={file.sample}" if file.sample else url


def _for_import(message: str) -> str:
    """A reader message as an import's: the command line's ``--lenient`` is the import's ``lenient`` option,
    and the HPO release is the server's to update."""
    message = _LENIENT_HINT.sub("importing with lenient=true", message)
    return message.replace(
        _DATA_UPDATE,
        "needs a newer HPO release on the server (its administrator runs 'marbledx data update')",
    )


def _checked_label(label: str | None, phenopacket_id: str, name: str) -> str:
    """The case label: the one given, else the phenopacket's id, which must fit a label (the registry checks
    a given label itself, naming it)."""
    if label is not None and label.strip():
        return label.strip()
    text = phenopacket_id.strip()
    if not text or len(text) > 200 or not text.isprintable():
        msg = (
            f"{name}: id {quoted(phenopacket_id)} cannot be the case label (1-200 characters on one line); "
            "enter a case label (the import form's 'Label of the imported case', ?label= in the REST API)"
        )
        raise InputError(msg)
    return text


_MEASUREMENT_INDEX: Final = re.compile(r": measurements\[(\d+)\]\.")


def _lab_age(lab: LabValue, packet: dict[str, Any] | None) -> str | None:
    """The age at the test of an imported lab value as the registry keeps it (ISO 8601), None when unknown.

    The phenopacket's own text (``timeObserved.age.iso8601duration``: ``P2M``) when the value has it and it
    reads as the value's age, so the case page shows what the file said; otherwise (an age computed from
    ``timeObserved.timestamp`` and ``subject.dateOfBirth``) the age in days (``P61D``). The registry checks
    it again when it stores the case.
    """
    if lab.age_days is None:
        return None
    match = _MEASUREMENT_INDEX.search(lab.source)
    measurements = packet.get("measurements") if packet is not None else None
    if match is not None and isinstance(measurements, list) and int(match[1]) < len(measurements):
        observed = measurements[int(match[1])]
        # Protobuf's JSON reader takes a field by its JSON or its proto name; so does this.
        time = _member(observed, "timeObserved", "time_observed")
        text = _member(_member(time, "age"), "iso8601duration")
        if isinstance(text, str):
            try:
                if parse_iso_age(text) == lab.age_days:
                    return check_age_at_test(text)
            except InputError:
                pass  # not the text the reader read: the days are kept below
    return check_age_at_test(lab.age_days)


def _member(node: object, *names: str) -> Any:
    """The first of ``names`` a JSON object gives, else None."""
    if not isinstance(node, dict):
        return None
    return next((node[name] for name in names if node.get(name) is not None), None)


def _packet(path: Path) -> dict[str, Any] | None:
    """The phenopacket's JSON object (a Family's proband); the file has been read and validated by the
    reader already, so it is one."""
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError):  # the reader read it just before: not expected
        return None
    packet = document.get("proband", document) if isinstance(document, dict) else None
    return packet if isinstance(packet, dict) else None


def read_phenopacket(
    path: Path, *, name: str, ontology: Ontology, lenient: bool, label: str | None = None
) -> PhenopacketImport:
    """Read the phenopacket at ``path`` (the uploaded bytes, in a private folder) with ``marbledx rank``'s
    reader; messages name it ``name`` (the file as the user sent it). ``lenient`` is ``rank --lenient``.

    Raises the reader's one-line :class:`InputError`, worded for an import.
    """
    folder = str(path.parent)

    def named(message: str) -> str:
        # The private folder is the server's business; the file is what the user sent, and a VCF's path is
        # as the phenopacket writes it (relative to its folder), as the user knows it.
        return message.replace(str(path), name).replace(folder + "/", "").replace(folder, "")

    try:
        case = read_case_file(path, ontology, strict=not lenient)
    except InputError as exc:
        raise InputError(_for_import(named(str(exc)))) from None
    warnings = [named(text) for text in case.warnings]
    packet = _packet(path)
    if case.age_days is None and case.ranking_age_days is not None:
        warnings.append(
            f"{name}: subject.timeAtLastEncounter gives no age; 'marbledx rank' weighs the onsets against "
            f"{age_text(case.ranking_age_days)} (the latest lower bound on the age the phenopacket gives), which "
            "a registry case does not keep: enter the patient's age in the case details"
        )
    files = tuple(
        VariantFile(path=named(file.path), genome_assembly=file.genome_assembly, sample=file.sample)
        for file in case.genomic_files
    )
    for file in files:
        assembly = f" ({printable(file.genome_assembly)})" if file.genome_assembly else ""
        if file.sample:
            sample = printable(file.sample)
            where = (
                f'the case page\'s Files form with "{SAMPLE_LABEL}" {sample}, or POST '
                f"/api/cases/{{case_id}}/uploads/vcf?sample={sample}"
            )
        else:
            where = "the case page's Files form, or POST /api/cases/{case_id}/uploads/vcf"
        warnings.append(
            f"{name}: files names the variant file {quoted(printable(file.path), 200)}{assembly}, which is on "
            f"your computer, not on the server, and was not read: upload it to the case ({where})"
        )
    if packet is not None and packet.get("interpretations"):
        warnings.append(
            f"{name}: interpretations (a diagnosis and its variants) are not imported; the analysis reads the "
            "genotype from an uploaded VCF only"
        )
    findings = tuple(
        FindingRecord(hpo_id=f.hpo_id, excluded=f.excluded, source="entered")
        for f in case.findings
        # Lab terms are derived from the lab values afresh at each analysis (and a stored one would be
        # replaced): the values are stored instead.
        if f.source != "lab"
    )
    labs = tuple(
        NewLab(
            analyte=lab.analyte,
            value=lab.value,
            unit=lab.unit,
            measured_on=lab.date,
            low=lab.low,
            high=lab.high,
            # Each value keeps its own age at the test (timeObserved), which chooses its reference interval
            # at each analysis as `marbledx rank` reads it; a value without one is read at the case's age.
            age_at_test=_lab_age(lab, packet),
        )
        for lab in case.labs
    )
    return PhenopacketImport(
        name=name,
        phenopacket_id=case.case_id,
        label=_checked_label(label, case.case_id, name),
        findings=findings,
        labs=labs,
        age_days=case.age_days,
        sex=case.sex,
        consanguineous=case.family.consanguineous,
        affected_parent=case.family.affected_parent,
        affected_sibling=case.family.affected_sibling,
        warnings=tuple(for_web(text) for text in dict.fromkeys(warnings)),
        variant_files=files,
        lenient=lenient,
    )


def import_phenopacket(
    registry: Registry,
    user: UserInfo,
    data: bytes,
    *,
    filename: str | None,
    ontology: Ontology,
    lenient: bool,
    label: str | None = None,
) -> tuple[CaseRecord, PhenopacketImport]:
    """Read ``data`` (a phenopacket's bytes, already held to the size limit) and create the case from it, its
    findings and lab values in one transaction with one ``create`` audit event. Nothing is stored when the
    file is refused."""
    name = phenopacket_name(filename)
    try:
        registry.uploads_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        scratch = tempfile.TemporaryDirectory(prefix=".import-", dir=registry.uploads_dir)
    except OSError as exc:
        msg = f"cannot read the phenopacket: the uploads folder cannot be written ({exc.strerror or exc})"
        raise RegistryError(msg) from None
    with scratch as folder:
        path = Path(folder) / "phenopacket.json"
        try:
            path.write_bytes(data)
        except OSError as exc:
            msg = f"cannot read the phenopacket: the uploads folder cannot be written ({exc.strerror or exc})"
            raise RegistryError(msg) from None
        imported = read_phenopacket(path, name=name, ontology=ontology, lenient=lenient, label=label)
    record = registry.create_case(
        user,
        imported.label,
        age_days=imported.age_days,
        sex=imported.sex,
        findings=imported.findings,
        consanguineous=imported.consanguineous,
        affected_parent=imported.affected_parent,
        affected_sibling=imported.affected_sibling,
        labs=imported.labs,
        imported_from="phenopacket",
    )
    return record, imported


def variant_sample(files: Sequence[VariantFile]) -> str | None:
    """The proband's sample to fill in the case page's upload form: that of the one VCF the phenopacket
    names, else none."""
    return files[0].sample if len(files) == 1 else None
