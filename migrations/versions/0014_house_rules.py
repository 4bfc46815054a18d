"""house rules from the seeds: away states, notices read, leave after the fact

- pause reasons: ``not_ready``, ``meeting`` and ``acw`` count as away from the desk (every logged-in state that is
  not work counts unless the centre marks it otherwise);
- ``away_episodes.finding``: ``violation`` / ``unapproved_absence`` / "" (existing violations backfilled);
- the default QC form's "three greetings" label: 问声、应声、送声 (greeting, response, farewell);
- ``shift_leave_requests``: ``kind`` (personal / sick), ``approvals`` (the level-by-level steps), ``phoned_in_at``
  and ``certificate`` (sick leave recorded after the fact);
- ``shift_handover_reads``: who read which handover, when.

Revision ID: 0014_house_rules
Revises: 0013_write_failures
Create Date: 2026-12-01
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0014_house_rules"
down_revision = "0013_write_failures"
branch_labels = None
depends_on = None

# seeded by 0005 as not away; the seeds count every non-working state (the centre may unmark them again)
_NOW_AWAY = ("not_ready", "meeting", "acw")
_LABELS = {  # criterion service_language: (old, new) per language
    "label_en": ("Service language (greeting, first response, farewell)",
                 "Service language (greeting, response, farewell)"),
    "label_zh": ("服务用语（问候语、首问、结束语）", "服务用语（问声、应声、送声）"),
}


def _relabel(direction: int) -> None:
    """Swap the mislabelled three greetings in every stored form (only labels still as seeded are changed)."""
    t = sa.table("qc_templates", sa.column("id", sa.Integer), sa.column("criteria", sa.JSON))
    bind = op.get_bind()
    for row in bind.execute(sa.select(t.c.id, t.c.criteria)).all():
        crit = row.criteria if not isinstance(row.criteria, str) else json.loads(row.criteria)
        changed = False
        for c in crit or []:
            if c.get("key") != "service_language":
                continue
            for k, pair in _LABELS.items():
                old, new = pair if direction > 0 else pair[::-1]
                if c.get(k) == old:
                    c[k] = new
                    changed = True
        if changed:
            bind.execute(t.update().where(t.c.id == row.id).values(criteria=crit))


def upgrade() -> None:
    reasons = sa.table("pause_reasons", sa.column("code", sa.String), sa.column("away", sa.Boolean))
    op.execute(reasons.update().where(reasons.c.code.in_(_NOW_AWAY)).values(away=True))

    op.add_column("away_episodes", sa.Column("finding", sa.String(24), nullable=False, server_default=""))
    episodes = sa.table("away_episodes", sa.column("finding", sa.String), sa.column("violation_at", sa.DateTime))
    op.execute(episodes.update().where(episodes.c.violation_at.is_not(None)).values(finding="violation"))

    _relabel(+1)

    op.add_column("shift_leave_requests", sa.Column("kind", sa.String(16), nullable=False,
                                                    server_default="personal"))
    op.add_column("shift_leave_requests", sa.Column("approvals", sa.JSON(), nullable=True))
    op.add_column("shift_leave_requests", sa.Column("phoned_in_at", sa.DateTime(), nullable=True))
    op.add_column("shift_leave_requests", sa.Column("certificate", sa.Boolean(), nullable=False,
                                                    server_default=sa.false()))

    op.create_table(
        "shift_handover_reads",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("handover_id", sa.Integer(), sa.ForeignKey("shift_handovers.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.Column("last_read_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("handover_id", "username", name="uq_shift_handover_reads_handover_user"),
    )


def downgrade() -> None:
    op.drop_table("shift_handover_reads")
    with op.batch_alter_table("shift_leave_requests") as b:
        b.drop_column("certificate")
        b.drop_column("phoned_in_at")
        b.drop_column("approvals")
        b.drop_column("kind")
    _relabel(-1)
    with op.batch_alter_table("away_episodes") as b:
        b.drop_column("finding")
    reasons = sa.table("pause_reasons", sa.column("code", sa.String), sa.column("away", sa.Boolean))
    op.execute(reasons.update().where(reasons.c.code.in_(_NOW_AWAY)).values(away=False))
