# label: unsafe -- int to bigint rewrites orders and its indexes
"""orders id bigint

Revision ID: shop11
Revises: shop10
"""

import sqlalchemy as sa
from alembic import op

revision = "shop11"
down_revision = "shop10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("orders", "id", type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade() -> None:
    op.alter_column("orders", "id", type_=sa.Integer(), existing_type=sa.BigInteger())
