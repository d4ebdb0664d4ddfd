# expect: DD206
from alembic import op

revision = "c206u"
down_revision = None


def upgrade():
    op.create_index(
        "ix_orders_user_id", "orders", ["user_id"], postgresql_concurrently=True
    )


def downgrade():
    op.drop_index("ix_orders_user_id", table_name="orders")
