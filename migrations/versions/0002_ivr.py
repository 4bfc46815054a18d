"""ivr: flows, published versions, entry points, voicemails; IVR path on calls

Revision ID: 0002_ivr
Revises: 0001_calls
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_ivr"
down_revision = "0001_calls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ivr_flows",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("draft", sa.JSON(), nullable=False),
        sa.Column("draft_updated_at", sa.DateTime(), nullable=False),
        sa.Column("live_version_id", sa.Integer()),
        sa.Column("live_since", sa.DateTime()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "ivr_flow_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("flow_id", sa.Integer(), sa.ForeignKey("ivr_flows.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.String(80), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.UniqueConstraint("flow_id", "version", name="uq_ivr_flow_versions_flow_version"),
    )
    op.create_table(
        "ivr_entry_points",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("did", sa.String(40), nullable=False, unique=True),
        sa.Column("flow_id", sa.Integer(), sa.ForeignKey("ivr_flows.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_table(
        "voicemails",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("call_uniqueid", sa.String(64), nullable=False),
        sa.Column("caller_number", sa.String(64)),
        sa.Column("mailbox", sa.String(40), nullable=False),
        sa.Column("path", sa.String(400), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("duration_seconds", sa.Float()),
        sa.Column("empty", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("handled_at", sa.DateTime()),
        sa.Column("handled_by", sa.String(80)),
    )
    op.create_index("ix_voicemails_call_uniqueid", "voicemails", ["call_uniqueid"])
    op.create_index("ix_voicemails_recorded_at", "voicemails", ["recorded_at"])
    with op.batch_alter_table("calls") as b:
        b.add_column(sa.Column("ivr_flow_version_id", sa.Integer()))
        b.add_column(sa.Column("ivr_path", sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table("calls") as b:
        b.drop_column("ivr_path")
        b.drop_column("ivr_flow_version_id")
    op.drop_table("voicemails")
    op.drop_table("ivr_entry_points")
    op.drop_table("ivr_flow_versions")
    op.drop_table("ivr_flows")
