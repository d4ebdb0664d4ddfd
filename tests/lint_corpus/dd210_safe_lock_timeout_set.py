# expect: none
import sqlalchemy as sa
from alembic import op

revision = "c210s"
down_revision = None


def upgrade():
    op.execute("SELECT set_config('lock_timeout', '3s', true)")
    op.add_column("users", sa.Column("bio", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("users", "bio")
