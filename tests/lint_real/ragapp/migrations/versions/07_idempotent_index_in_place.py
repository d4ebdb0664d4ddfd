# label: unsafe -- inspector-guarded but the index build is plain on an existing table
"""idempotent index in place

Revision ID: raga07
Revises: raga06
"""

from alembic import op
from sqlalchemy import inspect

revision = "raga07"
down_revision = "raga06"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = inspect(op.get_bind())
    if "documents" in inspector.get_table_names():
        names = [ix["name"] for ix in inspector.get_indexes("documents")]
        if "ix_documents_title" not in names:
            op.create_index("ix_documents_title", "documents", ["title"])


def downgrade() -> None:
    op.drop_index("ix_documents_title", table_name="documents")
