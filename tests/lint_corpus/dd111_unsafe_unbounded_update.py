# expect: DD111
from alembic import op

revision = "c111u"
down_revision = None


def upgrade():
    op.execute("UPDATE invoices SET archived = false")


def downgrade():
    pass  # the flag is harmless to keep
