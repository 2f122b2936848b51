"""Account events in the audit log: API tokens issued and revoked, passwords changed, accounts
deactivated and activated. Only the CHECK constraint on ``audit_events.action`` changes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_CASE_ACTIONS = (
    "view",
    "create",
    "update",
    "delete",
    "analyze",
    "upload",
    "download",
    "login",
    "login_failed",
)
_ACCOUNT_ACTIONS = (
    "token_issued",
    "token_revoked",
    "password_changed",
    "account_deactivated",
    "account_activated",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _replace_check(actions: tuple[str, ...]) -> None:
    # Batch mode: SQLite cannot alter a constraint, so the table is copied (its named CHECK constraints are
    # reflected from the CREATE TABLE text); PostgreSQL gets a plain DROP/ADD CONSTRAINT.
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_constraint(op.f("ck_audit_events_action"), type_="check")
        batch.create_check_constraint(op.f("ck_audit_events_action"), sa.text(_in("action", actions)))


def upgrade() -> None:
    _replace_check(_CASE_ACTIONS + _ACCOUNT_ACTIONS)


def downgrade() -> None:
    # The older constraint cannot hold the account events, so they go.
    op.execute(sa.text(f"DELETE FROM audit_events WHERE {_in('action', _ACCOUNT_ACTIONS)}"))
    _replace_check(_CASE_ACTIONS)
