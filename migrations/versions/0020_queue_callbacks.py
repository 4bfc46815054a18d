"""the queued caller's call-back that keeps their place (issue 15, "6."): one row per call that asked for it

Revision ID: 0020_queue_callbacks
Revises: 0019_campaigns
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_queue_callbacks"
down_revision = "0019_campaigns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queue_callbacks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("call_uniqueid", sa.String(64), nullable=False, unique=True),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("placeholder_uniqueid", sa.String(64), nullable=True),
        sa.Column("callback_uniqueid", sa.String(64), nullable=True),
        sa.Column("state", sa.String(16), nullable=False, server_default="waiting"),
    )
    op.create_index("ix_queue_callbacks_callback_uniqueid", "queue_callbacks", ["callback_uniqueid"])


def downgrade() -> None:
    op.drop_table("queue_callbacks")
