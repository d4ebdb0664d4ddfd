# expect: DD004
"""Importing the app from a migration: fails wherever the app is not importable."""
import sqlalchemy as sa
from alembic import op

from myapp.models import DEFAULT_PLAN

revision = "c004i"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("accounts", sa.Column("plan", sa.Text(), server_default=DEFAULT_PLAN))


def downgrade():
    op.drop_column("accounts", "plan")
