# label: safe -- IVFFlat built concurrently outside the transaction
"""ivfflat concurrently

Revision ID: note03
Revises: note02
"""

from alembic import op

revision = "note03"
down_revision = "note02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("SET maintenance_work_mem = '512MB'")
        op.execute(
            "CREATE INDEX CONCURRENTLY ix_notes_embedding_ip ON notes "
            "USING ivfflat (embedding vector_ip_ops) WITH (lists = 100)"
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_notes_embedding_ip")
