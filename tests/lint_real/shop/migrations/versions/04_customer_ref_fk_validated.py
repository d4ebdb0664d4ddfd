# label: unsafe -- FK validated in place scans orders under lock
"""customer ref fk validated

Revision ID: shop04
Revises: shop03
"""

from alembic import op

revision = "shop04"
down_revision = "shop03"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_foreign_key("fk_orders_customer_ref", "orders", "customers", ["customer_ref"], ["id"])


def downgrade() -> None:
    op.drop_constraint("fk_orders_customer_ref", "orders", type_="foreignkey")
