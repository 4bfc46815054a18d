"""write-behind rows that could not be stored (kept with their error)

Revision ID: 0013_write_failures
Revises: 0012_shifts
Create Date: 2026-12-01
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0013_write_failures"
down_revision = "0012_shifts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
