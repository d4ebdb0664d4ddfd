# expect: DD104,DD208
import sqlalchemy as sa
from alembic import op

revision = "c104u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.alter_column(
        "orders",
        "reference",
        type_=sa.Integer(),
        existing_type=sa.String(length=40),
        postgresql_using="reference::integer",
    )


def downgrade():
    op.alter_column("orders", "reference", type_=sa.String(length=40), existing_type=sa.Integer())
