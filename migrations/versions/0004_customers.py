"""customers: minimal records with normalised, indexed phone numbers (IVR lookup, screen pop)

Revision ID: 0004_customers
Revises: 0003_auth
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_customers"
down_revision = "0003_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("company", sa.String(200), nullable=False, server_default=""),
        sa.Column("vip", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("notes", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "customer_phones",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.String(32), nullable=False, unique=True),
    )
    op.create_index("ix_customer_phones_customer_id", "customer_phones", ["customer_id"])


def downgrade() -> None:
    op.drop_table("customer_phones")
    op.drop_table("customers")
