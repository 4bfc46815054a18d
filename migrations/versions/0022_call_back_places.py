"""a queued caller's call-back place on its outbound call (issue 15, "6."): the caller who asked and when an agent
took the place, so the place is back in line after a service restart and the contact counts answered once

Revision ID: 0022_call_back_places
Revises: 0021_campaign_sources
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_call_back_places"
down_revision = "0021_campaign_sources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("callback_of", sa.String(64), nullable=True))
    op.add_column("calls", sa.Column("taken_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("calls", "taken_at")  # plain DROP COLUMN (SQLite >= 3.35), as 0006
    op.drop_column("calls", "callback_of")
