"""The server-rendered pages: sign-in, case list, case entry (findings with HPO autocomplete, plain words,
labs, uploads with the proband's sample and the couple for the risks), results, report download, the knowledge-base subtype cards, the
audit log and the team's accounts (admins), and the user's own account (password change).

Pages use the session cookie (:mod:`marbledx.web._session`); every form that changes something carries the
CSRF token. They follow post/redirect/get: a successful change answers 303 to the page that shows it; a
refused input re-renders the page with the one-line error (422) and keeps what was typed. Everything goes
through the registry, so views and changes are audited as in the REST API. Nothing here logs patient data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Final, Literal

import jinja2
from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from marbledx import _format
from marbledx._api import search_terms, subtype_card, subtype_summaries
from marbledx.errors import InputError, MarbledxError, UnknownEntityError
from marbledx.findings import TextParser, bundled_lab_table, parse_iso_age
from marbledx.findings._case import MAX_AGE_YEARS
from marbledx.ontology import Hpo
from marbledx.registry import (
    DELETE_ROLES,
    MAX_COUPLE_LENGTH,
    MAX_SAMPLE_LENGTH,
    MIN_PASSWORD_LENGTH,
    PASSWORD_CHANGE_ATTEMPTS,
    PASSWORD_CHANGE_WINDOW,
    ROLES,
    UNSET,
    CaseDetail,
    CaseRecord,
    ConflictError,
    FindingRecord,
    NotFoundError,
    PermissionDeniedError,
    Registry,
    TooManyAttemptsError,
    UploadKind,
    UploadRecord,
    UploadTooLargeError,
    check_age_at_test,
    sample_listing,
)
from marbledx.report import DISCLAIMER, clinician_context, render_pdf, render_result_html
from marbledx.web._api import (
    OUTDATED_NOTICE,
    accounts,
    audit_events,
    check_lab,
    consistent_findings,
    in_analysis_thread,
    mark_outdated,
    named_entities,
    run_analysis,
)
from marbledx.web._auth import app_registry, hpo_of, kb_of, registry_of
from marbledx.web._charts import lab_charts
from marbledx.web._import import ImportNotice, import_phenopacket, too_large
from marbledx.web._messages import COUPLE_LABEL, SAMPLE_LABEL, for_web
from marbledx.web._schemas import MAX_ROW_ID
from marbledx.web._session import (
    CSRF_FIELD,
    CookiePolicy,
    PageUser,
    checked_user,
    login_csrf_ok,
    new_login_csrf,
    page_user,
    safe_next,
)

__all__ = [
    "FAMILY_FIELDS",
    "IMPORT_PAGE",
    "REFUSED_UPLOAD",
    "age_text",
    "family_history",
    "family_history_used",
    "page_router",
    "parse_age_text",
    "parse_lab_age",
    "templates",
    "unused_uploads",
    "upload_couple",
    "upload_samples",
]

SignedIn = Annotated[PageUser, Depends(page_user)]
Checked = Annotated[PageUser, Depends(checked_user)]
Reg = Annotated[Registry, Depends(app_registry)]
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]  # a huge number from a URL is a 422, not a crash

_MAX_PLAIN_WORDS: Final = 5000
"""The most characters the case page's plain-words box takes (its textarea's ``maxlength``)."""

REFUSED_UPLOAD: Final = "marbledx.refused_upload"
"""The ASGI scope key the body-limit middleware sets when it hands an over-size page upload to
:func:`upload_refused` (the key cannot come from a client)."""

IMPORT_PAGE: Final = "/cases/import"
"""Where the cases page's "Import a phenopacket" form posts (the body-limit middleware holds it to the app's
phenopacket limit)."""

page_router = APIRouter(include_in_schema=False)

_loader = jinja2.ChoiceLoader(
    [
        jinja2.PackageLoader("marbledx.web", "templates"),
        # The results page includes the clinician report's body, so the page and the report agree.
        jinja2.PackageLoader("marbledx.report", "templates"),
    ]
)
templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=_loader,
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
)

# Fixed notices after a redirect (the query string names one; it never carries patient data).
_NOTICES: Final = {
    "created": "Case created.",
    "saved": "Case details saved.",
    "finding": "Finding added.",
    "removed": "Finding removed.",
    "lab": "Lab value added.",
    "lab-removed": "Lab value removed.",
    "upload": "File uploaded.",
    "upload-removed": "File removed.",
    "token-revoked": "API token revoked.",
    "deactivated": "Account deactivated: its sign-ins have ended and its API tokens are revoked.",
    "activated": "Account activated again. It signs in with its old password; its old sign-ins and API "
    "tokens stay ended.",
    "added": "Account added. Give its user the password by a safe channel (not by e-mail); they can change "
    "it under their account.",
    "renamed": "Account renamed. Its sign-ins have ended: tell its user the new name to sign in with (the "
    "password is the same). Its API tokens keep working.",
    "renamed-self": "Your account was renamed, so your sign-ins have ended. Sign in with your new name and "
    "the same password.",
    "password": "Password changed. Your other sign-ins have ended.",
    "deleted": "Case deleted.",
    "imported": "Case created from a phenopacket.",
    "signed-out": "You are signed out.",
}

# Errors a form re-renders with its message; the others (not found, not allowed) answer as error pages.
_FORM_ERRORS: Final = (InputError, ConflictError, UploadTooLargeError)

# ASCII digits only, as in an ISO 8601 age (\d and float() would read "٨ months" as 8 months).
_AGE_WORDS: Final = re.compile(
    r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(d|days?|w|wks?|weeks?|m|mo|mos|months?|y|yrs?|years?)\s*$", re.IGNORECASE
)
_DAYS_PER: Final = {"d": 1.0, "w": 7.0, "m": 30.4375, "y": 365.25}
_HPO_ID: Final = re.compile(r"^\s*(HP:\d{7})\b")


def parse_age_text(text: str, *, where: str = "age") -> float | None:
    """Age in days from ``P8M`` (ISO 8601) or words such as ``8 months``, ``3 weeks``, ``2 years``."""
    text = text.strip()
    if not text:
        return None
    if text.upper().startswith("P"):
        return parse_iso_age(text, where=where)
    match = _AGE_WORDS.match(text)
    if match is None:
        msg = f"{where} {text!r} is not an age; expected e.g. '8 months', '3 weeks', '2 years' or P8M"
        raise InputError(msg)
    unit = match.group(2)[0].lower()
    days = float(match.group(1)) * _DAYS_PER[unit]
    # The same ceiling and words as an ISO 8601 age (parse_iso_age). Left to the registry's range check,
    # "140 years" was refused naming the REST API's JSON field ("age_days 51135.0 is out of range"), not
    # the form's Age field the user typed it in.
    if days > MAX_AGE_YEARS * _DAYS_PER["y"]:
        msg = f"{where}: {text!r} is older than {MAX_AGE_YEARS} years; expected a patient's age"
        raise InputError(msg)
    return days


def parse_lab_age(text: str, *, where: str = "age at the test") -> str | None:
    """A lab form's age at the test as the registry keeps it, an ISO 8601 duration: ``P8M`` as typed (upper
    case), or words (``8 months``, ``3 weeks``, ``2 years``) as the same duration (``P8M``); None when empty.
    The words are those of the case's Age field (:func:`parse_age_text`), so both fields read alike."""
    text = text.strip()
    if not text:
        return None
    match = None if text.upper().startswith("P") else _AGE_WORDS.match(text)
    if match is not None:
        parse_age_text(text, where=where)  # the 130-year ceiling, in the field's words
        text = f"P{match.group(1)}{match.group(2)[0].upper()}"
    elif not text.upper().startswith("P"):
        msg = f"{where} {text!r} is not an age; expected e.g. '8 months', '3 weeks', '2 years' or P8M"
        raise InputError(msg)
    return check_age_at_test(text, where)


