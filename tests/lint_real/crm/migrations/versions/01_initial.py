# label: safe -- initial schema
"""initial

Revision ID: crm01
Revises: None
"""

import sqlalchemy as sa
from alembic import op

revision = "crm01"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id")),
        sa.Column("email", sa.String(200)),
        sa.Column("phone", sa.String(40)),
    )


def downgrade() -> None:
    op.drop_table("contacts")
    op.drop_table("accounts")
