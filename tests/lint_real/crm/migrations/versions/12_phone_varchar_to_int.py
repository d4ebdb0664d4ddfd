# label: unsafe -- converting varchar to integer can fail and rewrites
"""phone varchar to int

Revision ID: crm12
Revises: crm11
"""

import sqlalchemy as sa
from alembic import op

revision = "crm12"
down_revision = "crm11"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column(
        "contacts",
        "phone",
        type_=sa.BigInteger(),
        existing_type=sa.String(40),
        postgresql_using="phone::bigint",
    )


def downgrade() -> None:
    op.alter_column("contacts", "phone", type_=sa.String(40), existing_type=sa.BigInteger())
