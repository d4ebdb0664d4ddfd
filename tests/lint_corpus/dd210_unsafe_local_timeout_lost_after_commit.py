# expect: DD210
"""SET LOCAL ends with the transaction; the autocommit block commits it."""
import sqlalchemy as sa
from alembic import op

revision = "c210l"
down_revision = None


def upgrade():
    op.execute("SET LOCAL lock_timeout = '5s'")
    with op.get_context().autocommit_block():
        op.create_index("ix_users_bio", "users", ["bio"], postgresql_concurrently=True)
    op.add_column("users", sa.Column("avatar_url", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("users", "avatar_url")
    op.drop_index("ix_users_bio", table_name="users")
