# label: unsafe -- drops a column the running release reads
"""batch drop created at

Revision ID: kb14
Revises: kb13
"""

import sqlalchemy as sa
from alembic import op

revision = "kb14"
down_revision = "kb13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch_op:
        batch_op.drop_index("ix_documents_created_at")
        batch_op.drop_column("created_at")


def downgrade() -> None:
    op.add_column("documents", sa.Column("created_at", sa.DateTime(timezone=True)))
