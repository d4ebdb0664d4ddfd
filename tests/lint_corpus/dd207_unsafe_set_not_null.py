# expect: DD207
import sqlalchemy as sa
from alembic import op

revision = "c207u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.alter_column("orders", "user_id", existing_type=sa.Integer(), nullable=False)


def downgrade():
    op.alter_column("orders", "user_id", existing_type=sa.Integer(), nullable=True)
