"""Errors of the case registry, under :class:`marbledx.errors.MarbledxError`.

The web layer maps them to HTTP answers: :class:`NotFoundError` → 404 (also for another team's case, so
its existence is not revealed), :class:`PermissionDeniedError` → 403, :class:`TooManyAttemptsError` → 429, :class:`ConflictError` → 409,
:class:`UploadTooLargeError` → 413. Messages never contain patient data.
"""

from __future__ import annotations

from marbledx.errors import MarbledxError

__all__ = [
    "ConflictError",
    "NotFoundError",
    "PermissionDeniedError",
    "RegistryError",
    "TooManyAttemptsError",
    "UploadTooLargeError",
]


class RegistryError(MarbledxError):
    """The case registry cannot do what was asked (database, schema, backup or restore)."""


class NotFoundError(RegistryError):
    """No such record for this team (a record of another team is reported the same way)."""


class PermissionDeniedError(RegistryError):
    """The user's role does not allow the action."""


class TooManyAttemptsError(PermissionDeniedError):
    """Too many wrong passwords in a short time: the attempt is refused without checking the password.

    ``retry_after`` is the number of seconds until an attempt is accepted again.
    """

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConflictError(RegistryError):
    """The record changed since it was read (optimistic concurrency), or a unique name is taken."""


class UploadTooLargeError(RegistryError):
    """An upload exceeded its size limit; nothing was kept."""
