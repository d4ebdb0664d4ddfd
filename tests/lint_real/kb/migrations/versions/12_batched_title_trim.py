# label: safe -- bounded batches (LIMIT 500 per statement)
"""batched title trim

Revision ID: kb12
Revises: kb11
"""

import sqlalchemy as sa
from alembic import op

revision = "kb12"
down_revision = "kb11"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    while True:
        done = conn.execute(
            sa.text(
                "UPDATE documents SET title = btrim(title) WHERE id IN "
                "(SELECT id FROM documents WHERE title <> btrim(title) LIMIT 500)"
            )
        )
        if done.rowcount == 0:
            break


def downgrade() -> None:
    pass  # data only
