"""cases (issue 14): departments and their members; cases with their numbering counters, linked calls, timeline
(append-only), report files, customer-wait pauses and clock events

Revision ID: 0015_cases
Revises: 0014_house_rules
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_cases"
down_revision = "0014_house_rules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("head", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "department_members",
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False, server_default="handler"),
    )
    op.create_index("ix_department_members_username", "department_members", ["username"])
    op.create_table(
        "case_counters",
        sa.Column("type", sa.String(16), primary_key=True),
        sa.Column("day", sa.String(8), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=False, unique=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id", ondelete="SET NULL"), nullable=True),
        sa.Column("accepted_by", sa.String(64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("demand", sa.Text(), nullable=False, server_default=""),
        sa.Column("cause_class", sa.String(16), nullable=True),
        sa.Column("cause", sa.String(64), nullable=True),
        sa.Column("severity", sa.String(16), nullable=False, server_default="ordinary"),
        sa.Column("employee", sa.String(64), nullable=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("handler", sa.String(64), nullable=True),
        sa.Column("parent_case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="SET NULL"), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("paused_since", sa.DateTime(), nullable=True),
        sa.Column("report_text", sa.Text(), nullable=False, server_default=""),
        sa.Column("decision", sa.Text(), nullable=False, server_default=""),
        sa.Column("settlement_amount", sa.Numeric(14, 2), nullable=True),
        sa.Column("reviewed_by", sa.String(64), nullable=True),
        sa.Column("informed_how", sa.String(16), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("accepted_at", sa.DateTime(), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(), nullable=True),
        sa.Column("reported_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("informed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_cases_state_accepted", "cases", ["state", "accepted_at"])
    op.create_index("ix_cases_department_state", "cases", ["department_id", "state"])
    op.create_index("ix_cases_customer", "cases", ["customer_id"])
    op.create_index("ix_cases_accepted_by", "cases", ["accepted_by"])
    op.create_index("ix_cases_employee", "cases", ["employee"])
    op.create_index("ix_cases_handler", "cases", ["handler"])
    op.create_index("ix_cases_parent_case_id", "cases", ["parent_case_id"])
    op.create_table(
        "case_calls",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("call_uniqueid", sa.String(64), primary_key=True),
        sa.Column("linked_by", sa.String(64), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_case_calls_call_uniqueid", "case_calls", ["call_uniqueid"])
    op.create_index("ix_case_calls_linked_by", "case_calls", ["linked_by"])
    op.create_table(
        "case_timeline",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_case_timeline_case", "case_timeline", ["case_id", "id"])
    op.create_table(
        "case_files",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_case_files_case_id", "case_files", ["case_id"])
    op.create_table(
        "case_pauses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_case_pauses_case_id", "case_pauses", ["case_id"])
    op.create_table(
        "case_clock_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("case_id", "kind", name="uq_case_clock_events_case_kind"),
    )


def downgrade() -> None:
    for t in ("case_clock_events", "case_pauses", "case_files", "case_timeline", "case_calls", "cases",
              "case_counters", "department_members", "departments"):
        op.drop_table(t)
