# expect: none
"""varchar(50) -> varchar(200) is binary compatible: no rewrite, old code unaffected."""
import sqlalchemy as sa
from alembic import op

revision = "c104s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.alter_column(
        "orders",
        "reference",
        type_=sa.String(length=200),
        existing_type=sa.String(length=50),
        existing_nullable=True,
    )


def downgrade():
    op.alter_column(
        "orders", "reference", type_=sa.String(length=50), existing_type=sa.String(length=200)
    )
