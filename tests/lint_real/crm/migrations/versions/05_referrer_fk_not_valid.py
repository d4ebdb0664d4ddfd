# label: safe -- nullable column, FK NOT VALID, validated in the same file
"""referrer fk not valid

Revision ID: crm05
Revises: crm04
"""

import sqlalchemy as sa
from alembic import op

revision = "crm05"
down_revision = "crm04"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("contacts", sa.Column("referrer_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        "fk_contacts_referrer",
        "contacts",
        "contacts",
        ["referrer_id"],
        ["id"],
        postgresql_not_valid=True,
    )
    op.execute("ALTER TABLE contacts VALIDATE CONSTRAINT fk_contacts_referrer")


def downgrade() -> None:
    op.drop_constraint("fk_contacts_referrer", "contacts", type_="foreignkey")
    op.drop_column("contacts", "referrer_id")
