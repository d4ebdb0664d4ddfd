# expect: DD005
from alembic import op

revision = "c005u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.execute("ALTER TABLE invoices ADD COLUM note text")


def downgrade():
    op.execute("ALTER TABLE invoices DROP COLUMN note")
