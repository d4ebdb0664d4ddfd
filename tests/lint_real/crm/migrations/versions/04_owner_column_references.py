# label: unsafe -- new column with REFERENCES validates against accounts under lock
"""owner column references

Revision ID: crm04
Revises: crm03
"""

import sqlalchemy as sa
from alembic import op

revision = "crm04"
down_revision = "crm03"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "contacts",
        sa.Column("owner_account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("contacts", "owner_account_id")
