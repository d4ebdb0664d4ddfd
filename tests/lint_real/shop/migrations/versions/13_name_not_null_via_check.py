# label: safe -- NOT NULL proven by a validated CHECK first
"""name not null via check

Revision ID: shop13
Revises: shop12
"""

import sqlalchemy as sa
from alembic import op

revision = "shop13"
down_revision = "shop12"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE customers ADD CONSTRAINT ck_customers_name_nn CHECK (name IS NOT NULL) NOT VALID"
    )
    op.execute("ALTER TABLE customers VALIDATE CONSTRAINT ck_customers_name_nn")
    op.alter_column("customers", "name", existing_type=sa.String(200), nullable=False)
    op.drop_constraint("ck_customers_name_nn", "customers", type_="check")


def downgrade() -> None:
    op.alter_column("customers", "name", existing_type=sa.String(200), nullable=True)
