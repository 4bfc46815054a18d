"""ask the lead (issue 16, "4."): an agent's requests for the team lead's help during a call, stored with the call

Revision ID: 0025_help_requests
Revises: 0024_notices
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_help_requests"
down_revision = "0024_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "help_requests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("call_uniqueid", sa.String(64), nullable=False),
        sa.Column("agent_username", sa.String(64), nullable=False),
        sa.Column("agent_extension", sa.String(16)),
        sa.Column("queue", sa.String(64)),
        sa.Column("caller_number", sa.String(32)),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("taken_by", sa.String(64)),
        sa.Column("taken_at", sa.DateTime()),
        sa.Column("taken_how", sa.String(16)),
        sa.Column("transfer_to", sa.String(64)),
        sa.Column("closed_at", sa.DateTime()),
        sa.Column("close_reason", sa.String(32)),
    )
    op.create_index("ix_help_requests_call_uniqueid", "help_requests", ["call_uniqueid"])
    op.create_index("ix_help_requests_state", "help_requests", ["state"])


def downgrade() -> None:
    op.drop_index("ix_help_requests_state", "help_requests")
    op.drop_index("ix_help_requests_call_uniqueid", "help_requests")
    op.drop_table("help_requests")
