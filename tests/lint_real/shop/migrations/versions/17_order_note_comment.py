# label: safe -- column comment and default change are catalog-only
"""order note comment

Revision ID: shop17
Revises: shop16
"""

import sqlalchemy as sa
from alembic import op

revision = "shop17"
down_revision = "shop16"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("note", sa.Text(), nullable=True, comment="free text"))
    op.alter_column("orders", "status", server_default="paid", existing_nullable=False)


def downgrade() -> None:
    op.drop_column("orders", "note")
