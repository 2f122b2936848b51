"""Validation of what goes into the registry: names, roles, passwords, case fields, findings, labs.

Every refusal is an :class:`~marbledx.errors.InputError` with a one-line message that names the field and
what is expected, and never echoes a password.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, Protocol, cast

from marbledx.errors import InputError
from marbledx.registry._models import ROLES, SEXES, SOURCES
from marbledx.registry._records import FindingRecord, Role

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "FindingLike",
    "check_age",
    "check_findings",
    "check_label",
    "check_name",
    "check_number",
    "check_password",
    "check_role",
    "check_sex",
    "check_team",
    "check_text",
    "json_safe",
    "matchable",
]

MIN_PASSWORD_LENGTH: Final = 10
MAX_PASSWORD_LENGTH: Final = 1024
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
_HPO_ID = re.compile(r"HP:\d{7}")
_MAX_AGE_DAYS = 130 * 365.25


class FindingLike(Protocol):
    """A finding as the registry accepts it: its FindingRecord, or marbledx.findings.Finding."""

    @property
    def hpo_id(self) -> str: ...
    @property
    def excluded(self) -> bool: ...
    @property
    def source(self) -> str: ...


def check_name(value: str, what: str) -> str:
    text = value.strip()
    if not _NAME.fullmatch(text):
        msg = f"{what} {value!r} is not allowed; expected 1-100 letters, digits or . _ @ - (starting with a letter or digit)"
        raise InputError(msg)
    return text


def _refuse_nul(text: str, what: str) -> None:
    """PostgreSQL cannot store a NUL character in text (SQLite can): refused on both, so they agree."""
    if "\x00" in text:
        msg = f"{what} contains a NUL character (U+0000); expected text without it"
        raise InputError(msg)


def matchable(value: str) -> bool:
    """Whether stored text can equal ``value``: none holds a NUL, which PostgreSQL refuses even in a query."""
    return "\x00" not in value


def check_team(value: str) -> str:
    text = " ".join(value.split())
    if not text or len(text) > 100:
        msg = "team name must be 1-100 characters"
        raise InputError(msg)
    _refuse_nul(text, "team name")
    return text


def check_role(value: str) -> Role:
    if value not in ROLES:
        msg = f"unknown role {value!r}; expected one of {', '.join(ROLES)}"
        raise InputError(msg)
    return cast("Role", value)


def check_password(password: str) -> str:
    """Refuse passwords that are empty, too short or absurdly long (the message never echoes them)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        msg = f"password too short; expected at least {MIN_PASSWORD_LENGTH} characters"
        raise InputError(msg)
    if len(password) > MAX_PASSWORD_LENGTH:
        msg = f"password too long; expected at most {MAX_PASSWORD_LENGTH} characters"
        raise InputError(msg)
    if not password.strip():
        msg = "password is only spaces; expected a real password"
        raise InputError(msg)
    return password


def check_label(value: str) -> str:
    text = value.strip()
    if not text or len(text) > 200:
        msg = "case label must be 1-200 characters"
        raise InputError(msg)
    _refuse_nul(text, "case label")
    return text


def check_age(value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        msg = "age_days must be a number of days"
        raise InputError(msg)
    if not 0 <= value <= _MAX_AGE_DAYS:
        msg = f"age_days {value} is out of range; expected 0 to {_MAX_AGE_DAYS:.0f} days"
        raise InputError(msg)
    return float(value)


def check_sex(value: str | None) -> str | None:
    if value is not None and value not in SEXES:
        msg = f"sex {value!r} is not allowed; expected one of {', '.join(SEXES)} or none"
        raise InputError(msg)
    return value


def check_findings(findings: Iterable[FindingLike]) -> list[FindingRecord]:
    seen: dict[str, FindingRecord] = {}
    for finding in findings:
        hpo_id, excluded, source = finding.hpo_id, bool(finding.excluded), finding.source
        if not isinstance(hpo_id, str) or not _HPO_ID.fullmatch(hpo_id):
            msg = f"finding {hpo_id!r} is not an HPO id; expected HP: and 7 digits, e.g. HP:0011002"
            raise InputError(msg)
        if source not in SOURCES:
            msg = f"finding {hpo_id}: source {source!r} is not allowed; expected one of {', '.join(SOURCES)}"
            raise InputError(msg)
        previous = seen.get(hpo_id)
        if previous is not None and previous.excluded != excluded:
            msg = f"finding {hpo_id} is both observed and excluded; expected one state per term"
            raise InputError(msg)
        seen.setdefault(hpo_id, FindingRecord(hpo_id, excluded, source))
    return list(seen.values())


def check_number(value: float | None, what: str, *, required: bool = False) -> float | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        msg = f"lab {what} must be a finite number"
        raise InputError(msg)
    return float(value)


def check_text(value: str, what: str, limit: int) -> str:
    text = value.strip()
    if not text or len(text) > limit:
        msg = f"lab {what} must be 1-{limit} characters"
        raise InputError(msg)
    _refuse_nul(text, f"lab {what}")
    return text


def json_safe(value: Any) -> Any:
    """The value with non-finite floats as None (JSON and PostgreSQL have no NaN or infinity)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
