"""calls: one record per inbound call

Revision ID: 0001_calls
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_calls"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("uniqueid", sa.String(64), nullable=False, unique=True),
        sa.Column("linkedid", sa.String(64)),
        sa.Column("channel", sa.String(128)),
        sa.Column("caller_number", sa.String(64)),
        sa.Column("caller_name", sa.String(128)),
        sa.Column("dialled_number", sa.String(64)),
        sa.Column("ivr_entered_at", sa.DateTime()),
        sa.Column("ivr_exited_at", sa.DateTime()),
        sa.Column("queue", sa.String(64)),
        sa.Column("agent_extension", sa.String(32)),
        sa.Column("agent_name", sa.String(128)),
        sa.Column("agent_interface", sa.String(128)),
        sa.Column("arrived_at", sa.DateTime()),
        sa.Column("queued_at", sa.DateTime()),
        sa.Column("ringing_at", sa.DateTime()),
        sa.Column("answered_at", sa.DateTime()),
        sa.Column("ended_at", sa.DateTime()),
        sa.Column("outcome", sa.String(16)),
        sa.Column("end_reason", sa.String(32)),
        sa.Column("hangup_cause", sa.String(64)),
        sa.Column("wait_seconds", sa.Float()),
        sa.Column("talk_seconds", sa.Float()),
    )
    op.create_index("ix_calls_arrived_at", "calls", ["arrived_at"])
    op.create_index("ix_calls_queue_arrived", "calls", ["queue", "arrived_at"])
    op.create_index("ix_calls_agent_arrived", "calls", ["agent_extension", "arrived_at"])
    op.create_index("ix_calls_open", "calls", ["ended_at"])


def downgrade() -> None:
    op.drop_table("calls")
