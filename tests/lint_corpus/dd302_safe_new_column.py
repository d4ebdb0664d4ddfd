# expect: none
"""Expand step for a model change: a new column, re-embedded by a job, switched later."""
import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision = "c302s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("chunks", sa.Column("embedding_v2", Vector(384), nullable=True))


def downgrade():
    op.drop_column("chunks", "embedding_v2")
