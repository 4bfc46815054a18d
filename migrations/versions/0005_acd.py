"""acd: seats, queues, agent skills, pause reasons, agent status + append-only state log

Revision ID: 0005_acd
Revises: 0004_customers
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_acd"
down_revision = "0004_customers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seats",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("extension", sa.String(16), nullable=False, unique=True),
        sa.Column("name", sa.String(128), nullable=False, server_default=""),
        sa.Column("password", sa.String(128), nullable=False),
        sa.Column("static_contact", sa.String(200), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "queues",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(128), nullable=False, server_default=""),
        sa.Column("strategy", sa.String(16), nullable=False, server_default="rrmemory"),
        sa.Column("ring_timeout_seconds", sa.Integer(), nullable=False, server_default="15"),
        sa.Column("retry_seconds", sa.Integer(), nullable=False, server_default="2"),
        sa.Column("wrapup_seconds", sa.Integer(), nullable=False, server_default="30"),
        sa.Column("max_wait_seconds", sa.Integer(), nullable=False, server_default="300"),
        sa.Column("announce", sa.String(128), nullable=False, server_default=""),
        sa.Column("service_level_seconds", sa.Integer(), nullable=False, server_default="20"),
        sa.Column("routing", sa.String(16), nullable=False, server_default="equal"),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "agent_skills",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("queue_id", sa.Integer(), sa.ForeignKey("queues.id", ondelete="CASCADE"), nullable=False),
        sa.Column("level", sa.String(16), nullable=False, server_default="junior"),
        sa.UniqueConstraint("user_id", "queue_id"),
    )
    op.create_index("ix_agent_skills_user_id", "agent_skills", ["user_id"])
    op.create_index("ix_agent_skills_queue_id", "agent_skills", ["queue_id"])
    op.create_table(
        "pause_reasons",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("label_zh", sa.String(64), nullable=False),
        sa.Column("label_en", sa.String(64), nullable=False),
        sa.Column("away", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("system", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    reasons = sa.table("pause_reasons", sa.column("code", sa.String), sa.column("label_zh", sa.String),
                       sa.column("label_en", sa.String), sa.column("away", sa.Boolean),
                       sa.column("system", sa.Boolean), sa.column("active", sa.Boolean))
    op.bulk_insert(reasons, [
        {"code": "away", "label_zh": "离席", "label_en": "Away from desk", "away": True, "system": False,
         "active": True},
        {"code": "meal", "label_zh": "用餐", "label_en": "Meal", "away": True, "system": False, "active": True},
        {"code": "meeting", "label_zh": "会议/培训", "label_en": "Meeting / training", "away": False,
         "system": False, "active": True},
        {"code": "acw", "label_zh": "事后处理", "label_en": "After-call work", "away": False, "system": False,
         "active": True},
        {"code": "not_ready", "label_zh": "未就绪", "label_en": "Not ready", "away": False, "system": True,
         "active": True},
        {"code": "no_answer", "label_zh": "未接听自动暂停", "label_en": "Auto-paused: ring not answered",
         "away": True, "system": True, "active": True},
    ])
    op.create_table(
        "agent_status",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("extension", sa.String(16), nullable=True, unique=True),
        sa.Column("state", sa.String(16), nullable=False, server_default="logged_out"),
        sa.Column("reason", sa.String(32), nullable=False, server_default=""),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("logged_in_at", sa.DateTime(), nullable=True),
        sa.Column("call_uniqueid", sa.String(64), nullable=True),
        sa.Column("missed_rings", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "agent_state_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("extension", sa.String(16), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False, server_default=""),
        sa.Column("call_uniqueid", sa.String(64), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_agent_state_log_user_at", "agent_state_log", ["user_id", "at"])
    op.create_index("ix_agent_state_log_at", "agent_state_log", ["at"])


def downgrade() -> None:
    for t in ("agent_state_log", "agent_status", "pause_reasons", "agent_skills", "queues", "seats"):
        op.drop_table(t)
