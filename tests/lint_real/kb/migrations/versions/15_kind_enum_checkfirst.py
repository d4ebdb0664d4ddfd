# label: safe -- enum type created, nullable column of it
"""kind enum checkfirst

Revision ID: kb15
Revises: kb14
"""

import sqlalchemy as sa
from alembic import op

revision = "kb15"
down_revision = "kb14"
branch_labels = None
depends_on = None


def upgrade() -> None:
    kind = sa.Enum("note", "pdf", "web", name="document_kind")
    kind.create(op.get_bind(), checkfirst=True)
    op.add_column("documents", sa.Column("kind", kind, nullable=True))


def downgrade() -> None:
    op.drop_column("documents", "kind")
    sa.Enum(name="document_kind").drop(op.get_bind(), checkfirst=True)
