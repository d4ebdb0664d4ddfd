# expect: none
from alembic import op

revision = "c209s"
down_revision = None


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index(
            "uq_users_email", "users", ["email"], unique=True, postgresql_concurrently=True
        )
    op.execute("SET lock_timeout = '5s'")
    op.execute("ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE USING INDEX uq_users_email")


def downgrade():
    op.drop_constraint("uq_users_email", "users", type_="unique")
