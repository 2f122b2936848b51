"""Request bodies of the REST API (responses are the registry records' ``to_dict()``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, field_validator

__all__ = [
    "MAX_ROW_ID",
    "AccountCreate",
    "CaseCreate",
    "CasePatch",
    "FindingIn",
    "FindingsPut",
    "LabIn",
    "PasswordChange",
]

MAX_ROW_ID: Final = 2**31 - 1
"""The largest integer id (and list offset) a URL may carry: the registry's integer columns are 32-bit on
PostgreSQL, and SQLite's driver cannot even bind a number past 64 bits."""

_STRICT = ConfigDict(extra="forbid")


def _not_a_boolean(value: object) -> object:
    # Pydantic reads true and false as the numbers 1 and 0: "value": true would be stored as a haemoglobin
    # of 1 g/dL, "age_days": true as one day.
    if isinstance(value, bool):
        msg = f"expected a number, not {str(value).lower()}"
        raise ValueError(msg)  # pydantic turns a ValueError into its 422
    return value


Number = Annotated[float, BeforeValidator(_not_a_boolean)]
WholeNumber = Annotated[int, BeforeValidator(_not_a_boolean)]


class FindingIn(BaseModel):
    """One finding: an HPO id, observed or excluded, and where it came from (entered, or mapped from text)."""

    model_config = _STRICT

    hpo_id: str = Field(examples=["HP:0011002"])
    excluded: bool = False
    source: Literal["entered", "text"] = "entered"

    @field_validator("source", mode="before")
    @classmethod
    def _lab_findings_are_derived(cls, value: object) -> object:
        # The analysis derives lab findings from the case's lab values afresh and replaces any stored with
        # source "lab": accepted here, such a finding would vanish from the analysis.
        if value == "lab":
            msg = (
                "'lab' findings are derived from the case's lab values at each analysis; send the value to "
                "POST /api/cases/{case_id}/labs, or the finding with source 'entered'"
            )
            raise ValueError(msg)
        return value


# The family history's descriptions (docs/engine.md, "Age, sex and family history"). JSON true or false only
# (StrictBool): pydantic would read 1, "yes" or "on" as true, and a family history wrongly stated shifts
# the ranking. false is "no" and "not stated" alike.
_CONSANGUINEOUS = "the parents are related (consanguineous): favours autosomal recessive inheritance"
_AFFECTED_PARENT = "a parent has the same condition: favours dominant inheritance"
_AFFECTED_SIBLING = "a brother or sister has the same condition: favours recessive inheritance"


class CaseCreate(BaseModel):
    """A new case of the caller's team."""

    model_config = _STRICT

    label: str = Field(description="the team's own case label (never logged)")
    age_days: Number | None = None
    sex: Literal["female", "male"] | None = None
    findings: list[FindingIn] = Field(default_factory=list)
    consanguineous: StrictBool = Field(default=False, description=_CONSANGUINEOUS)
    affected_parent: StrictBool = Field(default=False, description=_AFFECTED_PARENT)
    affected_sibling: StrictBool = Field(default=False, description=_AFFECTED_SIBLING)


class CasePatch(BaseModel):
    """A change to a case; ``version`` is the version the change was based on (409 when it moved on).
    Fields left out stay as they are."""

    model_config = _STRICT

    version: WholeNumber
    label: str | None = None
    age_days: Number | None = None
    sex: Literal["female", "male"] | None = None
    consanguineous: StrictBool | None = Field(default=None, description=_CONSANGUINEOUS)
    affected_parent: StrictBool | None = Field(default=None, description=_AFFECTED_PARENT)
    affected_sibling: StrictBool | None = Field(default=None, description=_AFFECTED_SIBLING)


class FindingsPut(BaseModel):
    """The case's findings, replaced as a whole; with ``version``, a stale edit answers 409."""

    model_config = _STRICT

    findings: list[FindingIn]
    version: WholeNumber | None = None


class LabIn(BaseModel):
    """One lab measurement (the labs over time)."""

    model_config = _STRICT

    analyte: str = Field(examples=["haemoglobin"])
    value: Number
    unit: str = Field(examples=["g/dL"])
    measured_on: dt.date | None = None
    age_at_test: str | None = Field(
        default=None,
        max_length=200,
        examples=["P2M"],
        description=(
            "the patient's age when the sample was taken, an ISO 8601 duration (P2M, P1Y6M, P10D); it chooses "
            "the value's age-dependent reference interval. Left out or null: read at the case's age"
        ),
    )
    low: Number | None = None
    high: Number | None = None


class PasswordChange(BaseModel):
    """The caller's own password change: the current password proves it is them (never logged or echoed)."""

    model_config = _STRICT

    current_password: str = Field(max_length=2000)
    new_password: str = Field(max_length=2000, description="at least 10 characters")
    revoke_tokens: bool = Field(
        default=False, description="also revoke every API token of the account (this one included)"
    )


class AccountCreate(BaseModel):
    """A new account of the calling admin's team (the team is always the admin's own)."""

    model_config = _STRICT

    name: str = Field(
        max_length=100, description="letters, digits or . _ @ -, starting with a letter or digit"
    )
    role: Literal["clinician", "counsellor", "admin"]
    password: str = Field(max_length=2000, description="at least 10 characters (never logged or echoed)")
