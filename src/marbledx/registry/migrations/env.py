"""Alembic environment of the registry, configured in code (no alembic.ini).

:func:`marbledx.registry._db.upgrade` passes an open connection in ``config.attributes["connection"]``.
Developers creating a new revision can run Alembic's API against a database URL instead, e.g.::

    from alembic import command
    from marbledx.registry._db import _config
    config = _config(); config.attributes["url"] = "sqlite:///scratch.sqlite3"
    command.upgrade(config, "head"); command.revision(config, "what changed", autogenerate=True)

SQLite migrations run in batch mode (``render_as_batch``), so ALTER operations work there too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from marbledx.registry._db import (
    check_sqlite_foreign_keys,
    make_engine,
    normalise_url,
    sqlite_foreign_keys_off,
)
from marbledx.registry._models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    if context.is_offline_mode():
        msg = "the registry migrations run online only (marbledx opens the database itself)"
        raise RuntimeError(msg)
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(normalise_url(context.config.attributes.get("url")))
    try:
        # As marbledx's own upgrade does: SQLite's foreign keys are off while a batch migration copies a
        # table that others refer to, and checked before the commit.
        with engine.connect() as connection, sqlite_foreign_keys_off(connection), connection.begin():
            _run(connection)
            check_sqlite_foreign_keys(connection)
    finally:
        engine.dispose()


_main()
