"""Request bodies of the REST API (responses are the registry records' ``to_dict()``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["CaseCreate", "CasePatch", "FindingIn", "FindingsPut", "LabIn"]

_STRICT = ConfigDict(extra="forbid")


class FindingIn(BaseModel):
    """One finding: an HPO id, observed or excluded, and where it came from."""

    model_config = _STRICT

    hpo_id: str = Field(examples=["HP:0011002"])
    excluded: bool = False
    source: Literal["entered", "text", "lab"] = "entered"


class CaseCreate(BaseModel):
    """A new case of the caller's team."""

    model_config = _STRICT

    label: str = Field(description="the team's own case label (never logged)")
    age_days: float | None = None
    sex: Literal["female", "male"] | None = None
    findings: list[FindingIn] = Field(default_factory=list)


class CasePatch(BaseModel):
    """A change to a case; ``version`` is the version the change was based on (409 when it moved on)."""

    model_config = _STRICT

    version: int
    label: str | None = None
    age_days: float | None = None
    sex: Literal["female", "male"] | None = None


class FindingsPut(BaseModel):
    """The case's findings, replaced as a whole; with ``version``, a stale edit answers 409."""

    model_config = _STRICT

    findings: list[FindingIn]
    version: int | None = None


class LabIn(BaseModel):
    """One lab measurement (the labs over time)."""

    model_config = _STRICT

    analyte: str = Field(examples=["haemoglobin"])
    value: float
    unit: str = Field(examples=["g/dL"])
    measured_on: dt.date | None = None
    low: float | None = None
    high: float | None = None
