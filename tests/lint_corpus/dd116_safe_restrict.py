# expect: DD110
import sqlalchemy as sa
from alembic import op

revision = "c116s"
down_revision = None


def upgrade():
    op.create_table(
        "document_comments",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "document_id",
            sa.BigInteger(),
            sa.ForeignKey("documents.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_document_comments_document_id", "document_comments", ["document_id"])


def downgrade():
    op.drop_index("ix_document_comments_document_id", table_name="document_comments")
    op.drop_table("document_comments")
