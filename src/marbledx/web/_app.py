"""The web application factory: ``create_app(registry, hpo=…, kb=…)`` → a FastAPI app.

Loaded data (the registry, the HPO release, the knowledge base) is passed in and kept on ``app.state``;
there is no global singleton. The REST API (``/api``, bearer tokens) answers errors as one-line JSON
``{"detail": "…"}``; the pages (session cookies) answer them as an HTML page with the site's navigation (the
signed-in user's while the session cookie names a live session) and a way back to the cases or the sign-in
page, and send a signed-out browser to the sign-in page. Never a traceback, nor the server's paths. Nothing
that identifies a patient (labels, findings, query strings, lab values) is logged: the request log names the
route template (``/api/cases/{case_id}``), the status and the time taken.
"""

from __future__ import annotations

import html
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marbledx import __version__
from marbledx.errors import InputError, MarbledxError, UnknownEntityError
from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    Registry,
    RegistryError,
    TooManyAttemptsError,
    UploadTooLargeError,
)
from marbledx.web._api import api_router
from marbledx.web._import import DEFAULT_MAX_PHENOPACKET_BYTES, too_large
from marbledx.web._messages import for_web, one_line
from marbledx.web._pages import IMPORT_PAGE, REFUSED_UPLOAD, page_router, render
from marbledx.web._session import CookiePolicy, PageUser, SignInRequiredError, csrf_token_for

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_PHENOPACKET_BYTES",
    "DEFAULT_MAX_UPLOAD_BYTES",
    "create_app",
]

DEFAULT_MAX_UPLOAD_BYTES = 200 * 2**20  # a VCF or PED file
DEFAULT_MAX_BODY_BYTES = 1 * 2**20  # any other request body (JSON)

logger = logging.getLogger("marbledx.web")
_REPORT_CSS = resources.files("marbledx.report").joinpath("templates/style.css").read_text(encoding="utf-8")

# Registry and input errors → HTTP status (most specific first).
_STATUS: tuple[tuple[type[MarbledxError], int], ...] = (
    (NotFoundError, 404),
    (UnknownEntityError, 404),
    (TooManyAttemptsError, 429),
    (PermissionDeniedError, 403),
    (ConflictError, 409),
    (UploadTooLargeError, 413),
    (InputError, 422),
    (RegistryError, 503),
)


# Sent with every response. The pages load only their own script and styles; no framing (clickjacking);
# no referrer leaves the site (case ids are in paths). OWASP HTTP Security Response Headers Cheat Sheet.
_SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)
_REGISTRY_UNAVAILABLE = (
    "the case registry is unavailable; try again later, or tell the server's administrator"
)
_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    409: "Changed meanwhile",
    413: "Too large",
    422: "Not accepted",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "Registry unavailable",
}


def _is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/") or path == "/openapi.json"


def _is_api(request: Request) -> bool:
    return _is_api_path(request.url.path)


def _one_line(text: str) -> str:
    return one_line(str(text))[:500]


def _body_error(problem: str) -> str:
    """The one-line error of a JSON request body that is not a JSON object at all."""
    return f"request body: {problem}; expected a JSON object (Content-Type: application/json)"


def _unreadable_json(cause: Exception) -> str:
    """Why ``json.loads`` failed other than on malformed JSON, as the command line says it of a file."""
    if isinstance(cause, RecursionError):
        return "JSON nested too deeply"
    if isinstance(cause, UnicodeDecodeError):
        return "not UTF-8 text"
    return "a number has too many digits to be read"  # past int()'s limit (sys.get_int_max_str_digits)


class _BodyTooLargeError(Exception):
    pass


# Answers an error as the app does everywhere: one-line JSON under /api, else an HTML page.
Respond = Callable[[Request, int, str], Awaitable[Response]]
_PAGE_UPLOAD = re.compile(r"/cases/([^/]+)/uploads")
_API_UPLOAD = re.compile(r"/api/cases/[^/]+/uploads/[^/]+")
# The phenopacket imports (the REST API's and the cases page's form): a phenopacket may be larger than a JSON
# request body, up to the app's phenopacket limit.
_IMPORTS = frozenset({"/api/cases/import", IMPORT_PAGE})
_FORM_OVERHEAD = 2**16  # multipart boundaries and a form's other fields


