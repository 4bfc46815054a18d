"""house rules from the seeds: away states, notices read, leave after the fact

Revision ID: 0014_house_rules
Revises: 0013_write_failures
Create Date: 2026-12-01
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0014_house_rules"
down_revision = "0013_write_failures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
