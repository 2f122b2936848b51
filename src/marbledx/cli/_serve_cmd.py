"""``marbledx serve``: the web app and REST API over the case registry, with uvicorn.

Wired into the command line by ``cli/_main.py`` (``configure`` adds the arguments, ``run`` executes). The
web stack (FastAPI, uvicorn) and the registry are imported only when the command runs.
"""

from __future__ import annotations

import argparse
import errno
import gc
import logging
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from marbledx.errors import InputError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from marbledx.registry import Registry

__all__ = [
    "HELP",
    "app_from_environment",
    "check_listen",
    "check_writable",
    "configure",
    "freeze_heap",
    "run",
]

HELP = "serve the web app and REST API (/api, docs at /api/docs) over the case registry"

_DATABASE_HELP = (
    "the registry database: sqlite:///path, a SQLite file or postgresql://user@host/db "
    "(default $MARBLEDX_DATABASE_URL, else registry.sqlite3 in the marbledx data folder)"
)


def configure(sub: argparse.ArgumentParser) -> None:
    """Add the ``serve`` arguments to its sub-parser."""
    sub.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sub.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    sub.add_argument("--database", metavar="URL", help=_DATABASE_HELP)
    sub.add_argument(
        "--uploads-dir", help="the folder of uploaded files (default: 'uploads' in the marbledx data folder)"
    )
    sub.add_argument(
        "--max-upload-mb",
        type=int,
        default=200,
        help="the largest VCF or PED upload accepted, in MiB (default 200)",
    )
    sub.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes (default 1); one per CPU core serves more users at once, each loads the HPO",
    )


def run(args: argparse.Namespace) -> int:
    """Open the registry, load the HPO release and knowledge base, and serve until interrupted."""
    if not 0 < args.port < 65536:
        msg = f"--port {args.port} is not a port; expected 1 to 65535"
        raise InputError(msg)
    if args.max_upload_mb < 1:
        msg = f"--max-upload-mb {args.max_upload_mb} must be at least 1"
        raise InputError(msg)
    if args.workers < 1:
        msg = f"--workers {args.workers} must be at least 1"
        raise InputError(msg)
    # Before the registry is opened and the HPO loaded (seconds), so that a port in use is one line, not a
    # "serving on" banner followed by uvicorn's error.
    check_listen(args.host, args.port)
    import uvicorn

    from marbledx.registry import Registry

    # Open (and migrate) the registry once here, so that several workers never migrate it at once.
    registry = Registry.open(args.database, uploads_dir=args.uploads_dir)
    try:
        check_writable(registry)
    except BaseException:
        registry.close()
        raise
    settings = {
        SETTINGS_DATABASE: registry.url.render_as_string(hide_password=False),
        SETTINGS_UPLOADS: str(registry.uploads_dir),
        SETTINGS_MAX_UPLOAD: str(args.max_upload_mb * 2**20),
    }
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    host = f"[{args.host}]" if ":" in args.host else args.host  # an IPv6 address in a URL (RFC 3986)
    sys.stderr.write(
        f"marbledx: serving on http://{host}:{args.port} (sign in at /login; API docs at /api/docs)"
        f"{f' with {args.workers} workers' if args.workers > 1 else ''}\n"
    )
    # uvicorn's access log prints full paths and query strings (e.g. an HPO search); the app logs the
    # route template, status and time instead, so no patient data reaches the log.
    options: dict[str, object] = {
        "host": args.host,
        "port": args.port,
        "access_log": False,
        "log_level": "info",
    }
    if args.workers == 1:
        try:
            app = _build_app(registry, settings)
        except BaseException:
            registry.close()
            raise
        uvicorn.run(app, **options)  # type: ignore[arg-type]
        return 0
    registry.close()
    # Each worker process builds its own app from these settings (inherited environment, never logged).
    os.environ.update(settings)
    uvicorn.run(f"{__name__}:app_from_environment", factory=True, workers=args.workers, **options)  # type: ignore[arg-type]
    return 0


