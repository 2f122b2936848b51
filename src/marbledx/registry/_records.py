"""Plain, frozen records the registry returns (never live ORM objects, so nothing loads lazily later)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Final, Literal

from marbledx.errors import InputError
from marbledx.findings import parse_iso_age

__all__ = [
    "AnalysisRecord",
    "AuditRecord",
    "CaseDetail",
    "CaseRecord",
    "CommandLineActor",
    "EndedCredentials",
    "FindingRecord",
    "LabRecord",
    "NewLab",
    "Role",
    "TokenInfo",
    "UploadKind",
    "UploadRecord",
    "UserInfo",
]

Role = Literal["clinician", "counsellor", "admin"]
UploadKind = Literal["vcf", "ped"]


@dataclass(frozen=True)
class UserInfo:
    """An account as the registry knows it (no password hash). Pass it to every case operation."""

    id: int
    name: str
    team: str
    role: Role
    active: bool
    created_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "team": self.team,
            "role": self.role,
            "active": self.active,
            "created_at": self.created_at.isoformat(),
        }


# An operating-system account name as it may appear in an audit detail: one short word, nothing that could
# fake the detail's own punctuation (";", "(", ")") or start a new line.
_OS_USER: Final = re.compile(r"[\w.@$\\-]{1,64}")


@dataclass(frozen=True)
class CommandLineActor:
    """Whoever runs ``marbledx users`` on the server: pass it as ``by`` to the account methods.

    The audit model names the account acted on as the event's user and who acted in its detail, and the
    person at the server's command line has no account: the detail names the operating-system account
    that ran the command (``os_user``) and, when run through ``sudo``, the account that invoked it
    (``sudo_user``, from sudo's ``SUDO_USER``). Both are account names only, never a password.
    """

    os_user: str
    sudo_user: str | None = None

    def __post_init__(self) -> None:
        for field, value in (("os_user", self.os_user), ("sudo_user", self.sudo_user)):
            if value is not None and not _OS_USER.fullmatch(value):
                msg = (
                    f"command-line {field} {value[:80]!r} is not an account name; expected up to 64 "
                    "letters, digits or . _ @ $ \\ -"
                )
                raise InputError(msg)

    @property
    def audit_label(self) -> str:
        """Who acted, as the audit detail says it: ``by the server's command line (OS user root, …)``."""
        via = f", sudo from {self.sudo_user}" if self.sudo_user and self.sudo_user != self.os_user else ""
        return f"by the server's command line (OS user {self.os_user}{via})"


@dataclass(frozen=True)
class TokenInfo:
    """An API token's bookkeeping; the secret itself is never stored or shown again."""

    id: int
    user: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user": self.user,
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "revoked": self.revoked,
        }


@dataclass(frozen=True)
class EndedCredentials:
    """What an account change ended: sign-in sessions and API tokens (counts)."""

    sessions: int
    tokens: int


@dataclass(frozen=True)
class CaseRecord:
    """A patient case: ``id`` is its public random UUID, ``label`` the team's own case label.

    The family history (schema revision 0008), as :class:`marbledx.findings.FamilyHistory`: ``consanguineous``
    (the parents are related), ``affected_parent`` (a parent has the same condition), ``affected_sibling``
    (a brother or sister has it). False is "no" and "not stated" alike: the ranking adds evidence only for a
    flag that is true.
    """

    id: str
    team: str
    label: str
    age_days: float | None
    sex: str | None
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    version: int
    consanguineous: bool = False
    affected_parent: bool = False
    affected_sibling: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "team": self.team,
            "label": self.label,
            "age_days": self.age_days,
            "sex": self.sex,
            "consanguineous": self.consanguineous,
            "affected_parent": self.affected_parent,
            "affected_sibling": self.affected_sibling,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "updated_at": self.updated_at.isoformat(),
            "updated_by": self.updated_by,
            "version": self.version,
        }


@dataclass(frozen=True)
class FindingRecord:
    """One finding: an HPO id, observed or ``excluded``, and its ``source`` (entered, text or lab)."""

    hpo_id: str
    excluded: bool = False
    source: str = "entered"

    def to_dict(self) -> dict[str, Any]:
        return {"hpo_id": self.hpo_id, "excluded": self.excluded, "source": self.source}


def _iso_age_days(text: str | None) -> float | None:
    """Days of a stored ISO 8601 age (None when there is none, or when it was changed outside marbledx into
    something that is not an age: the analysis then names the stored value)."""
    if text is None:
        return None
    try:
        return parse_iso_age(text, where="age_at_test")
    except InputError:
        return None


