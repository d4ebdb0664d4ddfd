# expect: DD210
import sqlalchemy as sa
from alembic import op

revision = "c210u"
down_revision = None


def upgrade():
    op.add_column("users", sa.Column("bio", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("users", "bio")
