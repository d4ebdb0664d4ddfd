# label: unsafe -- renaming a column breaks the running release
"""rename total

Revision ID: shop14
Revises: shop13
"""

import sqlalchemy as sa
from alembic import op

revision = "shop14"
down_revision = "shop13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("orders", "total", new_column_name="amount", existing_type=sa.Numeric(10, 2))


def downgrade() -> None:
    op.alter_column("orders", "amount", new_column_name="total", existing_type=sa.Numeric(10, 2))
