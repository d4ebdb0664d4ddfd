# label: unsafe -- SET NOT NULL scans customers under an exclusive lock
"""batch email not null

Revision ID: shop08
Revises: shop07
"""

import sqlalchemy as sa
from alembic import op

revision = "shop08"
down_revision = "shop07"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(200), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(200), nullable=True)
