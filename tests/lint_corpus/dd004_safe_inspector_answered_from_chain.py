# expect: none
"""An inspector-guarded change: the inspector is answered from the chain offline."""
import sqlalchemy as sa
from alembic import op

revision = "c004u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    inspector = sa.inspect(op.get_bind())
    if "note" not in [c["name"] for c in inspector.get_columns("invoices")]:
        op.add_column("invoices", sa.Column("note", sa.Text()))


def downgrade():
    op.drop_column("invoices", "note")
