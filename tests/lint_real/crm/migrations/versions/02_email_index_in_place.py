# label: unsafe -- plain CREATE INDEX on existing contacts blocks writes
"""email index in place

Revision ID: crm02
Revises: crm01
"""

from alembic import op

revision = "crm02"
down_revision = "crm01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_contacts_email", "contacts", ["email"])


def downgrade() -> None:
    op.drop_index("ix_contacts_email", table_name="contacts")
