# expect: DD109
import sqlalchemy as sa
from alembic import op

revision = "c109u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("invoices", sa.Column("due_on", sa.Date()))


def downgrade():
    pass
