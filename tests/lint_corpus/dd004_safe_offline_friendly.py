# expect: none
import sqlalchemy as sa
from alembic import op

revision = "c004s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.execute("ALTER TABLE invoices ADD COLUMN IF NOT EXISTS note text")


def downgrade():
    op.drop_column("invoices", "note")
