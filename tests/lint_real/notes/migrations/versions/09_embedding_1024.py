# label: unsafe -- changes the vector dimension of stored embeddings
"""embedding 1024

Revision ID: note09
Revises: note08
"""

from alembic import op
from pgvector.sqlalchemy import Vector

revision = "note09"
down_revision = "note08"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("notes", "embedding", type_=Vector(1024), existing_type=Vector(768))


def downgrade() -> None:
    op.alter_column("notes", "embedding", type_=Vector(768), existing_type=Vector(1024))
