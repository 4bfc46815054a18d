"""the knowledge base (issue 16, "2."): entries and every revision of their agreed wording, the queues and IVR
choices a revision applies to, the source documents, the uses on calls; and the search index per database:
SQLite an FTS5 table with the trigram tokenizer kept by triggers, PostgreSQL pg_trgm and a GIN trigram index

Revision ID: 0023_knowledge
Revises: 0022_call_back_places
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_knowledge"
down_revision = "0022_call_back_places"
branch_labels = None
depends_on = None

_FTS_COLUMNS = "title, tags, body"
_FTS_VALUES = "new.id, new.title, new.tags_text, new.body"


def upgrade() -> None:
    op.create_table(
        "knowledge_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("state", sa.String(16), nullable=False, server_default="new"),
        sa.Column("published_revision_id", sa.Integer(), nullable=True),
        sa.Column("open_revision_id", sa.Integer(), nullable=True),
        sa.Column("revisions", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_by", sa.String(64), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdraw_reason", sa.Text(), nullable=False, server_default=""),
    )
    op.create_table(
        "knowledge_documents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(160), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_knowledge_documents_sha256", "knowledge_documents", ["sha256"])
    op.create_table(
        "knowledge_revisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("knowledge_entries.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, server_default="draft"),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("tags_text", sa.Text(), nullable=False, server_default=""),
        sa.Column("queues", sa.JSON(), nullable=False),
        sa.Column("ivr_choices", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.DateTime(), nullable=True),
        sa.Column("valid_to", sa.DateTime(), nullable=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("knowledge_documents.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False, server_default=""),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("reviewed_by", sa.String(64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=False, server_default=""),
        sa.Column("published_by", sa.String(64), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("confirmed_by", sa.String(64), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("entry_id", "number", name="uq_knowledge_revisions_entry_number"),
    )
    # no index on the state and validity: most rows are published and valid, and the text match is what narrows a
    # search (an index there made SQLite walk it row by row, several times slower than reading the table)
    op.create_index("ix_knowledge_revisions_entry", "knowledge_revisions", ["entry_id"])
    op.create_table(
        "knowledge_targets",
        sa.Column("revision_id", sa.Integer(), sa.ForeignKey("knowledge_revisions.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("value", sa.String(64), primary_key=True),
    )
    op.create_index("ix_knowledge_targets_kind_value", "knowledge_targets", ["kind", "value"])
    op.create_table(
        "knowledge_uses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("knowledge_entries.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("call_uniqueid", sa.String(64), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.UniqueConstraint("entry_id", "call_uniqueid", "username", name="uq_knowledge_uses_once"),
    )
    op.create_index("ix_knowledge_uses_call_uniqueid", "knowledge_uses", ["call_uniqueid"])
    op.create_index("ix_knowledge_uses_month_entry", "knowledge_uses", ["month", "entry_id"])

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # a contentful FTS5 table (rowid = the revision's id) with the trigram tokenizer (SQLite >= 3.34):
        # substring matches of 3+ characters in any script, case-folded; the triggers keep it in step
        op.execute(f"CREATE VIRTUAL TABLE knowledge_fts USING fts5({_FTS_COLUMNS}, tokenize='trigram')")
        op.execute("CREATE TRIGGER knowledge_fts_insert AFTER INSERT ON knowledge_revisions BEGIN "
                   f"INSERT INTO knowledge_fts(rowid, {_FTS_COLUMNS}) VALUES ({_FTS_VALUES}); END")
        op.execute("CREATE TRIGGER knowledge_fts_update AFTER UPDATE OF title, tags_text, body ON knowledge_revisions "
                   "BEGIN DELETE FROM knowledge_fts WHERE rowid = old.id; "
                   f"INSERT INTO knowledge_fts(rowid, {_FTS_COLUMNS}) VALUES ({_FTS_VALUES}); END")
        op.execute("CREATE TRIGGER knowledge_fts_delete AFTER DELETE ON knowledge_revisions BEGIN "
                   "DELETE FROM knowledge_fts WHERE rowid = old.id; END")
    elif dialect == "postgresql":
        # pg_trgm is a trusted extension (PostgreSQL >= 13): the database owner may create it
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_knowledge_revisions_trgm ON knowledge_revisions "
                   "USING gin (search_text gin_trgm_ops)")
        # the title alone (the search looks for title hits first)
        op.execute("CREATE INDEX ix_knowledge_revisions_title_trgm ON knowledge_revisions "
                   "USING gin (lower(title) gin_trgm_ops)")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("knowledge_fts_insert", "knowledge_fts_update", "knowledge_fts_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS knowledge_fts")
    elif dialect == "postgresql":
        # the pg_trgm extension stays: other schemas of the database may use it
        op.execute("DROP INDEX IF EXISTS ix_knowledge_revisions_title_trgm")
        op.execute("DROP INDEX IF EXISTS ix_knowledge_revisions_trgm")
    op.drop_table("knowledge_uses")
    op.drop_table("knowledge_targets")
    op.drop_table("knowledge_revisions")
    op.drop_table("knowledge_documents")
    op.drop_table("knowledge_entries")
