# label: safe -- idempotent raw DDL for a new table and its index
"""audit log if not exists

Revision ID: kb17
Revises: kb16
"""

from alembic import op

revision = "kb17"
down_revision = "kb16"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE IF NOT EXISTS audit_log (id bigserial PRIMARY KEY, at timestamptz NOT NULL, "
        "action text NOT NULL)"
    )
    op.execute("CREATE INDEX IF NOT EXISTS ix_audit_log_at ON audit_log (at)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS audit_log")
