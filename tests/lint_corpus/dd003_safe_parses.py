# expect: none
import sqlalchemy as sa
from alembic import op

revision = "c003s"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("invoices", sa.Column("note", sa.Text()))


def downgrade():
    op.drop_column("invoices", "note")
