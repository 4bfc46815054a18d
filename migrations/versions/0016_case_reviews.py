"""case reviews (issue 14, "6. Responsibility"): the monthly review of closed complaints, one row per case (who is
responsible, any administrative outcome, by whom and when)

Revision ID: 0016_case_reviews
Revises: 0015_cases
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_case_reviews"
down_revision = "0015_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_reviews",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("responsibility", sa.String(16), nullable=False),
        sa.Column("employee", sa.String(64), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False, server_default=""),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("case_accepted_at", sa.DateTime(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_by", sa.String(64), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("case_id", name="uq_case_reviews_case"),
    )
    op.create_index("ix_case_reviews_month", "case_reviews", ["month"])
    op.create_index("ix_case_reviews_employee", "case_reviews", ["responsibility", "employee", "case_accepted_at"])


def downgrade() -> None:
    op.drop_index("ix_case_reviews_employee", "case_reviews")
    op.drop_index("ix_case_reviews_month", "case_reviews")
    op.drop_table("case_reviews")
