# expect: none
from alembic import op

revision = "c204s"
down_revision = None


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_orders_created_at", "orders", ["created_at"], postgresql_concurrently=True
        )


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index("ix_orders_created_at", table_name="orders", postgresql_concurrently=True)