@dataclass(frozen=True)
class LabRecord:
    """One lab measurement of a case (``measured_on`` may be unknown).

    ``age_at_test`` is the patient's age when the sample was taken, an ISO 8601 duration (``P2M``), or None:
    unknown, and the value is read at the case's age (schema revision 0010; every value stored before has
    None). ``age_at_test_days`` is the same in days.
    """

    id: int
    analyte: str
    value: float
    unit: str
    measured_on: dt.date | None
    low: float | None
    high: float | None
    created_at: dt.datetime
    created_by: str
    age_at_test: str | None = None

    @property
    def age_at_test_days(self) -> float | None:
        return _iso_age_days(self.age_at_test)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "analyte": self.analyte,
            "value": self.value,
            "unit": self.unit,
            "date": self.measured_on.isoformat() if self.measured_on else None,
            "age_at_test": self.age_at_test,
            "age_at_test_days": self.age_at_test_days,
            "low": self.low,
            "high": self.high,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
        }


@dataclass(frozen=True)
class NewLab:
    """A lab measurement to store with a new case (``Registry.create_case(..., labs=...)``), checked as
    ``Registry.add_lab`` checks one: ``measured_on`` a date or ``YYYY-MM-DD``; ``low``/``high`` the reporting
    laboratory's limits in ``unit``; ``age_at_test`` the patient's age at the test, an ISO 8601 duration
    (``P2M``) or a number of days (stored as ``P<days>D``), or None when unknown."""

    analyte: str
    value: float
    unit: str
    measured_on: dt.date | str | None = None
    low: float | None = None
    high: float | None = None
    age_at_test: str | float | None = None


@dataclass(frozen=True)
class UploadRecord:
    """A stored VCF or PED file. ``stored_name`` is generated; ``original_name`` is metadata only.

    For a VCF: ``sample`` is the proband's sample chosen at upload (None: not chosen; the analysis then
    takes a single-sample VCF's only sample, or the PED file's affected child), ``samples`` the header's
    sample names (the first :data:`~marbledx.registry.STORED_SAMPLE_NAMES` of them) and ``sample_count``
    how many the header names. ``samples`` and ``sample_count`` are None for a PED file, for a VCF uploaded
    before schema revision 0004, and for one whose header names no samples in a ``#CHROM`` line.

    For a PED file: ``couple`` is the couple chosen at upload, (FATHER, MOTHER) as typed, whose next child
    the counselling risks are for (checked against the file then; None: not chosen, and the analysis takes
    its default couple).
    """

    id: str
    case_id: str
    kind: UploadKind
    stored_name: str
    original_name: str | None
    size: int
    sha256: str
    created_at: dt.datetime
    created_by: str
    sample: str | None = None
    samples: tuple[str, ...] | None = None
    sample_count: int | None = None
    couple: tuple[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "case_id": self.case_id,
            "kind": self.kind,
            "original_name": self.original_name,
            "size": self.size,
            "sha256": self.sha256,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "sample": self.sample,
            "samples": list(self.samples) if self.samples is not None else None,
            "sample_count": self.sample_count,
            "couple": list(self.couple) if self.couple is not None else None,
        }


@dataclass(frozen=True)
class AnalysisRecord:
    """A stored analysis. ``result`` is ``AnalysisReport.to_dict()``; None in listings (not loaded).

    ``outdated``: the case has changed since (its fields, findings, labs or files), so the result no longer
    describes the data on file; analyse again.
    """

    id: str
    case_id: str
    created_at: dt.datetime
    created_by: str
    marbledx_version: str
    hpo_release: str
    result: dict[str, Any] | None = None
    outdated: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "case_id": self.case_id,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "marbledx_version": self.marbledx_version,
            "hpo_release": self.hpo_release,
            "outdated": self.outdated,
        }
        if self.result is not None:
            data["result"] = self.result
        return data


@dataclass(frozen=True)
class AuditRecord:
    """One audit event: who (None once unknown), what, which case (public id) and when."""

    id: int
    at: dt.datetime
    user: str | None
    action: str
    case_id: str | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "user": self.user,
            "action": self.action,
            "case_id": self.case_id,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class CaseDetail:
    """A case with its findings, labs over time, uploads and analyses (without their results)."""

    case: CaseRecord
    findings: tuple[FindingRecord, ...]
    labs: tuple[LabRecord, ...]
    uploads: tuple[UploadRecord, ...]
    analyses: tuple[AnalysisRecord, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.case.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "labs": [lab.to_dict() for lab in self.labs],
            "uploads": [u.to_dict() for u in self.uploads],
            "analyses": [a.to_dict() for a in self.analyses],
        }
