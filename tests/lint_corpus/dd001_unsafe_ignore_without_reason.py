# expect: DD001,DD102
"""An ignore without a reason is not honoured: the drop is still reported."""
import sqlalchemy as sa
from alembic import op

revision = "c001u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.drop_column("invoices", "legacy_code")  # devdb: ignore[DD102]


def downgrade():
    op.add_column("invoices", sa.Column("legacy_code", sa.Text()))
