# expect: DD301
import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision = "c301u"
down_revision = None


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "chunks",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("embedding", Vector(1536), nullable=False),
    )


def downgrade():
    op.drop_table("chunks")
