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
    from marbledx.registry._db import make_engine, normalise_url

    engine = make_engine(normalise_url(context.config.attributes.get("url")))
    try:
        with engine.connect() as connection:
            # As marbledx's own upgrade does: SQLite's foreign keys are off while a batch migration copies a
            # table that others refer to (revision 0006 copies ``users``; DROP TABLE would otherwise fail),
            # and checked before the commit. The pragma takes effect outside a transaction only.
            driver = connection.connection.driver_connection if connection.dialect.name == "sqlite" else None
            if driver is not None:
                driver.execute("PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    _run(connection)
                    if driver is not None and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                        msg = "the registry migration left broken foreign keys; nothing was changed"
                        raise RuntimeError(msg)
            finally:
                if driver is not None:
                    connection.rollback()
                    driver.execute("PRAGMA foreign_keys=ON")
    finally:
        engine.dispose()


_main()
