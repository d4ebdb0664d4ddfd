# expect: DD303
from alembic import op

revision = "c303u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.create_index(
        "ix_chunks_embedding_hnsw",
        "chunks",
        ["embedding"],
        postgresql_using="hnsw",
        postgresql_with={"m": 16, "ef_construction": 64},
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )


def downgrade():
    op.drop_index("ix_chunks_embedding_hnsw", table_name="chunks")
