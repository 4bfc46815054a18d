"""outbound calls are calls (issue 15, "1. Outbound calls are calls"): calls.direction (inbound / outbound), the
customer an outbound call was placed for, and who placed it

Revision ID: 0017_outbound_calls
Revises: 0016_case_reviews
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_outbound_calls"
down_revision = "0016_case_reviews"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("direction", sa.String(8), nullable=False, server_default="inbound"))
    op.add_column("calls", sa.Column("customer_id", sa.Integer(), nullable=True))
    op.add_column("calls", sa.Column("agent_username", sa.String(64), nullable=True))
    op.create_index("ix_calls_direction_arrived", "calls", ["direction", "arrived_at"])


def downgrade() -> None:
    op.drop_index("ix_calls_direction_arrived", table_name="calls")
    with op.batch_alter_table("calls") as b:
        b.drop_column("agent_username")
        b.drop_column("customer_id")
        b.drop_column("direction")
