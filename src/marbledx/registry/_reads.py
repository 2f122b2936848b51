"""Reads of a case's parts as plain Core statements, built once at import and run on a connection.

The audited case view is the web app's most frequent request. Loading it through ORM objects cost about
5 ms of CPU (eleven identity-map lookups for names, statement construction and object instrumentation on
every call); these statements select only the columns the records need, join the acting users' names in
the same query, and are compiled once per engine (SQLAlchemy's statement cache), which brings the view to a
fraction of that (docs/benchmarks.md, "Web app under load"). Every function returns the registry's frozen
records, never ORM objects, and runs inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, cast

from sqlalchemy import Connection, Row, Select, Table, bindparam, insert, select

from marbledx._couple import parse_couple
from marbledx.errors import InputError
from marbledx.registry._checks import check_role
from marbledx.registry._models import (
    Analysis,
    ApiToken,
    AuditEvent,
    Case,
    Finding,
    LabMeasurement,
    LoginSession,
    Team,
    Upload,
    User,
)
from marbledx.registry._records import (
    AnalysisRecord,
    CaseRecord,
    FindingRecord,
    LabRecord,
    UploadKind,
    UploadRecord,
    UserInfo,
)

__all__ = [
    "ActorRow",
    "CaseRow",
    "actor_row",
    "analysis_records",
    "audit_event",
    "case_record",
    "case_row",
    "credential_row",
    "finding_records",
    "lab_records",
    "upload_records",
    "user_info",
]

_users = cast("Table", User.__table__)
_teams = cast("Table", Team.__table__)
_cases = cast("Table", Case.__table__)
_findings = cast("Table", Finding.__table__)
_labs = cast("Table", LabMeasurement.__table__)
_uploads = cast("Table", Upload.__table__)
_analyses = cast("Table", Analysis.__table__)
_audit = cast("Table", AuditEvent.__table__)
_tokens = cast("Table", ApiToken.__table__)
_sessions = cast("Table", LoginSession.__table__)

_created_by = _users.alias("created_by")
_updated_by = _users.alias("updated_by")

_ACTOR = (
    select(_users.c.id, _users.c.name, _users.c.team_id, _users.c.active, _teams.c.name.label("team"))
    .join_from(_users, _teams, _users.c.team_id == _teams.c.id)
    .where(_users.c.id == bindparam("user_id"))
)

# An API token or sign-in session (by the hash of its secret) with its account and the account's team.
_ACCOUNT_COLUMNS = (
    _users.c.id.label("user_id"),
    _users.c.name,
    _teams.c.name.label("team"),
    _users.c.role,
    _users.c.active,
    _users.c.created_at.label("user_created_at"),
)


def _credential(table: Table, hash_column: str, *columns: str) -> Select[Any]:
    """The row of ``table`` whose ``hash_column`` is ``:digest``: its ``id`` and ``columns``, and the account."""
    return (
        select(table.c.id, *(table.c[name] for name in columns), *_ACCOUNT_COLUMNS)
        .select_from(table)
        .join(_users, table.c.user_id == _users.c.id)
        .join(_teams, _users.c.team_id == _teams.c.id)
        .where(table.c[hash_column] == bindparam("digest"))
    )


_TOKEN = _credential(_tokens, "token_hash", "revoked_at", "last_used_at")
_SESSION = _credential(_sessions, "session_hash", "ended_at", "expires_at", "last_seen_at")

_CASE = (
    select(
        _cases.c.id,
        _cases.c.public_id,
        _teams.c.name.label("team"),
        _cases.c.label,
        _cases.c.age_days,
        _cases.c.sex,
        _cases.c.consanguineous,
        _cases.c.affected_parent,
        _cases.c.affected_sibling,
        _cases.c.created_at,
        _created_by.c.name.label("created_by"),
        _cases.c.updated_at,
        _updated_by.c.name.label("updated_by"),
        _cases.c.version,
    )
    .select_from(_cases)
    .join(_teams, _cases.c.team_id == _teams.c.id)
    .outerjoin(_created_by, _cases.c.created_by_id == _created_by.c.id)
    .outerjoin(_updated_by, _cases.c.updated_by_id == _updated_by.c.id)
    .where(_cases.c.public_id == bindparam("public_id"), _cases.c.team_id == bindparam("team_id"))
)

_FINDINGS = (
    select(_findings.c.hpo_id, _findings.c.excluded, _findings.c.source)
    .where(_findings.c.case_id == bindparam("case_id"))
    .order_by(_findings.c.id)
)

_LABS = (
    select(
        _labs.c.id,
        _labs.c.analyte,
        _labs.c.value,
        _labs.c.unit,
        _labs.c.measured_on,
        _labs.c.low,
        _labs.c.high,
        _labs.c.age_at_test,
        _labs.c.created_at,
        _created_by.c.name.label("created_by"),
    )
    .select_from(_labs)
    .outerjoin(_created_by, _labs.c.created_by_id == _created_by.c.id)
    .where(_labs.c.case_id == bindparam("case_id"))
)
# Labs over time: by date, undated last, then in the order they were entered.
_LAB_ORDER = (_labs.c.measured_on.is_(None), _labs.c.measured_on, _labs.c.id)
_LABS_ALL = _LABS.order_by(*_LAB_ORDER)
_LABS_OF_ANALYTE = _LABS.where(_labs.c.analyte == bindparam("analyte")).order_by(*_LAB_ORDER)
_LAB_BY_ID = _LABS.where(_labs.c.id == bindparam("lab_id"))

_UPLOADS = (
    select(
        _uploads.c.public_id,
        _uploads.c.kind,
        _uploads.c.stored_name,
        _uploads.c.original_name,
        _uploads.c.size,
        _uploads.c.sha256,
        _uploads.c.created_at,
        _created_by.c.name.label("created_by"),
        _uploads.c.sample,
        _uploads.c.samples,
        _uploads.c.sample_count,
        _uploads.c.couple,
    )
    .select_from(_uploads)
    .outerjoin(_created_by, _uploads.c.created_by_id == _created_by.c.id)
    .where(_uploads.c.case_id == bindparam("case_id"))
)
_UPLOADS_ALL = _UPLOADS.order_by(_uploads.c.id)
_UPLOAD_BY_ID = _UPLOADS.where(_uploads.c.id == bindparam("upload_id"))

# The listing leaves out each stored result (tens of kB of JSON): decoding them made every case view slower
# with every analysis.
_ANALYSES = (
    select(
        _analyses.c.public_id,
        _analyses.c.created_at,
        _created_by.c.name.label("created_by"),
        _analyses.c.marbledx_version,
        _analyses.c.hpo_release,
    )
    .select_from(_analyses)
    .outerjoin(_created_by, _analyses.c.created_by_id == _created_by.c.id)
    .where(_analyses.c.case_id == bindparam("case_id"))
    .order_by(_analyses.c.created_at, _analyses.c.id)
)

_AUDIT = insert(_audit)


ActorRow = Row[tuple[int, str, int, bool, str]]
"""``id, name, team_id, active, team`` of an account."""
CaseRow = Row[
    tuple[
        int,
        str,
        str,
        str,
        float | None,
        str | None,
        bool,
        bool,
        bool,
        dt.datetime,
        str,
        dt.datetime,
        str,
        int,
    ]
]
"""``id, public_id, team, label, age_days, sex, consanguineous, affected_parent, affected_sibling, created_at,
created_by, updated_at, updated_by, version``."""


def actor_row(connection: Connection, user_id: int) -> ActorRow | None:
    """The account ``user_id`` with its team's name, or None."""
    return cast("ActorRow | None", connection.execute(_ACTOR, {"user_id": user_id}).first())


