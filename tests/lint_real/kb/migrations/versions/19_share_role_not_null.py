# label: unsafe -- NOT NULL without default on existing document_shares
"""share role not null

Revision ID: kb19
Revises: kb18
"""

import sqlalchemy as sa
from alembic import op

revision = "kb19"
down_revision = "kb18"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("document_shares", sa.Column("role", sa.String(20), nullable=False))


def downgrade() -> None:
    op.drop_column("document_shares", "role")
