# label: unsafe -- GIN index built in place on existing notes
"""trigram index in place

Revision ID: note13
Revises: note12
"""

from alembic import op

revision = "note13"
down_revision = "note12"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_notes_body_trgm",
        "notes",
        ["body"],
        postgresql_using="gin",
        postgresql_ops={"body": "gin_trgm_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_notes_body_trgm", table_name="notes")
