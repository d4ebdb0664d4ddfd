# label: safe -- ALTER TYPE ADD VALUE outside the transaction
"""enum add value

Revision ID: shop05
Revises: shop04
"""

from alembic import op

revision = "shop05"
down_revision = "shop04"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'")


def downgrade() -> None:
    pass  # PostgreSQL cannot drop an enum value; harmless to keep
