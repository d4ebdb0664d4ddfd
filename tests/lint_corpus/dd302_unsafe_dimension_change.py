# expect: DD301,DD302
from alembic import op
from pgvector.sqlalchemy import Vector

revision = "c302u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.alter_column("chunks", "embedding", type_=Vector(768), existing_type=Vector(384))


def downgrade():
    op.alter_column("chunks", "embedding", type_=Vector(384), existing_type=Vector(768))
