# expect: DD402
from alembic import op

revision = "c402d"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.drop_constraint(op.f(None), "orders", type_="unique")


def downgrade():
    op.create_unique_constraint("uq_orders_number", "orders", ["number"])
