"""quality control: draws, samples, forms (seeded default), evaluations with versions, notes; calls.survey_score

Revision ID: 0010_qc
Revises: 0009_recording_retention
Create Date: 2026-11-25
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0010_qc"
down_revision = "0009_recording_retention"
branch_labels = None
depends_on = None

# The default form as of this migration (the regulations' five criteria, 20 points each, scored 0..10).
_DEFAULT_CRITERIA = [
    {"key": "service_language", "label_en": "Service language (greeting, first response, farewell)",
     "label_zh": "服务用语（问候语、首问、结束语）", "weight": 20, "scale_min": 0, "scale_max": 10},
    {"key": "attitude", "label_en": "Service attitude", "label_zh": "服务态度",
     "weight": 20, "scale_min": 0, "scale_max": 10},
    {"key": "tone", "label_en": "Tone of voice", "label_zh": "语气语调",
     "weight": 20, "scale_min": 0, "scale_max": 10},
    {"key": "summarising", "label_en": "Summarising the customer's need", "label_zh": "归纳客户需求的能力",
     "weight": 20, "scale_min": 0, "scale_max": 10},
    {"key": "unexpected", "label_en": "Handling the unexpected", "label_zh": "处理突发问题的能力",
     "weight": 20, "scale_min": 0, "scale_max": 10},
]


def upgrade() -> None:
    op.add_column("calls", sa.Column("survey_score", sa.Integer(), nullable=True))
    op.create_table(
        "qc_draws",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("month", sa.String(7), nullable=False, unique=True),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("drawn_by", sa.String(64), nullable=False),
        sa.Column("drawn_at", sa.DateTime(), nullable=False),
        sa.Column("candidate_count", sa.Integer(), nullable=False),
        sa.Column("agent_candidates", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
    )
    op.create_table(
        "qc_samples",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("call_uniqueid", sa.String(64), nullable=False),
        sa.Column("agent", sa.String(128), nullable=False),
        sa.Column("draw_id", sa.Integer(), sa.ForeignKey("qc_draws.id"), nullable=True),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False, server_default="1"),
        sa.Column("hand_picked", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("picked_by", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("assigned_by", sa.String(64), nullable=True),
        sa.Column("assigned_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("month", "call_uniqueid", name="uq_qc_samples_month_call"),
    )
    op.create_index("ix_qc_samples_month_agent", "qc_samples", ["month", "agent"])
    op.create_index("ix_qc_samples_call", "qc_samples", ["call_uniqueid"])
    op.create_index("ix_qc_samples_status", "qc_samples", ["status"])
    templates = op.create_table(
        "qc_templates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("is_default", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("name", "version", name="uq_qc_templates_name_version"),
    )
    op.create_table(
        "qc_evaluations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("sample_id", sa.Integer(), sa.ForeignKey("qc_samples.id"), nullable=False, unique=True),
        sa.Column("template_id", sa.Integer(), sa.ForeignKey("qc_templates.id"), nullable=False),
        sa.Column("agent", sa.String(128), nullable=False),
        sa.Column("evaluator", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="submitted"),
        sa.Column("current_version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_qc_evaluations_agent", "qc_evaluations", ["agent"])
    op.create_index("ix_qc_evaluations_submitted_at", "qc_evaluations", ["submitted_at"])
    op.create_table(
        "qc_evaluation_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("evaluation_id", sa.Integer(), sa.ForeignKey("qc_evaluations.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False, server_default=""),
        sa.Column("points", sa.JSON(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("grade", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("agent_response", sa.String(16), nullable=True),
        sa.Column("agent_comment", sa.Text(), nullable=False, server_default=""),
        sa.Column("agent_responded_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("evaluation_id", "version", name="uq_qc_evaluation_versions"),
    )
    op.create_table(
        "qc_notes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("sample_id", sa.Integer(), sa.ForeignKey("qc_samples.id"), nullable=False),
        sa.Column("at_seconds", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_qc_notes_sample_id", "qc_notes", ["sample_id"])
    now = datetime.now(UTC).replace(tzinfo=None)  # stored as naive UTC, like every UtcDateTime column
    op.bulk_insert(templates, [{"name": "service-quality", "version": 1, "criteria": _DEFAULT_CRITERIA,
                                "active": True, "is_default": True, "created_by": "system", "created_at": now}])


def downgrade() -> None:
    op.drop_table("qc_notes")
    op.drop_table("qc_evaluation_versions")
    op.drop_table("qc_evaluations")
    op.drop_table("qc_templates")
    op.drop_table("qc_samples")
    op.drop_table("qc_draws")
    with op.batch_alter_table("calls") as b:
        b.drop_column("survey_score")