def age_text(age_days: float | None) -> str:
    """A readable age for the pages, ``not given`` when unknown."""
    return _format.age_text(age_days) or "not given"


def age_field(age_days: float | None) -> str:
    """A stored age as the form's Age field shows it: an ISO 8601 duration in days that reads back as the
    same number (``P121.75D`` for "4 months"), so saving the details unchanged keeps the age. Whole days
    alone (``P121D``) dropped the fraction, and "4 months" came back as 3."""
    if age_days is None:
        return ""
    days = repr(float(age_days))  # the shortest text that reads back as the same float
    if "e" in days:  # an age of seconds: ISO 8601 has no exponent
        days = f"{age_days:.20f}".rstrip("0")
    return f"P{days.removesuffix('.0')}D"


def _text_parser(request: Request) -> TextParser:
    parser: TextParser | None = getattr(request.app.state, "text_parser", None)
    if parser is None:  # built on first use (about half a second), then kept with the app
        parser = TextParser(hpo_of(request).ontology)
        request.app.state.text_parser = parser
    return parser


def render(
    request: Request,
    name: str,
    signed_in: PageUser | None,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page from ``templates/`` with the signed-in user, the CSRF token and the notice of a redirect."""
    notice = _NOTICES.get(request.query_params.get("done", ""))
    response: HTMLResponse = templates.TemplateResponse(
        request,
        name,
        {
            "user": signed_in.user if signed_in else None,
            "csrf_field": CSRF_FIELD,
            "csrf_token": signed_in.csrf_token if signed_in else "",
            "notice": notice,
            "age_text": age_text,
            "age_field": age_field,
            "disclaimer": DISCLAIMER,
            **context,
        },
        status_code=status,
    )
    return response


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# -- sign-in -------------------------------------------------------------------------------------------


@page_router.get("/")
def home() -> RedirectResponse:
    return _see("/cases")


def _login_page(request: Request, *, next_path: str, error: str | None = None, status: int = 200) -> Response:
    token = new_login_csrf()
    response = render(
        request, "login.html.j2", None, status=status, next=next_path, error=error, login_csrf=token
    )
    policy: CookiePolicy = request.app.state.cookies
    response.set_cookie(**policy.login_cookie(token))  # type: ignore[arg-type]
    return response


@page_router.get("/login")
def login_form(request: Request, next: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    return _login_page(request, next_path=safe_next(next))


@page_router.post("/login")
def login(
    request: Request,
    registry: Reg,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/cases",
) -> Response:
    """Sign in with name and password. Throttled by the registry per name and client address, per name from
    all addresses, and per address across all names (OWASP Authentication Cheat Sheet, "Login Throttling";
    NIST SP 800-63B §5.2.2; see Registry.authenticate): while a pause lasts the answer is 429 with
    ``Retry-After``, the same whether or not the account exists."""
    target = safe_next(next)
    if not login_csrf_ok(request, csrf_token):
        return _login_page(
            request, next_path=target, status=403, error="The sign-in form had expired; please try again."
        )
    # The address uvicorn gives: the peer's, or a trusted reverse proxy's X-Forwarded-For (uvicorn's
    # FORWARDED_ALLOW_IPS); a header the client sets itself is never read here.
    client = request.client.host if request.client else None
    try:
        user = (
            registry.authenticate(username.strip(), password, client=client)
            if username.strip() and password
            else None
        )
    except TooManyAttemptsError as exc:
        minutes = max(1, (exc.retry_after + 59) // 60)  # rounded up
        error = f"Too many failed sign-ins; try again in {minutes} minute{'' if minutes == 1 else 's'}."
        page = _login_page(request, next_path=target, status=429, error=error)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if user is None:
        return _login_page(request, next_path=target, status=401, error="Wrong name or password.")
    secret = registry.start_session(user)
    response = _see(target)
    policy: CookiePolicy = request.app.state.cookies
    response.set_cookie(**policy.session_cookie(secret))  # type: ignore[arg-type]
    response.delete_cookie(policy.login_name, path="/", secure=policy.secure, httponly=True)
    return response


@page_router.post("/logout")
def logout(request: Request, signed_in: Checked, registry: Reg) -> RedirectResponse:
    registry.end_session(signed_in.session_secret)
    response = _see("/login?done=signed-out")
    policy: CookiePolicy = request.app.state.cookies
    response.delete_cookie(policy.session_name, path="/", secure=policy.secure, httponly=True)
    return response


# -- cases ---------------------------------------------------------------------------------------------


def _cases_page(
    request: Request,
    signed_in: PageUser,
    registry: Registry,
    *,
    page: int = 1,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The team's cases (50 a page) with the forms for a new case and for importing a phenopacket; a refused
    form's ``error`` (new case) or ``import_error`` and what was typed (``form``) are shown on its form."""
    size = 50
    cases = registry.list_cases(signed_in.user, limit=size, offset=(page - 1) * size)
    total = registry.count_cases(signed_in.user)
    return render(
        request,
        "cases.html.j2",
        signed_in,
        status=status,
        cases=cases,
        total=total,
        page=page,
        pages=max(1, -(-total // size)),
        import_page=IMPORT_PAGE,
        **context,
    )


@page_router.get("/cases")
def case_list(
    request: Request,
    signed_in: SignedIn,
    registry: Reg,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> HTMLResponse:
    return _cases_page(request, signed_in, registry, page=page)


@page_router.post("/cases")
def create_case(
    request: Request,
    signed_in: Checked,
    registry: Reg,
    label: Annotated[str, Form(max_length=300)] = "",
    age: Annotated[str, Form(max_length=50)] = "",
    sex: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    try:
        record = registry.create_case(
            signed_in.user, label, age_days=parse_age_text(age), sex=sex or None, findings=[]
        )
    except InputError as exc:
        return _cases_page(
            request,
            signed_in,
            registry,
            status=422,
            error=for_web(str(exc)),
            form={"label": label, "age": age, "sex": sex},
        )
    return _see(f"/cases/{record.id}?done=created")


@page_router.post(IMPORT_PAGE)
def import_case(
    request: Request,
    signed_in: Checked,
    registry: Reg,
    file: Annotated[UploadFile | None, File()] = None,
    label: Annotated[str, Form(max_length=300)] = "",
    lenient: Annotated[Literal["yes"] | None, Form()] = None,
) -> Response:
    """Create a case from a phenopacket file (as ``POST /api/cases/import``) and go to its page (303,
    Post/Redirect/Get, so that reloading it does not import the file again), which shows what was imported and
    the warnings. A query string never carries the warnings (they quote the file): they go in a short-lived
    cookie signed for this session and case (:class:`ImportNotice`), which the case page reads once and
    deletes. A refused file is the cases page with the one-line error on the import form (422; 413 over the
    size limit), and nothing is stored."""
    limit: int = request.app.state.max_phenopacket_bytes
    form = {"import_label": label, "lenient": "yes" if lenient == "yes" else ""}
    try:
        if file is None or not file.filename:
            msg = "no file chosen; expected a GA4GH Phenopacket v2 JSON file"
            raise InputError(msg)
        try:
            data = file.file.read(limit + 1)
        finally:
            file.file.close()
        if len(data) > limit:
            raise UploadTooLargeError(too_large(limit))
        if not data.strip():
            msg = f"{file.filename}: the file is empty; expected a GA4GH Phenopacket v2 JSON file"
            raise InputError(msg)
        record, imported = import_phenopacket(
            registry,
            signed_in.user,
            data,
            filename=file.filename,
            ontology=hpo_of(request).ontology,
            lenient=lenient == "yes",
            label=label or None,
        )
    except _FORM_ERRORS as exc:
        status = 413 if isinstance(exc, UploadTooLargeError) else 422
        return _cases_page(
            request, signed_in, registry, status=status, import_error=for_web(str(exc)), form=form
        )
    policy: CookiePolicy = request.app.state.cookies
    response = _see(f"/cases/{record.id}?done=imported")
    notice = ImportNotice.of(imported).encode(signed_in.session_secret, record.id)
    response.set_cookie(**policy.import_cookie(notice))  # type: ignore[arg-type]
    return response


@page_router.post(f"{IMPORT_PAGE}/refused")
def import_refused(request: Request, signed_in: SignedIn, registry: Reg) -> HTMLResponse:
    """The cases page with the error of a phenopacket over the size limit (413), which the body-limit
    middleware refuses before reading it and hands here without its body (see :func:`upload_refused`)."""
    limit = request.scope.get(REFUSED_UPLOAD)
    if not isinstance(limit, int):  # only the middleware comes here
        raise HTTPException(404, "Not Found")
    return _cases_page(request, signed_in, registry, status=413, import_error=too_large(limit), form={})


def upload_samples(upload: UploadRecord) -> str:
    """What the case page says of an upload's samples: the VCF header's names and the chosen proband's
    sample (empty for a PED file, or a VCF uploaded before the names were kept)."""
    chosen = _format.printable(upload.sample)  # as the VCF header spells it, control characters and all
    if upload.kind != "vcf" or upload.sample_count is None:
        return f"proband's sample {chosen}" if chosen else ""
    count = upload.sample_count
    if count == 0:
        return "no samples (a sites-only VCF)"
    names = sample_listing(upload.samples or (), count)
    if chosen:
        return f"proband's sample {chosen}, of {count}: {names}" if count > 1 else chosen
    if count == 1:
        return names
    return f"{count} samples: {names}; none chosen (a PED file's affected child is taken)"


def upload_couple(upload: UploadRecord) -> str:
    """What the case page says of a PED upload's couple: whose next child the counselling risks are for
    (empty for a VCF)."""
    if upload.kind != "ped":
        return ""
    if upload.couple is None:
        return (
            "no couple chosen: risks for the parents of the first affected person with both parents in the "
            "file, else for the proband and their one partner"
        )
    father, mother = (_format.printable(name) for name in upload.couple)
    return f"risks for the next child of {father} and {mother}"


def unused_uploads(uploads: Sequence[UploadRecord]) -> set[str]:
    """The ids of the uploads (listed oldest first) that the analysis does not read: all but the newest of
    each kind."""
    newest = {upload.kind: upload.id for upload in uploads}
    return {upload.id for upload in uploads if newest[upload.kind] != upload.id}


FAMILY_FIELDS: Final = (
    ("consanguineous", "Parents are related (consanguineous)"),
    ("affected_parent", "A parent has the same condition"),
    ("affected_sibling", "A brother or sister has the same condition"),
)
"""The case's family-history fields and their labels on the case page, in clinicians' words."""


def family_history(case: CaseRecord) -> list[str]:
    """What the case page says of the case's family history: the label of each ticked field, in lower case."""
    return [text[0].lower() + text[1:] for name, text in FAMILY_FIELDS if getattr(case, name)]


def family_history_used(result: Mapping[str, Any]) -> list[str] | None:
    """What the results page says of the family history a stored analysis ranked with (its
    ``family_history``): the label of each field stated, in lower case; None for a result stored without it
    (before the web app recorded it), of which nothing is claimed."""
    used = result.get("family_history")
    if not isinstance(used, Mapping):
        return None
    return [text[0].lower() + text[1:] for name, text in FAMILY_FIELDS if used.get(name) is True]


def _labels(hpo: Hpo, findings: Sequence[FindingRecord]) -> dict[str, str]:
    return {f.hpo_id: hpo.ontology.label(f.hpo_id) or f.hpo_id for f in findings}


def _case_page(
    request: Request,
    signed_in: PageUser,
    detail: CaseDetail,
    *,
    status: int = 200,
    error: str | None = None,
    error_at: str | None = None,
    form: dict[str, str] | None = None,
    mapping: dict[str, Any] | None = None,
    imported: ImportNotice | None = None,
) -> HTMLResponse:
    table = bundled_lab_table()
    lab_names = {a.key: a.name for a in table.analytes}
    return render(
        request,
        "case.html.j2",
        signed_in,
        status=status,
        detail=detail,
        case=detail.case,
        labels=_labels(hpo_of(request), detail.findings),
        analytes=[(a.key, a.name, [u.unit for u in a.units]) for a in table.analytes],
        units=sorted({u.unit for a in table.analytes for u in a.units}),
        lab_names=lab_names,
        charts=lab_charts(detail.labs, age_days=detail.case.age_days, sex=detail.case.sex, table=table),
        can_delete=signed_in.user.role in DELETE_ROLES,
        error=error,
        error_at=error_at,
        form=form or {},
        mapping=mapping,
        imported=imported,
        family_fields=FAMILY_FIELDS,
        family_history=family_history(detail.case),
        upload_samples=upload_samples,
        upload_couple=upload_couple,
        # The analysis reads the newest file of each kind (with its sample or couple): older ones are marked,
        # so that an older PED file's couple is not taken for the one the risks are computed for.
        unused_uploads=unused_uploads(detail.uploads),
        sample_label=SAMPLE_LABEL,
        max_sample_length=MAX_SAMPLE_LENGTH,
        couple_label=COUPLE_LABEL,
        max_couple_length=MAX_COUPLE_LENGTH,
        max_plain_words=_MAX_PLAIN_WORDS,
    )


@page_router.get("/cases/{case_id}")
def case_page(case_id: str, request: Request, signed_in: SignedIn, registry: Reg) -> HTMLResponse:
    """The case page; after an import (:func:`import_case`), with what was imported and its warnings, once."""
    detail = registry.case_detail(signed_in.user, case_id)
    policy: CookiePolicy = request.app.state.cookies
    cookie = request.cookies.get(policy.import_name)
    if cookie is None:
        return _case_page(request, signed_in, detail)
    imported = ImportNotice.decode(cookie, signed_in.session_secret, detail.case.id)
    # The upload form, filled in with the proband's sample the phenopacket names for its one VCF.
    sample = imported.sample if imported is not None else None
    upload_form = {"kind": "vcf", "sample": sample} if sample else None
    response = _case_page(
        request,
        signed_in,
        detail,
        imported=imported,
        error_at="uploads" if upload_form else None,
        form=upload_form,
    )
    if imported is not None:  # shown once: a reload shows the case without it
        response.delete_cookie(
            policy.import_name, path="/", secure=policy.secure, httponly=True, samesite="strict"
        )
    return response


def _refused(
    request: Request,
    signed_in: PageUser,
    registry: Registry,
    case_id: str,
    exc: MarbledxError,
    *,
    at: str,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    """The case page again with the refused form's error (409 conflict, 413 too large, else 422)."""
    status = 409 if isinstance(exc, ConflictError) else 413 if isinstance(exc, UploadTooLargeError) else 422
    detail = registry.case_detail(signed_in.user, case_id)
    error = for_web(str(exc))
    return _case_page(request, signed_in, detail, status=status, error=error, error_at=at, form=form)


@page_router.post("/cases/{case_id}/details")
def save_details(
    case_id: str,
    request: Request,
    signed_in: Checked,
    registry: Reg,
    version: Annotated[int, Form()],
    label: Annotated[str, Form(max_length=300)] = "",
    age: Annotated[str, Form(max_length=50)] = "",
    sex: Annotated[str, Form(max_length=10)] = "",
    # The family history's checkboxes: a ticked box sends "yes", an unticked one nothing (no, or not stated).
    consanguineous: Annotated[Literal["yes"] | None, Form()] = None,
    affected_parent: Annotated[Literal["yes"] | None, Form()] = None,
    affected_sibling: Annotated[Literal["yes"] | None, Form()] = None,
) -> Response:
    family = {
        "consanguineous": consanguineous == "yes",
        "affected_parent": affected_parent == "yes",
        "affected_sibling": affected_sibling == "yes",
    }
    try:
        registry.update_case(
            signed_in.user,
            case_id,
            version=version,
            label=label,
            age_days=parse_age_text(age),
            sex=sex or None,
            **family,
        )
    except _FORM_ERRORS as exc:
        ticked = {name: "yes" if value else "" for name, value in family.items()}
        return _refused(
            request,
            signed_in,
            registry,
            case_id,
            exc,
            at="details",
            form={"label": label, "age": age, "sex": sex, **ticked},
        )
    return _see(f"/cases/{case_id}?done=saved")


def _resolve_term(hpo: Hpo, text: str) -> str:
    """The HPO id a finding box names: a leading ``HP:…`` id (autocomplete), another form of an id, or a label
    or synonym, exact or once normalised or folded as the term search folds them (``papilloedema``)."""
    match = _HPO_ID.match(text)
    if match is not None:
        found = search_terms(hpo, match.group(1), limit=1)
        if found:
            return found[0].id
        msg = f"{match.group(1)} is not an HPO term of this release; pick a term from the suggestions"
        raise InputError(msg)
    query = " ".join(text.split())
    if not query:
        msg = "no finding given; type a few letters and pick an HPO term"
        raise InputError(msg)
    hits = search_terms(hpo, query, limit=5)
    # The search calls a hit an id, label or synonym match only when the whole query is that id, or that text
    # once both are normalised (case, accents, punctuation) or folded (British spelling, lay words such as
    # "big", plurals). So "papilloedema", "big spleen" (the box's own example) and "hp:0001903" name one term,
    # as the autocomplete suggests it. Word-prefix hits stay suggestions. When two terms tie at the best such
    # match, the user picks one.
    named = [hit for hit in hits if hit.match_type in ("id", "label", "synonym")]
    if named:
        best = max(hit.score for hit in named)
        tied = {hit.id for hit in named if hit.score == best}
        if len(tied) == 1:
            return tied.pop()
        options = "; ".join(f"{h.label} ({h.id})" for h in named if h.id in tied)
        msg = f"{query!r} names more than one HPO term: {options}; pick one from the suggestions"
        raise InputError(msg)
    if hits:
        options = "; ".join(f"{h.label} ({h.id})" for h in hits)
        msg = f"{query!r} is not an exact HPO label; did you mean: {options}"
    else:
        msg = f"no HPO term matches {query!r}; try other words or the plain-words box"
    raise InputError(msg)


@page_router.post("/cases/{case_id}/findings")
def add_finding(
    case_id: str,
    request: Request,
    signed_in: Checked,
    registry: Reg,
    version: Annotated[int, Form()],
    term: Annotated[str, Form(max_length=300)] = "",
    status: Annotated[Literal["observed", "excluded"], Form()] = "observed",
) -> Response:
    detail = registry.case_detail(signed_in.user, case_id)
    try:
        hpo_id = _resolve_term(hpo_of(request), term)
        kept = [f for f in detail.findings if f.hpo_id != hpo_id]
        findings = [*kept, FindingRecord(hpo_id=hpo_id, excluded=status == "excluded", source="entered")]
        consistent_findings(hpo_of(request), findings)
        registry.set_findings(signed_in.user, case_id, findings, version=version)
    except _FORM_ERRORS as exc:
        return _refused(
            request, signed_in, registry, case_id, exc, at="findings", form={"term": term, "status": status}
        )
    return _see(f"/cases/{case_id}?done=finding#findings")


@page_router.post("/cases/{case_id}/findings/remove")
def remove_finding(
    case_id: str,
    request: Request,
    signed_in: Checked,
    registry: Reg,
    version: Annotated[int, Form()],
    hpo_id: Annotated[str, Form(max_length=20)],
) -> Response:
    detail = registry.case_detail(signed_in.user, case_id)
    try:
        registry.set_findings(
            signed_in.user, case_id, [f for f in detail.findings if f.hpo_id != hpo_id], version=version
        )
    except _FORM_ERRORS as exc:
        return _refused(request, signed_in, registry, case_id, exc, at="findings")
    return _see(f"/cases/{case_id}?done=removed#findings")


@page_router.post("/cases/{case_id}/text")
def add_plain_words(
    case_id: str,
    request: Request,
    signed_in: Checked,
    registry: Reg,
    version: Annotated[int, Form()],
    # Twice the box's limit: a browser counts a line break as one character against the textarea's
    # maxlength, then sends it as CR LF.
    text: Annotated[str, Form(max_length=2 * _MAX_PLAIN_WORDS)] = "",
) -> Response:
    """Map plain words to HPO terms, add them (source ``text``) and show the user the mapping.

    Lab values in the words ("Hb 7.2 g/dL") are read through the lab table at the case's age and sex (else the
    age and sex the words give); their terms are added with the words' terms, and the values themselves are
    not stored under Labs over time. Words that state the parents are related set the case's consanguinity
    (family history) when it is not set yet, in the same write as the findings, and the mapping says so.
    """
    text = text.replace("\r\n", "\n")
    try:
        if not text.strip():
            msg = "the plain-words box is empty; describe the findings, e.g. '8-month-old with anaemia and no fractures'"
            raise InputError(msg)
        if len(text) > _MAX_PLAIN_WORDS:
            msg = f"the plain-words box holds {len(text):,} characters; expected at most {_MAX_PLAIN_WORDS:,}"
            raise InputError(msg)
        detail = registry.case_detail(signed_in.user, case_id)
        case_sex = detail.case.sex if detail.case.sex in ("female", "male") else None
        parsed = _text_parser(request).parse(text, labs=True, age_days=detail.case.age_days, sex=case_sex)
        new = {m.hpo_id: m for m in parsed.mappings}
        kept = [f for f in detail.findings if f.hpo_id not in new]
        added = [FindingRecord(hpo_id=m.hpo_id, excluded=m.excluded, source="text") for m in new.values()]
        # Words that state the parents are related ("first-cousin parents", "Consanguinity: yes") set the
        # family history, as `marbledx rank --text` applies them as --consanguineous. Never cleared from words:
        # "parents not related" says nothing here (TextParse.consanguineous is only ever a yes).
        related = parsed.consanguineous and not detail.case.consanguineous
        if added:
            findings = [*kept, *added]
            consistent_findings(hpo_of(request), findings)
            # One write, one version: the findings and the family history together.
            registry.set_findings(
                signed_in.user, case_id, findings, version=version, consanguineous=True if related else UNSET
            )
        elif related:
            registry.update_case(signed_in.user, case_id, version=version, consanguineous=True)
    except _FORM_ERRORS as exc:
        return _refused(request, signed_in, registry, case_id, exc, at="text", form={"text": text})
    detail = registry.case_detail(signed_in.user, case_id)
    mapping = {
        "mappings": parsed.mappings,
        "unmatched": parsed.unmatched,
        "about_relatives": parsed.about_relatives,
        "uncertain": parsed.uncertain,
        # Why a phrase was held back (an ambiguous negation, several ages) or a lab value not used, and how
        # each term from a lab value was read.
        "notes": (
            *parsed.notes,
            *(f"“{m.phrase}” → {m.label}: lab value {m.lab}" for m in parsed.mappings if m.lab),
        ),
        "age": age_text(parsed.age_days) if parsed.age_days is not None else None,
        "sex": parsed.sex,
        # What the words changed in the case's family history (shown with the mapping).
        "family": ("the parents are related → family history: consanguineous",) if related else (),
    }
    return _case_page(request, signed_in, detail, mapping=mapping)


@page_router.post("/cases/{case_id}/labs")
def add_lab(
    case_id: str,
    request: Request,
    signed_in: Checked,
    registry: Reg,
    analyte: Annotated[str, Form(max_length=50)] = "",
    value: Annotated[str, Form(max_length=50)] = "",
    unit: Annotated[str, Form(max_length=30)] = "",
    measured_on: Annotated[str, Form(max_length=20)] = "",
    low: Annotated[str, Form(max_length=50)] = "",
    high: Annotated[str, Form(max_length=50)] = "",
    age_at_test: Annotated[str, Form(max_length=50)] = "",
) -> Response:
    form = {
        "analyte": analyte,
        "value": value,
        "unit": unit,
        "measured_on": measured_on,
        "low": low,
        "high": high,
        "age_at_test": age_at_test,
    }
    try:
        age = parse_lab_age(age_at_test)
        checked = check_lab(
            analyte,
            value,
            unit,
            measured_on=measured_on.strip() or None,
            # As typed: the lab table reads the limits as it reads the value (ASCII digits, "8,5" named).
            low=low,
            high=high,
            age_at_test=age,
        )
        registry.add_lab(
            signed_in.user,
            case_id,
            checked.analyte,
            checked.value,
            checked.unit,
            measured_on=checked.date,
            low=checked.low,
            high=checked.high,
            age_at_test=age,
        )
    except _FORM_ERRORS as exc:
        return _refused(request, signed_in, registry, case_id, exc, at="labs", form=form)
    return _see(f"/cases/{case_id}?done=lab#labs")


@page_router.post("/cases/{case_id}/labs/{lab_id}/delete")
def delete_lab(case_id: str, lab_id: RowId, signed_in: Checked, registry: Reg) -> RedirectResponse:
    registry.delete_lab(signed_in.user, case_id, lab_id)
    return _see(f"/cases/{case_id}?done=lab-removed#labs")


@page_router.post("/cases/{case_id}/uploads")
def upload_file(
    case_id: str,
    request: Request,
    signed_in: Checked,
    registry: Reg,
    file: UploadFile,
    kind: Annotated[Literal["vcf", "ped"], Form()] = "vcf",
    sample: Annotated[str, Form(max_length=MAX_SAMPLE_LENGTH)] = "",
    couple: Annotated[str, Form(max_length=MAX_COUPLE_LENGTH)] = "",
) -> Response:
    limit: int = request.app.state.max_upload_bytes
    upload_kind: UploadKind = kind
    try:
        registry.store_upload(
            signed_in.user,
            case_id,
            upload_kind,
            file.file,
            max_bytes=limit,
            original_name=(file.filename or "")[:255] or None,
            sample=sample or None,
            couple=couple or None,
            check_header=True,  # a header the analysis cannot read is refused now, not at the analysis
        )
    except _FORM_ERRORS as exc:
        form = {"kind": kind, "sample": sample, "couple": couple}
        return _refused(request, signed_in, registry, case_id, exc, at="uploads", form=form)
    finally:
        file.file.close()
    return _see(f"/cases/{case_id}?done=upload#uploads")


@page_router.post("/cases/{case_id}/uploads/refused")
def upload_refused(case_id: str, request: Request, signed_in: SignedIn, registry: Reg) -> HTMLResponse:
    """The case page with the error of an upload over the size limit (413).

    The body-limit middleware refuses such a request before its body is read, and hands it here (with
    :data:`REFUSED_UPLOAD` in the scope and no body), so the user sees the page they were on with one line,
    as for any refused form. Nothing is changed, so no CSRF token is needed (the refused body held it).
    """
    limit = request.scope.get(REFUSED_UPLOAD)
    if not isinstance(limit, int):  # only the middleware comes here
        raise HTTPException(404, "Not Found")
    msg = f"upload larger than {limit} bytes; expected a smaller VCF or PED file"
    return _refused(request, signed_in, registry, case_id, UploadTooLargeError(msg), at="uploads")


@page_router.post("/cases/{case_id}/uploads/{upload_id}/delete")
def delete_upload(
    case_id: str,
    upload_id: Annotated[str, Path(max_length=36)],
    signed_in: Checked,
    registry: Reg,
) -> RedirectResponse:
    registry.delete_upload(signed_in.user, case_id, upload_id)
    return _see(f"/cases/{case_id}?done=upload-removed#uploads")


@page_router.post("/cases/{case_id}/analyze")
async def analyze_case(case_id: str, request: Request, signed_in: Checked) -> Response:
    registry = registry_of(request)

    def work() -> Response:
        try:
            run_analysis(request, signed_in.user, case_id).store(registry, signed_in.user, case_id)
        except _FORM_ERRORS as exc:
            return _refused(request, signed_in, registry, case_id, exc, at="analyze")
        return _see(f"/cases/{case_id}/results")

    return await in_analysis_thread(request, work)


@page_router.post("/cases/{case_id}/delete")
def delete_case(
    case_id: str, signed_in: Checked, registry: Reg, version: Annotated[int, Form()]
) -> RedirectResponse:
    registry.delete_case(signed_in.user, case_id, version=version)
    return _see("/cases?done=deleted")


# -- results and reports -------------------------------------------------------------------------------


@page_router.get("/cases/{case_id}/results")
def results(case_id: str, request: Request, signed_in: SignedIn, registry: Reg) -> HTMLResponse:
    case = registry.get_case(signed_in.user, case_id)
    try:
        stored = registry.get_analysis(signed_in.user, case_id)
    except NotFoundError:
        return render(request, "results.html.j2", signed_in, case=case, stored=None)
    context = clinician_context(stored.result or {}, hpo=hpo_of(request), kb=kb_of(request))
    return render(
        request,
        "results.html.j2",
        signed_in,
        case=case,
        stored=stored,
        outdated_notice=OUTDATED_NOTICE,
        family_used=family_history_used(stored.result or {}),
        **context,
    )


_MEDIA: Final = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


@page_router.get("/cases/{case_id}/report.{format}")
def download_report(
    case_id: str,
    format: Literal["html", "pdf"],
    request: Request,
    signed_in: SignedIn,
    registry: Reg,
    audience: Annotated[Literal["clinician", "family"], Query()] = "clinician",
) -> Response:
    stored = registry.get_analysis(signed_in.user, case_id)
    html = render_result_html(stored.result or {}, hpo=hpo_of(request), kb=kb_of(request), audience=audience)
    html = mark_outdated(html, stored)
    body = html.encode("utf-8") if format == "html" else render_pdf(html)
    day = stored.created_at.date().isoformat()
    name = f"marbledx-{audience}-report-{day}.{format}"
    return Response(
        content=body,
        media_type=_MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# -- audit log ---------------------------------------------------------------------------------------------


@page_router.get("/audit")
def audit_page(
    request: Request,
    signed_in: SignedIn,
    registry: Reg,
    case_id: Annotated[str | None, Query(max_length=36)] = None,
) -> HTMLResponse:
    events = audit_events(registry, signed_in.user, case_id or None, 500)
    return render(request, "audit.html.j2", signed_in, events=events, case_id=case_id)


# -- accounts (a team's admins) ----------------------------------------------------------------------------


UserName = Annotated[str, Path(min_length=1, max_length=100)]


def _accounts_page(
    request: Request,
    signed_in: PageUser,
    registry: Registry,
    *,
    status: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "accounts.html.j2",
        signed_in,
        status=status,
        users=accounts(registry, signed_in.user),
        roles=ROLES,
        min_password_length=MIN_PASSWORD_LENGTH,
        error=error,
        form=form or {"name": "", "role": "clinician"},
    )


@page_router.get("/users")
def accounts_page(request: Request, signed_in: SignedIn, registry: Reg) -> HTMLResponse:
    """The team's accounts and their API tokens (a revoke button per live token), a deactivate or activate
    button and a rename link per account, and the form to add one (admins)."""
    return _accounts_page(request, signed_in, registry)


@page_router.post("/users")
def add_account(
    request: Request,
    signed_in: Checked,
    registry: Reg,
    name: Annotated[str, Form(max_length=100)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    password: Annotated[str, Form(max_length=2000)] = "",
    password_again: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Add an account to the admin's team (``Registry.add_user``, as ``marbledx users add``: the same
    password rules, the password typed twice). Passwords are never echoed."""
    try:
        if not name.strip():
            msg = "user name is empty; expected 1-100 letters, digits or . _ @ -"
            raise InputError(msg)
        if password != password_again:
            msg = "password again differs from the password; type the same password twice"
            raise InputError(msg)
        registry.add_user(name, signed_in.user.team, role, password, by=signed_in.user)
    except (InputError, ConflictError) as exc:
        return _accounts_page(
            request,
            signed_in,
            registry,
            status=409 if isinstance(exc, ConflictError) else 422,
            error=str(exc),
            form={"name": name, "role": role},
        )
    # #top: the form was sent to /users#add, and a redirect without a fragment would keep it, scrolling
    # past the notice to the emptied form.
    return _see("/users?done=added#top")


@page_router.post("/users/{name}/tokens/{token_id}/revoke")
def revoke_token(name: UserName, token_id: RowId, signed_in: Checked, registry: Reg) -> RedirectResponse:
    registry.revoke_token(name, token_id, by=signed_in.user)
    return _see("/users?done=token-revoked")


def _account_of(registry: Registry, admin: PageUser, name: str) -> dict[str, Any]:
    """The account ``name`` of the admin's team, with its tokens (404 for another team's, 403 non-admins)."""
    for account in accounts(registry, admin.user):
        if account["name"] == name:
            return account
    msg = f"no user {name!r}"
    raise NotFoundError(msg)


def _deactivate_page(request: Request, signed_in: PageUser, registry: Registry, name: str) -> Response:
    """The confirmation step before a deactivation: what will end, and the button that does it."""
    account = _account_of(registry, signed_in, name)
    if not account["active"]:
        return _see("/users")  # nothing to confirm (deactivated meanwhile, or a form sent twice)
    if name == signed_in.user.name:
        msg = (
            f"{name} cannot deactivate their own account; another admin of the team can, or "
            "'marbledx users deactivate' on the server"
        )
        raise PermissionDeniedError(msg)
    live = sum(not token["revoked"] for token in account["tokens"])
    return render(request, "deactivate.html.j2", signed_in, account=account, live_tokens=live)


@page_router.get("/users/{name}/deactivate")
def confirm_deactivation(name: UserName, request: Request, signed_in: SignedIn, registry: Reg) -> Response:
    return _deactivate_page(request, signed_in, registry, name)


@page_router.post("/users/{name}/deactivate")
def deactivate_account(
    name: UserName,
    request: Request,
    signed_in: Checked,
    registry: Reg,
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Deactivate an account of the admin's team (``Registry.set_active``, as ``marbledx users
    deactivate``): its sessions end and its API tokens are revoked for good; not the admin's own, nor the
    team's last active admin (403). Without ``confirm=yes`` (the confirmation page's button) nothing
    changes: the confirmation page is shown."""
    if confirm != "yes":
        return _deactivate_page(request, signed_in, registry, name)
    registry.set_active(name, False, by=signed_in.user)
    return _see("/users?done=deactivated")


def _rename_page(
    request: Request,
    signed_in: PageUser,
    registry: Registry,
    name: str,
    *,
    status: int = 200,
    error: str | None = None,
    new_name: str = "",
) -> HTMLResponse:
    """The rename form of an account of the admin's team: what a rename ends and keeps, and the new name's
    field (404 for another team's account, 403 for non-admins, as for the other account pages)."""
    account = _account_of(registry, signed_in, name)
    live = sum(not token["revoked"] for token in account["tokens"])
    return render(
        request,
        "rename.html.j2",
        signed_in,
        status=status,
        account=account,
        own=account["name"] == signed_in.user.name,
        live_tokens=live,
        error=error,
        new_name=new_name,
    )


@page_router.get("/users/{name}/rename")
def rename_form(name: UserName, request: Request, signed_in: SignedIn, registry: Reg) -> Response:
    return _rename_page(request, signed_in, registry, name)


@page_router.post("/users/{name}/rename")
def rename_account(
    name: UserName,
    request: Request,
    signed_in: Checked,
    registry: Reg,
    # Longer than a name may be, so an over-long one is refused on the form with the registry's message
    # naming the field, not with a bare validation page.
    new_name: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Rename an account of the admin's team (``Registry.rename_user``, as ``marbledx users rename``): the
    same name rules (a name taken in any case, also a look-alike differing only in case, is a 409 on the
    form), its sign-in sessions end, its password, API tokens, cases and history stay. The form on the
    rename page is the confirmation step: it is reached by a link and needs the new name typed.

    An admin may rename their own account. Their sessions end with the others, this one too: the answer
    clears the session cookie and goes to the sign-in page, whose notice says to sign in with the new name.
    """
    try:
        if not new_name.strip():
            msg = "new user name is empty; expected 1-100 letters, digits or . _ @ -"
            raise InputError(msg)
        renamed = registry.rename_user(name, new_name, by=signed_in.user)
    except (InputError, ConflictError) as exc:
        return _rename_page(
            request,
            signed_in,
            registry,
            name,
            status=409 if isinstance(exc, ConflictError) else 422,
            error=for_web(str(exc)),
            new_name=new_name,
        )
    if renamed.id != signed_in.user.id:
        return _see("/users?done=renamed")
    # This session has ended in the registry; the cookie goes too, as at sign-out, so the browser does not
    # keep sending a dead secret.
    response = _see("/login?done=renamed-self")
    policy: CookiePolicy = request.app.state.cookies
    response.delete_cookie(policy.session_name, path="/", secure=policy.secure, httponly=True)
    return response


@page_router.post("/users/{name}/reactivate")
def reactivate_account(name: UserName, signed_in: Checked, registry: Reg) -> RedirectResponse:
    """Activate a deactivated account of the admin's team again (``marbledx users activate``): it signs in
    with its old password; its ended sessions and revoked tokens stay so."""
    registry.set_active(name, True, by=signed_in.user)
    return _see("/users?done=activated")


# -- the signed-in user's own account ----------------------------------------------------------------------


def _account_page(
    request: Request, signed_in: PageUser, *, status: int = 200, error: str | None = None
) -> HTMLResponse:
    return render(
        request,
        "account.html.j2",
        signed_in,
        status=status,
        error=error,
        min_password_length=MIN_PASSWORD_LENGTH,
        max_attempts=PASSWORD_CHANGE_ATTEMPTS,
        pause_minutes=int(PASSWORD_CHANGE_WINDOW.total_seconds() // 60),
    )


@page_router.get("/account")
def account_page(request: Request, signed_in: SignedIn) -> HTMLResponse:
    """The signed-in user's account, with the form to change their password."""
    return _account_page(request, signed_in)


@page_router.post("/account/password")
def change_password(
    request: Request,
    signed_in: Checked,
    registry: Reg,
    current_password: Annotated[str, Form(max_length=2000)] = "",
    new_password: Annotated[str, Form(max_length=2000)] = "",
    new_password_again: Annotated[str, Form(max_length=2000)] = "",
    revoke_tokens: Annotated[bool, Form()] = False,
) -> Response:
    """Change the user's own password (``Registry.change_password``): every other sign-in of the account
    ends, this one stays; API tokens too with ``revoke_tokens``. Audited; after too many wrong current
    passwords the account's changes pause (429). Passwords are never echoed."""
    try:
        if not current_password:
            msg = "current password is empty; type the password you signed in with"
            raise InputError(msg)
        if new_password != new_password_again:
            msg = "new password again differs from the new password; type the same new password twice"
            raise InputError(msg)
        registry.change_password(
            signed_in.user,
            current_password,
            new_password,
            keep_session=signed_in.session_secret,
            revoke_tokens=revoke_tokens,
        )
    except (InputError, ConflictError, TooManyAttemptsError) as exc:
        status = (
            409 if isinstance(exc, ConflictError) else 429 if isinstance(exc, TooManyAttemptsError) else 422
        )
        page = _account_page(request, signed_in, status=status, error=str(exc))
        if isinstance(exc, TooManyAttemptsError):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    return _see("/account?done=password")


# -- knowledge and HPO -------------------------------------------------------------------------------------


@page_router.get("/subtypes")
def subtypes_page(request: Request, signed_in: SignedIn) -> HTMLResponse:
    kb = kb_of(request)
    subtypes = subtype_summaries(kb)
    keys = {row.key for row in subtypes}
    everything = subtype_summaries(kb, include_differential=True)
    return render(
        request,
        "subtypes.html.j2",
        signed_in,
        subtypes=subtypes,
        differential=[row for row in everything if row.key not in keys],
    )


@page_router.get("/subtypes/{key}")
def subtype_page(key: str, request: Request, signed_in: SignedIn) -> HTMLResponse:
    """One card. A name that is no one card (a group such as "ARO", a gene, a misspelling) answers 404 with
    the lookup's message and the cards it names as links, so that the user picks one."""
    kb = kb_of(request)
    try:
        card = subtype_card(kb, key)
    except UnknownEntityError as exc:
        candidates = named_entities(kb, exc)
        # Close names of a misspelling ("ARO2" → ADO2) are guesses, not the answer a group name has: the
        # page says "Not found" and offers them as such.
        guessed = exc.guessed
        return render(
            request,
            "subtype_missing.html.j2",
            signed_in,
            status=404,
            title="Which subtype or disorder?" if candidates and not guessed else "Not found",
            message=for_web(str(exc))[:500],
            candidates=candidates,
            guessed=guessed,
        )
    return render(request, "subtype.html.j2", signed_in, card=card)


@page_router.get("/ui/hpo-suggest")
def hpo_suggest(
    request: Request,
    _signed_in: SignedIn,
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """The autocomplete's options as an HTML fragment (labels and synonyms; see ``static/app.js``)."""
    matches = search_terms(hpo_of(request), q, limit=12) if len(q.strip()) >= 2 else []
    return templates.TemplateResponse(request, "_hpo_options.html.j2", {"matches": matches})


def today() -> str:
    """Today's date (the lab form's default), ISO 8601."""
    return dt.date.today().isoformat()


templates.env.globals["today"] = today
