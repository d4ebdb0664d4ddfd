# expect: none
import sqlalchemy as sa
from alembic import op

revision = "c110s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("invoices", sa.Column("expires_on", sa.Date(), nullable=True))


def downgrade():
    op.drop_column("invoices", "expires_on")
