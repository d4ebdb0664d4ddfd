# label: safe -- initial schema
"""initial

Revision ID: shop01
Revises: None
"""

import sqlalchemy as sa
from alembic import op

revision = "shop01"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    order_status = sa.Enum("pending", "paid", name="order_status")
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(200)),
        sa.Column("name", sa.String(100)),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("customer_ref", sa.Integer()),
        sa.Column("status", order_status, nullable=False, server_default="pending"),
        sa.Column("total", sa.Numeric(10, 2), nullable=False),
    )
    op.create_index("ix_orders_customer_id", "orders", ["customer_id"])


def downgrade() -> None:
    op.drop_table("orders")
    op.drop_table("customers")
    op.execute("DROP TYPE order_status")
