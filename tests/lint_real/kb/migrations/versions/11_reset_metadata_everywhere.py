# label: unsafe -- unbounded UPDATE through the connection
"""reset metadata everywhere

Revision ID: kb11
Revises: kb10
"""

import sqlalchemy as sa
from alembic import op

revision = "kb11"
down_revision = "kb10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE documents SET metadata = '{}'::jsonb"))


def downgrade() -> None:
    pass  # data only
