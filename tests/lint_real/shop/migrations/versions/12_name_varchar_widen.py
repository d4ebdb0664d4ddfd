# label: safe -- varchar(100) to varchar(200) is catalog-only
"""name varchar widen

Revision ID: shop12
Revises: shop11
"""

import sqlalchemy as sa
from alembic import op

revision = "shop12"
down_revision = "shop11"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("customers", "name", type_=sa.String(200), existing_type=sa.String(100))


def downgrade() -> None:
    op.alter_column("customers", "name", type_=sa.String(100), existing_type=sa.String(200))
