# label: safe -- new table created, indexed and filled in one file
"""tags table and seed

Revision ID: crm10
Revises: crm09
"""

import sqlalchemy as sa
from alembic import op

revision = "crm10"
down_revision = "crm09"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("label", sa.String(40), nullable=False),
    )
    op.create_index("ix_tags_label", "tags", ["label"], unique=True)
    op.execute("INSERT INTO tags (id, label) VALUES (1, 'lead'), (2, 'customer')")
    op.execute("UPDATE tags SET label = lower(label)")


def downgrade() -> None:
    op.drop_table("tags")
