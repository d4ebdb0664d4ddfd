# expect: DD108
import sqlalchemy as sa
from alembic import op

revision = "c108u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("invoices", sa.Column("paid_at", sa.DateTime(timezone=True)))
