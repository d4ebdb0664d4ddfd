# label: unsafe -- vector(768) but the configured model returns 1536
"""summary embedding small

Revision ID: kb21
Revises: kb20
"""

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision = "kb21"
down_revision = "kb20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("document_tags", sa.Column("tag_embedding", Vector(768), nullable=True))


def downgrade() -> None:
    op.drop_column("document_tags", "tag_embedding")
