# expect: none
"""A document's chunks going with it is intended; nothing sensitive is deleted."""
import sqlalchemy as sa
from alembic import op

revision = "c116p"
down_revision = None


def upgrade():
    op.create_table(
        "chunks",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "document_id",
            sa.BigInteger(),
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index("ix_chunks_document_id", "chunks", ["document_id"])


def downgrade():
    op.drop_table("chunks")
