# label: unsafe -- gen_random_uuid() default rewrites notes
"""token volatile default

Revision ID: note07
Revises: note06
"""

import sqlalchemy as sa
from alembic import op

revision = "note07"
down_revision = "note06"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "notes",
        sa.Column("token", sa.Uuid(), nullable=False, server_default=sa.text("gen_random_uuid()")),
    )


def downgrade() -> None:
    op.drop_column("notes", "token")
