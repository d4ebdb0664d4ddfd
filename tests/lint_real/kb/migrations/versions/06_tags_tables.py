# label: safe -- new tables referencing documents
"""tags tables

Revision ID: kb06
Revises: kb05
"""

import sqlalchemy as sa
from alembic import op

revision = "kb06"
down_revision = "kb05"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.Text(), unique=True),
    )
    op.create_table(
        "document_tags",
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("tag_id", sa.Integer(), sa.ForeignKey("tags.id"), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("document_tags")
    op.drop_table("tags")
