"""Token authentication: ``Authorization: Bearer <token>`` from ``marbledx users token NAME``."""

from __future__ import annotations

from fastapi import HTTPException, Request

from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import Registry, UserInfo

__all__ = ["app_registry", "current_user", "hpo_of", "kb_of", "registry_of"]

_UNAUTHORISED = "not signed in; send 'Authorization: Bearer <token>' (see 'marbledx users token NAME')"


def registry_of(request: Request) -> Registry:
    """The app's registry (``app.state.registry``; no global singleton)."""
    registry: Registry = request.app.state.registry
    return registry


async def app_registry(request: Request) -> Registry:
    """:func:`registry_of` as a route dependency. ``async`` because it never blocks: FastAPI runs a plain
    function dependency in a worker thread, a hop that cost more than the lookup itself."""
    return registry_of(request)


def hpo_of(request: Request) -> Hpo:
    """The app's HPO release (``app.state.hpo``)."""
    hpo: Hpo = request.app.state.hpo
    return hpo


def kb_of(request: Request) -> KnowledgeBase:
    """The app's knowledge base (``app.state.kb``)."""
    kb: KnowledgeBase = request.app.state.kb
    return kb


def current_user(request: Request) -> UserInfo:
    """The account behind the request's bearer token; 401 when it is missing, unknown or revoked."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    user = None
    if scheme.lower() == "bearer" and secret:
        user = registry_of(request).user_for_token(secret)
    if user is None:
        raise HTTPException(status_code=401, detail=_UNAUTHORISED, headers={"WWW-Authenticate": "Bearer"})
    return user
