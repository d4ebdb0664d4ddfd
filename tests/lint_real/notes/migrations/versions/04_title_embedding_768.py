# label: safe -- nullable vector column with the configured dimension
"""title embedding 768

Revision ID: note04
Revises: note03
"""

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision = "note04"
down_revision = "note03"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notes", sa.Column("title_embedding", Vector(768), nullable=True))


def downgrade() -> None:
    op.drop_column("notes", "title_embedding")
