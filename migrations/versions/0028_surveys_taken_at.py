"""the weekly satisfaction analysis (issue 17, "2."): the surveys read by when they were taken

Revision ID: 0028_surveys_taken_at
Revises: 0027_audit_log_indexes
Create Date: 2026-12-04
"""

from alembic import op

revision = "0028_surveys_taken_at"
down_revision = "0027_audit_log_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_surveys_taken_at", "surveys", ["taken_at"])


def downgrade() -> None:
    op.drop_index("ix_surveys_taken_at", "surveys")
