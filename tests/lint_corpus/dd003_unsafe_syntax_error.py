# expect: DD003
import sqlalchemy as sa
from alembic import op

revision = "c003u"
down_revision = None


def upgrade(:
    op.add_column("invoices", sa.Column("note", sa.Text()))


def downgrade():
    op.drop_column("invoices", "note")
