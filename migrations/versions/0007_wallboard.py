"""wallboard: a service-level target per queue

Revision ID: 0007_wallboard
Revises: 0006_crm
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_wallboard"
down_revision = "0006_crm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("queues", sa.Column("service_level_target", sa.Integer(), nullable=False, server_default="80"))
    # the wallboard loads today's (and the chart's) queued calls at start
    op.create_index("ix_calls_queued_at", "calls", ["queued_at"])


def downgrade() -> None:
    op.drop_index("ix_calls_queued_at", table_name="calls")
    with op.batch_alter_table("queues") as b:
        b.drop_column("service_level_target")
