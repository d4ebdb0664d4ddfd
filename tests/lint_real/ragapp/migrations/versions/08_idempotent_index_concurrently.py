# label: safe -- inspector-guarded concurrent index build
"""idempotent index concurrently

Revision ID: raga08
Revises: raga07
"""

from alembic import op
from sqlalchemy import inspect

revision = "raga08"
down_revision = "raga07"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    names = {ix["name"] for ix in inspect(bind).get_indexes("chunks")}
    if "ix_chunks_source_url" not in names:
        with op.get_context().autocommit_block():
            op.create_index(
                "ix_chunks_source_url", "chunks", ["source_url"], postgresql_concurrently=True
            )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_chunks_source_url", table_name="chunks", postgresql_concurrently=True)
