# label: safe -- nullable vector column of the configured model's size
"""summary embedding default dim

Revision ID: kb20
Revises: kb19
"""

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision = "kb20"
down_revision = "kb19"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("summary_embedding", Vector(1536), nullable=True))


def downgrade() -> None:
    op.drop_column("documents", "summary_embedding")
