# label: unsafe -- one UPDATE over every document row
"""unbounded backfill

Revision ID: raga15
Revises: raga14
"""

import sqlalchemy as sa
from alembic import op

revision = "raga15"
down_revision = "raga14"
branch_labels = None
depends_on = None


def upgrade() -> None:
    documents = sa.table("documents", sa.column("language", sa.String))
    op.execute(documents.update().values(language="en"))


def downgrade() -> None:
    pass  # data only: nothing to undo
