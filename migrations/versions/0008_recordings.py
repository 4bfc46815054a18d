"""recordings: one row per recorded call

Revision ID: 0008_recordings
Revises: 0007_wallboard
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_recordings"
down_revision = "0007_wallboard"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("call_uniqueid", sa.String(64), nullable=False, unique=True),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("queue", sa.String(64), nullable=True),
        sa.Column("agent_extension", sa.String(32), nullable=True),
        sa.Column("agent_username", sa.String(64), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("format", sa.String(8), nullable=False, server_default="wav"),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="recording"),
        sa.Column("problem", sa.String(300), nullable=False, server_default=""),
        sa.Column("mutes", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )
    op.create_index("ix_recordings_started_at", "recordings", ["started_at"])
    op.create_index("ix_recordings_agent_started", "recordings", ["agent_username", "started_at"])


def downgrade() -> None:
    op.drop_table("recordings")