class BodyLimitMiddleware:
    """Refuses request bodies over a limit with 413: by ``Content-Length`` up front, else while reading.

    The two upload routes (the REST API's raw upload, the case page's upload form; matched whole, so that
    no other route takes an upload's size because its path holds ``/uploads``) may be as large as an upload
    plus a form's overhead; the registry then holds the file itself to the exact limit while streaming it. The API answers the one-line JSON; a page
    answers as a page: an upload from the case page gets the case page with the one-line error (like a
    file the registry refuses), any other form the error page.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        max_upload_bytes: int,
        respond: Respond,
        max_phenopacket_bytes: int = DEFAULT_MAX_PHENOPACKET_BYTES,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.upload_limit = max_upload_bytes
        self.max_upload_bytes = max_upload_bytes + _FORM_OVERHEAD
        self.phenopacket_limit = max_phenopacket_bytes
        # The import route holds the phenopacket itself to the exact limit; the body may carry a form's overhead.
        self.max_import_bytes = max(max_body_bytes, max_phenopacket_bytes + _FORM_OVERHEAD)
        self.respond = respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        upload = _API_UPLOAD.fullmatch(path) or _PAGE_UPLOAD.fullmatch(path)
        if path in _IMPORTS:
            limit = self.max_import_bytes
        else:
            limit = self.max_upload_bytes if upload else self.max_body_bytes
        for name, value in scope["headers"]:
            # Its digits are counted first: int() refuses a number of more than 4,300 digits (ValueError),
            # and one with more digits than the limit is over it.
            if name == b"content-length" and (
                not value.isdigit() or len(value) > len(str(limit)) or int(value) > limit
            ):
                await self._refuse(scope, receive, send, limit)
                return
        seen, over, started = 0, False, False

        async def limited() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    raise _BodyTooLargeError
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            # FastAPI turns an error while it reads a form into its own 400; once the body is known to be
            # too large, whatever the app answers is replaced by the 413 below.
            if over:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, guarded)
        except Exception:
            if not over:
                raise
        if over and not started:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        path: str = scope["path"]
        if path in _IMPORTS:
            # Named as the import names a phenopacket over its limit; the cases page shows it on its form.
            if scope.get("method") == "POST" and path == IMPORT_PAGE:
                await self._hand_over(scope, send, f"{path}/refused", self.phenopacket_limit)
                return
            response = await self.respond(Request(scope), 413, too_large(self.phenopacket_limit))
            await response(scope, receive, send)
            return
        if scope.get("method") == "POST" and _PAGE_UPLOAD.fullmatch(path):
            # The case page's upload form: hand the request, without its body, to the route that shows the
            # case page with the error (it needs the session and the case, which only the app has).
            await self._hand_over(scope, send, f"{path}/refused", self.upload_limit)
            return
        response = await self.respond(Request(scope), 413, f"request body larger than {limit} bytes")
        await response(scope, receive, send)

    async def _hand_over(self, scope: Scope, send: Send, target: str, limit: int) -> None:
        """Hand a refused page form, without its body, to ``target``: the route that shows the page the form
        was on with the error (it needs the session and the case, which only the app has)."""
        refused = {
            **scope,
            "path": target,
            "raw_path": target.encode(),
            "query_string": b"",
            "headers": [(k, v) for k, v in scope["headers"] if k not in (b"content-length", b"content-type")],
            REFUSED_UPLOAD: limit,
        }
        await self.app(refused, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


class InternalErrorMiddleware:
    """Answers an unexpected exception with the one-line 500 and logs its type only; nothing propagates.

    Starlette's own handler for ``Exception`` answers as well, but then re-raises it so that the server
    logs it: uvicorn writes the whole traceback ("Exception in ASGI application"), where the values of a
    failed request (patient data) can appear, and drops the connection.
    """

    def __init__(self, app: ASGIApp, respond: Respond) -> None:
        self.app = app
        self.respond = respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:  # noqa: BLE001 - the last resort for every request: answered and logged
            logger.error("internal error: %s", type(exc).__name__)  # the type only: messages may hold data
            if not started:
                response = await self.respond(Request(scope), 500, "internal error")
                await response(scope, receive, send)


class RequestLogMiddleware:
    """Logs ``METHOD /route/{template} status time`` for each request and adds the security headers.

    The route template only: never the concrete path, the query string or the body (patient data). A
    plain ASGI middleware: it costs far less per request than ``@app.middleware("http")``.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        path: str = scope["path"]
        page = not (
            path == "/api" or path.startswith(("/api/", "/static/", "/assets/")) or path == "/openapi.json"
        )

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = MutableHeaders(scope=message)
                for name, value in _SECURITY_HEADERS:
                    headers.setdefault(name, value)
                if page:
                    headers.setdefault("Cache-Control", "no-store")  # pages hold patient data
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            route = getattr(scope.get("route"), "path", None)
            logger.info(
                "%s %s %d %.1f ms",
                scope.get("method", ""),
                route if isinstance(route, str) else "(no route)",
                status,
                (time.perf_counter() - start) * 1000,
            )


