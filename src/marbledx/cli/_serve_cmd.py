"""``marbledx serve``: the web app and REST API over the case registry, with uvicorn.

Wired into the command line by ``cli/_main.py`` (``configure`` adds the arguments, ``run`` executes). The
web stack (FastAPI, uvicorn) and the registry are imported only when the command runs.
"""

from __future__ import annotations

import argparse
import logging
import sys

from marbledx.errors import InputError

__all__ = ["HELP", "configure", "run"]

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


def run(args: argparse.Namespace) -> int:
    """Open the registry, load the HPO release and knowledge base, and serve until interrupted."""
    if not 0 < args.port < 65536:
        msg = f"--port {args.port} is not a port; expected 1 to 65535"
        raise InputError(msg)
    if args.max_upload_mb < 1:
        msg = f"--max-upload-mb {args.max_upload_mb} must be at least 1"
        raise InputError(msg)
    import uvicorn

    from marbledx.knowledge import load_knowledge_base
    from marbledx.ontology import load_hpo
    from marbledx.registry import Registry
    from marbledx.web import create_app

    registry = Registry.open(args.database, uploads_dir=args.uploads_dir)
    try:
        app = create_app(
            registry,
            hpo=load_hpo(),
            kb=load_knowledge_base(),
            max_upload_bytes=args.max_upload_mb * 2**20,
            close_registry=True,
        )
    except BaseException:
        registry.close()
        raise
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    sys.stderr.write(f"marbledx: serving on http://{args.host}:{args.port} (API docs at /api/docs)\n")
    # uvicorn's access log prints full paths and query strings (e.g. an HPO search); the app logs the
    # route template, status and time instead, so no patient data reaches the log.
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_level="info")
    return 0
