# expect: none
"""Base revision for the DD115 pair: it creates the table they change."""
import sqlalchemy as sa
from alembic import op

revision = "c115base"
down_revision = None


def upgrade():
    op.create_table(
        "profiles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=100), nullable=True),
    )


def downgrade():
    op.drop_table("profiles")
