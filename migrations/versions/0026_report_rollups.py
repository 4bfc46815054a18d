"""interval rollups (issue 17, parts 1 and 5): per-15-minute buckets per queue, IVR node, agent (and pause reason),
the rollups' high-water mark; indexes on the raw rows the rollups are recomputed from

Revision ID: 0026_report_rollups
Revises: 0025_help_requests
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_report_rollups"
down_revision = "0025_help_requests"
branch_labels = None
depends_on = None

QUEUE_INTS = ("offered", "answered", "answered_in_sl", "abandoned", "ivr_abandoned", "timed_out", "completed",
              "callbacks", "transfers", "wrapups")
QUEUE_FLOATS = ("wait_sum", "wait_max", "talk_sum", "wrapup_sum")
AGENT_FLOATS = ("logged_in", "ready", "ringing", "on_call", "wrapup", "paused", "away_seconds")
AGENT_INTS = ("answered", "made", "missed_rings", "away_violations", "callbacks_done", "cases_accepted")


def _ints(names: tuple[str, ...]) -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column(n, sa.Integer(), nullable=False, server_default="0") for n in names]


def _floats(names: tuple[str, ...]) -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column(n, sa.Float(), nullable=False, server_default="0") for n in names]


def upgrade() -> None:
    op.create_table(
        "report_queue_buckets",
        sa.Column("bucket", sa.DateTime(), primary_key=True),
        sa.Column("queue", sa.String(64), primary_key=True),
        sa.Column("direction", sa.String(8), primary_key=True),
        *_ints(QUEUE_INTS), *_floats(QUEUE_FLOATS),
    )
    op.create_index("ix_report_queue_buckets_queue", "report_queue_buckets", ["queue", "bucket"])
    op.create_table(
        "report_ivr_buckets",
        sa.Column("bucket", sa.DateTime(), primary_key=True),
        sa.Column("node", sa.String(64), primary_key=True),
        sa.Column("choice", sa.String(32), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "report_agent_buckets",
        sa.Column("bucket", sa.DateTime(), primary_key=True),
        sa.Column("agent", sa.String(64), primary_key=True),
        *_floats(AGENT_FLOATS), *_ints(AGENT_INTS),
    )
    op.create_index("ix_report_agent_buckets_agent", "report_agent_buckets", ["agent", "bucket"])
    op.create_table(
        "report_agent_pauses",
        sa.Column("bucket", sa.DateTime(), primary_key=True),
        sa.Column("agent", sa.String(64), primary_key=True),
        sa.Column("reason", sa.String(32), primary_key=True),
        sa.Column("seconds", sa.Float(), nullable=False, server_default="0"),
    )
    op.create_table(
        "report_rollup_marks",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    # a bucket is recomputed from the calls with any fact in it: these two facts had no index
    op.create_index("ix_calls_answered_at", "calls", ["answered_at"])
    op.create_index("ix_calls_taken_at", "calls", ["taken_at"])
    op.create_index("ix_callback_attempts_started_at", "callback_attempts", ["started_at"])
    op.create_index("ix_cases_accepted_at", "cases", ["accepted_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_accepted_at", "cases")
    op.drop_index("ix_callback_attempts_started_at", "callback_attempts")
    op.drop_index("ix_calls_taken_at", "calls")
    op.drop_index("ix_calls_answered_at", "calls")
    op.drop_table("report_rollup_marks")
    op.drop_table("report_agent_pauses")
    op.drop_index("ix_report_agent_buckets_agent", "report_agent_buckets")
    op.drop_table("report_agent_buckets")
    op.drop_table("report_ivr_buckets")
    op.drop_index("ix_report_queue_buckets_queue", "report_queue_buckets")
    op.drop_table("report_queue_buckets")
