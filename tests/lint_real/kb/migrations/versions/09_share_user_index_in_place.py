# label: unsafe -- plain index build on existing document_shares
"""share user index in place

Revision ID: kb09
Revises: kb08
"""

from alembic import op

revision = "kb09"
down_revision = "kb08"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_document_shares_user_id", "document_shares", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_document_shares_user_id", table_name="document_shares")
