"""A case's family history, as ``marbledx rank --consanguineous --affected-parent --affected-sibling`` gives
it: the parents are related, a parent has the same condition, a brother or sister has it. Three NOT NULL
boolean columns on ``cases`` with a server default of false; the rows of earlier cases read as not stated,
which the ranking treats as "no" (it only adds evidence for a flag that is true).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_COLUMNS = ("consanguineous", "affected_parent", "affected_sibling")


def upgrade() -> None:
    # Batch mode, as the other migrations: SQLite adds the columns in place (ALTER TABLE ADD COLUMN, which
    # takes NOT NULL with a default); PostgreSQL fills the existing rows from the default. The default stays:
    # a row inserted without the columns (a restored backup of revision 0007) reads as not stated too.
    with op.batch_alter_table("cases") as batch:
        for name in _COLUMNS:
            batch.add_column(sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    # SQLite copies the table without the columns (its named constraints, the sex CHECK, are reflected from
    # the CREATE TABLE text); PostgreSQL drops them. The family history is lost: analyses then rank without
    # it, as before.
    with op.batch_alter_table("cases") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
