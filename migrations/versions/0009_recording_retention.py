"""recording retention: days per queue, deletion time per recording

Revision ID: 0009_recording_retention
Revises: 0008_recordings
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_recording_retention"
down_revision = "0008_recordings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("queues", sa.Column("recording_retention_days", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("recordings", sa.Column("deleted_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recordings") as b:
        b.drop_column("deleted_at")
    with op.batch_alter_table("queues") as b:
        b.drop_column("recording_retention_days")
