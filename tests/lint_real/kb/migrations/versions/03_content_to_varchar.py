# label: unsafe -- text to varchar(1000) scans every row under lock and can fail
"""content to varchar

Revision ID: kb03
Revises: kb02
"""

import sqlalchemy as sa
from alembic import op

revision = "kb03"
down_revision = "kb02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("documents", "content", type_=sa.String(1000), existing_type=sa.Text())


def downgrade() -> None:
    op.alter_column("documents", "content", type_=sa.Text(), existing_type=sa.String(1000))
