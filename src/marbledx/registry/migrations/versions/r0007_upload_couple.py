"""A PED upload's couple: whose next child the counselling risks are for, chosen at upload as FATHER,MOTHER
(checked against the file's individuals) and passed to the analysis, as ``marbledx analyze --couple``. One
nullable column on ``uploads``; the rows of earlier uploads keep NULL (no couple chosen: the analysis takes
its default couple, as before).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode, as the other migrations: SQLite adds the column in place (ALTER TABLE ADD COLUMN).
    with op.batch_alter_table("uploads") as batch:
        batch.add_column(sa.Column("couple", sa.String(length=511), nullable=True))


def downgrade() -> None:
    # SQLite copies the table without the column (its named constraints are reflected from the CREATE TABLE
    # text); PostgreSQL drops it. The chosen couples are lost: analyses then take the default couple (the
    # parents of the first affected person with both parents, else an adult proband and their one partner).
    with op.batch_alter_table("uploads") as batch:
        batch.drop_column("couple")
