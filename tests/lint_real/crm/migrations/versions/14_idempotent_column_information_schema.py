# label: safe -- guarded by information_schema, adds a nullable column
"""idempotent column information schema

Revision ID: crm14
Revises: crm13
"""

import sqlalchemy as sa
from alembic import op

revision = "crm14"
down_revision = "crm13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    exists = conn.execute(
        sa.text(
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns "
            "WHERE table_name = 'contacts' AND column_name = 'notes')"
        )
    ).scalar()
    if not exists:
        op.add_column("contacts", sa.Column("notes", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("contacts", "notes")
