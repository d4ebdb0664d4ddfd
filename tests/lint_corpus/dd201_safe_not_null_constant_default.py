# expect: none
"""A constant default: PostgreSQL 11+ adds this without rewriting the table."""
import sqlalchemy as sa
from alembic import op

revision = "c201s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column(
        "accounts",
        sa.Column("currency", sa.String(length=3), nullable=False, server_default="EUR"),
    )


def downgrade():
    op.drop_column("accounts", "currency")