def create_app(
    registry: Registry,
    *,
    hpo: Hpo,
    kb: KnowledgeBase,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_phenopacket_bytes: int = DEFAULT_MAX_PHENOPACKET_BYTES,
    close_registry: bool = False,
    secure_cookies: bool = True,
    request_threads: int = 4,
    analysis_threads: int = 2,
) -> FastAPI:
    """The marbledx web app over ``registry`` with the given HPO release and knowledge base.

    Uploaded files go to the registry's uploads folder (never the web root). With ``close_registry`` the
    registry is closed when the app shuts down (``marbledx serve`` does; tests keep their own).
    ``secure_cookies=False`` drops the ``Secure`` flag of the sign-in cookies, for a plain-HTTP test set-up
    reached by a name other than ``localhost``; browsers treat ``localhost`` and ``127.0.0.1`` as secure.
    ``max_phenopacket_bytes`` is the largest phenopacket imported (``POST /api/cases/import``, the cases
    page's import form; by default the reader's own limit for ``marbledx rank``). ``request_threads`` handlers
    run at once (the registry is synchronous), and ``analysis_threads``
    analyses at most among them.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Request handlers run in a few threads: dozens of threads taking turns on the interpreter lock cost
        # more CPU per request than they gain (docs/benchmarks.md). Analyses, which take half a second of
        # CPU each, have their own limit, so they never hold every thread while reads wait.
        anyio.to_thread.current_default_thread_limiter().total_tokens = request_threads
        app.state.analysis_limiter = anyio.CapacityLimiter(analysis_threads)
        try:
            yield
        finally:
            if close_registry:
                registry.close()

    app = FastAPI(
        title="marbledx",
        version=__version__,
        description="Decision support for osteopetrosis: case registry, analysis and reports. "
        "Authenticate with 'Authorization: Bearer <token>' (marbledx users token NAME).",
        docs_url=None,  # the default pages load Swagger UI/ReDoc from a CDN; /api/docs is served instead
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.registry = registry
    app.state.hpo = hpo
    app.state.kb = kb
    app.state.max_upload_bytes = max_upload_bytes
    app.state.max_phenopacket_bytes = max_phenopacket_bytes
    app.state.cookies = CookiePolicy(secure=secure_cookies)
    app.include_router(api_router)
    app.include_router(page_router)
    app.mount("/static", StaticFiles(packages=[("marbledx.web", "static")]), name="static")

    def signed_in_of(request: Request) -> PageUser | None:
        """The user whose live session the request carries, for an error page's navigation; else None.

        Never raises: the page is already an error, and a registry that fails here (the cause of a 500,
        say) leaves the page signed-out rather than answering nothing.
        """
        secret = request.cookies.get(app.state.cookies.session_name, "")
        if not secret:
            return None
        try:
            user = registry.user_for_session(secret)
        except Exception as exc:  # noqa: BLE001 - an error page must still be answered
            logger.warning("error page without the session's user: %s", type(exc).__name__)
            return None
        return PageUser(user=user, csrf_token=csrf_token_for(secret), session_secret=secret) if user else None

    async def error_response(
        request: Request, status: int, detail: str, headers: Mapping[str, str] | None = None
    ) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": _one_line(detail)}, status_code=status, headers=headers)
        # The page shows the navigation of the signed-in user, as every other page does, so nobody is left
        # with only the browser's back button. The session is looked up in a worker thread: the registry
        # is synchronous and may wait for SQLite's write lock.
        signed_in = await anyio.to_thread.run_sync(signed_in_of, request)
        title = _TITLES.get(status, "Error")
        page = render(
            request, "error.html.j2", signed_in, status=status, title=title, message=_one_line(detail)
        )
        page.headers.update(headers or {})
        return page

    # The last added runs first: the request log (and its security headers) around everything, then the
    # catch-all for unexpected errors, then the body limit.
    app.add_middleware(
        BodyLimitMiddleware,
        max_body_bytes=max_body_bytes,
        max_upload_bytes=max_upload_bytes,
        respond=error_response,
        max_phenopacket_bytes=max_phenopacket_bytes,
    )
    app.add_middleware(InternalErrorMiddleware, respond=error_response)
    app.add_middleware(RequestLogMiddleware)

    @app.exception_handler(SignInRequiredError)
    async def sign_in(_request: Request, exc: SignInRequiredError) -> RedirectResponse:
        return RedirectResponse(exc.location, status_code=303)

    @app.exception_handler(MarbledxError)
    async def marbledx_error(request: Request, exc: MarbledxError) -> Response:
        status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)
        if status == 500:
            logger.error("internal error: %s", type(exc).__name__)  # the type only: messages may hold data
            return await error_response(request, 500, "internal error")
        if status == 503:
            # A registry that cannot be used says why with the database's file or server and the schema's
            # revisions: for the server's log and its administrator (registry messages hold no patient
            # data), not for whoever sent the request.
            logger.error("registry unavailable: %s", _one_line(str(exc)))
            return await error_response(request, 503, _REGISTRY_UNAVAILABLE)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttemptsError) else None
        return await error_response(request, status, for_web(str(exc)), headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        cause = exc.__cause__
        if exc.status_code == 400 and _is_api(request) and isinstance(cause, ValueError | RecursionError):
            # FastAPI answers a JSON body that json.loads cannot read at all (not UTF-8, nested too deeply,
            # an integer of thousands of digits) with a bare 400 "There was an error parsing the body";
            # malformed JSON is its 422, and so is this. (Only the API takes JSON; the pages take forms.)
            return await error_response(request, 422, _body_error(_unreadable_json(cause)))
        return await error_response(request, exc.status_code, str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for error in exc.errors()[:3]:
            loc = tuple(error.get("loc", ()))
            message = str(error.get("msg", "invalid"))
            if error.get("type") == "json_invalid":  # FastAPI's loc is ("body", character position)
                reason = (error.get("ctx") or {}).get("error", "invalid")
                parts.append(_body_error(f"malformed JSON at character {loc[-1]} ({reason})"))
            elif loc == ("body",):  # the body as a whole: none, or not a JSON object
                parts.append(_body_error(message))
            else:
                where = ".".join(str(p) for p in loc if p != "body")
                parts.append(f"{where}: {message}" if where else message)
        return await error_response(request, 422, "; ".join(parts) or "invalid request")

    @app.get("/assets/report.css", include_in_schema=False)
    def report_css() -> Response:
        return Response(_REPORT_CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    @app.get("/api/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs_page() -> HTMLResponse:
        return HTMLResponse(render_docs_page(app.openapi()))

    return app


def render_docs_page(openapi: dict[str, Any]) -> str:
    """A self-contained page listing the API's endpoints from its OpenAPI document (no external loads)."""
    rows = []
    for path, operations in sorted(openapi.get("paths", {}).items()):
        for method, operation in operations.items():
            params = ", ".join(
                f"{p.get('name')} ({p.get('in')}{', required' if p.get('required') else ''})"
                for p in operation.get("parameters", [])
            )
            rows.append(
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>".format(
                    html.escape(method.upper()),
                    html.escape(path),
                    html.escape(str(operation.get("summary", ""))),
                    html.escape(params),
                )
            )
    info = openapi.get("info", {})
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(str(info.get('title', 'API')))} API</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}</style>"
        "</head><body>"
        f"<h1>{html.escape(str(info.get('title', 'API')))} {html.escape(str(info.get('version', '')))}</h1>"
        f"<p>{html.escape(str(info.get('description', '')))}</p>"
        "<p>The machine-readable OpenAPI document: <a href='/openapi.json'>/openapi.json</a>.</p>"
        "<table><thead><tr><th>Method</th><th>Path</th><th>What</th><th>Parameters</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></body></html>"
    )
