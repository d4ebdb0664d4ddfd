# expect: DD110
import sqlalchemy as sa
from alembic import op

revision = "c110u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.add_column("document_shares", sa.Column("expires_on", sa.Date(), nullable=True))


def downgrade():
    op.drop_column("document_shares", "expires_on")
