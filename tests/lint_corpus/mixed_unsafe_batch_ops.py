# expect: DD102,DD201
"""batch_alter_table on PostgreSQL emits plain ALTERs: the same rules apply."""
import sqlalchemy as sa
from alembic import op

revision = "cmix4"
down_revision = None


def upgrade():
    with op.batch_alter_table("invoices") as batch_op:
        batch_op.drop_column("old_total")
        batch_op.add_column(sa.Column("total_cents", sa.BigInteger(), nullable=False))


def downgrade():
    with op.batch_alter_table("invoices") as batch_op:
        batch_op.drop_column("total_cents")
        batch_op.add_column(sa.Column("old_total", sa.Numeric(10, 2)))
