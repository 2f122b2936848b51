"""The REST API routers under ``/api``. Every case view or change goes through the registry (audited).

Handlers are plain functions (FastAPI runs them in its thread pool, as the registry is synchronous), except
the upload, which streams the request body into :meth:`Registry.store_upload` from a worker thread.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile

from marbledx._api import SubtypeSummary, search_terms, subtype_card, subtype_summaries
from marbledx.errors import InputError, UnknownEntityError, UnknownTermError
from marbledx.findings import Case, FamilyHistory, Finding, LabValue, make_lab_value, normalise_findings
from marbledx.genotype import GenotypeOptions
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import (
    MAX_COUPLE_LENGTH,
    MAX_SAMPLE_LENGTH,
    UNSET,
    AnalysisRecord,
    CaseDetail,
    FindingRecord,
    PermissionDeniedError,
    Registry,
    UploadKind,
    UploadRecord,
    UploadTooLargeError,
    UserInfo,
    check_age_at_test,
)
from marbledx.report import DISCLAIMER, analyze, render_pdf, render_result_html
from marbledx.web._auth import app_registry, current_user, hpo_of, kb_of, registry_of
from marbledx.web._import import import_phenopacket, too_large
from marbledx.web._messages import for_web
from marbledx.web._schemas import (
    MAX_ROW_ID,
    AccountCreate,
    CaseCreate,
    CasePatch,
    FindingIn,
    FindingsPut,
    LabIn,
    PasswordChange,
)

__all__ = [
    "OUTDATED_NOTICE",
    "AccountRename",
    "Analysis",
    "accounts",
    "api_router",
    "audit_events",
    "case_for_analysis",
    "check_lab",
    "consistent_findings",
    "in_analysis_thread",
    "mark_outdated",
    "named_entities",
    "run_analysis",
]

User = Annotated[UserInfo, Depends(current_user)]
Reg = Annotated[Registry, Depends(app_registry)]
# Integer ids from a URL: bounded like the database's own ids, so a huge number answers 422, not a crash
# in the database driver.
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]

api_router = APIRouter(prefix="/api")
T = TypeVar("T")
_HPO_ID: Final = re.compile(r"HP:\d{7}")


def known_terms(hpo: Hpo, findings: Sequence[FindingIn]) -> None:
    """Refuse an HPO id this release does not know, as the pages and ``marbledx analyze`` do.

    Stored, it would be dropped from every analysis with only a warning at the end of the report.
    Malformed ids are left to the registry, which names what it expects.
    """
    for finding in findings:
        if not _HPO_ID.fullmatch(finding.hpo_id):
            continue
        try:
            hpo.ontology.resolve(finding.hpo_id)
        except UnknownTermError as exc:
            msg = f"finding {finding.hpo_id}: {exc}"  # for_web names the search (GET /api/hpo/search)
            raise InputError(msg) from None


def _as_analysed(finding: FindingIn | FindingRecord) -> tuple[str, bool, str]:
    """A stored finding as the analysis reads it: one stored with source ``lab`` (before the API refused
    them, or by another tool) counts as entered, since lab findings are derived afresh at each analysis."""
    return finding.hpo_id, finding.excluded, "entered" if finding.source == "lab" else finding.source


def _resolves(hpo: Hpo, hpo_id: str) -> bool:
    try:
        hpo.ontology.resolve(hpo_id)
    except UnknownTermError:
        return False
    return True


def consistent_findings(hpo: Hpo, findings: Sequence[FindingIn | FindingRecord]) -> None:
    """Refuse findings that the analysis drops, or fails on every time, with ``marbledx analyze``'s
    one-line messages: a term outside Phenotypic abnormality (a mode of inheritance, an onset; dropped with
    a warning), a term both observed and excluded (also under an alternative id), an excluded term whose
    narrower term is observed. The API and the pages check a case's findings with this before storing them.

    Ids this release does not resolve are left to :func:`known_terms` (the API) or the term box (the pages),
    and malformed ids to the registry, which names what it expects.
    """
    raw = [_as_analysed(f) for f in findings if _HPO_ID.fullmatch(f.hpo_id) and _resolves(hpo, f.hpo_id)]
    # normalise_findings also refuses a case without an observed finding, which a case being entered may
    # well be: then each term is checked on its own, as if observed, for the branch of the ontology it is in.
    observed = any(not excluded for _, excluded, _ in raw)
    for group in [raw] if observed else [[(hpo_id, False, source)] for hpo_id, _, source in raw]:
        normalise_findings(hpo.ontology, group, where="findings", strict=True)


def check_lab(
    analyte: str,
    value: str | float,
    unit: str,
    *,
    measured_on: str | None,
    low: str | float | None,
    high: str | float | None,
    age_at_test: str | None = None,
) -> LabValue:
    """A lab value checked against the lab table as the pages check it (known analyte and unit, a possible
    value, low below high, a real date), with the same one-line messages. A value the analysis would refuse
    must never be stored: it would make the case impossible to analyse.

    ``age_at_test`` is the age at the test as :func:`marbledx.registry.check_age_at_test` returned it (the
    caller checks it first, so that the message names its own field); the value's ``age_days`` is that age.
    """
    return make_lab_value(
        analyte, value, unit, where="lab value", date=measured_on, low=low, high=high, age=age_at_test
    )


# -- cases ---------------------------------------------------------------------------------------------


@api_router.post("/cases", status_code=201, tags=["cases"], summary="Create a case")
def create_case(body: CaseCreate, request: Request, user: User, registry: Reg) -> dict[str, Any]:
    known_terms(hpo_of(request), body.findings)
    consistent_findings(hpo_of(request), body.findings)
    record = registry.create_case(
        user,
        body.label,
        age_days=body.age_days,
        sex=body.sex,
        findings=list(body.findings),
        consanguineous=body.consanguineous,
        affected_parent=body.affected_parent,
        affected_sibling=body.affected_sibling,
    )
    return record.to_dict()


_IMPORT_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "description": "The phenopacket: a GA4GH Phenopacket v2 (or Family v2) JSON file, as the request body "
        "(`curl --data-binary @P1.json -H 'Content-Type: application/json'`) or as the field `file` of a "
        "multipart form (`curl -F file=@P1.json`). At most the server's phenopacket limit (64 MiB by default; "
        "413 over it).",
        "content": {
            "application/json": {
                "schema": {"type": "object", "description": "a GA4GH Phenopacket v2 or Family v2"}
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


async def _phenopacket_bytes(request: Request, limit: int) -> tuple[bytes, str | None]:
    """The phenopacket a request sends, as the raw body or a multipart form's ``file`` (with its file name),
    held to ``limit`` bytes (413 over it) as it arrives."""
    if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        # As a context manager, so that every file of the form is closed, a field by another name too.
        async with request.form(max_files=1, max_fields=10) as form:
            part = form.get("file")
            if not isinstance(part, UploadFile):
                msg = (
                    "file: missing; expected the phenopacket as the multipart form's field 'file', or its JSON "
                    "as the request body"
                )
                raise InputError(msg)
            data = await part.read(limit + 1)
        name = part.filename
    else:
        buffer = bytearray()
        async for chunk in request.stream():
            buffer += chunk
            if len(buffer) > limit:
                break
        data, name = bytes(buffer), None
    if len(data) > limit:
        raise UploadTooLargeError(too_large(limit))
    if not data.strip():
        msg = "the phenopacket is empty; expected a GA4GH Phenopacket v2 JSON file"
        raise InputError(msg)
    return data, name


@api_router.post(
    "/cases/import",
    status_code=201,
    tags=["cases"],
    summary="Create a case from a GA4GH Phenopacket v2 file (findings, age, sex, family history, labs)",
    description="Reads the phenopacket as `marbledx rank` reads it (the same one-line 422 errors naming the "
    "field; obsolete HPO ids replaced with a warning; `lenient=true` as `rank --lenient`) and creates a case of "
    "the caller's team with its observed and excluded findings, age, sex, family history (a Family's pedigree) "
    "and lab `measurements`, in one transaction (one `create` audit event). The label is `label`, else the "
    "phenopacket's `id`; change it later with PATCH. The answer has the `case`, its `findings`, the number of "
    "`labs`, the `warnings` (as `rank` gives them, and what the registry does not keep), and the "
    "`variant_files` the phenopacket names: the server never reads a file on the user's computer, so upload "
    "each VCF to the case (`upload`: POST /api/cases/{case_id}/uploads/vcf, with the proband's `sample`).",
    openapi_extra=_IMPORT_BODY,
)
async def import_case(
    request: Request,
    user: User,
    lenient: Annotated[
        bool,
        Query(
            description="as `marbledx rank --lenient`: HPO ids this release does not know (and terms that "
            "are no phenotypic feature), lab values that cannot be read and an excluded term whose narrower "
            "term is observed are dropped with a warning instead of refusing the file"
        ),
    ] = False,
    label: Annotated[
        str | None, Query(max_length=200, description="the case label (default: the phenopacket's id)")
    ] = None,
    filename: Annotated[
        str | None,
        Query(
            max_length=255, description="the file's name, for the messages (a multipart part's own name wins)"
        ),
    ] = None,
) -> dict[str, Any]:
    limit: int = request.app.state.max_phenopacket_bytes
    data, part_name = await _phenopacket_bytes(request, limit)
    registry, ontology = registry_of(request), hpo_of(request).ontology

    def work() -> dict[str, Any]:
        record, imported = import_phenopacket(
            registry,
            user,
            data,
            filename=part_name or filename,
            ontology=ontology,
            lenient=lenient,
            label=label,
        )
        return imported.summary(record)

    # Reading a phenopacket and storing the case are synchronous (the registry is): a worker thread.
    result: dict[str, Any] = await anyio.to_thread.run_sync(work)
    return result


@api_router.get("/cases", tags=["cases"], summary="List the team's cases")
def list_cases(
    user: User,
    registry: Reg,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> dict[str, Any]:
    cases = registry.list_cases(user, limit=limit, offset=offset)
    return {"total": registry.count_cases(user), "cases": [c.to_dict() for c in cases]}


@api_router.get(
    "/cases/{case_id}",
    tags=["cases"],
    summary="A case with findings, labs, uploads, analyses",
    response_model=dict[str, Any],
)
def get_case(case_id: str, user: User, registry: Reg) -> JSONResponse:
    # The most frequent request: its record is plain JSON already (strings, numbers, lists), so it goes out
    # as a JSONResponse, skipping FastAPI's response validation (about 7% of a read's CPU).
    return JSONResponse(registry.case_detail(user, case_id).to_dict())


@api_router.patch(
    "/cases/{case_id}", tags=["cases"], summary="Change label, age, sex or family history (needs version)"
)
def patch_case(case_id: str, body: CasePatch, user: User, registry: Reg) -> dict[str, Any]:
    given = body.model_fields_set
    if "label" in given and body.label is None:
        msg = "label cannot be null; expected a non-empty case label"
        raise InputError(msg)
    for name in ("consanguineous", "affected_parent", "affected_sibling"):
        # null is not "unknown": false already means "not stated", so a null would only hide a typo.
        if name in given and getattr(body, name) is None:
            msg = f"{name} cannot be null; expected true or false (false: no, or not stated)"
            raise InputError(msg)
    record = registry.update_case(
        user,
        case_id,
        version=body.version,
        label=body.label if "label" in given and body.label is not None else UNSET,
        age_days=body.age_days if "age_days" in given else UNSET,
        sex=body.sex if "sex" in given else UNSET,
        # Left out (None; null was refused above): no change.
        consanguineous=body.consanguineous if body.consanguineous is not None else UNSET,
        affected_parent=body.affected_parent if body.affected_parent is not None else UNSET,
        affected_sibling=body.affected_sibling if body.affected_sibling is not None else UNSET,
    )
    return record.to_dict()


@api_router.delete("/cases/{case_id}", status_code=204, tags=["cases"], summary="Delete a case")
def delete_case(
    case_id: str, user: User, registry: Reg, version: Annotated[int | None, Query()] = None
) -> Response:
    registry.delete_case(user, case_id, version=version)
    return Response(status_code=204)


@api_router.put("/cases/{case_id}/findings", tags=["cases"], summary="Replace the case's findings")
def put_findings(
    case_id: str, body: FindingsPut, request: Request, user: User, registry: Reg
) -> dict[str, Any]:
    known_terms(hpo_of(request), body.findings)
    consistent_findings(hpo_of(request), body.findings)
    record = registry.set_findings(user, case_id, list(body.findings), version=body.version)
    return {**record.to_dict(), "findings": [f.model_dump() for f in body.findings]}


@api_router.post("/cases/{case_id}/labs", status_code=201, tags=["labs"], summary="Add a lab value")
def add_lab(case_id: str, body: LabIn, user: User, registry: Reg) -> dict[str, Any]:
    # Checked first, so that a wrong age is named by its JSON field (a one-line 422).
    age = check_age_at_test(body.age_at_test, "age_at_test")
    checked = check_lab(
        body.analyte,
        body.value,
        body.unit,
        measured_on=body.measured_on.isoformat() if body.measured_on else None,
        low=body.low,
        high=body.high,
        age_at_test=age,
    )
    record = registry.add_lab(
        user,
        case_id,
        checked.analyte,
        checked.value,
        checked.unit,
        measured_on=checked.date,
        low=checked.low,
        high=checked.high,
        age_at_test=age,
    )
    return record.to_dict()


@api_router.delete(
    "/cases/{case_id}/labs/{lab_id}", status_code=204, tags=["labs"], summary="Remove a lab value"
)
def delete_lab(case_id: str, lab_id: RowId, user: User, registry: Reg) -> Response:
    registry.delete_lab(user, case_id, lab_id)
    return Response(status_code=204)


@api_router.get("/cases/{case_id}/labs", tags=["labs"], summary="The labs over time (by date)")
def list_labs(
    case_id: str, user: User, registry: Reg, analyte: Annotated[str | None, Query()] = None
) -> dict[str, Any]:
    return {"labs": [lab.to_dict() for lab in registry.list_labs(user, case_id, analyte=analyte)]}


# -- uploads -------------------------------------------------------------------------------------------


@api_router.post(
    "/cases/{case_id}/uploads/{kind}",
    status_code=201,
    tags=["uploads"],
    summary="Upload a VCF or PED file (the raw request body; 413 over the size limit)",
    description="The file is the raw request body (not a multipart form), streamed to the registry. Its "
    "first 64 KiB are checked as they arrive; a wrong file is a one-line 422 and is not kept. A VCF "
    "upload answers with its header's sample names (`samples`, the first 50; `sample_count`) and the "
    "chosen `sample`; a PED upload with the chosen `couple` (`[FATHER, MOTHER]`, or null).",
)
async def upload(
    case_id: str,
    kind: Literal["vcf", "ped"],
    request: Request,
    user: User,
    filename: Annotated[
        str | None, Query(max_length=255, description="the client's file name (metadata only)")
    ] = None,
    sample: Annotated[
        str | None,
        Query(
            max_length=MAX_SAMPLE_LENGTH,
            description="VCF only: the proband's sample, as the VCF header names it, for a VCF with several "
            "samples (a trio without a PED file). Checked against the header: an unknown name is a 422 "
            "listing the header's samples. The analysis reads this sample.",
        ),
    ] = None,
    couple: Annotated[
        str | None,
        Query(
            max_length=MAX_COUPLE_LENGTH,
            description="PED only: whose next child the recurrence and carrier risks are for, two individual "
            "ids of the PED file as FATHER,MOTHER (e.g. `DAD,MUM`), as `marbledx analyze --couple`. Checked "
            "against the file: a wrong form, an id not in the file, one person named twice or two people of "
            "one sex is a one-line 422. The analysis computes the risks for this couple (the newest PED "
            "upload's); without one, for the parents of the first affected person with both parents in the "
            "file, else for an affected proband (the VCF's chosen sample) and their one partner in it.",
        ),
    ] = None,
) -> dict[str, Any]:
    registry = registry_of(request)
    limit: int = request.app.state.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"upload larger than {limit} bytes; expected a smaller {kind.upper()} file")
    stream = request.stream()

    def chunks() -> Iterator[bytes]:
        # Runs in the worker thread: each chunk is pulled from the event loop as the registry writes.
        while True:
            try:
                chunk = anyio.from_thread.run(stream.__anext__)
            except StopAsyncIteration:
                return
            if chunk:
                yield chunk

    upload_kind: UploadKind = kind

    def store() -> dict[str, Any]:
        record = registry.store_upload(
            user,
            case_id,
            upload_kind,
            chunks(),
            max_bytes=limit,
            original_name=filename,
            sample=sample,
            couple=couple,
            check_header=True,  # a header the analysis cannot read is refused now, not at the analysis
        )
        return record.to_dict()

    result: dict[str, Any] = await anyio.to_thread.run_sync(store)
    return result


@api_router.delete(
    "/cases/{case_id}/uploads/{upload_id}", status_code=204, tags=["uploads"], summary="Remove an upload"
)
def delete_upload(
    case_id: str, upload_id: Annotated[str, Path(max_length=36)], user: User, registry: Reg
) -> Response:
    registry.delete_upload(user, case_id, upload_id)
    return Response(status_code=204)


# -- analysis and reports ------------------------------------------------------------------------------


def _excluded_only(
    hpo: Hpo, raw: Sequence[tuple[str, bool, str]]
) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
    """Excluded findings resolved as :func:`normalise_findings` resolves them with ``strict=False`` (obsolete
    and alternative ids replaced, unknown ids and terms outside Phenotypic abnormality dropped, each with its
    warning), for a case without an observed finding, which ``normalise_findings`` refuses."""
    ontology = hpo.ontology
    where = "case findings"
    findings: dict[str, Finding] = {}
    warnings: list[str] = []
    for hpo_id, _, source in raw:
        try:
            current = ontology.resolve(hpo_id)
        except UnknownTermError as exc:
            warnings.append(f"{where}: {exc} (dropped)")
            continue
        if not ontology.is_phenotype(current):
            warnings.append(
                f"{where}: {current} {ontology.label(current)} is not a phenotypic feature (dropped)"
            )
            continue
        original = None if hpo_id in ontology else hpo_id.strip()
        if original is not None:
            warnings.append(
                f"{where}: HPO term {original} is obsolete or an alternative id; using {current} "
                f"({ontology.label(current)})"
            )
        findings.setdefault(current, Finding(current, True, source, original))
    return tuple(findings.values()), tuple(warnings)


def case_for_analysis(detail: CaseDetail, hpo: Hpo) -> tuple[Case, list[str]]:
    """The registry case as a :class:`Case` for :func:`analyze` (with its family history), and its labs as
    ``lab_values`` texts.

    The analysis derives its lab findings from the lab values afresh, and replaces every finding whose
    source is ``lab``. The web app never stores such findings (the API refuses them), but one stored
    before, or by another tool, is a clinician's finding like any other: it is kept as ``entered``, with a
    warning, never dropped in silence.
    """
    stored_as_lab = [f.hpo_id for f in detail.findings if f.source == "lab"]
    raw = [_as_analysed(f) for f in detail.findings]
    if detail.labs and not any(not excluded for _, excluded, _ in raw):
        # Only excluded findings (or none) and lab values: the lab findings the analysis derives may be the
        # observed ones, as `marbledx rank` ranks a phenopacket of measurements only. The analysis refuses
        # the case if they are not.
        findings, warnings = _excluded_only(hpo, raw)
    else:
        findings, warnings = normalise_findings(hpo.ontology, raw, where="case findings", strict=False)
    if stored_as_lab:
        warnings = (
            *warnings,
            f"case findings: {', '.join(stored_as_lab)} stored with source 'lab' used as entered findings "
            "(lab findings are derived from the case's lab values at each analysis)",
        )
    sex = detail.case.sex if detail.case.sex in ("female", "male") else None
    case = Case(
        case_id=detail.case.id,
        input="registry",
        findings=findings,
        age_days=detail.case.age_days,
        sex=sex,  # type: ignore[arg-type]
        # As --consanguineous, --affected-parent and --affected-sibling: the ranking's context evidence.
        family=FamilyHistory(
            consanguineous=detail.case.consanguineous,
            affected_parent=detail.case.affected_parent,
            affected_sibling=detail.case.affected_sibling,
        ),
        warnings=warnings,
    )
    values = []
    for lab in detail.labs:
        text = f"{lab.analyte}={lab.value:g} {lab.unit}"
        if lab.measured_on is not None:
            text += f" date={lab.measured_on.isoformat()}"
        if lab.age_at_test is not None:
            # The value's own age chooses its reference interval (the lab layer's age=, which wins over the
            # case's age); without it the value is read at the case's age, as before revision 0010.
            text += f" age={lab.age_at_test}"
        if lab.low is not None:
            text += f" low={lab.low:g}"
        if lab.high is not None:
            text += f" high={lab.high:g}"
        values.append(text)
    return case, values


def _upload_name(upload: UploadRecord) -> str:
    named = f"{upload.original_name} ({upload.id})" if upload.original_name else upload.id
    return f"uploaded {upload.kind.upper()} file {named}"


@dataclass(frozen=True)
class Analysis:
    """An analysis to store: its result, and the case's ``updated_at`` when its inputs were read."""

    result: dict[str, Any]
    based_on: dt.datetime

    def store(self, registry: Registry, user: UserInfo, case_id: str) -> AnalysisRecord:
        """Store it; a case changed while it ran is a conflict (nothing stored; analyse again)."""
        return registry.record_analysis(user, case_id, self.result, based_on=self.based_on)


