# expect: DD101
import sqlalchemy as sa
from alembic import op

revision = "c101u"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.drop_table("legacy_reports")


def downgrade():
    op.create_table("legacy_reports", sa.Column("id", sa.Integer(), primary_key=True))
