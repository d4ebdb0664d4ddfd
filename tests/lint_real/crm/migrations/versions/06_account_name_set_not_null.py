# label: unsafe -- SET NOT NULL scans contacts under lock
"""account name set not null

Revision ID: crm06
Revises: crm05
"""

import sqlalchemy as sa
from alembic import op

revision = "crm06"
down_revision = "crm05"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("contacts", "email", existing_type=sa.String(200), nullable=False)


def downgrade() -> None:
    op.alter_column("contacts", "email", existing_type=sa.String(200), nullable=True)
