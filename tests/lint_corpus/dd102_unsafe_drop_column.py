# expect: DD102
import sqlalchemy as sa
from alembic import op

revision = "c102u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.drop_column("users", "nickname")


def downgrade():
    op.add_column("users", sa.Column("nickname", sa.Text()))
