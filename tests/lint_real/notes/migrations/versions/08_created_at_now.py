# label: safe -- now() default is evaluated once: no rewrite
"""created at now

Revision ID: note08
Revises: note07
"""

import sqlalchemy as sa
from alembic import op

revision = "note08"
down_revision = "note07"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "notes",
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("now()"),
        ),
    )


def downgrade() -> None:
    op.drop_column("notes", "created_at")