def run_analysis(request: Request, user: UserInfo, case_id: str) -> Analysis:
    """Analyse a registry case (findings, labs, newest VCF and PED uploads) as ``user``.

    The proband's sample is the one chosen when the newest VCF was uploaded; without one, the VCF reader
    takes a single-sample VCF's only sample, or the PED file's affected child. The counselling risks are for
    the next child of the couple chosen when the newest PED file was uploaded (``analyze(couple=...)``);
    without one, for analyze's default couple. Returns the result to store
    (:meth:`AnalysisReport.to_dict`, with the ``family_history`` the ranking used), where uploaded files are
    named by their upload, never by their path on the server (errors too), with the time of the case it
    describes.
    """
    registry, hpo, kb = registry_of(request), hpo_of(request), kb_of(request)
    detail = registry.case_detail(user, case_id)
    case, lab_values = case_for_analysis(detail, hpo)
    latest = {u.kind: u for u in detail.uploads}  # uploads are listed oldest first: the newest wins
    paths = {kind: registry.open_upload(user, case_id, u.id)[1] for kind, u in latest.items()}

    def named(message: str) -> str:
        """``message`` with the uploads' paths as their names (it may come from a reader of the files)."""
        for kind, path in paths.items():
            message = message.replace(str(path), f"the {_upload_name(latest[kind])}")
        return message.replace(str(registry.uploads_dir), "the uploads folder")

    vcf_upload = latest.get("vcf")
    sample = vcf_upload.sample if vcf_upload is not None else None
    ped_upload = latest.get("ped")
    couple = ped_upload.couple if ped_upload is not None else None
    try:
        report = analyze(
            case,
            hpo=hpo,
            kb=kb,
            vcf=paths.get("vcf"),
            ped=paths.get("ped"),
            couple=couple,
            lab_values=lab_values,
            genotype=GenotypeOptions(sample=sample) if sample is not None else None,
            strict=False,
        )
    except InputError as exc:
        raise InputError(named(str(exc))) from None
    result = report.to_dict()
    # The notes and warnings are stored and shown on the results page and in the reports: they name the
    # uploads, not their paths on the server, and ask for what the web user can do, not for a flag (the
    # counselling's request for a couple: --couple FATHER,MOTHER).
    for key in ("notes", "warnings"):
        texts = result.get(key)
        if isinstance(texts, list):
            result[key] = [for_web(named(text)) if isinstance(text, str) else text for text in texts]
    genotype = result.get("genotype")
    if isinstance(genotype, dict) and "vcf" in latest:
        genotype["vcf"] = _upload_name(latest["vcf"])
        # The reader's own warnings (a VCF without variant records: "… gives no genotype evidence") name the
        # file by its path on the server too, and are in the JSON report.
        texts = genotype.get("warnings")
        if isinstance(texts, list):
            genotype["warnings"] = [for_web(named(text)) if isinstance(text, str) else text for text in texts]
    counselling = result.get("counselling")
    if isinstance(counselling, dict) and "ped" in latest:
        counselling["pedigree"] = _upload_name(latest["ped"])
    # The family history the ranking was given, as stored with the result: the notes name only what was
    # stated ("family: consanguinity favours …"), so without this a result could not tell "none stated" from
    # an analysis made before the case had a family history; the results page shows it. The case may change
    # later; the stored result keeps what this analysis used.
    used = report.case.family
    result["family_history"] = {
        "consanguineous": used.consanguineous,
        "affected_parent": used.affected_parent,
        "affected_sibling": used.affected_sibling,
    }
    return Analysis(result=result, based_on=detail.case.updated_at)


