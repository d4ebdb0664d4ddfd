# expect: DD304
import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision = "c304u"
down_revision = None


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "image_chunks",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        # devdb: ignore[DD301] image model (3072 dims), not the text embedding model
        sa.Column("embedding", Vector(3072), nullable=False),
    )
    op.create_index(
        "ix_image_chunks_embedding",
        "image_chunks",
        ["embedding"],
        postgresql_using="hnsw",
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )


def downgrade():
    op.drop_table("image_chunks")
