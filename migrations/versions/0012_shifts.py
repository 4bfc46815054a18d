"""shifts: templates, public holidays, roster, attendance records, handover log, swaps, leave, approver positions

Revision ID: 0012_shifts
Revises: 0011_seat
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_shifts"
down_revision = "0011_seat"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shift_templates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(32), nullable=False, unique=True),
        sa.Column("start", sa.String(5), nullable=False),
        sa.Column("end", sa.String(5), nullable=False),
        sa.Column("job", sa.String(32), nullable=False, server_default=""),
        sa.Column("skill_level", sa.String(16), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "public_holidays",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("day", sa.Date(), nullable=False, unique=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "shift_roster",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("template_id", sa.Integer(), sa.ForeignKey("shift_templates.id"), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("job", sa.String(32), nullable=False, server_default="agent"),
        sa.Column("skill_level", sa.String(16), nullable=False, server_default="junior"),
        sa.Column("seat", sa.String(16), nullable=False, server_default=""),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("swap_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("day", "template_id", "username", name="uq_shift_roster_day_template_user"),
    )
    op.create_index("ix_shift_roster_day", "shift_roster", ["day"])
    op.create_index("ix_shift_roster_user_day", "shift_roster", ["username", "day"])
    op.create_index("ix_shift_roster_starts_at", "shift_roster", ["starts_at"])
    op.create_table(
        "shift_attendance",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("roster_id", sa.Integer(), sa.ForeignKey("shift_roster.id", ondelete="CASCADE"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("shift", sa.String(32), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("seat", sa.String(16), nullable=False, server_default=""),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("roster_id", "kind", name="uq_shift_attendance_roster_kind"),
    )
    op.create_index("ix_shift_attendance_day", "shift_attendance", ["day"])
    op.create_index("ix_shift_attendance_user_day", "shift_attendance", ["username", "day"])
    op.create_table(
        "shift_handovers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("template_id", sa.Integer(), sa.ForeignKey("shift_templates.id"), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("equipment", sa.Text(), nullable=False, server_default=""),
        sa.Column("difficult_cases", sa.Text(), nullable=False, server_default=""),
        sa.Column("staffing", sa.Text(), nullable=False, server_default=""),
        sa.Column("notices", sa.Text(), nullable=False, server_default=""),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("ack_note", sa.Text(), nullable=False, server_default=""),
        sa.UniqueConstraint("day", "template_id", name="uq_shift_handovers_day_template"),
    )
    op.create_table(
        "shift_swaps",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("requester", sa.String(64), nullable=False),
        sa.Column("counterpart", sa.String(64), nullable=False),
        sa.Column("requester_roster_id", sa.Integer(), sa.ForeignKey("shift_roster.id"), nullable=False),
        sa.Column("counterpart_roster_id", sa.Integer(), sa.ForeignKey("shift_roster.id"), nullable=False),
        sa.Column("requester_day", sa.Date(), nullable=False),
        sa.Column("requester_template_id", sa.Integer(), nullable=False),
        sa.Column("counterpart_day", sa.Date(), nullable=False),
        sa.Column("counterpart_template_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("approvals", sa.JSON(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("ix_shift_swaps_requester", "shift_swaps", ["requester"])
    op.create_index("ix_shift_swaps_counterpart", "shift_swaps", ["counterpart"])
    op.create_index("ix_shift_swaps_status", "shift_swaps", ["status"])
    op.create_table(
        "shift_leave_requests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column("template_id", sa.Integer(), sa.ForeignKey("shift_templates.id"), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("exceptional", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("required_level", sa.String(24), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("ix_shift_leave_requests_user_days", "shift_leave_requests", ["username", "start_day", "end_day"])
    op.create_index("ix_shift_leave_requests_status", "shift_leave_requests", ["status"])
    op.create_table(
        "approver_positions",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("position", sa.String(24), nullable=False),
        sa.Column("set_by", sa.String(64), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("approver_positions")
    op.drop_table("shift_leave_requests")
    op.drop_table("shift_swaps")
    op.drop_table("shift_handovers")
    op.drop_table("shift_attendance")
    op.drop_table("shift_roster")
    op.drop_table("public_holidays")
    op.drop_table("shift_templates")