def credential_row(connection: Connection, kind: Literal["token", "session"], digest: str) -> Row[Any] | None:
    """The API token (``kind`` "token": ``id, revoked_at, last_used_at``) or sign-in session ("session":
    ``id, ended_at, expires_at, last_seen_at``) whose secret hashes to ``digest``, with the account's
    ``user_id, name, team, role, active, user_created_at``; None when unknown."""
    statement = _TOKEN if kind == "token" else _SESSION
    return connection.execute(statement, {"digest": digest}).first()


def user_info(row: Row[Any]) -> UserInfo:
    """The account of a :func:`credential_row`."""
    return UserInfo(
        id=row.user_id,
        name=row.name,
        team=row.team,
        role=check_role(row.role),
        active=row.active,
        created_at=row.user_created_at,
    )


def case_row(connection: Connection, public_id: str, team_id: int) -> CaseRow | None:
    """The case ``public_id`` of team ``team_id`` (with the names of its creator and last editor), or None."""
    found = connection.execute(_CASE, {"public_id": public_id, "team_id": team_id}).first()
    return cast("CaseRow | None", found)


def case_record(row: CaseRow) -> CaseRecord:
    """The record of a :func:`case_row`."""
    return CaseRecord(
        id=row.public_id,
        team=row.team,
        label=row.label,
        age_days=row.age_days,
        sex=row.sex,
        consanguineous=row.consanguineous,
        affected_parent=row.affected_parent,
        affected_sibling=row.affected_sibling,
        created_at=row.created_at,
        created_by=row.created_by or "",
        updated_at=row.updated_at,
        updated_by=row.updated_by or "",
        version=row.version,
    )


