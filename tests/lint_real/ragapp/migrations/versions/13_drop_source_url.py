# label: unsafe -- drops a column the running release still reads
"""drop source url

Revision ID: raga13
Revises: raga12
"""

import sqlalchemy as sa
from alembic import op

revision = "raga13"
down_revision = "raga12"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_chunks_source_url", table_name="chunks")
    op.drop_column("chunks", "source_url")


def downgrade() -> None:
    op.add_column("chunks", sa.Column("source_url", sa.Text(), nullable=True))
