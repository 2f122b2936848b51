"""The case registry: accounts, API tokens, team-scoped cases, findings, labs over time, uploads, analyses
and the audit trail, on SQLite or PostgreSQL.

A :class:`Registry` is built from a database URL (:meth:`Registry.open`) and passed around; there is no
global engine. Every operation runs in one transaction (a unit of work): the change and its audit event
commit together or not at all. Case operations take the acting :class:`UserInfo`; the account is re-read
in the transaction, so a deactivated user or a changed role takes effect at once. Nothing here logs
patient data (findings, labels, names, file contents).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import logging
import math
import os
import re
import secrets
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final, Literal, TypeAlias, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import URL, CursorResult, Engine, Table, and_, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from marbledx._format import printable, quoted
from marbledx.errors import InputError
from marbledx.ontology import data_dir
from marbledx.registry import _db, _reads
from marbledx.registry._checks import (
    SNIFF_BYTES,
    STORED_SAMPLE_NAMES,
    FindingLike,
    check_age,
    check_age_at_test,
    check_couple,
    check_findings,
    check_flag,
    check_label,
    check_name,
    check_number,
    check_password,
    check_role,
    check_sample,
    check_sex,
    check_team,
    check_text,
    check_upload_head,
    check_vcf_header,
    couple_in_ped,
    json_safe,
    look_alike_key,
    matchable,
    mixed_scripts,
    sample_in_header,
    vcf_sample_names,
)
from marbledx.registry._errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RegistryError,
    TooManyAttemptsError,
    UploadTooLargeError,
)
from marbledx.registry._models import (
    SIGN_IN_ACCOUNT_WIDE,
    SIGN_IN_ANY_NAME,
    UPLOAD_KINDS,
    Analysis,
    ApiToken,
    AuditEvent,
    Base,
    Case,
    Finding,
    LabMeasurement,
    LoginSession,
    SignInThrottle,
    Team,
    Upload,
    User,
    utcnow,
)
from marbledx.registry._records import (
    AnalysisRecord,
    AuditRecord,
    CaseDetail,
    CaseRecord,
    CommandLineActor,
    EndedCredentials,
    FindingRecord,
    LabRecord,
    NewLab,
    TokenInfo,
    UploadRecord,
    UserInfo,
)

if TYPE_CHECKING:
    from marbledx.report import AnalysisReport

__all__ = [
    "DELETE_ROLES",
    "PASSWORD_CHANGE_ATTEMPTS",
    "PASSWORD_CHANGE_WINDOW",
    "SESSION_IDLE",
    "SESSION_LIFETIME",
    "SIGN_IN_ACCOUNT_ATTEMPTS",
    "SIGN_IN_ACCOUNT_DELAY",
    "SIGN_IN_ADDRESS_ATTEMPTS",
    "SIGN_IN_ADDRESS_DELAY",
    "SIGN_IN_ADDRESS_WINDOW",
    "SIGN_IN_CLIENT_ATTEMPTS",
    "SIGN_IN_FIRST_DELAY",
    "SIGN_IN_KNOWN_CLIENT",
    "SIGN_IN_MAX_DELAY",
    "SIGN_IN_MEMORY",
    "SIGN_IN_WAVE_ATTEMPTS",
    "SIGN_IN_WAVE_WINDOW",
    "UNSET",
    "Registry",
    "hash_token",
]

log = logging.getLogger("marbledx.registry")

DELETE_ROLES: Final = frozenset({"clinician", "admin"})
TOKEN_PREFIX: Final = "mdx_"
_TOKEN_TOUCH = dt.timedelta(seconds=60)  # last_used_at is refreshed at most once a minute per token
SESSION_PREFIX: Final = "mxs_"
# Browser sign-ins end after 30 idle minutes or 12 hours at most, whichever comes first: the usual bounds
# for shared clinical workstations (OWASP Session Management Cheat Sheet, "Session Expiration").
SESSION_IDLE: Final = dt.timedelta(minutes=30)
SESSION_LIFETIME: Final = dt.timedelta(hours=12)
# A user's own password change (the account page, POST /api/account/password) proves the current password.
# Whoever holds a session or token left open could guess it there, so after this many wrong current
# passwords within the window, changes of that account's password are refused, without checking the
# password, until the oldest of those failures is older than the window (OWASP Authentication Cheat
# Sheet, "Account Lockout"; NIST SP 800-63B §5.2.2, rate limiting). A password set since (by the user, an
# admin or the command line) starts the count afresh.
PASSWORD_CHANGE_ATTEMPTS: Final = 5
PASSWORD_CHANGE_WINDOW: Final = dt.timedelta(minutes=15)
_WRONG_CURRENT: Final = "wrong current password at a password change"
# Sign-in throttling. A hard lockout after N wrong passwords was rejected: anyone could lock a clinician out
# of the registry by failing on purpose. Instead delays that expire, as the OWASP Authentication Cheat Sheet
# advises ("Login Throttling", "Account Lockout": prefer throttling that expires to a lockout that enables
# denial of service) and NIST SP 800-63B §5.2.2 ("Rate Limiting (Throttling)": limit consecutive failed
# attempts on one account, with growing delays or an allow-list, without letting an attacker lock the
# account out). After SIGN_IN_CLIENT_ATTEMPTS failures in a row for one name from one client address, that
# address waits SIGN_IN_FIRST_DELAY, doubled with each further failure up to SIGN_IN_MAX_DELAY, before its
# next attempt for that name is checked. Other addresses are held back only by the name's failures from
# all addresses: after SIGN_IN_ACCOUNT_ATTEMPTS in a row, each further one makes addresses that have not
# signed in to the account within SIGN_IN_KNOWN_CLIENT wait SIGN_IN_ACCOUNT_DELAY (short: so a guesser,
# even from many addresses, cannot keep the clinician out, least of all on the clinician's own machine).
# A successful sign-in resets both counts; failures older than SIGN_IN_MEMORY are forgotten.
SIGN_IN_CLIENT_ATTEMPTS: Final = 5
SIGN_IN_FIRST_DELAY: Final = dt.timedelta(minutes=1)
SIGN_IN_MAX_DELAY: Final = dt.timedelta(minutes=15)
SIGN_IN_ACCOUNT_ATTEMPTS: Final = 50
SIGN_IN_ACCOUNT_DELAY: Final = dt.timedelta(minutes=1)
SIGN_IN_KNOWN_CLIENT: Final = dt.timedelta(days=30)
SIGN_IN_MEMORY: Final = dt.timedelta(hours=24)
# Password spraying: one address trying a few passwords on many names stays under every per-name count, so
# failures are also counted per address across all names (OWASP Authentication Cheat Sheet, "Login
# Throttling"; OWASP Credential Stuffing Prevention Cheat Sheet, "IP Mitigation and Intelligence": temporary,
# and watching bursts as well as low steady volumes; NIST SP 800-63B §5.2.2, rate limiting, which allows
# risk-based use of the addresses a user signed in from before). After SIGN_IN_ADDRESS_ATTEMPTS failures
# from one address, each within SIGN_IN_ADDRESS_WINDOW of the one before (so a slow steady guesser adds up
# too), that address waits SIGN_IN_ADDRESS_DELAY after each further failure, whatever name it types. 20 in
# 15 minutes is four times what one person's typing reaches before the per-name pause (5), so it falls on
# guessers and busy shared addresses (a hospital's NAT), not on one user, and it holds a guesser to about
# 80 attempts an hour from one address across all names. The pause is short and expires on its own (never
# a lockout). It spares a name that signed in from the address within SIGN_IN_KNOWN_CLIENT, so a guesser
# behind a shared address does not keep the clinicians there out of their own accounts. A successful
# sign-in never resets the count: a guesser could otherwise clear it by signing in to an account of theirs.
SIGN_IN_ADDRESS_ATTEMPTS: Final = 20
SIGN_IN_ADDRESS_WINDOW: Final = dt.timedelta(minutes=15)
SIGN_IN_ADDRESS_DELAY: Final = dt.timedelta(minutes=5)
# Password spraying from many addresses: each address stays under 20 and each name sees one guess per
# password, so no count above sees it. The registry adds up the address counts (the rows above): the
# failures of every address whose last failure is within SIGN_IN_WAVE_WINDOW, at most
# SIGN_IN_ADDRESS_ATTEMPTS from any one (one address alone never sets it off; its own ceiling holds it).
# While that sum is SIGN_IN_WAVE_ATTEMPTS or more (a "wave"), an address's pause across all names starts at
# its first failure instead of its twentieth: each guessing address gets one checked guess per
# SIGN_IN_ADDRESS_DELAY (12 an hour instead of about 80). Nothing else changes, so nobody is locked out:
# an address that has not failed is checked as always (a clinician at a new machine signs in), names
# that signed in from an address are spared as above, and it ends on its own 15 minutes after the
# failures stop. Refusing every address during a wave would stop a large botnet better but let any
# guesser keep clinicians out of new machines for as long as it keeps guessing; refusing only names
# that are no account would tell the guesser which names are accounts. The start of a wave is logged
# (counts only: no names, addresses or passwords) so the operator can block the addresses upstream
# (OWASP Credential Stuffing Prevention Cheat Sheet, "IP Mitigation and Intelligence" and "Defense in
# Depth"; OWASP Authentication Cheat Sheet, "Login Throttling"; NIST SP 800-63B §5.2.2). 50 within 15
# minutes takes three addresses or more, and is far above a registry's mistyped passwords.
SIGN_IN_WAVE_ATTEMPTS: Final = 50
SIGN_IN_WAVE_WINDOW: Final = SIGN_IN_ADDRESS_WINDOW
# What is kept of a client address: enough for IPv4, IPv6 (with a zone) and a proxy's host name; never "*".
_NOT_ADDRESS: Final = re.compile(r"[^0-9A-Za-z.:%_\-\[\]]")
_NO_ADDRESS: Final = "unknown"
_CHUNK = 1 << 20
# Row ids are 32-bit integers on PostgreSQL: a larger id (from a URL) cannot name a row, and binding it would
# fail inside the database driver rather than answer "not found".
_MAX_ROW_ID: Final = 2**31 - 1
_MAX_OFFSET: Final = 2**62
_COMMAND_LINE: Final = "by the server's command line"
# Who acts on an account: a team's admin (the web app), the command line naming its operating-system
# account (CommandLineActor), or None (the command line unnamed: the Python API's default).
Manager: TypeAlias = UserInfo | CommandLineActor | None
_cases_table = cast("Table", Case.__table__)
_tokens_table = cast("Table", ApiToken.__table__)
_sessions_table = cast("Table", LoginSession.__table__)
_users_table = cast("Table", User.__table__)


class _Unset(enum.Enum):
    UNSET = "UNSET"


UNSET: Final = _Unset.UNSET
"""Marks an :meth:`Registry.update_case` field that is left as it is."""


def hash_token(secret: str) -> str:
    """The SHA-256 (hex) under which an API token is stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _minutes(seconds: float) -> str:
    """A wait in whole minutes, rounded up: ``1 minute``, ``15 minutes``."""
    count = max(1, math.ceil(seconds / 60))
    return f"{count} minute{'' if count == 1 else 's'}"


