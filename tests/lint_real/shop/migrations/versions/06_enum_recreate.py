# label: unsafe -- recreating the enum retypes orders.status: a full rewrite
"""enum recreate

Revision ID: shop06
Revises: shop05
"""

from alembic import op

revision = "shop06"
down_revision = "shop05"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TYPE order_status RENAME TO order_status_old")
    op.execute("CREATE TYPE order_status AS ENUM ('pending', 'paid', 'refunded', 'void')")
    op.execute(
        "ALTER TABLE orders ALTER COLUMN status TYPE order_status USING status::text::order_status"
    )
    op.execute("DROP TYPE order_status_old")


def downgrade() -> None:
    raise NotImplementedError("irreversible: restore from backup")
