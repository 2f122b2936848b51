"""User names unique whatever their case: ``users.name_key``, the name in lower case, with a UNIQUE
constraint, and a CHECK that keeps it equal to ``lower(name)``. ``add_user`` already refused ``Alice`` beside
``alice``, but only in the application: two server processes adding them at the same moment (PostgreSQL)
could both succeed. Now the database refuses the second.

A registry that already holds names equal but for case is not upgraded (accounts are never merged or
dropped by a migration): the upgrade fails with one line naming the clashes and how to rename them, and
changes nothing.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from marbledx._format import printable, quoted
from marbledx.registry._errors import RegistryError

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# How many clashing groups the refusal names (the count covers them all): the message stays one line.
_SHOWN = 3


def _refuse_clashes() -> None:
    """Raise :class:`RegistryError` when two accounts' names are equal in lower case (the new key)."""
    connection = op.get_bind()
    clashing = sa.text(
        "SELECT lower(name), name FROM users WHERE lower(name) IN "
        "(SELECT lower(name) FROM users GROUP BY lower(name) HAVING count(*) > 1) ORDER BY lower(name), name"
    )
    groups: dict[str, list[str]] = {}
    for key, name in connection.execute(clashing):
        # Grouped by the database's lower(), the key's own function (Python's could differ for a non-ASCII
        # name stored before names were checked).
        groups.setdefault(key, []).append(name)
    if not groups:
        return
    shown = "; ".join(
        " and ".join(printable(quoted(n)) for n in names) for names in list(groups.values())[:_SHOWN]
    )
    more = f"; and {len(groups) - _SHOWN} more" if len(groups) > _SHOWN else ""
    msg = (
        f"cannot upgrade the registry to schema revision 0006: {len(groups)} group(s) of user names differ "
        f"only in case ({shown}{more}), which would read as one account; rename all but one of each with the "
        "database's own tool ('marbledx users rename' cannot open a registry this upgrade refused), e.g. UPDATE users SET name = 'alice-2' WHERE "
        "name = 'Alice', then open the registry again; nothing was changed"
    )
    raise RegistryError(msg)


def upgrade() -> None:
    _refuse_clashes()
    # Added nullable, filled from the names, then made NOT NULL and constrained. Batch mode: SQLite copies
    # the table for the constraints (its named constraints are reflected from the CREATE TABLE text, its
    # indexes recreated); PostgreSQL alters it in place.
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("name_key", sa.String(length=100), nullable=True))
    op.execute(sa.text("UPDATE users SET name_key = lower(name)"))
    with op.batch_alter_table("users") as batch:
        batch.alter_column("name_key", existing_type=sa.String(length=100), nullable=False)
        batch.create_unique_constraint(op.f("uq_users_name_key"), ["name_key"])
        batch.create_check_constraint(op.f("ck_users_name_key"), sa.text("name_key = lower(name)"))


def downgrade() -> None:
    # The accounts keep their rows and names; only the key and its constraints go (and with them the
    # database's refusal of names equal but for case: add_user still checks it).
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_name_key"), type_="check")
        batch.drop_constraint(op.f("uq_users_name_key"), type_="unique")
        batch.drop_column("name_key")
