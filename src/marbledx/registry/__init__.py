"""The case registry: the data room under the web app.

Accounts (argon2 passwords, API tokens, roles clinician/counsellor/admin) in teams; each team's patient
cases with findings, labs over time, uploaded VCF/PED files and stored analyses; an audit trail of who
viewed or changed which case; consistent backups that restore into SQLite or PostgreSQL. Build one
:class:`Registry` from a database URL and pass it around (there is no global engine)::

    from marbledx.registry import Registry
    with Registry.open() as registry:                     # SQLite in the marbledx data folder
        alice = registry.add_user("alice", "haematology", "clinician", "a long passphrase")
        case = registry.create_case(alice, "patient 7", age_days=240, sex="female")
        registry.add_lab(alice, case.id, "haemoglobin", 8.1, "g/dL", measured_on="2025-03-01")

See docs/registry.md.
"""

from marbledx.registry._backup import BACKUP_FORMAT, BACKUP_FORMAT_VERSION, backup, restore
from marbledx.registry._checks import (
    MAX_COUPLE_LENGTH,
    MAX_SAMPLE_LENGTH,
    MIN_PASSWORD_LENGTH,
    STORED_SAMPLE_NAMES,
    check_age_at_test,
    check_password,
    sample_listing,
)
from marbledx.registry._db import DATABASE_ENV, default_database_url, head_revision, normalise_url
from marbledx.registry._errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RegistryError,
    TooManyAttemptsError,
    UploadTooLargeError,
)
from marbledx.registry._models import AUDIT_ACTIONS, ROLES, UPLOAD_KINDS
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
    Role,
    TokenInfo,
    UploadKind,
    UploadRecord,
    UserInfo,
)
from marbledx.registry._registry import (
    DELETE_ROLES,
    PASSWORD_CHANGE_ATTEMPTS,
    PASSWORD_CHANGE_WINDOW,
    SESSION_IDLE,
    SESSION_LIFETIME,
    UNSET,
    Registry,
    hash_token,
)

__all__ = [
    "AUDIT_ACTIONS",
    "BACKUP_FORMAT",
    "BACKUP_FORMAT_VERSION",
    "DATABASE_ENV",
    "DELETE_ROLES",
    "MAX_COUPLE_LENGTH",
    "MAX_SAMPLE_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "PASSWORD_CHANGE_ATTEMPTS",
    "PASSWORD_CHANGE_WINDOW",
    "ROLES",
    "SESSION_IDLE",
    "SESSION_LIFETIME",
    "STORED_SAMPLE_NAMES",
    "UNSET",
    "UPLOAD_KINDS",
    "AnalysisRecord",
    "AuditRecord",
    "CaseDetail",
    "CaseRecord",
    "CommandLineActor",
    "ConflictError",
    "EndedCredentials",
    "FindingRecord",
    "LabRecord",
    "NewLab",
    "NotFoundError",
    "PermissionDeniedError",
    "Registry",
    "RegistryError",
    "Role",
    "TokenInfo",
    "TooManyAttemptsError",
    "UploadKind",
    "UploadRecord",
    "UploadTooLargeError",
    "UserInfo",
    "backup",
    "check_age_at_test",
    "check_password",
    "default_database_url",
    "hash_token",
    "head_revision",
    "normalise_url",
    "restore",
    "sample_listing",
]
