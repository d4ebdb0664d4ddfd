# label: unsafe -- renaming a table breaks the running release
"""rename accounts

Revision ID: crm08
Revises: crm07
"""

from alembic import op

revision = "crm08"
down_revision = "crm07"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.rename_table("accounts", "companies")


def downgrade() -> None:
    op.rename_table("companies", "accounts")
