# label: safe -- concurrent index build
"""phone index concurrently

Revision ID: crm03
Revises: crm02
"""

from alembic import op

revision = "crm03"
down_revision = "crm02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index("ix_contacts_phone", "contacts", ["phone"], postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_contacts_phone", table_name="contacts", postgresql_concurrently=True)
