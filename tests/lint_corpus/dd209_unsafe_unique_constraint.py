# expect: DD209
from alembic import op

revision = "c209u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.create_unique_constraint("uq_users_email", "users", ["email"])


def downgrade():
    op.drop_constraint("uq_users_email", "users", type_="unique")
