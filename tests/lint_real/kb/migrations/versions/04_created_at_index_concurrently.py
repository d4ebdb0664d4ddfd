# label: safe -- concurrent index with more build memory
"""created at index concurrently

Revision ID: kb04
Revises: kb03
"""

from alembic import op

revision = "kb04"
down_revision = "kb03"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("SET maintenance_work_mem = '256MB'")
        op.create_index(
            "ix_documents_created_at", "documents", ["created_at"], postgresql_concurrently=True
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index(
            "ix_documents_created_at", table_name="documents", postgresql_concurrently=True
        )
