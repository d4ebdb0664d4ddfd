# label: safe -- index dropped concurrently
"""drop customer index concurrently

Revision ID: shop16
Revises: shop15
"""

from alembic import op

revision = "shop16"
down_revision = "shop15"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_orders_customer_id", table_name="orders", postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_orders_customer_id", "orders", ["customer_id"], postgresql_concurrently=True
        )