async def in_analysis_thread(request: Request, work: Callable[[], T]) -> T:
    """Run an analysis (about half a second of CPU) in a worker thread under the app's analysis limit."""
    limiter: anyio.CapacityLimiter | None = getattr(request.app.state, "analysis_limiter", None)
    return await anyio.to_thread.run_sync(work, limiter=limiter)


@api_router.post("/cases/{case_id}/analyze", tags=["analysis"], summary="Analyse the case and store it")
async def analyze_case(case_id: str, request: Request, user: User) -> dict[str, Any]:
    registry = registry_of(request)

    def work() -> dict[str, Any]:
        analysis = run_analysis(request, user, case_id)
        record = analysis.store(registry, user, case_id)
        return {**record.to_dict(), "result": record.result if record.result is not None else analysis.result}

    return await in_analysis_thread(request, work)


_MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf", "json": "application/json"}
OUTDATED_NOTICE: Final = "the case has changed since; analyse again to include the changes"
_BODY_TAG: Final = re.compile(r"<body[^>]*>", re.IGNORECASE)


def mark_outdated(html: str, stored: AnalysisRecord) -> str:
    """The rendered report with a warning at its top when the case has changed since the analysis.

    A downloaded report travels without the results page around it, so it must say itself that the data
    on file has moved on (a file, lab value or finding added or removed): the team should not act on its
    HSCT decision without analysing again.
    """
    if not stored.outdated:
        return html
    when = stored.created_at.strftime("%Y-%m-%d %H:%M")
    banner = (
        '<div class="disclaimer outdated" role="alert"><strong>Out of date.</strong> '
        f"This report is the analysis of {when} UTC, and {OUTDATED_NOTICE}.</div>"
    )
    found = _BODY_TAG.search(html)
    at = found.end() if found else 0
    return html[:at] + banner + html[at:]


