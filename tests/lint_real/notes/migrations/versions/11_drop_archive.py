# label: unsafe -- drops a table with data
"""drop archive

Revision ID: note11
Revises: note10
"""

import sqlalchemy as sa
from alembic import op

revision = "note11"
down_revision = "note10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("notes_archive")


def downgrade() -> None:
    op.create_table(
        "notes_archive",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("body", sa.Text()),
    )
