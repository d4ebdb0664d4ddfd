# label: safe -- NOT NULL with a constant jsonb default
"""metadata jsonb default

Revision ID: kb02
Revises: kb01
"""

import sqlalchemy as sa
from alembic import op

revision = "kb02"
down_revision = "kb01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "documents",
        sa.Column(
            "metadata",
            sa.dialects.postgresql.JSONB(),
            nullable=False,
            server_default=sa.text("'{}'::jsonb"),
        ),
    )


def downgrade() -> None:
    op.drop_column("documents", "metadata")
