"""trigram GIN index on documents.title, raw SQL

Revision ID: 0007
Revises: 0006
Create Date: 2026-04-07 09:00:00

For title search with ILIKE '%word%' / similarity(). Raw SQL for the gin_trgm_ops operator
class; ignored by autogenerate through env.py's include_object, like the HNSW index.

The pg_trgm extension is ensured in the migration's transaction, the index is then built
CONCURRENTLY outside it. Downgrade drops the index and, like 0002 with `vector`, leaves the
extension installed (it may predate this migration and other objects may use it).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.get_context().autocommit_block():
        op.execute(
            "CREATE INDEX CONCURRENTLY ix_documents_title_trgm "
            "ON documents USING gin (title gin_trgm_ops)"
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_documents_title_trgm")
