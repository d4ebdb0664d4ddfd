# label: unsafe -- an identity column rewrites documents
"""identity column

Revision ID: kb05
Revises: kb04
"""

import sqlalchemy as sa
from alembic import op

revision = "kb05"
down_revision = "kb04"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False))


def downgrade() -> None:
    op.drop_column("documents", "seq")
