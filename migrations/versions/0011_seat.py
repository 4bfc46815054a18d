"""seat discipline: away episodes (the 20-minute rule) and leave-seat requests

Revision ID: 0011_seat
Revises: 0010_qc
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_seat"
down_revision = "0010_qc"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leave_requests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("extension", sa.String(16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("approved_minutes", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("used_from", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_leave_requests_status", "leave_requests", ["status"])
    op.create_index("ix_leave_requests_username_created", "leave_requests", ["username", "created_at"])
    op.create_table(
        "away_episodes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("extension", sa.String(16), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.String(200), nullable=False, server_default=""),
        sa.Column("source", sa.String(64), nullable=False, server_default=""),
        sa.Column("active_sources", sa.String(64), nullable=False, server_default=""),
        sa.Column("warning_at", sa.DateTime(), nullable=True),
        sa.Column("violation_at", sa.DateTime(), nullable=True),
        sa.Column("limit_minutes", sa.Float(), nullable=True),
        sa.Column("approved_request_id", sa.Integer(), sa.ForeignKey("leave_requests.id"), nullable=True),
        sa.Column("end_reason", sa.String(16), nullable=False, server_default=""),
        sa.Column("changes", sa.JSON(), nullable=False),
    )
    op.create_index("ix_away_episodes_username_started", "away_episodes", ["username", "started_at"])
    op.create_index("ix_away_episodes_started", "away_episodes", ["started_at"])
    op.create_index("ix_away_episodes_open", "away_episodes", ["ended_at"])


def downgrade() -> None:
    op.drop_index("ix_away_episodes_open", "away_episodes")
    op.drop_index("ix_away_episodes_started", "away_episodes")
    op.drop_index("ix_away_episodes_username_started", "away_episodes")
    op.drop_table("away_episodes")
    op.drop_index("ix_leave_requests_username_created", "leave_requests")
    op.drop_index("ix_leave_requests_status", "leave_requests")
    op.drop_table("leave_requests")
