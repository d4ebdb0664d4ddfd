# expect: DD204
from alembic import op

revision = "c204u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.create_index("ix_orders_created_at", "orders", ["created_at"])


def downgrade():
    op.drop_index("ix_orders_created_at", table_name="orders")
