# expect: DD002,DD102
"""A typo in the code ignores nothing."""
import sqlalchemy as sa
from alembic import op

revision = "c002u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.drop_column("invoices", "legacy_code")  # devdb: ignore[DD120] column unused since r41


def downgrade():
    op.add_column("invoices", sa.Column("legacy_code", sa.Text()))
