# label: unsafe -- vector(1536) but the project embeds with 1024 dimensions
"""second embedding wrong dim

Revision ID: raga10
Revises: raga09
"""

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision = "raga10"
down_revision = "raga09"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("chunks", sa.Column("embedding_v2", Vector(1536), nullable=True))


def downgrade() -> None:
    op.drop_column("chunks", "embedding_v2")
