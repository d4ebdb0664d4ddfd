# label: unsafe -- IVFFlat built in place on existing notes
"""ivfflat in place

Revision ID: note02
Revises: note01
"""

from alembic import op

revision = "note02"
down_revision = "note01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_notes_embedding_ivf ON notes USING ivfflat (embedding vector_cosine_ops) "
        "WITH (lists = 100)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_notes_embedding_ivf")
