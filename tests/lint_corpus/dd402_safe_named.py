# expect: none
from alembic import op

revision = "c402s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.create_foreign_key(
        op.f("fk_orders_user_id_users"),
        "orders",
        "users",
        ["user_id"],
        ["id"],
        postgresql_not_valid=True,
    )


def downgrade():
    op.drop_constraint(op.f("fk_orders_user_id_users"), "orders", type_="foreignkey")
