# label: unsafe -- guarded by a pg_indexes query, still a plain build on contacts
"""idempotent index pg indexes

Revision ID: crm13
Revises: crm12
"""

import sqlalchemy as sa
from alembic import op

revision = "crm13"
down_revision = "crm12"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    found = conn.execute(
        sa.text("SELECT 1 FROM pg_indexes WHERE tablename = 'contacts' AND indexname = :name"),
        {"name": "ix_contacts_account_id"},
    ).first()
    if found is None:
        op.create_index("ix_contacts_account_id", "contacts", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_contacts_account_id", table_name="contacts")
