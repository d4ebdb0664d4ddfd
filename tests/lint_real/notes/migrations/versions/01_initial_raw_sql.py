# label: safe -- initial schema in raw SQL
"""initial raw sql

Revision ID: note01
Revises: None
"""

from alembic import op

revision = "note01"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.execute(
        """
        CREATE TABLE notes (
            id serial PRIMARY KEY,
            body text NOT NULL,
            score integer,
            embedding vector(768)
        )
        """
    )
    op.execute("CREATE TABLE notes_archive (id integer PRIMARY KEY, body text)")


def downgrade() -> None:
    op.execute("DROP TABLE notes_archive")
    op.execute("DROP TABLE notes")