def check_listen(host: str, port: int) -> None:
    """Refuse, in one line naming the option, an address the server could not listen on: a host name that
    does not resolve, an address not of this machine, a port in use or one that needs root.

    The probe binds as uvicorn does (``SO_REUSEADDR``, so a port left in TIME_WAIT by a stopped server is
    not refused) and lets go at once; nothing listens.
    """
    # The family uvicorn binds with (uvicorn.Config.bind_socket): IPv6 for an address with a colon.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        infos = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) and exc.strerror else str(exc)
        msg = f"--host {host!r} cannot be resolved ({reason}); expected an address of this machine, e.g. 127.0.0.1 or 0.0.0.0"
        raise InputError(msg) from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            where = f"{host}:{port}"
            if exc.errno == errno.EADDRINUSE:
                msg = f"--port {port}: {where} is already in use (another server?); expected a free port"
            elif exc.errno == errno.EADDRNOTAVAIL:
                msg = f"--host {host!r} is not an address of this machine; expected one of its addresses, e.g. 127.0.0.1 or 0.0.0.0"
            elif exc.errno == errno.EACCES:
                msg = f"--port {port}: not allowed to listen on {where} (ports below 1024 need root); expected a port from 1024"
            else:
                msg = f"cannot listen on {where} (--host, --port): {exc.strerror or exc}"
            raise InputError(msg) from None


def check_writable(registry: Registry) -> None:
    """Refuse to serve a registry that cannot be written, or an uploads folder that cannot be: every sign-in
    and page view writes an audit event, so a read-only database would answer each with an error.

    The database is probed with a write that changes nothing and is rolled back.
    """
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from marbledx.registry import RegistryError
    from marbledx.registry._db import redacted

    try:
        with registry.engine.connect() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
            connection.rollback()
    except DBAPIError as exc:
        lines = str(exc.orig).strip().splitlines() if exc.orig is not None else []
        reason = lines[0] if lines else type(exc).__name__
        msg = f"the registry database {redacted(registry.url)} cannot be written ({reason}); expected a writable database (--database)"
        raise RegistryError(msg) from None
    uploads = Path(registry.uploads_dir)
    if uploads.exists() and not uploads.is_dir():
        msg = f"--uploads-dir {uploads} is not a folder; expected a folder for the uploaded files"
        raise InputError(msg)
    try:
        uploads.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        msg = f"--uploads-dir {uploads} cannot be made ({exc.strerror or exc}); expected a folder marbledx can write"
        raise InputError(msg) from None
    if not os.access(uploads, os.W_OK | os.X_OK):
        msg = f"--uploads-dir {uploads} is not writable; expected a folder marbledx can write"
        raise InputError(msg)


SETTINGS_DATABASE = "MARBLEDX_SERVE_DATABASE_URL"
SETTINGS_UPLOADS = "MARBLEDX_SERVE_UPLOADS_DIR"
SETTINGS_MAX_UPLOAD = "MARBLEDX_SERVE_MAX_UPLOAD_BYTES"


def _build_app(registry: Registry, settings: dict[str, str]) -> FastAPI:
    from marbledx.knowledge import load_knowledge_base
    from marbledx.ontology import load_hpo
    from marbledx.web import create_app

    app = create_app(
        registry,
        hpo=load_hpo(),
        kb=load_knowledge_base(),
        max_upload_bytes=int(settings[SETTINGS_MAX_UPLOAD]),
        close_registry=True,
    )
    freeze_heap()
    return app


def freeze_heap() -> None:
    """Move everything allocated so far out of the garbage collector's sight, in a server process.

    The HPO release, knowledge base and web stack live as long as the server. Without this, every full
    collection walks them again (about 26 ms for the HPO and knowledge base alone, which lengthened the
    latency tail under load, docs/benchmarks.md); frozen, collections visit only what requests allocate.
    """
    gc.collect()
    gc.freeze()


def app_from_environment() -> FastAPI:
    """The app of one ``--workers`` process, from the settings ``run`` put in the environment."""
    from marbledx.registry import Registry

    settings = {key: os.environ[key] for key in (SETTINGS_DATABASE, SETTINGS_UPLOADS, SETTINGS_MAX_UPLOAD)}
    registry = Registry.open(
        settings[SETTINGS_DATABASE], migrate=False, uploads_dir=settings[SETTINGS_UPLOADS]
    )
    try:
        return _build_app(registry, settings)
    except BaseException:
        registry.close()
        raise
