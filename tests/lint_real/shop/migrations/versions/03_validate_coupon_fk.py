# label: safe -- VALIDATE CONSTRAINT keeps reads and writes going
"""validate coupon fk

Revision ID: shop03
Revises: shop02
"""

from alembic import op

revision = "shop03"
down_revision = "shop02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_coupon_id")


def downgrade() -> None:
    pass  # validation cannot be undone and needs no undo
