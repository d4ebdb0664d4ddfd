# expect: DD203
from alembic import op

revision = "c203u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.create_foreign_key("fk_orders_user_id_users", "orders", "users", ["user_id"], ["id"])


def downgrade():
    op.drop_constraint("fk_orders_user_id_users", "orders", type_="foreignkey")
