# label: safe -- creating an extension locks no table
"""trigram extension

Revision ID: note12
Revises: note11
"""

from alembic import op

revision = "note12"
down_revision = "note11"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


def downgrade() -> None:
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
