# expect: none
"""Renaming an index is invisible to app code."""
from alembic import op

revision = "c103s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.execute("ALTER INDEX ix_user_email RENAME TO ix_users_email")


def downgrade():
    op.execute("ALTER INDEX ix_users_email RENAME TO ix_user_email")
