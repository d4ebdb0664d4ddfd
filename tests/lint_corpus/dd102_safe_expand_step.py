# expect: none
"""Expand step: the new column arrives next to the old one."""
import sqlalchemy as sa
from alembic import op

revision = "c102s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("users", sa.Column("display_name", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("users", "display_name")
