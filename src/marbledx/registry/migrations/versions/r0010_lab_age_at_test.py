"""A lab value's own age: the patient's age when its sample was taken (``lab_measurements.age_at_test``, an
ISO 8601 duration such as ``P2M``), so that a value measured at another visit is read against the reference
interval of its own age (haemoglobin, calcium and platelets have age bands; docs/labs.md) rather than the
case's age. One nullable column; the rows of earlier lab values keep NULL, which means what it meant before:
the value is read at the case's age.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode, as the other migrations: SQLite adds the column in place (ALTER TABLE ADD COLUMN).
    with op.batch_alter_table("lab_measurements") as batch:
        batch.add_column(sa.Column("age_at_test", sa.String(length=40), nullable=True))


def downgrade() -> None:
    # SQLite copies the table without the column (its index and foreign keys are reflected and re-created);
    # PostgreSQL drops it. The ages at the tests are lost: the values are then read at the case's age, as
    # before this revision.
    with op.batch_alter_table("lab_measurements") as batch:
        batch.drop_column("age_at_test")
