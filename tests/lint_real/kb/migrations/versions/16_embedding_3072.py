# label: unsafe -- vector(1536) to vector(3072) invalidates every embedding
"""embedding 3072

Revision ID: kb16
Revises: kb15
"""

from alembic import op

revision = "kb16"
down_revision = "kb15"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE documents ALTER COLUMN embedding TYPE vector(3072)")


def downgrade() -> None:
    op.execute("ALTER TABLE documents ALTER COLUMN embedding TYPE vector(1536)")