@api_router.get(
    "/cases/{case_id}/report",
    tags=["analysis"],
    summary="The latest analysis as a clinician or family report (HTML, PDF or JSON)",
    response_class=Response,
)
def report(
    case_id: str,
    request: Request,
    user: User,
    registry: Reg,
    format: Annotated[Literal["html", "pdf", "json"], Query()] = "html",
    audience: Annotated[Literal["clinician", "family"], Query()] = "clinician",
) -> Response:
    stored = registry.get_analysis(user, case_id)
    if format == "json":
        data: dict[str, Any] = dict(stored.result or {})
        if audience == "family":
            data = {
                "case_id": data.get("case_id"),
                "family_summary": data.get("family_summary"),
                "disclaimer": DISCLAIMER,
            }
        data["outdated"] = stored.outdated  # the case has changed since: analyse again
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    else:
        # Rendered from the stored result, so a report reads the same after a restart or on another worker.
        html = render_result_html(
            stored.result or {}, hpo=hpo_of(request), kb=kb_of(request), audience=audience
        )
        html = mark_outdated(html, stored)
        body = html.encode("utf-8") if format == "html" else render_pdf(html)
    headers = {"Content-Disposition": f'attachment; filename="marbledx-report-{case_id}.{format}"'}
    if format == "html":
        headers = {}
    return Response(content=body, media_type=_MEDIA[format], headers=headers)


