"""write-behind rows that could not be stored (kept with their error)

Revision ID: 0013_write_failures
Revises: 0012_shifts
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_write_failures"
down_revision = "0012_shifts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "write_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("writer", sa.String(64), nullable=False),
        sa.Column("row_key", sa.String(200), nullable=True),
        sa.Column("row", sa.Text(), nullable=False),
        sa.Column("error_type", sa.String(128), nullable=False, server_default=""),
        sa.Column("error", sa.Text(), nullable=False, server_default=""),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("first_failed_at", sa.DateTime(), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        sa.Column("resolution", sa.String(16), nullable=True),
        sa.Column("note", sa.String(300), nullable=False, server_default=""),
    )
    op.create_index("ix_write_failures_open", "write_failures", ["resolved_at", "failed_at"])
    op.create_index("ix_write_failures_writer_key", "write_failures", ["writer", "row_key"])


def downgrade() -> None:
    op.drop_index("ix_write_failures_writer_key", table_name="write_failures")
    op.drop_index("ix_write_failures_open", table_name="write_failures")
    op.drop_table("write_failures")
