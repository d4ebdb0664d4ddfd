# label: unsafe -- HNSW build on existing chunks without CONCURRENTLY blocks writes
"""hnsw in place

Revision ID: raga03
Revises: raga02
"""

from alembic import op

revision = "raga03"
down_revision = "raga02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_chunks_embedding_cos ON chunks USING hnsw (embedding vector_cosine_ops) "
        "WITH (m = 16, ef_construction = 64)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_chunks_embedding_cos")
