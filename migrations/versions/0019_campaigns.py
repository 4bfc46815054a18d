"""campaigns (issue 15, "4. Campaigns"): campaigns, their numbers, the do-not-call list

Revision ID: 0019_campaigns
Revises: 0018_callbacks
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_campaigns"
down_revision = "0018_callbacks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, server_default="draft"),
        sa.Column("agents", sa.JSON(), nullable=False),
        sa.Column("hours_from", sa.String(5), nullable=False, server_default="09:00"),
        sa.Column("hours_to", sa.String(5), nullable=False, server_default="20:00"),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("retry", sa.JSON(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False, server_default="3"),
        sa.Column("script", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "campaign_numbers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("name", sa.String(128), nullable=False, server_default=""),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_at", sa.DateTime(), nullable=True),
        sa.Column("agent", sa.String(64), nullable=True),
        sa.Column("reserved_until", sa.DateTime(), nullable=True),
        sa.Column("call_uniqueid", sa.String(64), nullable=True),
        sa.Column("last_outcome", sa.String(16), nullable=True),
        sa.Column("last_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("campaign_id", "number", name="uq_campaign_numbers_number"),
    )
    op.create_index("ix_campaign_numbers_due", "campaign_numbers", ["campaign_id", "state", "next_at", "id"])
    op.create_index("ix_campaign_numbers_call_uniqueid", "campaign_numbers", ["call_uniqueid"])
    op.create_table(
        "dnc_numbers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=False, unique=True),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dnc_numbers")
    op.drop_table("campaign_numbers")
    op.drop_table("campaigns")
