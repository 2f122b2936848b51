"""Errors of the case registry, under :class:`marbledx.errors.MarbledxError`.

The web layer maps them to HTTP answers: :class:`NotFoundError` → 404 (also for another team's case, so
its existence is not revealed), :class:`PermissionDeniedError` → 403, :class:`ConflictError` → 409,
:class:`UploadTooLargeError` → 413. Messages never contain patient data.
"""

from __future__ import annotations

from marbledx.errors import MarbledxError

__all__ = [
    "ConflictError",
    "NotFoundError",
    "PermissionDeniedError",
    "RegistryError",
    "UploadTooLargeError",
]


class RegistryError(MarbledxError):
    """The case registry cannot do what was asked (database, schema, backup or restore)."""


class NotFoundError(RegistryError):
    """No such record for this team (a record of another team is reported the same way)."""


class PermissionDeniedError(RegistryError):
    """The user's role does not allow the action."""


class ConflictError(RegistryError):
    """The record changed since it was read (optimistic concurrency), or a unique name is taken."""


class UploadTooLargeError(RegistryError):
    """An upload exceeded its size limit; nothing was kept."""
