# expect: DD103
from alembic import op

revision = "c103u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.alter_column("users", "name", new_column_name="full_name")


def downgrade():
    op.alter_column("users", "full_name", new_column_name="name")