def finding_records(connection: Connection, case_id: int) -> list[FindingRecord]:
    """The case's findings in entry order (``case_id`` is the case's row id)."""
    rows = connection.execute(_FINDINGS, {"case_id": case_id})
    return [FindingRecord(r.hpo_id, r.excluded, r.source) for r in rows]


def lab_records(
    connection: Connection, case_id: int, *, analyte: str | None = None, lab_id: int | None = None
) -> list[LabRecord]:
    """The case's labs over time (by date, undated last, then entry order), of one ``analyte`` or the one
    measurement ``lab_id`` when given."""
    if lab_id is not None:
        rows = connection.execute(_LAB_BY_ID, {"case_id": case_id, "lab_id": lab_id})
    elif analyte is not None:
        rows = connection.execute(_LABS_OF_ANALYTE, {"case_id": case_id, "analyte": analyte})
    else:
        rows = connection.execute(_LABS_ALL, {"case_id": case_id})
    return [
        LabRecord(
            id=r.id,
            analyte=r.analyte,
            value=r.value,
            unit=r.unit,
            measured_on=r.measured_on,
            low=r.low,
            high=r.high,
            created_at=r.created_at,
            created_by=r.created_by or "",
            age_at_test=r.age_at_test,
        )
        for r in rows
    ]


def upload_records(
    connection: Connection, case_id: int, case_public_id: str, *, upload_id: int | None = None
) -> list[UploadRecord]:
    """The case's uploads in upload order, or the one upload ``upload_id`` (its row id) when given."""
    if upload_id is not None:
        rows = connection.execute(_UPLOAD_BY_ID, {"case_id": case_id, "upload_id": upload_id})
    else:
        rows = connection.execute(_UPLOADS_ALL, {"case_id": case_id})
    return [
        UploadRecord(
            id=r.public_id,
            case_id=case_public_id,
            kind=cast("UploadKind", r.kind),
            stored_name=r.stored_name,
            original_name=r.original_name,
            size=r.size,
            sha256=r.sha256,
            created_at=r.created_at,
            created_by=r.created_by or "",
            sample=r.sample,
            samples=tuple(r.samples.split("\t")) if r.samples else None,
            sample_count=r.sample_count,
            couple=_stored_couple(r.couple),
        )
        for r in rows
    ]


def _stored_couple(text: str | None) -> tuple[str, str] | None:
    """The couple column (``FATHER,MOTHER``, checked at upload) as two ids; None when none was chosen, or
    when the column was changed outside marbledx into something that is not a couple (the analysis then
    takes its default couple rather than failing on every view of the case)."""
    if text is None:
        return None
    try:
        return parse_couple(text, what="couple")
    except InputError:
        return None


def analysis_records(
    connection: Connection, case_id: int, case_public_id: str, case_updated_at: dt.datetime
) -> list[AnalysisRecord]:
    """The case's analyses, oldest first, without their stored results; those older than the case's last
    change (``case_updated_at``) are ``outdated``."""
    rows = connection.execute(_ANALYSES, {"case_id": case_id})
    return [
        AnalysisRecord(
            id=r.public_id,
            case_id=case_public_id,
            created_at=r.created_at,
            created_by=r.created_by or "",
            marbledx_version=r.marbledx_version,
            hpo_release=r.hpo_release,
            outdated=r.created_at < case_updated_at,
        )
        for r in rows
    ]


def audit_event(
    connection: Connection,
    action: str,
    *,
    at: dt.datetime,
    user_id: int | None,
    team_id: int | None,
    case: str | None = None,
    detail: str = "",
) -> None:
    """Insert one audit event (in the caller's transaction)."""
    connection.execute(
        _AUDIT,
        {
            "at": at,
            "user_id": user_id,
            "team_id": team_id,
            "action": action,
            "case_public_id": case,
            "detail": detail,
        },
    )
