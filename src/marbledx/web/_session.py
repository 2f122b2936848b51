"""Browser sign-in for the server-rendered pages: session cookies and CSRF protection.

- The session cookie holds a random secret (``Registry.start_session``); the registry keeps only its hash,
  so signing out, deactivating the account or a timeout ends it on the server. The cookie is ``HttpOnly``
  (no script reads it), ``SameSite=Lax`` and, by default, ``Secure`` with the ``__Host-`` prefix (sent only
  over HTTPS, or to ``localhost``/``127.0.0.1``, which browsers treat as secure).
- Every form that changes something carries a CSRF token; script requests send it as ``X-CSRF-Token``. The
  token is an HMAC of the session secret, so a page of another site cannot know it (it cannot read the
  cookie) and a token from another session does not fit. The sign-in form, which has no session yet, is
  protected by a double-submit cookie. An ``Origin`` header naming another site is refused as well.

OWASP Cross-Site Request Forgery Prevention Cheat Sheet ("Synchronizer Token Pattern", "Signed
Double-Submit Cookie", "Verifying Origin With Standard Headers") and Session Management Cheat Sheet.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Final
from urllib.parse import quote, urlsplit

from fastapi import Depends, HTTPException, Request

from marbledx.registry import SESSION_LIFETIME, UserInfo
from marbledx.web._auth import registry_of

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "CookiePolicy",
    "PageUser",
    "SignInRequiredError",
    "checked_user",
    "csrf_token_for",
    "login_csrf_ok",
    "new_login_csrf",
    "page_user",
    "safe_next",
]

CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "x-csrf-token"
_CSRF_CONTEXT: Final = b"marbledx page form v1"
_UNSAFE: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class CookiePolicy:
    """How the app sets its cookies. ``secure=False`` only for plain-HTTP test set-ups."""

    secure: bool = True

    @property
    def session_name(self) -> str:
        # __Host-: the browser accepts it only with Secure, Path=/ and no Domain (it cannot be planted by a
        # sibling subdomain).
        return "__Host-marbledx_session" if self.secure else "marbledx_session"

    @property
    def login_name(self) -> str:
        return "__Host-marbledx_login" if self.secure else "marbledx_login"

    def session_cookie(self, secret: str) -> dict[str, object]:
        """Keyword arguments for ``Response.set_cookie`` of a new session."""
        return {
            "key": self.session_name,
            "value": secret,
            "max_age": int(SESSION_LIFETIME.total_seconds()),
            "path": "/",
            "secure": self.secure,
            "httponly": True,
            "samesite": "lax",
        }

    @property
    def import_name(self) -> str:
        return "__Host-marbledx_import" if self.secure else "marbledx_import"

    def import_cookie(self, value: str) -> dict[str, object]:
        """Keyword arguments for ``Response.set_cookie`` of an import's notice, read by the page the import
        redirects to and deleted there; it expires after 5 minutes if that page is never read."""
        return {
            "key": self.import_name,
            "value": value,
            "max_age": 300,
            "path": "/",
            "secure": self.secure,
            "httponly": True,
            "samesite": "strict",
        }

    def login_cookie(self, token: str) -> dict[str, object]:
        """Keyword arguments for ``Response.set_cookie`` of the sign-in form's double-submit token."""
        return {
            "key": self.login_name,
            "value": token,
            "max_age": 3600,
            "path": "/",
            "secure": self.secure,
            "httponly": True,
            "samesite": "strict",
        }


def csrf_token_for(session_secret: str) -> str:
    """The CSRF token of a session: HMAC-SHA256 keyed by the session secret."""
    return hmac.new(session_secret.encode("utf-8"), _CSRF_CONTEXT, hashlib.sha256).hexdigest()


def new_login_csrf() -> str:
    """A fresh double-submit token for the sign-in form."""
    return secrets.token_urlsafe(32)


def _tokens_match(submitted: str, expected: str) -> bool:
    """Whether a submitted token is the expected one, compared in constant time. As bytes: on text,
    ``hmac.compare_digest`` raises TypeError for a non-ASCII character, which any client can send."""
    return hmac.compare_digest(
        submitted.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def login_csrf_ok(request: Request, submitted: str | None) -> bool:
    """Whether the sign-in form's token matches its cookie (and the origin is this site)."""
    policy: CookiePolicy = request.app.state.cookies
    cookie = request.cookies.get(policy.login_name, "")
    return bool(cookie and submitted) and _tokens_match(submitted or "", cookie) and _same_origin(request)


def safe_next(target: str | None, default: str = "/cases") -> str:
    """A local path to go to after signing in; anything else (another site, ``//host``) gives ``default``."""
    if not target:
        return default
    try:
        parts = urlsplit(target)
    except ValueError:  # a malformed address such as "//[": no local path either
        return default
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return default
    return target


class SignInRequiredError(Exception):
    """Raised by :func:`page_user` without a live session; the app answers with a redirect to sign in."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in required")
        self.location = "/login?next=" + quote(safe_next(next_path), safe="/")


@dataclass(frozen=True)
class PageUser:
    """The signed-in user of a page request and the CSRF token its forms must carry."""

    user: UserInfo
    csrf_token: str
    session_secret: str


def page_user(request: Request) -> PageUser:
    """The signed-in user from the session cookie; otherwise a redirect to the sign-in page."""
    policy: CookiePolicy = request.app.state.cookies
    secret = request.cookies.get(policy.session_name, "")
    user = registry_of(request).user_for_session(secret) if secret else None
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequiredError(target if request.method == "GET" else "/cases")
    return PageUser(user=user, csrf_token=csrf_token_for(secret), session_secret=secret)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        # Browsers send Origin on cross-site POSTs; its absence (older clients, same-site navigations) is
        # left to the token check. "null" comes from sandboxed or privacy-redirected contexts: refuse.
        return origin is None
    host = request.headers.get("host", "")
    try:
        return urlsplit(origin).netloc == host
    except ValueError:  # a malformed origin ("http://[") is not this site
        return False


async def checked_user(request: Request, signed_in: Annotated[PageUser, Depends(page_user)]) -> PageUser:
    """:func:`page_user` for a request that changes something: its CSRF token must match (else 403)."""
    if request.method in _UNSAFE:
        submitted = request.headers.get(CSRF_HEADER)
        if submitted is None:
            form = await request.form()  # Starlette keeps the parsed form for the route's Form fields
            value = form.get(CSRF_FIELD)
            submitted = value if isinstance(value, str) else None
        if not submitted or not _tokens_match(submitted, signed_in.csrf_token):
            raise HTTPException(403, "the form's security token is missing or out of date; reload the page")
        if not _same_origin(request):
            raise HTTPException(403, "request from another site refused")
    return signed_in
