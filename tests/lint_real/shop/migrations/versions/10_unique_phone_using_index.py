# label: safe -- unique index built concurrently, then attached
"""unique phone using index

Revision ID: shop10
Revises: shop09
"""

from alembic import op

revision = "shop10"
down_revision = "shop09"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index(
            "uq_customers_phone_idx",
            "customers",
            ["phone"],
            unique=True,
            postgresql_concurrently=True,
        )
    op.execute(
        "ALTER TABLE customers ADD CONSTRAINT uq_customers_phone UNIQUE USING INDEX uq_customers_phone_idx"
    )


def downgrade() -> None:
    op.drop_constraint("uq_customers_phone", "customers", type_="unique")
