"""Team names that read alike refused by the database: ``teams.name_key``, the name's
:func:`~marbledx.registry._models.look_alike_key` (NFKC, case folded, spaces collapsed), NOT NULL and UNIQUE.
``add_user`` already refused a new team reading as an existing one (``Haematology`` beside ``haematology``,
or the same in full-width letters), but only in the application: two server processes creating them at the
same moment (PostgreSQL) could both succeed. Now the database refuses the second.

The key is computed in Python, here as in the application: SQL's ``lower()`` is not case folding, and
neither engine computes NFKC the same way (SQLite not at all), so there is no CHECK constraint either.

A registry that already holds two teams whose names read alike is not upgraded (teams are never merged or
dropped by a migration, and their accounts and cases stay apart): the upgrade fails with one line naming the
teams and how to rename them, and changes nothing.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from marbledx._format import printable, quoted
from marbledx.registry._errors import RegistryError
from marbledx.registry._models import look_alike_key

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# How many clashing groups the refusal names (the count covers them all): the message stays one line.
_SHOWN = 3
# Team names are at most 100 characters (check_team): quoted whole, since two names that read alike may
# differ only after the first 40 (the usual quoting limit).
_NAME_LIMIT = 100


def _keys(connection: sa.Connection) -> dict[int, tuple[str, str]]:
    """Every team's id, name and key."""
    rows = connection.execute(sa.text("SELECT id, name FROM teams ORDER BY id"))
    return {int(team_id): (str(name), look_alike_key(str(name))) for team_id, name in rows}


def _refuse_look_alikes(keys: dict[int, tuple[str, str]]) -> None:
    """Raise :class:`RegistryError` when two teams' names have one key."""
    groups: dict[str, list[str]] = {}
    for name, key in keys.values():
        groups.setdefault(key, []).append(name)
    # Sorted here, not by SQL: PostgreSQL's collation would order them otherwise than SQLite's.
    clashes = sorted(sorted(names) for names in groups.values() if len(names) > 1)
    if not clashes:
        return
    shown = "; ".join(
        " and ".join(printable(quoted(name, _NAME_LIMIT)) for name in names) for names in clashes[:_SHOWN]
    )
    more = f"; and {len(clashes) - _SHOWN} more" if len(clashes) > _SHOWN else ""
    msg = (
        f"cannot upgrade the registry to schema revision 0009: {len(clashes)} group(s) of team names read "
        f"alike ({shown}{more}: the same after NFKC and case folding), which would read as one team; rename "
        "all but one of each with the database's own tool (marbledx cannot rename a team), e.g. UPDATE teams "
        "SET name = 'haematology 2' WHERE name = 'Haematology', then open the registry again; nothing was "
        "changed"
    )
    raise RegistryError(msg)


def upgrade() -> None:
    connection = op.get_bind()
    keys = _keys(connection)
    _refuse_look_alikes(keys)
    # Added nullable, filled from the names in Python, then made NOT NULL and unique. Batch mode: SQLite adds
    # the column in place, then copies the table for the constraint (foreign keys are off meanwhile, and
    # checked before the commit); PostgreSQL alters it in place.
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("name_key", sa.Text(), nullable=True))
    if keys:
        connection.execute(
            sa.text("UPDATE teams SET name_key = :key WHERE id = :id"),
            [{"id": team_id, "key": key} for team_id, (_, key) in keys.items()],
        )
    with op.batch_alter_table("teams") as batch:
        batch.alter_column("name_key", existing_type=sa.Text(), nullable=False)
        batch.create_unique_constraint(op.f("uq_teams_name_key"), ["name_key"])


def downgrade() -> None:
    # The teams keep their rows and names; only the key and its constraint go (and with them the database's
    # refusal of look-alike teams: add_user still checks it).
    with op.batch_alter_table("teams") as batch:
        batch.drop_constraint(op.f("uq_teams_name_key"), type_="unique")
        batch.drop_column("name_key")
