"""The registry's tables as SQLAlchemy 2 declarative models (private; the public API returns records).

Times are timezone-aware UTC everywhere (:class:`UTCDateTime` stores UTC and reads it back aware, on
SQLite too). Constraint names follow :data:`NAMING_CONVENTION` so Alembic batch migrations on SQLite can
address them. The Alembic migrations in ``migrations/versions`` must create exactly these tables; a test
compares them (autogenerate shows no difference) on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "AGE_AT_TEST_LENGTH",
    "AUDIT_ACTIONS",
    "NAMING_CONVENTION",
    "ROLES",
    "SEXES",
    "SIGN_IN_ACCOUNT_WIDE",
    "SIGN_IN_ANY_NAME",
    "SOURCES",
    "UPLOAD_KINDS",
    "Analysis",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Case",
    "Finding",
    "LabMeasurement",
    "LoginSession",
    "SignInThrottle",
    "Team",
    "UTCDateTime",
    "Upload",
    "User",
    "look_alike_key",
    "utcnow",
]

ROLES = ("clinician", "counsellor", "admin")
# The longest ISO 8601 age at a lab test the registry keeps: "P" and a float's shortest text in days (at most
# 24 characters) and "D" fit, as does any duration a person types ("P1Y11M3W6DT12H").
AGE_AT_TEST_LENGTH = 40
SEXES = ("female", "male")
SOURCES = ("entered", "text", "lab")
UPLOAD_KINDS = ("vcf", "ped")
AUDIT_ACTIONS = (
    "view",
    "create",
    "update",
    "delete",
    "analyze",
    "upload",
    "download",
    "login",
    "login_failed",
    # Account events (revision 0003): the event's user is the account acted on, its detail says who acted.
    "token_issued",
    "token_revoked",
    "password_changed",
    "account_deactivated",
    "account_activated",
)

# The ``client`` of a sign-in throttle's account-wide row (every address together). A client address never
# is "*": the registry keeps only letters, digits and ``. : % _ - [ ]`` of an address.
SIGN_IN_ACCOUNT_WIDE = "*"
# The ``account`` of a sign-in throttle's address-wide row (every name typed from one address together). A
# name's ``account`` is always 64 hex digits (its SHA-256), so it never is "*"; nor is a client address.
SIGN_IN_ANY_NAME = "*"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            msg = "naive datetime given to the registry; expected a timezone-aware time"
            raise ValueError(msg)
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON()}


def look_alike_key(text: str) -> str:
    """What two names that look the same share: compatibility forms folded (NFKC), case ignored, spaces
    collapsed. ``Haematology``, ``haematology`` and the same in full-width letters (U+FF48 …) have one key.

    ``teams.name_key`` holds it (revision 0009), so changing it needs a revision that recomputes the key of
    every team, in Python: SQL cannot compute NFKC and case folding alike on SQLite and PostgreSQL.
    """
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _team_name_key(context: DefaultExecutionContext) -> str:
    """A new team's ``name_key`` when the insert gives none (a Core insert, e.g. a restored row)."""
    parameters = context.get_current_parameters()  # type: ignore[no-untyped-call]  # SQLAlchemy leaves it untyped
    return look_alike_key(str(parameters["name"]))


class Team(Base):
    """A care team; every case belongs to one and is visible only to its members.

    ``name_key`` is :func:`look_alike_key` of the name (revision 0009), unique, so the database itself
    refuses a team whose name reads as another's (``Haematology`` beside ``haematology``, or the same in
    full-width letters), also when two server processes create them at the same moment. Unlike
    ``users.name_key`` there is no CHECK constraint: SQL cannot compute NFKC and case folding, so whoever
    writes the row writes the key (the model's default fills it from the name). ``Text``, not
    ``String(100)``: NFKC turns one character into up to 18 (U+FDFA), so the key of a 100-character name can
    be far longer than the name.
    """

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    name_key: Mapped[str] = mapped_column(Text, unique=True, default=_team_name_key)
    created_at: Mapped[dt.datetime]


def _name_key(context: DefaultExecutionContext) -> str:
    """A new account's ``name_key`` when the insert gives none (a Core insert, e.g. a restored row)."""
    parameters = context.get_current_parameters()  # type: ignore[no-untyped-call]  # SQLAlchemy leaves it untyped
    return str(parameters["name"]).lower()


