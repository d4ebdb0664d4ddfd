"""notes with an embedding"""

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("embedding", Vector(3)),
    )


def downgrade() -> None:
    op.drop_table("notes")
