# expect: DD110,DD114
import sqlalchemy as sa
from alembic import op

revision = "c114u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("documents", sa.Column("position", sa.Integer(), nullable=True))


def downgrade():
    op.drop_column("documents", "position")
