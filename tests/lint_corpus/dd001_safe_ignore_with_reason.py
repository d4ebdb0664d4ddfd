# expect: none
"""Contract step of an expand/migrate/contract: the ignore says why."""
import sqlalchemy as sa
from alembic import op

revision = "c001s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    # devdb: ignore[DD102] contract step: unused since release 41, backup verified
    op.drop_column("invoices", "legacy_code")


def downgrade():
    op.add_column("invoices", sa.Column("legacy_code", sa.Text()))
