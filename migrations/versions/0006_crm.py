"""crm: customer address/tags/updated_at, service records

Revision ID: 0006_crm
Revises: 0005_acd
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_crm"
down_revision = "0005_acd"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (no batch copy: on SQLite a table copy would drop 'customers' and cascade to phones)
    op.add_column("customers", sa.Column("address", sa.String(500), nullable=False, server_default=""))
    op.add_column("customers", sa.Column("tags", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.add_column("customers", sa.Column("updated_at", sa.DateTime(), nullable=True))
    op.create_index("ix_customers_name", "customers", ["name"])
    op.create_index("ix_customers_created_at", "customers", ["created_at"])
    op.create_table(
        "service_records",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id", ondelete="SET NULL"), nullable=True),
        sa.Column("call_uniqueid", sa.String(64), nullable=True),
        sa.Column("caller_number", sa.String(32), nullable=True),
        sa.Column("agent_username", sa.String(64), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(200), nullable=False, server_default=""),
        sa.Column("follow_up_needed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("follow_up_due", sa.DateTime(), nullable=True),
        sa.Column("follow_up_done_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_service_records_customer_created", "service_records", ["customer_id", "created_at"])
    op.create_index("ix_service_records_agent_created", "service_records", ["agent_username", "created_at"])
    op.create_index("ix_service_records_call_uniqueid", "service_records", ["call_uniqueid"])
    op.create_index("ix_service_records_caller_number", "service_records", ["caller_number"])
    # the screen pop / history find a customer's last calls by caller number: without this index that is a
    # scan of every call ever taken. Only an index; the calls table itself is unchanged.
    op.create_index("ix_calls_caller_number", "calls", ["caller_number"])


def downgrade() -> None:
    op.drop_index("ix_calls_caller_number", "calls")
    op.drop_table("service_records")
    op.drop_index("ix_customers_created_at", "customers")
    op.drop_index("ix_customers_name", "customers")
    # plain DROP COLUMN (SQLite >= 3.35), for the same reason as above
    op.drop_column("customers", "updated_at")
    op.drop_column("customers", "tags")
    op.drop_column("customers", "address")