def _pending(until: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a pause that lasts until ``until`` (None: no pause) still holds at ``now``."""
    return until is not None and now < until


@dataclasses.dataclass(frozen=True)
class _SignInCounters:
    """The throttle rows one sign-in attempt reads and counts in (see :class:`SignInThrottle`)."""

    own: SignInThrottle  # the name from this address
    everyone: SignInThrottle  # the name from all addresses
    address: SignInThrottle  # this address to any name (password spraying)


def _fsync_dir(folder: Path) -> None:
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _iter_chunks(stream: BinaryIO | Iterable[bytes]) -> Iterator[bytes]:
    read = getattr(stream, "read", None)
    if read is not None:
        while chunk := read(_CHUNK):
            yield bytes(chunk)
        return
    for chunk in stream:
        if chunk:
            yield bytes(chunk)


class Registry:
    """The case registry on one database. Build it with :meth:`open`; close it (or use ``with``)."""

    def __init__(
        self,
        engine: Engine,
        url: URL,
        *,
        uploads_dir: Path,
        password_hasher: PasswordHasher | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self._engine = engine
        self._write_engine = engine.execution_options(**{_db.WRITE_OPTION: True})
        self.url = url
        self.uploads_dir = uploads_dir
        self._hasher = password_hasher or PasswordHasher()
        self._dummy_hash: str | None = None
        # One lock per account for its password changes: within this process the count of wrong current
        # passwords is read and extended by one attempt at a time, so parallel guesses cannot all slip in
        # under the limit.
        self._password_locks: dict[int, threading.Lock] = {}
        self._password_locks_guard = threading.Lock()
        self.clock: Callable[[], dt.datetime] = clock or utcnow
        """The sign-in throttle's time source (timezone-aware UTC); tests replace it to move time on."""

    # -- lifecycle ---------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        url: str | URL | None = None,
        *,
        migrate: bool = True,
        uploads_dir: str | Path | None = None,
        password_hasher: PasswordHasher | None = None,
        sqlite_synchronous: _db.SqliteSynchronous = "FULL",
        clock: Callable[[], dt.datetime] | None = None,
    ) -> Registry:
        """Open the registry at ``url`` (default: ``$MARBLEDX_DATABASE_URL``, else SQLite in the data dir).

        With ``migrate`` the schema is upgraded to the newest revision first (creating it in an empty
        database); without it, a database that is not at the newest revision is refused. Uploaded files
        live in ``uploads_dir`` (default: ``uploads`` in the marbledx data folder, outside any web root).
        ``password_hasher`` replaces argon2-cffi's default argon2id parameters (e.g. cheaper ones in tests).
        ``sqlite_synchronous="NORMAL"`` trades the durability of the last commits on a power failure for
        faster commits on SQLite (see :func:`marbledx.registry._db.make_engine`). ``clock`` is the sign-in
        throttle's time source (default: the current UTC time).
        """
        parsed = _db.normalise_url(url)
        engine = _db.make_engine(parsed, sqlite_synchronous=sqlite_synchronous)
        try:
            _db.check_connection(engine, parsed)
            if migrate:
                _db.upgrade(engine)
            else:
                with engine.connect() as connection:
                    revision = _db.current_revision(connection)
                where = _db.redacted(parsed)
                if revision is None:
                    msg = f"the database {where} holds no marbledx registry (no schema revision)"
                    raise RegistryError(msg)
                if revision != _db.head_revision():
                    msg = (
                        f"the registry database {where} is at schema revision {revision}, this marbledx "
                        f"expects {_db.head_revision()}; use the marbledx version that last opened it, or "
                        "upgrade it by opening it with migration (e.g. 'marbledx users list')"
                    )
                    raise RegistryError(msg)
        except BaseException:
            engine.dispose()
            raise
        folder = Path(uploads_dir) if uploads_dir is not None else data_dir() / "uploads"
        return cls(engine, parsed, uploads_dir=folder, password_hasher=password_hasher, clock=clock)

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Registry({_db.redacted(self.url)!r})"

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for tools and tests; prefer the registry's methods)."""
        return self._engine

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session in one write transaction: committed on success, rolled back on any error.

        On SQLite the transaction takes the write lock at once (``BEGIN IMMEDIATE``), so two writers wait
        for each other instead of failing half-way.
        """
        with Session(self._write_engine, expire_on_commit=False) as session:
            try:
                with session.begin():
                    yield session
            except StaleDataError as exc:
                msg = "the case was changed by someone else meanwhile; reload it and try again"
                raise ConflictError(msg) from exc

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            yield session

    def schema_revision(self) -> str | None:
        """The database's schema revision (the newest known after :meth:`open` with migration)."""
        with self._engine.connect() as connection:
            return _db.current_revision(connection)

    def counts(self) -> dict[str, int]:
        """Rows per table, in dependency order.

        The sign-in throttle's counters are left out (``info={"contents": False}``): bookkeeping of failed
        sign-ins for any name typed, by anyone, not records of the registry; backups and restores leave
        them out too.
        """
        with self._reading() as session:
            return {
                table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
                for table in Base.metadata.sorted_tables
                if table.info.get("contents", True)
            }

    def is_empty(self) -> bool:
        """Whether the registry holds no rows at all (no teams, users, cases or audit events)."""
        return not any(self.counts().values())

    # -- helpers -----------------------------------------------------------------------------------------

    @classmethod
    def _audit_case(cls, session: Session, action: str, actor: User, case: Case, detail: str) -> None:
        """An audit event for an action of ``actor`` (a user row) on ``case`` (a case row)."""
        cls._audit(
            session, action, user_id=actor.id, team_id=actor.team_id, case=case.public_id, detail=detail
        )

    @staticmethod
    def _audit(
        session: Session,
        action: str,
        *,
        user_id: int | None,
        team_id: int | None,
        case: str | None = None,
        detail: str = "",
    ) -> None:
        session.add(
            AuditEvent(
                at=utcnow(),
                user_id=user_id,
                team_id=team_id,
                action=action,
                case_public_id=case,
                detail=detail,
            )
        )

    @staticmethod
    def _check_actor(name: str | None, active: bool, user: UserInfo) -> None:
        """The account re-read in the transaction (``name`` None when gone) must still be ``user``, active."""
        if name is None or name != user.name:
            msg = f"no user {user.name!r}"
            raise NotFoundError(msg)
        if not active:
            msg = f"account {name!r} is deactivated"
            raise PermissionDeniedError(msg)

    @classmethod
    def _actor(cls, session: Session, user: UserInfo) -> User:
        row = session.get(User, user.id)
        cls._check_actor(row.name if row is not None else None, row is not None and row.active, user)
        return cast("User", row)

    @staticmethod
    def _no_case(case_id: str, team: str) -> NotFoundError:
        return NotFoundError(f"no case {case_id!r} in team {team!r}")

    @classmethod
    def _case(cls, session: Session, actor: User, case_id: str) -> Case:
        query = select(Case).where(Case.public_id == str(case_id), Case.team_id == actor.team_id)
        row = session.scalars(query).one_or_none() if matchable(str(case_id)) else None
        if row is None:
            raise cls._no_case(case_id, actor.team.name)
        return row

    @staticmethod
    def _name(session: Session, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        row = session.get(User, user_id)
        return row.name if row is not None else None

    @staticmethod
    def _user_info(row: User) -> UserInfo:
        return UserInfo(
            id=row.id,
            name=row.name,
            team=row.team.name,
            role=check_role(row.role),
            active=row.active,
            created_at=row.created_at,
        )

    def _case_record(self, session: Session, row: Case) -> CaseRecord:
        # From an ORM row in hand (writes, the case list): names come from the identity map, with no query
        # per row. The case view builds the same record from one joined Core row (_reads.case_record).
        team = session.get(Team, row.team_id)
        return CaseRecord(
            id=row.public_id,
            team=team.name if team is not None else "",
            label=row.label,
            age_days=row.age_days,
            sex=row.sex,
            consanguineous=row.consanguineous,
            affected_parent=row.affected_parent,
            affected_sibling=row.affected_sibling,
            created_at=row.created_at,
            created_by=self._name(session, row.created_by_id) or "",
            updated_at=row.updated_at,
            updated_by=self._name(session, row.updated_by_id) or "",
            version=row.version,
        )

    @staticmethod
    def _lab_record(session: Session, row: LabMeasurement) -> LabRecord:
        """The record of a stored (flushed) lab row."""
        return _reads.lab_records(session.connection(), row.case_id, lab_id=row.id)[0]

    @staticmethod
    def _upload_record(session: Session, row: Upload, case_id: str) -> UploadRecord:
        """The record of a stored (flushed) upload row."""
        return _reads.upload_records(session.connection(), row.case_id, case_id, upload_id=row.id)[0]

    def _analysis_record(self, session: Session, row: Analysis, case: Case) -> AnalysisRecord:
        """The record of a stored analysis of ``case``, with its result."""
        return AnalysisRecord(
            id=row.public_id,
            case_id=case.public_id,
            created_at=row.created_at,
            created_by=self._name(session, row.created_by_id) or "",
            marbledx_version=row.marbledx_version,
            hpo_release=row.hpo_release,
            result=row.result,
            outdated=row.created_at < case.updated_at,
        )

    @staticmethod
    def _touch(case: Case, actor: User) -> None:
        case.updated_at = utcnow()
        case.updated_by_id = actor.id

    @staticmethod
    def _inputs_changed(session: Session, case: Case, actor: User) -> None:
        """Mark ``case`` changed after a lab value or file that feeds its analysis was added or removed.

        ``updated_at`` moves on, so the analyses stored before it read as out of date (the results page,
        the reports). The version does not: labs and files are appended, not edited, and a form loaded
        before must stay valid. Hence a Core UPDATE: through the ORM, any change to the row would also
        raise the version (its ``version_id_col``).
        """
        now = utcnow()
        session.connection().execute(
            update(_cases_table)
            .where(_cases_table.c.id == case.id)
            .values(updated_at=now, updated_by_id=actor.id)
        )
        set_committed_value(case, "updated_at", now)
        set_committed_value(case, "updated_by_id", actor.id)

    @staticmethod
    def _check_version(case: Case, version: int | None) -> None:
        if version is not None and case.version != version:
            msg = (
                f"case {case.public_id} is at version {case.version}, not {version}: it was changed by "
                "someone else meanwhile; reload it and try again"
            )
            raise ConflictError(msg)

    # -- users and tokens --------------------------------------------------------------------------------

    def add_user(self, name: str, team: str, role: str, password: str, *, by: Manager = None) -> UserInfo:
        """Create an account (and its team when new). Raises :class:`ConflictError` if the name is taken, in
        any case (``Alice`` beside ``alice``), also when another server process adds it at the same moment.

        The password must pass :func:`check_password` (at least 10 characters), as for every password. ``by``
        is a team's admin adding an account from the web app: ``team`` must be the admin's own team (else
        :class:`PermissionDeniedError`; another role is refused too), and the new account's
        ``account_activated`` event in that team's log says ``account created (<role>); by <admin>``.
        ``by`` a :class:`CommandLineActor` (``marbledx users add``) creates the team when new and writes the
        same event, ``by the server's command line (OS user …)``. Without ``by`` the team is created when
        new and no event is written.
        """
        name, team, role = check_name(name, "user name"), check_team(team), check_role(role)
        if isinstance(by, UserInfo):  # refuse a non-admin before the argon2 work
            with self._reading() as session:
                self._admin_of(session, by, team)
        password_hash = self._hasher.hash(check_password(password))
        key = self._name_key(name)
        try:
            with self.unit_of_work() as session:
                who: str | None = None
                if isinstance(by, UserInfo):
                    who = f"by {self._admin_of(session, by, team).name}"
                elif isinstance(by, CommandLineActor):
                    who = by.audit_label
                self._check_name_free(session, name)
                team_row = session.scalars(select(Team).where(Team.name == team)).one_or_none()
                if team_row is None:
                    self._check_new_team(session, team)
                    team_row = Team(name=team, name_key=look_alike_key(team), created_at=utcnow())
                    session.add(team_row)
                    session.flush()
                row = User(
                    name=name,
                    name_key=key,
                    team_id=team_row.id,
                    role=role,
                    password_hash=password_hash,
                    active=True,
                    created_at=utcnow(),
                )
                session.add(row)
                session.flush()
                session.refresh(row)
                info = self._user_info(row)
                if who is not None:
                    # No event of its own (the audit actions' CHECK constraint would need a schema
                    # revision): the account becomes active, and the detail says it was created.
                    self._audit_account(session, "account_activated", row, f"account created ({role}); {who}")
        except IntegrityError:  # a concurrent add of the same name (in any case) or team (in any look-alike)
            # Not chained: the database error's text quotes the insert's parameters, the password's hash.
            raced = self._name_taken_meanwhile(name) or self._team_alike_meanwhile(team)
            if raced is not None:
                raise raced from None
            msg = f"user {name!r} or team {team!r} was created concurrently; try again"
            raise ConflictError(msg) from None
        log.info("registry: added user id %s (role %s)", info.id, role)
        return info

    @staticmethod
    def _name_key(name: str) -> str:
        """The key under which a user name is unique (``users.name_key``).

        Names are ASCII (check_name), so lower() folds case alike here, in SQLite and in PostgreSQL: "Alice"
        beside "alice" would be two accounts that read as one in every list and audit log. The database
        holds the same key (users.name_key, unique since revision 0006; CHECK name_key = lower(name)).
        """
        return name.lower()

    @classmethod
    def _name_taken_by(cls, session: Session, name: str, *, account_id: int | None = None) -> str | None:
        """The name of the account (other than ``account_id``) that holds ``name`` in any case, or None."""
        query = select(User.name).where(User.name_key == cls._name_key(name))
        if account_id is not None:
            query = query.where(User.id != account_id)
        return session.scalars(query).first()

    @staticmethod
    def _name_taken_error(name: str, taken: str) -> ConflictError:
        alike = "" if taken == name else f" as {taken!r} (names differing only in case look alike)"
        msg = f"user {name!r} already exists{alike}; expected a new user name"
        return ConflictError(msg)

    @classmethod
    def _check_name_free(cls, session: Session, name: str, *, account_id: int | None = None) -> None:
        """Refuse a user name that another account holds, in any case (:class:`ConflictError`): the one check
        of :meth:`add_user` and :meth:`rename_user`. ``account_id`` is the account being renamed, whose own
        name does not count (``alice`` may become ``Alice``)."""
        taken = cls._name_taken_by(session, name, account_id=account_id)
        if taken is not None:
            raise cls._name_taken_error(name, taken)

    def _name_taken_meanwhile(self, name: str, *, account_id: int | None = None) -> ConflictError | None:
        """After an insert or rename failed in the database: the :class:`ConflictError` of
        :meth:`_check_name_free` when another server process took ``name`` (in any case) after the check and
        committed first (PostgreSQL then fails the write on ``uq_users_name_key``), so a race gets the same
        answer as a name taken before; None when the name is free after all."""
        with self._reading() as session:
            taken = self._name_taken_by(session, name, account_id=account_id)
        return None if taken is None else self._name_taken_error(name, taken)

    @classmethod
    def _check_new_team(cls, session: Session, team: str) -> None:
        """Refuse a new team's name that reads as an existing team's: a typo in case or spacing, or a
        look-alike letter of another script, would otherwise make a second team whose members silently
        cannot see the first one's cases."""
        scripts = mixed_scripts(team)
        if len(scripts) > 1:
            mixed = " and ".join(script.title() for script in scripts)
            msg = (
                f"team name {quoted(team)} mixes {mixed} letters, which look alike; expected a new team's "
                "name written in one script"
            )
            raise InputError(msg)
        alike = cls._team_alike(session, team)
        if alike is not None:
            raise alike

    @staticmethod
    def _team_alike(session: Session, team: str) -> InputError | None:
        """The :class:`InputError` for a new team ``team`` whose name reads as an existing team's (the same
        :func:`look_alike_key`, which ``teams.name_key`` holds, unique since revision 0009), or None."""
        key = look_alike_key(team)
        # The stored key is what the database compares; the name's own key too, for a team renamed by hand
        # without its key (nothing in SQL can keep the two in step).
        existing = next(
            (
                name
                for name, stored in session.execute(select(Team.name, Team.name_key))
                if name != team and key in (stored, look_alike_key(name))
            ),
            None,
        )
        if existing is None:
            return None
        msg = (
            f"team {quoted(team)} would be a new team but reads as the existing team "
            f"{quoted(existing)}; expected that team's exact name, or a clearly different one"
        )
        return InputError(msg)

    def _team_alike_meanwhile(self, team: str) -> InputError | None:
        """After an insert failed in the database: the :class:`InputError` of :meth:`_check_new_team` when
        another server process created a team reading as ``team`` after the check and committed first
        (PostgreSQL then fails the insert on ``uq_teams_name_key``), so a race gets the same answer as a
        team created before; None otherwise (e.g. the same name created meanwhile: then try again)."""
        with self._reading() as session:
            return self._team_alike(session, team)

    def get_user(self, name: str) -> UserInfo:
        """The account called ``name``; raises :class:`NotFoundError`."""
        with self._reading() as session:
            row = session.scalars(select(User).where(User.name == name)).one_or_none()
            if row is None:
                msg = f"no user {name!r}"
                raise NotFoundError(msg)
            return self._user_info(row)

    def list_users(self, team: str | None = None, *, by: UserInfo | None = None) -> list[UserInfo]:
        """All accounts (of one team when given), by team and name.

        With ``by`` (an admin managing accounts from the web app) only the admin's own team's accounts,
        whatever ``team`` says; another role raises :class:`PermissionDeniedError`.
        """
        with self._reading() as session:
            query = select(User).join(Team, User.team_id == Team.id).order_by(Team.name, User.name)
            if by is not None:
                query = query.where(User.team_id == self._admin(session, by).team_id)
            elif team is not None:
                query = query.where(Team.name == team)
            return [self._user_info(row) for row in session.scalars(query)]

    # -- account management (the command line, or a team's admin in the web app) ----------------------------

    @staticmethod
    def _account(session: Session, name: str) -> User:
        row = (
            session.scalars(select(User).where(User.name == name)).one_or_none() if matchable(name) else None
        )
        if row is None:
            msg = f"no user {name!r}"
            raise NotFoundError(msg)
        return row

    @classmethod
    def _admin(cls, session: Session, by: UserInfo) -> User:
        """The acting account re-read in the transaction: it must be an active admin."""
        actor = cls._actor(session, by)
        if actor.role != "admin":
            msg = f"managing accounts is for the team's admins; {actor.name} is a {actor.role}"
            raise PermissionDeniedError(msg)
        return actor

    @classmethod
    def _admin_of(cls, session: Session, by: UserInfo, team: str) -> User:
        """The acting admin, who may add accounts to their own team only."""
        actor = cls._admin(session, by)
        if actor.team.name != team:
            msg = f"{actor.name} adds accounts to their own team {actor.team.name!r} only, not to {team!r}"
            raise PermissionDeniedError(msg)
        return actor

    @classmethod
    def _managed(cls, session: Session, name: str, by: Manager) -> tuple[User, str]:
        """The account ``name`` and who manages it, for the audit detail.

        ``by`` None is whoever runs the server's command line, a :class:`CommandLineActor` names their
        operating-system account; otherwise an active admin of the account's team (an account of another
        team is reported as unknown, as another team's case is).
        """
        row = cls._account(session, name)
        if by is None:
            return row, _COMMAND_LINE
        if isinstance(by, CommandLineActor):
            return row, by.audit_label
        actor = cls._admin(session, by)
        if actor.team_id != row.team_id:
            msg = f"no user {name!r}"
            raise NotFoundError(msg)
        return row, f"by {actor.name}"

    @staticmethod
    def _audit_account(session: Session, action: str, account: User, detail: str) -> None:
        # The event names the account acted on (so it shows in that team's log); the detail says who acted.
        Registry._audit(session, action, user_id=account.id, team_id=account.team_id, detail=detail)

    @staticmethod
    def _end_sessions(session: Session, account: User, *, keep: str | None = None) -> int:
        """End the account's live sign-in sessions (all but the one whose secret is ``keep``); how many."""
        now = utcnow()
        table = _sessions_table
        statement = (
            update(table)
            .where(
                table.c.user_id == account.id,
                table.c.ended_at.is_(None),
                table.c.expires_at > now,
                table.c.last_seen_at > now - SESSION_IDLE,
            )
            .values(ended_at=now)
        )
        if keep is not None:
            statement = statement.where(table.c.session_hash != hash_token(keep))
        result = cast("CursorResult[Any]", session.connection().execute(statement))
        return int(result.rowcount or 0)

    @staticmethod
    def _revoke_tokens(session: Session, account: User) -> int:
        """Revoke every unrevoked API token of the account; how many."""
        table = _tokens_table
        statement = (
            update(table)
            .where(table.c.user_id == account.id, table.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        result = cast("CursorResult[Any]", session.connection().execute(statement))
        return int(result.rowcount or 0)

    def set_password(
        self,
        name: str,
        password: str,
        *,
        keep_session: str | None = None,
        revoke_tokens: bool = False,
        by: Manager = None,
    ) -> EndedCredentials:
        """Replace a user's password (checked like a new one) and end the account's sign-in sessions.

        A password is changed when it may be known to someone else, so every session it opened ends
        (OWASP Session Management); ``keep_session`` (a session's secret) spares the one a user changes
        their own password from. API tokens are kept unless ``revoke_tokens``: the password cannot obtain
        one (only :meth:`issue_token`, run by an administrator, can), so a token's holder is not the
        password's, and scripts that use them keep working; revoke a leaked token with
        :meth:`revoke_token`. ``by`` is the acting admin, a :class:`CommandLineActor` or None for the
        server's command line. Writes a ``password_changed`` event; returns what was ended.
        """
        password_hash = self._hasher.hash(check_password(password))
        with self.unit_of_work() as session:
            row, who = self._managed(session, name, by)
            return self._replace_password(
                session, row, password_hash, keep_session=keep_session, revoke_tokens=revoke_tokens, who=who
            )

    def _replace_password(
        self,
        session: Session,
        row: User,
        password_hash: str,
        *,
        keep_session: str | None,
        revoke_tokens: bool,
        who: str,
    ) -> EndedCredentials:
        """Store a new password hash and end what it must end, with its ``password_changed`` event: the
        one code path of :meth:`set_password` (an admin, the command line) and :meth:`change_password`."""
        row.password_hash = password_hash
        ended = EndedCredentials(
            sessions=self._end_sessions(session, row, keep=keep_session),
            tokens=self._revoke_tokens(session, row) if revoke_tokens else 0,
        )
        kept = "" if revoke_tokens else " (API tokens kept)"
        self._audit_account(
            session,
            "password_changed",
            row,
            f"sessions ended: {ended.sessions}, API tokens revoked: {ended.tokens}{kept}; {who}",
        )
        return ended

    def _password_lock(self, user_id: int) -> threading.Lock:
        with self._password_locks_guard:
            return self._password_locks.setdefault(user_id, threading.Lock())

    @staticmethod
    def _password_change_paused_until(session: Session, row: User) -> dt.datetime | None:
        """When password changes of the account are accepted again, or None when they are now.

        Paused once :data:`PASSWORD_CHANGE_ATTEMPTS` wrong current passwords fall within
        :data:`PASSWORD_CHANGE_WINDOW` with no password set since; read from the audit trail, so the count
        holds across restarts and server processes. Only the window's events are read (the team's
        ``(team_id, at)`` index).
        """
        now = utcnow()
        counted = or_(
            AuditEvent.action == "password_changed",
            and_(AuditEvent.action == "login_failed", AuditEvent.detail == _WRONG_CURRENT),
        )
        query = (
            select(AuditEvent.at, AuditEvent.action)
            .where(
                AuditEvent.team_id == row.team_id,
                AuditEvent.at > now - PASSWORD_CHANGE_WINDOW,
                AuditEvent.user_id == row.id,
                counted,
            )
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(PASSWORD_CHANGE_ATTEMPTS)
        )
        events = session.execute(query).all()
        if len(events) < PASSWORD_CHANGE_ATTEMPTS or any(e.action == "password_changed" for e in events):
            return None
        return cast("dt.datetime", events[-1].at) + PASSWORD_CHANGE_WINDOW

    def _check_current_password(self, user: UserInfo, current: str) -> str:
        """Verify a user's current password for their own change; the stored hash it matched.

        Refused without verifying while the account's changes are paused (:class:`TooManyAttemptsError`),
        and a wrong one is an :class:`InputError`; both are audited as ``login_failed``.
        """
        with self._password_lock(user.id):
            with self._reading() as session:
                row = self._actor(session, user)
                stored, paused_until = row.password_hash, self._password_change_paused_until(session, row)
            if paused_until is None:
                try:
                    self._hasher.verify(stored, current)
                except (VerificationError, InvalidHashError):
                    pass
                else:
                    return stored
            detail = _WRONG_CURRENT if paused_until is None else "password change refused: too many tries"
            with self.unit_of_work() as session:
                row = self._actor(session, user)
                self._audit(session, "login_failed", user_id=row.id, team_id=row.team_id, detail=detail)
        if paused_until is None:
            msg = "current password is wrong; nothing was changed"
            raise InputError(msg)
        wait = max(1, math.ceil((paused_until - utcnow()).total_seconds()))
        minutes = int(PASSWORD_CHANGE_WINDOW.total_seconds() // 60)
        msg = (
            f"too many wrong current passwords ({PASSWORD_CHANGE_ATTEMPTS} in {minutes} minutes): password "
            f"changes of {row.name} are paused until {paused_until:%H:%M} UTC; nothing was changed, and the "
            "password was not checked"
        )
        raise TooManyAttemptsError(msg, retry_after=wait)

    def change_password(
        self,
        user: UserInfo,
        current: str,
        new: str,
        *,
        keep_session: str | None = None,
        revoke_tokens: bool = False,
    ) -> EndedCredentials:
        """A user changes their own password, proving the current one (the web app's account page).

        The new password is checked and stored as by :meth:`set_password`, with the same effects: every
        sign-in session of the account ends but ``keep_session`` (the one the user changes it from), API
        tokens are kept unless ``revoke_tokens``, and a ``password_changed`` event says ``by <the user>``.
        A wrong current password raises :class:`InputError` naming the field, changes nothing, and is
        audited as ``login_failed`` (a guess at the password from a session left open). After
        :data:`PASSWORD_CHANGE_ATTEMPTS` wrong ones within :data:`PASSWORD_CHANGE_WINDOW`, the account's
        changes are refused without checking the password (:class:`TooManyAttemptsError`, also audited)
        until the oldest of them leaves the window; a password set meanwhile lifts the pause. The argon2
        work is done outside the write transaction, so the registry's other writers do not wait for it.
        """
        try:
            check_password(new)
        except InputError as exc:  # "password too short; …": the form's field is the new password
            msg = f"new {exc}"
            raise InputError(msg) from None
        stored = self._check_current_password(user, current)
        password_hash = self._hasher.hash(new)
        with self.unit_of_work() as session:
            row = self._actor(session, user)
            if row.password_hash != stored:
                msg = "the password was changed meanwhile (another session?); sign in again and retry"
                raise ConflictError(msg)
            return self._replace_password(
                session,
                row,
                password_hash,
                keep_session=keep_session,
                revoke_tokens=revoke_tokens,
                who=f"by {row.name}",
            )

    @staticmethod
    def _lock_team_admins(session: Session, by: UserInfo) -> None:
        """Lock the acting admin's team's active admins (PostgreSQL: ``FOR UPDATE``, in id order).

        Two admins deactivating each other at once would otherwise each see the other still active and
        leave the team without one; locked, the second waits and then finds itself deactivated. SQLite
        needs nothing: its write transactions run one at a time (``BEGIN IMMEDIATE``).
        """
        query = (
            select(User.id)
            .join(Team, User.team_id == Team.id)
            .where(Team.name == by.team, User.role == "admin", User.active.is_(True))
            .order_by(User.id)
            .with_for_update(of=User)
        )
        session.execute(query).all()

    def set_active(self, name: str, active: bool, *, by: Manager = None) -> UserInfo:
        """Activate or deactivate an account. Writes an ``account_activated``/``account_deactivated`` event.

        Deactivating ends the account's sign-in sessions and revokes its API tokens for good: activating
        it again does not bring them back (sign in again; issue a new token). ``by`` is the acting admin,
        a :class:`CommandLineActor` or None for the server's command line. An admin cannot deactivate their
        own account (:class:`PermissionDeniedError`): the team could be left without an admin, and the
        admin without a way back; another admin, or the command line, can. So an admin never deactivates
        the team's last active admin, also when two admins deactivate each other at once
        (:meth:`_lock_team_admins`). An account already in the state asked for is left as it is, with no
        event (a form sent twice).
        """
        with self.unit_of_work() as session:
            admin = by if isinstance(by, UserInfo) else None
            if admin is not None and not active:
                self._lock_team_admins(session, admin)
            row, who = self._managed(session, name, by)
            if admin is not None and not active and row.id == admin.id:
                msg = (
                    f"{row.name} cannot deactivate their own account; another admin of the team can, or "
                    "'marbledx users deactivate' on the server"
                )
                raise PermissionDeniedError(msg)
            if row.active == active:
                return self._user_info(row)
            row.active = active
            if active:
                self._audit_account(session, "account_activated", row, who)
            else:
                sessions, tokens = self._end_sessions(session, row), self._revoke_tokens(session, row)
                self._audit_account(
                    session,
                    "account_deactivated",
                    row,
                    f"sessions ended: {sessions}, API tokens revoked: {tokens}; {who}",
                )
            return self._user_info(row)

    def rename_user(self, old: str, new: str, *, by: Manager = None) -> UserInfo:
        """Rename the account ``old`` to ``new``; returns the renamed account.

        ``new`` must pass the rules of :meth:`add_user` (:func:`check_name`: 1-100 ASCII letters, digits or
        ``. _ @ -``) and be no other account's name in any case (:class:`ConflictError`, also when another
        server process takes it at the same moment: the unique ``users.name_key`` refuses the second);
        a change of case of the account's own name (``alice`` to ``Alice``) is allowed. The account keeps
        its id, team, role, password, active state, API tokens and audit history: everything refers to it
        by id, so its past events and cases show the new name. Its sign-in sessions end, as for
        :meth:`set_password`: the person must sign in with the new name, now, when whoever renamed it can
        tell them, rather than at the next timeout, when the old name would be refused as an unknown
        one. API tokens are kept (scripts send a token, never the name). The sign-in throttle's rows of
        the old name (:class:`SignInThrottle`, keyed by the SHA-256 of the name typed) are deleted: that
        name is no account's now and may become another account's, which must not inherit the addresses
        this one signed in from; the new name's rows are left, as :meth:`add_user` leaves a new name's.
        Writes an ``update`` event without a case in the account's team (no ``account_renamed`` action:
        adding one to the audit actions' CHECK constraint needs a schema revision), with the detail
        ``account renamed from <old> to <new>; sessions ended: <n>; <who>`` (user names are not patient
        data, and their characters cannot fake the detail's punctuation).

        ``by`` is the acting admin (the account must be of their team, else it is reported as unknown, as
        for the other account actions), a :class:`CommandLineActor` or None for the server's command line.
        Refused: an unknown ``old`` (:class:`NotFoundError`), an invalid ``new`` or the account's current
        name (:class:`InputError`), a taken one (:class:`ConflictError`).
        """
        new = check_name(new, "new user name")
        account_id: int | None = None
        try:
            with self.unit_of_work() as session:
                row, who = self._managed(session, old, by)
                was, account_id = row.name, row.id
                if new == was:
                    msg = f"new user name {new!r} is the account's name already; expected a different name"
                    raise InputError(msg)
                self._check_name_free(session, new, account_id=row.id)
                # The throttle rows first, the account's row after: a sign-in on the old name locks them in
                # that order too (its rows FOR UPDATE, then the account's row by its audit event's foreign
                # key, which the rename's change of a unique column blocks), so on PostgreSQL the two wait
                # for each other and never deadlock.
                session.execute(
                    delete(SignInThrottle)
                    .where(SignInThrottle.account == hash_token(was))
                    .execution_options(synchronize_session=False)
                )
                # Only if the account still has the name read: a rename of it by another server process
                # meanwhile would otherwise be overwritten, and this event would name the wrong old name.
                renamed = cast(
                    "CursorResult[Any]",
                    session.connection().execute(
                        update(_users_table)
                        .where(_users_table.c.id == row.id, _users_table.c.name == was)
                        .values(name=new, name_key=self._name_key(new))
                    ),
                )
                if renamed.rowcount != 1:
                    msg = f"user {was!r} was renamed or changed meanwhile; nothing was changed, try again"
                    raise ConflictError(msg)
                set_committed_value(row, "name", new)
                set_committed_value(row, "name_key", self._name_key(new))
                sessions = self._end_sessions(session, row)
                self._audit_account(
                    session,
                    "update",
                    row,
                    f"account renamed from {was} to {new}; sessions ended: {sessions}; {who}",
                )
                info = self._user_info(row)
        except IntegrityError:  # another server process took the name (in any case) after the check
            # Not chained: the database error's text quotes the statement's parameters.
            raced = self._name_taken_meanwhile(new, account_id=account_id)
            if raced is not None:
                raise raced from None
            msg = f"user name {new!r} was taken concurrently; nothing was changed, try again"
            raise ConflictError(msg) from None
        log.info("registry: renamed user id %s", info.id)
        return info

    def _verify_dummy(self, password: str) -> None:
        """Spend the time of a real verification, so unknown names cannot be told apart by timing."""
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(secrets.token_hex(16))
        with suppress(VerificationError, InvalidHashError):
            self._hasher.verify(self._dummy_hash, password)

    def authenticate(self, name: str, password: str, *, client: str | None = None) -> UserInfo | None:
        """The active user with this name and password, or None. Writes a login/login_failed event.

        Sign-ins are throttled per name and ``client`` (the address the attempt came from; the web app
        passes the request's), per name from all addresses (see :data:`SIGN_IN_CLIENT_ATTEMPTS`) and per
        address across all names (:data:`SIGN_IN_ADDRESS_ATTEMPTS`, against password spraying), which
        drops to one failure during a wave of failures from many addresses (:data:`SIGN_IN_WAVE_ATTEMPTS`):
        while a pause lasts, the attempt is refused without checking the password
        (:class:`TooManyAttemptsError`, ``retry_after`` in seconds, audited as ``login_failed``). A name that is no account is throttled,
        refused and timed alike, so neither the answer nor its time tells whether the account exists.
        """
        now = self.clock()
        address = _NOT_ADDRESS.sub("", client or "")[:64] or _NO_ADDRESS
        with self.unit_of_work() as session:
            counters = self._sign_in_counters(session, hash_token(name), address, now)
            query = select(User).where(User.name == name)
            row = session.scalars(query).one_or_none() if matchable(name) else None
            user_id, team_id = (row.id, row.team_id) if row is not None else (None, None)
            paused_until, sprayed = self._sign_in_paused_until(counters, now)
            if paused_until is None:
                failure = self._check_sign_in(row, password)
                if failure is None and row is not None:
                    if self._hasher.check_needs_rehash(row.password_hash):
                        row.password_hash = self._hasher.hash(password)
                    self._sign_in_succeeded(session, counters, now)
                    self._audit(session, "login", user_id=row.id, team_id=row.team_id, detail="password")
                    return self._user_info(row)
                notes = self._sign_in_failed(session, counters, now)
                detail = "; ".join([failure or "unknown user", *notes])
                self._audit(session, "login_failed", user_id=user_id, team_id=team_id, detail=detail)
                return None
            reason = (
                "too many failed sign-ins from there to any name" if sprayed else "too many failed sign-ins"
            )
            detail = f"sign-in refused from {address}: {reason}; the password was not checked"
            self._audit(session, "login_failed", user_id=user_id, team_id=team_id, detail=detail)
        wait = max(1, math.ceil((paused_until - now).total_seconds()))
        msg = f"too many failed sign-ins; try again in {_minutes(wait)} (the password was not checked)"
        raise TooManyAttemptsError(msg, retry_after=wait)

    def _check_sign_in(self, row: User | None, password: str) -> str | None:
        """Why a sign-in fails (the audit detail), or None when it succeeds. An unknown name costs the time
        of a real verification."""
        if row is None:
            self._verify_dummy(password)
            return "unknown user"
        try:
            self._hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            return "wrong password"
        return None if row.active else "account inactive"

    def _sign_in_counters(
        self, session: Session, account: str, client: str, now: dt.datetime
    ) -> _SignInCounters:
        """The throttle rows of this attempt, created when missing and locked: the address's across all
        names, the name's from all addresses, and the name's from the address.

        On PostgreSQL each is locked (``FOR UPDATE``) in that order in every request, so the attempts from
        one address, and those on one name, are counted one at a time across server processes without
        deadlocks (every request takes one row of each kind, kind by kind); SQLite's writers run one at a
        time anyway. Counts whose last failure is older than their memory are forgotten here.
        """
        table = cast("Table", SignInThrottle.__table__)
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        rows: list[SignInThrottle] = []
        for key_account, key_client, memory in (
            (SIGN_IN_ANY_NAME, client, SIGN_IN_ADDRESS_WINDOW),
            (account, SIGN_IN_ACCOUNT_WIDE, SIGN_IN_MEMORY),
            (account, client, SIGN_IN_MEMORY),
        ):
            values = {"account": key_account, "client": key_client, "failures": 0}
            session.execute(insert(table).values(**values).on_conflict_do_nothing())
            query = select(SignInThrottle).where(
                SignInThrottle.account == key_account, SignInThrottle.client == key_client
            )
            row = session.scalars(query.with_for_update()).one()
            if row.last_failure_at is not None and row.last_failure_at <= now - memory:
                row.failures, row.blocked_until = 0, None  # failures that long ago are forgotten
            rows.append(row)
        address, everyone, own = rows
        return _SignInCounters(own=own, everyone=everyone, address=address)

    @staticmethod
    def _sign_in_paused_until(counters: _SignInCounters, now: dt.datetime) -> tuple[dt.datetime | None, bool]:
        """Until when this address's sign-ins to the name are refused (None when they are checked now), and
        whether the address's pause across all names is among the reasons.

        The all-addresses pause and the address's pause across names spare an address that signed in to
        the account recently (its usual machine), so failures elsewhere, or of others behind the same
        address, never keep the clinician out there. Only a name's own success marks the address for it.
        """
        own = counters.own
        known = own.last_success_at is not None and now - own.last_success_at < SIGN_IN_KNOWN_CLIENT
        sprayed = not known and _pending(counters.address.blocked_until, now)
        until = [own.blocked_until]
        if not known:
            until += [counters.everyone.blocked_until, counters.address.blocked_until]
        pending = [t for t in until if t is not None and now < t]
        return (max(pending) if pending else None), sprayed

    @classmethod
    def _sign_in_failed(cls, session: Session, counters: _SignInCounters, now: dt.datetime) -> list[str]:
        """Count a failed sign-in; the audit notes for the pauses it starts."""
        own, everyone, address = counters.own, counters.everyone, counters.address
        notes = []
        own.failures += 1
        own.last_failure_at = now
        if own.failures >= SIGN_IN_CLIENT_ATTEMPTS:
            doublings = min(own.failures - SIGN_IN_CLIENT_ATTEMPTS, 16)  # 2**16 minutes is past the cap
            delay = min(SIGN_IN_FIRST_DELAY * 2**doublings, SIGN_IN_MAX_DELAY)
            own.blocked_until = now + delay
            notes.append(
                f"sign-ins from {own.client} paused for {_minutes(delay.total_seconds())} "
                f"({own.failures} failures in a row from there)"
            )
        everyone.failures += 1
        everyone.last_failure_at = now
        if everyone.failures >= SIGN_IN_ACCOUNT_ATTEMPTS:
            everyone.blocked_until = now + SIGN_IN_ACCOUNT_DELAY
            notes.append(
                f"sign-ins from other addresses paused for {_minutes(SIGN_IN_ACCOUNT_DELAY.total_seconds())} "
                f"({everyone.failures} failures in a row from all addresses)"
            )
        address.failures += 1
        address.last_failure_at = now
        wave = cls._sign_in_wave(session, address, now)
        if address.failures >= SIGN_IN_ADDRESS_ATTEMPTS:
            address.blocked_until = now + SIGN_IN_ADDRESS_DELAY
            notes.append(
                f"sign-ins from {address.client} to any name paused for "
                f"{_minutes(SIGN_IN_ADDRESS_DELAY.total_seconds())} "
                f"({address.failures} failures from there to any name, each within "
                f"{_minutes(SIGN_IN_ADDRESS_WINDOW.total_seconds())} of the last)"
            )
        elif wave:
            address.blocked_until = now + SIGN_IN_ADDRESS_DELAY
            notes.append(
                f"sign-ins from {address.client} to any name paused for "
                f"{_minutes(SIGN_IN_ADDRESS_DELAY.total_seconds())} (a wave of failed sign-ins from many "
                f"addresses: {SIGN_IN_WAVE_ATTEMPTS} or more within "
                f"{_minutes(SIGN_IN_WAVE_WINDOW.total_seconds())})"
            )
        return notes

    @staticmethod
    def _sign_in_wave(session: Session, address: SignInThrottle, now: dt.datetime) -> bool:
        """Whether the registry is in a wave of failed sign-ins, this one (just counted on ``address``)
        included: see :data:`SIGN_IN_WAVE_ATTEMPTS`. Logs a warning when this failure starts one.

        The other addresses' counts are read without locks: attempts at the same instant may be missed,
        which only moves the start of a wave by an attempt or two. At most SIGN_IN_WAVE_ATTEMPTS rows are
        read (each counts at least 1), so a wave from very many addresses costs no more to check.
        """
        capped = case(
            (SignInThrottle.failures > SIGN_IN_ADDRESS_ATTEMPTS, SIGN_IN_ADDRESS_ATTEMPTS),
            else_=SignInThrottle.failures,
        )
        recent = (
            select(capped.label("failures"))
            .where(
                SignInThrottle.account == SIGN_IN_ANY_NAME,
                SignInThrottle.client != address.client,
                SignInThrottle.last_failure_at > now - SIGN_IN_WAVE_WINDOW,
            )
            .limit(SIGN_IN_WAVE_ATTEMPTS)
            .subquery()
        )
        others = int(session.scalar(select(func.coalesce(func.sum(recent.c.failures), 0))) or 0)
        before = others + min(address.failures - 1, SIGN_IN_ADDRESS_ATTEMPTS)
        after = others + min(address.failures, SIGN_IN_ADDRESS_ATTEMPTS)
        if before < SIGN_IN_WAVE_ATTEMPTS <= after:
            # No names, addresses or passwords: the audit log holds the events, for the team's admins.
            log.warning(
                "failed sign-ins from many addresses: %d or more within %s across the registry (possible "
                "password spraying); until they stop, each address that fails waits %s before its next "
                "sign-in is checked, except for names that signed in from it before",
                SIGN_IN_WAVE_ATTEMPTS,
                _minutes(SIGN_IN_WAVE_WINDOW.total_seconds()),
                _minutes(SIGN_IN_ADDRESS_DELAY.total_seconds()),
            )
        return after >= SIGN_IN_WAVE_ATTEMPTS

    @staticmethod
    def _sign_in_succeeded(session: Session, counters: _SignInCounters, now: dt.datetime) -> None:
        """Reset the name's counts and mark the address as one that signed in; drop stale counters.

        The address's count across all names is left as it is: whoever tries many names from one address
        could otherwise clear it by signing in to an account of their own there.

        Stale rows of any name (no failure within :data:`SIGN_IN_MEMORY`, no sign-in within
        :data:`SIGN_IN_KNOWN_CLIENT`) are deleted here, skipping rows another attempt holds (PostgreSQL's
        ``SKIP LOCKED``), so this never waits for, or deadlocks with, another sign-in.
        """
        own, everyone = counters.own, counters.everyone
        for row in (own, everyone):
            row.failures, row.blocked_until, row.last_success_at = 0, None, now
        session.flush()
        stale = (
            select(SignInThrottle.id)
            .where(
                SignInThrottle.id.not_in([own.id, everyone.id, counters.address.id]),
                or_(
                    SignInThrottle.last_failure_at.is_(None),
                    SignInThrottle.last_failure_at < now - SIGN_IN_MEMORY,
                ),
                or_(
                    SignInThrottle.last_success_at.is_(None),
                    SignInThrottle.last_success_at < now - SIGN_IN_KNOWN_CLIENT,
                ),
            )
            .with_for_update(skip_locked=True)
        )
        session.execute(
            delete(SignInThrottle)
            .where(SignInThrottle.id.in_(stale))
            .execution_options(synchronize_session=False)
        )

    @staticmethod
    def _active_user(session: Session, name: str) -> User:
        """The account to issue a token or session to: it must exist and be active."""
        row = session.scalars(select(User).where(User.name == name)).one_or_none()
        if row is None:
            msg = f"no user {name!r}"
            raise NotFoundError(msg)
        if not row.active:
            msg = f"account {name!r} is deactivated; expected an active user"
            raise PermissionDeniedError(msg)
        return row

    @staticmethod
    def _plausible_secret(secret: str, prefix: str) -> bool:
        """Whether ``secret`` can be one of ours (right prefix, sane length) before hashing and a query."""
        return secret.startswith(prefix) and len(secret) <= 200

    def issue_token(self, user: UserInfo | str, *, by: Manager = None) -> str:
        """A new API token for the user. Returns the secret, shown this once; only its SHA-256 is kept.

        ``by`` is the acting admin, a :class:`CommandLineActor` or None for the server's command line.
        Writes a ``token_issued`` event.
        """
        name = user.name if isinstance(user, UserInfo) else user
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.unit_of_work() as session:
            row, who = self._managed(session, name, by)
            self._active_user(session, name)
            token = ApiToken(user_id=row.id, token_hash=hash_token(secret), created_at=utcnow())
            session.add(token)
            session.flush()
            self._audit_account(session, "token_issued", row, f"token {token.id}; {who}")
        return secret

    def user_for_token(self, secret: str) -> UserInfo | None:
        """The active user of an unrevoked API token, or None (unknown, revoked or deactivated)."""
        if not self._plausible_secret(secret, TOKEN_PREFIX):
            return None
        digest = hash_token(secret)
        with self._reading() as session:
            found = _reads.credential_row(session.connection(), "token", digest)
        if found is None or found.revoked_at is not None or not found.active:
            return None
        info = _reads.user_info(found)
        last, token_id = found.last_used_at, found.id
        now = utcnow()
        if last is None or now - last > _TOKEN_TOUCH:
            with self.unit_of_work() as session:
                touched = session.get(ApiToken, token_id)
                if touched is not None:
                    touched.last_used_at = now
        return info

    def list_tokens(self, user: UserInfo | str, *, by: UserInfo | None = None) -> list[TokenInfo]:
        """The user's API tokens, oldest first (bookkeeping only; secrets are not kept).

        ``by`` is the acting admin (the account must be of the admin's team), None for the command line.
        """
        name = user.name if isinstance(user, UserInfo) else user
        with self._reading() as session:
            row, _ = self._managed(session, name, by)
            tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == row.id).order_by(ApiToken.id))
            return [TokenInfo(t.id, row.name, t.created_at, t.last_used_at, t.revoked_at) for t in tokens]

    def revoke_token(self, user: UserInfo | str, token_id: int, *, by: Manager = None) -> TokenInfo:
        """Revoke one of the user's tokens; it is refused from then on (the account and its other tokens are
        untouched). ``by`` is the acting admin, a :class:`CommandLineActor` or None for the command line.
        Writes a ``token_revoked`` event
        (revoking a revoked token changes nothing)."""
        name = user.name if isinstance(user, UserInfo) else user
        with self.unit_of_work() as session:
            row, who = self._managed(session, name, by)
            token = (
                session.scalars(
                    select(ApiToken).where(ApiToken.user_id == row.id, ApiToken.id == token_id)
                ).one_or_none()
                if 0 < token_id <= _MAX_ROW_ID
                else None
            )
            if token is None:
                msg = f"no token {token_id} of user {name!r}; expected the id of one of the user's tokens, as the token list shows"
                raise NotFoundError(msg)
            if token.revoked_at is None:
                token.revoked_at = utcnow()
                self._audit_account(session, "token_revoked", row, f"token {token.id}; {who}")
            return TokenInfo(token.id, row.name, token.created_at, token.last_used_at, token.revoked_at)

    def revoke_tokens(self, user: UserInfo | str, *, by: Manager = None) -> int:
        """Revoke every token of the user (the account stays usable with its password); how many were live.

        ``by`` as for :meth:`revoke_token`. Writes a ``token_revoked`` event.
        """
        name = user.name if isinstance(user, UserInfo) else user
        with self.unit_of_work() as session:
            row, who = self._managed(session, name, by)
            count = self._revoke_tokens(session, row)
            self._audit_account(session, "token_revoked", row, f"all tokens ({count}); {who}")
            return count

    # -- browser sign-in sessions ------------------------------------------------------------------------

    def start_session(self, user: UserInfo | str, *, lifetime: dt.timedelta = SESSION_LIFETIME) -> str:
        """A new sign-in session for an active user; returns the cookie secret (only its SHA-256 is kept).

        Ended and expired sessions are purged at the same time.
        """
        name = user.name if isinstance(user, UserInfo) else user
        secret = SESSION_PREFIX + secrets.token_urlsafe(32)
        now = utcnow()
        with self.unit_of_work() as session:
            row = self._active_user(session, name)
            stale = select(LoginSession.id).where(
                (LoginSession.expires_at <= now)
                | LoginSession.ended_at.is_not(None)
                | (LoginSession.last_seen_at <= now - SESSION_IDLE)
            )
            stale_ids = list(session.scalars(stale))
            if stale_ids:
                session.query(LoginSession).filter(LoginSession.id.in_(stale_ids)).delete(
                    synchronize_session=False
                )
            session.add(
                LoginSession(
                    user_id=row.id,
                    session_hash=hash_token(secret),
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + lifetime,
                )
            )
        return secret

    def user_for_session(self, secret: str, *, idle: dt.timedelta = SESSION_IDLE) -> UserInfo | None:
        """The active user of a live session, or None (unknown, ended, idle too long, expired, deactivated).

        A live session's idle clock restarts (written at most once a minute).
        """
        if not self._plausible_secret(secret, SESSION_PREFIX):
            return None
        digest = hash_token(secret)
        now = utcnow()
        with self._reading() as session:
            found = _reads.credential_row(session.connection(), "session", digest)
        if (
            found is None
            or found.ended_at is not None
            or now >= found.expires_at
            or now - found.last_seen_at >= idle
            or not found.active
        ):
            return None
        info = _reads.user_info(found)
        last, login_id = found.last_seen_at, found.id
        if now - last > _TOKEN_TOUCH:
            with self.unit_of_work() as session:
                touched = session.get(LoginSession, login_id)
                if touched is not None:
                    touched.last_seen_at = now
        return info

    def end_session(self, secret: str) -> None:
        """End a sign-in session (sign-out); unknown or ended sessions are left as they are."""
        if not self._plausible_secret(secret, SESSION_PREFIX):
            return
        with self.unit_of_work() as session:
            login = session.scalars(
                select(LoginSession).where(LoginSession.session_hash == hash_token(secret))
            ).one_or_none()
            if login is not None and login.ended_at is None:
                login.ended_at = utcnow()

    # -- cases -------------------------------------------------------------------------------------------

    def create_case(
        self,
        user: UserInfo,
        label: str,
        *,
        age_days: float | None = None,
        sex: str | None = None,
        findings: Iterable[FindingLike] = (),
        consanguineous: bool = False,
        affected_parent: bool = False,
        affected_sibling: bool = False,
        labs: Iterable[NewLab] = (),
        imported_from: Literal["phenopacket"] | None = None,
    ) -> CaseRecord:
        """A new case in the user's team, with a random public id; writes a ``create`` event.

        ``consanguineous``, ``affected_parent`` and ``affected_sibling`` are its family history (the parents
        are related; a parent, a brother or sister has the same condition); False is also "not stated".
        ``labs`` are stored with the case in the same transaction (each checked as :meth:`add_lab` checks
        one), so that a case imported from a file is stored whole or not at all; ``imported_from`` names the
        kind of file in the audit event (``created from a phenopacket``).
        """
        label, age_days, sex = check_label(label), check_age(age_days), check_sex(sex)
        family = {
            "consanguineous": check_flag(consanguineous, "consanguineous"),
            "affected_parent": check_flag(affected_parent, "affected_parent"),
            "affected_sibling": check_flag(affected_sibling, "affected_sibling"),
        }
        checked = check_findings(findings)
        if imported_from not in (None, "phenopacket"):
            msg = f"imported_from {printable(repr(imported_from))[:80]} is not allowed; expected 'phenopacket' or None"
            raise InputError(msg)
        lab_rows = [
            self._checked_lab(
                lab.analyte, lab.value, lab.unit, lab.measured_on, lab.low, lab.high, lab.age_at_test
            )
            for lab in labs
        ]
        with self.unit_of_work() as session:
            actor = self._actor(session, user)
            now = utcnow()
            row = Case(
                public_id=str(uuid.uuid4()),
                team_id=actor.team_id,
                label=label,
                age_days=age_days,
                sex=sex,
                **family,
                created_at=now,
                created_by_id=actor.id,
                updated_at=now,
                updated_by_id=actor.id,
            )
            row.findings = [Finding(hpo_id=f.hpo_id, excluded=f.excluded, source=f.source) for f in checked]
            session.add(row)
            session.flush()
            session.add_all(
                LabMeasurement(case_id=row.id, **values, created_at=now, created_by_id=actor.id)
                for values in lab_rows
            )
            # Not the family history given at creation: naming the fields that are true would keep a patient's
            # consanguinity in the audit trail, which outlives the case; the sex and age are not named either,
            # nor the imported file's name or id (they may name the patient).
            detail = f"{len(checked)} findings"
            if lab_rows:
                detail += f", {len(lab_rows)} lab values"
            if imported_from is not None:
                detail += f"; created from a {imported_from}"
            self._audit_case(session, "create", actor, row, detail)
            return self._case_record(session, row)

    def get_case(self, user: UserInfo, case_id: str) -> CaseRecord:
        """One case of the user's team; another team's case raises :class:`NotFoundError`. Audited."""
        with self.unit_of_work() as session:
            actor = self._actor(session, user)
            row = self._case(session, actor, case_id)
            self._audit(session, "view", user_id=actor.id, team_id=actor.team_id, case=row.public_id)
            return self._case_record(session, row)

    def case_detail(self, user: UserInfo, case_id: str) -> CaseDetail:
        """A case with findings, labs over time, uploads and analyses; one ``view`` event.

        The most frequent request of the web app, so it runs as a handful of Core statements (see
        :mod:`marbledx.registry._reads`) with the same checks as every other case operation.
        """
        with self.unit_of_work() as session:
            connection = session.connection()
            actor = _reads.actor_row(connection, user.id)
            self._check_actor(actor.name if actor else None, actor is not None and actor.active, user)
            assert actor is not None  # checked above
            key = str(case_id)
            row = _reads.case_row(connection, key, actor.team_id) if matchable(key) else None
            if row is None:
                raise self._no_case(case_id, actor.team)
            _reads.audit_event(
                connection,
                "view",
                at=utcnow(),
                user_id=actor.id,
                team_id=actor.team_id,
                case=row.public_id,
                detail="detail",
            )
            return CaseDetail(
                case=_reads.case_record(row),
                findings=tuple(_reads.finding_records(connection, row.id)),
                labs=tuple(_reads.lab_records(connection, row.id)),
                uploads=tuple(_reads.upload_records(connection, row.id, row.public_id)),
                analyses=tuple(_reads.analysis_records(connection, row.id, row.public_id, row.updated_at)),
            )

    def list_cases(self, user: UserInfo, *, limit: int = 100, offset: int = 0) -> list[CaseRecord]:
        """The team's cases, most recently changed first. Writes one ``view`` event (the case list)."""
        limit, offset = max(1, min(int(limit), 1000)), max(0, min(int(offset), _MAX_OFFSET))
        with self.unit_of_work() as session:
            actor = self._actor(session, user)
            rows = session.scalars(
                select(Case)
                .where(Case.team_id == actor.team_id)
                .order_by(Case.updated_at.desc(), Case.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
            self._audit(session, "view", user_id=actor.id, team_id=actor.team_id, detail="case list")
            return [self._case_record(session, row) for row in rows]

    def count_cases(self, user: UserInfo) -> int:
        """How many cases the user's team has."""
        with self._reading() as session:
            actor = self._actor(session, user)
            return int(session.scalar(select(func.count()).where(Case.team_id == actor.team_id)) or 0)

    def update_case(
        self,
        user: UserInfo,
        case_id: str,
        *,
        version: int,
        label: str | _Unset = UNSET,
        age_days: float | _Unset | None = UNSET,
        sex: str | _Unset | None = UNSET,
        consanguineous: bool | _Unset = UNSET,
        affected_parent: bool | _Unset = UNSET,
        affected_sibling: bool | _Unset = UNSET,
    ) -> CaseRecord:
        """Change a case's label, age, sex or family history (``consanguineous``, ``affected_parent``,
        ``affected_sibling``). ``version`` is the version the change was based on: if the case changed since,
        :class:`ConflictError` (nothing is written). Writes an ``update`` event naming the changed fields."""
        changes: dict[str, Any] = {}
        if not isinstance(label, _Unset):
            changes["label"] = check_label(label)
        if not isinstance(age_days, _Unset):
            changes["age_days"] = check_age(age_days)
        if not isinstance(sex, _Unset):
            changes["sex"] = check_sex(sex)
        changes.update(
            self._family_changes(
                consanguineous=consanguineous,
                affected_parent=affected_parent,
                affected_sibling=affected_sibling,
            )
        )
        with self.unit_of_work() as session:
            actor = self._actor(session, user)
            row = self._case(session, actor, case_id)
            self._check_version(row, version)
            changed = sorted(k for k, v in changes.items() if getattr(row, k) != v)
            for key in changed:
                setattr(row, key, changes[key])
            if changed:
                self._touch(row, actor)
                session.flush()
            self._audit_case(
                session,
                "update",
                actor,
                row,
                f"fields: {', '.join(changed) or 'none'}; version {row.version}",
            )
            return self._case_record(session, row)

    def delete_case(self, user: UserInfo, case_id: str, *, version: int | None = None) -> None:
        """Delete a case with its findings, labs, uploads (and their files) and analyses.

        Only clinicians and admins may delete (:class:`PermissionDeniedError` otherwise); the audit trail
        of the case is kept. With ``version``, a case changed since raises :class:`ConflictError`.
        """
        with self.unit_of_work() as session:
            actor = self._actor(session, user)
            row = self._case(session, actor, case_id)
            if actor.role not in DELETE_ROLES:
                msg = f"a {actor.role} cannot delete cases; expected a clinician or an admin"
                raise PermissionDeniedError(msg)
            self._check_version(row, version)
            files = list(session.scalars(select(Upload.stored_name).where(Upload.case_id == row.id)))
            public_id = row.public_id
            session.delete(row)
            self._audit(
                session,
                "delete",
                user_id=actor.id,
                team_id=actor.team_id,
                case=public_id,
                detail=f"{len(files)} uploads removed",
            )
        for name in files:
            with suppress(OSError):
                (self.uploads_dir / name).unlink(missing_ok=True)

    # -- findings and labs -------------------------------------------------------------------------------

    @staticmethod
    def _findings(session: Session, case: Case) -> list[FindingRecord]:
        return _reads.finding_records(session.connection(), case.id)

    @staticmethod
    def _family_changes(
        *, consanguineous: bool | _Unset, affected_parent: bool | _Unset, affected_sibling: bool | _Unset
    ) -> dict[str, bool]:
        """The family-history fields given (not :data:`UNSET`), checked to be True or False."""
        given = {
            "consanguineous": consanguineous,
            "affected_parent": affected_parent,
            "affected_sibling": affected_sibling,
        }
        return {
            name: check_flag(value, name) for name, value in given.items() if not isinstance(value, _Unset)
        }

    def set_findings(
        self,
        user: UserInfo,
        case_id: str,
        findings: Iterable[FindingLike],
        *,
        version: int | None = None,
        consanguineous: bool | _Unset = UNSET,
    ) -> CaseRecord:
        """Replace the case's findings (anything with ``hpo_id``, ``excluded``, ``source``). The case's
        version goes up; with ``version``, a case changed since raises :class:`ConflictError`.

        ``consanguineous`` also sets the case's family history in the same write (one version): the web
        app's plain-words box passes True when the words state that the parents are related.
        """
        checked = check_findings(findings)
        family = self._family_changes(
            consanguineous=consanguineous, affected_parent=UNSET, affected_sibling=UNSET
        )
        with self.unit_of_work() as session:
            actor = self._actor(session, user)
            row = self._case(session, actor, case_id)
            self._check_version(row, version)
            row.findings.clear()
            session.flush()
            row.findings.extend(
                Finding(hpo_id=f.hpo_id, excluded=f.excluded, source=f.source) for f in checked
            )
            changed = sorted(k for k, v in family.items() if getattr(row, k) != v)
            for key in changed:
                setattr(row, key, family[key])
            self._touch(row, actor)
            session.flush()
            fields = f"; fields: {', '.join(changed)}" if changed else ""
            self._audit_case(
                session,
                "update",
                actor,
                row,
                f"findings replaced: {len(checked)}{fields}; version {row.version}",
            )
            return self._case_record(session, row)

    def list_findings(self, user: UserInfo, case_id: str) -> list[FindingRecord]:
        """The case's findings in entry order. Audited (``view``)."""
        with self.unit_of_work() as session:
            actor = self._actor(session, user)
            row = self._case(session, actor, case_id)
            self._audit_case(session, "view", actor, row, "findings")
            return self._findings(session, row)

    def add_lab(
        self,
        user: UserInfo,
        case_id: str,
        analyte: str,
        value: float,
        unit: str,
        *,
        measured_on: dt.date | str | None = None,
        low: float | None = None,
        high: float | None = None,
        age_at_test: str | float | None = None,
    ) -> LabRecord:
        """Add one lab measurement (``measured_on`` a date or ``YYYY-MM-DD``). Writes an ``update`` event.

        ``age_at_test`` is the patient's age when the sample was taken: an ISO 8601 duration (``P2M``) or a
        number of days; None (unknown) reads the value at the case's age.
        """
        values = self._checked_lab(analyte, value, unit, measured_on, low, high, age_at_test)
        with self.unit_of_work() as session:
            actor = self._actor(session, user)
            case = self._case(session, actor, case_id)
            row = LabMeasurement(case_id=case.id, **values, created_at=utcnow(), created_by_id=actor.id)
            session.add(row)
            session.flush()
            self._inputs_changed(session, case, actor)
            self._audit_case(session, "update", actor, case, f"lab added: {row.id}")
            return self._lab_record(session, row)

    @staticmethod
    def _checked_lab(
        analyte: str,
        value: float,
        unit: str,
        measured_on: dt.date | str | None,
        low: float | None,
        high: float | None,
        age_at_test: str | float | None = None,
    ) -> dict[str, Any]:
        """A lab measurement's columns, checked (:meth:`add_lab`, and the labs of :meth:`create_case`)."""
        analyte = check_text(analyte, "analyte", 50)
        unit = check_text(unit, "unit", 30)
        number = cast("float", check_number(value, "value", required=True))
        low, high = check_number(low, "low limit"), check_number(high, "high limit")
        if isinstance(measured_on, str):
            try:
                measured_on = dt.date.fromisoformat(measured_on.strip())
            except ValueError:
                msg = f"lab date {measured_on!r} is not a date; expected YYYY-MM-DD"
                raise InputError(msg) from None
        if isinstance(measured_on, dt.datetime):
            measured_on = measured_on.date()
        return {
            "analyte": analyte,
            "value": number,
            "unit": unit,
            "measured_on": measured_on,
            "low": low,
            "high": high,
            "age_at_test": check_age_at_test(age_at_test),
        }

    def delete_lab(self, user: UserInfo, case_id: str, lab_id: int) -> None:
        """Remove a lab measurement entered in error. Writes an ``update`` event."""
        with self.unit_of_work() as session:
            actor = self._actor(session, user)
            case = self._case(session, actor, case_id)
            query = select(LabMeasurement).where(
                LabMeasurement.id == lab_id, LabMeasurement.case_id == case.id
            )
            row = session.scalars(query).one_or_none() if 0 < lab_id <= _MAX_ROW_ID else None
            if row is None:
                msg = f"no lab measurement {lab_id} in case {case_id!r}"
                raise NotFoundError(msg)
            session.delete(row)
            self._inputs_changed(session, case, actor)
            self._audit_case(session, "update", actor, case, f"lab removed: {lab_id}")

    @staticmethod
    def _labs(session: Session, case: Case, analyte: str | None = None) -> list[LabRecord]:
        if analyte is not None and not matchable(analyte):
            return []
        return _reads.lab_records(session.connection(), case.id, analyte=analyte)

    def list_labs(self, user: UserInfo, case_id: str, *, analyte: str | None = None) -> list[LabRecord]:
        """The case's labs over time: by date (undated last), then entry order. Audited (``view``)."""
        with self.unit_of_work() as session:
            actor = self._actor(session, user)
            case = self._case(session, actor, case_id)
            self._audit_case(session, "view", actor, case, "labs")
            return self._labs(session, case, analyte)

    # -- analyses ----------------------------------------------------------------------------------------

    @staticmethod
    def _analyses(session: Session, case: Case) -> list[AnalysisRecord]:
        return _reads.analysis_records(session.connection(), case.id, case.public_id, case.updated_at)

    def record_analysis(
        self,
        user: UserInfo,
        case_id: str,
        report: AnalysisReport | Mapping[str, Any],
        *,
        based_on: dt.datetime | None = None,
    ) -> AnalysisRecord:
        """Store an analysis of the case: an ``AnalysisReport`` or its ``to_dict()``. Writes ``analyze``.

        ``based_on`` is the case's ``updated_at`` when the analysis read its inputs. If the case changed
        since (a finding, lab value or file added or removed while it ran), nothing is stored and
        :class:`ConflictError` is raised: stored now, the result would look current while describing data
        that is no longer the case's.
        """
        to_dict = getattr(report, "to_dict", None)
        data = to_dict() if callable(to_dict) else dict(cast("Mapping[str, Any]", report))
        try:
            result = json.loads(json.dumps(json_safe(data), allow_nan=False))
        except (TypeError, ValueError) as exc:
            msg = f"analysis result is not JSON: {exc}; expected AnalysisReport.to_dict()"
            raise InputError(msg) from None
        version, release = result.get("marbledx_version"), result.get("hpo_release")
        if not isinstance(version, str) or not isinstance(release, str):
            msg = "analysis result lacks marbledx_version or hpo_release; expected AnalysisReport.to_dict()"
            raise InputError(msg)
        with self.unit_of_work() as session:
            actor = self._actor(session, user)
            case = self._case(session, actor, case_id)
            if based_on is not None and case.updated_at != based_on:
                msg = (
                    "the case was changed while it was being analysed (a finding, lab value or file); "
                    "nothing was stored; analyse it again"
                )
                raise ConflictError(msg)
            row = Analysis(
                public_id=str(uuid.uuid4()),
                case_id=case.id,
                created_at=utcnow(),
                created_by_id=actor.id,
                result=result,
                marbledx_version=version[:50],
                hpo_release=release[:50],
            )
            session.add(row)
            session.flush()
            self._audit_case(session, "analyze", actor, case, f"analysis {row.public_id}")
            return self._analysis_record(session, row, case)

    def list_analyses(self, user: UserInfo, case_id: str) -> list[AnalysisRecord]:
        """The case's analyses, oldest first, without their results. Audited (``view``)."""
        with self.unit_of_work() as session:
            actor = self._actor(session, user)
            case = self._case(session, actor, case_id)
            self._audit_case(session, "view", actor, case, "analyses")
            return self._analyses(session, case)

    def get_analysis(self, user: UserInfo, case_id: str, analysis_id: str | None = None) -> AnalysisRecord:
        """One analysis with its result (the latest when ``analysis_id`` is None). Audited (``view``)."""
        with self.unit_of_work() as session:
            actor = self._actor(session, user)
            case = self._case(session, actor, case_id)
            query = select(Analysis).where(Analysis.case_id == case.id)
            if analysis_id is not None:
                query = query.where(Analysis.public_id == str(analysis_id))
            row = session.scalars(query.order_by(Analysis.created_at.desc(), Analysis.id.desc())).first()
            if row is None:
                msg = f"no analysis {analysis_id or '(latest)'} in case {case_id!r}"
                raise NotFoundError(msg)
            self._audit_case(session, "view", actor, case, f"analysis {row.public_id}")
            return self._analysis_record(session, row, case)

    # -- uploads -----------------------------------------------------------------------------------------

    @staticmethod
    def _uploads(session: Session, case: Case) -> list[UploadRecord]:
        return _reads.upload_records(session.connection(), case.id, case.public_id)

    def store_upload(
        self,
        user: UserInfo,
        case_id: str,
        kind: str,
        stream: BinaryIO | Iterable[bytes],
        *,
        max_bytes: int,
        original_name: str | None = None,
        sample: str | None = None,
        couple: str | None = None,
        check_header: bool = False,
    ) -> UploadRecord:
        """Stream a VCF or PED file of the case to the uploads folder.

        The bytes go to a temporary file in the uploads folder while their SHA-256 is computed; more than
        ``max_bytes`` raises :class:`UploadTooLargeError` and nothing is kept. The file is then renamed
        atomically to a generated name (a UUID; ``original_name`` is kept as metadata only) in the same
        transaction that records it, so a file and its row exist together or not at all. ``stream`` is a
        binary file object or an iterable of byte chunks. A file whose first bytes are not of its kind (VCF
        text, bgzip-compressed VCF or BCF; PED text with its six columns) is refused with an
        :class:`InputError` as soon as they are read, so a wrong file never waits for the analysis to fail.

        A VCF's header sample names are read once the file is complete and kept with the upload (the first
        :data:`STORED_SAMPLE_NAMES` and their number). ``sample`` chooses the proband's sample of a VCF with
        several (the analysis passes it to the VCF reader); it must be one of the header's names, else an
        :class:`InputError` names the field and lists them, and nothing is kept. A PED upload takes no
        sample. Without one, a multi-sample VCF is kept too: a PED file may name its affected child.

        ``couple`` (``FATHER,MOTHER``, the form of ``marbledx analyze --couple``) chooses whose next child the
        counselling risks of a PED file are for (the analysis passes it on as ``couple=``). Its form is
        checked first; once the file is complete it is read as the analysis reads it, and each id must be in
        it, the two different and not of one sex, else an :class:`InputError` names the field and the id,
        and nothing is kept. A VCF upload takes no couple; without one the analysis takes its default.

        With ``check_header`` (the web app's uploads), a complete VCF's header is read as the analysis's VCF
        reader opens it (:func:`check_vcf_header`): a header without its ``#CHROM`` line, or one htslib cannot
        parse, is an :class:`InputError` naming the file, and nothing is kept. A header without records is
        kept (a pipeline that called nothing writes one; the analysis says it gives no genotype evidence).
        Without it (the default, for Python callers storing files the analysis never reads) only the first
        bytes are checked.
        The case reads as changed since its analyses (they are out of date). Writes an ``upload`` event.
        """
        if kind not in UPLOAD_KINDS:
            msg = f"upload kind {kind!r} is not allowed; expected one of {', '.join(UPLOAD_KINDS)}"
            raise InputError(msg)
        chosen = check_sample(kind, sample)
        couple_ids = check_couple(kind, couple)
        if max_bytes < 1:
            msg = f"max_bytes must be positive, got {max_bytes}"
            raise InputError(msg)
        if original_name is not None:
            # Metadata only, shown on the case page, in messages and in reports: its last path component,
            # with control characters escaped (a file name may hold any but "/").
            base = Path(original_name.replace("\\", "/").replace("\x00", "")).name
            original_name = printable(base)[:255] or None
        with self._reading() as session:  # fail fast, before reading any bytes
            self._case(session, self._actor(session, user), case_id)
        self.uploads_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp_name = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=self.uploads_dir)
        temp: Path | None = Path(temp_name)
        final: Path | None = None
        try:
            digest, size, head, sniffed = hashlib.sha256(), 0, b"", False
            with os.fdopen(fd, "wb") as out:
                for chunk in _iter_chunks(stream):
                    size += len(chunk)
                    if size > max_bytes:
                        msg = f"upload larger than {max_bytes} bytes; expected a smaller {kind.upper()} file"
                        raise UploadTooLargeError(msg)
                    digest.update(chunk)
                    out.write(chunk)
                    if not sniffed:
                        head = (head + chunk)[:SNIFF_BYTES]
                        if len(head) == SNIFF_BYTES:  # enough to tell: refuse a wrong file before the rest
                            check_upload_head(kind, head, complete=False, name=original_name)
                            sniffed = True
                out.flush()
                os.fsync(out.fileno())
            if size == 0:
                msg = f"empty upload; expected a {kind.upper()} file"
                raise InputError(msg)
            if not sniffed:
                check_upload_head(kind, head, complete=True, name=original_name)
            if check_header and kind == "vcf":
                check_vcf_header(Path(temp_name), original_name)
            samples = vcf_sample_names(Path(temp_name)) if kind == "vcf" else None
            if chosen is not None:
                chosen = sample_in_header(chosen, samples)
            if couple_ids is not None:
                couple_ids = couple_in_ped(couple_ids, Path(temp_name))
            suffix = f".{kind}.gz" if head[:2] == b"\x1f\x8b" else f".{kind}"
            final = self.uploads_dir / f"{uuid.uuid4().hex}{suffix}"
            with self.unit_of_work() as session:
                actor = self._actor(session, user)
                case = self._case(session, actor, case_id)
                row = Upload(
                    public_id=str(uuid.uuid4()),
                    case_id=case.id,
                    kind=kind,
                    stored_name=final.name,
                    original_name=original_name,
                    size=size,
                    sha256=digest.hexdigest(),
                    created_at=utcnow(),
                    created_by_id=actor.id,
                    sample=chosen,
                    samples="\t".join(samples[:STORED_SAMPLE_NAMES]) if samples else None,
                    sample_count=len(samples) if samples is not None else None,
                    couple=",".join(couple_ids) if couple_ids is not None else None,
                )
                session.add(row)
                session.flush()
                self._inputs_changed(session, case, actor)
                self._audit_case(session, "upload", actor, case, f"{kind} {row.public_id}, {size} bytes")
                record = self._upload_record(session, row, case.public_id)
                Path(temp_name).replace(final)  # atomic, before the commit: a committed row has its file
                temp = None
            final = None  # committed: keep the file
            _fsync_dir(self.uploads_dir)
            return record
        finally:
            if temp is not None:
                temp.unlink(missing_ok=True)
            if final is not None:
                final.unlink(missing_ok=True)

    @staticmethod
    def _upload_row(session: Session, case: Case, case_id: str, upload_id: str) -> Upload:
        """The case's upload ``upload_id``; :class:`NotFoundError` when the case has no such upload."""
        key = str(upload_id)
        query = select(Upload).where(Upload.case_id == case.id, Upload.public_id == key)
        row = session.scalars(query).one_or_none() if matchable(key) else None
        if row is None:
            msg = f"no upload {upload_id!r} in case {case_id!r}"
            raise NotFoundError(msg)
        return row

    def delete_upload(self, user: UserInfo, case_id: str, upload_id: str) -> None:
        """Remove an upload sent in error, and its file. The case reads as changed since its analyses (they
        are out of date). Writes an ``update`` event."""
        with self.unit_of_work() as session:
            actor = self._actor(session, user)
            case = self._case(session, actor, case_id)
            row = self._upload_row(session, case, case_id, upload_id)
            stored, public_id = row.stored_name, row.public_id
            session.delete(row)
            self._inputs_changed(session, case, actor)
            self._audit_case(session, "update", actor, case, f"upload removed: {public_id}")
        # After the commit: a failed transaction keeps its file, and a file left over is harmless.
        with suppress(OSError):
            (self.uploads_dir / stored).unlink(missing_ok=True)

    def list_uploads(self, user: UserInfo, case_id: str) -> list[UploadRecord]:
        """The case's uploads, oldest first. Audited (``view``)."""
        with self.unit_of_work() as session:
            actor = self._actor(session, user)
            case = self._case(session, actor, case_id)
            self._audit_case(session, "view", actor, case, "uploads")
            return self._uploads(session, case)

    def open_upload(self, user: UserInfo, case_id: str, upload_id: str) -> tuple[UploadRecord, Path]:
        """An upload of the case and the path of its file (to read, or to hand to ``analyze``).

        Writes a ``download`` event. Raises :class:`NotFoundError` for another team's upload or a file
        missing from the uploads folder.
        """
        with self.unit_of_work() as session:
            actor = self._actor(session, user)
            case = self._case(session, actor, case_id)
            row = self._upload_row(session, case, case_id, upload_id)
            path = self.uploads_dir / row.stored_name
            if not path.is_file():
                msg = f"the file of upload {upload_id!r} is missing from {self.uploads_dir}"
                raise NotFoundError(msg)
            self._audit_case(session, "download", actor, case, f"upload {row.public_id}")
            return self._upload_record(session, row, case.public_id), path

    # -- audit ---------------------------------------------------------------------------------------------

    def audit_log(
        self,
        team: UserInfo | str,
        case_id: str | None = None,
        *,
        limit: int = 1000,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[AuditRecord]:
        """The team's audit events, newest first (one case's when ``case_id`` is given).

        ``team`` is the acting user (their team's log) or a team name (for administration tools). ``since``
        and ``until`` (timezone-aware) keep the events at or after, and before, those times, so that events
        older than the newest ``limit`` can still be read.
        """
        limit = max(1, min(int(limit), 100_000))
        with self._reading() as session:
            if isinstance(team, UserInfo):
                team_id = self._actor(session, team).team_id
            else:
                found = session.scalars(select(Team.id).where(Team.name == team)).first()
                if found is None:
                    msg = f"no team {team!r}"
                    raise NotFoundError(msg)
                team_id = found
            query = select(AuditEvent).where(AuditEvent.team_id == team_id)
            if case_id is not None:
                query = query.where(AuditEvent.case_public_id == str(case_id))
            if since is not None:
                query = query.where(AuditEvent.at >= since)
            if until is not None:
                query = query.where(AuditEvent.at < until)
            rows = session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
            return [
                AuditRecord(
                    id=r.id,
                    at=r.at,
                    user=self._name(session, r.user_id),
                    action=r.action,
                    case_id=r.case_public_id,
                    detail=r.detail,
                )
                for r in rows
            ]

    # -- backup and restore ------------------------------------------------------------------------------

    def backup(self, out: str | Path) -> dict[str, Any]:
        """Write a consistent snapshot archive (see :func:`marbledx.registry.backup`); returns its manifest."""
        from marbledx.registry._backup import backup

        return backup(self, Path(out))

    def restore(self, archive: str | Path, *, force: bool = False) -> dict[str, Any]:
        """Replace this registry's contents with a backup (see :func:`marbledx.registry.restore`)."""
        from marbledx.registry._backup import restore

        return restore(self, Path(archive), force=force)
