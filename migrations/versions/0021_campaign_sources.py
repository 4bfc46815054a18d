"""a campaign's numbers from the open call-back tasks (issue 15, "4. Campaigns"): the task a number calls back

Revision ID: 0021_campaign_sources
Revises: 0020_queue_callbacks
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_campaign_sources"
down_revision = "0020_queue_callbacks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("campaign_numbers", sa.Column("callback_id", sa.Integer(), nullable=True))
    op.create_index("ix_campaign_numbers_callback_id", "campaign_numbers", ["callback_id"])


def downgrade() -> None:
    op.drop_index("ix_campaign_numbers_callback_id", table_name="campaign_numbers")
    op.drop_column("campaign_numbers", "callback_id")  # plain DROP COLUMN (SQLite >= 3.35), as 0006
