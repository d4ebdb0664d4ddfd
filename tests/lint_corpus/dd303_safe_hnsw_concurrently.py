# expect: none
from alembic import op

revision = "c303s"
down_revision = None


def upgrade():
    op.execute("SET maintenance_work_mem = '1GB'")
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_chunks_embedding_hnsw",
            "chunks",
            ["embedding"],
            postgresql_using="hnsw",
            postgresql_with={"m": 16, "ef_construction": 64},
            postgresql_ops={"embedding": "vector_cosine_ops"},
            postgresql_concurrently=True,
        )


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index(
            "ix_chunks_embedding_hnsw", table_name="chunks", postgresql_concurrently=True
        )
