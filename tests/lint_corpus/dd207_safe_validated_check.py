# expect: none
"""The validated CHECK proves no NULLs, so SET NOT NULL skips its full-table scan."""
import sqlalchemy as sa
from alembic import op

revision = "c207s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.create_check_constraint(
        "ck_orders_user_id_not_null",
        "orders",
        "user_id IS NOT NULL",
        postgresql_not_valid=True,
    )
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_user_id_not_null")
    op.alter_column("orders", "user_id", existing_type=sa.Integer(), nullable=False)
    op.drop_constraint("ck_orders_user_id_not_null", "orders", type_="check")


def downgrade():
    op.alter_column("orders", "user_id", existing_type=sa.Integer(), nullable=True)
