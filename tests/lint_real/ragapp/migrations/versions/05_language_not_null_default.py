# label: safe -- NOT NULL with a constant default is instant on PG11+
"""language not null default

Revision ID: raga05
Revises: raga04
"""

import sqlalchemy as sa
from alembic import op

revision = "raga05"
down_revision = "raga04"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "documents",
        sa.Column("language", sa.String(8), nullable=False, server_default="en"),
    )


def downgrade() -> None:
    op.drop_column("documents", "language")
