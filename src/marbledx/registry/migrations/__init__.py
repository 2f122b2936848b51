"""Alembic migrations of the case registry (run in code by :func:`marbledx.registry.Registry.open`)."""
