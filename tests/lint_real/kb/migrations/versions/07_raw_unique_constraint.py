# label: unsafe -- raw ADD CONSTRAINT UNIQUE builds an index under lock
"""raw unique constraint

Revision ID: kb07
Revises: kb06
"""

from alembic import op

revision = "kb07"
down_revision = "kb06"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE documents ADD CONSTRAINT uq_documents_title UNIQUE (title)")


def downgrade() -> None:
    op.execute("ALTER TABLE documents DROP CONSTRAINT uq_documents_title")