# -- audit log ---------------------------------------------------------------------------------------------


def audit_events(registry: Registry, user: UserInfo, case_id: str | None, limit: int) -> list[dict[str, Any]]:
    """The team's audit events for an admin (newest first); other roles get 403."""
    if user.role != "admin":
        msg = f"the audit log is for the team's admins; {user.name} is a {user.role}"
        raise PermissionDeniedError(msg)
    return [event.to_dict() for event in registry.audit_log(user, case_id, limit=limit)]


@api_router.get("/audit", tags=["audit"], summary="The team's audit log, newest first (admins)")
def audit(
    user: User,
    registry: Reg,
    case_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 100,
) -> dict[str, Any]:
    return {"events": audit_events(registry, user, case_id, limit)}


# -- accounts (a team's admins) ------------------------------------------------------------------------

UserName = Annotated[str, Path(min_length=1, max_length=100)]


def accounts(registry: Registry, admin: UserInfo) -> list[dict[str, Any]]:
    """The admin's team's accounts, each with its API tokens (the registry refuses other roles: 403)."""
    return [
        {**account.to_dict(), "tokens": [t.to_dict() for t in registry.list_tokens(account, by=admin)]}
        for account in registry.list_users(by=admin)
    ]


@api_router.get("/users", tags=["accounts"], summary="The team's accounts and their API tokens (admins)")
def list_accounts(user: User, registry: Reg) -> dict[str, Any]:
    return {"users": accounts(registry, user)}


