# expect: none
from alembic import op

revision = "c107s"
down_revision = None


def upgrade():
    op.execute("UPDATE accounts SET plan = 'free' WHERE plan IS NULL")


def downgrade():
    pass  # nothing to undo: the column keeps its values
