# label: safe -- HNSW built concurrently in an autocommit block
"""hnsw concurrently

Revision ID: raga04
Revises: raga03
"""

from alembic import op

revision = "raga04"
down_revision = "raga03"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_chunks_embedding_l2 "
            "ON chunks USING hnsw (embedding vector_l2_ops)"
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_chunks_embedding_l2")
