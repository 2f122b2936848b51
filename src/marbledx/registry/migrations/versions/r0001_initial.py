"""Initial schema: teams, users, API tokens, cases, findings, labs, uploads, analyses, audit events.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _when(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _user_fk(
    column: str, table: str, *, nullable: bool = False
) -> tuple[sa.Column[Any], sa.ForeignKeyConstraint]:
    return (
        sa.Column(column, sa.Integer(), nullable=nullable),
        sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users")),
    )


def _case_fk(table: str) -> tuple[sa.Column[Any], sa.ForeignKeyConstraint]:
    return (
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f(f"fk_{table}_case_id_cases"), ondelete="CASCADE"
        ),
    )


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _when("created_at"),
        sa.CheckConstraint(_in("role", ("clinician", "counsellor", "admin")), name=op.f("ck_users_role")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_users_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_index(op.f("ix_users_team_id"), "users", ["team_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        _when("created_at"),
        _when("last_used_at", nullable=True),
        _when("revoked_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        _when("at"),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("case_public_id", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.CheckConstraint(
            _in(
                "action",
                (
                    "view",
                    "create",
                    "update",
                    "delete",
                    "analyze",
                    "upload",
                    "download",
                    "login",
                    "login_failed",
                ),
            ),
            name=op.f("ck_audit_events_action"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_audit_events_team_id_teams"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_events_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_case_public_id"), "audit_events", ["case_public_id"])
    op.create_index("ix_audit_events_team_at", "audit_events", ["team_id", "at"])
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("age_days", sa.Float(), nullable=True),
        sa.Column("sex", sa.String(length=10), nullable=True),
        _when("created_at"),
        *_user_fk("created_by_id", "cases"),
        _when("updated_at"),
        *_user_fk("updated_by_id", "cases"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(f"sex IS NULL OR {_in('sex', ('female', 'male'))}", name=op.f("ck_cases_sex")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_cases_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("public_id", name=op.f("uq_cases_public_id")),
    )
    op.create_index(op.f("ix_cases_team_id"), "cases", ["team_id"])
    op.create_table(
        "analyses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        *_case_fk("analyses"),
        _when("created_at"),
        *_user_fk("created_by_id", "analyses"),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("marbledx_version", sa.String(length=50), nullable=False),
        sa.Column("hpo_release", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analyses")),
        sa.UniqueConstraint("public_id", name=op.f("uq_analyses_public_id")),
    )
    op.create_index(op.f("ix_analyses_case_id"), "analyses", ["case_id"])
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        *_case_fk("findings"),
        sa.Column("hpo_id", sa.String(length=10), nullable=False),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.CheckConstraint(_in("source", ("entered", "text", "lab")), name=op.f("ck_findings_source")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
        sa.UniqueConstraint("case_id", "hpo_id", name=op.f("uq_findings_case_id")),
    )
    op.create_table(
        "lab_measurements",
        sa.Column("id", sa.Integer(), nullable=False),
        *_case_fk("lab_measurements"),
        sa.Column("analyte", sa.String(length=50), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=True),
        sa.Column("low", sa.Float(), nullable=True),
        sa.Column("high", sa.Float(), nullable=True),
        _when("created_at"),
        *_user_fk("created_by_id", "lab_measurements"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab_measurements")),
    )
    op.create_index(
        "ix_lab_measurements_case_analyte_date", "lab_measurements", ["case_id", "analyte", "measured_on"]
    )
    op.create_table(
        "uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        *_case_fk("uploads"),
        sa.Column("kind", sa.String(length=3), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        _when("created_at"),
        *_user_fk("created_by_id", "uploads"),
        sa.CheckConstraint(_in("kind", ("vcf", "ped")), name=op.f("ck_uploads_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
        sa.UniqueConstraint("public_id", name=op.f("uq_uploads_public_id")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_uploads_stored_name")),
    )
    op.create_index(op.f("ix_uploads_case_id"), "uploads", ["case_id"])


def downgrade() -> None:
    for table in ("uploads", "lab_measurements", "findings", "analyses", "cases", "audit_events"):
        op.drop_table(table)
    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("teams")
