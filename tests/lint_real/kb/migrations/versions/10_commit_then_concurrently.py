# label: safe -- COMMIT ends the migration transaction before CONCURRENTLY
"""commit then concurrently

Revision ID: kb10
Revises: kb09
"""

from alembic import op

revision = "kb10"
down_revision = "kb09"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("COMMIT")
    op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_documents_title ON documents (title)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_documents_title")
