"""the audit trail readable (issue 17, "6."): indexes for its searches — by target (a customer, a recording) and by
action over time, and by person over time (replacing the index on the person alone)

Revision ID: 0027_audit_log_indexes
Revises: 0026_report_rollups
Create Date: 2026-12-04
"""

from alembic import op

revision = "0027_audit_log_indexes"
down_revision = "0026_report_rollups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_log_target_at", "audit_log", ["target", "at"])
    op.create_index("ix_audit_log_action_at", "audit_log", ["action", "at"])
    op.create_index("ix_audit_log_username_at", "audit_log", ["username", "at"])
    op.drop_index("ix_audit_log_username", "audit_log")


def downgrade() -> None:
    op.create_index("ix_audit_log_username", "audit_log", ["username"])
    op.drop_index("ix_audit_log_username_at", "audit_log")
    op.drop_index("ix_audit_log_action_at", "audit_log")
    op.drop_index("ix_audit_log_target_at", "audit_log")
