# label: safe -- new table with its index and key in the same file
"""feedback table

Revision ID: raga12
Revises: raga11
"""

import sqlalchemy as sa
from alembic import op

revision = "raga12"
down_revision = "raga11"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("chunk_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
    )
    op.create_foreign_key("fk_feedback_chunk_id", "feedback", "chunks", ["chunk_id"], ["id"])
    op.create_index("ix_feedback_chunk_id", "feedback", ["chunk_id"])


def downgrade() -> None:
    op.drop_table("feedback")
