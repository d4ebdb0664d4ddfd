# expect: DD111
from alembic import op

revision = "c111t"
down_revision = None


def upgrade():
    op.execute("TRUNCATE sessions")


def downgrade():
    raise NotImplementedError("irreversible: the rows are gone")
