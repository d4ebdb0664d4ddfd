# label: safe -- new lookup table seeded with literal rows
"""shipping methods seed

Revision ID: shop15
Revises: shop14
"""

import sqlalchemy as sa
from alembic import op

revision = "shop15"
down_revision = "shop14"
branch_labels = None
depends_on = None


def upgrade() -> None:
    methods = op.create_table(
        "shipping_methods",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(20), nullable=False, unique=True),
    )
    op.bulk_insert(methods, [{"id": 1, "code": "post"}, {"id": 2, "code": "courier"}])


def downgrade() -> None:
    op.drop_table("shipping_methods")
