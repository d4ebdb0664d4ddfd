# expect: none
"""A loop over tables running DDL is not a backfill: no progress output needed."""
from alembic import op

revision = "c112d"
down_revision = None

AUDITED = ("invoices", "orders", "payments")


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    for table in AUDITED:
        op.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS audited_at timestamptz")


def downgrade():
    for table in AUDITED:
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS audited_at")
