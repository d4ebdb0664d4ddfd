# expect: none
"""Index a halfvec cast: HNSW takes up to 4000 halfvec dimensions."""
import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision = "c304s"
down_revision = None


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "image_chunks",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        # devdb: ignore[DD301] image model (3072 dims), not the text embedding model
        sa.Column("embedding", Vector(3072), nullable=False),
    )
    op.execute(
        "CREATE INDEX ix_image_chunks_embedding ON image_chunks "
        "USING hnsw ((embedding::halfvec(3072)) halfvec_cosine_ops)"
    )


def downgrade():
    op.drop_table("image_chunks")
