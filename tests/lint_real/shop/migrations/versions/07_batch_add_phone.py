# label: safe -- batch_alter_table adding a nullable column
"""batch add phone

Revision ID: shop07
Revises: shop06
"""

import sqlalchemy as sa
from alembic import op

revision = "shop07"
down_revision = "shop06"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch_op:
        batch_op.drop_column("phone")