@api_router.get("/users/{name}/tokens", tags=["accounts"], summary="An account's API tokens (admins)")
def list_tokens(name: UserName, user: User, registry: Reg) -> dict[str, Any]:
    return {"tokens": [t.to_dict() for t in registry.list_tokens(name, by=user)]}


@api_router.post(
    "/users/{name}/tokens/{token_id}/revoke",
    tags=["accounts"],
    summary="Revoke an API token (a leaked one); the account and its other tokens stay (admins)",
)
def revoke_token(name: UserName, token_id: RowId, user: User, registry: Reg) -> dict[str, Any]:
    return registry.revoke_token(name, token_id, by=user).to_dict()


@api_router.post(
    "/users",
    status_code=201,
    tags=["accounts"],
    summary="Add an account to the admin's team: {name, role, password} (admins)",
)
def add_account(body: AccountCreate, user: User, registry: Reg) -> dict[str, Any]:
    return registry.add_user(body.name, user.team, body.role, body.password, by=user).to_dict()


@api_router.post(
    "/users/{name}/deactivate",
    tags=["accounts"],
    summary="Deactivate an account: its sessions end and its API tokens are revoked for good (admins; "
    "not their own, nor the team's last active admin)",
)
def deactivate_account(name: UserName, user: User, registry: Reg) -> dict[str, Any]:
    return registry.set_active(name, False, by=user).to_dict()


