# label: unsafe -- NOT NULL without default fails on a table with rows
"""tenant not null

Revision ID: raga06
Revises: raga05
"""

import sqlalchemy as sa
from alembic import op

revision = "raga06"
down_revision = "raga05"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("tenant_id", sa.Integer(), nullable=False))


def downgrade() -> None:
    op.drop_column("documents", "tenant_id")
