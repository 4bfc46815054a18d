"""notices (issue 16, "3."): the notices with their audience and validity, the agents each reached, the
acknowledgements (append-only) and the attached files

Revision ID: 0024_notices
Revises: 0023_knowledge
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_notices"
down_revision = "0023_knowledge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notice_files",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(160), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("everyone", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("queues", sa.JSON(), nullable=False),
        sa.Column("shifts", sa.JSON(), nullable=False),
        sa.Column("agents", sa.JSON(), nullable=False),
        sa.Column("file_id", sa.Integer(), sa.ForeignKey("notice_files.id", ondelete="SET NULL"), nullable=True),
        sa.Column("published_by", sa.String(64), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("valid_until", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_by", sa.String(64), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdraw_reason", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("ix_notices_published_at", "notices", ["published_at"])
    op.create_table(
        "notice_recipients",
        sa.Column("notice_id", sa.Integer(), sa.ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("username", sa.String(64), primary_key=True),
    )
    op.create_index("ix_notice_recipients_username", "notice_recipients", ["username"])
    op.create_table(
        "notice_acks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("notice_id", sa.Integer(), sa.ForeignKey("notices.id", ondelete="CASCADE"), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("notice_id", "username", name="uq_notice_acks_once"),
    )
    op.create_index("ix_notice_acks_username", "notice_acks", ["username"])


def downgrade() -> None:
    op.drop_table("notice_acks")
    op.drop_table("notice_recipients")
    op.drop_table("notices")
    op.drop_table("notice_files")
