# expect: DD201
import sqlalchemy as sa
from alembic import op

revision = "c201u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("accounts", sa.Column("currency", sa.String(length=3), nullable=False))


def downgrade():
    op.drop_column("accounts", "currency")
