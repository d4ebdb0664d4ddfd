# label: unsafe -- unbounded DELETE over contacts
"""contacts delete all

Revision ID: crm11
Revises: crm10
"""

from alembic import op

revision = "crm11"
down_revision = "crm10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM contacts")


def downgrade() -> None:
    pass  # data removed: restore from backup
