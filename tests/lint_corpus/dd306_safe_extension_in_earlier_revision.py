# expect: none
import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision = "c306s"
down_revision = "c306base"


def upgrade():
    op.create_table(
        "passages",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("embedding", Vector(384)),
    )


def downgrade():
    op.drop_table("passages")
