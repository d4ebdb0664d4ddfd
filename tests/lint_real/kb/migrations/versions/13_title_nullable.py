# label: safe -- DROP NOT NULL is catalog-only
"""title nullable

Revision ID: kb13
Revises: kb12
"""

import sqlalchemy as sa
from alembic import op

revision = "kb13"
down_revision = "kb12"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("documents", "title", existing_type=sa.Text(), nullable=True)


def downgrade() -> None:
    op.alter_column("documents", "title", existing_type=sa.Text(), nullable=False)
