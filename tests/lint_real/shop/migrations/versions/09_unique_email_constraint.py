# label: unsafe -- UNIQUE constraint builds its index under lock
"""unique email constraint

Revision ID: shop09
Revises: shop08
"""

from alembic import op

revision = "shop09"
down_revision = "shop08"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_unique_constraint("uq_customers_email", "customers", ["email"])


def downgrade() -> None:
    op.drop_constraint("uq_customers_email", "customers", type_="unique")
