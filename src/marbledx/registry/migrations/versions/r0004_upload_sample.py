"""A VCF upload's samples: the proband's sample chosen at upload (checked against the VCF header), and the
header's sample names and their number, so that a multi-sample VCF (a trio) can be analysed without a PED
file. Three nullable columns on ``uploads``; the rows of earlier uploads keep NULL (no sample chosen).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode, as the other migrations: SQLite adds the columns in place (ALTER TABLE ADD COLUMN).
    with op.batch_alter_table("uploads") as batch:
        batch.add_column(sa.Column("sample", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("samples", sa.Text(), nullable=True))
        batch.add_column(sa.Column("sample_count", sa.Integer(), nullable=True))


def downgrade() -> None:
    # SQLite copies the table without the columns (its named constraints are reflected from the CREATE
    # TABLE text); PostgreSQL drops them. The chosen samples are lost: analyses then take a single-sample
    # VCF's only sample or the PED file's affected child, as before.
    with op.batch_alter_table("uploads") as batch:
        batch.drop_column("sample_count")
        batch.drop_column("samples")
        batch.drop_column("sample")
