# label: safe -- HNSW built on a table created in this migration
"""images table with hnsw

Revision ID: raga16
Revises: raga15
"""

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision = "raga16"
down_revision = "raga15"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "images",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("embedding", Vector(1024), nullable=False),
    )
    op.execute(
        "CREATE INDEX ix_images_embedding ON images USING hnsw (embedding vector_cosine_ops)"
    )


def downgrade() -> None:
    op.drop_table("images")