class User(Base):
    """An account: unique name, one team, one role, an argon2 password hash.

    ``name_key`` is the name in lower case (revision 0006), unique, so the database itself refuses
    ``Alice`` beside ``alice`` (two accounts that read as one in every list and audit log), also when two
    server processes add them at the same moment. Names are ASCII (``check_name``), where SQL's
    ``lower()`` folds alike on SQLite and PostgreSQL; the CHECK constraint keeps the key equal to it
    whoever writes the row. A stored column rather than an index on ``lower(name)``: SQLite's reflection
    skips expression indexes, so Alembic could neither compare such an index with this model nor keep it
    through a batch migration (which copies the table).
    """

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint("name_key = lower(name)", name="name_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    name_key: Mapped[str] = mapped_column(String(100), unique=True, default=_name_key)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime]

    team: Mapped[Team] = relationship(lazy="joined", innerjoin=True)


class ApiToken(Base):
    """An API token: only the SHA-256 of the secret is kept; the secret is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class LoginSession(Base):
    """A browser sign-in: only the SHA-256 of the cookie's secret is kept.

    Sessions end (sign-out, idle or absolute timeout), so they are left out of backups (``info``).
    """

    __tablename__ = "login_sessions"
    __table_args__ = {"info": {"backup": False}}  # noqa: RUF012 - SQLAlchemy's declarative attribute

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    ended_at: Mapped[dt.datetime | None]


class SignInThrottle(Base):
    """Consecutive failed sign-ins for one account name from one client address (or from all of them,
    ``client`` :data:`SIGN_IN_ACCOUNT_WIDE`), and until when further sign-ins are refused (revision 0005).

    ``account`` is the SHA-256 (hex) of the name as typed, whether or not an account has it, so names that
    are no account are throttled alike and whatever was typed in the name field is not kept in clear.
    ``last_success_at`` marks an address that signed in to the account. A row whose ``account`` is
    :data:`SIGN_IN_ANY_NAME` counts the failures from its ``client`` address to any name (password
    spraying); a sign-in never resets it, so its ``last_success_at`` stays empty. The rows are bookkeeping
    that anyone can cause without an account, not records: left out of backups and of ``Registry.counts``.
    """

    __tablename__ = "sign_in_throttles"
    __table_args__ = (
        UniqueConstraint("account", "client"),
        {"info": {"backup": False, "contents": False}},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime | None]
    blocked_until: Mapped[dt.datetime | None]
    last_success_at: Mapped[dt.datetime | None]


class Case(Base):
    """A patient case of one team. ``version`` guards concurrent edits (optimistic concurrency)."""

    __tablename__ = "cases"
    __table_args__ = (CheckConstraint(f"sex IS NULL OR {_in('sex', SEXES)}", name="sex"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    age_days: Mapped[float | None] = mapped_column(Float)
    sex: Mapped[str | None] = mapped_column(String(10))
    # Family history (revision 0008), as marbledx.findings.FamilyHistory: the parents are related, a parent
    # or a brother or sister has the same condition. False is "no" and "not stated" alike: the ranking only
    # adds evidence for a true flag (docs/engine.md, "Age, sex and family history"). NOT NULL with a server
    # default, so the rows of earlier cases (and a Core insert that gives none, e.g. a restored older row)
    # read as not stated.
    consanguineous: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    affected_parent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    affected_sibling: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime]
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's declarative attribute)

    findings: Mapped[list[Finding]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="Finding.id"
    )
    labs: Mapped[list[LabMeasurement]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    uploads: Mapped[list[Upload]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    analyses: Mapped[list[Analysis]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class Finding(Base):
    """One phenotypic finding of a case: an HPO term, observed or excluded, and where it came from."""

    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint("case_id", "hpo_id"),
        CheckConstraint(_in("source", SOURCES), name="source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    hpo_id: Mapped[str] = mapped_column(String(10))
    excluded: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(10))


class LabMeasurement(Base):
    """One lab value of a case on a date; a case's labs over time are its measurements by date.

    ``age_at_test`` (revision 0010) is the patient's age when the sample was taken, an ISO 8601 duration
    (``P2M``, ``P60.875D``) as phenopackets and marbledx's lab layer write ages, or NULL: unknown, and the
    value is read at the case's age, as every value was before. It chooses the value's age-dependent
    reference interval (docs/labs.md), so a value of an earlier visit is not judged by the latest age.
    """

    __tablename__ = "lab_measurements"
    __table_args__ = (Index("ix_lab_measurements_case_analyte_date", "case_id", "analyte", "measured_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    analyte: Mapped[str] = mapped_column(String(50))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(30))
    measured_on: Mapped[dt.date | None] = mapped_column(Date)
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The ISO 8601 text as given (checked: marbledx.findings.parse_iso_age reads it, 0 to 130 years), not
    # days: "P2M" is what the laboratory or phenopacket said, and its days follow the lab layer's month length.
    age_at_test: Mapped[str | None] = mapped_column(String(AGE_AT_TEST_LENGTH))


class Upload(Base):
    """A VCF or PED file of a case, stored under a generated name; the original name is metadata only."""

    __tablename__ = "uploads"
    __table_args__ = (CheckConstraint(_in("kind", UPLOAD_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(3))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # A VCF's samples (revision 0004), all None for a PED file or a VCF uploaded before: ``sample`` is the
    # proband's sample chosen at upload (checked against the header); ``samples`` the header's first
    # sample names (tab-separated: a VCF sample name holds no tab), ``sample_count`` how many there are.
    sample: Mapped[str | None] = mapped_column(String(255))
    samples: Mapped[str | None] = mapped_column(Text)
    sample_count: Mapped[int | None] = mapped_column(Integer)
    # A PED file's couple (revision 0007), None for a VCF or when not chosen: whose next child the
    # counselling risks are for, as FATHER,MOTHER (an id holds no comma: the form splits at it), checked
    # against the file at upload.
    couple: Mapped[str | None] = mapped_column(String(511))


class Analysis(Base):
    """One stored analysis of a case: the JSON of ``AnalysisReport.to_dict()`` and what produced it."""

    __tablename__ = "analyses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    result: Mapped[dict[str, Any]]
    marbledx_version: Mapped[str] = mapped_column(String(50))
    hpo_release: Mapped[str] = mapped_column(String(50))


class AuditEvent(Base):
    """Who did what to which case and when. ``detail`` never holds patient data.

    The case is kept as its public id (no foreign key), so the trail outlives a deleted case.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        CheckConstraint(_in("action", AUDIT_ACTIONS), name="action"),
        Index("ix_audit_events_team_at", "team_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))
    case_public_id: Mapped[str | None] = mapped_column(String(36), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
