# expect: none
import sqlalchemy as sa
from alembic import op

revision = "c208s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.alter_column(
        "orders",
        "total",
        type_=sa.Numeric(14, 2),
        existing_type=sa.Numeric(10, 2),
    )


def downgrade():
    op.alter_column("orders", "total", type_=sa.Numeric(10, 2), existing_type=sa.Numeric(14, 2))
