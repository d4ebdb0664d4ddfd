# expect: none
from alembic import op

revision = "c206s"
down_revision = None


def upgrade():
    with op.get_context().autocommit_block():
        op.execute("CREATE UNIQUE INDEX CONCURRENTLY ix_orders_number ON orders (number)")


def downgrade():
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY ix_orders_number")