@api_router.post(
    "/users/{name}/reactivate",
    tags=["accounts"],
    summary="Activate a deactivated account again, with its old password; its ended sessions and revoked "
    "tokens stay so (admins)",
)
def reactivate_account(name: UserName, user: User, registry: Reg) -> dict[str, Any]:
    return registry.set_active(name, True, by=user).to_dict()


class AccountRename(BaseModel):
    """The new name of an account of the calling admin's team (``Registry.rename_user``).

    Defined here rather than with the other bodies in ``_schemas``, which this change does not touch.
    """

    model_config = ConfigDict(extra="forbid")

    new_name: str = Field(
        max_length=100,
        description="letters, digits or . _ @ -, starting with a letter or digit; no other account's name in "
        "any case",
    )


@api_router.post(
    "/users/{name}/rename",
    tags=["accounts"],
    summary="Rename an account: {new_name}; its sign-in sessions end, its password, API tokens, cases and "
    "history stay (admins; a taken or look-alike name: 409)",
)
def rename_account(name: UserName, body: AccountRename, user: User, registry: Reg) -> dict[str, Any]:
    # The registry's errors map as for the sibling endpoints (marbledx.web._app): an unknown account or
    # another team's 404, a name taken in any case 409, an invalid or unchanged name 422, a non-admin 403.
    return registry.rename_user(name, body.new_name, by=user).to_dict()


