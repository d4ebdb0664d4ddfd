# label: safe -- changing a default is catalog-only
"""phone default

Revision ID: crm07
Revises: crm06
"""

import sqlalchemy as sa
from alembic import op

revision = "crm07"
down_revision = "crm06"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("contacts", "phone", server_default="", existing_type=sa.String(40))


def downgrade() -> None:
    op.alter_column("contacts", "phone", server_default=None, existing_type=sa.String(40))
