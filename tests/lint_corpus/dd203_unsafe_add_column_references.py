# expect: DD203
import sqlalchemy as sa
from alembic import op

revision = "c203c"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column(
        "orders",
        sa.Column("coupon_id", sa.Integer(), sa.ForeignKey("coupons.id"), nullable=True),
    )


def downgrade():
    op.drop_column("orders", "coupon_id")
