# expect: none
"""A dialect guard through bind.engine renders offline."""
import sqlalchemy as sa
from alembic import op

revision = "c004e"
down_revision = None


def upgrade():
    bind = op.get_bind()
    if bind.engine.name != "postgresql" or not bind.engine.url.database:
        return
    op.add_column("invoices", sa.Column("memo", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("invoices", "memo")
