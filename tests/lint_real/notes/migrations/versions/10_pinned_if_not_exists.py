# label: safe -- raw DDL adding a nullable column
"""pinned if not exists

Revision ID: note10
Revises: note09
"""

from alembic import op

revision = "note10"
down_revision = "note09"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE notes ADD COLUMN IF NOT EXISTS pinned boolean")


def downgrade() -> None:
    op.execute("ALTER TABLE notes DROP COLUMN IF EXISTS pinned")
