# label: safe -- nullable column add is catalog-only
"""add source url

Revision ID: raga02
Revises: raga01
"""

import sqlalchemy as sa
from alembic import op

revision = "raga02"
down_revision = "raga01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("chunks", sa.Column("source_url", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("chunks", "source_url")
