# expect: none
import sqlalchemy as sa
from alembic import op

revision = "c108s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("invoices", sa.Column("paid_at", sa.DateTime(timezone=True)))


def downgrade():
    op.drop_column("invoices", "paid_at")
