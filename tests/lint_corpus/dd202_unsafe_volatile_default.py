# expect: DD202
import sqlalchemy as sa
from alembic import op

revision = "c202u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column(
        "accounts",
        sa.Column("public_id", sa.Uuid(), server_default=sa.text("gen_random_uuid()")),
    )


def downgrade():
    op.drop_column("accounts", "public_id")
