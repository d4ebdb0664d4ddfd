# expect: none
"""Batched backfill with progress output."""
import sqlalchemy as sa
from alembic import op

revision = "c111s"
down_revision = None

BATCH = sa.text(
    "UPDATE invoices SET archived = false "
    "WHERE id IN (SELECT id FROM invoices WHERE archived IS NULL LIMIT 5000)"
)


def upgrade():
    conn = op.get_bind()
    done = 0
    while True:
        result = conn.execute(BATCH)
        done += result.rowcount
        print(f"invoices.archived backfilled: {done} rows")
        if result.rowcount == 0:
            break


def downgrade():
    pass  # the flag is harmless to keep
