# expect: none
import sqlalchemy as sa
from alembic import op

revision = "c002s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.drop_column("invoices", "legacy_code")  # devdb: ignore[DD102] column unused since r41


def downgrade():
    op.add_column("invoices", sa.Column("legacy_code", sa.Text()))
