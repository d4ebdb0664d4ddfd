# expect: DD208
import sqlalchemy as sa
from alembic import op

revision = "c208u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.alter_column("events", "id", type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade():
    op.alter_column("events", "id", type_=sa.Integer(), existing_type=sa.BigInteger())
