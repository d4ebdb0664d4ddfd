# expect: DD402
from alembic import op

revision = "c402u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.create_foreign_key(
        None, "orders", "users", ["user_id"], ["id"], postgresql_not_valid=True
    )


def downgrade():
    op.drop_constraint(None, "orders", type_="foreignkey")
