"""HNSW index on documents.embedding (cosine), raw SQL

Revision ID: 0006
Revises: 0005
Create Date: 2026-04-06 09:00:00

Raw SQL because the index needs an operator class (vector_cosine_ops) matching the `<=>`
operator the search uses; it is not declared in models.py, and env.py's include_object
keeps autogenerate from proposing to drop it.

Built CONCURRENTLY (outside the migration's transaction, via autocommit_block) so writes
to documents continue while it builds. A failed concurrent build leaves an INVALID index
and the rerun stops at "already exists" (no IF NOT EXISTS on purpose: it would silently
keep the invalid index): drop the index and rerun. Downgrade drops only the index; search
still works (sequential scan), just slower.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute(
            "CREATE INDEX CONCURRENTLY ix_documents_embedding_hnsw "
            "ON documents USING hnsw (embedding vector_cosine_ops)"
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_documents_embedding_hnsw")
