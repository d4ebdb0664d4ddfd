# expect: DD110
"""A reviewed initial schema: everything is new, so lock rules do not apply; the
sensitive tables still get the data safety checklist."""
import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision = "cmix1"
down_revision = None


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("email", sa.Text(), nullable=False),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("embedding", Vector(384)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_documents_owner_id_users"),
    )
    op.create_index("ix_documents_owner_id", "documents", ["owner_id"])
    op.create_index(
        "ix_documents_embedding",
        "documents",
        ["embedding"],
        postgresql_using="hnsw",
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.create_table(
        "document_permissions",
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False, server_default="viewer"),
        sa.PrimaryKeyConstraint("document_id", "user_id", name="pk_document_permissions"),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name="fk_dp_document"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_dp_user"),
    )
    op.create_index("ix_document_permissions_user_id", "document_permissions", ["user_id"])


def downgrade():
    op.drop_table("document_permissions")
    op.drop_table("documents")
    op.drop_table("users")
    op.execute("DROP EXTENSION IF EXISTS vector")
