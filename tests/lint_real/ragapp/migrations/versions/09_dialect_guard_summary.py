# label: safe -- dialect guard then a nullable column
"""dialect guard summary

Revision ID: raga09
Revises: raga08
"""

import sqlalchemy as sa
from alembic import op

revision = "raga09"
down_revision = "raga08"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.add_column("documents", sa.Column("summary", sa.Text()))


def downgrade() -> None:
    op.drop_column("documents", "summary")
