# expect: DD205
from alembic import op

revision = "c205u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.drop_index("ix_orders_status", table_name="orders")


def downgrade():
    op.create_index("ix_orders_status", "orders", ["status"])
