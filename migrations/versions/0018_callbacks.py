"""the call-back desk and the surveys (issue 15, "2. The call-back desk", "3. Satisfaction"): call-back tasks and
their attempts, the four-point survey; the 1-5 survey scores typed in before (calls.survey_score) are copied into
surveys as channel "legacy", each point at the level the score gives (5 -> 1 very satisfied, 4 -> 2, 3 -> 3,
2 and 1 -> 4 poor), month the UTC month of the call's answer (or arrival)

Revision ID: 0018_callbacks
Revises: 0017_outbound_calls
Create Date: 2026-12-02
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0018_callbacks"
down_revision = "0017_outbound_calls"
branch_labels = None
depends_on = None

LEVEL_OF_SCORE = {5: 1, 4: 2, 3: 3, 2: 4, 1: 4}


def upgrade() -> None:
    op.create_table(
        "callback_tasks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="SET NULL"), nullable=True),
        sa.Column("case_number", sa.String(32), nullable=True),
        sa.Column("case_type", sa.String(16), nullable=True),
        sa.Column("service_record_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("queue", sa.String(64), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(32), nullable=True),
        sa.Column("rated_agent", sa.String(64), nullable=True),
        sa.Column("rated_call", sa.String(64), nullable=True),
        sa.Column("state", sa.String(16), nullable=False, server_default="open"),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("ix_callback_tasks_state_due", "callback_tasks", ["state", "due_at"])
    op.create_index("ix_callback_tasks_due", "callback_tasks", ["due_at"])
    op.create_index("ix_callback_tasks_case", "callback_tasks", ["case_id"])
    op.create_index("ix_callback_tasks_record", "callback_tasks", ["service_record_id"])
    op.create_table(
        "callback_attempts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("callback_tasks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("call_uniqueid", sa.String(64), nullable=True),
        sa.Column("agent_username", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("call_outcome", sa.String(16), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("recorded_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_callback_attempts_task_id", "callback_attempts", ["task_id"])
    op.create_index("ix_callback_attempts_call_uniqueid", "callback_attempts", ["call_uniqueid"])
    surveys = op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("call_uniqueid", sa.String(64), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("agent_username", sa.String(64), nullable=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("attitude", sa.Integer(), nullable=True),
        sa.Column("skill", sa.Integer(), nullable=True),
        sa.Column("timeliness", sa.Integer(), nullable=True),
        sa.Column("promises", sa.Integer(), nullable=True),
        sa.Column("taken_by", sa.String(64), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_surveys_call_uniqueid", "surveys", ["call_uniqueid"])
    op.create_index("ix_surveys_case_id", "surveys", ["case_id"])
    op.create_index("ix_surveys_agent_month", "surveys", ["agent_username", "month"])
    # what the QC's survey endpoint stored so far: one 1-5 score per call
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT c.uniqueid, c.survey_score, c.answered_at, c.arrived_at, "
        "(SELECT r.agent_username FROM recordings r WHERE r.call_uniqueid = c.uniqueid) "
        "FROM calls c WHERE c.survey_score IS NOT NULL")).all()
    now = datetime.now(UTC).replace(tzinfo=None)
    out = []
    for uid, score, answered, arrived, agent in rows:
        level = LEVEL_OF_SCORE.get(int(score))
        at = answered or arrived or now
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        if level is None:
            continue
        out.append({"channel": "legacy", "call_uniqueid": uid, "agent_username": agent, "month": at.strftime("%Y-%m"),
                    "attitude": level, "skill": level, "timeliness": level, "promises": level,
                    "taken_by": "migration", "taken_at": now})
    if out:
        op.bulk_insert(surveys, out)


def downgrade() -> None:
    op.drop_table("surveys")
    op.drop_table("callback_attempts")
    op.drop_table("callback_tasks")
