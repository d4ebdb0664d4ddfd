# expect: none
"""now() is STABLE: evaluated once, stored as the column's fast default."""
import sqlalchemy as sa
from alembic import op

revision = "c202s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column(
        "accounts",
        sa.Column("imported_at", sa.DateTime(timezone=True), server_default=sa.text("now()")),
    )
    op.add_column("accounts", sa.Column("public_id", sa.Uuid(), nullable=True))
    op.execute("ALTER TABLE accounts ALTER COLUMN public_id SET DEFAULT gen_random_uuid()")


def downgrade():
    op.drop_column("accounts", "public_id")
    op.drop_column("accounts", "imported_at")