@api_router.post(
    "/account/password",
    tags=["accounts"],
    summary="Change the caller's own password (the current one required); ends their sign-in sessions",
)
def change_password(body: PasswordChange, user: User, registry: Reg) -> dict[str, int]:
    ended = registry.change_password(
        user, body.current_password, body.new_password, revoke_tokens=body.revoke_tokens
    )
    return {"sessions_ended": ended.sessions, "tokens_revoked": ended.tokens}


# -- knowledge base and HPO ----------------------------------------------------------------------------


@api_router.get("/subtypes", tags=["knowledge"], summary="Osteopetrosis subtypes (and differential)")
def subtypes(
    request: Request, _user: User, include_differential: Annotated[bool, Query()] = False
) -> dict[str, Any]:
    rows = subtype_summaries(kb_of(request), include_differential=include_differential)
    return {"subtypes": [row.to_dict() for row in rows]}


def named_entities(kb: KnowledgeBase, error: UnknownEntityError) -> list[SubtypeSummary]:
    """The cards that a refused subtype lookup names for the user to pick from (``error.candidates``: a group's
    members, a gene's disorders, the entities a name fits, or close names), in the lookup's order."""
    rows = {row.key: row for row in subtype_summaries(kb, include_differential=True)}
    return [rows[key] for key in error.candidates if key in rows]


@api_router.get(
    "/subtypes/{key}",
    tags=["knowledge"],
    summary="One knowledge-base subtype card",
    response_model=None,
    responses={
        404: {
            "description": "Not one card: the one-line `detail`, and the `candidates` it names (a group's "
            "members, a gene's disorders, close names) as subtype summaries, each with its `key`"
        }
    },
)
def subtype(key: str, request: Request, _user: User) -> dict[str, Any] | JSONResponse:
    """The card of one subtype or differential entity. A name that is no one card is a 404 whose
    ``candidates`` are the cards the message names: "ARO" lists the autosomal recessive subtypes."""
    kb = kb_of(request)
    try:
        return subtype_card(kb, key)
    except UnknownEntityError as exc:
        candidates = named_entities(kb, exc)
        body = {"detail": for_web(str(exc))[:500], "candidates": [row.to_dict() for row in candidates]}
        return JSONResponse(body, status_code=404)


@api_router.get("/hpo/search", tags=["knowledge"], summary="HPO terms by id, label, synonym or words")
def hpo_search(
    request: Request,
    _user: User,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    matches = search_terms(hpo_of(request), q, limit=limit)
    return {
        "terms": [
            {"id": m.id, "label": m.label, "matched": m.matched, "match_type": m.match_type, "score": m.score}
            for m in matches
        ]
    }
