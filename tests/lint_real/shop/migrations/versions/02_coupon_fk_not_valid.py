# label: safe -- new table, nullable column, FK added NOT VALID
"""coupon fk not valid

Revision ID: shop02
Revises: shop01
"""

import sqlalchemy as sa
from alembic import op

revision = "shop02"
down_revision = "shop01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coupons", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("code", sa.Text())
    )
    op.add_column("orders", sa.Column("coupon_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        "fk_orders_coupon_id", "orders", "coupons", ["coupon_id"], ["id"], postgresql_not_valid=True
    )


def downgrade() -> None:
    op.drop_constraint("fk_orders_coupon_id", "orders", type_="foreignkey")
    op.drop_column("orders", "coupon_id")
    op.drop_table("coupons")
