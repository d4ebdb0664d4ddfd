# expect: DD103
from alembic import op

revision = "c103t"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.rename_table("customer", "customers")


def downgrade():
    op.rename_table("customers", "customer")
